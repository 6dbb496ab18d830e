import { parseArgs } from 'node:util';
import { ensureScaleDataset } from './lib/scale-dataset';

// `npm run generate -- --trajectories 100000 [--seed 1] [--fresh]`: loads a seeded synthetic
// dataset of that size into its own database on the local PostgreSQL (BENCH_ADMIN_URL to use
// another server), showing progress, and prints the DATABASE_URL to start the service on it.

const { values } = parseArgs({
  options: {
    trajectories: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    fresh: { type: 'boolean', default: false },
  },
});

const trajectories = Number(values.trajectories);
const seed = Number(values.seed);
if (!Number.isInteger(trajectories) || trajectories < 1 || trajectories > 1_000_000 || !Number.isInteger(seed)) {
  process.stderr.write('usage: npm run generate -- --trajectories <1..1000000> [--seed <integer>] [--fresh]\n');
  process.exit(64);
}

const dataset = await ensureScaleDataset({ trajectories, seed, fresh: values.fresh });
process.stdout.write(`${JSON.stringify(dataset)}\n`);
