import type { Config } from '../../../src/config';
import type { Database } from '../../../src/db/client';
import type { Role } from '../../../src/lib/vocabulary';
import { createStatisticsReleases, type StatisticsReleases } from '../../../src/modules/statistics/statistics-releases';
import type { ReleaseLogEntry } from '../../../src/modules/statistics/statistics-releases.repository';

// What the provider attacks run against, the same in the tests (app.inject) and the benchmark
// (HTTP): the service's database (for the youths whose data arrives on their own, written as the
// demo loader writes them, and for the test's own truth), a way to send requests as any role,
// the service's own releases (the operator's, under the change rule and churn), and the control:
// the same releases with the rule and churn switched off, called right after every change.

/** A request as a client sends it: JSON, or an NDJSON stream for the bulk ingest. */
export interface Request {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
  ndjson?: string;
}
export type Send = (request: Request) => Promise<{ status: number; body: string }>;

export interface ProviderWorld {
  database: Database;
  /** The registry's pseudonym key (the youths that arrive by the demo loader are keyed with it). */
  registryKey: Buffer;
  /** The registry's statistics secret (the control's releases must derive the same record keys). */
  secret: Buffer;
  config: Config;
  /** A new API key of the role, as a sender. */
  sender(role: Role, institutionCode?: string): Promise<Send>;
  /** The service brings its trajectory indicators up to date (as it does after pushes). */
  catchUp(): Promise<void>;
  /** The service's releases (the operator's route calls the same). */
  releases: StatisticsReleases;
  /** Whether the control's releases are audited (default: as configured); the control switches protection off, and the audit costs seconds a release. */
  controlAudit?: boolean;
}

/** The control: releases with the change rule and churn off (every change published at the next call). */
export function controlReleases(
  world: Pick<ProviderWorld, 'database' | 'secret' | 'config' | 'controlAudit'>,
  options: { audit?: boolean } = {},
) {
  const audit = options.audit ?? world.controlAudit;
  return createStatisticsReleases(world.database, {
    secret: world.secret,
    statistics: {
      ...world.config.statistics,
      releaseMinimumYouths: 1,
      releaseMinimumOthers: 0,
      churnThreshold: 1_000_000,
      ...(audit === undefined ? {} : { releaseAudit: audit }),
    },
    researchReleaseDelayDays: 0,
  });
}

/** The id of the latest published release (changes exactly when a release published). */
export async function publishedMarker(database: Database): Promise<number> {
  const { rows } = await database.query<{ id: number | null }>(
    "select max(id) as id from statistics_release_log where outcome = 'published'",
  );
  return rows[0]!.id ?? 0;
}

export interface CheckResult {
  /** Whether this check published a release. */
  published: boolean;
  /** Attempts postponed for churn before it (an operator then released with acknowledgeChurn). */
  postponed: number;
  /** Attempts that failed (the release audit gave up): the service retries at the next check, and so does this. */
  failed: number;
  entries: ReleaseLogEntry[];
}

/** A release attempt; a failed one (the audit gave up) is counted, as the server logs it and retries at the next check. */
async function attempt(run: () => Promise<ReleaseLogEntry | null>, counts: { failed: number }): Promise<ReleaseLogEntry | null> {
  try {
    return await run();
  } catch {
    counts.failed += 1;
    return null;
  }
}

/**
 * One release check as the service makes it: the operator's release; when it is postponed for
 * churn, the privacy officer looks and the operator releases acknowledging it (the attacker's best
 * case: the officer lets it through), and the change rule still applies.
 */
export { attempt };

export async function serviceCheck(world: ProviderWorld, acknowledgeChurn = true): Promise<CheckResult> {
  await world.catchUp();
  const before = await publishedMarker(world.database);
  const entries: ReleaseLogEntry[] = [];
  const counts = { failed: 0 };
  let postponed = 0;
  let entry = await attempt(() => world.releases.release(), counts);
  if (entry) entries.push(entry);
  if (entry?.outcome === 'postponed') {
    postponed += 1;
    if (acknowledgeChurn) {
      entry = await attempt(() => world.releases.release({ acknowledgeChurn: true }), counts);
      if (entry) entries.push(entry);
    }
  }
  return { published: (await publishedMarker(world.database)) !== before, postponed, failed: counts.failed, entries };
}

/** A control release right now (rule and churn off). */
export async function controlCheck(world: ProviderWorld, control: StatisticsReleases): Promise<CheckResult> {
  await world.catchUp();
  const before = await publishedMarker(world.database);
  const counts = { failed: 0 };
  let entry = await attempt(() => control.release(), counts);
  // The control is a release right after each change. Null: it did not compare (the service's own
  // release held the lock, as its calendar may at start-up on a busy machine) or it failed; then
  // the changes would wait for the next round's release, two targets in one. Made again instead.
  for (let retry = 0; entry === null && retry < 3; retry += 1) {
    await world.releases.settle();
    entry = await attempt(() => control.release(), counts);
  }
  return {
    published: (await publishedMarker(world.database)) !== before,
    postponed: 0,
    failed: counts.failed,
    entries: entry ? [entry] : [],
  };
}
