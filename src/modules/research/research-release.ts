import { addDays } from '../../lib/dates';

// When researchers see a trajectory. Day offsets are exact, so any trajectory whose records a
// researcher can watch arrive gives its start date away: an observation that appears today at
// day 143 of an open trajectory says the trajectory started 143 days ago, and the same holds for
// a trajectory whose end appears the day it was pushed. So researchers see a trajectory only
// once it has ended, and only in quarterly releases: on the first day of a quarter, every
// trajectory that ended before it appears at once. Watching then tells the quarter a trajectory
// ended in, not the day; with its start month that leaves the start open within that month
// (narrower only where the two windows barely overlap). RESEARCH_RELEASE_DELAY_DAYS moves every
// release later, for deployments that want institutions to complete their records first.

/**
 * The release date: researchers see trajectories that ended before it. The first day of the
 * quarter that holds `today − delayDays`.
 */
export function researchReleaseDate(today: string, delayDays: number): string {
  const reference = addDays(today, -delayDays);
  const year = reference.slice(0, 4);
  const quarterStartMonth = Math.floor((Number(reference.slice(5, 7)) - 1) / 3) * 3 + 1;
  return `${year}-${String(quarterStartMonth).padStart(2, '0')}-01`;
}
