import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { TrajectoryFilter } from '../../generated/graphql';
import { RELEASE_METHODS, REGISTRY_VERSION } from './research-release-manifest';
import { type RowContext, TABLES, type Table, tableSchemaOf } from './research-release-package';
import { parquetTableWriter } from './research-release-parquet';
import type { ReleaseView } from './research-releases';
import type { ReleasedDocument, ResearchReleasesRepository } from './research-releases.repository';

// A release (or a filtered part of it) as one zip: a CSV per table, the same tables as Parquet
// (unless asked for CSV only) and datapackage.json, the Frictionless descriptor with the codebook
// and each file's SHA-256 and size. Streamed with bounded memory: a table is written from batches
// of documents read in id order (only the parts it needs), once for its CSV and once more for its
// Parquet (a zip entry is written whole before the next, so the two cannot share a pass without
// holding one of them), the CSV deflated as it goes (fflate), the Parquet in row groups
// (research-release-parquet.ts), and writing waits while the client reads.
// The same release and filter give the same bytes (fixed order, fixed timestamps), so checksums
// can be compared across downloads: a release never changes after it is made, except for
// erasures, which its descriptor lists.

const BATCH = 250;

export type ExportFormat = 'csv' | 'parquet';

export interface ExportInputs {
  release: ReleaseView;
  filter: TrajectoryFilter;
  withdrawn: string[];
  context: RowContext;
  /** The formats written, CSV first (default both). */
  formats?: readonly ExportFormat[];
}

/** The descriptor's file entry of a table once written. */
interface Written {
  table: Table;
  format: ExportFormat;
  hash: string;
  bytes: number;
  rows: number;
}

/** A Parquet resource's name: the table's, so that names stay unique beside the CSV's. */
const resourceName = (table: string, format: ExportFormat) => (format === 'csv' ? table : `${table}-parquet`);

const FORMATS = {
  csv: {
    mediatype: 'text/csv',
    extra: { encoding: 'utf-8', dialect: { delimiter: ',', doubleQuote: true, lineTerminator: '\n', header: true } },
  },
  // https://www.iana.org/assignments/media-types/application/vnd.apache.parquet
  parquet: { mediatype: 'application/vnd.apache.parquet', extra: {} },
} as const;

/** A table's Table Schema in a resource of `format`: its foreign keys name the trajectories of the same format. */
function schemaIn(table: Table, format: ExportFormat) {
  const schema = tableSchemaOf(table);
  if (format === 'csv' || !schema.foreignKeys) return schema;
  return {
    ...schema,
    foreignKeys: schema.foreignKeys.map((key) => ({
      ...key,
      reference: { ...key.reference, resource: resourceName('trajectories', format) },
    })),
  };
}

const csvOf = (rows: unknown[][]) =>
  stringify(rows, {
    cast: { boolean: (value) => (value ? 'true' : 'false'), number: (value) => String(value) },
    record_delimiter: 'unix',
  });

/** The package's name: lower case letters, digits and . _ - (Data Package `name`). */
const packageName = (id: string) => `care-trajectory-registry-${id.toLowerCase().replace(/[^a-z0-9._-]/g, '-')}`;

export function datapackageOf(inputs: ExportInputs, written: Written[]) {
  const { release, filter, withdrawn } = inputs;
  const filtered = Object.entries(filter).filter(([, value]) => value !== null && value !== undefined);
  return {
    profile: 'tabular-data-package',
    name: packageName(release.id),
    title: `Care Trajectory Registry — research release ${release.id}`,
    version: release.id,
    created: release.publishedAt.toISOString(),
    description:
      'Pseudonymised care trajectories of young people treated after sexual exploitation (synthetic data in this deployment). ' +
      `Every trajectory with research consent that ended before ${release.cutoff}. Times are day offsets from each trajectory’s start. ` +
      `Cite as: ${release.citation}`,
    licenses: [{ name: 'other-closed', title: 'For the declared research purpose only; see your data use agreement.' }],
    registry: {
      release: release.id,
      cutoff: release.cutoff,
      contentDigest: release.contentDigest,
      registryVersion: REGISTRY_VERSION,
      methods: RELEASE_METHODS,
      filter: Object.fromEntries(filtered),
      withdrawnTrajectoryIds: withdrawn,
    },
    resources: written.map(({ table, format, hash, bytes, rows }) => ({
      profile: 'tabular-data-resource',
      name: resourceName(table.name, format),
      path: `${table.name}.${format}`,
      title: format === 'csv' ? table.name : `${table.name} (Parquet)`,
      description: `${table.description} ${rows} rows.`,
      format,
      mediatype: FORMATS[format].mediatype,
      hash: `sha256:${hash}`,
      bytes,
      ...FORMATS[format].extra,
      schema: schemaIn(table, format),
    })),
  };
}

/** The zip of a release, as a stream; nothing is read until the client reads, and reading stops when it goes. */
export function exportRelease(repository: Pick<ResearchReleasesRepository, 'batch'>, inputs: ExportInputs): Readable {
  const mtime = inputs.release.publishedAt;
  let started = false;
  let stopped = false;
  /** The client has not read what was written (the last push found the stream's buffer full). */
  let full = false;
  let waiting: (() => void) | null = null;
  const wake = () => {
    const resume = waiting;
    waiting = null;
    resume?.();
  };
  const output = new Readable({
    read() {
      // The client wants more. Said here, not only to a waiter: a read that comes while the next
      // batch is fetched is the stream's only call until something is pushed, and a pass that
      // pushes nothing for a while (Parquet, between row groups) would otherwise wait for ever.
      full = false;
      if (!started) {
        started = true;
        void run();
      }
      wake();
    },
    destroy(error, callback) {
      stopped = true;
      wake();
      callback(error);
    },
  });
  const zip = new Zip((error, chunk, final) => {
    if (error) output.destroy(error);
    else {
      full = !output.push(chunk);
      if (final) output.push(null);
    }
  });
  /** Waits while the client has not read what was written. */
  const drained = async () => {
    while (full && !stopped) {
      await new Promise<void>((resolve) => {
        waiting = () => {
          full = false;
          resolve();
        };
      });
    }
  };

  /** Hands each batch's rows of `table` to `write`, waiting while the client has not read what was written. */
  async function eachBatch(table: Table, write: (rows: unknown[][]) => void) {
    let after: string | null = null;
    for (;;) {
      const batch = await repository.batch(inputs.release.id, inputs.filter, after, BATCH, table.parts);
      if (batch.length === 0) break;
      write(batch.flatMap((document) => table.rowsOf(document as ReleasedDocument & { id: string }, inputs.context)));
      after = batch[batch.length - 1]!.id;
      await drained();
      if (stopped || batch.length < BATCH) break;
    }
  }

  /** A zip entry that hashes and counts what it is given. */
  function entry(file: ZipDeflate | ZipPassThrough) {
    file.mtime = mtime;
    zip.add(file);
    const hash = createHash('sha256');
    let bytes = 0;
    return {
      push(buffer: Uint8Array) {
        hash.update(buffer);
        bytes += buffer.length;
        file.push(buffer);
      },
      end: () => {
        file.push(new Uint8Array(0), true);
        return { hash: hash.digest('hex'), bytes };
      },
    };
  }

  async function writeCsv(table: Table): Promise<Written> {
    const file = entry(new ZipDeflate(`${table.name}.csv`, { level: 6 }));
    const push = (text: string) => file.push(Buffer.from(text, 'utf8'));
    push(csvOf([table.columns.map((column) => column.name)]));
    let rows = 0;
    await eachBatch(table, (lines) => {
      rows += lines.length;
      if (lines.length) push(csvOf(lines));
    });
    return { table, format: 'csv', rows, ...file.end() };
  }

  async function writeParquet(table: Table): Promise<Written> {
    // Stored, not deflated: Parquet compresses its pages (Snappy) itself.
    const file = entry(new ZipPassThrough(`${table.name}.parquet`));
    const parquet = parquetTableWriter(table, file.push, { createdBy: `care-trajectory-registry ${REGISTRY_VERSION}` });
    let rows = 0;
    await eachBatch(table, (lines) => {
      rows += lines.length;
      parquet.add(lines);
    });
    parquet.end();
    return { table, format: 'parquet', rows, ...file.end() };
  }

  async function run() {
    try {
      const written: Written[] = [];
      for (const format of inputs.formats ?? ['csv', 'parquet']) {
        for (const table of TABLES) {
          if (stopped) return;
          written.push(await (format === 'csv' ? writeCsv(table) : writeParquet(table)));
        }
      }
      const descriptor = new ZipDeflate('datapackage.json', { level: 6 });
      descriptor.mtime = mtime;
      zip.add(descriptor);
      descriptor.push(Buffer.from(`${JSON.stringify(datapackageOf(inputs, written), null, 2)}\n`, 'utf8'), true);
      zip.end();
    } catch (error) {
      output.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }
  return output;
}
