import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { findAbove } from './find-above';

/**
 * Runs a worker module once with `input` and resolves with the one message it posts. From the
 * sources (tsx, the tests) the worker is TypeScript, loaded through tsx's loader registered in the
 * worker; from the bundle (npm run build) it is the compiled entry of the same name under
 * `dist/`. `source`: the worker's URL beside the caller (`new URL('./x.worker.ts', import.meta.url)`);
 * `built`: its path under the bundle's root, e.g. `modules/statistics/x.worker.js`. `signal`
 * stops the worker (the promise then rejects).
 */
export function runWorker<Input, Output>(
  callerUrl: string,
  source: URL,
  built: string,
  input: Input,
  signal?: AbortSignal,
): Promise<Output> {
  if (signal?.aborted) return Promise.reject(new Error('stopped before the worker started'));
  let worker: Worker;
  if (callerUrl.endsWith('.ts')) {
    const tsx = pathToFileURL(
      createRequire(callerUrl)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
    const bootstrap = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(source.href)});`;
    worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { workerData: input });
  } else {
    const [top, ...rest] = built.split('/');
    worker = new Worker(path.join(findAbove(callerUrl, top!, rest.join('/')), ...rest), { workerData: input });
  }
  return new Promise<Output>((resolve, reject) => {
    // Shutting down: the worker's work is dropped, not awaited.
    signal?.addEventListener('abort', () => void worker.terminate(), { once: true });
    worker.once('message', (output: Output) => {
      resolve(output);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the worker stopped (exit code ${code}) before it answered`)));
  });
}
