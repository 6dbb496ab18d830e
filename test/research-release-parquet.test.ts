import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import Ajv from 'ajv-draft-04';
import { unzipSync } from 'fflate';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { ReleaseView } from '../src/modules/research';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp } from './helpers/test-app';
import { loadTestDemoData } from './helpers/demo-world';

// The Parquet tables of a research release's data package: each holds the rows of its CSV with
// the codebook's types (read back with hyparquet, the types compared value by value), and a
// researcher can ask for one format only.

let t: TestApp;
let researcher: string;
let release: ReleaseView;
const PROFILE = JSON.parse(readFileSync(new URL('./fixtures/frictionless/tabular-data-package.json', import.meta.url), 'utf8'));

interface Field {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean';
  constraints?: { required?: boolean };
}
interface Resource {
  name: string;
  path: string;
  format: string;
  mediatype: string;
  schema: { fields: Field[]; foreignKeys?: Array<{ reference: { resource: string } }> };
}

async function download(query = '') {
  const response = await t.app.inject({
    url: `/api/v1/research/releases/${release.id}/datapackage.zip${query}`,
    headers: { authorization: researcher, 'x-purpose-of-use': 'programme_evaluation' },
  });
  return response;
}

function unpack(body: Buffer) {
  const files = unzipSync(new Uint8Array(body));
  const descriptor = JSON.parse(Buffer.from(files['datapackage.json']!).toString('utf8')) as { resources: Resource[] };
  return { files, descriptor };
}

/** A CSV cell as its codebook type says a reader should take it (empty is missing). */
function typed(field: Field, cell: string): unknown {
  if (cell === '') return null;
  if (field.type === 'integer' || field.type === 'number') return Number(cell);
  if (field.type === 'boolean') return cell === 'true';
  return cell;
}

/** The CSV's rows as typed objects (the export quotes only where RFC 4180 needs it; these values need none). */
function csvRows(text: string, fields: Field[]) {
  const [header, ...lines] = text.trimEnd().split('\n');
  expect(header!.split(',')).toEqual(fields.map((field) => field.name));
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, index) => [fields[index]!.name, typed(fields[index]!, cell)])));
}

// The Parquet physical type each codebook type must have (https://parquet.apache.org/docs/file-format/types/).
const PHYSICAL = { string: 'BYTE_ARRAY', integer: 'INT32', number: 'DOUBLE', boolean: 'BOOLEAN' } as const;
const JS_TYPE = { string: 'string', integer: 'number', number: 'number', boolean: 'boolean' } as const;

const arrayBufferOf = (bytes: Uint8Array) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

beforeAll(async () => {
  t = await createTestApp();
  researcher = (await t.authorization('researcher')).authorization;
  await loadTestDemoData(t.database, Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex'), { trajectories: 40, seed: 33, asOf: '2026-06-30' });
  release = (await t.releaseResearch())!;
});
afterAll(() => t.close());

describe('a research release’s tables as Parquet', () => {
  it('hold the rows of the CSV, with the codebook’s types and nulls', async () => {
    const response = await download();
    expect(response.statusCode, response.body).toBe(200);
    const { files, descriptor } = unpack(response.rawPayload);
    const parquet = descriptor.resources.filter((resource) => resource.format === 'parquet');
    expect(parquet.map((resource) => resource.path)).toEqual(
      ['trajectories', 'placements', 'activities', 'measurements', 'perspective_answers', 'indicators'].map((name) => `${name}.parquet`),
    );
    let values = 0;
    for (const resource of parquet) {
      expect(resource.mediatype).toBe('application/vnd.apache.parquet');
      const csv = descriptor.resources.find((other) => other.format === 'csv' && other.path === resource.path.replace('.parquet', '.csv'))!;
      // One codebook: the same fields, and the Parquet tables refer to the Parquet trajectories.
      expect(resource.schema.fields).toEqual(csv.schema.fields);
      for (const key of resource.schema.foreignKeys ?? []) expect(key.reference.resource).toBe('trajectories-parquet');
      const file = arrayBufferOf(files[resource.path]!);
      const elements = parquetMetadata(file).schema.slice(1);
      expect(elements.map((element) => element.name)).toEqual(resource.schema.fields.map((field) => field.name));
      resource.schema.fields.forEach((field, index) => {
        const element = elements[index]!;
        expect(element.type, `${resource.name}.${field.name}`).toBe(PHYSICAL[field.type]);
        if (field.type === 'string') expect(element.converted_type, field.name).toBe('UTF8');
        expect(element.repetition_type, field.name).toBe(field.constraints?.required ? 'REQUIRED' : 'OPTIONAL');
      });
      const read = await parquetReadObjects({ file });
      const expected = csvRows(Buffer.from(files[csv.path]!).toString('utf8'), csv.schema.fields);
      expect(read, resource.name).toEqual(expected);
      // toEqual tells 3 from '3' already; this says which column is wrong.
      for (const row of read)
        for (const field of resource.schema.fields) {
          const value = row[field.name];
          if (value === null) continue;
          expect(typeof value, `${resource.name}.${field.name}`).toBe(JS_TYPE[field.type]);
          if (field.type === 'integer') expect(Number.isInteger(value), field.name).toBe(true);
          values += 1;
        }
    }
    expect(values).toBeGreaterThan(500);
  });

  it('can be left out, or be all there is, and the descriptor stays valid', async () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(PROFILE);
    for (const [format, extension] of [
      ['csv', '.csv'],
      ['parquet', '.parquet'],
    ] as const) {
      const response = await download(`?format=${format}`);
      expect(response.statusCode, response.body).toBe(200);
      const { files, descriptor } = unpack(response.rawPayload);
      expect(validate(descriptor), JSON.stringify(validate.errors)).toBe(true);
      expect(descriptor.resources.length).toBe(6);
      expect(descriptor.resources.every((resource) => resource.format === format)).toBe(true);
      expect(
        Object.keys(files)
          .filter((name) => name !== 'datapackage.json')
          .every((name) => name.endsWith(extension)),
      ).toBe(true);
    }
    // Both is the default, and the same bytes as asking for both.
    const both = await download('?format=both');
    expect(both.rawPayload.equals((await download()).rawPayload)).toBe(true);
    expect(unpack(both.rawPayload).descriptor.resources.length).toBe(12);
  });

  it('refuses a format it does not write, naming the parameter', async () => {
    const response = await download('?format=xlsx');
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(body)).toContain('format');
  });
});
