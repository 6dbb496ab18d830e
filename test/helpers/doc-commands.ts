import fs from 'node:fs';

// The shell commands the documentation shows, taken apart so a test can check each names what
// exists: an npm script in package.json, a file, a tool that answers --help with the options
// shown, an API path in the OpenAPI document. Pure: the test runs the tools.

/** The documents a newcomer or an operator follows. */
export function documentationFiles(): string[] {
  const docs = fs
    .readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', 'examples/README.md', 'BENCHMARKS.md', ...docs];
}

/** Every `npm run NAME` (and `npm start`/`npm test`) anywhere in the text, prose included. */
export function npmScriptsNamed(markdown: string): string[] {
  const named = [...markdown.matchAll(/\bnpm run (?:-s )?([a-z][\w:-]*[\w])/g)].map((match) => match[1]!);
  const builtins = [...markdown.matchAll(/\bnpm (start|test)\b/g)].map((match) => match[1]!);
  return [...new Set([...named, ...builtins])];
}

/** The text of each fenced block marked bash, sh or shell. */
export function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^ *```(?:bash|sh|shell)\n([\s\S]*?)^ *```/gm)].map((match) => match[1]!);
}

/**
 * Splits at newlines, `&&`, `||`, `;` and `|` outside quotes (a quoted JSON body spans lines);
 * drops comments; `$(…)` comes out as commands of its own.
 */
function splitCommands(line: string): string[] {
  const commands: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index]!;
    if (quote) {
      if (char === quote) quote = null;
      else if (quote === '"' && char === '$' && line[index + 1] === '(') {
        const end = closingParenthesis(line, index + 1);
        commands.push(...splitCommands(line.slice(index + 2, end)));
        current += '$SUBSTITUTION';
        index = end;
        continue;
      }
      current += char;
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
      current += char;
    } else if (char === '$' && line[index + 1] === '(') {
      const end = closingParenthesis(line, index + 1);
      commands.push(...splitCommands(line.slice(index + 2, end)));
      current += '$SUBSTITUTION';
      index = end;
    } else if (char === '#' && (current === '' || /\s$/.test(current))) {
      const newline = line.indexOf('\n', index);
      index = (newline < 0 ? line.length : newline) - 1;
    } else if (char === '\n' || char === ';' || char === '|' || (char === '&' && line[index + 1] === '&')) {
      if (line[index + 1] === char) index += 1;
      commands.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  return [...commands, current].map((command) => command.trim()).filter(Boolean);
}

function closingParenthesis(line: string, open: number): number {
  let depth = 0;
  for (let index = open; index < line.length; index += 1) {
    if (line[index] === '(') depth += 1;
    if (line[index] === ')' && --depth === 0) return index;
  }
  return line.length;
}

/** The commands of a shell block: continuations joined, comments dropped, `$(…)` taken out. */
export function commandsIn(block: string): string[] {
  return splitCommands(block.replace(/\\\n\s*/g, ' '));
}

/** Shell words, quotes removed (enough for the commands the documentation shows). */
export function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3]!);
}

export type DocCommand =
  | { kind: 'npm-script'; script: string; args: string[] }
  | { kind: 'npm'; subcommand: string }
  | { kind: 'tsx-file'; file: string; args: string[] }
  | { kind: 'built-tool'; file: string; args: string[] }
  | { kind: 'http'; method: string; path: string }
  | { kind: 'program'; program: string };

/** What a command runs, past its environment assignments (`A=1 B=2 npm start`, `export A=…`). */
export function classify(command: string): DocCommand {
  const all = words(command);
  let start = 0;
  while (start < all.length && /^[A-Z_][A-Z0-9_]*=/.test(all[start]!)) start += 1;
  const [program = 'export', ...args] = all.slice(start);
  if (program === 'npm' && args[0] === 'run') {
    const rest = args.slice(1).filter((word) => word !== '-s');
    const separator = rest.indexOf('--');
    return { kind: 'npm-script', script: rest[0]!, args: separator < 0 ? [] : rest.slice(separator + 1) };
  }
  // `npm start` and `npm test` run the scripts of those names.
  if (program === 'npm' && (args[0] === 'start' || args[0] === 'test')) {
    const separator = args.indexOf('--');
    return { kind: 'npm-script', script: args[0], args: separator < 0 ? [] : args.slice(separator + 1) };
  }
  if (program === 'npm') return { kind: 'npm', subcommand: args[0] ?? '' };
  if (program === 'npx' && args[0] === 'tsx') return { kind: 'tsx-file', file: args[1]!, args: args.slice(2) };
  if (program === 'node' && args[0]?.startsWith('dist/')) return { kind: 'built-tool', file: args[0], args: args.slice(1) };
  if (program === 'curl') {
    const url = args.find((word) => /^https?:\/\//.test(word));
    const method =
      args[args.indexOf('-X') + 1] && args.includes('-X')
        ? args[args.indexOf('-X') + 1]!
        : args.includes('-d') || args.includes('--data')
          ? 'POST'
          : 'GET';
    return { kind: 'http', method, path: url ? new URL(url).pathname : '' };
  }
  return { kind: 'program', program };
}

/** Options a command shows (`--name`, `[--expires …]`), to be found in the tool's --help. */
export function optionsShown(args: string[]): string[] {
  return args
    .flatMap((word) => [...word.matchAll(/^\[?(--[a-z][\w-]*)/g)].map((match) => match[1]!))
    .filter((option) => option !== '--help');
}

/** Whether an OpenAPI path template (`/api/v1/trajectories/{reference}`) matches a concrete path. */
export function matchesTemplate(template: string, path: string): boolean {
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}|\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${pattern}$`).test(path);
}

/** The targets of Markdown links to files (not web addresses or anchors), without their #fragment. */
export function fileLinksIn(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^(https?:|mailto:|#)/.test(target))
    .map((target) => target.replace(/#.*$/, ''));
}

/** The purpose of use a command sends (the X-Purpose-Of-Use header, or an example client's argument). */
export function purposesSent(command: string, purposeArgument: Record<string, number>): string[] {
  const all = words(command);
  const headers = all.filter((word) => /^x-purpose-of-use:/i.test(word)).map((word) => word.replace(/^x-purpose-of-use:\s*/i, ''));
  const what = classify(command);
  const position = what.kind === 'tsx-file' ? purposeArgument[what.file] : undefined;
  const argument = what.kind === 'tsx-file' && position !== undefined ? what.args[position] : undefined;
  return [...headers, ...(argument === undefined ? [] : [argument])];
}
