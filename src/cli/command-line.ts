import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError } from '../config';
import { AppError } from '../lib/errors';
import { DataDirectoryLockedError } from '../runtime/data-directory';

// What every command-line tool shares: `--help` prints the usage and exits 0; a mistake in the
// arguments prints one line and exits 64 (EX_USAGE) before anything is opened; a bad
// environment exits 78 (EX_CONFIG); missing input exits 66 (EX_NOINPUT); any other failure
// prints one line and exits 1.

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

/** What the tool was pointed at does not exist (a data folder, a file); `run` prints it as one line. */
export class NoInputError extends Error {
  override name = 'NoInputError';
}

const KNOWN = [AppError, ConfigError, DataDirectoryLockedError, NoInputError];

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
      process.exit(error instanceof ConfigError ? 78 : error instanceof NoInputError ? 66 : 1);
    },
  );
}

/**
 * For a tool that takes no arguments: `--help` prints `usage` and exits 0; any argument is a
 * mistake, answered in one line (exit 64) before anything is started.
 */
export function refuseArguments(name: string, usage: string, argv = process.argv.slice(2)): void {
  if (argv.length === 0) return;
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  process.stderr.write(`${name}: unexpected argument "${argv[0]}": ${name} takes no arguments (see --help)\n`);
  process.exit(64);
}
