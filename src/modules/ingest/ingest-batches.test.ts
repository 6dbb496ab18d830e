import { describe, expect, it } from 'vitest';
import type { NdjsonLine } from '../../lib/ndjson';
import { type Entry, readBatches } from './ingest-batches';
import { IngestReportBuilder } from './ingest-report';

// Lines to batches: refused lines go to the report, valid records into batches of bounded size,
// and the same record twice never shares a batch.

const TODAY = '2025-06-30';
const measurement = (reference: string, value = 31) => ({
  type: 'measurement',
  reference,
  trajectoryReference: 'T-1',
  instrumentCode: 'trauma_symptoms',
  informant: 'youth',
  date: '2024-03-11',
  value,
});
const linesOf = (...items: Array<unknown | { tooLong: true }>): NdjsonLine[] =>
  items.map((item, index) =>
    item && typeof item === 'object' && 'tooLong' in item
      ? { line: index + 1, tooLong: true as const }
      : { line: index + 1, text: typeof item === 'string' ? item : JSON.stringify(item) },
  );

async function batchesOf(lines: NdjsonLine[], batchSize = 10) {
  const report = new IngestReportBuilder('r', 'per_record', false);
  const batches: Entry[][] = [];
  for await (const batch of readBatches(lines, { batchSize, today: TODAY }, report)) batches.push(batch);
  return { batches, report: report.finish('committed') };
}

const referencesIn = (batches: Entry[][]) => batches.map((batch) => batch.map((entry) => entry.record.reference));

describe('readBatches', () => {
  it('gathers valid records in order, in batches of at most batchSize', async () => {
    const { batches, report } = await batchesOf(linesOf(...['a', 'b', 'c', 'd', 'e'].map((reference) => measurement(reference))), 2);
    expect(referencesIn(batches)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(batches[1]![0]).toMatchObject({ line: 3, record: { reference: 'c' } });
    expect(report).toMatchObject({ lines: 5, rejections: [] });
  });

  it('ends a batch at the same record again, so the later one is written after the earlier', async () => {
    const { batches } = await batchesOf(linesOf(measurement('a', 1), measurement('b'), measurement('a', 2)));
    expect(referencesIn(batches)).toEqual([['a', 'b'], ['a']]);
    expect(batches[1]![0]!.record).toMatchObject({ value: 2 });
  });

  it('refuses a long line, a line that is not JSON and an invalid record, each on its line, and batches the rest', async () => {
    const { batches, report } = await batchesOf(
      linesOf({ tooLong: true }, '{"type":', { ...measurement('x'), value: 'high' }, measurement('ok')),
    );
    expect(referencesIn(batches)).toEqual([['ok']]);
    expect(report.lines).toBe(4);
    expect(report.rejections.map(({ line, errors }) => ({ line, code: errors[0]!.code, field: errors[0]!.field }))).toEqual([
      { line: 1, code: 'LINE_TOO_LONG', field: '' },
      { line: 2, code: 'INVALID_JSON', field: '' },
      { line: 3, code: 'INVALID_VALUE', field: 'value' },
    ]);
    expect(report.rejections[2]).toMatchObject({ type: 'measurement', reference: 'x' });
  });

  it('yields no batch for a stream without a valid record', async () => {
    const { batches, report } = await batchesOf(linesOf('not json'));
    expect(batches).toEqual([]);
    expect(report.counts.unknown.rejected).toBe(1);
  });
});
