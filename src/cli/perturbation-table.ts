import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { buildPerturbationTable } from '../lib/statistics/perturbation-table';
import { serialiseTable, tableFile } from '../lib/statistics/perturbation-table-file';

// `npm run ptable -- --D 3 --V 1 --js 2`: writes the maximum-entropy perturbation table for
// these parameters to src/lib/statistics/perturbation-tables/, and prints its rows.

const USAGE = 'usage: npm run ptable -- --D <max deviation> --V <variance> --js <threshold>';
const { values } = parseArgs({ options: { D: { type: 'string' }, V: { type: 'string' }, js: { type: 'string' } } });
const parameters = { maximumDeviation: Number(values.D), variance: Number(values.V), threshold: Number(values.js) };
if (Object.values(parameters).some((value) => !Number.isFinite(value))) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(64);
}
const table = buildPerturbationTable(parameters);
fs.writeFileSync(tableFile(parameters), serialiseTable(table));
for (const row of table.rows) {
  const entries = row.perturbations.map((value, index) => `${value > 0 ? '+' : ''}${value}: ${row.probabilities[index]!.toFixed(4)}`);
  process.stdout.write(`${row.count}${row === table.rows.at(-1) ? '+' : ''}\tvariance ${row.variance.toFixed(3)}\t${entries.join('  ')}\n`);
}
process.stdout.write(`written: ${tableFile(parameters)}\n`);
