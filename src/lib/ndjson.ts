import type { Hash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { AppError } from './errors';

// Splits a byte stream into NDJSON lines without holding more than one line (and one chunk) in
// memory. Blank lines are skipped but counted, so line numbers match the client's file.

export type NdjsonLine = { line: number; text: string } | { line: number; tooLong: true };

export interface NdjsonLimits {
  maxBytes: number;
  maxLineBytes: number;
  /** Fed every byte, for the idempotency check's request hash. */
  hash?: Hash;
}

export async function* readNdjsonLines(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  limits: NdjsonLimits,
): AsyncGenerator<NdjsonLine> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let skipping = false; // Inside a line already reported as too long.
  let total = 0;
  let line = 0;

  const emit = function* (text: string): Generator<NdjsonLine> {
    line += 1;
    if (skipping) {
      skipping = false;
      yield { line, tooLong: true };
      return;
    }
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (trimmed.trim() === '') return;
    if (trimmed.length > limits.maxLineBytes) {
      yield { line, tooLong: true };
      return;
    }
    yield { line, text: trimmed };
  };

  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += bytes.length;
    if (total > limits.maxBytes) {
      throw new AppError('PAYLOAD_TOO_LARGE', `The stream is larger than the ${limits.maxBytes} bytes this endpoint accepts; split it.`);
    }
    limits.hash?.update(bytes);
    pending += decoder.write(bytes);
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      yield* emit(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
    if (pending.length > limits.maxLineBytes) {
      skipping = true;
      pending = '';
    }
  }
  pending += decoder.end();
  if (pending !== '' || skipping) yield* emit(pending);
}
