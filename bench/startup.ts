// Cold start as a new user meets it: `npm start` on a fresh clone, i.e. the embedded PGlite
// database in an empty DATA_DIR, so the first start migrates, seeds the reference data and loads
// the synthetic demo dataset (400 trajectories). Measures from spawning `npm start` to the first
// 200 of /health/ready, and when the milestones of the log came (database opened, demo data
// loaded, listening). A warm start (same DATA_DIR again) follows, then the directory is removed.
//
//   npm run bench:startup
//   BENCH_ROUNDS=3 npm run bench:startup
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { machineLine, request } from './lib/load';
import { benchUsage } from './lib/usage';

benchUsage(import.meta.url);

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const PORT = Number(process.env.BENCH_PORT ?? 3917);

interface StartRun {
  kind: 'cold' | 'warm';
  readyMs: number;
  milestones: Record<string, number>;
  progressLines: number;
}

const MILESTONES: Array<[string, RegExp]> = [
  ['database opened', /^database opened$/],
  ['demo load started', /^Loading the SYNTHETIC demo dataset/],
  ['demo data loaded', /^Loaded the SYNTHETIC demo dataset/],
  ['listening', /^Server listening/],
];

async function startOnce(kind: StartRun['kind'], dataDir: string): Promise<StartRun> {
  const started = Date.now();
  const child = spawn('npm', ['start'], {
    env: { ...process.env, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: String(PORT), LOG_LEVEL: 'info', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const milestones: Record<string, number> = {};
  let progressLines = 0;
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    let message = '';
    let time = Date.now();
    try {
      const parsed = JSON.parse(line) as { msg?: unknown; time?: unknown };
      message = String(parsed.msg ?? '');
      if (typeof parsed.time === 'number') time = parsed.time;
    } catch {
      return;
    }
    if (message.startsWith('demo data: ')) progressLines += 1;
    // pino's own time of the line: stdout may reach us in batches.
    for (const [name, pattern] of MILESTONES) if (!(name in milestones) && pattern.test(message)) milestones[name] = time - started;
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  try {
    for (;;) {
      if (exited) throw new Error('npm start exited before it was ready');
      const status = await request(PORT, { method: 'GET', path: '/health/ready' }).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { kind, readyMs: Date.now() - started, milestones, progressLines };
  } finally {
    // The whole group: npm, its shell and the service.
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGTERM');
      await gone;
    }
    // npm may exit before the service has let go of the port and the data directory.
    while (
      await request(PORT, { method: 'GET', path: '/health/live' }).then(
        () => true,
        () => false,
      )
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function main() {
  const runs: StartRun[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-startup-'));
    try {
      runs.push(await startOnce('cold', dataDir));
      runs.push(await startOnce('warm', dataDir));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  console.log(machineLine());
  console.log(
    `load average at the end: ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  console.log('');
  const names = MILESTONES.map(([name]) => name);
  console.log(`| start | ${names.map((name) => `${name} s`).join(' | ')} | ready (/health/ready 200) s | progress lines |`);
  console.log(`|---|${names.map(() => '---:').join('|')}|---:|---:|`);
  for (const run of runs) {
    const cells = names.map((name) => (run.milestones[name] === undefined ? '–' : (run.milestones[name]! / 1000).toFixed(1)));
    console.log(`| ${run.kind} | ${cells.join(' | ')} | ${(run.readyMs / 1000).toFixed(1)} | ${run.progressLines} |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
