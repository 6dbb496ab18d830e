import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { PgliteDatabase } from '../../src/db/client';

// A scale dataset (bench/lib/scale-dataset.ts, on PostgreSQL) copied into an embedded PGlite
// database that has been migrated: the reference data and the records, with their indicators,
// table by table with COPY, so that both engines are measured on the same rows. Generating in
// PGlite through the demo path would check every foreign key row by row and take many minutes.

/** The tables with the registry's data; the rest (keys, audit, ingest reports, statistics) start empty. */
const TABLES = [
  'institutions',
  'programmes',
  'activity_types',
  'instruments',
  'instrument_informants',
  'programme_offer_items',
  'subjects',
  'subject_objections',
  'trajectories',
  'placements',
  'care_activities',
  'measurements',
  'trajectory_indicators',
  'trajectory_doses',
] as const;

export async function copyScaleDatasetIntoPglite(sourceUrl: string, target: PgliteDatabase): Promise<Record<string, number>> {
  const source = new pg.Client({ connectionString: sourceUrl });
  await source.connect();
  const copied: Record<string, number> = {};
  try {
    const { pglite } = target;
    // The seeded reference data goes: the dataset's own rows (and ids) come instead.
    await pglite.exec(`truncate ${TABLES.join(', ')} cascade`);
    // Foreign keys and the measurement range trigger are skipped, as the scale dataset's own load does.
    await pglite.exec('set session_replication_role = replica');
    for (const table of TABLES) {
      const { rows: columns } = await source.query<{ name: string }>(
        `select attname as name from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`,
        [table],
      );
      const list = columns.map((column) => `"${column.name}"`).join(', ');
      const chunks: Buffer[] = [];
      const stream = source.query(copyTo(`copy ${table} (${list}) to stdout`));
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      const blob = new Blob(chunks);
      await pglite.query(`copy ${table} (${list}) from '/dev/blob'`, [], { blob });
      copied[table] = Number((await pglite.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0]!.n);
    }
    await pglite.exec('set session_replication_role = origin');
    for (const table of ['measurements', 'care_activities']) {
      await pglite.query(`select setval(pg_get_serial_sequence('${table}', 'id'), coalesce((select max(id) from ${table}), 1))`);
    }
    await pglite.exec('vacuum analyze');
  } finally {
    await source.end();
  }
  return copied;
}
