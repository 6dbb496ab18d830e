import type { PerturbationTable } from '../../../src/lib/statistics/perturbation-table';
import type { TruthTrajectory } from '../statistics-truth';
import { originsOf, reachOf } from './perturbation';

// The outside attacker's reading of what the service publishes. Written apart from the service
// and from its release audit (no import of either): an attack that asked the defence's own code
// how to read the answers would inherit its blind spots. A count is identified by what it counts
// and over whom (a group of a grouping, or everyone); the same count published in several answers
// (started in the overview, trajectories in outcomes) is one unknown, as the cell-key method
// publishes the same contributors with the same value (Thompson, Broadfoot & Elazar 2013).

/** One published value as the REST answer (or the GraphQL one, converted) has it. */
export interface PublishedValue {
  value: number | null;
  suppressed: boolean;
}

/** What the attacker reads of one answer: its lines. */
export interface PublishedAnswer {
  groups: ReadonlyArray<{ group: string; values: Readonly<Record<string, PublishedValue>> }>;
  total: Readonly<Record<string, PublishedValue>>;
}

/** Answers by `${measure}|${grouping or 'total'}|${part}` (part: national, or own for an institution's own figures). */
export type PublishedAnswers = ReadonlyMap<string, PublishedAnswer>;

/** A count: what it counts (trajectories, ended, outcome:improved ...) over a selector. */
export interface Count {
  id: string;
  kind: string;
  /** null on a total line. */
  grouping: string | null;
  group: string | null;
}

export const countId = (kind: string, grouping: string | null, group: string | null) =>
  grouping === null ? `${kind}|total` : `${kind}|${grouping}=${group}`;

/** Values that are not counts: shares, means and medians (the attack is on counts). */
const NOT_A_COUNT = [/\.share_/, /\.mean$/, /\.median$/, /\.medianPerMonth$/, /^medianDaysInCare$/];

/** The kind of count a value name publishes, or null for a value that is not a count. Unknown names throw: the attack must not skip a count silently. */
export function kindOf(name: string): string | null {
  if (name === 'started' || name === 'trajectories') return 'trajectories';
  if (name === 'ended' || name === 'active' || name === 'youths') return name;
  const patterns: Array<[RegExp, string]> = [
    [/^endReason\.(.+)$/, 'endReason'],
    [/^outcome\.(.+)$/, 'outcome'],
    [/^fidelity\.(.+)\.scored$/, 'scored'],
    [/^dose\.(.+)\.received$/, 'received'],
    [/^(.+)\.known$/, 'known'],
    [/^(.+)\.respondents$/, 'respondents'],
  ];
  for (const [pattern, kind] of patterns) {
    const match = pattern.exec(name);
    if (match) return `${kind}:${match[1]}`;
  }
  if (NOT_A_COUNT.some((pattern) => pattern.test(name))) return null;
  throw new Error(`the attacker does not know the value ${name}`);
}

/**
 * The counts behind a domain's shares. A share is published to three decimals as one status's
 * count over the sum of the domain's four (the answers' notes say shares are of perturbed counts
 * and add up to 1), so the attacker tries every sum W the domain's published known count allows
 * (its true count, give or take the table's reach for each of the four) and keeps those at which
 * each share is a count the table can publish, over W, rounded. Where exactly one W fits, the four
 * counts are read as published counts; where several do the shares are left unread, which leaves
 * the attacker weaker, never wrong.
 */
const SHARE = /^(.+)\.share_(.+)$/;

export interface ShareReading {
  /** The sums the four perturbed counts can have. */
  wholes: [number, number];
  /** Whether the table can publish this value for some true count. */
  publishable: (value: number) => boolean;
}

export function countsOfShares(shares: ReadonlyMap<string, number>, reading: ShareReading): Map<string, number> | null {
  const entries = [...shares];
  let found: Map<string, number> | null = null;
  for (let whole = Math.max(1, reading.wholes[0]); whole <= reading.wholes[1]; whole += 1) {
    const counts = entries.map(([status, share]): [string, number] => [status, Math.round(share * whole)]);
    if (counts.reduce((sum, [, count]) => sum + count, 0) !== whole) continue;
    if (!counts.every(([status, count]) => reading.publishable(count) && Math.round((count / whole) * 1000) / 1000 === shares.get(status)))
      continue;
    if (found) return null;
    found = new Map(counts);
  }
  return found;
}

/** A count and what was published for it: the values seen (more than one is an inconsistency), or withheld. */
export interface PublishedCount {
  count: Count;
  values: Set<number>;
  withheld: boolean;
}

/**
 * Every national count of a set of answers, by identity; with the table, also the status counts a
 * domain's shares give back (`countsOfShares`).
 */
export function readCounts(answers: PublishedAnswers, table?: PerturbationTable): Map<string, PublishedCount> {
  const counts = new Map<string, PublishedCount>();
  for (const [key, answer] of answers) {
    const [measure, groupingText, part] = key.split('|') as [string, string, string];
    // An institution's own figures count its own records, which it knows anyway.
    if (part !== 'national') continue;
    const grouping = measure === 'recognition' ? 'recognition' : groupingText === 'total' ? null : groupingText;
    const lines: Array<[string | null, Readonly<Record<string, PublishedValue>>]> = [
      ...answer.groups.map((line): [string, Readonly<Record<string, PublishedValue>>] => [line.group, line.values]),
      [null, answer.total],
    ];
    for (const [group, values] of lines) {
      const lineGrouping = group === null ? null : grouping;
      const note = (kind: string, value: number | null) => {
        const id = countId(kind, lineGrouping, group);
        const entry = counts.get(id) ?? { count: { id, kind, grouping: lineGrouping, group }, values: new Set<number>(), withheld: false };
        if (value === null) entry.withheld = true;
        else entry.values.add(value);
        counts.set(id, entry);
      };
      const shares = new Map<string, Map<string, number>>();
      for (const [name, published] of Object.entries(values)) {
        const share = SHARE.exec(name);
        if (share && published.value !== null) shares.set(share[1]!, (shares.get(share[1]!) ?? new Map()).set(share[2]!, published.value));
        const kind = kindOf(name);
        if (kind !== null) note(kind, published.value);
      }
      for (const [domain, ofDomain] of shares) {
        const known = values[`${domain}.known`]?.value;
        if (!table || known === null || known === undefined || ofDomain.size !== 4) continue;
        const origins = originsOf(table, known);
        const reach = 4 * reachOf(table);
        const reading: ShareReading = {
          wholes: [Math.min(...origins) - reach, Math.max(...origins) + reach],
          publishable: (value) => originsOf(table, value).length > 0,
        };
        for (const [status, count] of countsOfShares(ofDomain, reading) ?? []) note(`status:${domain}:${status}`, count);
      }
    }
  }
  return counts;
}

/** The group a trajectory falls in, by a grouping. */
function groupOfRow(row: TruthTrajectory, grouping: string): string {
  switch (grouping) {
    case 'programme':
      return row.programme;
    case 'institution':
      return row.institution;
    case 'setting':
      return row.setting;
    case 'start_year':
      return row.start_year;
    case 'gender':
      return row.gender;
    case 'age_group':
      return row.age_group;
    case 'recognition':
      return row.recognition;
    default:
      throw new Error(`unknown grouping ${grouping}`);
  }
}

/** Whether one trajectory is a contributor to a count (youths: whether her youth is). */
function contributes(row: TruthTrajectory, kind: string): boolean {
  const [base, detail, status] = kind.split(':') as [string, string | undefined, string | undefined];
  switch (base) {
    case 'status':
      return row.statuses[detail!] === status;
    case 'trajectories':
    case 'youths':
      return true;
    case 'ended':
      return row.endDate !== null;
    case 'active':
      return row.endDate === null;
    case 'endReason':
      return row.endReason === detail;
    case 'outcome':
      return row.outcome === detail;
    case 'known':
      return row.statuses[detail!] !== 'unknown';
    case 'respondents':
      return row.answers[detail!] !== undefined;
    case 'scored':
      return row.fidelity[detail!] !== null && row.fidelity[detail!] !== undefined;
    case 'received':
      return row.doses[detail!] !== undefined;
    default:
      throw new Error(`unknown count ${kind}`);
  }
}

/** A count over some trajectories: what an attacker who holds them at record level knows of it (and, over all, its truth). */
export function countOver(count: Pick<Count, 'kind' | 'grouping' | 'group'>, rows: readonly TruthTrajectory[]): number {
  const members = rows.filter(
    (row) => (count.grouping === null || groupOfRow(row, count.grouping) === count.group) && contributes(row, count.kind),
  );
  return count.kind === 'youths' ? new Set(members.map((row) => row.youth)).size : members.length;
}

/** The same answers with every count true: a publication without protection, the control an attack must win. */
export function exactAnswers<A extends PublishedAnswer>(answers: ReadonlyMap<string, A>, rows: readonly TruthTrajectory[]): Map<string, A> {
  return new Map(
    [...answers].map(([key, answer]) => {
      const [measure, groupingText, part] = key.split('|') as [string, string, string];
      if (part !== 'national') return [key, answer];
      const grouping = measure === 'recognition' ? 'recognition' : groupingText === 'total' ? null : groupingText;
      const exact = (group: string | null, values: Readonly<Record<string, PublishedValue>>) =>
        Object.fromEntries(
          Object.entries(values).map(([name, value]) => {
            const over = (kind: string) => countOver({ kind, grouping: group === null ? null : grouping, group }, rows);
            const share = SHARE.exec(name);
            if (share) {
              const known = over(`known:${share[1]}`);
              return [
                name,
                known ? { value: Math.round((over(`status:${share[1]}:${share[2]}`) / known) * 1000) / 1000, suppressed: false } : value,
              ];
            }
            const kind = kindOf(name);
            if (kind === null) return [name, value];
            return [name, { value: over(kind), suppressed: false }];
          }),
        );
      return [
        key,
        {
          ...answer,
          groups: answer.groups.map((line) => ({ group: line.group, values: exact(line.group, line.values) })),
          total: exact(null, answer.total),
        },
      ];
    }),
  );
}
