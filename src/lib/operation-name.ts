import { findPii } from './pii-guard';

// A GraphQL operation name is the client's choice, and the registry keeps it: in the audit trail
// (for years), as a metrics label and in trace spans. So it passes the identifier rules like any
// value. A name that holds an identifier, or six or more digits anywhere (a BSN broken up by
// letters fools the patterns, not a count), is withheld. Not hashed: a hash of a nine-digit
// number is undone by hashing all of them.

const PLAIN_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
const MAX_DIGITS = 5;

export const OPERATION_ANONYMOUS = 'anonymous';
/** Not a GraphQL name of at most 64 characters. */
export const OPERATION_INVALID = 'invalid';
/** A name that may identify someone. */
export const OPERATION_WITHHELD = 'withheld';

/** The name as the registry may keep it, or one of the three placeholders above. */
export function safeOperationName(name: unknown): string {
  if (name === undefined || name === null || name === '') return OPERATION_ANONYMOUS;
  if (typeof name !== 'string' || !PLAIN_NAME.test(name)) return OPERATION_INVALID;
  if (name.replace(/\D/g, '').length > MAX_DIGITS || findPii(name)) return OPERATION_WITHHELD;
  return name;
}
