import type { SqlConnection } from '../../db/client';
import { fingerprintOf, type Tally } from '../../lib/statistics/cell-key-method';
import { type CountCell, cellId, programmesByInstitution, whatOf, withholdDetermined } from '../../lib/statistics/linked-answers-audit';
import type { CatalogueRepository } from '../catalogue';
import type { Audience } from './statistics-layout';
import type { AuditOutcome, ReleaseAudit } from './statistics-releases.repository';
import { createStatisticsRepository, GROUPINGS, type Grouping } from './statistics.repository';
import {
  type AuditedCell,
  createStatisticsService,
  MEASURES,
  type StatisticsAnswer,
  type StatisticsServiceSettings,
} from './statistics.service';

// The release audit. Bounded perturbation cannot by itself keep linked answers from pinning a
// small count: a count published at −D bounds its truth from above, one at +D from below, and two
// such counts tied by the structure (the trajectories and the youths of the same three people), or
// one and what an attacker knows at record level, can leave a single value. Statistical offices
// that must guarantee this audit the published tables and protect what the audit finds (τ-ARGUS:
// Hundepool et al., Statistical Disclosure Control, Wiley 2012, §5.4 and §5.5). So each release,
// before anyone can read it, lays out every national answer of the released figures exactly as
// they are published, and solves them together (linked-answers-audit.ts, the attack the tests run)
// for each attacker: a funder (no record-level knowledge), the researcher (every consented
// trajectory), and each institution (its own trajectories). A researcher's own answers (over the
// consented trajectories) and an institution's own answers count only what they already know at
// record level, so they add nothing to the attack. Every count of 1–9 (beyond the attacker's own
// part) that is determined is withheld, by its contributors' fingerprint; then the audit is run
// again with the withheld counts as unknowns without published bounds, until nothing is determined.

type AuditCatalogue = Pick<CatalogueRepository, 'listActivityTypes' | 'listInstruments' | 'listInstitutions' | 'listProgrammes'>;

interface Entry {
  cell: CountCell;
  tally: Tally;
  fingerprint: string;
  /** As published before this audit (null: withheld by an earlier one). */
  published: number | null;
}

/** Every answer the audit lays out: each measure by every grouping and by none (recognition has none). */
const REQUESTS = MEASURES.flatMap((measure) =>
  (measure === 'recognition' ? [null] : [null, ...GROUPINGS]).map((groupBy) => ({ measure, groupBy: groupBy as Grouping | null })),
);

/** The count cells of an answer, with their tallies. */
function countsOf(answer: StatisticsAnswer): Array<{ cell: CountCell; value: AuditedCell }> {
  const grouping = answer.measure === 'recognition' ? 'recognition' : answer.groupBy;
  const lines: Array<[string | null, Record<string, AuditedCell>]> = [
    ...answer.groups.map((group): [string, Record<string, AuditedCell>] => [group.group, group.values]),
    [null, answer.total],
  ];
  return lines.flatMap(([group, values]) =>
    Object.entries(values).flatMap(([name, value]) => {
      const what = whatOf(answer.measure, name);
      if (what === null || !value.tally) return [];
      const lineGrouping = group === null ? null : grouping;
      return [
        { cell: { id: cellId('national', what, lineGrouping, group), scope: 'national', what, grouping: lineGrouping, group }, value },
      ];
    }),
  );
}

/**
 * Reads the catalogue now (the audit runs inside the release's transaction, where only the
 * release's connection may be used) and returns the audit to run there.
 */
export async function prepareReleaseAudit(
  catalogue: AuditCatalogue & Pick<CatalogueRepository, 'listInstitutionIds'>,
  settings: StatisticsServiceSettings,
): Promise<ReleaseAudit> {
  const [activityTypes, instruments, institutionList, institutions, programmes] = await Promise.all([
    catalogue.listActivityTypes(),
    catalogue.listInstruments(),
    catalogue.listInstitutions(),
    catalogue.listInstitutionIds(),
    catalogue.listProgrammes(),
  ]);
  // The lists as read (the service only awaits them; Drizzle types two of them as query builders).
  const cached = {
    listActivityTypes: async () => activityTypes,
    listInstruments: async () => instruments,
    listInstitutions: async () => institutionList,
    listProgrammes: async () => programmes,
  } as unknown as AuditCatalogue;
  const programmesOf = programmesByInstitution(programmes);

  return async (connection: SqlConnection, withheld: ReadonlySet<string>): Promise<AuditOutcome> => {
    const started = performance.now();
    const service = createStatisticsService(
      {
        repository: createStatisticsRepository(connection),
        releases: { state: async () => [], withheld: async () => new Set(withheld) },
        catalogue: cached,
      },
      settings,
    );
    const cells = new Map<string, Entry>();
    const researcher = new Map<string, number>();
    const own = new Map(institutions.map((institution) => [institution.code, new Map<string, number>()]));
    const audiences: Array<[Audience, Map<string, number> | null]> = [
      [{ population: 'all', institution: null }, null],
      [{ population: 'consented', institution: null }, researcher],
      ...institutions.map((institution): [Audience, Map<string, number>] => [
        { population: 'all', institution },
        own.get(institution.code)!,
      ]),
    ];
    for (const { measure, groupBy } of REQUESTS) {
      for (const [audience, known] of audiences) {
        const answers = await service.audited(measure, groupBy, audience, withheld);
        if (known === null) {
          for (const { cell, value } of countsOf(answers.national)) {
            if (!cells.has(cell.id)) {
              cells.set(cell.id, { cell, tally: value.tally!, fingerprint: fingerprintOf(value.tally!), published: value.value });
            }
          }
        } else {
          for (const { cell, value } of countsOf(audience.institution ? answers.own! : answers.national))
            known.set(cell.id, value.tally!.count);
        }
      }
    }

    const { targets, withheld: all } = await withholdDetermined({
      counts: [...cells.values()].map((entry) => ({
        cell: entry.cell,
        fingerprint: entry.fingerprint,
        count: entry.tally.count,
        published: entry.published,
      })),
      // A funder knows nothing at record level; the researcher every consented trajectory; an institution its own.
      attackers: [undefined, researcher, ...own.values()],
      table: settings.table,
      programmesOf,
      withheld,
    });
    return { cells: cells.size, targets, withheld: all, seconds: (performance.now() - started) / 1000 };
  };
}
