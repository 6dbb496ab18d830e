import { describe, expect, it } from 'vitest';
import { perturbation } from '../src/lib/statistics/perturbation-table';
import { readPerturbationTable } from '../src/lib/statistics/perturbation-table-file';
import { solveCounts } from './helpers/attacker/integer-program';
import { keyArithmetic, keyDomainOf } from './helpers/attacker/key-arithmetic';
import { canPublish, keyInterval, originsOf } from './helpers/attacker/perturbation';

// The tests' own attacker (test/helpers/attacker/) checked on its own, without the service: its
// reading of the public table agrees with the table's lookup, its key arithmetic never rules out
// the truth where keys do add up (it would otherwise "determine" wrong counts and make the
// control win for a wrong reason), and its integer programme pins what it must.

const TABLE = readPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 });
const RANGE = 2 ** 31;

/** A small deterministic generator (mulberry32), so a failure replays. */
function generator(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Published as the cell-key method publishes: the count plus the table's perturbation for the key. */
const publish = (count: number, key: number) => (count === 0 ? 0 : count + perturbation(TABLE, count, key / RANGE));

describe("the tests' own attacker", () => {
  // Seen failing: with keyInterval reading a row's cumulative intervals from its last perturbation; restored.
  it('reads from the public table exactly the true counts that can publish a value, and the keys that do', () => {
    for (let published = 0; published <= 20; published += 1) {
      const origins = originsOf(TABLE, published);
      for (let count = 0; count <= 30; count += 1)
        expect(origins.includes(count), `${count} → ${published}`).toBe(canPublish(TABLE, count, published));
      // Never published: 1 … js.
      expect(origins.length === 0).toBe(published >= 1 && published <= TABLE.parameters.threshold);
    }
    // The table's own lookup picks, for every key, the perturbation whose interval holds it.
    const random = generator(1);
    for (let trial = 0; trial < 5_000; trial += 1) {
      const count = 1 + Math.floor(random() * 12);
      const key = random();
      const [from, to] = keyInterval(TABLE, count, perturbation(TABLE, count, key))!;
      expect(key >= from && key < to).toBe(true);
    }
  });

  // Seen failing: with a part's keys taken as the whole's plus (not minus) the others' in
  // key-arithmetic.ts, a true count was ruled out; restored.
  it('never rules out a true count by the key arithmetic when keys add up, and sometimes narrows one', () => {
    const random = generator(2);
    let narrowed = 0;
    for (let trial = 0; trial < 2_000; trial += 1) {
      // A whole of 2 or 3 disjoint parts, small counts (where a published value says most of the key), random record-key sums.
      const parts = Array.from({ length: 2 + Math.floor(random() * 2) }, () => {
        const count = Math.floor(random() * 6);
        // No contributors, no record keys: an empty part adds 0 to its whole's sum.
        return { count, sum: count === 0 ? 0 : Math.floor(random() * RANGE * count) };
      });
      const whole = {
        count: parts.reduce((total, part) => total + part.count, 0),
        sum: parts.reduce((total, part) => total + part.sum, 0),
      };
      const cells = [whole, ...parts].map((cell) => {
        const key = cell.sum % RANGE;
        const published = publish(cell.count, key);
        return { ...cell, published, domain: keyDomainOf(TABLE, published, originsOf(TABLE, published)) };
      });
      const domains = new Map(cells.map((cell, index) => [`c${index}`, cell.domain]));
      const before = new Map([...domains].map(([id, domain]) => [id, domain.size]));
      const result = keyArithmetic(domains, [{ whole: 'c0', parts: parts.map((_, index) => `c${index + 1}`) }]);
      expect(result.refuted).toEqual([]);
      for (const [index, cell] of cells.entries()) expect(result.counts.get(`c${index}`)).toContain(cell.count);
      if ([...result.counts].some(([id, values]) => values.length < before.get(id)!)) narrowed += 1;
    }
    expect(narrowed).toBeGreaterThan(0);
  });

  // Seen failing: with the youths ≤ trajectories row left out of the programme, trajectories stayed [0, 3]; restored.
  it('pins the counts the structure pins', async () => {
    // Three youths, three trajectories: trajectories published 0 (so 0–3), youths 6 (so 3–9), and a
    // line never has more youths than trajectories, nor trajectories without a youth.
    const result = await solveCounts({
      domains: new Map([
        ['trajectories', originsOf(TABLE, 0)],
        ['youths', originsOf(TABLE, 6)],
      ]),
      structure: { partitions: [], covers: [], atMost: [], youths: [{ youths: 'youths', trajectories: 'trajectories' }] },
      targets: ['trajectories', 'youths'],
    });
    expect(result.ranges.get('trajectories')).toEqual([3, 3]);
    expect(result.ranges.get('youths')).toEqual([3, 3]);
    expect([...result.solved].sort()).toEqual(['trajectories', 'youths']);
  });
});
