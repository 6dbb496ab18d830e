import { parentPort, workerData } from 'node:worker_threads';
import { computeRelease, decodeRows, type ReleaseWorkerInputs } from './statistics-release-answers';

// A release's answers and audit, computed in a worker thread (statistics-releases.ts): seconds of
// aggregation and linear programming that would otherwise hold every request of the process.

const inputs = workerData as ReleaseWorkerInputs;
// A Buffer arrives as a plain Uint8Array.
const keySecret = inputs.settings.keySecret ? Buffer.from(inputs.settings.keySecret) : null;
parentPort!.postMessage(
  await computeRelease({
    ...inputs,
    rows: decodeRows(inputs.rows),
    researchRows: decodeRows(inputs.researchRows),
    settings: { ...inputs.settings, keySecret },
  }),
);
