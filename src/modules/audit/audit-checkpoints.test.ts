import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ChainView, checkpointIsSigned, compareWithCheckpoints, describeFinding, signCheckpoint } from './audit-checkpoints';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const hashOf = (position: number, forged = false) => `${forged ? 'f' : 'a'}${String(position).padStart(63, '0')}`;
/** A chain of `last` events whose hashes are hashOf(position), some of them forged. */
const chainOf = (last: number, forged: number[] = []): ChainView => ({
  lastPosition: last,
  hashesAt: async (positions) =>
    new Map(positions.filter((position) => position <= last).map((position) => [position, hashOf(position, forged.includes(position))])),
});
const lines = (...checkpoints: object[]) => checkpoints.map((checkpoint) => JSON.stringify(checkpoint)).join('\n');
const at = (position: number) => signCheckpoint(privateKey, { position, hash: hashOf(position) });

describe('signed checkpoints of the audit chain', () => {
  it('verify with their key only, and not once a field changed', () => {
    const checkpoint = at(10);
    expect(checkpointIsSigned(publicKey, checkpoint)).toBe(true);
    expect(checkpointIsSigned(other.publicKey, checkpoint)).toBe(false);
    expect(checkpointIsSigned(publicKey, { ...checkpoint, position: 9 })).toBe(false);
    expect(checkpointIsSigned(publicKey, { ...checkpoint, hash: hashOf(10, true) })).toBe(false);
    expect(checkpointIsSigned(publicKey, { ...checkpoint, signature: 'not base64 at all' })).toBe(false);
  });

  it('find nothing on an intact chain, and name the events after the newest checkpoint', async () => {
    expect((await compareWithCheckpoints(publicKey, lines(at(5), at(10)), chainOf(10))).findings).toEqual([]);
    expect((await compareWithCheckpoints(publicKey, lines(at(5), at(10)), chainOf(12))).findings).toEqual([
      { kind: 'uncovered', from: 11, to: 12 },
    ]);
  });

  it('name a cut-off tail and what no matching checkpoint vouches for, a forged event among it', async () => {
    // Events 8-10 deleted and the head moved back; a forged 8 appended in their place.
    const { findings } = await compareWithCheckpoints(publicKey, lines(at(5), at(10)), chainOf(8, [8]));
    expect(findings).toEqual([
      { kind: 'truncated', position: 10, signedAt: expect.any(String), from: 9 },
      { kind: 'uncovered', from: 6, to: 8 },
    ]);
    expect(findings.map(describeFinding).join('\n')).toMatch(/events 9–10 are missing/);
  });

  it('name a rewritten stretch between the last checkpoint that matches and the first that does not', async () => {
    // Event 8 rewritten and the chain re-linked from it: every hash from 8 on differs.
    const { findings } = await compareWithCheckpoints(publicKey, lines(at(5), at(10), at(15)), chainOf(15, [8, 9, 10, 11, 12, 13, 14, 15]));
    expect(findings).toEqual([
      { kind: 'rewritten', position: 10, signedAt: expect.any(String), after: 5 },
      { kind: 'rewritten', position: 15, signedAt: expect.any(String), after: 5 },
      { kind: 'uncovered', from: 6, to: 15 },
    ]);
    expect(describeFinding(findings[0]!)).toMatch(/events 6–10 were rewritten/);
  });

  it('refuse a checkpoint of another key, or a line that is not one, rather than trust it', async () => {
    const foreign = signCheckpoint(other.privateKey, { position: 10, hash: hashOf(10) });
    const { findings, checked } = await compareWithCheckpoints(publicKey, `${lines(at(5), foreign)}\nnonsense`, chainOf(10));
    expect(checked).toBe(1);
    expect(findings).toEqual([
      { kind: 'unsigned', line: 3, reason: 'not a checkpoint' },
      { kind: 'unsigned', line: 2, reason: expect.stringMatching(/signature/) },
      { kind: 'uncovered', from: 6, to: 10 },
    ]);
  });
});
