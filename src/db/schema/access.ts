import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { ROLES } from '../../lib/vocabulary';
import { isOneOf } from './checks';
import { institutions } from './organisations';

/**
 * API keys. The secret is shown once at creation; only its SHA-256 is stored (the secret is
 * 256 random bits, so a fast hash is enough: there is nothing to brute-force).
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /** The first characters of the key, to recognise it in listings. */
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull().unique(),
    role: text('role', { enum: ROLES }).notNull(),
    institutionId: uuid('institution_id').references(() => institutions.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    check('api_keys_role_valid', isOneOf(t.role, ROLES)),
    // An institution key is bound to exactly one institution; other roles to none.
    check('api_keys_institution_binding', sql`(${t.role} = 'institution') = (${t.institutionId} is not null)`),
    check('api_keys_hash_format', sql`${t.secretHash} ~ '^[0-9a-f]{64}$'`),
    index('api_keys_institution_idx').on(t.institutionId),
  ],
);
