import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import { unzipSync } from 'fflate';
import type { ReleaseView } from '../src/modules/research';
import { loadTestDemoData } from './helpers/demo-world';
import { createInstitution } from './helpers/institution-fixture';
import { measurementBody, randomPseudonym, trajectoryBody, uniqueReference } from './helpers/records';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp } from './helpers/test-app';

// The download of a research release as a Frictionless data package: the descriptor validates
// against the Tabular Data Package profile (its JSON Schema, with Ajv), every file matches its
// checksum, the tables hold exactly what GraphQL gives a researcher (ids, day offsets, values;
// never a calendar date), the same release gives the same bytes after a correction, and pandas
// and R read the tables with the codebook's types.

let t: TestApp;
let researcher: string;
let release: ReleaseView;
const PROFILE = JSON.parse(readFileSync(new URL('./fixtures/frictionless/tabular-data-package.json', import.meta.url), 'utf8'));

const download = (path: string, authorization = researcher, purpose: string | null = 'programme_evaluation') =>
  t.app.inject({
    url: `/api/v1/research/releases/${path}`,
    headers: { authorization, ...(purpose ? { 'x-purpose-of-use': purpose } : {}) },
  });

interface Package {
  descriptor: {
    name: string;
    resources: Array<{
      name: string;
      path: string;
      format: string;
      hash: string;
      bytes: number;
      schema: { fields: Array<{ name: string; type: string; constraints?: { enum?: string[] } }> };
    }>;
    registry: { release: string; withdrawnTrajectoryIds: string[] };
  };
  /** Every file as UTF-8 text (Parquet too, for the search for dates), and as bytes. */
  files: Record<string, string>;
  bytes: Record<string, Uint8Array>;
}

function unpack(body: Buffer): Package {
  const bytes = unzipSync(new Uint8Array(body));
  const files = Object.fromEntries(Object.entries(bytes).map(([name, content]) => [name, Buffer.from(content).toString('utf8')]));
  return { descriptor: JSON.parse(files['datapackage.json']!), files, bytes };
}

const TABLE_NAMES = ['trajectories', 'placements', 'activities', 'measurements', 'perspective_answers', 'indicators'];

/** A CSV of the export as objects (the export quotes only where RFC 4180 needs it; these tests' values need none). */
function rowsOf(csv: string): Array<Record<string, string>> {
  const [header, ...lines] = csv.trimEnd().split('\n');
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, index) => [names[index]!, value])));
}

async function researchGraphql(query: string) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { authorization: researcher, 'x-purpose-of-use': 'programme_evaluation' },
    payload: { query },
  });
  const body = response.json();
  expect(body.errors).toBeUndefined();
  return body.data;
}

beforeAll(async () => {
  t = await createTestApp();
  researcher = (await t.authorization('researcher')).authorization;
  await loadTestDemoData(t.database, Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex'), { trajectories: 90, seed: 21, asOf: '2026-06-30' });
  release = (await t.releaseResearch())!;
});
afterAll(() => t.close());

describe('a research release as a data package', () => {
  it('validates against the Tabular Data Package profile, and every file matches its checksum and size', async () => {
    const response = await download(`${release.id}/datapackage.zip`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/zip');
    const { descriptor, files, bytes } = unpack(response.rawPayload);
    const validate = new Ajv({ strict: false, allErrors: true }).compile(PROFILE);
    expect(validate(descriptor), JSON.stringify(validate.errors)).toBe(true);
    // The control: the profile refuses what breaks it.
    expect(validate({ ...descriptor, resources: [{ ...descriptor.resources[0], name: 'Not A Name!' }] })).toBe(false);
    // The CSV tables, then the same as Parquet.
    expect(descriptor.resources.map((resource) => resource.name)).toEqual([
      ...TABLE_NAMES,
      ...TABLE_NAMES.map((name) => `${name}-parquet`),
    ]);
    expect(Object.keys(bytes).sort()).toEqual([...descriptor.resources.map((resource) => resource.path), 'datapackage.json'].sort());
    for (const resource of descriptor.resources) {
      const file = bytes[resource.path]!;
      expect(resource.hash, resource.path).toBe(`sha256:${createHash('sha256').update(file).digest('hex')}`);
      expect(resource.bytes).toBe(file.length);
      if (resource.format !== 'csv') continue;
      // Every allowed value the codebook names is what the column holds.
      for (const row of rowsOf(files[resource.path]!))
        for (const field of resource.schema.fields)
          if (field.constraints?.enum && row[field.name] !== '') expect(field.constraints.enum, field.name).toContain(row[field.name]);
    }
    expect(descriptor.registry.release).toBe(release.id);
  });

  it('holds what GraphQL gives a researcher: the same trajectories, day offsets and values, and no calendar date', async () => {
    const { files } = unpack((await download(`${release.id}/datapackage.zip`)).rawPayload);
    const trajectories = rowsOf(files['trajectories.csv']!);
    expect(trajectories.length).toBe(release.trajectories);
    expect(trajectories.length).toBeGreaterThan(10);
    const data = await researchGraphql(
      `{ trajectories(first: 100, release: "${release.id}") { nodes { id startMonth endDay outcomeClass subject { ageAtStart gender } series { instrumentCode informant observations { day value } } } } }`,
    );
    const nodes = data.trajectories.nodes as Array<{
      id: string;
      startMonth: string;
      endDay: number;
      outcomeClass: string;
      subject: { ageAtStart: number; gender: string };
      series: Array<{ instrumentCode: string; informant: string; observations: Array<{ day: number; value: number }> }>;
    }>;
    expect(trajectories.map((row) => row.trajectory_id).sort()).toEqual(nodes.map((node) => node.id).sort());
    const byId = new Map(trajectories.map((row) => [row.trajectory_id, row]));
    for (const node of nodes) {
      const row = byId.get(node.id)!;
      expect(row).toMatchObject({
        start_month: node.startMonth,
        end_day: String(node.endDay),
        outcome_class: node.outcomeClass,
        age_at_start: String(node.subject.ageAtStart),
        gender: node.subject.gender,
      });
    }
    const measured = [...rowsOf(files['measurements.csv']!), ...rowsOf(files['perspective_answers.csv']!)]
      .map((row) => `${row.trajectory_id}|${row.instrument_code ?? row.item_code}|${row.informant}|${row.day}|${Number(row.value)}`)
      .sort();
    const seen = nodes
      .flatMap((node) =>
        node.series.flatMap((series) =>
          series.observations.map((o) => `${node.id}|${series.instrumentCode}|${series.informant}|${o.day}|${o.value}`),
        ),
      )
      .sort();
    expect(measured).toEqual(seen);
    expect(measured.length).toBeGreaterThan(50);
    // No calendar date anywhere (a start month is YYYY-MM).
    // The descriptor names the release's own dates (its cut-off and when it was made), nothing else.
    const releaseDates = (text: string) => text.replaceAll(release.cutoff, '').replaceAll(release.publishedAt.toISOString(), '');
    for (const [name, text] of Object.entries(files)) expect(/\d{4}-\d{2}-\d{2}/.test(releaseDates(text)), name).toBe(false);
  });

  it('is the same bytes after a correction, lists an erasure, and the next release has the correction', async () => {
    const a = await createInstitution(t);
    const reference = uniqueReference('T');
    const pseudonym = randomPseudonym();
    const put = async (path: string, body: unknown) => expect((await a.put(path, body)).statusCode).toBeLessThan(300);
    await put(
      `/api/v1/trajectories/${reference}`,
      a.trajectoryBody({ subject: { ...trajectoryBody().subject, pseudonym }, endDate: '2024-09-30', endReason: 'completed' }),
    );
    const measurement = uniqueReference('M');
    await put(`/api/v1/measurements/${measurement}`, measurementBody(reference, { value: 30 }));
    const mine = (await t.releaseResearch())!;
    const before = (await download(`${mine.id}/datapackage.zip`)).rawPayload;
    await put(`/api/v1/measurements/${measurement}`, measurementBody(reference, { value: 11 }));
    const after = (await download(`${mine.id}/datapackage.zip`)).rawPayload;
    expect(after.equals(before)).toBe(true);
    const next = (await t.releaseResearch())!;
    const { files } = unpack((await download('latest/datapackage.zip')).rawPayload);
    expect(unpack((await download(`${next.id}/datapackage.zip`)).rawPayload).descriptor.registry.release).toBe(next.id);
    expect(files['measurements.csv']).toMatch(/,11\n/);
    // The erasure: gone from the release at once, and listed.
    const { rows } = await t.database.query<{ id: string }>('select id from trajectories where reference = $1', [reference]);
    const erased = rows[0]!.id;
    expect(unpack(before).files['trajectories.csv']).toContain(erased);
    const erasure = await t.app.inject({
      method: 'POST',
      url: '/api/v1/erasures',
      headers: { authorization: a.authorization },
      payload: { pseudonym },
    });
    expect(erasure.statusCode, erasure.body).toBeLessThan(300);
    const withdrawn = unpack((await download(`${mine.id}/datapackage.zip`)).rawPayload);
    expect(withdrawn.files['trajectories.csv']).not.toContain(erased);
    expect(withdrawn.files['measurements.csv']).not.toContain(erased);
    expect(withdrawn.descriptor.registry.withdrawnTrajectoryIds).toEqual([erased]);
    const listed = (await download(mine.id)).json();
    expect(listed.withdrawnTrajectoryIds).toEqual([erased]);
  });

  it('filters, and is for researchers with a purpose only, audited with every youth in it', async () => {
    const institutions = rowsOf(unpack((await download(`${release.id}/datapackage.zip`)).rawPayload).files['trajectories.csv']!).map(
      (row) => row.institution_code,
    );
    const one = institutions[0]!;
    const part = rowsOf(unpack((await download(`${release.id}/datapackage.zip?institution=${one}`)).rawPayload).files['trajectories.csv']!);
    expect(part.length).toBe(institutions.filter((code) => code === one).length);
    expect(part.every((row) => row.institution_code === one)).toBe(true);
    expect((await download(`${release.id}/datapackage.zip`, researcher, null)).json()).toMatchObject({ code: 'PURPOSE_REQUIRED' });
    const institution = (await t.authorization('institution', 'vuurtorenhuis')).authorization;
    expect((await download(`${release.id}/datapackage.zip`, institution)).statusCode).toBe(403);
    expect((await download('1999-Q1.1/datapackage.zip')).statusCode).toBe(404);
    expect((await download(`${release.id}/datapackage.zip?bogus=1`)).statusCode).toBe(400);
    // The audit trail holds the download with every youth in it.
    const full = await download(`${release.id}/datapackage.zip`);
    expect(full.statusCode).toBe(200);
    const youths = await t.database.query<{ n: number }>(
      'select count(distinct registry_key)::int as n from research_release_trajectories where release_id = $1',
      [release.id],
    );
    const { rows } = await t.database.query<{ subject_count: number; outcome: string; request_id: string }>(
      `select subject_count, outcome, request_id from audit_events where operation like '%datapackage.zip%' order by chain_position desc limit 1`,
    );
    expect(rows[0]).toMatchObject({ subject_count: youths.rows[0]!.n, outcome: 'success', request_id: full.headers['x-request-id'] });
    expect(youths.rows[0]!.n).toBeGreaterThan(10);
  });
});

// pandas and R read the package with the codebook's types (Debian's python3-pandas and r-cran-readr;
// .ci/run installs them; REQUIRE_DATA_TOOLS=1 makes their absence a failure, not a skip).
const PYTHON = '/usr/bin/python3';
const hasPandas = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import pandas'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const hasReadr = (() => {
  try {
    execFileSync('Rscript', ['-e', 'library(readr)'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (process.env.REQUIRE_DATA_TOOLS === '1' && !(hasPandas && hasReadr))
  throw new Error('REQUIRE_DATA_TOOLS=1 but pandas or readr is missing');

describe('read back by the tools researchers use', () => {
  let folder: string;
  let descriptor: Package['descriptor'];
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'registry-package-'));
    const unpacked = unpack((await download(`${release.id}/datapackage.zip`)).rawPayload);
    descriptor = unpacked.descriptor;
    for (const [name, content] of Object.entries(unpacked.bytes)) writeFileSync(join(folder, name), content);
  });
  afterAll(() => {
    if (folder && existsSync(folder)) rmSync(folder, { recursive: true, force: true });
  });
  const csvResources = () => descriptor.resources.filter((resource) => resource.format === 'csv');
  const expected = () =>
    Object.fromEntries(csvResources().map((resource) => [resource.name, rowsOf(readFileSync(join(folder, resource.path), 'utf8')).length]));

  it.runIf(hasPandas)('pandas', () => {
    const script = `
import json, sys, pandas as pd
folder = sys.argv[1]
package = json.load(open(folder + '/datapackage.json'))
types = {'integer': 'Int64', 'number': 'float64', 'boolean': 'boolean', 'string': 'string'}
counts = {}
for resource in package['resources']:
    if resource['format'] != 'csv':
        continue
    fields = resource['schema']['fields']
    frame = pd.read_csv(folder + '/' + resource['path'], dtype={f['name']: types[f['type']] for f in fields if f['type'] != 'boolean'},
                        true_values=['true'], false_values=['false'], keep_default_na=False, na_values=[''])
    assert list(frame.columns) == [f['name'] for f in fields], resource['name']
    for f in fields:
        if f['type'] == 'boolean':
            frame[f['name']] = frame[f['name']].astype('boolean')
        allowed = (f.get('constraints') or {}).get('enum')
        if allowed:
            assert frame[f['name']].dropna().isin(allowed).all(), f['name']
    counts[resource['name']] = len(frame)
print(json.dumps(counts))
`;
    const counts = JSON.parse(execFileSync(PYTHON, ['-c', script, folder], { encoding: 'utf8' }));
    expect(counts).toEqual(expected());
  });

  it.runIf(hasReadr)('R (readr)', () => {
    const script = `
suppressMessages(library(readr))
folder <- commandArgs(trailingOnly = TRUE)[1]
counts <- c()
for (name in c("trajectories", "placements", "activities", "measurements", "perspective_answers", "indicators")) {
  types <- Sys.getenv(paste0("TYPES_", name))
  frame <- read_csv(file.path(folder, paste0(name, ".csv")), col_types = types, na = c(""), progress = FALSE)
  if (nrow(problems(frame)) > 0) stop(paste("problems in", name))
  counts <- c(counts, paste0('"', name, '":', nrow(frame)))
}
cat(paste0("{", paste(counts, collapse = ","), "}"))
`;
    // readr's compact column types from the codebook: i integer, d double, l logical, c character.
    const letter = { integer: 'i', number: 'd', boolean: 'l', string: 'c' } as Record<string, string>;
    const env = {
      ...process.env,
      ...Object.fromEntries(
        csvResources().map((resource) => [`TYPES_${resource.name}`, resource.schema.fields.map((field) => letter[field.type]).join('')]),
      ),
    };
    const counts = JSON.parse(execFileSync('Rscript', ['-e', script, folder], { encoding: 'utf8', env }));
    expect(counts).toEqual(expected());
    // The manual's R line reads the trajectories with these types.
    expect(readFileSync(new URL('../docs/research-releases.md', import.meta.url), 'utf8')).toContain(
      `col_types = "${env.TYPES_trajectories}"`,
    );
  });
});
