import { describe, expect, it } from 'vitest';
import { acceptableRequestId, parsePurposeOfUse, safeUserAgent, USER_AGENT_MAX_LENGTH, USER_AGENT_WITHHELD } from './request-metadata';

describe('purpose of use', () => {
  it('accepts a purpose from the vocabulary, with or without a reference code', () => {
    expect(parsePurposeOfUse('scientific_research')).toEqual({ ok: true, purpose: 'scientific_research' });
    expect(parsePurposeOfUse(' scientific_research:METC-2024-017 ')).toEqual({ ok: true, purpose: 'scientific_research:METC-2024-017' });
    expect(parsePurposeOfUse(undefined)).toEqual({ ok: true, purpose: null });
    expect(parsePurposeOfUse('  ')).toEqual({ ok: true, purpose: null });
  });

  it('refuses free text, unknown purposes and prototype names', () => {
    for (const header of [
      'care review',
      'research',
      'SCIENTIFIC_RESEARCH',
      'constructor',
      'toString',
      'system_test:',
      'system_test:a b',
      `system_test:${'x'.repeat(41)}`,
    ]) {
      expect(parsePurposeOfUse(header)).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    }
  });

  it('refuses a reference code that identifies someone, without repeating it', () => {
    for (const reference of ['111222333', '123-45-6782', '06-12345678', '2008-04-19']) {
      const parsed = parsePurposeOfUse(`scientific_research:${reference}`);
      expect(parsed).toMatchObject({ ok: false, code: 'PII_DETECTED' });
      expect(JSON.stringify(parsed)).not.toContain(reference);
    }
    // An e-mail address cannot even be written in the reference syntax.
    expect(parsePurposeOfUse('system_test:anna@example.nl')).toMatchObject({ ok: false });
  });
});

describe('user agent', () => {
  it('keeps an ordinary one, cut to a safe length and without control characters', () => {
    expect(safeUserAgent('ehr-connector/2.1')).toBe('ehr-connector/2.1');
    expect(safeUserAgent(`agent/${'x'.repeat(1000)}`)).toHaveLength(USER_AGENT_MAX_LENGTH);
    expect(safeUserAgent('a\u0000b\nc')).toBe('abc');
    expect(safeUserAgent(undefined)).toBeNull();
  });

  it('withholds one that holds identifying data, wherever it sits', () => {
    expect(safeUserAgent('connector (contact anna@example.nl)')).toBe(USER_AGENT_WITHHELD);
    expect(safeUserAgent('bsn 111222333')).toBe(USER_AGENT_WITHHELD);
    // Beyond the cut: still withheld, not kept as a harmless-looking prefix.
    expect(safeUserAgent(`${'x'.repeat(USER_AGENT_MAX_LENGTH - 4)} 111222333`)).toBe(USER_AGENT_WITHHELD);
  });
});

describe('request id', () => {
  it('keeps a plain token, never one that identifies someone', () => {
    expect(acceptableRequestId('batch-42-abcdef')).toBe(true);
    expect(acceptableRequestId('111222333')).toBe(false);
    expect(acceptableRequestId('short')).toBe(false);
    expect(acceptableRequestId(['a', 'b'])).toBe(false);
  });
});
