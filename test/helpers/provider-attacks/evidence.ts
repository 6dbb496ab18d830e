import type { StatisticsAnswer } from '../../../src/modules/statistics/statistics.service';
import type { TruthTrajectory } from '../statistics-truth';
import type { AnswerSet } from '../statistics-attacks/answers';
import { type CountCell, publishedCounts } from '../statistics-attacks/cells';

// What an attacker reads from two sets of answers, published before and after the change it is
// after: per category of an attribute, how much the published counts rose (or fell) and how many
// of them changed at all. An institution knows its own records exactly, so it takes its own part
// out: the rise of a count by its own youths is subtracted, and a count whose own contributors
// changed is left out of "changed" (its number was drawn afresh by them; cells no one new entered
// keep their number exactly, so a change elsewhere marks where someone entered or left).

export const GUESSED = ['programme', 'gender', 'outcome'] as const;
export type Guessed = (typeof GUESSED)[number];

/** Who counts in a count cell (trajectory ids; youths for counts of youths): mirrors trueCount. */
export function membersOf(cell: Pick<CountCell, 'what' | 'grouping' | 'group'>, rows: TruthTrajectory[]): Set<string> {
  const grouped =
    cell.grouping && cell.group !== null
      ? rows.filter((row) => (cell.grouping === 'recognition' ? row.recognition : row[cell.grouping!]) === cell.group)
      : rows;
  const [kind, detail] = cell.what.split(':') as [string, string | undefined];
  const pick = (keep: (row: TruthTrajectory) => boolean) => new Set(grouped.filter(keep).map((row) => row.id));
  switch (kind) {
    case 'T':
      return pick(() => true);
    case 'E':
      return pick((row) => row.days !== null);
    case 'A':
      return pick((row) => row.days === null);
    case 'Y':
      return new Set(grouped.map((row) => row.youth));
    case 'R':
      return pick((row) => row.endReason === detail);
    case 'O':
      return pick((row) => row.outcome === detail);
    case 'K':
      return pick((row) => row.statuses[detail!] !== 'unknown');
    case 'P':
      return pick((row) => row.answers[detail!] !== undefined);
    case 'F':
      return pick((row) => row.fidelity[detail!] !== null && row.fidelity[detail!] !== undefined);
    case 'D':
      return pick((row) => row.doses[detail!] !== undefined);
    default:
      throw new Error(`unknown count ${cell.what}`);
  }
}

const sameSet = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((value) => b.has(value));

/** The category of an attribute a national count speaks for, if any. */
function categoryOf(cell: CountCell, attribute: Guessed): string | null {
  if (attribute === 'outcome') return cell.what.startsWith('O:') ? cell.what.slice(2) : null;
  return cell.grouping === attribute && cell.group !== null ? cell.group : null;
}

export interface CellChange {
  cell: CountCell;
  /** Published after minus before (withheld on either side: left out). */
  difference: number;
  /** The attacker's own part of that difference (0 for a reader who owns nothing). */
  own: number;
  /** Whether the attacker's own contributors to the count changed (then its number was drawn afresh by them). */
  ownChanged: boolean;
}

/** Every national count published in both sets, with its change and the attacker's own part of it. */
export function countChanges(before: AnswerSet, after: AnswerSet, ownBefore: TruthTrajectory[] = [], ownAfter: TruthTrajectory[] = []) {
  const earlier = publishedCounts(before, (part) => part);
  const changes: CellChange[] = [];
  for (const [id, entry] of publishedCounts(after, (part) => part)) {
    if (entry.cell.scope !== 'national') continue;
    const previous = earlier.get(id);
    if (previous?.values.size !== 1 || entry.values.size !== 1) continue;
    const membersBefore = membersOf(entry.cell, ownBefore);
    const membersAfter = membersOf(entry.cell, ownAfter);
    changes.push({
      cell: entry.cell,
      difference: [...entry.values][0]! - [...previous.values][0]!,
      own: membersAfter.size - membersBefore.size,
      ownChanged: !sameSet(membersBefore, membersAfter),
    });
  }
  return changes;
}

export interface Evidence {
  /** Per category: the published rise less the attacker's own (for an arrival; the fall for a departure). */
  shift: Map<string, number>;
  /** Per category: counts the attacker's own did not touch that changed. */
  changed: Map<string, number>;
  /** Categories whose counts the attacker's own changed (where a target may hide behind them). */
  touched: Set<string>;
}

export function evidenceFor(changes: CellChange[], attribute: Guessed, direction: 'arrival' | 'departure'): Evidence {
  const evidence: Evidence = { shift: new Map(), changed: new Map(), touched: new Set() };
  const sign = direction === 'arrival' ? 1 : -1;
  for (const change of changes) {
    const category = categoryOf(change.cell, attribute);
    if (category === null) continue;
    evidence.shift.set(category, (evidence.shift.get(category) ?? 0) + sign * (change.difference - change.own));
    if (change.ownChanged) evidence.touched.add(category);
    else evidence.changed.set(category, (evidence.changed.get(category) ?? 0) + (change.difference !== 0 ? 1 : 0));
  }
  return evidence;
}

/** The category with the most evidence among those allowed; else the one the attacker's own touched (if one); else the prior. */
export function guessFrom(scores: Map<string, number>, options: { prior: string; touched?: Set<string>; excluded?: Set<string> }): string {
  let best: string | null = null;
  let top = 0;
  for (const [category, score] of scores) {
    if (options.excluded?.has(category)) continue;
    if (score > top) {
      best = category;
      top = score;
    }
  }
  if (best !== null) return best;
  const touched = [...(options.touched ?? [])].filter((category) => !options.excluded?.has(category));
  return touched.length === 1 ? touched[0]! : options.prior;
}

/** Both guesses for an attribute: by the shift of the counts, and by how many counts changed. */
export function guessesFor(
  changes: CellChange[],
  attribute: Guessed,
  direction: 'arrival' | 'departure',
  prior: string,
  excluded?: Set<string>,
): { shift: string; changed: string } {
  const evidence = evidenceFor(changes, attribute, direction);
  return {
    shift: guessFrom(evidence.shift, { prior, excluded: excluded ?? new Set() }),
    changed: guessFrom(evidence.changed, { prior, touched: evidence.touched, excluded: excluded ?? new Set() }),
  };
}

/** Per grouping, the group whose counts (untouched by the attacker's own) changed most: where the attacker places the target. */
export function likeliestGroups(changes: CellChange[]): Map<string, string> {
  const scores = new Map<string, Map<string, number>>();
  for (const change of changes) {
    const { grouping, group } = change.cell;
    if (!grouping || group === null || grouping === 'recognition' || change.ownChanged || change.difference === 0) continue;
    const groups = scores.get(grouping) ?? new Map<string, number>();
    groups.set(group, (groups.get(group) ?? 0) + 1);
    scores.set(grouping, groups);
  }
  return new Map([...scores].map(([grouping, groups]) => [grouping, [...groups].sort((a, b) => b[1] - a[1])[0]![0]] as [string, string]));
}

type Line = StatisticsAnswer['total'];

function perspectiveLine(answers: AnswerSet, grouping: string | null, group: string | null): Line | undefined {
  const answer = answers.get(`perspective|${grouping ?? 'total'}|national`);
  if (!answer) return undefined;
  return group === null ? answer.total : answer.groups.find((entry) => entry.group === group)?.values;
}

/**
 * The target's answer to each youth-perspective item, estimated from the published means of the
 * lines she entered (the total, and per grouping the group the attacker places her in): what
 * entered a line is its new mean times its respondents less the old sum; the attacker's own
 * answers are taken out. Two estimates: as if she were the only one to enter (`single`), and
 * over as many as the line's published respondents rose (`batch`).
 */
export function perspectiveEstimates(
  before: AnswerSet,
  after: AnswerSet,
  changes: CellChange[],
  ownBefore: TruthTrajectory[],
  ownAfter: TruthTrajectory[],
  items: Array<{ code: string; minValue: number; maxValue: number }>,
): Map<string, { single: number | null; batch: number | null }> {
  const lines: Array<[string | null, string | null]> = [
    [null, null],
    ...[...likeliestGroups(changes)].map(([g, x]) => [g, x] as [string, string]),
  ];
  const estimates = new Map<string, { single: number | null; batch: number | null }>();
  const inLine = (rows: TruthTrajectory[], grouping: string | null, group: string | null) =>
    grouping === null ? rows : rows.filter((row) => String(row[grouping as keyof TruthTrajectory]) === group);
  for (const item of items) {
    const single: number[] = [];
    const batch: number[] = [];
    for (const [grouping, group] of lines) {
      const old = perspectiveLine(before, grouping, group);
      const now = perspectiveLine(after, grouping, group);
      const meanBefore = old?.[`${item.code}.mean`]?.value;
      const meanAfter = now?.[`${item.code}.mean`]?.value;
      const respondentsBefore = old?.[`${item.code}.respondents`]?.value;
      const respondentsAfter = now?.[`${item.code}.respondents`]?.value;
      if (meanBefore == null || meanAfter == null || respondentsAfter == null || respondentsBefore == null) continue;
      const ownOld = inLine(ownBefore, grouping, group).flatMap((row) =>
        row.answers[item.code] === undefined ? [] : [row.answers[item.code]!],
      );
      const ownNew = inLine(ownAfter, grouping, group).flatMap((row) =>
        row.answers[item.code] === undefined ? [] : [row.answers[item.code]!],
      );
      const ownCount = ownNew.length - ownOld.length;
      const ownSum = ownNew.reduce((sum, value) => sum + value, 0) - ownOld.reduce((sum, value) => sum + value, 0);
      // Sum of what others brought in, for k of them: n_after·Δmean + (k + own count)·mean_before − own sum.
      const entered = (k: number) => (respondentsAfter * (meanAfter - meanBefore) + (k + ownCount) * meanBefore - ownSum) / k;
      single.push(entered(1));
      batch.push(entered(Math.max(1, respondentsAfter - respondentsBefore - ownCount)));
    }
    const settle = (values: number[]) =>
      values.length === 0
        ? null
        : Math.min(item.maxValue, Math.max(item.minValue, Math.round(values.reduce((sum, value) => sum + value, 0) / values.length)));
    estimates.set(item.code, { single: settle(single), batch: settle(batch) });
  }
  return estimates;
}
