import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheckpoints, readPublicKey } from '../src/modules/audit/audit-checkpoints';
import { buildAuditEvent } from '../src/modules/audit/audit-event';
import { verifyAuditChain, writeAuditEvent } from '../src/modules/audit/audit.repository';
import { createAuditService } from '../src/modules/audit/audit.service';
import { createTestApp, type TestApp } from './helpers/test-app';

// The tamper test of issue #27: someone with the database's owner rights deletes the newest
// events and moves the chain head back, then a forged event is inserted through the service's own
// role (which may insert). The hash chain alone calls the result intact (the control: the attack
// wins without checkpoints); checked against the checkpoints the service signed with a key the
// database never held, the missing range and the unvouched range holding the forged event are
// both named. What compares them is this file's reading of the checkpoint file with the public key
// alone; the service only wrote the file.

let t: TestApp;
let folder: string;
let checkpointFile: string;
let publicPem: string;

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-checkpoints-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  fs.writeFileSync(path.join(folder, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  publicPem = String(publicKey.export({ type: 'spki', format: 'pem' }));
  checkpointFile = path.join(folder, 'checkpoints.jsonl');
  t = await createTestApp({ AUDIT_CHECKPOINT_KEY_FILE: path.join(folder, 'key.pem'), AUDIT_CHECKPOINT_FILE: checkpointFile });
});
afterAll(async () => {
  await t.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

const someEvents = async (count: number) => {
  const { authorization } = await t.authorization('funder');
  for (let index = 0; index < count; index += 1) await t.app.inject({ url: '/api/v1/institutions', headers: { authorization } });
  await t.app.auditLog.settle();
};

describe('signed checkpoints of the audit trail', () => {
  it('name the events cut off and the forged one the chain alone calls intact', async () => {
    await someEvents(4);
    const first = await t.app.auditCheckpointer!.checkpoint();
    await someEvents(4);
    const second = await t.app.auditCheckpointer!.checkpoint();
    expect(first && second && second.position > first.position).toBe(true);
    // Nothing new since: no new checkpoint.
    expect(await t.app.auditCheckpointer!.checkpoint()).toBeNull();
    // As `npm run audit -- verify --checkpoints` compares them (src/cli/audit.ts).
    const compare = () =>
      createAuditService(t.database).checkCheckpoints(readPublicKey(publicPem), fs.readFileSync(checkpointFile, 'utf8'));
    expect((await compare()).findings.filter((finding) => finding.kind !== 'uncovered')).toEqual([]);

    // The owner cuts the chain back to two events before the first checkpoint and moves the head.
    const keep = first!.position - 2;
    await t.testDatabase.asOwner(async (connection) => {
      await connection.query('alter table audit_events disable trigger audit_events_no_delete');
      await connection.query('delete from audit_events where chain_position > $1', [keep]);
      await connection.query('alter table audit_events enable trigger audit_events_no_delete');
      await connection.query(
        'update audit_chain_head set position = $1, hash = (select hash from audit_events where chain_position = $1) where singleton',
        [keep],
      );
    });
    // The forged event, through the service's own role: chained like any other.
    const forged = buildAuditEvent(
      {
        requestId: randomUUID(),
        principalId: null,
        role: null,
        institutionId: null,
        sourceAddress: '10.0.0.1',
        userAgent: null,
        purpose: null,
      },
      { action: 'read', resourceType: 'institution', operation: 'GET /api/v1/institutions', outcome: 'success', statusCode: 200 },
    );
    await t.database.transaction((connection) => writeAuditEvent(connection, forged));
    const forgedPosition = keep + 1;

    // The control: the hash chain alone finds nothing wrong.
    const chain = await t.database.transaction((connection) => verifyAuditChain(connection));
    expect(chain.valid).toBe(true);

    // Against the checkpoints: both signed positions are past the chain's end, and nothing vouches for the forged event.
    const { findings, checked } = await compare();
    expect(checked).toBe(parseCheckpoints(fs.readFileSync(checkpointFile, 'utf8')).checkpoints.length);
    expect(findings).toEqual(
      expect.arrayContaining([
        { kind: 'truncated', position: first!.position, signedAt: first!.signedAt, from: forgedPosition + 1 },
        { kind: 'truncated', position: second!.position, signedAt: second!.signedAt, from: forgedPosition + 1 },
      ]),
    );
    const unvouched = findings.find((finding) => finding.kind === 'uncovered');
    expect(unvouched).toBeDefined();
    expect(unvouched!.kind === 'uncovered' && unvouched!.from <= forgedPosition && unvouched!.to === forgedPosition).toBe(true);
  });
});
