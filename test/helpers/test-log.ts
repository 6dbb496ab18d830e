import fs from 'node:fs';
import path from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import { loggerOptions } from '../../src/logger';

// Every test app logs as the service does (the same Pino options: serializers, redaction), at
// info, into one directory per run (vitest.config.ts makes it). The log scan
// (test/suite-log.scan.test.ts) reads all of it after every other test: no identifier a test
// sent may appear in it.

export const TEST_LOG_DIR = process.env.REGISTRY_TEST_LOG_DIR;

let stream: fs.WriteStream | undefined;

/** This process's log file (one per test worker), or undefined when the run keeps no logs. */
export function testLogFile(): string | undefined {
  return TEST_LOG_DIR ? path.join(TEST_LOG_DIR, `service-${process.pid}.ndjson`) : undefined;
}

/** The Fastify logger of a test app: the service's options, written to this process's file. */
export function testLogger(): FastifyServerOptions['logger'] {
  const file = testLogFile();
  if (!file) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  stream ??= fs.createWriteStream(file, { flags: 'a' });
  return { ...loggerOptions('info'), stream };
}

/** Resolves once every line logged so far is in the file. */
export async function flushTestLog(): Promise<void> {
  if (!stream) return;
  const open = stream;
  await new Promise<void>((resolve, reject) => open.write('', (error) => (error ? reject(error) : resolve())));
}
