import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverFailureCodes } from './helpers/graphql-answers';
import { forbiddenNeedles, scanLogText } from './helpers/identifiers';
import { sendIdentifiers } from './helpers/identifier-traffic';
import { createTestApp, type TestApp } from './helpers/test-app';
import { flushTestLog, testLogFile } from './helpers/test-log';

// Identifiers in every header, path, query string and body a request can carry: each request
// is answered without a 5xx and audited, and no identifier reaches the audit trail, an ingest
// report or the service log, in the form sent or as its digits.

let t: TestApp;
let sent: Awaited<ReturnType<typeof sendIdentifiers>>;

beforeAll(async () => {
  t = await createTestApp();
  const keys = {
    institution: (await t.authorization('institution')).authorization,
    researcher: (await t.authorization('researcher')).authorization,
    auditor: (await t.authorization('auditor')).authorization,
  };
  sent = await sendIdentifiers(t.app, keys);
  await t.app.auditLog.settle();
  await flushTestLog();
});
afterAll(() => t.close());

const needles = forbiddenNeedles();

describe('identifiers sent in headers, URLs and bodies', () => {
  it('are answered without a 5xx, refusals in the error shape, and every request is audited', async () => {
    expect(sent.length).toBeGreaterThan(200);
    const { rows } = await t.database.query<{ request_id: string; outcome: string }>('select request_id, outcome from audit_events');
    const audited = new Map(rows.map((row) => [row.request_id, row.outcome]));
    for (const { carrier, identifier, response } of sent) {
      const what = `${carrier} carrying ${identifier}: ${response.statusCode} ${response.body.slice(0, 200)}`;
      expect(response.statusCode, what).toBeLessThan(500);
      expect(serverFailureCodes(response.json()), what).toEqual([]);
      if (response.statusCode >= 400) {
        expect(response.json(), what).toMatchObject({
          status: response.statusCode,
          code: expect.any(String),
          message: expect.any(String),
          requestId: response.headers['x-request-id'],
        });
      }
      const requestId = String(response.headers['x-request-id']);
      expect(
        needles.some((needle) => requestId.includes(needle)),
        what,
      ).toBe(false);
      expect(audited.has(requestId), `no audit event for ${what}`).toBe(true);
    }
  });

  it('never reach the audit trail', async () => {
    const { rows } = await t.database.query<{ event: string }>('select row_to_json(e)::text as event from audit_events e');
    expect(rows.length).toBeGreaterThan(sent.length - 1);
    for (const { event } of rows)
      for (const needle of needles) expect(event.includes(needle), `audit event holds ${needle}: ${event}`).toBe(false);
  });

  it('never reach an ingest report, nor as an idempotency key', async () => {
    const { rows } = await t.database.query<{ report: string }>('select row_to_json(r)::text as report from ingest_reports r');
    expect(rows.length).toBeGreaterThan(0);
    for (const { report } of rows)
      for (const needle of needles) expect(report.includes(needle), `ingest report holds ${needle}`).toBe(false);
  });

  it('never reach the service log, which names routes by their pattern', async () => {
    const file = testLogFile();
    expect(file, 'the test run keeps logs (vitest.config.ts)').toBeDefined();
    const text = fs.readFileSync(file!, 'utf8');
    expect(text).toContain('"route":"/api/v1/trajectories/:reference"');
    expect(text).toContain('"route":"(no route)"');
    expect(scanLogText(text, file!, needles)).toEqual([]);
  });
});
