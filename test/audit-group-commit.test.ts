import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { type AuditEvent, buildAuditEvent } from '../src/modules/audit/audit-event';
import { createAuditWriter } from '../src/modules/audit/audit-writer';
import { verifyAuditChain } from '../src/modules/audit/audit.repository';
import { apiKeyConfirmation } from '../src/modules/api-keys/api-keys.service';
import { createAuditLog } from '../src/plugins/audit';
import { createTestApp, type TestApp, testConfig } from './helpers/test-app';
import { testLogger } from './helpers/test-log';

// The group-commit audit writer: many writers' events chained and written together, one
// transaction per flush; the chain stays linear and verifiable, and a flush that fails fails
// the requests whose events were in it and no others.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

function event(operation: string, action: AuditEvent['action'] = 'read'): AuditEvent {
  return buildAuditEvent(
    {
      requestId: randomUUID(),
      principalId: null,
      role: null,
      institutionId: null,
      sourceAddress: '127.0.0.1',
      userAgent: 'group commit test',
      purpose: null,
    },
    {
      action,
      resourceType: 'request',
      operation,
      subjectKeys: [`rk1.test-${operation}`],
      outcome: 'success',
      statusCode: 200,
      details: { note: operation },
    },
  );
}

const verify = () => t.database.transaction((connection) => verifyAuditChain(connection));
const count = async (operation: string) =>
  Number(
    (await t.database.query<{ n: string }>('select count(*)::text as n from audit_events where operation like $1', [`${operation}%`]))
      .rows[0]!.n,
  );

describe('audit group commit', () => {
  // 20,000 on PostgreSQL (thousands of flushes from two writers sharing the chain; the suite ran
  // 100,000 until issue #25, 30 s of its longest file, and they verified the same); PGlite (one
  // embedded connection, WASM) writes 9,600 in the same spirit.
  const perWriter = onPostgres ? 625 : 300;
  const total = perWriter * 32;
  it(`the chain verifies after ${total.toLocaleString('en')} events from 32 concurrent writers`, { timeout: 180_000 }, async () => {
    const writer = createAuditWriter(t.database);
    let flushes = 0;
    const counted = createAuditWriter(t.database, {
      beforeInsert: () => {
        flushes += 1;
      },
    });
    await Promise.all(
      Array.from({ length: 32 }, async (_, writerIndex) => {
        for (let index = 0; index < perWriter; index += 1) {
          // Half the writers on each of two writer objects: two "instances" sharing the chain.
          const target = writerIndex % 2 ? writer : counted;
          expect(await target.append({ event: event(`bulk w${writerIndex} #${index}`), keyId: null })).toBeNull();
        }
      }),
    );
    expect(await count('bulk w')).toBe(total);
    expect(flushes).toBeLessThan(total / 2); // Batched: far fewer transactions than events.
    const result = await verify();
    expect(result).toMatchObject({ valid: true, firstInvalidPosition: null });
    expect(result.eventsChecked).toBeGreaterThanOrEqual(total);
  });

  it('a failed flush fails exactly the events in it', async () => {
    let flush = 0;
    const writer = createAuditWriter(t.database, {
      beforeInsert: () => {
        flush += 1;
        if (flush === 2) throw new Error('injected: the second flush fails');
      },
    });
    // The first event starts a flush at once; the next three gather behind it and form the second.
    const first = writer.append({ event: event('fail-a first'), keyId: null });
    const second = ['fail-b', 'fail-c', 'fail-d'].map((name) => writer.append({ event: event(name), keyId: null }));
    const settled = await Promise.allSettled([first, ...second]);
    const fifth = await writer.append({ event: event('fail-e after'), keyId: null });
    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    expect(fifth).toBeNull();
    for (const [name, expected] of [
      ['fail-a', 1],
      ['fail-b', 0],
      ['fail-c', 0],
      ['fail-d', 0],
      ['fail-e', 1],
    ] as const)
      expect(await count(name)).toBe(expected);
    expect(await verify()).toMatchObject({ valid: true });
  });

  it('a constraint violation fails the event at fault alone, not the others of its flush', async () => {
    let flushes = 0;
    const writer = createAuditWriter(t.database, {
      beforeInsert: () => {
        flushes += 1;
      },
    });
    const first = writer.append({ event: event('bad-a first'), keyId: null });
    // Gathered behind the first flush into one: the fourth breaks a check constraint.
    const second = [
      writer.append({ event: event('bad-b'), keyId: null }),
      writer.append({ event: event('bad-c'), keyId: null }),
      writer.append({ event: event('bad-d', 'bogus' as AuditEvent['action']), keyId: null }),
      writer.append({ event: event('bad-e'), keyId: null }),
    ];
    const settled = await Promise.allSettled([first, ...second]);
    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    // The first flush, the failed one of four, then halves: [b c] written, [d e] failed, [d] failed, [e] written.
    expect(flushes).toBe(6);
    expect(await writer.append({ event: event('bad-f after'), keyId: null })).toBeNull();
    for (const [name, expected] of [
      ['bad-a', 1],
      ['bad-b', 1],
      ['bad-c', 1],
      ['bad-d', 0],
      ['bad-e', 1],
      ['bad-f', 1],
    ] as const)
      expect(await count(name)).toBe(expected);
    // In the order they were handed over.
    const { rows } = await t.database.query<{ operation: string }>(
      `select operation from audit_events where operation like 'bad-%' order by chain_position`,
    );
    expect(rows.map((row) => row.operation.slice(0, 5))).toEqual(['bad-a', 'bad-b', 'bad-c', 'bad-e', 'bad-f']);
    expect(await verify()).toMatchObject({ valid: true });
  });

  it('answers 503 to exactly the requests whose events were in the failed flush', async () => {
    const failedRequests = new Set<string>();
    let failed = false;
    const auditLog = createAuditLog(t.database, {
      confirmKeys: apiKeyConfirmation,
      writer: {
        beforeInsert: (events) => {
          // The first flush that gathered several requests fails.
          if (failed || events.length < 2) return;
          failed = true;
          for (const item of events) failedRequests.add(item.requestId);
          throw new Error('injected: this flush fails');
        },
      },
    });
    const app = await buildApp({ config: testConfig(), database: t.database, logger: testLogger(), auditLog });
    await app.ready();
    try {
      const { authorization } = await t.authorization('researcher');
      const responses = await Promise.all(
        Array.from({ length: 24 }, () => app.inject({ url: '/api/v1/programmes', headers: { authorization } })),
      );
      await app.auditLog.settle();
      expect(failedRequests.size).toBeGreaterThanOrEqual(2);
      for (const response of responses) {
        const inFailedFlush = failedRequests.has(String(response.headers['x-request-id']));
        expect(response.statusCode).toBe(inFailedFlush ? 503 : 200);
        if (inFailedFlush) expect(response.json().code).toBe('DATABASE_UNAVAILABLE');
      }
      expect(responses.filter((response) => response.statusCode === 200).length).toBe(24 - failedRequests.size);
      expect(await verify()).toMatchObject({ valid: true });
    } finally {
      await app.close();
    }
  });
});
