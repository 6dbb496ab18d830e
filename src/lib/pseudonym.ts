import { createHmac } from 'node:crypto';

/**
 * The registry's own keying of a source pseudonym: HMAC-SHA-256 under the registry's secret.
 * Only this value is stored, so a copy of the database cannot be joined back to an
 * institution's records without the registry's key.
 */
export function registryKeyFor(sourcePseudonym: string, registryPseudonymKey: Buffer): string {
  return createHmac('sha256', registryPseudonymKey).update(sourcePseudonym, 'utf8').digest('hex');
}
