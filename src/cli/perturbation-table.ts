import fs from 'node:fs';
import { buildPerturbationTable, problemWithParameters } from '../lib/statistics/perturbation-table';
import { serialiseTable, tableFile } from '../lib/statistics/perturbation-table-file';
import { parseCommandLine, runCommand, UsageError } from './command-line';

// `npm run ptable -- --D 3 --V 1 --js 2`: writes the maximum-entropy perturbation table for
// these parameters to src/lib/statistics/perturbation-tables/, and prints its rows.

const USAGE = `Build a cell-key perturbation table (maximum entropy) and write it beside the shipped ones.

  npm run ptable -- --D <max deviation> --V <variance> --js <threshold>
      --D   the largest perturbation, a positive integer (for example 3)
      --V   the variance of the perturbation, between 0 and D² (for example 1)
      --js  counts up to js are never published as they are, an integer from 0 to D (for example 2)
  npm run ptable -- --help    this text`;

/** A number as written: decimal, nothing around it (Number() would take "0x10" or " 3 "). */
function numberOption(name: string, value: string | undefined): number {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value)) throw new UsageError(`--${name} must be a number, such as 3 or 1.5`);
  return Number(value);
}

async function run(argv: string[]): Promise<number | 'help'> {
  const { values, positionals } = parseCommandLine(argv, { D: { type: 'string' }, V: { type: 'string' }, js: { type: 'string' } });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const parameters = {
    maximumDeviation: numberOption('D', values.D as string | undefined),
    variance: numberOption('V', values.V as string | undefined),
    threshold: numberOption('js', values.js as string | undefined),
  };
  const problem = problemWithParameters(parameters);
  if (problem) throw new UsageError(problem);
  const table = buildPerturbationTable(parameters);
  fs.writeFileSync(tableFile(parameters), serialiseTable(table));
  for (const row of table.rows) {
    const entries = row.perturbations.map((value, index) => `${value > 0 ? '+' : ''}${value}: ${row.probabilities[index]!.toFixed(4)}`);
    process.stdout.write(
      `${row.count}${row === table.rows.at(-1) ? '+' : ''}\tvariance ${row.variance.toFixed(3)}\t${entries.join('  ')}\n`,
    );
  }
  process.stdout.write(`written: ${tableFile(parameters)}\n`);
  return 0;
}

runCommand({ name: 'ptable', invocation: 'npm run ptable --' }, USAGE, run);
