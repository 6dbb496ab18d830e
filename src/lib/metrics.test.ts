import { describe, expect, it } from 'vitest';
import { createMetrics, operationLabels } from './metrics';

describe('GraphQL operation labels', () => {
  it('keeps plain names, marks anonymous and invalid ones, and caps how many distinct names appear', () => {
    const label = operationLabels(2);
    expect(label(undefined)).toBe('anonymous');
    expect(label('sp1.T9qXHIei3DWlTzysXgGCDJTi5-IBhM9YUflNfmjcu00')).toBe('invalid');
    expect(label('x'.repeat(65))).toBe('invalid');
    expect(label('Page')).toBe('Page');
    expect(label('Comparison')).toBe('Comparison');
    expect(label('Third')).toBe('other');
    expect(label('Page')).toBe('Page');
  });

  it('withholds names that may identify someone, without using up the cap', () => {
    const label = operationLabels(1);
    expect(label('Bsn123456782')).toBe('withheld');
    expect(label('Phone0612345678')).toBe('withheld');
    expect(label('Page')).toBe('Page');
    expect(label('other')).toBe('other');
  });
});

describe('ingest counts', () => {
  it('counts a report by record type and status, leaving out zeros', async () => {
    const metrics = createMetrics();
    metrics.countIngestReport('bulk', {
      outcome: 'rolled_back',
      counts: {
        trajectory: { created: 2, updated: 0, unchanged: 1, rejected: 0 },
        measurement: { created: 0, updated: 0, unchanged: 0, rejected: 3 },
        unknown: { rejected: 1 },
      },
    });
    const values = (await metrics.ingestRecords.get()).values.map((value) => [
      value.labels.type,
      value.labels.status,
      value.labels.outcome,
      value.value,
    ]);
    expect(values).toEqual([
      ['trajectory', 'created', 'rolled_back', 2],
      ['trajectory', 'unchanged', 'rolled_back', 1],
      ['measurement', 'rejected', 'rolled_back', 3],
      ['unknown', 'rejected', 'rolled_back', 1],
    ]);
  });

  it('keeps one registry per application, so two applications never share or clash', async () => {
    const first = createMetrics();
    const second = createMetrics();
    first.auditEvents.inc({ outcome: 'success' });
    expect(await first.registry.getSingleMetricAsString('registry_audit_events_written_total')).toContain('outcome="success"} 1');
    expect(await second.registry.getSingleMetricAsString('registry_audit_events_written_total')).not.toContain('outcome="success"');
  });
});
