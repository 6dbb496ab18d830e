import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

// A research release is frozen in batches of trajectories, each one statement
// (research-releases.ts): the embedded database has one connection, so a request waits at most for
// one batch per statement it runs, and after each batch the release gives way while requests'
// statements wait. There batches aim at a statement of about 40 ms; a document took 3.4 ms on
// PGlite at 5,000 trajectories (bench/release-scaling.ts). PostgreSQL serves requests beside a
// statement, and each statement costs its planning and joins again: 40 ms batches made a release of
// 20,000 7 s slower there, so its batches aim at a second.

export const BATCH_TARGET_MS = { embedded: 40, server: 1_000 } as const;
/** Batches at once on PostgreSQL: the release took 1.65 ms a document on one connection (22 s of 30.7 at 20,000). */
export const SERVER_LANES = 2;
export const FIRST_BATCH = 10;
const LARGEST_BATCH = 5_000;
/** Deleting a pending release's documents, per statement. */
export const DISCARD_BATCH = 500;

/** The next batch's size, from how long the last batch of `size` took, for statements of about `targetMs`. */
export const nextBatchSize = (size: number, elapsedMs: number, targetMs: number): number =>
  Math.max(1, Math.min(LARGEST_BATCH, Math.round((size * targetMs) / Math.max(elapsedMs, 1))));

export const batchesOf = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));

/**
 * Waits while others' statements are waiting for the connection (`waiting`), and a moment more
 * after they are done (a request runs several statements with a little work between them), for at
 * most `limitMs`. Returns at once when nothing waits: a release with no traffic is not slowed.
 */
export async function giveWay(waiting: () => number, limitMs: number): Promise<void> {
  await nextTurn(); // requests that came during the batch are read and ask for the connection
  if (waiting() === 0) return;
  const until = performance.now() + limitMs;
  for (let quiet = 0; quiet < 2 && performance.now() < until; ) {
    await sleep(2);
    quiet = waiting() === 0 ? quiet + 1 : 0;
  }
}

/**
 * Long work on the embedded database, one short statement at a time: `work` runs over `items` in
 * batches sized for statements of about `BATCH_TARGET_MS.embedded`, in order, and after each batch
 * gives way to the requests waiting for the one connection (`waiting`). `start` is the batch's
 * index in `items`; `first`, the first batch's size (a statement whose cost is mostly fixed
 * starts larger, or it never grows).
 */
export async function inPacedBatches<T>(
  items: readonly T[],
  waiting: () => number,
  work: (batch: readonly T[], start: number) => Promise<void>,
  first = FIRST_BATCH,
): Promise<void> {
  for (let start = 0, size = first; start < items.length; ) {
    const batch = items.slice(start, start + size);
    const started = performance.now();
    await work(batch, start);
    const elapsed = performance.now() - started;
    start += batch.length;
    size = nextBatchSize(size, elapsed, BATCH_TARGET_MS.embedded);
    await giveWay(waiting, 2 * elapsed);
  }
}
