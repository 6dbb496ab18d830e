import { foldDigits } from './digits';
import { findPii } from './pii-guard';

// Error messages of libraries quote the request back ("Cannot query field \"…\"", "found
// \"…\""), and the registry's answers and logs must not repeat an identifier a client sent. A
// quoted part that holds one, or more than five digits (the rule for names, operation-name.ts),
// is replaced; if the message still holds one outside quotes, the whole message is.

const QUOTED = /"(?:[^"\\]|\\.)*"/g;
export const WITHHELD_QUOTE = '"(withheld: identifying data)"';

const mayIdentify = (text: string) => foldDigits(text).replace(/\D/g, '').length > 5 || findPii(text) !== undefined;

/** The message with identifying quotes replaced, or `fallback` when an identifier is left unquoted. */
export function withoutQuotedIdentifiers(message: string, fallback: string): string {
  const cleaned = message.replace(QUOTED, (quote) => (mayIdentify(quote) ? WITHHELD_QUOTE : quote));
  return findPii(cleaned) ? fallback : cleaned;
}
