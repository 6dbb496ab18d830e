import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirectoryLockedError, loadOrCreateEmbeddedSecrets, lockDataDirectory } from './data-directory';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-datadir-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('embedded secrets', () => {
  it('are generated once, owner-only, and reused', () => {
    const dir = tempDir();
    const first = loadOrCreateEmbeddedSecrets(dir);
    expect(first.created).toBe(true);
    expect(first.registryPseudonymKey).toHaveLength(32);
    const mode = fs.statSync(path.join(dir, 'registry-secrets.json')).mode & 0o777;
    expect(mode).toBe(0o600);
    const second = loadOrCreateEmbeddedSecrets(dir);
    expect(second.created).toBe(false);
    expect(second.registryPseudonymKey.equals(first.registryPseudonymKey)).toBe(true);
  });
});

describe('data directory lock', () => {
  it('refuses a second process while the first lives, and is released', () => {
    const dir = tempDir();
    // Pretend our parent process (alive) holds the lock.
    fs.writeFileSync(path.join(dir, 'service.lock'), String(process.ppid));
    expect(() => lockDataDirectory(dir)).toThrow(DataDirectoryLockedError);
  });

  it('takes over a stale lock of a dead process', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'service.lock'), '2147483646');
    const release = lockDataDirectory(dir);
    expect(fs.readFileSync(path.join(dir, 'service.lock'), 'utf8')).toBe(String(process.pid));
    release();
    expect(fs.existsSync(path.join(dir, 'service.lock'))).toBe(false);
  });
});
