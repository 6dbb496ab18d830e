import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { loadConfig } from '../config';
import type { Database } from '../db/client';
import { transactionWithoutRecords } from '../db/unit-of-work';
import type { Role } from '../lib/vocabulary';
import { createApiKeysRepository } from '../modules/api-keys/api-keys.repository';
import { createApiKeysService } from '../modules/api-keys/api-keys.service';
import { type AuditAction, buildAuditEvent } from '../modules/audit/audit-event';
import { writeAuditEvent } from '../modules/audit/audit.repository';
import { openConfiguredDatabase } from '../runtime/open-configured-database';
import { prepareDatabase } from '../runtime/prepare-database';

// What `npm run keys` does once keys.ts has checked its command line: loaded only then, so that
// --help and a mistake answer without loading the database drivers and the migrations first.

export type KeysCommand =
  | { kind: 'create'; name: string; role: Role; institutionCode: string | undefined; expiresAt: Date | undefined }
  | { kind: 'list' }
  | { kind: 'revoke'; id: string };

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

/** Runs a checked command on the database the environment names; returns the exit code. */
export async function runKeysCommand(command: KeysCommand): Promise<number> {
  const opened = await openConfiguredDatabase(loadConfig());
  try {
    // Migrations and reference data, so keys can be made before the service ever ran; never demo data.
    await prepareDatabase(opened.database, { ...opened.config, loadDemoData: false }, { info: () => undefined });
    const apiKeys = createApiKeysService(createApiKeysRepository(opened.database));
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
