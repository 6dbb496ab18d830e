import type { Database } from '../../db/client';
import { transactionWithoutRecords } from '../../db/unit-of-work';
import { type DemoLoadProgress, type DemoLoadResult, writeSyntheticTrajectories } from './demo-data.repository';
import { type GeneratorOptions, generateSyntheticTrajectories, type SyntheticTrajectory } from './synthetic-trajectories';

// Synthetic data goes in in one transaction, opened here: all of it or none. No participant
// joins it: synthetic records are not audited, and the server queues their indicators at start.

export { type DemoLoadProgress, type DemoLoadResult, isRegistryEmpty } from './demo-data.repository';

/** Writes a synthetic dataset straight into the database, in one transaction. Reference data must be loaded first. */
export function loadDemoData(
  database: Database,
  registryPseudonymKey: Buffer,
  options: GeneratorOptions,
  onProgress?: DemoLoadProgress,
): Promise<DemoLoadResult> {
  return insertSyntheticTrajectories(database, registryPseudonymKey, generateSyntheticTrajectories(options), onProgress);
}

/** Writes synthetic trajectories (from the generator) in one transaction. */
export function insertSyntheticTrajectories(
  database: Database,
  registryPseudonymKey: Buffer,
  synthetics: Iterable<SyntheticTrajectory>,
  onProgress?: DemoLoadProgress,
): Promise<DemoLoadResult> {
  return transactionWithoutRecords(database, (connection) =>
    writeSyntheticTrajectories(connection, registryPseudonymKey, synthetics, onProgress),
  );
}
