import { serveJobs } from '../../lib/worker';
import { type ComputedRelease, computeRelease, decodeRows, type ReleaseWorkerInputs } from './statistics-release-answers';

// A release's answers and audit, computed in a worker thread (statistics-releases.ts): seconds of
// aggregation and linear programming that would otherwise hold every request of the process. The
// worker stays up between releases (lib/worker.ts).

serveJobs<ReleaseWorkerInputs, ComputedRelease>((inputs) =>
  computeRelease({
    ...inputs,
    rows: decodeRows(inputs.rows),
    researchRows: decodeRows(inputs.researchRows),
    // A Buffer arrives as a plain Uint8Array.
    settings: { ...inputs.settings, keySecret: inputs.settings.keySecret ? Buffer.from(inputs.settings.keySecret) : null },
  }),
);
