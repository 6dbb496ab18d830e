// A runtime dependency (not a dev one): `highs` is the HiGHS linear-programming solver compiled to
// WebAssembly (no native build), and every release runs this audit.
import { createHash } from 'node:crypto';
import highsLoader from 'highs';
import { SMALL_COUNTS, WITHHELD_MINIMUM } from './cell-key-method';
import { type PerturbationTable, rowFor } from './perturbation-table';

// The linked-answers attack by linear programming, as the release audit runs it and the attack
// tests run it: the attacker takes every published count as an unknown true count, bounded by what
// the (public) perturbation table allows for its published value, ties the unknowns by what is
// structurally true (groups of a grouping add up to the total, programmes to their institution,
// started = ended + active, the parts of a line to its whole), adds what they know at record level
// (a researcher's consented trajectories, an institution's own), and asks, for each count, the
// smallest and largest true count consistent with all of it. A count whose range holds a single
// integer is determined. This is how τ-ARGUS audits a protected table (Hundepool et al.,
// Statistical Disclosure Control, Wiley 2012, §5.4: the attacker's "feasibility intervals").

/** What a published count counts, independently of which answer publishes it. */
export interface CountCell {
  /** `${scope}|${what}|${selector}` */
  id: string;
  scope: string;
  /**
   * T started trajectories, E ended, A active, Y youths, R:reason, O:class, K:domain known,
   * S:domain:status (what the domain's shares reveal), P:item, F:fidelity, D:dose.
   */
  what: string;
  grouping: string | null;
  group: string | null;
}

/** Which kind of count a value name of an answer is, or null for shares, means and medians. */
export function whatOf(measure: string, name: string): string | null {
  if (name === 'started' || name === 'trajectories') return 'T';
  if (name === 'ended') return 'E';
  if (name === 'active') return 'A';
  if (name === 'youths') return 'Y';
  if (name.startsWith('endReason.')) return `R:${name.slice('endReason.'.length)}`;
  if (name.startsWith('outcome.')) return `O:${name.slice('outcome.'.length)}`;
  if (name.endsWith('.known')) return `K:${name.slice(0, -'.known'.length)}`;
  if (name.endsWith('.respondents')) return `P:${name.slice(0, -'.respondents'.length)}`;
  if (name.endsWith('.scored')) return `F:${name.slice('fidelity.'.length, -'.scored'.length)}`;
  if (name.endsWith('.received')) return `D:${name.slice('dose.'.length, -'.received'.length)}`;
  if (
    measure &&
    (name.includes('share_') ||
      name.endsWith('.mean') ||
      name.endsWith('.median') ||
      name.endsWith('.medianPerMonth') ||
      name === 'medianDaysInCare')
  )
    return null;
  throw new Error(`unknown value ${name}`);
}

/**
 * The status count behind a domain's share (`exploitation_resilience.share_improved`), or null.
 * Shares are published to three decimals over the perturbed status counts, which they give back up
 * to scale, and the known count gives the scale: the audit takes those counts as published.
 */
export function statusOf(name: string): string | null {
  const at = name.indexOf('.share_');
  return at < 0 ? null : `S:${name.slice(0, at)}:${name.slice(at + '.share_'.length)}`;
}

export const cellId = (scope: string, what: string, grouping: string | null, group: string | null) =>
  `${scope}|${what}|${grouping && group !== null ? `${grouping}=${group}` : ''}`;

/** Youths may be counted in several groups; every other count adds up over a grouping. */
const ADDITIVE = (what: string) => what !== 'Y';

export interface LinkedAttackInput {
  /** Every published count; `published: null` for one withheld (an unknown without published bounds). */
  cells: Array<{ cell: CountCell; published: number | null }>;
  table: PerturbationTable;
  /** The public catalogue: each institution's programmes. */
  programmesOf: Map<string, string[]>;
  /** What the attacker knows at record level: a lower bound of the true count (their own part of it). */
  known?: Map<string, number>;
  /** The cells to solve for. */
  targets: string[];
  /**
   * The true counts, when the one solving is the auditor: a target is determined only if its
   * largest feasible value is its true count (the true count is always feasible), so the smallest
   * is sought only then. Ranges of the others are then reported as [NaN, largest], or [NaN, NaN]
   * where a feasible point at least 1 from the truth showed it without solving for the bounds.
   */
  truth?: Map<string, number>;
}

export interface LinkedAttackResult {
  /** Target cells whose true count the attack pins to one integer, with it. */
  determined: Array<{ id: string; value: number }>;
  /** Per target: the range the attack leaves. */
  ranges: Map<string, [number, number]>;
  variables: number;
  constraints: number;
}

/** The true counts a published value can come from, by the perturbation table: [smallest, largest]. */
export function feasibleRange(table: PerturbationTable, published: number): [number, number] {
  const origins: number[] = [];
  const reach = table.parameters.maximumDeviation;
  for (let count = Math.max(0, published - reach); count <= published + reach; count += 1) {
    if (rowFor(table, count).perturbations.includes(published - count)) origins.push(count);
  }
  if (origins.length === 0) throw new Error(`no true count can be published as ${published}`);
  return [Math.min(...origins), Math.max(...origins)];
}

interface Row {
  terms: Array<[number, number]>;
  lower: number;
  upper: number;
}

/** Structural truths among the cells present (true counts, before perturbation). */
function structure(cells: CountCell[], index: Map<string, number>, programmesOf: Map<string, string[]>): Row[] {
  const rows: Row[] = [];
  const at = (key: string) => index.get(key);
  const equal = (whole: number, parts: number[]) =>
    rows.push({ terms: [[whole, 1], ...parts.map((part): [number, number] => [part, -1])], lower: 0, upper: 0 });
  const atMost = (part: number, whole: number) =>
    rows.push({
      terms: [
        [part, 1],
        [whole, -1],
      ],
      lower: -Infinity,
      upper: 0,
    });

  // Groups of a grouping add up to the total (youths may be counted in several groups: at least the total).
  const families = new Map<string, CountCell[]>();
  for (const cell of cells) {
    if (cell.grouping === null) continue;
    const key = `${cell.scope}|${cell.what}|${cell.grouping}`;
    families.set(key, [...(families.get(key) ?? []), cell]);
  }
  for (const [key, members] of families) {
    const [scope, what] = key.split('|') as [string, string];
    const total = at(cellId(scope, what, null, null));
    if (total === undefined) continue;
    const parts = members.map((member) => index.get(member.id)!);
    if (ADDITIVE(what)) equal(total, parts);
    else rows.push({ terms: [...parts.map((part): [number, number] => [part, 1]), [total, -1]], lower: 0, upper: Infinity });
  }
  // Programmes add up to their institution.
  for (const cell of cells) {
    if (cell.grouping !== 'institution' || !ADDITIVE(cell.what)) continue;
    const parts = (programmesOf.get(cell.group!) ?? []).map((programme) => at(cellId(cell.scope, cell.what, 'programme', programme)));
    if (parts.length > 0 && parts.every((part) => part !== undefined)) equal(index.get(cell.id)!, parts as number[]);
  }
  // Within a line: started = ended + active, ended = its end reasons, trajectories = their outcome
  // classes, a domain's known = its four statuses; every other count is a part of the line's trajectories.
  const lines = new Map<string, Map<string, number>>();
  for (const cell of cells) {
    const line = `${cell.scope}|${cell.grouping ?? ''}|${cell.group ?? ''}`;
    const entries = lines.get(line) ?? new Map<string, number>();
    entries.set(cell.what, index.get(cell.id)!);
    lines.set(line, entries);
  }
  for (const entries of lines.values()) {
    const get = (what: string) => entries.get(what);
    const all = (prefix: string) => [...entries].filter(([what]) => what.startsWith(prefix)).map(([, at]) => at);
    const trajectories = get('T');
    if (trajectories === undefined) continue;
    if (get('E') !== undefined && get('A') !== undefined) equal(trajectories, [get('E')!, get('A')!]);
    if (get('E') !== undefined && all('R:').length === 4) equal(get('E')!, all('R:'));
    if (all('O:').length === 4) equal(trajectories, all('O:'));
    for (const [what, at] of entries) {
      const statuses = what.startsWith('K:') ? all(`S:${what.slice(2)}:`) : [];
      if (statuses.length === 4) equal(at, statuses);
    }
    for (const [what, at] of entries) if (what !== 'T' && what !== 'A' && !what.startsWith('O:')) atMost(at, trajectories);
  }
  return rows;
}

export async function solveLinkedAnswers(input: LinkedAttackInput): Promise<LinkedAttackResult> {
  const highs = await highsLoader();
  const cells = input.cells.map((entry) => entry.cell);
  const index = new Map(cells.map((cell, position) => [cell.id, position]));
  const known = (entry: LinkedAttackInput['cells'][number]) => input.known?.get(entry.cell.id) ?? 0;
  // A withheld count is at least 1, never 0 (WITHHELD_MINIMUM: the audit withholds no empty
  // cell, and says so) and has no published upper bound: the attacker knows that much of it, and
  // at least their own part.
  const lower = input.cells.map((entry) =>
    entry.published === null
      ? Math.max(WITHHELD_MINIMUM, known(entry))
      : Math.max(feasibleRange(input.table, entry.published)[0], known(entry)),
  );
  const upper = input.cells.map((entry) => (entry.published === null ? highs.infinity : feasibleRange(input.table, entry.published)[1]));
  const rows = structure(cells, index, input.programmesOf);
  // CSR: one packed segment per row.
  const starts = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const row of rows) {
    for (const [column, coefficient] of row.terms) {
      indices.push(column);
      values.push(coefficient);
    }
    starts.push(indices.length);
  }
  const model = highs.createModel({
    numCols: cells.length,
    numRows: rows.length,
    colCost: new Array(cells.length).fill(0),
    colLower: lower,
    colUpper: upper,
    rowLower: rows.map((row) => (row.lower === -Infinity ? -highs.infinity : row.lower)),
    rowUpper: rows.map((row) => (row.upper === Infinity ? highs.infinity : row.upper)),
    matrix: { format: 'csr', numRows: rows.length, numCols: cells.length, starts, indices, values },
  });
  try {
    model.options.set('output_flag', false);
    const { optimal, unbounded, unboundedOrInfeasible } = highs.constants.modelStatus;
    /**
     * The auditor's shortcut: the truth is feasible, so any feasible point at least 1 away from it
     * in a target shows that target is not determined. One programme pushing all open targets up
     * together (then down) clears most of them; only those it cannot move are solved one by one.
     * Targets without an upper bound (withheld) are left to those: their sum could be unbounded.
     */
    const certifyInBatches = (targets: string[]): string[] => {
      let open = targets.filter((target) => Number.isFinite(upper[index.get(target)!]!));
      const rest = targets.filter((target) => !Number.isFinite(upper[index.get(target)!]!));
      for (const sense of ['maximize', 'minimize'] as const) {
        while (open.length > 0) {
          for (const target of open) model.changeColCost(index.get(target)!, 1);
          model.changeObjectiveSense(highs.constants.objectiveSense[sense]);
          model.run();
          const status = model.getModelStatus();
          const solution = status === optimal ? model.getSolution().colValue : null;
          for (const target of open) model.changeColCost(index.get(target)!, 0);
          if (!solution) break;
          const moved = (target: string) => {
            const value = solution[index.get(target)!]!;
            const truth = input.truth!.get(target)!;
            return sense === 'maximize' ? value >= truth + 1 - 1e-6 : value <= truth - 1 + 1e-6;
          };
          const cleared = open.filter(moved);
          if (cleared.length === 0) break;
          for (const target of cleared) ranges.set(target, [Number.NaN, Number.NaN]);
          open = open.filter((target) => !moved(target));
        }
      }
      return [...open, ...rest];
    };
    const optimum = (column: number, sense: 'minimize' | 'maximize') => {
      model.changeColCost(column, 1);
      model.changeObjectiveSense(highs.constants.objectiveSense[sense]);
      model.run();
      const status = model.getModelStatus();
      // Read before the cost is reset: changing a cost re-evaluates the objective.
      const value = model.getObjectiveValue();
      model.changeColCost(column, 0);
      // A withheld count tied to nothing bounded above has no largest value.
      if ((status === unbounded || status === unboundedOrInfeasible) && sense === 'maximize') return Number.POSITIVE_INFINITY;
      if (status !== optimal)
        throw new Error(
          `the attacker's linear programme is not solvable (status ${status}): the published answers contradict the structure`,
        );
      return value;
    };
    const ranges = new Map<string, [number, number]>();
    const determined: Array<{ id: string; value: number }> = [];
    let open = input.targets.filter((target) => index.has(target));
    if (input.truth) open = certifyInBatches(open);
    for (const target of open) {
      const column = index.get(target)!;
      const high = Math.floor(optimum(column, 'maximize') + 1e-6);
      const truth = input.truth?.get(target);
      if (truth !== undefined && high > truth) {
        ranges.set(target, [Number.NaN, high]);
        continue;
      }
      const low = Math.ceil(optimum(column, 'minimize') - 1e-6);
      ranges.set(target, [low, high]);
      if (low === high) determined.push({ id: target, value: low });
    }
    return { determined, ranges, variables: cells.length, constraints: rows.length };
  } finally {
    model.dispose();
  }
}

/** A published count as the auditor knows it: which count, its contributors' fingerprint, its truth, what it publishes. */
export interface AuditedCount {
  cell: CountCell;
  /** The cell-key method's identity of the contributors (cell-key-method.ts, fingerprintOf). */
  fingerprint: string;
  count: number;
  /** As published before this audit (null: withheld by an earlier one). */
  published: number | null;
}

export interface AuditInput {
  counts: AuditedCount[];
  /** Per attacker, what they know of each count at record level (undefined: nothing). */
  attackers: Array<Map<string, number> | undefined>;
  table: PerturbationTable;
  programmesOf: Map<string, string[]>;
  /** Fingerprints withheld before (they stay withheld). */
  withheld: ReadonlySet<string>;
}

/** The sought part of a count (beyond what the attacker knows) that must never be determined. */
const SMALL = SMALL_COUNTS;

/**
 * Of the counts a round found determined, one per line (grouping and group) to withhold, picked
 * by its fingerprint's hash; the next round solves the others again with it unknown. Withholding
 * every count found at once withheld both of a pair that pins each other (a group's trajectories
 * and youths), where a decoy (cell-key-method.ts, DECOY_SHARE) is one count: the pattern itself
 * told a pinned pair from a decoy, and so the value (3). One at a time, a pinned pair leaves one
 * withheld, like a decoy, and usually fewer counts are withheld.
 */
function oneOfEachLine(found: Set<string>, counts: Map<string, AuditedCount>): string[] {
  const picked = new Map<string, { id: string; rank: string }>();
  for (const id of found) {
    const { cell, fingerprint } = counts.get(id)!;
    const line = `${cell.grouping}|${cell.group}`;
    const rank = createHash('sha256').update(fingerprint).digest('hex');
    const current = picked.get(line);
    if (!current || rank < current.rank) picked.set(line, { id, rank });
  }
  return [...picked.values()].map((entry) => entry.id);
}

/**
 * The audit with secondary protection: solves the counts for every attacker, withholds every
 * count of 1–9 (beyond the attacker's part) that comes out determined, and solves again with it as
 * an unknown of at least 1, until nothing is determined. Returns every fingerprint to withhold.
 */
export async function withholdDetermined(input: AuditInput): Promise<{ withheld: Set<string>; targets: number }> {
  const counts = new Map(input.counts.map((entry) => [entry.cell.id, entry]));
  const truth = new Map(input.counts.map((entry) => [entry.cell.id, entry.count]));
  const all = new Set(input.withheld);
  let pending = input.attackers.map((known) => {
    const sought = (id: string) => truth.get(id)! - (known?.get(id) ?? 0);
    return { known, targets: [...counts.keys()].filter((id) => sought(id) >= SMALL[0] && sought(id) <= SMALL[1]) };
  });
  const targets = pending.reduce((sum, entry) => sum + entry.targets.length, 0);
  // Withholding only removes bounds, so a count not determined stays so: each round solves again
  // only the counts the previous round determined. One still determined though withheld is pinned
  // by others through the structure: then its whole line is withheld, then every group of its kind.
  const level = new Map<string, number>();
  const escalate = (id: string) => {
    const next = (level.get(id) ?? 0) + 1;
    level.set(id, next);
    const { cell } = counts.get(id)!;
    if (next > 3) throw new Error(`the release audit cannot protect ${id}: withholding its kind leaves it determined`);
    // A status count goes with its domain's others in the line: they are published as its shares.
    const domain = cell.what.startsWith('S:') ? cell.what.slice(0, cell.what.lastIndexOf(':') + 1) : null;
    const reach =
      next === 1
        ? domain === null
          ? [counts.get(id)!]
          : [...counts.values()].filter(
              (entry) => entry.cell.grouping === cell.grouping && entry.cell.group === cell.group && entry.cell.what.startsWith(domain),
            )
        : [...counts.values()].filter((entry) =>
            next === 2
              ? entry.cell.grouping === cell.grouping && entry.cell.group === cell.group
              : entry.cell.grouping === cell.grouping && entry.cell.what === cell.what,
          );
    // An empty cell is a true 0, published as such: never withheld (WITHHELD_MINIMUM).
    for (const entry of reach) if (entry.count >= WITHHELD_MINIMUM) all.add(entry.fingerprint);
  };
  while (pending.some((entry) => entry.targets.length > 0)) {
    const cells = input.counts.map((entry) => ({
      cell: entry.cell,
      published: entry.count > 0 && all.has(entry.fingerprint) ? null : entry.published,
    }));
    const next: typeof pending = [];
    const found = new Set<string>();
    for (const { known, targets: sought } of pending) {
      if (sought.length === 0) continue;
      const result = await solveLinkedAnswers({
        cells,
        table: input.table,
        programmesOf: input.programmesOf,
        ...(known ? { known } : {}),
        targets: sought,
        truth,
      });
      for (const { id } of result.determined) found.add(id);
      next.push({ known, targets: result.determined.map((entry) => entry.id) });
    }
    for (const id of oneOfEachLine(found, counts)) escalate(id);
    pending = next;
  }
  return { withheld: all, targets };
}

/** The public catalogue as the attack reads it: each institution's programme codes. */
export function programmesByInstitution(programmes: ReadonlyArray<{ institutionCode: string; code: string }>): Map<string, string[]> {
  const programmesOf = new Map<string, string[]>();
  for (const programme of programmes) {
    programmesOf.set(programme.institutionCode, [...(programmesOf.get(programme.institutionCode) ?? []), programme.code]);
  }
  return programmesOf;
}
