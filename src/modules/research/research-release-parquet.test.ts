import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import type { Table } from './research-release-package';
import { parquetTableWriter } from './research-release-parquet';

// A release's table as Parquet: typed from the codebook, written a row group at a time, and
// refused, not silently stored wrong, when a value does not fit its column.

const table: Table = {
  name: 'sample',
  description: 'A table for the test.',
  parts: [],
  rowsOf: () => [],
  columns: [
    { name: 'id', type: 'string', required: true, description: '' },
    { name: 'day', type: 'integer', required: true, description: '' },
    { name: 'value', type: 'number', description: '' },
    { name: 'reliable', type: 'boolean', description: '' },
  ],
};

function write(rows: unknown[][], rowGroup: number) {
  const chunks: Uint8Array[] = [];
  const writer = parquetTableWriter(table, (bytes) => chunks.push(bytes), { createdBy: 'test', rowGroup });
  writer.add(rows);
  const before = chunks.length;
  writer.end();
  const file = Buffer.concat(chunks);
  return { chunks, before, file: file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) };
}

describe('a release table as Parquet', () => {
  it('is typed from the codebook, keeps nulls, and reads back as written', async () => {
    const rows = [
      ['a', 0, 12.5, true],
      ['b', -3, null, null],
      ['c', 400, 7, false],
    ];
    const { file } = write([...rows, ['d', 1, -0, true]], 100);
    const schema = parquetMetadata(file).schema.slice(1);
    expect(schema.map(({ name, type, converted_type, repetition_type }) => ({ name, type, converted_type, repetition_type }))).toEqual([
      { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'day', type: 'INT32', converted_type: undefined, repetition_type: 'REQUIRED' },
      { name: 'value', type: 'DOUBLE', converted_type: undefined, repetition_type: 'OPTIONAL' },
      { name: 'reliable', type: 'BOOLEAN', converted_type: undefined, repetition_type: 'OPTIONAL' },
    ]);
    const read = await parquetReadObjects({ file });
    expect(read.slice(0, 3)).toEqual(rows.map(([id, day, value, reliable]) => ({ id, day, value, reliable })));
    // -0 (an RCI of no change) is 0, as the CSV and JSON write it.
    expect(Object.is(read[3]!.value, 0)).toBe(true);
  });

  it('hands on each row group as it is written, not the file at its end', async () => {
    const rows = Array.from({ length: 7 }, (_, index) => [`t${index}`, index, index / 2, index % 2 === 0]);
    const { chunks, before, file } = write(rows, 3);
    // Two full groups were handed on while rows were added; the third, then the footer, at the end.
    expect(before).toBe(2);
    expect(chunks.length).toBe(4);
    const metadata = parquetMetadata(file);
    expect(metadata.row_groups.map((group) => Number(group.num_rows))).toEqual([3, 3, 1]);
    expect((await parquetReadObjects({ file })).map((row) => row.day)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('writes a table without rows as a file with its columns', async () => {
    const { file } = write([], 10);
    expect(
      parquetMetadata(file)
        .schema.slice(1)
        .map((element) => element.name),
    ).toEqual(['id', 'day', 'value', 'reliable']);
    expect(await parquetReadObjects({ file })).toEqual([]);
  });

  it('refuses a value that does not fit its column, which the writer would store wrong', () => {
    expect(() => write([['a', 2.5, 1, true]], 10)).toThrow('sample.day: number is not integer');
    expect(() => write([['a', '2', 1, true]], 10)).toThrow('sample.day: string is not integer');
    expect(() => write([['a', 2 ** 31, 1, true]], 10)).toThrow('sample.day');
    expect(() => write([['a', null, 1, true]], 10)).toThrow('sample.day is required but empty');
    expect(() => write([['a', 1, '1', true]], 10)).toThrow('sample.value: string is not number');
    expect(() => write([['a', 1, 1, 'true']], 10)).toThrow('sample.reliable: string is not boolean');
    expect(() => write([[1, 1, 1, true]], 10)).toThrow('sample.id: number is not string');
  });
});
