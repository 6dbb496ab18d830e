import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { type Database, openDatabase } from '../../src/db/client';
import type { Role } from '../../src/lib/vocabulary';
import { createApiKeysRepository } from '../../src/modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../../src/modules/api-keys/api-keys.service';
import type { AuditLog } from '../../src/plugins/audit';
import { SCALE_REGISTRY_KEY } from './scale-dataset';

// The service as the load benchmarks run it: built in this process on a dataset's database and
// listening on a free port, so requests go over real HTTP (keep-alive) like a client's.

/**
 * The rate limiter (RATE_LIMIT_MAX per key per window, default 3,000 a minute) would turn a
 * closed loop of one key into 429s within seconds; a load test measures the service, not the limit.
 */
export const BENCH_RATE_LIMIT_MAX = 1_000_000_000;

export interface BenchService {
  app: FastifyInstance;
  port: number;
  database: Database;
  /** A new API key (plain text) of the given role. */
  key(role: Role, institutionCode?: string): Promise<string>;
  close(): Promise<void>;
}

/** An audit writer that writes nothing: beside the real one, the difference is what auditing costs. */
export const noAuditLog: AuditLog = {
  record: async (request) => {
    request.audit.recorded = true;
    return null;
  },
  participant: (request) => ({
    beforeCommit: async () => {
      request.audit.recorded = true;
    },
  }),
  track: (write) => write,
  recordMalformed: async () => undefined,
  recordService: async () => undefined,
  settle: async () => undefined,
};

export async function startService(
  databaseUrl: string,
  options: {
    poolMax?: number;
    audited?: boolean;
    environment?: Record<string, string>;
    /** Wraps the database the service is built on (a bench that times its transactions). */
    wrapDatabase?: (database: Database) => Database;
  } = {},
): Promise<BenchService> {
  const poolMax = options.poolMax ?? 10;
  const opened = await openDatabase({ kind: 'postgres', url: databaseUrl, poolMax, statementTimeoutMs: 60_000 });
  const database = options.wrapDatabase ? options.wrapDatabase(opened) : opened;
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: String(poolMax),
    // The dataset's own key, so pushed pseudonyms are keyed as the generated ones were.
    REGISTRY_PSEUDONYM_KEY: SCALE_REGISTRY_KEY.toString('hex'),
    RATE_LIMIT_MAX: String(BENCH_RATE_LIMIT_MAX),
    ...options.environment,
  });
  const app = await buildApp({ config, database, logger: false, ...(options.audited === false ? { auditLog: noAuditLog } : {}) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const apiKeys = createApiKeysService(createApiKeysRepository(database));
  return {
    app,
    port,
    database,
    key: async (role, institutionCode) =>
      (await apiKeys.create({ name: `bench ${role}`, role, ...(institutionCode ? { institutionCode } : {}) })).key,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}
