// Builds the pages the service serves itself (GraphiQL, the research dashboard at /app) with esbuild into web/dist: everything
// bundled, nothing loaded from elsewhere. `npm run build:web`; the service builds them at start
// when they are missing. Written to a temporary folder first and renamed, so a page is never
// served half-built.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
export const WEB_DIST = path.join(root, 'dist');

export async function buildWeb({ quiet = false } = {}) {
  const esbuild = await import('esbuild');
  const temporary = path.join(root, `.dist-${process.pid}-${Date.now()}`);
  const result = await esbuild.build({
    entryPoints: { 'graphiql/main': path.join(root, 'graphiql/main.tsx'), 'app/main': path.join(root, 'app/main.tsx') },
    metafile: true,
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'esm',
    target: 'es2020',
    outdir: temporary,
    jsx: 'automatic',
    loader: { '.woff': 'file', '.woff2': 'file', '.svg': 'file', '.png': 'file' },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: quiet ? 'error' : 'info',
  });
  // The bundle sizes, for BENCHMARKS.md and for whoever wonders what a page costs to load.
  const sizes = Object.fromEntries(
    Object.entries(result.metafile.outputs).map(([file, output]) => [path.relative(temporary, file), output.bytes]),
  );
  fs.writeFileSync(path.join(temporary, 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
  fs.rmSync(WEB_DIST, { recursive: true, force: true });
  try {
    fs.renameSync(temporary, WEB_DIST);
  } catch (error) {
    // Another process built it at the same moment: its copy is as good as ours.
    fs.rmSync(temporary, { recursive: true, force: true });
    if (!fs.existsSync(WEB_DIST)) throw error;
  }
  return WEB_DIST;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  // Plain Node runs this file (no TypeScript): the same rule as src/cli/command-line.ts, inline.
  const [argument] = process.argv.slice(2);
  if (argument === '--help' || argument === '-h') {
    process.stdout.write(
      'Build the pages the service serves (GraphiQL, the dashboard at /app) into web/dist.\n\n  npm run build:web            build\n  npm run build:web -- --help  this text\n',
    );
    process.exit(0);
  }
  if (argument !== undefined) {
    process.stderr.write(`build:web: unexpected argument "${argument}": build:web takes no arguments (see --help)\n`);
    process.exit(64);
  }
  await buildWeb();
}
