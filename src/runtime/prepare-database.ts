import fs from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config';
import { type Database, openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { transactionWithoutRecords } from '../db/unit-of-work';
import { currentRole, grantServiceRole } from '../db/roles';
import { todayIso } from '../lib/dates';
import { ROLES } from '../lib/vocabulary';
import { createApiKeysRepository } from '../modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../modules/api-keys/api-keys.service';
import { seedReferenceData } from '../modules/catalogue';
import { isRegistryEmpty, loadDemoData } from '../modules/demo/demo-data.service';
import { writePrivateFile } from './data-directory';

export const DEMO_TRAJECTORIES = 400;
export const DEMO_KEYS_FILE = 'demo-api-keys.json';

/**
 * Everything a database needs before the service answers: migrations, reference data, and on
 * an empty database where demo data is wanted, the synthetic dataset and one key per role.
 */
export async function prepareDatabase(
  database: Database,
  config: Pick<Config, 'loadDemoData' | 'dataDir' | 'database'> & { registryPseudonymKey: Buffer; demoTrajectories?: number },
  log: Pick<FastifyBaseLogger, 'info'>,
): Promise<void> {
  const target = config.database;
  if (target.kind === 'postgres' && target.ownerUrl) {
    const owner = await openDatabase({ kind: 'postgres', url: target.ownerUrl, poolMax: 2, statementTimeoutMs: target.statementTimeoutMs });
    try {
      const serviceRole = await currentRole(database);
      if (serviceRole === (await currentRole(owner))) {
        throw new Error(
          'DATABASE_OWNER_URL and DATABASE_URL connect as the same role; the service needs a role of its own (see docs/operations.md, "Database roles").',
        );
      }
      await prepareSchema(owner, serviceRole);
    } finally {
      await owner.close();
    }
  } else {
    await prepareSchema(database);
  }
  if (config.loadDemoData && (await isRegistryEmpty(database))) await loadDemo(database, config, log);
  // Trajectory indicators are brought up to date by the server in the background once it
  // listens (and daily), not here: the command-line tools go through this function too.
}

/**
 * Migrations and reference data, run by the schema's owner; then, with two roles, the service's
 * role gets exactly its rights on what the migrations made (src/db/roles.ts).
 */
export async function prepareSchema(owner: Database, serviceRole?: string): Promise<void> {
  await migrateDatabase(owner);
  await seedReferenceData(owner);
  if (serviceRole) await transactionWithoutRecords(owner, (connection) => grantServiceRole(connection, serviceRole));
}

async function loadDemo(
  database: Database,
  config: Pick<Config, 'dataDir'> & { registryPseudonymKey: Buffer; demoTrajectories?: number },
  log: Pick<FastifyBaseLogger, 'info'>,
): Promise<void> {
  // The keys first, then the data: the data is loaded into an empty database only, so keys written
  // after it and lost (a DATA_DIR that cannot be made or written) would be lost for good. A start
  // that fails after the keys loads the data, and writes new keys, again.
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const keysFile = path.join(config.dataDir, DEMO_KEYS_FILE);
  const apiKeys = createApiKeysService(createApiKeysRepository(database));
  const demoKeys: Record<string, string> = {};
  for (const role of ROLES) {
    const { key } = await apiKeys.create({
      name: `demo ${role}`,
      role,
      ...(role === 'institution' ? { institutionCode: 'vuurtorenhuis' } : {}),
    });
    demoKeys[role] = key;
  }
  writePrivateFile(
    keysFile,
    `${JSON.stringify({ note: 'Demo API keys for the synthetic dataset; one per role. The institution key acts for vuurtorenhuis.', keys: demoKeys }, null, 2)}\n`,
  );
  const started = Date.now();
  const wanted = config.demoTrajectories ?? DEMO_TRAJECTORIES;
  log.info({ trajectories: wanted }, `Loading the SYNTHETIC demo dataset (${wanted} trajectories)`);
  const totals = await loadDemoData(database, config.registryPseudonymKey, { trajectories: wanted, asOf: todayIso() }, (done) =>
    log.info(
      { ...done, milliseconds: Date.now() - started },
      `demo data: ${done.trajectories}/${wanted} trajectories, ${done.measurements} measurements`,
    ),
  );
  log.info(
    { ...totals, milliseconds: Date.now() - started, demoKeysFile: keysFile },
    `Loaded the SYNTHETIC demo dataset. Demo API keys for every role (${ROLES.join(', ')}) are in ${keysFile} (readable by you only); ` +
      'use one as "Authorization: Bearer <key>". Create more with "npm run keys -- create".',
  );
}
