import { describe, expect, it } from 'vitest';
import { negotiate } from './content-negotiation';

const OFFERED = ['application/json', 'text/csv'] as const;

describe('negotiate', () => {
  it('answers in the first offered type without an Accept header or with */*', () => {
    expect(negotiate(undefined, OFFERED)).toBe('application/json');
    expect(negotiate('', OFFERED)).toBe('application/json');
    expect(negotiate('*/*', OFFERED)).toBe('application/json');
  });

  it('follows the client’s preference and its weights', () => {
    expect(negotiate('text/csv', OFFERED)).toBe('text/csv');
    expect(negotiate('text/*', OFFERED)).toBe('text/csv');
    expect(negotiate('application/json;q=0.5, text/csv', OFFERED)).toBe('text/csv');
    expect(negotiate('text/csv;q=0, */*', OFFERED)).toBe('application/json');
    expect(negotiate('TEXT/CSV; charset=utf-8', OFFERED)).toBe('text/csv');
  });

  it('finds none when the header allows none of the offered types', () => {
    expect(negotiate('application/xml', OFFERED)).toBeUndefined();
    expect(negotiate('text/html, application/xml;q=0.9', OFFERED)).toBeUndefined();
    expect(negotiate('*/*;q=0', OFFERED)).toBeUndefined();
    expect(negotiate('garbage', OFFERED)).toBeUndefined();
  });
});
