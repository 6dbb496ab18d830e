import http from 'node:http';
import os from 'node:os';

// A small closed-loop load driver shared by the benchmarks: `concurrency` workers each send the
// next request as soon as the previous one answers, for a fixed time; latencies are kept whole
// so percentiles are exact.

export interface LoadResult {
  name: string;
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

export async function closedLoop(
  name: string,
  options: {
    concurrency: number;
    durationMs: number /** Stops early when it returns true (checked before each request). */;
    until?: () => boolean;
  },
  send: (sequence: number) => Promise<boolean>,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let requests = 0;
  let sequence = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const worker = async () => {
    while (performance.now() < deadline && !options.until?.()) {
      const sent = performance.now();
      const ok = await send(sequence++).catch(() => false);
      requests += 1;
      // Failures are counted, not timed: a fast 429 or 503 would flatter the percentiles.
      if (ok) latenciesMs.push(performance.now() - sent);
      else errors += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { name, requests, errors, seconds: (performance.now() - started) / 1000, latenciesMs };
}

/** Pools several rounds of the same variant (alternating rounds even out a noisy machine). */
export function pooled(name: string, rounds: LoadResult[]): LoadResult {
  return {
    name,
    requests: rounds.reduce((sum, round) => sum + round.requests, 0),
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    seconds: rounds.reduce((sum, round) => sum + round.seconds, 0),
    latenciesMs: rounds.flatMap((round) => round.latenciesMs),
  };
}

export function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

export function summary(result: LoadResult) {
  return {
    variant: result.name,
    requests: result.requests,
    errors: result.errors,
    rps: result.requests / result.seconds,
    p50: percentile(result.latenciesMs, 0.5),
    p99: percentile(result.latenciesMs, 0.99),
  };
}

/** Prints results as a Markdown table (paste into BENCHMARKS.md). */
export function printTable(results: LoadResult[]): void {
  console.log('| variant | requests | errors | req/s | p50 ms | p99 ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const row of results.map(summary)) {
    console.log(
      `| ${row.variant} | ${row.requests.toLocaleString('en')} | ${row.errors} | ${row.rps.toFixed(1)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} |`,
    );
  }
}

export function machineLine(): string {
  return `machine: ${os.cpus()[0]?.model} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${new Date().toISOString()}`;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request over a keep-alive connection; resolves with status and body. */
export function request(
  port: number,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { host: '127.0.0.1', port, agent, method: options.method, path: options.path, headers: options.headers },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

export interface MixKind {
  name: string;
  /** Relative share of the requests sent. */
  weight: number;
  send: (sequence: number) => Promise<boolean>;
}

/**
 * A fixed mix under one closed loop: `concurrency` workers share the kinds, and request n is of
 * the kind at n in a schedule that holds each kind `weight` times, interleaved, so the mix sent
 * is exact whatever each kind's latency. Returns one result per kind and the overall one (whose
 * seconds are the wall time, as the kinds ran at once).
 */
export async function mixedLoop(
  kinds: MixKind[],
  options: { concurrency: number; durationMs: number },
): Promise<{ kinds: LoadResult[]; overall: LoadResult }> {
  const schedule: number[] = [];
  const total = kinds.reduce((sum, kind) => sum + kind.weight, 0);
  // Smooth weighted round robin: each kind appears `weight` times, spread over the cycle.
  const credit = kinds.map(() => 0);
  for (let slot = 0; slot < total; slot += 1) {
    kinds.forEach((kind, index) => {
      credit[index]! += kind.weight;
    });
    const next = credit.indexOf(Math.max(...credit));
    credit[next]! -= total;
    schedule.push(next);
  }
  const results: LoadResult[] = kinds.map((kind) => ({ name: kind.name, requests: 0, errors: 0, seconds: 0, latenciesMs: [] }));
  const perKind = kinds.map(() => 0);
  const overall = await closedLoop('overall', options, async (sequence) => {
    const index = schedule[sequence % schedule.length]!;
    const sent = performance.now();
    const ok = await kinds[index]!.send(perKind[index]!++).catch(() => false);
    results[index]!.requests += 1;
    if (ok) results[index]!.latenciesMs.push(performance.now() - sent);
    else results[index]!.errors += 1;
    return ok;
  });
  for (const result of results) {
    result.seconds = overall.seconds;
  }
  return { kinds: results, overall };
}
