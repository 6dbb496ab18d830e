// Sets of cell keys: unions of closed arcs of the circle [0, 1) (a key is a sum of record keys
// mod 2^31, as a fraction: mod 1). The key-arithmetic attack adds and subtracts them. Every
// operation may only over-approximate (arcs are padded, and merged when there are too many), so
// a key set never loses the true key: the attack stays sound, only weaker.

/** Sorted, disjoint [from, to] within [0, 1]. */
export type Arcs = ReadonlyArray<readonly [number, number]>;

export const FULL: Arcs = [[0, 1]];
export const EMPTY: Arcs = [];
/** Floating-point slack on every bound. */
const PAD = 1e-9;
/** More arcs than this are merged across their smallest gaps (an over-approximation). */
const MOST = 24;

export const isFull = (arcs: Arcs) => arcs.length === 1 && arcs[0]![0] <= 0 && arcs[0]![1] >= 1;
export const isEmpty = (arcs: Arcs) => arcs.length === 0;

/** Normalises intervals on the line to arcs of the circle, merged. */
function normalise(intervals: Array<[number, number]>): Arcs {
  const pieces: Array<[number, number]> = [];
  for (const [from, to] of intervals) {
    if (to - from >= 1) return FULL;
    const start = from - Math.floor(from);
    const end = start + (to - from);
    if (end > 1) pieces.push([start, 1], [0, end - 1]);
    else pieces.push([start, end]);
  }
  pieces.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const piece of pieces) {
    const last = merged[merged.length - 1];
    if (last && piece[0] <= last[1]) last[1] = Math.max(last[1], piece[1]);
    else merged.push([piece[0], piece[1]]);
  }
  while (merged.length > MOST) {
    let gap = 0;
    for (let index = 1; index < merged.length - 1; index += 1)
      if (merged[index + 1]![0] - merged[index]![1] < merged[gap + 1]![0] - merged[gap]![1]) gap = index;
    merged[gap]![1] = merged[gap + 1]![1];
    merged.splice(gap + 1, 1);
  }
  if (merged.length === 1 && merged[0]![0] <= 0 && merged[0]![1] >= 1) return FULL;
  return merged;
}

/** The arc [from, to] (to ≥ from), padded. */
export const arc = (from: number, to: number): Arcs => normalise([[from - PAD, to + PAD]]);

/** The single key 0: the key of no contributors (an empty sum). */
export const ZERO_KEY: Arcs = arc(0, 0);

export function union(a: Arcs, b: Arcs): Arcs {
  if (isFull(a) || isFull(b)) return FULL;
  return normalise([...a, ...b].map(([from, to]) => [from, to]));
}

export function intersect(a: Arcs, b: Arcs): Arcs {
  if (isFull(a)) return b;
  if (isFull(b)) return a;
  const out: Array<[number, number]> = [];
  for (const [from, to] of a)
    for (const [otherFrom, otherTo] of b) {
      const start = Math.max(from, otherFrom);
      const end = Math.min(to, otherTo);
      if (start <= end) out.push([start, end]);
    }
  return out.length ? normalise(out) : EMPTY;
}

/** { x + y mod 1 }: the keys of a whole from the keys of two disjoint parts. */
export function add(a: Arcs, b: Arcs): Arcs {
  if (isEmpty(a) || isEmpty(b)) return EMPTY;
  if (isFull(a) || isFull(b)) return FULL;
  const out: Array<[number, number]> = [];
  for (const [from, to] of a) for (const [otherFrom, otherTo] of b) out.push([from + otherFrom, to + otherTo]);
  return normalise(out);
}

/** { −x mod 1 }. */
export function negate(a: Arcs): Arcs {
  if (isFull(a) || isEmpty(a)) return a;
  return normalise(a.map(([from, to]) => [1 - to, 1 - from]));
}

/** Whether a key (a fraction) is in the set. */
export const holds = (arcs: Arcs, key: number) => arcs.some(([from, to]) => key >= from && key <= to);

export const width = (arcs: Arcs) => arcs.reduce((sum, [from, to]) => sum + (to - from), 0);
