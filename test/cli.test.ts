import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Every command-line tool, run as `npm run` runs it (node with tsx): --help prints its usage and
// exits 0; a mistake prints one line and exits 64 before anything is opened, so an embedded
// database directory is never created by a mistyped command.

const ROOT = path.resolve(import.meta.dirname, '..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-cli-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(script: string, args: string[], dataDir = path.join(scratch, 'data')): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, ...args],
      // No DATABASE_URL: the tools would open the embedded database in DATA_DIR.
      { cwd: ROOT, env: { PATH: process.env.PATH, DATA_DIR: dataDir, NODE_ENV: 'production' }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const TOOLS = [
  { script: 'src/cli/keys.ts', usage: /npm run keys -- create --name NAME --role ROLE/ },
  { script: 'src/cli/audit.ts', usage: /npm run audit -- verify/ },
  { script: 'src/cli/pseudonymise.ts', usage: /npm run -s pseudonymise -- --key-file/ },
  { script: 'bench/generate.ts', usage: /npm run generate -- \[--trajectories N\]/ },
  // One benchmark run for real, the one with the fewest imports (a benchmark that builds the
  // service loads all of it first: 7 s under the suite's load); the others are checked to use the
  // same helper (below).
  { script: 'bench/startup.ts', usage: /npm run bench:startup/ },
  { script: 'src/cli/perturbation-table.ts', usage: /npm run ptable -- --D <max deviation> --V <variance> --js <threshold>/ },
  { script: 'src/cli/contracts.ts', usage: /npm run contracts -- --check/ },
  { script: 'src/server.ts', usage: /npm start -- --help/ },
  { script: 'examples/generate.ts', usage: /npm run examples:generate/ },
  { script: 'docs/screenshots.ts', usage: /npm run screenshots/ },
  { script: 'web/build.mjs', usage: /npm run build:web/ },
];

// Concurrent: each case is a process of its own, and the run is mostly start-up time.
describe.concurrent('command-line tools', () => {
  it.each(TOOLS)('$script --help prints its usage and exits 0', async ({ script, usage }) => {
    const result = await run(script, ['--help']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(usage);
    expect(result.code).toBe(0);
  });

  const MISTAKES: Array<[string, string[], RegExp]> = [
    [
      'src/cli/keys.ts',
      ['craete', '--name', 'x'],
      /^keys: unknown command "craete"; the commands are create, list and revoke \(see: npm run keys -- --help\)\n$/,
    ],
    ['src/cli/keys.ts', [], /^keys: name a command/],
    ['src/cli/keys.ts', ['create', '--name', 'x', '--role', 'wizard'], /^keys: --role must be one of: /],
    ['src/cli/keys.ts', ['create', '--name', 'x', '--role', 'institution'], /^keys: a key of role institution needs --institution CODE/],
    ['src/cli/keys.ts', ['create', '--name', 'x', '--role', 'admin', '--expires', 'soon'], /^keys: --expires must be an ISO date/],
    ['src/cli/keys.ts', ['revoke', 'not-an-id'], /^keys: "not-an-id" is not a key id/],
    ['src/cli/keys.ts', ['list', '--rol', 'admin'], /^keys: Unknown option '--rol' \(see/],
    ['src/cli/audit.ts', ['verfy'], /^audit: unknown command "verfy"/],
    ['src/cli/audit.ts', ['--bogus'], /^audit: Unknown option '--bogus' \(see: npm run audit -- --help\)\n$/],
    ['src/cli/audit.ts', ['verify', '--checkpoints', 'checkpoints.jsonl'], /^audit: --checkpoints and --public-key go together/],
    ['src/cli/audit.ts', ['keygen'], /^audit: keygen needs --private-key FILE/],
    ['src/cli/pseudonymise.ts', ['111222333'], /^pseudonymise: --key-file is required/],
    [
      'src/cli/pseudonymise.ts',
      ['--key-file', path.join(scratch, 'missing.txt'), '111222333'],
      /^pseudonymise: --key-file .*missing\.txt: no such file/,
    ],
    ['bench/generate.ts', ['--trajectories', 'many'], /^generate: --trajectories must be a whole number from 1 to 1000000/],
    ['bench/generate.ts', ['--seeds', '2'], /^generate: Unknown option '--seeds'/],
    ['bench/startup.ts', ['--seconds', '5'], /^startup\.ts: unexpected argument "--seconds": benchmarks take BENCH_\* variables/],
    // Printed a stack trace before issue #27.
    ['src/cli/perturbation-table.ts', ['--bogus'], /^ptable: Unknown option '--bogus' \(see: npm run ptable -- --help\)\n$/],
    ['src/cli/perturbation-table.ts', [], /^ptable: --D is required/],
    ['src/cli/perturbation-table.ts', ['--D', '0x3', '--V', '1', '--js', '2'], /^ptable: --D must be a number/],
    ['src/cli/perturbation-table.ts', ['--D', '3', '--V', '20', '--js', '2'], /^ptable: V must lie between 0 and D²/],
    ['src/cli/contracts.ts', ['--bogus'], /^contracts: Unknown option '--bogus' \(see: npm run contracts -- --help\)\n$/],
    ['src/cli/contracts.ts', ['check'], /^contracts: unexpected argument "check"/],
    ['src/server.ts', ['--port', '80'], /^start: unexpected argument "--port": start takes no arguments/],
    ['examples/generate.ts', ['--bogus'], /^examples:generate: unexpected argument "--bogus"/],
    ['docs/screenshots.ts', ['--bogus'], /^screenshots: unexpected argument "--bogus"/],
    ['web/build.mjs', ['--bogus'], /^build:web: unexpected argument "--bogus"/],
  ];

  it('every benchmark answers --help and refuses arguments through the same helper', () => {
    const scripts = Object.values(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>)
      .map((command) => /(bench\/[\w-]+\.ts)/.exec(command)?.[1])
      .filter((script): script is string => script !== undefined && script !== 'bench/generate.ts');
    expect(scripts.length).toBeGreaterThanOrEqual(7);
    for (const script of scripts) {
      const source = fs.readFileSync(path.join(ROOT, script), 'utf8');
      // erasure-race parses its own options (--rounds, --pool, …) and has its own --help.
      expect(/^benchUsage\(import\.meta\.url\);$/m.test(source) || /help: \{ type: 'boolean'/.test(source), script).toBe(true);
    }
  });

  it.each(MISTAKES)('%s %j: one line on stderr, exit 64, no database touched', async (script, args, message) => {
    const dataDir = path.join(scratch, `data-${Math.random().toString(36).slice(2)}`);
    const result = await run(script, args, dataDir);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(64);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('audit keygen writes an Ed25519 checkpoint key only it can read, prints the public half, and never overwrites one', async () => {
    const file = path.join(scratch, `checkpoint-${Math.random().toString(36).slice(2)}.pem`);
    const made = await run('src/cli/audit.ts', ['keygen', '--private-key', file]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const again = await run('src/cli/audit.ts', ['keygen', '--private-key', file]);
    expect(again.code).toBe(64);
    expect(again.stderr).toMatch(/never overwritten/);
  });

  it('audit verify refuses a data folder that holds no database, and creates none', async () => {
    for (const command of ['verify', 'purge']) {
      const dataDir = path.join(scratch, `missing-${Math.random().toString(36).slice(2)}`);
      const result = await run('src/cli/audit.ts', [command], dataDir);
      expect(result.stderr, command).toMatch(/^audit: no embedded database in .*missing-\w+ \(DATA_DIR\)/);
      expect(result.stderr.trimEnd().split('\n'), command).toHaveLength(1);
      expect(result.stdout, command).toBe('');
      expect(result.code, command).toBe(66);
      expect(fs.existsSync(dataDir), command).toBe(false);
    }
  });
});
