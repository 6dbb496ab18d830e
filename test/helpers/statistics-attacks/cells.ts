import { type CountCell as AuditCountCell, cellId, whatOf } from '../../../src/lib/statistics/linked-answers-audit';
import type { StatisticsAnswer } from '../../../src/modules/statistics/statistics.service';
import { groupOf, type TruthGrouping, type TruthTrajectory } from '../statistics-truth';
import type { AnswerSet } from './answers';

// What a published count counts, independently of which answer publishes it: `what` (started
// trajectories, ended, an outcome class, respondents to an item ...) over `selector` (a group of
// one grouping, or everyone). Counts of different answers with the same identity count the same
// contributors; the attacks treat them as one unknown.

export interface CountCell extends AuditCountCell {
  grouping: TruthGrouping | 'recognition' | null;
}

export { cellId, whatOf };

/** Every count of a set of answers, by identity, with the value(s) published for it (none where it is withheld). */
export function publishedCounts(
  answers: AnswerSet,
  scopeOf: (part: string) => string,
): Map<string, { cell: CountCell; values: Set<number> }> {
  const cells = new Map<string, { cell: CountCell; values: Set<number> }>();
  for (const [key, answer] of answers) {
    const [measure, groupingText, part] = key.split('|') as [string, string, string];
    const grouping = measure === 'recognition' ? 'recognition' : groupingText === 'total' ? null : (groupingText as TruthGrouping);
    const scope = scopeOf(part);
    const lines: Array<[string | null, StatisticsAnswer['total']]> = [
      ...answer.groups.map((group) => [group.group, group.values] as [string, StatisticsAnswer['total']]),
      [null, answer.total],
    ];
    for (const [group, values] of lines) {
      for (const [name, value] of Object.entries(values)) {
        const what = whatOf(measure, name);
        if (what === null) continue;
        const id = cellId(scope, what, group === null ? null : grouping, group);
        const entry = cells.get(id) ?? {
          cell: { id, scope, what, grouping: group === null ? null : grouping, group },
          values: new Set<number>(),
        };
        // A withheld count (null) is still a count the attacker knows exists: an unknown without bounds.
        if (value.value !== null) entry.values.add(value.value);
        cells.set(id, entry);
      }
    }
  }
  return cells;
}

/** The true value of a count cell over some trajectories. */
export function trueCount(cell: Pick<CountCell, 'what' | 'grouping' | 'group'>, rows: TruthTrajectory[]): number {
  const members = cell.grouping && cell.group !== null ? rows.filter((row) => groupOf(row, cell.grouping!) === cell.group) : rows;
  const [kind, detail] = cell.what.split(':') as [string, string | undefined];
  switch (kind) {
    case 'T':
      return members.length;
    case 'E':
      return members.filter((row) => row.days !== null).length;
    case 'A':
      return members.filter((row) => row.days === null).length;
    case 'Y':
      return new Set(members.map((row) => row.youth)).size;
    case 'R':
      return members.filter((row) => row.endReason === detail).length;
    case 'O':
      return members.filter((row) => row.outcome === detail).length;
    case 'K':
      return members.filter((row) => row.statuses[detail!] !== 'unknown').length;
    case 'P':
      return members.filter((row) => row.answers[detail!] !== undefined).length;
    case 'F':
      return members.filter((row) => row.fidelity[detail!] !== null && row.fidelity[detail!] !== undefined).length;
    case 'D':
      return members.filter((row) => row.doses[detail!] !== undefined).length;
    default:
      throw new Error(`unknown count ${cell.what}`);
  }
}
