import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { todayIso } from '../lib/dates';
import { ROLES } from '../lib/vocabulary';
import { createApiKeysRepository } from '../modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../modules/api-keys/api-keys.service';
import { seedReferenceData } from '../modules/catalogue/seed-reference-data';
import { isRegistryEmpty, loadDemoData } from '../modules/demo/load-demo-data';
import { writePrivateFile } from './data-directory';

export const DEMO_TRAJECTORIES = 400;
export const DEMO_KEYS_FILE = 'demo-api-keys.json';

/**
 * Everything a database needs before the service answers: migrations, reference data, and on
 * an empty database where demo data is wanted, the synthetic dataset and one key per role.
 */
export async function prepareDatabase(
  database: Database,
  config: Pick<Config, 'loadDemoData' | 'dataDir'> & { registryPseudonymKey: Buffer },
  log: Pick<FastifyBaseLogger, 'info'>,
): Promise<void> {
  await migrateDatabase(database);
  await seedReferenceData(database.orm);
  if (config.loadDemoData && (await isRegistryEmpty(database.orm))) await loadDemo(database, config, log);
  // Trajectory indicators are brought up to date by the server in the background once it
  // listens (and daily), not here: the command-line tools go through this function too.
}

async function loadDemo(
  database: Database,
  config: Pick<Config, 'dataDir'> & { registryPseudonymKey: Buffer },
  log: Pick<FastifyBaseLogger, 'info'>,
): Promise<void> {
  const started = Date.now();
  const totals = await loadDemoData(database.orm, config.registryPseudonymKey, {
    trajectories: DEMO_TRAJECTORIES,
    asOf: todayIso(),
  });
  const apiKeys = createApiKeysService(createApiKeysRepository(database.orm));
  const demoKeys: Record<string, string> = {};
  for (const role of ROLES) {
    const { key } = await apiKeys.create({
      name: `demo ${role}`,
      role,
      ...(role === 'institution' ? { institutionCode: 'vuurtorenhuis' } : {}),
    });
    demoKeys[role] = key;
  }
  const keysFile = path.join(config.dataDir, DEMO_KEYS_FILE);
  writePrivateFile(keysFile, `${JSON.stringify({ note: 'Demo API keys for the synthetic dataset; one per role. The institution key acts for vuurtorenhuis.', keys: demoKeys }, null, 2)}\n`);
  log.info(
    { ...totals, milliseconds: Date.now() - started, demoKeysFile: keysFile },
    `Loaded the SYNTHETIC demo dataset. Demo API keys for every role (${ROLES.join(', ')}) are in ${keysFile} (readable by you only); ` +
      'use one as "Authorization: Bearer <key>". Create more with "npm run keys -- create".',
  );
}
