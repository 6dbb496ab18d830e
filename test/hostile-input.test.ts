import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcomeOf } from '../src/modules/audit/audit-event';
import { graphqlCodes, serverFailureCodes } from './helpers/graphql-answers';
import { HOSTILE_LIMITS, type HostileCase, hostileCases } from './helpers/hostile-cases';
import { recordFingerprint } from './helpers/scoped-world';
import { createTestApp, type TestApp } from './helpers/test-app';

// Hostile input through the public API, class by class (test/helpers/hostile-cases.ts): every
// case is answered without a 5xx, a refusal in the documented error shape, nothing of it is
// written, and it leaves an audit event with its true outcome and error code.

let t: TestApp;
let cases: HostileCase[];

beforeAll(async () => {
  t = await createTestApp(HOSTILE_LIMITS);
  cases = hostileCases({
    institution: (await t.authorization('institution')).authorization,
    researcher: (await t.authorization('researcher')).authorization,
  });
});
afterAll(() => t.close());

async function auditEventOf(requestId: string) {
  await t.app.auditLog.settle();
  const { rows } = await t.database.query<{ outcome: string; status_code: number; details: { code?: string; codes?: string[] } | null }>(
    'select outcome, status_code, details from audit_events where request_id = $1 order by chain_position desc limit 1',
    [requestId],
  );
  return rows[0];
}

describe('hostile input', () => {
  it('covers every class with enough cases', () => {
    const byKind = new Map<string, number>();
    for (const { kind } of cases) byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    expect([...byKind.keys()].sort()).toEqual(['content type', 'depth', 'encoding', 'graphql', 'number', 'size', 'unicode']);
    for (const [kind, count] of byKind) expect(count, kind).toBeGreaterThanOrEqual(10);
    expect(cases.length).toBeGreaterThanOrEqual(171);
  });

  // The cases need keys, made in beforeAll: one test runs them all and reports every failure, not the first.
  it('answers every case without a 5xx, in the error shape, writing nothing, and audits it truly', async () => {
    const failures: string[] = [];
    for (const hostile of cases) {
      const name = `${hostile.kind}: ${hostile.name}`;
      const before = await recordFingerprint(t);
      const response = await t.app.inject(hostile.request);
      const problems: string[] = [];
      if (response.statusCode >= 500) problems.push(`answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
      let body: unknown;
      try {
        body = response.body === '' ? null : JSON.parse(response.body);
      } catch {
        problems.push(`answered ${response.statusCode} with a body that is not JSON: ${response.body.slice(0, 120)}`);
      }
      const requestId = String(response.headers['x-request-id']);
      // A GraphQL answer is 200 whatever its errors: a 5xx-class code inside it is a 5xx all the same.
      const serverCodes = serverFailureCodes(body);
      if (serverCodes.length > 0) problems.push(`failed on our side inside a ${response.statusCode}: ${serverCodes.join(', ')}`);
      if (response.statusCode >= 400) {
        const shape = body as { status?: unknown; code?: unknown; message?: unknown; requestId?: unknown } | null;
        const documented = shape?.code === 'INGEST_REJECTED' || shape?.requestId === requestId;
        if (
          !shape ||
          shape.status !== response.statusCode ||
          typeof shape.code !== 'string' ||
          typeof shape.message !== 'string' ||
          !documented
        ) {
          problems.push(`not in the error shape: ${response.body.slice(0, 200)}`);
        }
      }
      if (hostile.refusal) {
        const { status, code, field } = hostile.refusal;
        const answered = body as { code?: unknown; field?: unknown; errors?: Array<{ extensions?: { code?: unknown } }> } | null;
        const answeredCode = answered?.code ?? answered?.errors?.[0]?.extensions?.code;
        if (response.statusCode !== status || answeredCode !== code || (field !== undefined && answered?.field !== field))
          problems.push(
            `expected ${status} ${code}${field ? ` (${field})` : ''}, got ${response.statusCode}: ${response.body.slice(0, 160)}`,
          );
      }
      if (JSON.stringify(await recordFingerprint(t)) !== JSON.stringify(before)) problems.push('wrote records');
      const event = await auditEventOf(requestId);
      const codes = graphqlCodes(body);
      if (!event) problems.push('left no audit event');
      else {
        const expected = outcomeOf(response.statusCode, codes);
        if (event.outcome !== expected) problems.push(`audited as ${event.outcome}, not ${expected}`);
        if (event.status_code !== response.statusCode)
          problems.push(`audited with status ${event.status_code}, not ${response.statusCode}`);
        const code = response.statusCode >= 400 ? (body as { code?: string } | null)?.code : codes[0];
        if (code && code !== 'INGEST_REJECTED' && event.details?.code !== code)
          problems.push(`audited with code ${event.details?.code}, not ${code}`);
      }
      if (problems.length > 0) failures.push(`${name}: ${problems.join('; ')}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers bytes that are not valid HTTP in the error shape, and audits them', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as { port: number };
    const send = (raw: string) =>
      new Promise<string>((resolve, reject) => {
        // Written, not ended: a client waits for its answer with the connection open.
        const socket = net.connect(port, '127.0.0.1', () => socket.write(raw));
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('end', () => resolve(received));
        socket.on('error', reject);
      });
    for (const raw of [
      'GET /api/v1/programmes HTTP/1.1\r\nHost: x\r\nNot a header line\r\n\r\n',
      `GET /api/v1/programmes HTTP/1.1\r\nHost: x\r\nX-Long: ${'x'.repeat(20_000)}\r\n\r\n`,
      'NOT-A-METHOD / HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /api/v1/programmes HTTP/9.9\r\n\r\n',
    ]) {
      const answer = await send(raw);
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      expect(head, raw.slice(0, 40)).toMatch(/^HTTP\/1\.1 400 /);
      const parsed = JSON.parse(body);
      expect(parsed).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', requestId: expect.any(String) });
      expect(await auditEventOf(parsed.requestId)).toMatchObject({
        outcome: 'refused',
        status_code: 400,
        details: { code: 'VALIDATION_FAILED' },
      });
    }
  });
});
