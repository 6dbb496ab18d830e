import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { selectRows, sql } from '../src/db/client';
import { registryKeyFor } from '../src/lib/pseudonym';
import { exportAuditEvents } from '../src/modules/audit/audit-export';
import { purgeAuditEvents, type StoredAuditEvent, verifyAuditChain } from '../src/modules/audit/audit.repository';
import { purgeExpiredAuditEvents } from '../src/modules/audit/retention';
import { createInstitution, type InstitutionFixture } from './helpers/institution-fixture';
import { measurementBody, ndjson, pseudonymFor, uniqueReference } from './helpers/records';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp } from './helpers/test-app';

let t: TestApp;
/** Each test's own institution (with its own key), made before it runs. */
let institution: InstitutionFixture;
let auditor: { authorization: string; keyId: string };
let lastPosition = 0;

beforeAll(async () => {
  t = await createTestApp();
  auditor = await t.authorization('auditor');
});
afterAll(() => t.close());

const REGISTRY_KEY = Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex');

/** Events written since the previous call. */
async function newEvents(): Promise<StoredAuditEvent[]> {
  const events = [];
  for await (const chunk of exportAuditEvents((work) => t.database.transaction(work), {})) {
    events.push(
      ...chunk
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as StoredAuditEvent),
    );
  }
  const fresh = events.filter((event) => event.chainPosition > lastPosition);
  lastPosition = events.at(-1)?.chainPosition ?? lastPosition;
  return fresh;
}

const put = (url: string, payload: unknown) =>
  t.app.inject({ method: 'PUT', url, headers: { authorization: institution.authorization }, payload: payload as object });

beforeEach(async () => {
  institution = await createInstitution(t);
  await newEvents();
});

describe('what is audited', () => {
  it('a write: one event in its transaction, naming the subject by registry key', async () => {
    const pseudonym = pseudonymFor(301);
    const reference = uniqueReference('T');
    const response = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/trajectories/${reference}`,
      headers: { authorization: institution.authorization, 'user-agent': 'ehr-connector/2.1' },
      payload: institution.trajectoryBody({ subject: { ...institution.trajectoryBody().subject, pseudonym } }),
    });
    expect(response.statusCode).toBe(201);
    const events = await newEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      requestId: response.headers['x-request-id'],
      principalId: institution.keyId,
      role: 'institution',
      institutionId: expect.any(String),
      action: 'create',
      resourceType: 'trajectory',
      subjectKeys: [registryKeyFor(pseudonym, REGISTRY_KEY)],
      subjectCount: 1,
      operation: 'PUT /api/v1/trajectories/:reference',
      outcome: 'success',
      statusCode: 201,
      sourceAddress: '127.0.0.1',
      userAgent: 'ehr-connector/2.1',
      variablesHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(JSON.stringify(events)).not.toContain(pseudonym);
  });

  it('a record-level read: one event with the subjects returned', async () => {
    const pseudonym = pseudonymFor(302);
    const reference = uniqueReference('T');
    await put(
      `/api/v1/trajectories/${reference}`,
      institution.trajectoryBody({ subject: { ...institution.trajectoryBody().subject, pseudonym } }),
    );
    await newEvents();
    const read = await t.app.inject({ url: `/api/v1/trajectories/${reference}`, headers: { authorization: institution.authorization } });
    expect(read.statusCode).toBe(200);
    const events = await newEvents();
    expect(events).toEqual([
      expect.objectContaining({
        action: 'read',
        resourceType: 'trajectory',
        subjectKeys: [registryKeyFor(pseudonym, REGISTRY_KEY)],
        outcome: 'success',
        statusCode: 200,
      }),
    ]);
  });

  it('a refused request: no key, a wrong role, bad input', async () => {
    await t.app.inject({ url: '/api/v1/trajectories' });
    const { authorization } = await t.authorization('funder');
    await t.app.inject({ url: '/api/v1/trajectories', headers: { authorization } });
    await put(`/api/v1/trajectories/${uniqueReference('T')}`, institution.trajectoryBody({ startDate: '2099-01-01' }));
    const events = await newEvents();
    expect(events.map((event) => [event.outcome, event.statusCode, event.details?.code, event.role])).toEqual([
      ['refused', 401, 'UNAUTHENTICATED', null],
      ['refused', 403, 'FORBIDDEN', 'funder'],
      ['refused', 422, 'DATE_IN_FUTURE', 'institution'],
    ]);
  });

  it('a bulk ingest: the write, in its transaction, and the request with its report', async () => {
    const trajectory = uniqueReference('T');
    const pseudonym = pseudonymFor(303);
    const body = ndjson([
      {
        type: 'trajectory',
        reference: trajectory,
        ...institution.trajectoryBody({ subject: { ...institution.trajectoryBody().subject, pseudonym } }),
      },
      { type: 'measurement', reference: uniqueReference('M'), ...measurementBody(trajectory) },
    ]);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: institution.authorization, 'content-type': 'application/x-ndjson' },
      payload: body,
    });
    const events = await newEvents();
    const subject = registryKeyFor(pseudonym, REGISTRY_KEY);
    expect(events).toEqual([
      expect.objectContaining({
        action: 'create',
        resourceType: 'ingest',
        subjectKeys: [subject],
        details: { mode: 'atomic', created: 2, updated: 0 },
      }),
      expect.objectContaining({
        action: 'execute',
        resourceType: 'ingest',
        subjectKeys: [subject],
        statusCode: 200,
        details: expect.objectContaining({ reportId: response.json().id, outcome: 'committed' }),
      }),
    ]);
  });

  it('an erasure: the event keeps only the registry key, and survives the erasure', async () => {
    const pseudonym = pseudonymFor(304);
    await put(
      `/api/v1/trajectories/${uniqueReference('T')}`,
      institution.trajectoryBody({ subject: { ...institution.trajectoryBody().subject, pseudonym } }),
    );
    const erased = await t.app.inject({
      method: 'POST',
      url: '/api/v1/erasures',
      headers: { authorization: institution.authorization },
      payload: { pseudonym },
    });
    expect(erased.statusCode).toBe(200);
    const subject = registryKeyFor(pseudonym, REGISTRY_KEY);
    const events = await newEvents();
    expect(events.at(-1)).toMatchObject({ action: 'delete', resourceType: 'subject', subjectKeys: [subject] });
    const history = await selectRows<{ n: number }>(
      t.database.orm,
      sql`select count(*)::int as n from audit_events where subject_keys @> array[${subject}]::text[]`,
    );
    expect(history[0]!.n).toBe(2);
  });

  it('key management, and the auditor’s own reads of the log', async () => {
    const admin = await t.authorization('admin');
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/api-keys',
      headers: { authorization: admin.authorization },
      payload: { name: 'x', role: 'funder' },
    });
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/admin/api-keys/${created.json().id}`,
      headers: { authorization: admin.authorization },
    });
    await t.app.inject({ url: '/api/v1/audit/events?limit=1', headers: { authorization: auditor.authorization } });
    const events = await newEvents();
    expect(events.map((event) => [event.action, event.resourceType, event.details?.keyId ?? null])).toEqual([
      ['create', 'api_key', created.json().id],
      ['update', 'api_key', created.json().id],
      ['read', 'audit_event', null],
    ]);
  });

  it('withholds a record-level answer when its event cannot be written', async () => {
    const reference = uniqueReference('T');
    await put(`/api/v1/trajectories/${reference}`, institution.trajectoryBody());
    // Without its head row the chain cannot be extended, so no event can be written. (Only the
    // owner may touch the head: the service's role cannot.)
    const [head] = await t.testDatabase.asOwner(
      async (connection) =>
        (await connection.query<{ position: string; hash: string }>('delete from audit_chain_head returning position::text, hash')).rows,
    );
    try {
      const read = await t.app.inject({ url: `/api/v1/trajectories/${reference}`, headers: { authorization: institution.authorization } });
      expect(read.statusCode).toBe(503);
      expect(read.json().code).toBe('DATABASE_UNAVAILABLE');
      expect(read.body).not.toContain(reference);
    } finally {
      await t.testDatabase.asOwner((connection) =>
        connection.query('insert into audit_chain_head (singleton, position, hash) values (true, $1, $2)', [
          Number(head!.position),
          head!.hash,
        ]),
      );
    }
  });
});

describe('the log itself', () => {
  it('refuses UPDATE, DELETE and TRUNCATE in the database, even to the owner of the table', async () => {
    // Row triggers fire only on rows: an event of its own, so the table is never empty (run first
    // in a shuffled order on a fresh database, UPDATE and DELETE would otherwise touch nothing).
    const read = await t.app.inject({ method: 'GET', url: '/api/v1/institutions', headers: { authorization: auditor.authorization } });
    expect(read.statusCode).toBe(200);
    for (const statement of [`update audit_events set outcome = 'success'`, 'delete from audit_events', 'truncate audit_events']) {
      await expect(t.testDatabase.asOwner((connection) => connection.query(statement))).rejects.toSatisfy(
        (error: { cause?: { message?: string }; message: string }) => /append-only/.test(error.cause?.message ?? error.message),
      );
    }
  });

  it('purges only past a retention of at least five years, whatever the caller asks', async () => {
    // A cut-off of today would delete every event: the database refuses it.
    await expect(t.database.transaction((connection) => purgeAuditEvents(connection, new Date()))).rejects.toSatisfy(
      (error: { cause?: { message?: string }; message: string }) => /append-only/.test(error.cause?.message ?? error.message),
    );
    expect(await purgeExpiredAuditEvents(t.database, 5)).toBe(0);
    expect(await t.database.transaction((connection) => verifyAuditChain(connection))).toMatchObject({ valid: true });
  });

  it('keeps one unbroken chain under concurrent writers', async () => {
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        index % 2
          ? put(`/api/v1/trajectories/${uniqueReference('C')}`, institution.trajectoryBody())
          : t.app.inject({ url: '/api/v1/trajectories?limit=5', headers: { authorization: institution.authorization } }),
      ),
    );
    expect(responses.every((response) => response.statusCode < 300)).toBe(true);
    const events = await newEvents();
    expect(events).toHaveLength(40);
    events.forEach((event, index) => {
      if (index > 0) expect(event.previousHash).toBe(events[index - 1]!.hash);
    });
    expect(await t.database.transaction((connection) => verifyAuditChain(connection))).toMatchObject({
      valid: true,
      firstInvalidPosition: null,
    });
  });

  it('verification names an event altered by hand', async () => {
    await put(`/api/v1/trajectories/${uniqueReference('T')}`, institution.trajectoryBody());
    const [target] = await newEvents();
    const verify = () => t.app.inject({ url: '/api/v1/audit/verify', headers: { authorization: auditor.authorization } });
    expect((await verify()).json()).toMatchObject({ valid: true });
    // Tampering takes the owner (or a superuser): the service's own role cannot disable a trigger.
    await t.testDatabase.asOwner(async (connection) => {
      await connection.query('alter table audit_events disable trigger audit_events_no_update');
      await connection.query(`update audit_events set outcome = 'refused' where chain_position = $1`, [target!.chainPosition]);
      await connection.query('alter table audit_events enable trigger audit_events_no_update');
    });
    const result = (await verify()).json();
    expect(result).toMatchObject({ valid: false, firstInvalidPosition: target!.chainPosition });
    expect(result.reason).toMatch(/altered/);
    // Put it back, so the rest of this file works on an intact chain.
    await t.testDatabase.asOwner(async (connection) => {
      await connection.query('alter table audit_events disable trigger audit_events_no_update');
      await connection.query(`update audit_events set outcome = 'success' where chain_position = $1`, [target!.chainPosition]);
      await connection.query('alter table audit_events enable trigger audit_events_no_update');
    });
    expect((await verify()).json()).toMatchObject({ valid: true });
  });
});

describe('auditors', () => {
  it('query by principal, action and subject, with a cursor', async () => {
    const pseudonym = pseudonymFor(305);
    const reference = uniqueReference('T');
    await put(
      `/api/v1/trajectories/${reference}`,
      institution.trajectoryBody({ subject: { ...institution.trajectoryBody().subject, pseudonym } }),
    );
    await t.app.inject({ url: `/api/v1/trajectories/${reference}`, headers: { authorization: institution.authorization } });
    const subjectKey = registryKeyFor(pseudonym, REGISTRY_KEY);
    const query = (params: string) =>
      t.app
        .inject({ url: `/api/v1/audit/events?${params}`, headers: { authorization: auditor.authorization } })
        .then((response) => response.json());

    const bySubject = await query(`subjectKey=${subjectKey}`);
    expect(bySubject.events.map((event: StoredAuditEvent) => event.action)).toEqual(['create', 'read']);
    const reads = await query(`subjectKey=${subjectKey}&action=read&principalId=${institution.keyId}&institutionCode=${institution.code}`);
    expect(reads.events).toHaveLength(1);
    // A third event of this principal's own, so there is a second page whatever ran before (run
    // first in the file, the test once found only its own two events and an empty second page).
    await t.app.inject({ url: `/api/v1/trajectories/${reference}`, headers: { authorization: institution.authorization } });
    const first = await query(`principalId=${institution.keyId}&limit=2`);
    const second = await query(`principalId=${institution.keyId}&limit=2&after=${first.nextCursor}`);
    expect(second.events.length).toBeGreaterThan(0);
    expect(second.events[0].chainPosition).toBeGreaterThan(first.events[1].chainPosition);
  });

  it('get a subject access report by pseudonym', async () => {
    const pseudonym = pseudonymFor(306);
    const reference = uniqueReference('T');
    await put(
      `/api/v1/trajectories/${reference}`,
      institution.trajectoryBody({ subject: { ...institution.trajectoryBody().subject, pseudonym } }),
    );
    await t.app.inject({
      url: `/api/v1/trajectories/${reference}`,
      headers: { authorization: institution.authorization, 'x-purpose-of-use': 'quality_improvement' },
    });
    const report = await t.app.inject({
      method: 'POST',
      url: '/api/v1/audit/subject-access-report',
      headers: { authorization: auditor.authorization },
      payload: { pseudonym },
    });
    expect(report.json().accesses).toEqual([
      expect.objectContaining({ action: 'create', role: 'institution', principalId: institution.keyId }),
      expect.objectContaining({ action: 'read', purpose: 'quality_improvement' }),
    ]);
  });

  it('export the log as NDJSON, a page at a time', async () => {
    // Enough events for several pages.
    await t.database.orm.execute(
      sql`insert into audit_events (action, resource_type, operation, outcome) select 'read', 'test', 'bulk fill', 'success' from generate_series(1, 2500)`,
    );
    const response = await t.app.inject({ url: '/api/v1/audit/export', headers: { authorization: auditor.authorization } });
    expect(response.headers['content-type']).toMatch(/application\/x-ndjson/);
    const lines = response.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const [counted] = await selectRows<{ total: number }>(t.database.orm, sql`select count(*)::int as total from audit_events`);
    const total = counted!.total;
    // The export's own event is written before the stream starts.
    expect(lines).toHaveLength(total);
    const pages: number[] = [];
    for await (const chunk of exportAuditEvents((work) => t.database.transaction(work), {}, 1000)) pages.push(chunk.split('\n').length - 1);
    expect(pages.slice(0, 2)).toEqual([1000, 1000]);
    expect(Math.max(...pages)).toBe(1000);
    // Even a many-row insert in one statement extends the chain row by row.
    expect(await t.database.transaction((connection) => verifyAuditChain(connection))).toMatchObject({ valid: true });
  });

  it('are the only role that may read the log', async () => {
    for (const role of ['institution', 'researcher', 'funder', 'admin'] as const) {
      const { authorization } = await t.authorization(role);
      expect((await t.app.inject({ url: '/api/v1/audit/events', headers: { authorization } })).statusCode).toBe(403);
    }
  });
});
