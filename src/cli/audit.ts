import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { DataDirectoryLockedError } from '../runtime/data-directory';
import { openConfiguredDatabase } from '../runtime/open-configured-database';
import { prepareDatabase } from '../runtime/prepare-database';
import { verifyAuditChain } from '../modules/audit/audit.repository';
import { purgeExpiredAuditEvents } from '../modules/audit/retention';

const USAGE = `The audit trail, from the command line (on the database the environment names).

  npm run audit -- verify    walk the hash chain; exit 1 and name the first bad event if it is broken
  npm run audit -- purge     delete events older than AUDIT_RETENTION_YEARS (at least 5)`;

async function run(): Promise<number> {
  const { positionals } = parseArgs({ allowPositionals: true });
  const [command] = positionals;
  if (command !== 'verify' && command !== 'purge') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 64 : 0;
  }
  const config = loadConfig();
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

run().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof DataDirectoryLockedError;
    process.stderr.write(`${known ? (error as Error).message : String(error)}\n`);
    process.exit(known && error instanceof ConfigError ? 78 : 1);
  },
);
