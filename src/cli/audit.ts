import fs from 'node:fs';
import { type Config, loadConfig } from '../config';
import { openConfiguredDatabase } from '../runtime/open-configured-database';
import { prepareDatabase } from '../runtime/prepare-database';
import { verifyAuditChain } from '../modules/audit/audit.repository';
import { purgeExpiredAuditEvents } from '../modules/audit/retention';
import { NoInputError, parseCommandLine, runCommand, UsageError } from './command-line';

const USAGE = `The audit trail, from the command line (on the database the environment names).

  npm run audit -- verify    walk the hash chain; exit 1 and name the first bad event if it is broken
  npm run audit -- purge     delete events older than AUDIT_RETENTION_YEARS (at least 5)
  npm run audit -- --help    this text`;

/**
 * verify and purge read a trail that exists. Opening the embedded database in a folder that
 * does not hold one creates an empty one, whose chain of 0 events is "intact": a mistyped
 * DATA_DIR would pass an audit.
 */
function requireExistingDatabase(config: Config): void {
  if (config.database.kind !== 'pglite' || fs.existsSync(config.database.dataDir)) return;
  throw new NoInputError(
    `no embedded database in ${config.dataDir} (DATA_DIR): point DATA_DIR at the service's data folder, or set DATABASE_URL`,
  );
}

async function run(argv: string[]): Promise<number | 'help'> {
  const { positionals, values } = parseCommandLine(argv, {});
  if (values.help) return 'help';
  const [command, ...rest] = positionals;
  if (!command) throw new UsageError('name a command: verify or purge');
  if (command !== 'verify' && command !== 'purge') throw new UsageError(`unknown command "${command}"; the commands are verify and purge`);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);

  const config = loadConfig();
  requireExistingDatabase(config);
  const opened = await openConfiguredDatabase(config);
  try {
    await prepareDatabase(opened.database, { ...opened.config, loadDemoData: false }, { info: () => undefined });
    if (command === 'purge') {
      const purged = await purgeExpiredAuditEvents(opened.database, config.auditRetentionYears);
      process.stdout.write(`Purged ${purged} audit events older than ${config.auditRetentionYears} years.\n`);
      return 0;
    }
    const result = await opened.database.transaction((connection) => verifyAuditChain(connection));
    if (result.valid) {
      process.stdout.write(`The audit chain is intact: ${result.eventsChecked} events checked.\n`);
      return 0;
    }
    process.stdout.write(`The audit chain is BROKEN at event ${result.firstInvalidPosition}: ${result.reason}.\n`);
    return 1;
  } finally {
    await opened.close();
  }
}

runCommand({ name: 'audit', invocation: 'npm run audit --' }, USAGE, run);
