// How often an attacker's guesses are right, beside the base rate: always guessing the most
// common true value among the same targets (what knowing the group they come from gives, without
// any answer about them). Per attribute; an attribute may be split in strata (the ten perspective
// items), each with its own most common value, summed.

export interface Rate {
  /** Guesses scored. */
  n: number;
  base: number;
  /** Per guesser. */
  rates: Record<string, number>;
  /** The better guesser's rate (the attacker picks its best after the fact: in its favour). */
  best: number;
  advantage: number;
}

export class GuessTally {
  private readonly entries = new Map<string, { values: Map<string, Map<string, number>>; hits: Map<string, number>; n: number }>();

  add(attribute: string, truth: string, guesses: Record<string, string | number | null>, stratum = ''): void {
    const entry = this.entries.get(attribute) ?? { values: new Map(), hits: new Map(), n: 0 };
    const values = entry.values.get(stratum) ?? new Map<string, number>();
    values.set(truth, (values.get(truth) ?? 0) + 1);
    entry.values.set(stratum, values);
    for (const [guesser, guess] of Object.entries(guesses)) {
      entry.hits.set(guesser, (entry.hits.get(guesser) ?? 0) + (guess !== null && String(guess) === truth ? 1 : 0));
    }
    entry.n += 1;
    this.entries.set(attribute, entry);
  }

  rate(attribute: string): Rate {
    const entry = this.entries.get(attribute);
    if (!entry || entry.n === 0) return { n: 0, base: 0, rates: {}, best: 0, advantage: 0 };
    const base = [...entry.values.values()].reduce((sum, values) => sum + Math.max(...values.values()), 0) / entry.n;
    const rates = Object.fromEntries([...entry.hits].map(([guesser, hits]) => [guesser, hits / entry.n]));
    const best = Math.max(...Object.values(rates));
    return { n: entry.n, base, rates, best, advantage: best - base };
  }

  attributes(): string[] {
    return [...this.entries.keys()];
  }
}

/** Two standard errors of a rate over n guesses (at most 2·√(1/4n)): the slack a bounded test allows. */
export const allowance = (n: number) => 2 * Math.sqrt(0.25 / Math.max(1, n));

export const formatRate = (rate: Rate) =>
  `${(100 * rate.base).toFixed(1)} % → ${(100 * rate.best).toFixed(1)} % (${rate.advantage >= 0 ? '+' : ''}${(100 * rate.advantage).toFixed(1)} pp, n ${rate.n})`;
