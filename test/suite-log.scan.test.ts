import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { type Database, openDatabase } from '../src/db/client';
import { createApiKeysRepository } from '../src/modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../src/modules/api-keys/api-keys.service';
import { prepareSchema } from '../src/runtime/prepare-database';
import { sendIdentifiers } from './helpers/identifier-traffic';
import { forbiddenNeedles, logFiles, scanLogText } from './helpers/identifiers';
import { testConfig } from './helpers/test-app';
import { flushTestLog, TEST_LOG_DIR, testLogger } from './helpers/test-log';

// The log of the whole test suite, scanned once every other test has run (vitest.config.ts runs
// this project last): no identifier any test sent — in a header, a path, a query string or a
// body, refused or not — may appear in any line a test app logged, nor anything the PII guard
// flags, nor a registry key. Alone, it scans at least the traffic it sends itself.

let database: Database;
let app: Awaited<ReturnType<typeof buildApp>>;

beforeAll(async () => {
  database = await openDatabase({ kind: 'pglite' });
  await prepareSchema(database);
  app = await buildApp({ config: testConfig(), database, logger: testLogger() });
  await app.ready();
  const keys = createApiKeysService(createApiKeysRepository(database));
  const key = async (role: 'institution' | 'researcher' | 'auditor') =>
    `Bearer ${(await keys.create({ name: `scan ${role}`, role, ...(role === 'institution' ? { institutionCode: 'vuurtorenhuis' } : {}) })).key}`;
  await sendIdentifiers(app, { institution: await key('institution'), researcher: await key('researcher'), auditor: await key('auditor') });
  await flushTestLog();
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

describe('the log of the whole test suite', () => {
  it('holds no identifier that any test sent, nothing the PII guard flags, and no registry key', () => {
    const files = logFiles(TEST_LOG_DIR);
    expect(files.length, 'log files of this run').toBeGreaterThan(0);
    const needles = forbiddenNeedles();
    let lines = 0;
    const findings = files.flatMap((file) => {
      const text = fs.readFileSync(file, 'utf8');
      lines += text.split('\n').filter(Boolean).length;
      return scanLogText(text, file, needles);
    });
    // At least this file's own requests (some two hundred), each logged by its route.
    expect(lines).toBeGreaterThan(200);
    expect(findings.slice(0, 20), `${findings.length} findings`).toEqual([]);
  });
});
