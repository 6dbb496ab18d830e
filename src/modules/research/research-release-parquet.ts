import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { Column, ColumnType, Table } from './research-release-package';

// A table of a research release as Apache Parquet (https://parquet.apache.org/docs/file-format/),
// typed from the same codebook as its CSV: integers INT32 (day offsets, counts, ages: far inside
// 32 bits), numbers DOUBLE, booleans BOOLEAN, strings UTF-8; a required column is REQUIRED, any
// other OPTIONAL (empty is null). Written in row groups of ROW_GROUP rows: the rows of one group
// are held, encoded, handed to `sink` and dropped, so memory is bounded by a group, not a table.

export const ROW_GROUP = 20_000;

/** The writer's own (it bundles its hyparquet, whose types may differ from the one tests read with). */
type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

const PHYSICAL: Record<ColumnType, Pick<SchemaElement, 'type' | 'converted_type'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  integer: { type: 'INT32' },
  number: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
};

/** The Parquet schema of a table: its codebook's columns, in order. */
export function parquetSchemaOf(table: Table): SchemaElement[] {
  return [
    { name: 'root', num_children: table.columns.length },
    ...table.columns.map(
      (column): SchemaElement => ({
        name: column.name,
        ...PHYSICAL[column.type],
        repetition_type: column.required ? 'REQUIRED' : 'OPTIONAL',
      }),
    ),
  ];
}

const fits: Record<ColumnType, (value: unknown) => boolean> = {
  string: (value) => typeof value === 'string',
  integer: (value) => Number.isInteger(value) && Math.abs(value as number) < 2 ** 31,
  number: (value) => typeof value === 'number' && Number.isFinite(value),
  boolean: (value) => typeof value === 'boolean',
};

/**
 * A cell as the codebook types it. The writer would store a wrong value silently (null as 0, 2.5
 * as 2 in INT32), so a value that does not fit its column stops the export instead.
 */
export function cellOf(table: Table, column: Column, value: unknown): unknown {
  if (value === null || value === undefined) {
    if (column.required) throw new Error(`${table.name}.${column.name} is required but empty`);
    return null;
  }
  if (!fits[column.type](value)) throw new Error(`${table.name}.${column.name}: ${typeof value} is not ${column.type}`);
  // An RCI of no change can be -0; the CSV and GraphQL (JSON) write 0.
  return Object.is(value, -0) ? 0 : value;
}

export interface ParquetTableWriter {
  /** Adds rows (in the table's column order); writes a row group when ROW_GROUP are held. */
  add(rows: unknown[][]): void;
  /** Writes what is held and the footer. */
  end(): void;
}

/** A Parquet file of `table`, its bytes handed to `sink` a row group at a time (each a copy the sink may keep). */
export function parquetTableWriter(
  table: Table,
  sink: (bytes: Uint8Array) => void,
  options: { createdBy: string; rowGroup?: number },
): ParquetTableWriter {
  const rowGroup = options.rowGroup ?? ROW_GROUP;
  const writer = new ByteWriter();
  // The writer's buffer is reused after a flush: hand on a copy, and start over at its beginning
  // (its `offset` keeps counting the file's bytes, which the footer's offsets need).
  const flush = () => {
    if (writer.index === 0) return;
    sink(new Uint8Array(writer.buffer, 0, writer.index).slice());
    writer.index = 0;
  };
  Object.assign(writer, { flush, finish: flush });
  const parquet = new ParquetWriter({ writer, schema: parquetSchemaOf(table), createdBy: options.createdBy });
  let held: unknown[][] = table.columns.map(() => []);
  let count = 0;
  const writeGroup = () => {
    if (count === 0) return;
    void parquet.write({
      columnData: table.columns.map((column, index) => ({ name: column.name, data: held[index]! })),
      rowGroupSize: count,
    });
    held = table.columns.map(() => []);
    count = 0;
  };
  return {
    add(rows) {
      for (const row of rows) {
        table.columns.forEach((column, index) => {
          held[index]!.push(cellOf(table, column, row[index]));
        });
        if (++count >= rowGroup) writeGroup();
      }
    },
    end() {
      writeGroup();
      void parquet.finish();
    },
  };
}
