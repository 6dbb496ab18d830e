import type { Config } from '../config';
import { type Database, type DatabaseEvents, openDatabase } from '../db/client';
import { lockDataDirectory, loadOrCreateEmbeddedSecrets } from './data-directory';

export interface OpenedDatabase {
  database: Database;
  /** The configuration with the embedded database's generated secrets filled in. */
  config: Config & { registryPseudonymKey: Buffer };
  /** Closes the database and releases the data-directory lock. */
  close(): Promise<void>;
  secretsCreated: boolean;
}

/** Opens the database the configuration names; shared by the server and the command-line tools. */
export async function openConfiguredDatabase(config: Config, events: DatabaseEvents = {}): Promise<OpenedDatabase> {
  if (config.database.kind === 'postgres') {
    const database = await openDatabase(config.database, events);
    return {
      database,
      config: { ...config, registryPseudonymKey: config.registryPseudonymKey! },
      close: () => database.close(),
      secretsCreated: false,
    };
  }
  const release = lockDataDirectory(config.dataDir);
  try {
    const secrets = loadOrCreateEmbeddedSecrets(config.dataDir);
    const database = await openDatabase(config.database, events);
    return {
      database,
      config: { ...config, registryPseudonymKey: config.registryPseudonymKey ?? secrets.registryPseudonymKey },
      close: async () => {
        await database.close();
        release();
      },
      secretsCreated: secrets.created,
    };
  } catch (error) {
    release();
    throw error;
  }
}
