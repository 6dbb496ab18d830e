import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, Worker } from 'node:worker_threads';
import { findAbove } from './find-above';

// A worker module kept running between jobs, one job at a time. Starting a worker costs 0.4–1 s
// (its modules load again, HiGHS's WebAssembly compiles again; from the sources tsx transforms
// them too), which a statistics release paid every time; a kept worker pays it once per process.
// The worker is unref'd while idle, so it never keeps a process alive.

/** What a job's worker posts back: its output, or the message of the error it threw. */
type Reply<Output> = { output: Output } | { error: string };

/** The worker's side: answers every job posted to it with `work`'s result. */
export function serveJobs<Input, Output>(work: (input: Input) => Promise<Output>): void {
  parentPort!.on('message', (input: Input) => {
    work(input).then(
      (output) => parentPort!.postMessage({ output } satisfies Reply<Output>),
      (error: unknown) =>
        parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies Reply<Output>),
    );
  });
}

function startWorker(callerUrl: string, source: URL, built: string): Worker {
  if (callerUrl.endsWith('.ts')) {
    // From the sources (tsx, the tests) the worker is TypeScript, loaded through tsx's loader.
    const tsx = pathToFileURL(
      createRequire(callerUrl)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
    const bootstrap = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(source.href)});`;
    return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`));
  }
  // From the bundle (npm run build): the compiled entry of the same name under dist/.
  const [top, ...rest] = built.split('/');
  return new Worker(path.join(findAbove(callerUrl, top!, rest.join('/')), ...rest));
}

const runners = new Map<string, (input: unknown, signal?: AbortSignal) => Promise<unknown>>();

/**
 * The runner of a worker module (one per module in the process, shared by its callers): runs
 * `input` on it and resolves with its answer. `source`: the worker's URL beside the caller
 * (`new URL('./x.worker.ts', import.meta.url)`); `built`: its path under the bundle's root, e.g.
 * `modules/statistics/x.worker.js`. `signal` stops the job: the worker is ended (the promise
 * rejects) and the next job starts a new one.
 */
export function workerRunner<Input, Output>(
  callerUrl: string,
  source: URL,
  built: string,
): (input: Input, signal?: AbortSignal) => Promise<Output> {
  const existing = runners.get(source.href);
  if (existing) return existing as (input: Input, signal?: AbortSignal) => Promise<Output>;
  let worker: Worker | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const runOne = (input: Input, signal?: AbortSignal) =>
    new Promise<Output>((resolve, reject) => {
      if (signal?.aborted) return reject(new Error('stopped before the worker started'));
      const current = worker ?? startWorker(callerUrl, source, built);
      worker = current;
      current.ref();
      const end = (settle: () => void, keep: boolean) => {
        current.off('message', onMessage).off('error', onError).off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
        if (keep) current.unref();
        else {
          if (worker === current) worker = undefined;
          void current.terminate();
        }
        settle();
      };
      const onMessage = (reply: Reply<Output>) =>
        'output' in reply ? end(() => resolve(reply.output), true) : end(() => reject(new Error(reply.error)), true);
      const onError = (error: Error) => end(() => reject(error), false);
      const onExit = (code: number) => end(() => reject(new Error(`the worker stopped (exit code ${code}) before it answered`)), false);
      // Shutting down: the job is dropped, not awaited.
      const onAbort = () => end(() => reject(new Error('stopped')), false);
      current.on('message', onMessage).on('error', onError).on('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      current.postMessage(input);
    });

  const run = (input: Input, signal?: AbortSignal): Promise<Output> => {
    const job = queue.then(() => runOne(input, signal));
    queue = job.catch(() => undefined);
    return job;
  };
  runners.set(source.href, run as (input: unknown, signal?: AbortSignal) => Promise<unknown>);
  return run;
}
