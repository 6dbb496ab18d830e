import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openConfiguredDatabase } from '../../src/runtime/open-configured-database';
import { DEMO_KEYS_FILE, prepareDatabase } from '../../src/runtime/prepare-database';
import { BENCH_RATE_LIMIT_MAX } from './service';

// The service as `npm start` runs it on a fresh clone (embedded PGlite, the synthetic demo data,
// a demo key per role), in a temporary data directory, with the trajectory indicators computed
// and the statistics released before it is used: what the screenshots and the page-load
// benchmark show is what a new user sees once the server has settled.

export interface DemoService {
  app: FastifyInstance;
  origin: string;
  keys: Record<string, string>;
  close(): Promise<void>;
}

const quiet = { info: () => undefined };

export async function startDemoService(environment: Record<string, string> = {}): Promise<DemoService> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-demo-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    RATE_LIMIT_MAX: String(BENCH_RATE_LIMIT_MAX),
    ...environment,
  });
  const opened = await openConfiguredDatabase(config, {});
  try {
    await prepareDatabase(opened.database, opened.config, quiet);
    const app = await buildApp({ config: opened.config, database: opened.database, logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    await app.indicators.enqueueStale();
    await app.indicators.drain();
    await app.statisticsReleases.release();
    const keys = (JSON.parse(fs.readFileSync(path.join(dataDir, DEMO_KEYS_FILE), 'utf8')) as { keys: Record<string, string> }).keys;
    return {
      app,
      origin: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
      keys,
      close: async () => {
        await app.close();
        await opened.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await opened.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
