import type { PerturbationTable } from '../../../src/lib/statistics/perturbation-table';
import { type Arcs, add, arc, EMPTY, FULL, intersect, isEmpty, isFull, negate, union, ZERO_KEY } from './arcs';
import { keyInterval } from './perturbation';
import type { Partition } from './structure';

// The key-arithmetic attack on additive cell keys (issue #23). With the textbook key, a cell's key
// is the sum of its contributors' record keys mod 1 (Thompson, Broadfoot & Elazar 2013), so for
// disjoint parts key(whole) = Σ key(parts) mod 1, and the perturbation is a public function of
// (true count, key) (the table's cumulative intervals). A published value therefore says, for each
// true count it can have come from, in which interval its key lies; a partition then says which
// combinations of counts have keys that add up. The attacker keeps, per count, the pairs (true
// count, key set) still possible, and narrows them relation by relation (generalised arc
// consistency, keys projected onto arcs) until nothing changes; what is left feeds the integer
// programme. Bounded: each relation is narrowed on its own (the keys' joint constraints across
// relations only through the narrowed sets), and arcs are over-approximated past a few dozen, so
// it finds less than a complete search could, never a value that is not possible.

/** Per count: each true count still possible, with the keys that publish it so. */
export type KeyDomain = Map<number, Arcs>;

/** The pairs (true count, key) a published value allows; a withheld count: any of `counts` (at least 1) with any key. */
export function keyDomainOf(table: PerturbationTable, published: number | null, counts: readonly number[]): KeyDomain {
  const domain: KeyDomain = new Map();
  for (const count of counts) {
    if (published === null) domain.set(count, FULL);
    else if (count === 0) domain.set(0, ZERO_KEY);
    else {
      const interval = keyInterval(table, count, published - count);
      if (interval) domain.set(count, arc(interval[0], interval[1]));
    }
  }
  return domain;
}

/** By sum of counts: the keys that sum can have. */
type Spread = Map<number, Arcs>;

function convolve(spread: Spread, domain: KeyDomain): Spread {
  const out: Spread = new Map();
  for (const [sum, keys] of spread)
    for (const [count, more] of domain) {
      const together = add(keys, more);
      if (!isEmpty(together)) out.set(sum + count, union(out.get(sum + count) ?? EMPTY, together));
    }
  return out;
}

const same = (a: Arcs, b: Arcs) =>
  a.length === b.length && a.every((piece, index) => piece[0] === b[index]![0] && piece[1] === b[index]![1]);

/** Narrows the whole and the parts of one partition; true if anything changed. */
function narrow(domains: Map<string, KeyDomain>, { whole, parts }: Partition): boolean {
  const domainsOf = parts.map((id) => domains.get(id)!);
  const prefix: Spread[] = [new Map([[0, ZERO_KEY]])];
  for (const domain of domainsOf) prefix.push(convolve(prefix[prefix.length - 1]!, domain));
  const suffix: Spread[] = new Array(parts.length + 1);
  suffix[parts.length] = new Map([[0, ZERO_KEY]]);
  for (let index = parts.length - 1; index >= 0; index -= 1) suffix[index] = convolve(suffix[index + 1]!, domainsOf[index]!);
  let changed = false;
  const wholeDomain: KeyDomain = new Map();
  for (const [count, keys] of domains.get(whole)!) {
    const kept = intersect(keys, prefix[parts.length]!.get(count) ?? EMPTY);
    if (!isEmpty(kept)) wholeDomain.set(count, kept);
    if (isEmpty(kept) || !same(kept, keys)) changed = true;
  }
  domains.set(whole, wholeDomain);
  parts.forEach((id, index) => {
    // The other parts together: their counts' sums and keys.
    const others: Spread = new Map();
    for (const [sum, keys] of prefix[index]!)
      for (const [rest, more] of suffix[index + 1]!) {
        const together = add(keys, more);
        if (!isEmpty(together)) others.set(sum + rest, union(others.get(sum + rest) ?? EMPTY, together));
      }
    const narrowed: KeyDomain = new Map();
    for (const [count, keys] of domainsOf[index]!) {
      // key(part) = key(whole) − key(others), for a whole of count(part) + count(others).
      let allowed: Arcs = EMPTY;
      for (const [total, wholeKeys] of wholeDomain) {
        const rest = others.get(total - count);
        if (!rest) continue;
        allowed = union(allowed, add(wholeKeys, negate(rest)));
        if (isFull(allowed)) break;
      }
      const kept = intersect(keys, allowed);
      if (!isEmpty(kept)) narrowed.set(count, kept);
      if (isEmpty(kept) || !same(kept, keys)) changed = true;
    }
    domains.set(id, narrowed);
  });
  return changed;
}

export interface KeyArithmeticResult {
  /** Per count, the true counts left possible. */
  counts: Map<string, number[]>;
  /** Counts left with no possible value: the published answers contradict additive keys. */
  refuted: string[];
  rounds: number;
}

/** Narrows every partition in turn until none changes (or `rounds` passes). */
export function keyArithmetic(domains: Map<string, KeyDomain>, partitions: readonly Partition[], rounds = 12): KeyArithmeticResult {
  let round = 0;
  for (; round < rounds; round += 1) {
    let changed = false;
    for (const partition of partitions) if (narrow(domains, partition)) changed = true;
    if (!changed || [...domains.values()].some((domain) => domain.size === 0)) break;
  }
  const counts = new Map([...domains].map(([id, domain]) => [id, [...domain.keys()].sort((a, b) => a - b)]));
  return { counts, refuted: [...counts].filter(([, values]) => values.length === 0).map(([id]) => id), rounds: round + 1 };
}
