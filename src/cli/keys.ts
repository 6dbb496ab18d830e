import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { ConfigError, loadConfig } from '../config';
import type { Database } from '../db/client';
import { type AuditAction, buildAuditEvent } from '../modules/audit/audit-event';
import { writeAuditEvent } from '../modules/audit/audit.repository';
import { AppError } from '../lib/errors';
import { ROLES, type Role } from '../lib/vocabulary';
import { createApiKeysRepository } from '../modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../modules/api-keys/api-keys.service';
import { DataDirectoryLockedError } from '../runtime/data-directory';
import { openConfiguredDatabase } from '../runtime/open-configured-database';
import { prepareDatabase } from '../runtime/prepare-database';

const USAGE = `Manage API keys (on the database the environment names, as the service would).

  npm run keys -- create --name NAME --role ROLE [--institution CODE] [--expires ISO-DATE]
  npm run keys -- list
  npm run keys -- revoke KEY-ID

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
  return database.transaction((connection) => writeAuditEvent(connection, event));
}

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      institution: { type: 'string' },
      expires: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 64;
  }

  const opened = await openConfiguredDatabase(loadConfig());
  try {
    // Migrations and reference data, so keys can be made before the service ever ran; never demo data.
    await prepareDatabase(opened.database, { ...opened.config, loadDemoData: false }, { info: () => undefined });
    const apiKeys = createApiKeysService(createApiKeysRepository(opened.database.orm));
    switch (command) {
      case 'create': {
        if (!values.role || !(ROLES as readonly string[]).includes(values.role)) {
          throw new AppError('VALIDATION_FAILED', `--role must be one of: ${ROLES.join(', ')}`, { field: 'role' });
        }
        const expiresAt = values.expires ? new Date(values.expires) : undefined;
        if (expiresAt && Number.isNaN(expiresAt.getTime())) {
          throw new AppError('VALIDATION_FAILED', '--expires must be an ISO date such as 2027-06-30', { field: 'expires' });
        }
        const created = await apiKeys.create({
          name: values.name ?? '',
          role: values.role as Role,
          ...(values.institution ? { institutionCode: values.institution } : {}),
          ...(expiresAt ? { expiresAt } : {}),
        });
        await auditKeyChange(opened.database, 'create', { keyId: created.id, role: values.role, institutionCode: values.institution ?? null });
        process.stdout.write(`Created key ${created.id} (role ${values.role}). Store it now; it is not shown again:\n${created.key}\n`);
        return 0;
      }
      case 'list': {
        const keys = await apiKeys.list();
        for (const key of keys) {
          const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : key.expiresAt ? `expires ${key.expiresAt.toISOString()}` : 'active';
          process.stdout.write(
            `${key.id}  ${key.prefix}…  ${key.role.padEnd(11)} ${(key.institutionCode ?? '-').padEnd(14)} ${state.padEnd(34)} ${key.name}\n`,
          );
        }
        if (keys.length === 0) process.stdout.write('No keys yet.\n');
        return 0;
      }
      case 'revoke': {
        const [id] = rest;
        if (!id) throw new AppError('VALIDATION_FAILED', 'revoke needs the key id (see: npm run keys -- list)', { field: 'id' });
        await apiKeys.revoke(id);
        await auditKeyChange(opened.database, 'update', { keyId: id, revoked: true });
        process.stdout.write(`Revoked key ${id}.\n`);
        return 0;
      }
      default:
        process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
        return 64;
    }
  } finally {
    await opened.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof AppError || error instanceof ConfigError || error instanceof DataDirectoryLockedError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(error instanceof ConfigError ? 78 : 1);
    }
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
