import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { type Config, loadConfig } from '../../src/config';
import type { Database } from '../../src/db/client';
import type { Role } from '../../src/lib/vocabulary';
import type { ReleaseView } from '../../src/modules/research';
import { createApiKeysRepository } from '../../src/modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../../src/modules/api-keys/api-keys.service';
import { checkContract } from './contract';
import { createTestDatabase, type TestDatabase, type TestDatabaseSnapshot } from './test-database';
import { testLogger } from './test-log';

/** A fixed registry key for tests; real deployments set their own. */
export const TEST_REGISTRY_KEY_HEX = 'a'.repeat(64);

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'postgres://unused-in-tests/registry',
    REGISTRY_PSEUDONYM_KEY: TEST_REGISTRY_KEY_HEX,
    ...overrides,
  });
}

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  testDatabase: TestDatabase;
  /** Creates an API key and returns the Authorization header for it. */
  authorization(role: Role, institutionCode?: string, extra?: { expiresAt?: Date }): Promise<{ authorization: string; keyId: string }>;
  /** Makes a research release now (researchers read releases only): research-releases.ts. */
  releaseResearch(): Promise<ReleaseView | null>;
  close(): Promise<void>;
}

/** The application on this test file's own database. */
export async function createTestApp(
  configOverrides: Record<string, string> = {},
  beforeReady?: (app: FastifyInstance) => void,
  /** A copy of this snapshot instead of an empty registry (demo-world.ts). */
  from?: TestDatabaseSnapshot,
): Promise<TestApp> {
  const testDatabase = await createTestDatabase(from ? { from } : {});
  const { database } = testDatabase;
  const app = await buildApp({ config: testConfig(configOverrides), database, logger: testLogger() });
  checkContract(app);
  beforeReady?.(app);
  await app.ready();
  const apiKeys = createApiKeysService(createApiKeysRepository(database));
  return {
    app,
    database,
    testDatabase,
    async authorization(role, institutionCode, extra = {}) {
      const created = await apiKeys.create({
        name: `test ${role}`,
        role,
        ...(institutionCode ? { institutionCode } : role === 'institution' ? { institutionCode: 'vuurtorenhuis' } : {}),
        ...extra,
      });
      return { authorization: `Bearer ${created.key}`, keyId: created.id };
    },
    releaseResearch: () => app.researchReleases.releaseNow(),
    async close() {
      await app.close();
      await testDatabase.destroy();
    },
  };
}
