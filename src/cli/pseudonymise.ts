import fs from 'node:fs';
import readline from 'node:readline';
import { InvalidBsnError, pseudonymiseBsn } from '../lib/source-pseudonym';
import { parseCommandLine, runCommand, UsageError } from './command-line';

// The tool institutions run on their own side: citizen service numbers in, source pseudonyms
// (format sp1, see src/lib/source-pseudonym.ts) out. BSNs never leave the institution.

const USAGE = `Make source pseudonyms from citizen service numbers (BSN).

  npm run -s pseudonymise -- --key-file shared-key.txt 111222333 [more ...]
  npm run -s pseudonymise -- --key-file shared-key.txt < bsns.txt > pseudonyms.txt

A number may be written with single spaces, dots, dashes or underscores between its digits
(123-45-6782, 123_456_782); eight digits get a leading zero. The registry's PII guard refuses
every such form wherever it appears outside the pseudonym (src/lib/bsn.ts defines them once).

The key file holds the key the institutions share (32+ bytes, hex or base64). One pseudonym per
input line, in order. Numbers that fail the eleven-test are reported on stderr by line number
(never echoed) and give an empty output line; the exit code is then 1.`;

function readKey(file: string): Buffer {
  if (!fs.existsSync(file)) throw new UsageError(`--key-file ${file}: no such file`);
  const text = fs.readFileSync(file, 'utf8').trim();
  const key = /^[0-9a-fA-F]+$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length < 32) throw new UsageError(`the key in ${file} is shorter than 32 bytes`);
  return key;
}

async function main(argv: string[]): Promise<number | 'help'> {
  const { values, positionals } = parseCommandLine(argv, { 'key-file': { type: 'string' } });
  if (values.help) return 'help';
  if (!values['key-file']) throw new UsageError('--key-file is required (the file with the key the institutions share)');
  const key = readKey(values['key-file']);
  let failures = 0;
  let line = 0;
  const convert = (bsn: string) => {
    line += 1;
    try {
      process.stdout.write(`${pseudonymiseBsn(bsn, key)}\n`);
    } catch (error) {
      if (!(error instanceof InvalidBsnError)) throw error;
      failures += 1;
      process.stderr.write(`line ${line}: ${error.message}\n`);
      process.stdout.write('\n');
    }
  };
  if (positionals.length > 0) positionals.forEach(convert);
  else for await (const input of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) convert(input.trim());
  return failures > 0 ? 1 : 0;
}

runCommand({ name: 'pseudonymise', invocation: 'npm run -s pseudonymise --' }, USAGE, main);
