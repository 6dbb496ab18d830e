import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { CONTRACT_FILES, generateContracts } from '../contracts/contracts';

// npm run contracts: writes openapi.json and schema.graphql from the code. --check compares
// instead, and exits 1 when a committed file is out of date.

const USAGE = `Write the service's contracts (openapi.json, schema.graphql) from the code.

  npm run contracts            write both files
  npm run contracts -- --check exit 1 when a committed file differs from what the code produces`;

const { values } = parseArgs({ options: { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const contracts = await generateContracts();
let stale = 0;
for (const [kind, file] of Object.entries(CONTRACT_FILES) as Array<[keyof typeof CONTRACT_FILES, string]>) {
  if (values.check) {
    const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (committed !== contracts[kind]) {
      stale += 1;
      process.stderr.write(`${file} is out of date: run npm run contracts and commit it\n`);
    }
  } else {
    fs.writeFileSync(file, contracts[kind]);
    process.stdout.write(`wrote ${file}\n`);
  }
}
process.exit(stale > 0 ? 1 : 0);
