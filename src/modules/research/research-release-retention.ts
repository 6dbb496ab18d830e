// How long a research release keeps its records (RESEARCH_RELEASE_RETENTION). A registry must let
// a cited release be read again, so the default keeps every release. An operator may keep fewer:
// a retired release loses its records, but keeps its id, manifest, digest and counts, so a
// citation still resolves, to "retired on …". The latest release is never retired: it is what
// researchers read.

export type ReleaseRetention = { keep: 'all' } | { keep: 'newest'; releases: number } | { keep: 'months'; months: number };

export interface RetentionCandidate {
  id: string;
  publishedAt: Date;
  retiredAt: Date | null;
}

/** `now` less `months` calendar months (the day clamped to the shorter month's last). */
export function monthsBefore(now: Date, months: number): Date {
  const shifted = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, 1));
  const lastDay = new Date(Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, 0)).getUTCDate();
  shifted.setUTCDate(Math.min(now.getUTCDate(), lastDay));
  shifted.setUTCHours(now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds(), now.getUTCMilliseconds());
  return shifted;
}

/** The ids of the releases to retire now; `releases` newest first, as the list gives them. */
export function releasesToRetire(releases: readonly RetentionCandidate[], retention: ReleaseRetention, now: Date): string[] {
  if (retention.keep === 'all') return [];
  const older = releases.slice(1);
  const expired =
    retention.keep === 'newest'
      ? releases.slice(Math.max(1, retention.releases))
      : older.filter((release) => release.publishedAt < monthsBefore(now, retention.months));
  return expired.filter((release) => release.retiredAt === null).map((release) => release.id);
}

/** RESEARCH_RELEASE_RETENTION's text: `all`, a number of releases (`8`), or months (`24months`). */
export function parseRetention(text: string): ReleaseRetention | { problem: string } {
  const value = text.trim().toLowerCase();
  if (value === 'all') return { keep: 'all' };
  const count = /^(\d{1,4})$/.exec(value);
  if (count) {
    const releases = Number(count[1]);
    return releases >= 1 ? { keep: 'newest', releases } : { problem: 'must keep at least 1 release (the latest is what researchers read)' };
  }
  const months = /^(\d{1,4}) ?months?$/.exec(value);
  if (months) {
    const n = Number(months[1]);
    return n >= 1 ? { keep: 'months', months: n } : { problem: 'must keep releases for at least 1 month' };
  }
  return { problem: `"${text}" is not all, a number of releases (8) or a number of months (24months)` };
}
