import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import fs from 'node:fs';

// Signed checkpoints of the audit chain, kept outside the database. The chain (hash-linked
// events, the head in audit_chain_head) shows an event altered in place, but whoever can write
// the database as its owner can delete the newest events and move the head back, or rewrite a
// stretch and re-link it, and the chain is consistent again. So the service signs the chain head
// (position and hash) with an Ed25519 key the database never holds, at intervals and on
// shutdown, and appends the signature to a file (an operator's choice: a separate disk, a log
// sink, a WORM store), as Certificate Transparency logs publish signed tree heads. `audit verify`
// then checks the chain against every checkpoint: an event at a signed position with another
// hash was rewritten; a signed position beyond the chain's end was cut off; events after the
// newest checkpoint are not covered by any signature yet, and verify says how many.

export interface Checkpoint {
  position: number;
  hash: string;
  signedAt: string;
  /** The signing key's id: the first 16 hex digits of SHA-256 over its public key (SPKI DER). */
  keyId: string;
  /** Ed25519 over `checkpointMessage`, base64. */
  signature: string;
}

export const checkpointMessage = (position: number, hash: string, signedAt: string) =>
  Buffer.from(`registry-audit-checkpoint v1\n${position}\n${hash}\n${signedAt}`, 'utf8');

export const keyIdOf = (publicKey: KeyObject) =>
  createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);

/** An Ed25519 private key from PEM (PKCS#8), as `openssl genpkey -algorithm ed25519` writes it. */
export function readPrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the audit checkpoint key must be an Ed25519 private key (PEM)');
  return key;
}

/** The public half, from a PEM public key or a PEM private key. */
export function readPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the audit checkpoint key must be an Ed25519 key (PEM)');
  return key;
}

export function signCheckpoint(privateKey: KeyObject, head: { position: number; hash: string }, signedAt = new Date()): Checkpoint {
  const at = signedAt.toISOString();
  return {
    position: head.position,
    hash: head.hash,
    signedAt: at,
    keyId: keyIdOf(createPublicKey(privateKey)),
    signature: sign(null, checkpointMessage(head.position, head.hash, at), privateKey).toString('base64'),
  };
}

export function checkpointIsSigned(publicKey: KeyObject, checkpoint: Checkpoint): boolean {
  try {
    return verify(
      null,
      checkpointMessage(checkpoint.position, checkpoint.hash, checkpoint.signedAt),
      publicKey,
      Buffer.from(checkpoint.signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/** Appends one checkpoint as a line of JSON (the file is only ever appended to). */
export function appendCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  return fs.promises.appendFile(file, `${JSON.stringify(checkpoint)}\n`, { encoding: 'utf8', mode: 0o640 });
}

/** The checkpoints of a file, with the line numbers of lines that are not checkpoints. */
export function parseCheckpoints(text: string): { checkpoints: Array<Checkpoint & { line: number }>; unreadable: number[] } {
  const checkpoints: Array<Checkpoint & { line: number }> = [];
  const unreadable: number[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const value = JSON.parse(line) as Checkpoint;
      if (!Number.isSafeInteger(value.position) || typeof value.hash !== 'string' || typeof value.signature !== 'string') throw new Error();
      checkpoints.push({ ...value, line: index + 1 });
    } catch {
      unreadable.push(index + 1);
    }
  });
  return { checkpoints, unreadable };
}

export type CheckpointFinding =
  | { kind: 'unsigned'; line: number; reason: string }
  | { kind: 'rewritten'; position: number; signedAt: string; after: number }
  | { kind: 'truncated'; position: number; signedAt: string; from: number }
  | { kind: 'uncovered'; from: number; to: number };

export interface ChainView {
  /** The newest event's position (0: none). */
  lastPosition: number;
  /** The hashes of the events at these positions (absent: no such event). */
  hashesAt(positions: number[]): Promise<Map<number, string>>;
}

/**
 * The chain against its checkpoints: each finding names a range. A rewritten event lies after
 * the newest checkpoint that still matches (`after`) and at or before the one that does not.
 */
export async function compareWithCheckpoints(
  publicKey: KeyObject,
  text: string,
  chain: ChainView,
): Promise<{ findings: CheckpointFinding[]; checked: number }> {
  const { checkpoints, unreadable } = parseCheckpoints(text);
  const findings: CheckpointFinding[] = unreadable.map((line) => ({ kind: 'unsigned', line, reason: 'not a checkpoint' }));
  const signed = checkpoints.filter((checkpoint) => {
    if (checkpointIsSigned(publicKey, checkpoint)) return true;
    findings.push({ kind: 'unsigned', line: checkpoint.line, reason: 'the signature does not verify with this public key' });
    return false;
  });
  signed.sort((a, b) => a.position - b.position);
  const hashes = await chain.hashesAt(signed.map((checkpoint) => checkpoint.position).filter((position) => position > 0));
  let matched = 0;
  for (const checkpoint of signed) {
    if (checkpoint.position > chain.lastPosition) {
      findings.push({ kind: 'truncated', position: checkpoint.position, signedAt: checkpoint.signedAt, from: chain.lastPosition + 1 });
    } else if (checkpoint.position > 0 && hashes.get(checkpoint.position) !== checkpoint.hash) {
      findings.push({ kind: 'rewritten', position: checkpoint.position, signedAt: checkpoint.signedAt, after: matched });
    } else {
      matched = Math.max(matched, checkpoint.position);
    }
  }
  // What no matching checkpoint covers: new events since the newest one, or, after a cut or a
  // rewrite, everything after the last checkpoint that still matches (a forged event among them).
  if (chain.lastPosition > matched) findings.push({ kind: 'uncovered', from: matched + 1, to: chain.lastPosition });
  return { findings, checked: signed.length };
}

/** One line per finding, for people. */
export function describeFinding(finding: CheckpointFinding): string {
  switch (finding.kind) {
    case 'unsigned':
      return `checkpoint file line ${finding.line}: ${finding.reason}`;
    case 'rewritten':
      return `events ${finding.after + 1}–${finding.position} were rewritten: the event at ${finding.position} does not have the hash signed at ${finding.signedAt}`;
    case 'truncated':
      return `events ${finding.from}–${finding.position} are missing: the chain ends before the position signed at ${finding.signedAt}`;
    case 'uncovered':
      return `events ${finding.from}–${finding.to} are after the last checkpoint that matches: no signature vouches for them`;
  }
}
