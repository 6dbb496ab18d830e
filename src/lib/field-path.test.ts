import { describe, expect, it } from 'vitest';
import { formatFieldPath, pointerSegments } from './field-path';

describe('field paths', () => {
  it('renders array indexes in brackets and keys with dots', () => {
    expect(formatFieldPath(['records', 3, 'startDate'], 'body')).toBe('body.records[3].startDate');
    expect(formatFieldPath(pointerSegments('/records/0/subject/gender'))).toBe('records[0].subject.gender');
    expect(formatFieldPath([], 'querystring')).toBe('querystring');
  });

  it('does not repeat keys that are not plain names', () => {
    expect(formatFieldPath(['\u0000', 'ok'], 'body')).toBe('body.[unprintable key].ok');
    expect(formatFieldPath(['a b'])).toBe('[unprintable key]');
  });

  it('unescapes JSON pointer segments', () => {
    expect(pointerSegments('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
  });
});
