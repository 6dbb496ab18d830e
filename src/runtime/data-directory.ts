import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// The embedded database's data directory also holds the secrets the service generated for
// itself, and a lock file: PGlite is single-process, so two processes on one directory would
// corrupt it.

const SECRETS_FILE = 'registry-secrets.json';
const LOCK_FILE = 'service.lock';

export interface EmbeddedSecrets {
  registryPseudonymKey: Buffer;
}

/** Reads the generated secrets, creating them (owner-only) on first start. */
export function loadOrCreateEmbeddedSecrets(dataDir: string): EmbeddedSecrets & { created: boolean } {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, SECRETS_FILE);
  if (fs.existsSync(file)) {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { registryPseudonymKey: string };
    return { registryPseudonymKey: Buffer.from(stored.registryPseudonymKey, 'hex'), created: false };
  }
  const registryPseudonymKey = randomBytes(32);
  // 'wx' fails if another process raced us to it; mode 0600 so only the owner can read the key.
  fs.writeFileSync(file, JSON.stringify({ registryPseudonymKey: registryPseudonymKey.toString('hex') }), {
    mode: 0o600,
    flag: 'wx',
  });
  return { registryPseudonymKey, created: true };
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DataDirectoryLockedError extends Error {
  constructor(
    readonly pid: number,
    dataDir: string,
  ) {
    super(
      `The data directory ${dataDir} is in use by process ${pid}. The embedded database allows one process at a time: ` +
        'stop the service first, or manage keys through the admin API while it runs.',
    );
    this.name = 'DataDirectoryLockedError';
  }
}

/** Takes the directory's lock for this process; returns a function that releases it. */
export function lockDataDirectory(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.unlinkSync(file);
        } catch {
          // Already gone.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isProcessAlive(holder)) {
        throw new DataDirectoryLockedError(holder, dataDir);
      }
      // A stale lock from a process that died: take it over.
      fs.unlinkSync(file);
    }
  }
  throw new Error(`Could not lock ${dataDir}`);
}

/** Writes a file only the owner can read. */
export function writePrivateFile(file: string, contents: string): void {
  fs.writeFileSync(file, contents, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}
