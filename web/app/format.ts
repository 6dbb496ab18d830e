import type { ResearchAvailability, TrajectoryListQuery } from './generated/operations';
// One way to print each kind of number, used by the charts' tables and by the browser test that
// compares them with the API's answers.

export const formatNumber = (value: number | null | undefined, digits = 2): string =>
  value === null || value === undefined || Number.isNaN(value)
    ? '—'
    : Number.isInteger(value) && digits > 0
      ? String(value)
      : value.toFixed(digits);

/** Enumeration codes as words: `trauma_treatment_emdr` → `trauma treatment emdr`. */
export const words = (code: string | null | undefined): string => (code ? code.replace(/_/g, ' ') : '—');

export const yesNo = (value: boolean | null | undefined): string => (value === null || value === undefined ? '—' : value ? 'yes' : 'no');

/** An institution's view of what researchers see of each of its trajectories, and why not. */
export const AVAILABILITY: Record<ResearchAvailability, string> = {
  released: 'in the latest release',
  open: 'not yet: still open',
  not_yet_released: 'not yet: comes with the next release',
  no_consent: 'never: no research consent',
};

/** Jacobson & Truax (1991): a change is reliable when |RCI| exceeds 1.96. */
export const RCI_THRESHOLD = 1.96;

/**
 * The RCI to two decimals, or three where two would print the threshold itself ("1.96": reliable
 * or not?). The API orients it: positive is better.
 */
export function formatRci(rci: number | null | undefined): string {
  if (rci === null || rci === undefined) return '—';
  const two = rci.toFixed(2);
  return Math.abs(Number(two)) === RCI_THRESHOLD ? rci.toFixed(3) : two;
}

/** Reliable change in words (the category folded in), or the API's reason where there is none. */
export function reliableChangeWords(
  change: { reliable: boolean; category: string | null; reason: string | null } | null | undefined,
): string {
  if (!change) return '—';
  switch (change.category) {
    case 'recovered':
      return 'reliable improvement, recovered (crossed the cut-off)';
    case 'improved':
      return 'reliable improvement';
    case 'deteriorated':
      return 'reliable deterioration';
    case 'unchanged':
      return 'no reliable change';
    default:
      return change.reason ? `not computed: ${change.reason}` : '—';
  }
}

/** p to three decimals without the leading zero, as APA writes it; below .001 as "< .001". */
export const formatP = (p: number): string => (p < 0.001 ? '< .001' : p.toFixed(3).replace(/^0/, ''));

/** The baseline trend Tau-BC looked at, and whether it removed it (Tarlow 2017). */
export function baselineTrendText(
  trend: { slope: number; p: number | null; corrected: boolean; correction: string; alpha: number } | null | undefined,
): string {
  if (!trend) return '—';
  const slope = `${trend.slope > 0 ? '+' : ''}${formatNumber(trend.slope)}/session`;
  const test = trend.p === null ? 'no test (flat baseline)' : `p ${trend.p < 0.001 ? '' : '= '}${formatP(trend.p)}`;
  const rule = trend.correction === 'always' ? 'always corrected' : trend.corrected ? `corrected (p < ${trend.alpha})` : 'not corrected';
  return `${slope}, ${test}: ${rule}`;
}

/** Tau-U is divided by m·n (Parker et al. 2011), so it can leave [−1, 1]: such a value is flagged. */
export const tauUOutOfRange = (tauU: number | null | undefined): boolean => tauU !== null && tauU !== undefined && Math.abs(tauU) > 1;

/** The note of a series' non-overlap: the API's reason, or the flag of a Tau-U beyond ±1. */
export function nonOverlapNote(nonOverlap: { tauU: number | null; reason: string | null } | null | undefined): string {
  if (nonOverlap?.reason) return nonOverlap.reason;
  return tauUOutOfRange(nonOverlap?.tauU) ? 'Tau-U beyond ±1: see the note under the table' : '';
}

/** An outcome class is an outcome at discharge only once the trajectory has ended; before, it is the class so far. */
export const outcomeText = (outcomeClass: string, ended: boolean): string =>
  ended || outcomeClass === 'insufficient_data' ? words(outcomeClass) : `${words(outcomeClass)} (so far, in care)`;

/** Which trajectories are shown, of how many under the filter (the API's count of every page together). */
export function listStatus(page: TrajectoryListQuery['trajectories'], offset: number): string {
  if (page.nodes.length === 0) return 'No trajectories match.';
  return `Trajectories ${offset + 1}–${offset + page.nodes.length} of ${page.totalCount}.`;
}
