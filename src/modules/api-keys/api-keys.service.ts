import { AppError, errors } from '../../lib/errors';
import { findPii } from '../../lib/pii-guard';
import type { Role } from '../../lib/vocabulary';
import { displayPrefix, generateApiKeySecret, hashApiKeySecret, isWellFormedApiKey } from './api-key-secret';
import type { KeyConfirmation } from '../audit';
import type { ApiKeyCache } from './api-key-cache';
import { type ApiKeyRecord, type ApiKeyState, type ApiKeysRepository, findRefusedKeys } from './api-keys.repository';

/** Who is calling: resolved once per request from the API key. */
export interface Principal {
  keyId: string;
  keyName: string;
  role: Role;
  /** Set for role `institution` only: the one institution this key may act for. */
  institutionId: string | null;
  institutionCode: string | null;
}

export interface NewApiKey {
  name: string;
  role: Role;
  institutionCode?: string;
  expiresAt?: Date;
}

/** Why a key is refused, or null: the same rule for a cached entry, a fresh row and a commit-time check. */
export function refusalOf(key: Pick<ApiKeyState, 'expiresAt' | 'revokedAt'>, now: Date): AppError | null {
  if (key.revokedAt) return new AppError('API_KEY_REVOKED', 'This API key has been revoked.');
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) {
    return new AppError('API_KEY_EXPIRED', 'This API key has expired; ask an administrator for a new one.');
  }
  return null;
}

/**
 * How the audit writer confirms keys where a request's answer becomes final (the transaction
 * that makes its audit event durable): the last word on a key that came from the cache, revoked
 * elsewhere a moment ago and not yet notified. A key that no longer exists is refused as revoked.
 */
export const apiKeyConfirmation: KeyConfirmation = {
  refusedKeys: findRefusedKeys,
  refusal: (key, now) => refusalOf(key, now) ?? new AppError('API_KEY_REVOKED', 'This API key has been revoked.'),
};

export function createApiKeysService(
  repository: Pick<ApiKeysRepository, 'insert' | 'findBySecretHash' | 'list' | 'revoke' | 'findInstitutionId'>,
  options: { cache?: ApiKeyCache } = {},
) {
  const { cache } = options;
  return {
    /** Creates a key and returns its secret: the only time the secret exists outside the caller. */
    async create(input: NewApiKey, now = new Date()): Promise<{ id: string; key: string }> {
      if (!input.name.trim()) throw errors.validation('A key needs a name that says what it is for.', 'name');
      // Names are stored and listed: the identifier rules of records apply (say what, not whom).
      if (findPii(input.name))
        throw new AppError('PII_DETECTED', 'The name holds identifying data; name the system or purpose, not a person.', { field: 'name' });
      if (input.role === 'institution' && !input.institutionCode) {
        throw errors.validation('A key of role institution must name its institution.', 'institutionCode');
      }
      if (input.role !== 'institution' && input.institutionCode) {
        throw errors.validation(`A key of role ${input.role} is not bound to an institution.`, 'institutionCode');
      }
      if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
        throw errors.validation('The expiry must lie in the future.', 'expiresAt');
      }
      let institutionId: string | null = null;
      if (input.institutionCode) {
        institutionId = (await repository.findInstitutionId(input.institutionCode)) ?? null;
        if (!institutionId) throw errors.validation(`There is no institution "${input.institutionCode}".`, 'institutionCode');
      }
      const secret = generateApiKeySecret();
      const { id } = await repository.insert({
        name: input.name.trim(),
        prefix: displayPrefix(secret),
        secretHash: hashApiKeySecret(secret),
        role: input.role,
        institutionId,
        expiresAt: input.expiresAt ?? null,
      });
      return { id, key: secret };
    },

    /** Resolves a presented key to its principal, or throws the reason it is refused. */
    async authenticate(presented: string, now = new Date()): Promise<Principal> {
      if (!isWellFormedApiKey(presented)) throw errors.unauthenticated('The API key is not valid.');
      const secretHash = hashApiKeySecret(presented);
      let record = cache?.get(secretHash);
      if (!record) {
        const since = cache?.generation() ?? 0;
        record = await repository.findBySecretHash(secretHash);
        if (!record) throw errors.unauthenticated('The API key is not valid.');
        cache?.set(secretHash, record, since);
      }
      // Expiry against the clock on every request, cached entry or not.
      const refusal = refusalOf(record, now);
      if (refusal) throw refusal;
      return toPrincipal(record);
    },

    list: (): Promise<ApiKeyRecord[]> => repository.list(),

    async revoke(id: string, now = new Date()): Promise<void> {
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw errors.validation('A key id is a UUID.', 'id');
      const revoked = await repository.revoke(id, now);
      // This instance forgets at once; the others when the database's notification reaches them.
      cache?.invalidate();
      if (!revoked) throw errors.notFound(`An active API key with id ${id}`);
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;

function toPrincipal(record: ApiKeyRecord): Principal {
  return {
    keyId: record.id,
    keyName: record.name,
    role: record.role,
    institutionId: record.institutionId,
    institutionCode: record.institutionCode,
  };
}
