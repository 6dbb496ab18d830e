import type { StatisticsAnswer } from '../../../src/modules/statistics/statistics.service';
import type { AnswerSet } from './answers';
import { whatOf } from './cells';

// The before/after attack: fetch every answer, let youths' data arrive one at a time, fetch
// again whenever anything changed, and guess each added youth's programme, gender and outcome
// class from the differences. Two guessers, and the better one counts:
// - "increase": the category whose published counts rose most, summed over every answer;
// - "changed": the category with the most published counts that changed at all (cells nobody
//   new entered keep their value exactly, so a change marks where someone entered).

export const ATTRIBUTES = ['programme', 'gender', 'outcome'] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

/** The counts of an answer line that speak for a category of an attribute: category → cell values. */
function categoryCells(key: string, answer: StatisticsAnswer, attribute: Attribute): Array<[string, string, number]> {
  const [measure, grouping, part] = key.split('|') as [string, string, string];
  if (part !== 'national') return [];
  const cells: Array<[string, string, number]> = [];
  const lines: Array<[string, StatisticsAnswer['total']]> = [
    ...answer.groups.map((group): [string, StatisticsAnswer['total']] => [group.group, group.values]),
    ['total', answer.total],
  ];
  for (const [group, values] of lines) {
    for (const [name, cell] of Object.entries(values)) {
      const what = whatOf(measure, name);
      if (what === null || cell.value === null) continue;
      const where = `${key}/${group}/${name}`;
      if (attribute === 'outcome' && what.startsWith('O:')) cells.push([what.slice(2), where, cell.value]);
      if (attribute !== 'outcome' && grouping === attribute && group !== 'total') cells.push([group, where, cell.value]);
    }
  }
  return cells;
}

export interface Evidence {
  increase: Map<string, number>;
  changed: Map<string, number>;
}

export function evidenceFor(before: AnswerSet, after: AnswerSet, attribute: Attribute): Evidence {
  const earlier = new Map<string, number>();
  for (const [key, answer] of before) for (const [, where, value] of categoryCells(key, answer, attribute)) earlier.set(where, value);
  const evidence: Evidence = { increase: new Map(), changed: new Map() };
  for (const [key, answer] of after) {
    for (const [category, where, value] of categoryCells(key, answer, attribute)) {
      const difference = value - (earlier.get(where) ?? 0);
      evidence.increase.set(category, (evidence.increase.get(category) ?? 0) + difference);
      evidence.changed.set(category, (evidence.changed.get(category) ?? 0) + (difference !== 0 ? 1 : 0));
    }
  }
  return evidence;
}

/** The category with the most evidence; with none (nothing changed), the prior guess. */
export function bestGuess(scores: Map<string, number>, prior: string): string {
  let best = prior;
  let top = 0;
  for (const [category, score] of scores) {
    if (score > top) {
      best = category;
      top = score;
    }
  }
  return best;
}

export interface BeforeAfterResult {
  /** Added youths that entered the published population and were scored. */
  youths: number;
  releases: number;
  /** Youths per release (each is what one difference of answers is about). */
  batchSizes: number[];
  /**
   * Per attribute, how often a guess is right: always guessing the population's most common value
   * (`prior`); always guessing the most common value among the added youths (`base`: the base
   * rate, what knowing the group they come from gives without any answer about them); each
   * guesser; the better guesser; and its advantage over the base rate.
   */
  rates: Record<Attribute, { prior: number; base: number; increase: number; changed: number; best: number; advantage: number }>;
  /** Steps without a release at which every answer was fetched again and found unchanged. */
  unchangedChecks: number;
  /**
   * Releases whose youths all shared the attribute's value: then every cell of the other values
   * kept its number, and an attacker who knows a youth was among them is all but certain of it.
   */
  homogeneous: Record<Attribute, number>;
}

export interface BeforeAfterRun {
  /** Adds youth number `step` and returns her trajectory's id. */
  addYouth(step: number): Promise<string>;
  /** The attributes the records give these trajectories (the truth the attacker is after); those outside the published population are left out. */
  attributesOf(ids: string[]): Promise<Map<string, Record<Attribute, string>>>;
  /** Lets the service catch up (indicators) and release what is due. */
  settle(): Promise<void>;
  /** Something that changes exactly when a release happened. */
  releaseMarker(): Promise<string>;
  collect(): Promise<AnswerSet>;
  steps: number;
  /** The most common category of each attribute before any youth is added (the attacker's prior). */
  prior: Record<Attribute, string>;
  /** Fetch everything again at every n-th step without a release, to check nothing moved. */
  checkEvery?: number;
}

export async function runBeforeAfter(run: BeforeAfterRun): Promise<BeforeAfterResult> {
  let before = await run.collect();
  let marker = await run.releaseMarker();
  let pending: string[] = [];
  const hits = Object.fromEntries(ATTRIBUTES.map((attribute) => [attribute, { prior: 0, increase: 0, changed: 0 }])) as Record<
    Attribute,
    { prior: number; increase: number; changed: number }
  >;
  const values = Object.fromEntries(ATTRIBUTES.map((attribute) => [attribute, new Map<string, number>()])) as Record<
    Attribute,
    Map<string, number>
  >;
  const batchSizes: number[] = [];
  const homogeneous = Object.fromEntries(ATTRIBUTES.map((attribute) => [attribute, 0])) as Record<Attribute, number>;
  let unchangedChecks = 0;
  for (let step = 1; step <= run.steps; step += 1) {
    pending.push(await run.addYouth(step));
    await run.settle();
    const now = await run.releaseMarker();
    if (now === marker) {
      if (run.checkEvery && step % run.checkEvery === 0) {
        const again = await run.collect();
        for (const [key, answer] of again) {
          if (JSON.stringify(answer) !== JSON.stringify(before.get(key)))
            throw new Error(`${key} changed without a release at step ${step}`);
        }
        unchangedChecks += 1;
      }
      continue;
    }
    marker = now;
    const after = await run.collect();
    const batch = [...(await run.attributesOf(pending)).values()];
    for (const attribute of ATTRIBUTES) {
      if (batch.length > 0 && new Set(batch.map((youth) => youth[attribute])).size === 1) homogeneous[attribute] += 1;
      const evidence = evidenceFor(before, after, attribute);
      const guesses = {
        increase: bestGuess(evidence.increase, run.prior[attribute]),
        changed: bestGuess(evidence.changed, run.prior[attribute]),
      };
      for (const youth of batch) {
        values[attribute].set(youth[attribute], (values[attribute].get(youth[attribute]) ?? 0) + 1);
        if (youth[attribute] === run.prior[attribute]) hits[attribute].prior += 1;
        if (youth[attribute] === guesses.increase) hits[attribute].increase += 1;
        if (youth[attribute] === guesses.changed) hits[attribute].changed += 1;
      }
    }
    batchSizes.push(batch.length);
    pending = [];
    before = after;
  }
  const youths = batchSizes.reduce((sum, size) => sum + size, 0);
  const rate = (count: number) => (youths ? count / youths : 0);
  const rates = Object.fromEntries(
    ATTRIBUTES.map((attribute) => {
      const { prior, increase, changed } = hits[attribute];
      const base = rate(Math.max(0, ...values[attribute].values()));
      const best = Math.max(rate(increase), rate(changed));
      return [attribute, { prior: rate(prior), base, increase: rate(increase), changed: rate(changed), best, advantage: best - base }];
    }),
  ) as BeforeAfterResult['rates'];
  return { youths, releases: batchSizes.length, batchSizes, rates, unchangedChecks, homogeneous };
}
