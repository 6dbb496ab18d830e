import { createHmac } from 'node:crypto';

// Cell keys of the cell-key method (Thompson, Broadfoot & Elazar 2013): every record (trajectory
// or youth) has a random record key, drawn once and never published; a cell's key is derived from
// the sum of its contributors' record keys. The same set of contributors always gets the same
// key, in whatever table or order it is counted; one contributor more or less gives an unrelated
// key.
//
// The method's textbook key is the sum itself (mod 1), and sums add up: the key of a whole is the
// keys of its parts added, which an attacker can use as one more equation between published cells
// (issue #23 measured counts pinned that way). The registry's key is a keyed one-way function of
// the sum instead (HMAC-SHA-256 under the statistics secret), so the same contributors still get
// the same key while parts say nothing about the key of their whole.
//
// Record keys are integers in [0, 2^31) rather than reals in [0, 1): their sum is exact in SQL
// (sum of int4 is a bigint) whatever order the database adds them in, so the key of a cell can
// never differ in its last bits between two plans. The key as a fraction is sum mod 2^31 / 2^31.

export const RECORD_KEY_RANGE = 2 ** 31;

/** The cell key, an integer in [0, 2^31), from the sum of the contributors' record keys. */
export function cellKey(sumOfRecordKeys: string | number | bigint | null): number {
  if (sumOfRecordKeys === null) return 0;
  return Number(BigInt(sumOfRecordKeys) % BigInt(RECORD_KEY_RANGE));
}

/**
 * The cell key under a secret: the first 31 bits of HMAC-SHA-256(secret, the exact sum of the
 * contributors' record keys in decimal). Keys are cached per sum (a release asks for the same
 * cells in many answers).
 */
export function keyedCellKey(secret: Buffer): (sumOfRecordKeys: string | number | bigint | null) => number {
  const cache = new Map<string, number>();
  return (sumOfRecordKeys) => {
    const sum = BigInt(sumOfRecordKeys ?? 0).toString();
    let key = cache.get(sum);
    if (key === undefined) {
      key = createHmac('sha256', secret).update(sum).digest().readUInt32BE(0) >>> 1;
      cache.set(sum, key);
    }
    return key;
  };
}

/** The cell key as the fraction in [0, 1) that the perturbation table is read with. */
export const keyFraction = (key: number) => key / RECORD_KEY_RANGE;

/** FNV-1a: a fixed 32-bit number per variable name. */
function nameHash(name: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < name.length; index += 1) {
    hash ^= name.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** MurmurHash3's finaliser: a bijection of 32-bit integers that mixes every bit into every other. */
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A key in [0, 1) for one magnitude (a mean or median) of a cell: derived from the cell key and
 * the variable's name, so that magnitudes of the same contributors (and their count) get
 * unrelated noise, while the same variable of the same contributors always gets the same.
 */
export function variableKey(key: number, variable: string): number {
  return mix32(key ^ nameHash(variable)) / 2 ** 32;
}
