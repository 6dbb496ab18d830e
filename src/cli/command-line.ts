import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError } from '../config';
import { AppError } from '../lib/errors';
import { DataDirectoryLockedError } from '../runtime/data-directory';

// What every command-line tool shares: `--help` prints the usage and exits 0; a mistake in the
// arguments prints one line and exits 64 (EX_USAGE) before anything is opened; a bad
// environment exits 78 (EX_CONFIG); any other failure prints one line and exits 1.

/** A mistake in the command line; `run` prints it as one line with a pointer to --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs with `--help`/`-h` added, and its errors (an unknown option, a missing value)
 * turned into UsageErrors with the message alone.
 */
export function parseCommandLine<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...options, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    // Node's own message goes on to explain `--`; its first sentence is the mistake.
    throw new UsageError(error instanceof Error ? error.message.split(/\.\s|\n/)[0]! : String(error));
  }
}

const KNOWN = [AppError, ConfigError, DataDirectoryLockedError];

/**
 * Runs a tool's `main` and exits with its code. `main` returns the exit code, or `'help'` to
 * have the usage printed.
 */
export function runCommand(
  tool: { name: string; invocation: string },
  usage: string,
  main: (argv: string[]) => Promise<number | 'help'>,
): void {
  const { name, invocation } = tool;
  main(process.argv.slice(2)).then(
    (code) => {
      if (code === 'help') {
        process.stdout.write(`${usage}\n`);
        process.exit(0);
      }
      process.exit(code);
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`${name}: ${error.message} (see: ${invocation} --help)\n`);
        process.exit(64);
      }
      // A configuration error names every variable at fault, one per line: kept whole.
      const known = KNOWN.some((type) => error instanceof type);
      const message = error instanceof Error ? (known ? error.message : error.message.split('\n')[0]) : String(error);
      process.stderr.write(`${name}: ${message}\n`);
      process.exit(error instanceof ConfigError ? 78 : 1);
    },
  );
}
