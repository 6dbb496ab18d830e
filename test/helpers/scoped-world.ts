import { expect } from 'vitest';
import { selectRows, sql } from '../../src/db/client';
import { createInstitution, type InstitutionFixture } from './institution-fixture';
import { careActivityBody, measurementBody, ndjson, placementBody, randomPseudonym, trajectoryBody, uniqueReference } from './records';
import type { TestApp } from './test-app';

// A small registry whose scopes are known: two institutions of its own (fresh ones, from the
// institution fixture), each with a consented and a non-consented trajectory and one record of
// every kind under the consented one, one youth in care at both, and one API key per role. The
// access tests and the fuzzers check every answer against it: what belongs to the other
// institution, what a researcher may never see. Its youths have random pseudonyms, so two worlds
// in one database never share a youth.

export interface InstitutionRecords {
  code: string;
  /** Its residential programme, under which its trajectories run. */
  programme: string;
  authorization: string;
  trajectory: string;
  refusedTrajectory: string;
  placement: string;
  careActivity: string;
  measurement: string;
  reportId: string;
  /** Trajectory ids (the GraphQL ids), consented and not. */
  ids: { granted: string; refused: string };
  /** A youth in care at this institution only. */
  pseudonym: string;
}

export interface ScopedWorld {
  a: InstitutionRecords;
  b: InstitutionRecords;
  keys: Record<'researcher' | 'funder' | 'auditor' | 'admin' | 'privacy_officer', string>;
  /** A youth in care at both institutions (consented at A, withdrawn at B). */
  sharedPseudonym: string;
}

async function trajectoryId(t: TestApp, institutionCode: string, reference: string): Promise<string> {
  const [row] = await selectRows<{ id: string }>(
    t.database.orm,
    sql`select t.id from trajectories t join institutions i on i.id = t.institution_id where i.code = ${institutionCode} and t.reference = ${reference}`,
  );
  return row!.id;
}

async function pushInstitution(t: TestApp, institution: InstitutionFixture, tag: string): Promise<InstitutionRecords> {
  const { authorization } = institution;
  const put = async (path: string, payload: object) => {
    const response = await t.app.inject({ method: 'PUT', url: `/api/v1/${path}`, headers: { authorization }, payload });
    expect(response.statusCode, `${path}: ${response.body}`).toBeLessThan(300);
  };
  // References that are easy to recognise in any answer, and never a prefix of one another.
  const reference = (kind: string) => uniqueReference(`${tag}${kind}`);
  const pseudonym = randomPseudonym();
  const records = {
    code: institution.code,
    programme: institution.programmes.residential,
    authorization,
    trajectory: reference('T'),
    refusedTrajectory: reference('R'),
    placement: reference('P'),
    careActivity: reference('A'),
    measurement: reference('M'),
    pseudonym,
  };
  const subject = (of: string) => ({ ...trajectoryBody().subject, pseudonym: of });
  // Ended, so researchers see it (they see a trajectory once it has ended and been released).
  await put(
    `trajectories/${records.trajectory}`,
    trajectoryBody({
      subject: subject(pseudonym),
      programmeCode: institution.programmes.residential,
      researchConsent: 'granted',
      endDate: '2024-09-30',
      endReason: 'completed',
    }),
  );
  await put(
    `trajectories/${records.refusedTrajectory}`,
    trajectoryBody({
      subject: subject(randomPseudonym()),
      programmeCode: institution.programmes.residential,
      researchConsent: 'refused',
      endDate: '2024-09-30',
      endReason: 'completed',
    }),
  );
  await put(`placements/${records.placement}`, placementBody(records.trajectory));
  await put(`care-activities/${records.careActivity}`, careActivityBody(records.trajectory));
  await put(`measurements/${records.measurement}`, measurementBody(records.trajectory));
  // A second measurement through the bulk route, so the institution has an ingest report.
  const bulk = await t.app.inject({
    method: 'POST',
    url: '/api/v1/ingest?mode=atomic',
    headers: { authorization, 'content-type': 'application/x-ndjson' },
    payload: ndjson([
      { type: 'measurement', reference: reference('MB'), ...measurementBody(records.trajectory, { date: '2024-03-01', value: 20 }) },
    ]),
  });
  expect(bulk.statusCode, bulk.body).toBe(200);
  return {
    ...records,
    reportId: bulk.json().id,
    ids: {
      granted: await trajectoryId(t, institution.code, records.trajectory),
      refused: await trajectoryId(t, institution.code, records.refusedTrajectory),
    },
  };
}

export async function createScopedWorld(t: TestApp): Promise<ScopedWorld> {
  const institutionA = await createInstitution(t);
  const institutionB = await createInstitution(t);
  const a = await pushInstitution(t, institutionA, 'AAX');
  const b = await pushInstitution(t, institutionB, 'BBX');
  // One youth at both institutions: her trajectory at B is not consented.
  const sharedPseudonym = randomPseudonym();
  const shared = { ...trajectoryBody().subject, pseudonym: sharedPseudonym };
  for (const [records, institution, consent] of [
    [a, institutionA, 'granted'],
    [b, institutionB, 'withdrawn'],
  ] as const) {
    const response = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/trajectories/${uniqueReference(records === a ? 'AAXS' : 'BBXS')}`,
      headers: { authorization: records.authorization },
      payload: trajectoryBody({
        subject: shared,
        programmeCode: institution.programmes.residential,
        researchConsent: consent,
        endDate: '2024-08-31',
        endReason: 'transferred',
      }),
    });
    expect(response.statusCode, response.body).toBe(201);
  }
  const keys = {
    researcher: (await t.authorization('researcher')).authorization,
    funder: (await t.authorization('funder')).authorization,
    auditor: (await t.authorization('auditor')).authorization,
    admin: (await t.authorization('admin')).authorization,
    privacy_officer: (await t.authorization('privacy_officer')).authorization,
  };
  // What researchers read: a research release of this world.
  await t.releaseResearch();
  return { a, b, keys, sharedPseudonym };
}

/** Every record an institution has, by the references it gave them (whatever test made them). */
export async function referencesOf(t: TestApp, institutionCode: string): Promise<string[]> {
  const rows = await selectRows<{ reference: string }>(
    t.database.orm,
    sql`select x.reference from (
          select reference, institution_id from trajectories union all select reference, institution_id from placements
          union all select reference, institution_id from care_activities union all select reference, institution_id from measurements) x
        join institutions i on i.id = x.institution_id where i.code = ${institutionCode}`,
  );
  return rows.map((row) => row.reference);
}

/** Trajectory ids a researcher may never see: every one without granted consent. */
export async function nonConsentedTrajectoryIds(t: TestApp): Promise<Set<string>> {
  const rows = await selectRows<{ id: string }>(t.database.orm, sql`select id from trajectories where research_consent <> 'granted'`);
  return new Set(rows.map((row) => row.id));
}

/** Trajectory ids of one institution. */
export async function trajectoryIdsOf(t: TestApp, institutionCode: string): Promise<Set<string>> {
  const rows = await selectRows<{ id: string }>(
    t.database.orm,
    sql`select t.id from trajectories t join institutions i on i.id = t.institution_id where i.code = ${institutionCode}`,
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * A fingerprint of everything a request could write: row counts and a hash of every row of the
 * record tables, the subjects, the tombstones and the API keys. Equal before and after a refused
 * request means it wrote nothing, not even an update in place.
 */
export async function recordFingerprint(t: TestApp): Promise<Record<string, string>> {
  const tables = ['subjects', 'subject_objections', 'trajectories', 'placements', 'care_activities', 'measurements', 'api_keys'] as const;
  const [row] = await selectRows<Record<string, string>>(
    t.database.orm,
    sql.raw(
      `select ${tables.map((table) => `(select count(*) || ':' || coalesce(md5(string_agg(x::text, ',' order by x::text)), '') from ${table} x) as ${table}`).join(', ')}`,
    ),
  );
  return row!;
}
