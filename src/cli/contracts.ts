import fs from 'node:fs';
import { parseCommandLine, runCommand, UsageError } from './command-line';

// npm run contracts: writes openapi.json and schema.graphql from the code. --check compares
// instead, and exits 1 when a committed file is out of date.

const USAGE = `Write the service's contracts (openapi.json, schema.graphql) from the code.

  npm run contracts            write both files
  npm run contracts -- --check exit 1 when a committed file differs from what the code produces
  npm run contracts -- --help  this text`;

async function run(argv: string[]): Promise<number | 'help'> {
  const { values, positionals } = parseCommandLine(argv, { check: { type: 'boolean' } });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  // Loaded after the arguments are checked: generating builds the whole application.
  const { CONTRACT_FILES, generateContracts } = await import('../contracts/contracts');
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
  return stale > 0 ? 1 : 0;
}

runCommand({ name: 'contracts', invocation: 'npm run contracts --' }, USAGE, run);
