import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import { type Config, loadConfig } from '../config';
import { NoInputError, parseCommandLine, runCommand, UsageError } from './command-line';

// What opens and reads the database is loaded once the command line has been checked, so that
// --help and a mistake answer at once (they loaded the database drivers and every migration first).
const databaseModules = () =>
  Promise.all([
    import('../runtime/open-configured-database'),
    import('../runtime/prepare-database'),
    import('../modules/audit/audit-checkpoints'),
    import('../modules/audit/audit.service'),
    import('../modules/audit/retention'),
  ]);

const USAGE = `The audit trail, from the command line (on the database the environment names).

  npm run audit -- verify    walk the hash chain; exit 1 and name the first bad event if it is broken
      --checkpoints FILE     also check the chain against the signed checkpoints in FILE
      --public-key FILE      the checkpoint key's public half (PEM), needed with --checkpoints;
                             exit 1 and name every rewritten or missing range
  npm run audit -- keygen --private-key FILE
                             make an Ed25519 checkpoint key (FILE, mode 600) for AUDIT_CHECKPOINT_KEY_FILE;
                             prints the public half, for verify --public-key
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

const COMMANDS = ['verify', 'purge', 'keygen'];

function readFileOrRefuse(file: string, what: string): string {
  if (!fs.existsSync(file)) throw new NoInputError(`no ${what} at ${file}`);
  return fs.readFileSync(file, 'utf8');
}

async function run(argv: string[]): Promise<number | 'help'> {
  const { positionals, values } = parseCommandLine(argv, {
    checkpoints: { type: 'string' },
    'public-key': { type: 'string' },
    'private-key': { type: 'string' },
  });
  if (values.help) return 'help';
  const [command, ...rest] = positionals;
  if (!command) throw new UsageError('name a command: verify, keygen or purge');
  if (!COMMANDS.includes(command)) throw new UsageError(`unknown command "${command}"; the commands are verify, keygen and purge`);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  if (command === 'keygen') {
    const file = values['private-key'];
    if (!file) throw new UsageError('keygen needs --private-key FILE');
    if (fs.existsSync(file)) throw new UsageError(`${file} exists: a checkpoint key is never overwritten`);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    process.stdout.write(String(publicKey.export({ type: 'spki', format: 'pem' })));
    return 0;
  }
  if ((values.checkpoints === undefined) !== (values['public-key'] === undefined))
    throw new UsageError('--checkpoints and --public-key go together');
  const checkpoints = values.checkpoints ? readFileOrRefuse(values.checkpoints, 'checkpoint file') : null;
  const publicKeyText = values['public-key'] ? readFileOrRefuse(values['public-key'], 'public key') : null;

  const [
    { openConfiguredDatabase },
    { prepareDatabase },
    { describeFinding, readPublicKey },
    { createAuditService },
    { purgeExpiredAuditEvents },
  ] = await databaseModules();
  const publicKey = publicKeyText === null ? null : readPublicKey(publicKeyText);
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
    const audit = createAuditService(opened.database);
    const result = await audit.verifyChain();
    let broken = !result.valid;
    if (result.valid) process.stdout.write(`The audit chain is intact: ${result.eventsChecked} events checked.\n`);
    else process.stdout.write(`The audit chain is BROKEN at event ${result.firstInvalidPosition}: ${result.reason}.\n`);
    if (checkpoints !== null && publicKey !== null) {
      const { findings, checked } = await audit.checkCheckpoints(publicKey, checkpoints);
      process.stdout.write(`${checked} signed checkpoints checked.\n`);
      for (const finding of findings) process.stdout.write(`${describeFinding(finding)}.\n`);
      // Events after the newest checkpoint are reported, not a failure: the next checkpoint covers them.
      broken ||= findings.some((finding) => finding.kind !== 'uncovered');
    }
    return broken ? 1 : 0;
  } finally {
    await opened.close();
  }
}

runCommand({ name: 'audit', invocation: 'npm run audit --' }, USAGE, run);
