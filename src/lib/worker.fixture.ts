import { threadId } from 'node:worker_threads';
import { serveJobs } from './worker';

// The worker of worker.test.ts: answers with its thread id, throws or never answers when told to.
serveJobs<string, number>(async (job) => {
  if (job === 'throw') throw new Error('told to throw');
  if (job === 'hang') await new Promise(() => undefined);
  return threadId;
});
