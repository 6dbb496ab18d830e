import { startService } from './service';

// The service in a process of its own (Node 20, as the service runs), for comparisons with a peer
// that runs in its own process: in the bench process the service shares its one thread with the
// load generator (which parses every answer), a peer in a child process does not. Prints one line,
// {"port", "key"} (an institution's key), then serves until SIGTERM.
//   tsx bench/lib/service-process.ts <databaseUrl> <poolMax> <institutionCode>

const [databaseUrl, poolMax, institutionCode] = process.argv.slice(2);
if (!databaseUrl || !poolMax || !institutionCode) {
  console.error('usage: tsx bench/lib/service-process.ts <databaseUrl> <poolMax> <institutionCode>');
  process.exit(64);
}
const service = await startService(databaseUrl, { poolMax: Number(poolMax) });
const key = await service.key('institution', institutionCode);
console.log(JSON.stringify({ port: service.port, key }));
process.once('SIGTERM', () => {
  void service.close().then(() => process.exit(0));
});
