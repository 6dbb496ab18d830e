import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readNdjsonLines } from './ndjson';

async function collect(chunks: Array<string | Buffer>, maxLineBytes = 100, maxBytes = 10_000) {
  const lines = [];
  for await (const line of readNdjsonLines(chunks, { maxBytes, maxLineBytes })) lines.push(line);
  return lines;
}

describe('readNdjsonLines', () => {
  it('splits lines across chunk boundaries, numbering blank lines too', async () => {
    expect(await collect(['{"a":', '1}\n\n{"b"', ':2}\r\n', '{"c":3}'])).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 3, text: '{"b":2}' },
      { line: 4, text: '{"c":3}' },
    ]);
  });

  it('keeps multi-byte characters split between chunks intact', async () => {
    const bytes = Buffer.from('{"x":"é"}\n');
    expect(await collect([bytes.subarray(0, 7), bytes.subarray(7)])).toEqual([{ line: 1, text: '{"x":"é"}' }]);
  });

  it('reports an over-long line by number and goes on', async () => {
    const lines = await collect(['{"a":1}\n', 'x'.repeat(150), 'y'.repeat(50), '\n{"b":2}\n'], 100);
    expect(lines).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, tooLong: true },
      { line: 3, text: '{"b":2}' },
    ]);
  });

  it('refuses a stream over the byte limit', async () => {
    await expect(collect(['x'.repeat(60), 'y'.repeat(60)], 1000, 100)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('feeds every byte to the hash', async () => {
    const hash = createHash('sha256');
    for await (const _ of readNdjsonLines(['{"a":1}\n', '{"b":2}'], { maxBytes: 1000, maxLineBytes: 100, hash })) void _;
    expect(hash.digest('hex')).toBe(createHash('sha256').update('{"a":1}\n{"b":2}').digest('hex'));
  });
});
