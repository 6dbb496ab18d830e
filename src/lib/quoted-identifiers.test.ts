import { describe, expect, it } from 'vitest';
import { WITHHELD_QUOTE, withoutQuotedIdentifiers } from './quoted-identifiers';

const FALLBACK = 'The query is not valid.';

describe('withoutQuotedIdentifiers', () => {
  it('replaces quoted parts that hold an identifier or a run of digits', () => {
    expect(withoutQuotedIdentifiers('Cannot query field "Bsn123456782" on type "Query".', FALLBACK)).toBe(
      `Cannot query field ${WITHHELD_QUOTE} on type "Query".`,
    );
    expect(withoutQuotedIdentifiers('Unknown argument "x1a2b3c4d5e6" on field "Query.apiVersion".', FALLBACK)).toBe(
      `Unknown argument ${WITHHELD_QUOTE} on field "Query.apiVersion".`,
    );
    expect(withoutQuotedIdentifiers('Variable "$id" got invalid value "١٢٣٤٥٦٧٨٢".', FALLBACK)).toBe(
      `Variable "$id" got invalid value ${WITHHELD_QUOTE}.`,
    );
  });

  it('replaces the whole message when an identifier is outside quotes', () => {
    expect(withoutQuotedIdentifiers('String cannot represent a non string value: 123456782', FALLBACK)).toBe(FALLBACK);
  });

  it('leaves messages without identifiers as they are', () => {
    const message = 'Cannot query field "trajectorie" on type "Query".';
    expect(withoutQuotedIdentifiers(message, FALLBACK)).toBe(message);
  });
});
