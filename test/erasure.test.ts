import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { selectRows, sql } from '../src/db/client';
import { registryKeyFor } from '../src/lib/pseudonym';
import { raceRound, raceRounds } from './helpers/erasure-race';
import { createInstitution } from './helpers/institution-fixture';
import {
  measurementBody,
  ndjson,
  placementBody,
  randomPseudonym,
  trajectoryBody as anyTrajectoryBody,
  uniqueReference,
} from './helpers/records';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp } from './helpers/test-app';

// Issue #11: each institution owns its view of a youth and erases only its own records; the
// data protection officer erases registry-wide; no answer to one institution depends on what
// another pushed or did about a youth; and an erasure holds whatever runs at the same moment.

let t: TestApp;
/** Two institutions, fresh for every test (beforeEach), so no test meets another's records. */
const A = { code: '', programme: '', authorization: '' };
const B = { code: '', programme: '', authorization: '' };
let privacyOfficer: string;
const registryPseudonymKey = Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex');

beforeAll(async () => {
  // Small batches, so a bulk push is many transactions and an erasure can fall between them.
  t = await createTestApp({ INGEST_BATCH_SIZE: '8' });
  privacyOfficer = (await t.authorization('privacy_officer')).authorization;
});
afterAll(() => t.close());
beforeEach(async () => {
  for (const who of [A, B]) {
    const institution = await createInstitution(t);
    Object.assign(who, { code: institution.code, programme: institution.programmes.residential, authorization: institution.authorization });
  }
});

/** A trajectory under A's programme unless the body names another. */
const trajectoryBody = (overrides: Record<string, unknown> = {}) => anyTrajectoryBody({ programmeCode: A.programme, ...overrides });

/** A youth no test has used: a random seed, so tests need no order and no shared data. */
const freshPseudonym = randomPseudonym;
const subjectOf = (pseudonym: string, overrides: Record<string, unknown> = {}) => ({
  ...trajectoryBody().subject,
  pseudonym,
  ...overrides,
});

const put = (who: { authorization: string }, path: string, payload: object) =>
  t.app.inject({ method: 'PUT', url: `/api/v1/${path}`, headers: { authorization: who.authorization }, payload });
const get = (who: { authorization: string }, path: string) =>
  t.app.inject({ url: `/api/v1/${path}`, headers: { authorization: who.authorization } });
const erase = (who: { authorization: string }, pseudonym: string) =>
  t.app.inject({ method: 'POST', url: '/api/v1/erasures', headers: { authorization: who.authorization }, payload: { pseudonym } });
const object = (payload: object, authorization = privacyOfficer) =>
  t.app.inject({ method: 'POST', url: '/api/v1/registry-erasures', headers: { authorization }, payload });
const bulk = (who: { authorization: string }, lines: object[], mode = 'atomic') =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/ingest?mode=${mode}`,
    headers: { authorization: who.authorization, 'content-type': 'application/x-ndjson' },
    payload: ndjson(lines),
  });

/** A youth in care: a trajectory with a placement and a measurement, at the institution given. */
async function inCare(who: typeof A, pseudonym: string, attributes: Record<string, unknown> = {}) {
  const trajectory = uniqueReference('T');
  expect(
    (
      await put(
        who,
        `trajectories/${trajectory}`,
        trajectoryBody({ subject: subjectOf(pseudonym, attributes), programmeCode: who.programme }),
      )
    ).statusCode,
  ).toBe(201);
  expect((await put(who, `placements/${uniqueReference('P')}`, placementBody(trajectory))).statusCode).toBe(201);
  expect((await put(who, `measurements/${uniqueReference('M')}`, measurementBody(trajectory))).statusCode).toBe(201);
  return trajectory;
}

/** Every row the registry holds about a youth, per table (the audit trail aside). */
async function rowsOf(pseudonym: string) {
  const key = registryKeyFor(pseudonym, registryPseudonymKey);
  const [row] = await selectRows<Record<string, number>>(
    t.database.orm,
    sql`with mine as (select t.id from trajectories t join subjects s on s.id = t.subject_id where s.registry_key = ${key})
        select (select count(*)::int from subjects where registry_key = ${key} and erased_at is null) as views,
               (select count(*)::int from subjects where registry_key = ${key} and erased_at is not null) as tombstones,
               (select count(*)::int from subject_objections where registry_key = ${key}) as objections,
               (select count(*)::int from mine) as trajectories,
               (select count(*)::int from placements where trajectory_id in (select id from mine)) as placements,
               (select count(*)::int from measurements where trajectory_id in (select id from mine)) as measurements`,
  );
  return row!;
}

/** A's rows of everything, to show that B's actions never change them. */
async function institutionRows(code: string) {
  return selectRows<Record<string, unknown>>(
    t.database.orm,
    sql`select x::text as row from (
          select s.* from subjects s join institutions i on i.id = s.institution_id where i.code = ${code}) x
        union all select x::text from (select t.* from trajectories t join institutions i on i.id = t.institution_id where i.code = ${code}) x
        union all select x::text from (select m.* from measurements m join institutions i on i.id = m.institution_id where i.code = ${code}) x
        order by 1`,
  );
}

describe('each institution owns its view of a youth', () => {
  it("B's pushes never change what A reads back, and A's identical re-push stays unchanged", async () => {
    const pseudonym = freshPseudonym();
    const trajectory = await inCare(A, pseudonym, { birthYear: 2008, gender: 'girl', priorYouthCare: 'yes' });
    const first = (await get(A, `trajectories/${trajectory}`)).json();
    // B records her differently, in both ways B can push.
    expect(
      (
        await put(
          B,
          `trajectories/${uniqueReference('L')}`,
          trajectoryBody({ subject: subjectOf(pseudonym, { birthYear: 2010, gender: 'non_binary' }), programmeCode: B.programme }),
        )
      ).statusCode,
    ).toBe(201);
    const streamed = await bulk(B, [
      {
        type: 'trajectory',
        reference: uniqueReference('L'),
        ...trajectoryBody({ subject: subjectOf(pseudonym, { priorYouthCare: 'no' }), programmeCode: B.programme }),
      },
    ]);
    expect(streamed.json().counts.trajectory.created).toBe(1);

    expect((await get(A, `trajectories/${trajectory}`)).json()).toEqual(first);
    expect(first.subject).toEqual({ birthYear: 2008, gender: 'girl', mildIntellectualDisability: 'no', priorYouthCare: 'yes' });
    const again = await put(
      A,
      `trajectories/${trajectory}`,
      trajectoryBody({
        subject: subjectOf(pseudonym, { birthYear: 2008, gender: 'girl', priorYouthCare: 'yes' }),
        programmeCode: A.programme,
      }),
    );
    expect(again.json().status).toBe('unchanged');
    const replayed = await bulk(A, [
      {
        type: 'trajectory',
        reference: trajectory,
        ...trajectoryBody({
          subject: subjectOf(pseudonym, { birthYear: 2008, gender: 'girl', priorYouthCare: 'yes' }),
          programmeCode: A.programme,
        }),
      },
    ]);
    expect(replayed.json().counts.trajectory).toMatchObject({ unchanged: 1, updated: 0 });
  });

  it("researchers see the youth's trajectories linked, each with the attributes its own institution recorded", async () => {
    const pseudonym = freshPseudonym();
    // Ended long ago, so researchers see them (they see a trajectory once it has ended and been released).
    const ended = { endDate: '2024-06-30', endReason: 'completed' };
    await put(A, `trajectories/${uniqueReference('T')}`, trajectoryBody({ subject: subjectOf(pseudonym, { gender: 'girl' }), ...ended }));
    await put(
      B,
      `trajectories/${uniqueReference('L')}`,
      trajectoryBody({ subject: subjectOf(pseudonym, { gender: 'other' }), programmeCode: B.programme, ...ended }),
    );
    const key = registryKeyFor(pseudonym, registryPseudonymKey);
    const ids = await selectRows<{ id: string; code: string }>(
      t.database.orm,
      sql`select t.id, i.code from trajectories t join subjects s on s.id = t.subject_id join institutions i on i.id = t.institution_id where s.registry_key = ${key}`,
    );
    const researcher = (await t.authorization('researcher')).authorization;
    expect(await t.releaseResearch()).not.toBeNull();
    const response = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: researcher, 'x-purpose-of-use': 'scientific_research', 'content-type': 'application/json' },
      payload: {
        query: `{ trajectory(id: "${ids.find((row) => row.code === A.code)!.id}") { institutionCode subject { gender } otherTrajectoriesOfSubject { institutionCode subject { gender } } } }`,
      },
    });
    expect(response.json().errors).toBeUndefined();
    expect(response.json().data.trajectory).toEqual({
      institutionCode: A.code,
      subject: { gender: 'girl' },
      otherTrajectoriesOfSubject: [{ institutionCode: B.code, subject: { gender: 'other' } }],
    });
  });
});

describe('erasure at an institution', () => {
  it('removes only its own records, counts only those, and refuses only its own later pushes', async () => {
    const pseudonym = freshPseudonym();
    await inCare(A, pseudonym);
    await inCare(A, pseudonym);
    await inCare(B, pseudonym);
    const ofB = await institutionRows(B.code);

    const erased = await erase(A, pseudonym);
    expect(erased.json()).toEqual({ status: 'erased', trajectories: 2 });
    // At A only the tombstone is left; B's records are untouched, row for row.
    expect(await rowsOf(pseudonym)).toEqual({ views: 1, tombstones: 1, objections: 0, trajectories: 1, placements: 1, measurements: 1 });
    expect(await institutionRows(B.code)).toEqual(ofB);

    const refused = await put(A, `trajectories/${uniqueReference('T')}`, trajectoryBody({ subject: subjectOf(pseudonym) }));
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'SUBJECT_ERASED', field: 'body.subject.pseudonym' });
    const refusedInBulk = await bulk(
      A,
      [{ type: 'trajectory', reference: uniqueReference('T'), ...trajectoryBody({ subject: subjectOf(pseudonym) }) }],
      'per_record',
    );
    expect(refusedInBulk.json().rejections[0].errors[0]).toMatchObject({ code: 'SUBJECT_ERASED', field: 'subject.pseudonym' });
    // B goes on as before.
    expect(
      (await put(B, `trajectories/${uniqueReference('L')}`, trajectoryBody({ subject: subjectOf(pseudonym), programmeCode: B.programme })))
        .statusCode,
    ).toBe(201);
    expect((await erase(A, pseudonym)).json()).toEqual({ status: 'already_erased', trajectories: 0 });
  });

  it('records a withdrawal even before the institution pushed her, so a late push of hers is refused', async () => {
    const pseudonym = freshPseudonym();
    expect((await erase(A, pseudonym)).json()).toEqual({ status: 'erased', trajectories: 0 });
    expect((await put(A, `trajectories/${uniqueReference('T')}`, trajectoryBody({ subject: subjectOf(pseudonym) }))).json().code).toBe(
      'SUBJECT_ERASED',
    );
    expect(await rowsOf(pseudonym)).toMatchObject({ views: 0, tombstones: 1, trajectories: 0 });
  });

  it('is audited with the registry key and the scope, never the pseudonym', async () => {
    const pseudonym = freshPseudonym();
    await inCare(A, pseudonym);
    await erase(A, pseudonym);
    const key = registryKeyFor(pseudonym, registryPseudonymKey);
    const events = await selectRows<{ details: Record<string, unknown>; outcome: string; action: string; text: string }>(
      t.database.orm,
      sql`select details, outcome, action, e::text as text from audit_events e where ${key} = any(subject_keys) and resource_type = 'subject'`,
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'delete', outcome: 'success', details: { scope: 'institution', trajectories: 1 } });
    expect(events[0]!.text).not.toContain(pseudonym.slice(4));
  });
});

describe('no answer to an institution depends on another institution', () => {
  it('every answer B gets about a youth in care at A is the answer about a youth nobody has seen', async () => {
    const known = freshPseudonym();
    const unknown = freshPseudonym();
    await inCare(A, known);
    // A changes and then erases her: B's answers must not move.
    await put(A, `trajectories/${uniqueReference('T')}`, trajectoryBody({ subject: subjectOf(known, { gender: 'boy' }) }));
    const answersOfB = async (pseudonym: string) => {
      const reference = uniqueReference('L');
      const body = trajectoryBody({ subject: subjectOf(pseudonym), programmeCode: B.programme });
      const created = await put(B, `trajectories/${reference}`, body);
      const repeated = await put(B, `trajectories/${reference}`, body);
      const read = (await get(B, `trajectories/${reference}`)).json();
      const streamed = (await bulk(B, [{ type: 'trajectory', reference, ...body }])).json();
      const erased = (await erase(B, pseudonym)).json();
      const erasedAgain = (await erase(B, pseudonym)).json();
      const afterwards = await put(B, `trajectories/${uniqueReference('L')}`, body);
      return {
        created: [created.statusCode, created.json().status],
        repeated: [repeated.statusCode, repeated.json().status],
        read: read.subject,
        streamed: [streamed.counts, streamed.rejections],
        erased,
        erasedAgain,
        afterwards: [afterwards.statusCode, afterwards.json().code],
      };
    };
    const aboutKnown = await answersOfB(known);
    await erase(A, known);
    expect(aboutKnown).toEqual(await answersOfB(unknown));
    // And after A erased her, B's first push of her is a plain create.
    const later = freshPseudonym();
    await inCare(A, later);
    await erase(A, later);
    expect(
      (await put(B, `trajectories/${uniqueReference('L')}`, trajectoryBody({ subject: subjectOf(later), programmeCode: B.programme })))
        .statusCode,
    ).toBe(201);
  });
});

describe('registry-wide erasure by the data protection officer', () => {
  it('removes every record at every institution, keeps only the objection, and refuses every later push with SUBJECT_OBJECTED', async () => {
    const pseudonym = freshPseudonym();
    await inCare(A, pseudonym);
    await inCare(B, pseudonym);
    await erase(B, pseudonym); // A tombstone at B goes too: only the objection remains.
    await inCare(A, pseudonym);

    const objected = await object({ pseudonym, reason: 'parent_request', caseReference: 'DPO-CASE-ABC' });
    expect(objected.statusCode).toBe(200);
    expect(objected.json()).toEqual({ status: 'erased', trajectories: 2, institutions: 1 });
    expect(await rowsOf(pseudonym)).toEqual({ views: 0, tombstones: 0, objections: 1, trajectories: 0, placements: 0, measurements: 0 });

    for (const who of [A, B]) {
      const refused = await put(
        who,
        `trajectories/${uniqueReference('T')}`,
        trajectoryBody({ subject: subjectOf(pseudonym), programmeCode: who.programme }),
      );
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'SUBJECT_OBJECTED', field: 'body.subject.pseudonym' });
      const inBulk = await bulk(who, [
        {
          type: 'trajectory',
          reference: uniqueReference('T'),
          ...trajectoryBody({ subject: subjectOf(pseudonym), programmeCode: who.programme }),
        },
      ]);
      expect(inBulk.statusCode).toBe(422);
      expect(inBulk.json().rejections[0].errors[0].code).toBe('SUBJECT_OBJECTED');
    }
    expect(await rowsOf(pseudonym)).toEqual({ views: 0, tombstones: 0, objections: 1, trajectories: 0, placements: 0, measurements: 0 });
    expect((await object({ pseudonym, reason: 'parent_request' })).json()).toEqual({
      status: 'already_erased',
      trajectories: 0,
      institutions: 0,
    });

    const key = registryKeyFor(pseudonym, registryPseudonymKey);
    const [event] = await selectRows<{ details: Record<string, unknown>; role: string; text: string }>(
      t.database.orm,
      sql`select details, role, e::text as text from audit_events e
           where ${key} = any(subject_keys) and resource_type = 'subject' and details->>'scope' = 'registry' order by occurred_at limit 1`,
    );
    expect(event).toMatchObject({
      role: 'privacy_officer',
      details: { scope: 'registry', reason: 'parent_request', caseReference: 'DPO-CASE-ABC', trajectories: 2 },
    });
    expect(event!.text).not.toContain(pseudonym.slice(4));
  });

  it('needs a reason from the fixed list, refuses a case reference holding an identifier, and is for the privacy officer only', async () => {
    const pseudonym = freshPseudonym();
    await inCare(A, pseudonym);
    const before = await rowsOf(pseudonym);
    const missing = await object({ pseudonym });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.reason' });
    const freeText = await object({ pseudonym, reason: 'she phoned us' });
    expect(freeText.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.reason' });
    const identifying = await object({ pseudonym, reason: 'youth_request', caseReference: 'BSN-111222333' });
    expect(identifying.statusCode).toBe(400);
    expect(identifying.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.caseReference' });
    expect(identifying.body).not.toContain('111222333');
    for (const role of ['institution', 'researcher', 'funder', 'auditor', 'admin'] as const) {
      const { authorization } = await t.authorization(role);
      expect((await object({ pseudonym, reason: 'youth_request' }, authorization)).statusCode).toBe(403);
    }
    expect(await rowsOf(pseudonym)).toEqual(before);
  });
});

describe('an erasure holds whatever runs at the same moment', () => {
  // A bounded number of rounds here (four of each of the 16 shapes); `npm run bench:erasure-race --
  // --rounds N` runs more (1,000 in BENCHMARKS.md). Seen failing at 64 rounds: with the push's
  // re-read after its lock ignoring the institution's tombstone (only the check before the lock
  // left), rounds 0, 2, 3, 8, 9 and more kept trajectories beside the tombstone. PGlite runs one
  // transaction at a time, so there fewer rounds show the same thing.
  it('leaves no row of an erased youth and keeps her tombstone, round after round of pushes in flight (both modes, one and two institutions, both erasure levels)', async () => {
    const total = Number(process.env.ERASURE_RACE_ROUNDS ?? (t.database.kind === 'pglite' ? 16 : 64));
    const failures: string[] = [];
    const parties = { app: t.app, database: t.database, registryPseudonymKey, a: A, b: B, privacyOfficer };
    for (const [index, round] of raceRounds(total, 24).entries()) {
      const outcome = await raceRound(parties, round);
      for (const violation of outcome.violations) failures.push(`round ${index} ${JSON.stringify(round)}: ${violation}`);
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
