import {
  type CellKeyMethod,
  type CellKeySettings,
  createCellKeyMethod,
  fingerprintOf,
  type Tally,
} from '../../lib/statistics/cell-key-method';
import {
  type CountCell,
  cellId,
  programmesByInstitution,
  statusOf,
  whatOf,
  withholdDetermined,
} from '../../lib/statistics/linked-answers-audit';
import { aggregate, GROUPINGS, type Grouping, type Part, type ReleasedRow, startYearsOf } from './statistics-aggregates';
import { groupingOf, layOut, listedGroups } from './statistics-layout';
import { type Cell, MEASURES, type Measure, type StatisticsAnswer } from './statistics.schemas';

// Everything a release publishes, computed from its population in one go (off the main thread:
// statistics-release.worker.ts): every answer for every audience, laid out by the cell-key method,
// then audited (Hundepool et al., Statistical Disclosure Control, Wiley 2012, §5.4–5.5): bounded
// perturbation cannot by itself keep linked answers from pinning a small count (a count published
// at −D bounds its truth from above, one at +D from below, and two such counts tied by the
// structure, or one and what an attacker knows at record level, can leave a single value). So the
// national answers are solved together (linked-answers-audit.ts) for a funder (no record-level
// knowledge), the researcher (their own answers: what they see at record level) and each
// institution (its own lines), every count whose unknown part of 1–9 they determine is withheld by its contributors'
// fingerprint, and the answers are laid out again with it withheld. What is stored is what is read.

export type Audience = 'all' | 'research' | string;

export interface ReleaseCatalogue {
  programmes: Array<{ id: string; code: string; institutionCode: string }>;
  institutions: Array<{ id: string; code: string }>;
  activityTypes: string[];
  perspectiveItems: Array<{ code: string; minValue: number; maxValue: number }>;
}

export interface ReleaseInputs {
  /** The released population: everyone's and each institution's answers count it. */
  rows: ReleasedRow[];
  /**
   * What researchers see at record level as the records stand (consent granted, ended before
   * the cut-off): their answers count it, so subtraction leaves nothing.
   */
  researchRows: ReleasedRow[];
  catalogue: ReleaseCatalogue;
  settings: CellKeySettings;
  /** Whether to audit (STATISTICS_RELEASE_AUDIT). */
  audit: boolean;
  /** Fingerprints withheld by earlier releases (they stay withheld). */
  withheld: string[];
}

/**
 * The released rows on their way to the worker: UTF-8 chunks of a JSON array each. Handing the
 * worker objects made the main thread copy them one property at a time (structured clone), and
 * turn each row's JSON into an object before that: about a second at 50,000 trajectories in
 * which no request was answered. Bytes are copied at memory speed, and the worker parses them.
 */
export type EncodedRows = Uint8Array[];

/** What the worker is given: the inputs, with the rows as bytes. */
export type ReleaseWorkerInputs = Omit<ReleaseInputs, 'rows' | 'researchRows'> & { rows: EncodedRows; researchRows: EncodedRows };

/** Each row's JSON (a `ReleasedRow`) into chunks of bytes, `chunkRows` rows a chunk, letting requests be answered between chunks. */
export async function encodeRows(rows: readonly string[], chunkRows = 2_000): Promise<EncodedRows> {
  const chunks: EncodedRows = [];
  for (let start = 0; start < rows.length; start += chunkRows) {
    chunks.push(Buffer.from(`[${rows.slice(start, start + chunkRows).join(',')}]`));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return chunks;
}

/** The rows back from their chunks (in the worker). */
export function decodeRows(chunks: EncodedRows): ReleasedRow[] {
  const decoder = new TextDecoder();
  return chunks.flatMap((bytes) => JSON.parse(decoder.decode(bytes)) as ReleasedRow[]);
}

/** A published answer as stored: its cells, and whether the audit withheld a count in it. */
export interface StoredAnswer {
  audience: Audience;
  measure: Measure;
  grouping: Grouping | 'none';
  answer: Pick<StatisticsAnswer, 'groups' | 'total'> & { withheld: boolean };
}

export interface AuditSummary {
  cells: number;
  targets: number;
  /** Fingerprints newly withheld. */
  withheld: number;
  seconds: number;
}

export interface ComputedRelease {
  answers: StoredAnswer[];
  /** Every fingerprint withheld from now on (earlier ones included). */
  withheld: string[];
  audit: AuditSummary | null;
}

/** Every answer a release publishes: each measure by every grouping and by none (recognition by none). */
export const REQUESTS = MEASURES.flatMap((measure) =>
  (measure === 'recognition' ? [null] : [null, ...GROUPINGS]).map((groupBy) => ({ measure, groupBy: groupBy as Grouping | null })),
);

/** A count cell as the audit sees it: what it publishes, and the tally it publishes it from. */
type AuditedCell = Cell & { tally?: Tally };

/** Whether a laid-out answer withholds a count (only the release audit leaves counts out). */
export const withholdsCount = (answer: Pick<StatisticsAnswer, 'measure' | 'groups' | 'total'>) =>
  [answer.total, ...answer.groups.map((group) => group.values)].some((values) =>
    Object.entries(values).some(([name, cell]) => cell.suppressed && whatOf(answer.measure, name) !== null),
  );

interface AudienceRows {
  audience: Audience;
  rows: ReleasedRow[];
  part: Part;
  own: { id: string; code: string } | null;
}

/**
 * Whom each answer counts. For the audit (`forAudit`), the researcher's lines are what they know
 * of the released population: the released rows of the trajectories they see.
 */
function audiencesOf(inputs: ReleaseInputs, forAudit = false): AudienceRows[] {
  const visible = new Set(inputs.researchRows.map((row) => row.trajectoryId));
  const research = forAudit ? inputs.rows.filter((row) => visible.has(row.trajectoryId)) : inputs.researchRows;
  const byInstitution = new Map<string, ReleasedRow[]>();
  for (const row of inputs.rows) {
    // Pushed, not copied: a copy per row made this quadratic in an institution's trajectories.
    const own = byInstitution.get(row.institutionId);
    if (own) own.push(row);
    else byInstitution.set(row.institutionId, [row]);
  }
  return [
    { audience: 'all', rows: inputs.rows, part: 'national', own: null },
    { audience: 'research', rows: research, part: 'national', own: null },
    ...inputs.catalogue.institutions.map(
      (institution): AudienceRows => ({
        audience: institution.id,
        rows: byInstitution.get(institution.id) ?? [],
        part: 'own',
        own: institution,
      }),
    ),
  ];
}

/** One answer's aggregates for one audience. */
interface Aggregated {
  audience: Audience;
  measure: Measure;
  groupBy: Grouping | null;
  part: Part;
  own: { id: string; code: string } | null;
  fetched: ReturnType<typeof aggregate>;
}

/**
 * The aggregates of every answer of every audience, computed once per release: the audit's layout
 * and the published one read the same (a pass over the rows per answer and audience, and the sorts
 * of its medians, are most of a release's work in the worker).
 */
function aggregateAll(inputs: ReleaseInputs, audiences: AudienceRows[]): Aggregated[] {
  const { catalogue } = inputs;
  const names = {
    programmes: new Map(catalogue.programmes.map((programme) => [programme.id, programme.code])),
    institutions: new Map(catalogue.institutions.map((institution) => [institution.id, institution.code])),
  };
  return REQUESTS.flatMap(({ measure, groupBy }) =>
    audiences.map(({ audience, rows, part, own }) => ({
      audience,
      measure,
      groupBy,
      part,
      own,
      fetched: aggregate(measure, rows, groupBy, part, names),
    })),
  );
}

/** Lays out every answer of every audience with `ckm`. */
function layOutAll(inputs: ReleaseInputs, aggregated: Aggregated[], ckm: CellKeyMethod) {
  const { catalogue } = inputs;
  const sources = { programmes: catalogue.programmes, institutions: catalogue.institutions, startYears: startYearsOf(inputs.rows) };
  return aggregated.map(({ audience, measure, groupBy, part, own, fetched }) => ({
    audience,
    measure,
    groupBy,
    layout: layOut(ckm, measure, part, fetched, {
      groups: listedGroups(groupingOf(measure, groupBy), own, sources),
      perspectiveItems: catalogue.perspectiveItems,
      activityTypes: catalogue.activityTypes,
    }),
  }));
}

/** The count cells of a laid-out answer, with their tallies. */
function countsOf(measure: Measure, groupBy: Grouping | null, layout: Pick<StatisticsAnswer, 'groups' | 'total'>) {
  const grouping = measure === 'recognition' ? 'recognition' : groupBy;
  const lines: Array<[string | null, Record<string, AuditedCell>]> = [
    ...layout.groups.map((group): [string, Record<string, AuditedCell>] => [group.group, group.values]),
    [null, layout.total],
  ];
  return lines.flatMap(([group, values]) =>
    Object.entries(values).flatMap(([name, value]) => {
      const what = whatOf(measure, name) ?? statusOf(name);
      if (what === null || !value.tally) return [];
      const lineGrouping = group === null ? null : grouping;
      const cell: CountCell = { id: cellId('national', what, lineGrouping, group), scope: 'national', what, grouping: lineGrouping, group };
      return [{ cell, value }];
    }),
  );
}

async function audit(inputs: ReleaseInputs, audiences: AudienceRows[], aggregated: Aggregated[]) {
  const started = performance.now();
  const before = new Set(inputs.withheld);
  const method = createCellKeyMethod(inputs.settings, before);
  // Laid out exactly as published so far, each count cell and share carrying its tally.
  const ckm: CellKeyMethod = {
    ...method,
    published: (tally): AuditedCell => ({ ...method.published(tally), tally }),
    share: (part, parts): AuditedCell => ({ ...method.share(part, parts), tally: part }),
  };
  const cells = new Map<string, { cell: CountCell; fingerprint: string; count: number; published: number | null }>();
  // Decoys (DECOY_SHARE): withheld from the start, so the solver sees them as unknowns as published.
  const decoys = new Set<string>();
  const known = new Map<Audience, Map<string, number>>(
    audiences.filter((entry) => entry.audience !== 'all').map((entry) => [entry.audience, new Map()]),
  );
  for (const { audience, measure, groupBy, layout } of layOutAll(inputs, aggregated, ckm)) {
    for (const { cell, value } of countsOf(measure, groupBy, layout)) {
      if (audience === 'all') {
        if (cells.has(cell.id)) continue;
        const fingerprint = fingerprintOf(value.tally!);
        // A status count is published as its perturbed count (its shares give that back); the
        // shares are not counts a reader sees withheld, so they take no decoys.
        const status = cell.what.startsWith('S:');
        cells.set(cell.id, { cell, fingerprint, count: value.tally!.count, published: status ? method.count(value.tally!) : value.value });
        if (!status && method.decoy(value.tally!)) decoys.add(fingerprint);
      } else known.get(audience)!.set(cell.id, value.tally!.count);
    }
  }
  const result = await withholdDetermined({
    counts: [...cells.values()],
    // A funder knows nothing at record level; the researcher their own population; an institution its own trajectories.
    attackers: [undefined, ...known.values()],
    table: inputs.settings.table,
    programmesOf: programmesByInstitution(inputs.catalogue.programmes),
    withheld: new Set([...before, ...decoys]),
  });
  const added = [...result.withheld].filter((fingerprint) => !before.has(fingerprint)).length;
  return {
    withheld: result.withheld,
    summary: { cells: cells.size, targets: result.targets, withheld: added, seconds: (performance.now() - started) / 1000 },
  };
}

/** Computes, audits and lays out everything a release publishes. */
export async function computeRelease(inputs: ReleaseInputs): Promise<ComputedRelease> {
  const audiences = audiencesOf(inputs);
  const aggregated = aggregateAll(inputs, audiences);
  let audited: Awaited<ReturnType<typeof audit>> | null = null;
  if (inputs.audit) {
    // The audit's researcher knows the released rows of what they see: only that audience differs.
    const known = aggregateAll(
      inputs,
      audiencesOf(inputs, true).filter((entry) => entry.audience === 'research'),
    );
    const knownOf = new Map(known.map((entry) => [`${entry.measure}|${entry.groupBy}`, entry]));
    const forAudit = aggregated.map((entry) => (entry.audience === 'research' ? knownOf.get(`${entry.measure}|${entry.groupBy}`)! : entry));
    audited = await audit(inputs, audiences, forAudit);
  }
  const withheld = audited?.withheld ?? new Set(inputs.withheld);
  const ckm = createCellKeyMethod(inputs.settings, withheld);
  const answers = layOutAll(inputs, aggregated, ckm).map(
    ({ audience, measure, groupBy, layout }): StoredAnswer => ({
      audience,
      measure,
      grouping: groupBy ?? 'none',
      answer: { ...layout, withheld: withholdsCount({ measure, ...layout }) },
    }),
  );
  return { answers, withheld: [...withheld], audit: audited?.summary ?? null };
}
