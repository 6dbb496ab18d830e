import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parsePurposeOfUse } from '../src/lib/request-metadata';
import {
  classify,
  commandsIn,
  type DocCommand,
  documentationFiles,
  fileLinksIn,
  matchesTemplate,
  npmScriptsNamed,
  optionsShown,
  purposesSent,
  shellBlocks,
  words,
} from './helpers/doc-commands';

// Every command the documentation shows (README.md, docs/*.md, examples/README.md,
// BENCHMARKS.md) names what exists: each `npm run X` a script in package.json; each tool shown
// in a shell block answers --help and knows the options shown with it; each file it names is in
// the repository; each request's path is in the OpenAPI document. What cannot run here is listed
// below with the reason. .ci/newcomer-check runs README.md's first commands literally.

const run = promisify(execFile);
const packageJson = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
const scripts = new Set(Object.keys(packageJson.scripts));
const openapi = JSON.parse(fs.readFileSync('openapi.json', 'utf8')) as { paths: Record<string, Record<string, unknown>> };

/** npm scripts shown but not run with --help here, and why. */
const NOT_RUN: Record<string, string> = {
  'start:built': 'starts the built service; .ci/build-check runs it',
  test: 'the test suite itself',
  build: 'writes dist/; .ci/build-check runs it and the built tools',
};

/** Programs other than the project's own, and why they are not run here. */
const PROGRAMS: Record<string, string> = {
  export: 'sets the environment (or a variable) for the commands after it',
  cat: 'prints a file npm start writes (data/demo-api-keys.json)',
  node: 'node -p reads the demo keys npm start writes; node dist/… is checked as a built tool',
  openssl: 'the operating system’s, to make a random key',
  unzip: 'the operating system’s, to unpack a downloaded release',
  psql: 'PostgreSQL’s client; the roles script it runs (src/db/database-roles.sql) is run by CI and test/database-roles.test.ts',
  '…': 'an elided command (the line before shows the whole form)',
};

/** Example clients whose argument at this position is the purpose of use they send. */
const PURPOSE_ARGUMENT: Record<string, number> = { 'examples/graphql-client/research-page.ts': 2 };

/** Routes outside the OpenAPI document: GraphQL, and FHIR's Bundle endpoint. */
const UNDOCUMENTED_PATHS = ['/graphql'];

interface Shown {
  file: string;
  command: string;
  what: DocCommand;
}

function commandsShown(files: Record<string, string>): Shown[] {
  return Object.entries(files).flatMap(([file, text]) =>
    shellBlocks(text).flatMap((block) => commandsIn(block).map((command) => ({ file, command, what: classify(command) }))),
  );
}

/** The problems a check finds without running anything: unknown scripts, programs, files and paths. */
function problemsIn(files: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    for (const script of npmScriptsNamed(text)) {
      if (!scripts.has(script)) problems.push(`${file}: npm run ${script}: no such script in package.json`);
    }
    for (const target of fileLinksIn(text)) {
      const resolved = path.relative(process.cwd(), path.resolve(path.dirname(file), target));
      if (resolved.startsWith('..') || path.isAbsolute(resolved)) problems.push(`${file}: link to ${target} leaves the repository`);
      else if (!fs.existsSync(resolved)) problems.push(`${file}: link to ${target}: no such file`);
    }
  }
  for (const { file, command, what } of commandsShown(files)) {
    for (const purpose of purposesSent(command, PURPOSE_ARGUMENT)) {
      if (!parsePurposeOfUse(purpose).ok) problems.push(`${file}: ${command}: the service refuses the purpose ${purpose}`);
    }
    for (const word of words(command).map((word) => word.replace(/^@/, ''))) {
      if (/^(src|examples|docs|test|scripts|bench|migrations)\/[\w./-]+$/.test(word) && !fs.existsSync(word)) {
        problems.push(`${file}: ${command}: no file ${word}`);
      }
    }
    if (what.kind === 'npm' && !['install', 'ci'].includes(what.subcommand)) {
      problems.push(`${file}: npm ${what.subcommand}: not an npm command the check knows`);
    }
    if (what.kind === 'built-tool') {
      const source = what.file.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
      if (!packageJson.scripts.build?.includes(source)) problems.push(`${file}: ${command}: npm run build does not bundle ${source}`);
    }
    if (what.kind === 'http') {
      const known =
        UNDOCUMENTED_PATHS.includes(what.path) ||
        Object.entries(openapi.paths).some(
          ([template, operations]) => matchesTemplate(template, what.path) && what.method.toLowerCase() in operations,
        );
      if (!known) problems.push(`${file}: ${command}: ${what.method} ${what.path} is not in openapi.json`);
    }
    if (what.kind === 'program' && !(what.program in PROGRAMS)) {
      problems.push(`${file}: ${command}: ${what.program} is neither the project's nor listed with a reason`);
    }
  }
  return problems;
}

interface HelpRequest {
  argv: string[];
  /** Variables the npm script sets before its command. */
  env: Record<string, string>;
  options: Set<string>;
  where: string;
}

const SCRIPTS = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
/** A TypeScript file run in one Node process with tsx's loader, as `node --import tsx` (the start script) runs it. */
const tsxArgv = (file: string, args: string[] = []) => [process.execPath, '--import', 'tsx', file, ...args, '--help'];

/**
 * An npm script that runs one TypeScript file (`[VAR=value …] tsx file …`), as its command in one
 * process: through npm and tsx's command line it was three Node processes per --help, most of
 * this file's time. Any other script runs through npm.
 */
function scriptArgv(script: string): Pick<HelpRequest, 'argv' | 'env'> {
  const match = /^((?:[A-Z_]+=\S+\s+)*)(?:tsx|node --import tsx)\s+(\S+\.ts)((?:\s+\S+)*)$/.exec(SCRIPTS[script] ?? '');
  if (!match) return { argv: ['npm', 'run', '-s', script, '--', '--help'], env: {} };
  const words = (text: string) => text.trim().split(/\s+/).filter(Boolean);
  const env = Object.fromEntries(words(match[1]!).map((pair) => pair.split('=') as [string, string]));
  return { argv: tsxArgv(match[2]!, words(match[3]!)), env };
}

/** How to ask each tool shown for its --help, with the options shown with it. */
function helpRequests(shown: Shown[]): Map<string, HelpRequest> {
  const requests = new Map<string, HelpRequest>();
  const add = (key: string, { argv, env }: Pick<HelpRequest, 'argv' | 'env'>, options: string[], where: string) => {
    const request = requests.get(key) ?? { argv, env, options: new Set<string>(), where };
    for (const option of options) request.options.add(option);
    requests.set(key, request);
  };
  for (const { file, command, what } of shown) {
    if (what.kind === 'npm-script' && !(what.script in NOT_RUN)) {
      add(`npm run ${what.script}`, scriptArgv(what.script), optionsShown(what.args), `${file}: ${command}`);
    }
    if (what.kind === 'tsx-file') add(what.file, { argv: tsxArgv(what.file), env: {} }, optionsShown(what.args), `${file}: ${command}`);
    if (what.kind === 'built-tool') {
      const source = what.file.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
      add(source, { argv: tsxArgv(source), env: {} }, optionsShown(what.args), `${file}: ${command}`);
    }
  }
  return requests;
}

const documentation = Object.fromEntries(documentationFiles().map((file) => [file, fs.readFileSync(file, 'utf8')]));

describe('the commands in the documentation', () => {
  it('name scripts, files, links, programs, API paths and purposes that exist and are accepted', () => {
    expect(commandsShown(documentation).length).toBeGreaterThan(20);
    expect(problemsIn(documentation)).toEqual([]);
  });

  it('catch a missing script, program, file or link, a link out of the repository, an undocumented path and a refused purpose (control)', () => {
    const fake = {
      'FAKE.md': [
        'Run `npm run no-such-script` first.',
        '```sh',
        'npm run keys -- list',
        'npm run lint:everything',
        'frobnicate --all',
        'npx tsx examples/no-such-client.ts',
        'curl -H "Authorization: Bearer $KEY" http://127.0.0.1:3000/api/v1/no-such-route',
        'npx tsx examples/graphql-client/research-page.ts http://127.0.0.1:3000 "$KEY" "reading for fun"',
        '```',
        'See [the operations guide](docs/operations.md#roles), [a file](docs/no-such-file.md) and [a secret](../shared/domain.md).',
      ].join('\n'),
    };
    expect(problemsIn(fake)).toEqual([
      'FAKE.md: npm run no-such-script: no such script in package.json',
      'FAKE.md: npm run lint:everything: no such script in package.json',
      'FAKE.md: link to docs/no-such-file.md: no such file',
      'FAKE.md: link to ../shared/domain.md leaves the repository',
      "FAKE.md: frobnicate --all: frobnicate is neither the project's nor listed with a reason",
      'FAKE.md: npx tsx examples/no-such-client.ts: no file examples/no-such-client.ts',
      'FAKE.md: curl -H "Authorization: Bearer $KEY" http://127.0.0.1:3000/api/v1/no-such-route: GET /api/v1/no-such-route is not in openapi.json',
      'FAKE.md: npx tsx examples/graphql-client/research-page.ts http://127.0.0.1:3000 "$KEY" "reading for fun": the service refuses the purpose reading for fun',
    ]);
  });

  it('each tool shown answers --help, naming the options shown with it', { timeout: 180_000 }, async () => {
    // The GraphQL example imports its generated operations (build output, not committed): made
    // here when missing, as examples/README.md says, so the test passes on a fresh clone alone.
    if (!fs.existsSync('examples/graphql-client/operations.generated.ts')) await run('npm', ['run', '-s', 'examples:generate']);
    const requests = [...helpRequests(commandsShown(documentation)).values()];
    expect(requests.find((request) => request.where.includes('npm run keys'))?.argv).toContain('src/cli/keys.ts');
    expect(await helpFailures(requests)).toEqual([]);
  });

  it('catch an option the tool does not know and a tool without --help (control)', { timeout: 60_000 }, async () => {
    const fake = { 'FAKE.md': ['```sh', 'npm run keys -- list --no-such-option', 'npx tsx src/no-such-tool.ts', '```'].join('\n') };
    const failures = await helpFailures([...helpRequests(commandsShown(fake)).values()]);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toBe('FAKE.md: npm run keys -- list --no-such-option: --help does not mention --no-such-option');
    expect(failures[1]).toMatch(/^FAKE\.md: npx tsx src\/no-such-tool\.ts: .* src\/no-such-tool\.ts --help failed/);
  });
});

/** Runs each request, two at a time (each starts a TypeScript process), and names what failed. */
async function helpFailures(requests: HelpRequest[]): Promise<string[]> {
  const failures: string[] = [];
  for (let index = 0; index < requests.length; index += 2) {
    const done = await Promise.all(
      requests.slice(index, index + 2).map(async ({ argv, env, options, where }) => {
        const [program, ...args] = argv as [string, ...string[]];
        try {
          const { stdout } = await run(program, args, { timeout: 30_000, env: { ...process.env, ...env } });
          return [...options].filter((option) => !stdout.includes(option)).map((option) => `${where}: --help does not mention ${option}`);
        } catch (error) {
          return [`${where}: ${argv.join(' ')} failed: ${(error as Error).message.split('\n')[0]}`];
        }
      }),
    );
    failures.push(...done.flat());
  }
  return failures;
}
