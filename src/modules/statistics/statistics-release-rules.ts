import { STATISTICS_FAMILIES, type StatisticsFamily } from '../../db/schema/statistics';
import type { Changes, Churn, Decision } from './statistics-releases.repository';

// When a release publishes, and which families of figures it refreshes. Pure, so that the rules
// are unit-tested apart from the database.
//
// - The calendar (lib/statistics/release-calendar.ts): releases come at the start of each period,
//   never because someone pushed enough records; an operator may run one in between.
// - The change rule: an institution that pushes invented youths beside one real new youth of
//   another institution, and knows its own, learns about her from what changes between two
//   releases. So a family is released only when, for every institution, the youths that changed
//   in it and are not that institution's own (no trajectory of hers there) are none or at least
//   `minimumOthers`, and all changes together at least `minimumYouths` (funders, who own nothing).
// - An erasure of a published youth is a change of membership: her leaving waits for it, and so
//   does every other family (a release re-lays every answer out from the released rows, where she
//   is gone already).
// - Churn: records erased soon after they were created, in numbers, are how an institution would
//   average perturbations away (push, read, erase, repeat). Past a threshold the release is
//   postponed until the privacy officer acknowledges it.

export interface RuleSettings {
  /** All changed youths of a family together: at least this many (or none). */
  minimumYouths: number;
  /** Per institution, changed youths not its own: none, or at least this many. */
  minimumOthers: number;
  /** Young erasures (records erased within the churn window of their creation) per institution that postpone a release. */
  churnThreshold: number;
}

/** Applies the change rule and the churn threshold to what changed since the last release. */
export function decideRelease(
  changes: Changes,
  churn: Churn,
  settings: RuleSettings,
  options: { acknowledgeChurn?: boolean; publishAnyway?: string | null } = {},
): Decision {
  const { acknowledgeChurn = false, publishAnyway = null } = options;
  const families = Object.fromEntries(
    STATISTICS_FAMILIES.map((family) => {
      const changed = changes.total[family];
      const others = [...changes.others.values()].map((counts) => counts[family]).filter((count) => count > 0);
      const fewestOthers = others.length > 0 ? Math.min(...others) : null;
      const holds = changed >= settings.minimumYouths && (fewestOthers === null || fewestOthers >= settings.minimumOthers);
      return [family, { changed, fewestOthers, released: changed > 0 && holds }];
    }),
  ) as Decision['families'];

  const churned = Object.entries(churn)
    .filter(([, counts]) => counts.young >= settings.churnThreshold)
    .map(([code]) => code);
  const waitAll = (outcome: Decision['outcome'], note: string): Decision => ({
    families: Object.fromEntries(
      Object.entries(families).map(([family, entry]) => [family, { ...entry, released: false }]),
    ) as Decision['families'],
    outcome,
    note,
  });
  if (churned.length > 0 && !acknowledgeChurn) {
    return waitAll(
      'postponed',
      `postponed: records erased soon after they were created at ${churned.join(', ')} (at least ${settings.churnThreshold} since the last release); an operator may release once the privacy officer has looked`,
    );
  }
  if (changes.departures > 0 && !families.membership.released) {
    return waitAll('waiting', 'erasures of published youths wait until the membership family is released with them');
  }
  const anyChange = STATISTICS_FAMILIES.some((family) => families[family].changed > 0);
  if (STATISTICS_FAMILIES.some((family) => families[family].released)) return { families, outcome: 'published' };
  // Nothing was ever published under this model (a new registry, or one upgraded from released
  // rows without stored answers), or the last release failed after applying its families: the
  // released population as it stands is published, and what changed since still waits for the rule.
  if (publishAnyway) return { families, outcome: 'published', note: publishAnyway };
  return anyChange
    ? { families, outcome: 'waiting', note: 'changes wait: too few youths changed that are not one institution’s own' }
    : { families, outcome: 'unchanged' };
}

/** The families whose figures a release refreshes. */
export const releasedFamilies = (decision: Decision): StatisticsFamily[] =>
  STATISTICS_FAMILIES.filter((family) => decision.families[family].released);
