import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { loadConfig } from '../config';
import type { Database } from '../db/client';
import { transactionWithoutRecords } from '../db/unit-of-work';
import { type AuditAction, buildAuditEvent } from '../modules/audit/audit-event';
import { writeAuditEvent } from '../modules/audit/audit.repository';
import { ROLES, type Role } from '../lib/vocabulary';
import { createApiKeysRepository } from '../modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../modules/api-keys/api-keys.service';
import { openConfiguredDatabase } from '../runtime/open-configured-database';
import { prepareDatabase } from '../runtime/prepare-database';
import { parseCommandLine, runCommand, UsageError } from './command-line';

const USAGE = `Manage API keys (on the database the environment names, as the service would).

  npm run keys -- create --name NAME --role ROLE [--institution CODE] [--expires ISO-DATE]
  npm run keys -- list
  npm run keys -- revoke KEY-ID
  npm run keys -- --help

Roles: ${ROLES.join(', ')}. A key of role institution needs --institution.
The key is printed once, at creation; the registry keeps only its hash.`;

/** Key management from the command line is audited like the admin API. */
function auditKeyChange(database: Database, action: AuditAction, details: Record<string, unknown>): Promise<void> {
  const event = buildAuditEvent(
    {
      requestId: `cli-${randomUUID()}`,
      principalId: null,
      role: 'admin',
      institutionId: null,
      sourceAddress: `cli@${os.hostname()}`,
      userAgent: `npm run keys (user ${os.userInfo().username})`,
      purpose: null,
    },
    { action, resourceType: 'api_key', operation: `cli keys ${action === 'create' ? 'create' : 'revoke'}`, outcome: 'success', details },
  );
  return transactionWithoutRecords(database, (connection) => writeAuditEvent(connection, event));
}

type Command =
  | { kind: 'create'; name: string; role: Role; institutionCode: string | undefined; expiresAt: Date | undefined }
  | { kind: 'list' }
  | { kind: 'revoke'; id: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The command line, checked whole before any database is opened. */
function parseKeysCommand(argv: string[]): Command | 'help' {
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

  const opened = await openConfiguredDatabase(loadConfig());
  try {
    // Migrations and reference data, so keys can be made before the service ever ran; never demo data.
    await prepareDatabase(opened.database, { ...opened.config, loadDemoData: false }, { info: () => undefined });
    const apiKeys = createApiKeysService(createApiKeysRepository(opened.database.orm));
    switch (command.kind) {
      case 'create': {
        const created = await apiKeys.create({
          name: command.name,
          role: command.role,
          ...(command.institutionCode ? { institutionCode: command.institutionCode } : {}),
          ...(command.expiresAt ? { expiresAt: command.expiresAt } : {}),
        });
        await auditKeyChange(opened.database, 'create', {
          keyId: created.id,
          role: command.role,
          institutionCode: command.institutionCode ?? null,
        });
        process.stdout.write(`Created key ${created.id} (role ${command.role}). Store it now; it is not shown again:\n${created.key}\n`);
        return 0;
      }
      case 'list': {
        const keys = await apiKeys.list();
        for (const key of keys) {
          const state = key.revokedAt
            ? `revoked ${key.revokedAt.toISOString()}`
            : key.expiresAt
              ? `expires ${key.expiresAt.toISOString()}`
              : 'active';
          process.stdout.write(
            `${key.id}  ${key.prefix}…  ${key.role.padEnd(11)} ${(key.institutionCode ?? '-').padEnd(14)} ${state.padEnd(34)} ${key.name}\n`,
          );
        }
        if (keys.length === 0) process.stdout.write('No keys yet.\n');
        return 0;
      }
      case 'revoke': {
        await apiKeys.revoke(command.id);
        await auditKeyChange(opened.database, 'update', { keyId: command.id, revoked: true });
        process.stdout.write(`Revoked key ${command.id}.\n`);
        return 0;
      }
    }
  } finally {
    await opened.close();
  }
}

runCommand({ name: 'keys', invocation: 'npm run keys --' }, USAGE, run);
