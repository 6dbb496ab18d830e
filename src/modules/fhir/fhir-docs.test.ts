import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapBundle } from './fhir-mapping';

// The example Bundle in docs/fhir.md is one the mapping takes as it stands.

const doc = readFileSync(new URL('../../../docs/fhir.md', import.meta.url), 'utf8');

describe('docs/fhir.md', () => {
  it('shows an example Bundle that maps without an issue, to a trajectory and its records', () => {
    const json = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(json).toBeDefined();
    const mapped = mapBundle(JSON.parse(json!));
    expect(mapped.issues).toEqual([]);
    expect(mapped.records.map((record) => record.record.type)).toEqual([
      'trajectory',
      'placement',
      'care_activity',
      'measurement',
      'measurement',
      'measurement',
    ]);
  });
});
