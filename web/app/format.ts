import type { ResearchAvailability } from './generated/operations';
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
