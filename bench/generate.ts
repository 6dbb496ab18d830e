import { parseCommandLine, runCommand, UsageError } from '../src/cli/command-line';

// `npm run generate -- --trajectories 100000 [--seed 1] [--fresh]`: loads a seeded synthetic
// dataset of that size into its own database on the local PostgreSQL (BENCH_ADMIN_URL to use
// another server), showing progress, and prints the DATABASE_URL to start the service on it.

const USAGE = `Generate a seeded synthetic dataset into a database of its own on the local PostgreSQL.

  npm run generate -- [--trajectories N] [--seed S] [--fresh]

  --trajectories N  1 to 1000000 (default 100000: about 5.4 million measurements, 18 minutes)
  --seed S          an integer (default 1); the same N and seed give the same data
  --fresh           generate again even when a complete dataset exists

BENCH_ADMIN_URL names another server (default postgres://postgres@127.0.0.1:5432/postgres).
Prints the dataset, with the DATABASE_URL to start the service on it, as one JSON line.`;

runCommand({ name: 'generate', invocation: 'npm run generate --' }, USAGE, async (argv) => {
  const { values, positionals } = parseCommandLine(argv, {
    trajectories: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    fresh: { type: 'boolean', default: false },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const trajectories = Number(values.trajectories);
  const seed = Number(values.seed);
  if (!/^\d+$/.test(values.trajectories) || trajectories < 1 || trajectories > 1_000_000)
    throw new UsageError('--trajectories must be a whole number from 1 to 1000000');
  if (!/^-?\d+$/.test(values.seed) || !Number.isSafeInteger(seed)) throw new UsageError('--seed must be an integer');

  // Loaded once the arguments are known to be good: a mistake costs no database work.
  const { ensureScaleDataset } = await import('./lib/scale-dataset');
  const dataset = await ensureScaleDataset({ trajectories, seed, fresh: values.fresh });
  process.stdout.write(`${JSON.stringify(dataset)}\n`);
  return 0;
});
