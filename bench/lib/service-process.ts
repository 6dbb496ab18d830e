import { startService } from './service';

// The service in a process of its own (Node 20, as the service runs), for comparisons with a peer
// that runs in its own process: in the bench process the service shares its one thread with the
// load generator (which parses every answer), a peer in a child process does not. Prints one line,
// {"port", "key", "researcherKey"} (an institution's key and a researcher's), then serves until
// SIGTERM. On SIGUSR2 it prints {"memory": …}: the peaks of its RSS, heap and external memory
// (sampled every 10 ms) since the previous SIGUSR2, and the values now, in bytes (bench:export).
//   tsx bench/lib/service-process.ts <databaseUrl> <poolMax> <institutionCode>

const [databaseUrl, poolMax, institutionCode] = process.argv.slice(2);
if (!databaseUrl || !poolMax || !institutionCode) {
  console.error('usage: tsx bench/lib/service-process.ts <databaseUrl> <poolMax> <institutionCode>');
  process.exit(64);
}
const service = await startService(databaseUrl, { poolMax: Number(poolMax) });
const key = await service.key('institution', institutionCode);
const researcherKey = await service.key('researcher');

const sample = () => {
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
};
let peak = sample();
setInterval(() => {
  const now = sample();
  for (const name of Object.keys(now) as Array<keyof typeof now>) peak[name] = Math.max(peak[name], now[name]);
}, 10).unref();
process.on('SIGUSR2', () => {
  const now = sample();
  console.log(JSON.stringify({ memory: { peak, now } }));
  peak = now;
});

console.log(JSON.stringify({ port: service.port, key, researcherKey }));
process.once('SIGTERM', () => {
  void service.close().then(() => process.exit(0));
});
