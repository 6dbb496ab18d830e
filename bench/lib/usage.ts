import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

// Benchmarks are configured by BENCH_* variables, not arguments. `--help` prints the script's
// opening comment, which says what it measures and how to run it; any other argument is a
// mistake, answered in one line before anything is started.

export function benchUsage(scriptUrl: string): void {
  const args = process.argv.slice(2);
  if (args.length === 0) return;
  const file = fileURLToPath(scriptUrl);
  if (args.includes('--help') || args.includes('-h')) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const opening = lines.slice(
      0,
      lines.findIndex((line) => !line.startsWith('//')),
    );
    process.stdout.write(`${opening.map((line) => line.replace(/^\/\/ ?/, '')).join('\n')}\n`);
    process.exit(0);
  }
  process.stderr.write(
    `${file.split('/').pop()}: unexpected argument "${args[0]}": benchmarks take BENCH_* variables, not arguments (see --help)\n`,
  );
  process.exit(64);
}
