import fs from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/client';
import { appendCheckpoint, type Checkpoint, readPrivateKey, signCheckpoint } from './audit-checkpoints';
import { readChainHead } from './audit.repository';

// Signs the audit chain's head at intervals and on shutdown (audit-checkpoints.ts says why), when
// it moved since the last checkpoint this process wrote. With several instances each appends its
// own; any checkpoint of the chain is as good as another.

export interface CheckpointSettings {
  keyFile: string;
  file: string;
  intervalSeconds: number;
}

export function createAuditCheckpointer(database: Database, settings: CheckpointSettings, log?: Pick<FastifyBaseLogger, 'error'>) {
  // Read once at start: a key that cannot be read stops the start, not the first checkpoint.
  const key = readPrivateKey(fs.readFileSync(settings.keyFile, 'utf8'));
  let last: { position: number; hash: string } | null = null;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<Checkpoint | null> = Promise.resolve(null);

  const checkpoint = (): Promise<Checkpoint | null> => {
    running = running.then(async () => {
      const head = await readChainHead(database);
      if (!head || (last && last.position === head.position && last.hash === head.hash)) return null;
      const signed = signCheckpoint(key, head);
      await appendCheckpoint(settings.file, signed);
      last = head;
      return signed;
    });
    return running;
  };
  const logged = () =>
    checkpoint().catch((error: unknown) => {
      log?.error({ err: error }, 'audit checkpoint could not be written; the next interval tries again');
      return null;
    });

  return {
    /** Signs the head now (the server at intervals; tests). */
    checkpoint,
    start(): void {
      timer = setInterval(() => void logged(), settings.intervalSeconds * 1000);
      timer.unref();
    },
    /** Shutdown: one last checkpoint of the head as it is left. */
    async close(): Promise<void> {
      clearInterval(timer);
      await logged();
    },
  };
}

export type AuditCheckpointer = ReturnType<typeof createAuditCheckpointer>;
