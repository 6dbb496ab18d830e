import { ROLES, type Role } from '../lib/vocabulary';
import { parseCommandLine, runCommand, UsageError } from './command-line';
import type { KeysCommand } from './keys-command';

const USAGE = `Manage API keys (on the database the environment names, as the service would).

  npm run keys -- create --name NAME --role ROLE [--institution CODE] [--expires ISO-DATE]
  npm run keys -- list
  npm run keys -- revoke KEY-ID
  npm run keys -- --help

Roles: ${ROLES.join(', ')}. A key of role institution needs --institution.
The key is printed once, at creation; the registry keeps only its hash.`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The command line, checked whole before any database is opened. */
function parseKeysCommand(argv: string[]): KeysCommand | 'help' {
  const { positionals, values } = parseCommandLine(argv, {
    name: { type: 'string' },
    role: { type: 'string' },
    institution: { type: 'string' },
    expires: { type: 'string' },
  });
  const [command, ...rest] = positionals;
  if (values.help) return 'help';
  if (!command) throw new UsageError('name a command: create, list or revoke');
  const extra = (allowed: number) => {
    if (rest.length > allowed) throw new UsageError(`unexpected argument "${rest[allowed]}"`);
  };
  switch (command) {
    case 'create': {
      extra(0);
      if (!values.name?.trim()) throw new UsageError('create needs --name (who or what the key is for)');
      if (!values.role || !(ROLES as readonly string[]).includes(values.role))
        throw new UsageError(`--role must be one of: ${ROLES.join(', ')}`);
      if (values.role === 'institution' && !values.institution) throw new UsageError('a key of role institution needs --institution CODE');
      if (values.role !== 'institution' && values.institution)
        throw new UsageError(`--institution is only for keys of role institution, not ${values.role}`);
      const expiresAt = values.expires ? new Date(values.expires) : undefined;
      if (expiresAt && (Number.isNaN(expiresAt.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(values.expires!))) {
        throw new UsageError('--expires must be an ISO date such as 2027-06-30');
      }
      return { kind: 'create', name: values.name, role: values.role as Role, institutionCode: values.institution, expiresAt };
    }
    case 'list':
      extra(0);
      if (values.name || values.role || values.institution || values.expires) throw new UsageError('list takes no options');
      return { kind: 'list' };
    case 'revoke': {
      extra(1);
      const [id] = rest;
      if (!id) throw new UsageError('revoke needs the key id (see: npm run keys -- list)');
      if (!UUID.test(id)) throw new UsageError(`"${id}" is not a key id (a UUID, as listed by: npm run keys -- list)`);
      return { kind: 'revoke', id };
    }
    default:
      throw new UsageError(`unknown command "${command}"; the commands are create, list and revoke`);
  }
}

async function run(argv: string[]): Promise<number | 'help'> {
  const command = parseKeysCommand(argv);
  if (command === 'help') return 'help';

  const { runKeysCommand } = await import('./keys-command');
  return runKeysCommand(command);
}

runCommand({ name: 'keys', invocation: 'npm run keys --' }, USAGE, run);
