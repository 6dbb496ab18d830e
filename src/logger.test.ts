import { Writable } from 'node:stream';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ROOT_CONTEXT, context, trace, TraceFlags } from '@opentelemetry/api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logFormatOf, loggerOptions } from './logger';

/** A Pino logger with the service's options, writing JSON lines into an array. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')));
      done();
    },
  });
  return { logger: pino(loggerOptions('info'), stream), lines };
}

describe('log format', () => {
  it('is readable on a terminal in development, JSON otherwise or when asked', () => {
    expect(logFormatOf({ logFormat: 'auto', env: 'development' }, true)).toBe('pretty');
    expect(logFormatOf({ logFormat: 'auto', env: 'development' }, false)).toBe('json');
    expect(logFormatOf({ logFormat: 'auto', env: 'production' }, true)).toBe('json');
    expect(logFormatOf({ logFormat: 'pretty', env: 'production' }, false)).toBe('pretty');
    expect(logFormatOf({ logFormat: 'json', env: 'development' }, true)).toBe('json');
  });

  it('sends pretty output through pino-pretty and JSON straight out', () => {
    expect(loggerOptions('info', 'pretty').transport).toMatchObject({ target: 'pino-pretty' });
    expect(loggerOptions('info', 'json').transport).toBeUndefined();
  });
});

describe('trace ids in log lines', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => void context.setGlobalContextManager(manager.enable()));
  afterAll(() => {
    manager.disable();
    context.disable();
  });

  it('adds the active trace and span to every line written inside it, and nothing outside', async () => {
    const { logger, lines } = capture();
    const span = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    });
    await context.with(trace.setSpan(ROOT_CONTEXT, span), async () => {
      logger.info('inside');
      await new Promise((resolve) => setImmediate(resolve));
      logger.child({ reqId: 'r-1' }).warn('still inside, after an await, from a child logger');
    });
    logger.info('outside');
    expect(lines.map((line) => [line.msg, line.trace_id, line.span_id])).toEqual([
      ['inside', '0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331'],
      ['still inside, after an await, from a child logger', '0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331'],
      ['outside', undefined, undefined],
    ]);
  });

  it('still redacts credentials', () => {
    const { logger, lines } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer secret' } } }, 'request');
    expect(JSON.stringify(lines)).not.toContain('secret');
  });
});
