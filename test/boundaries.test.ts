import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The boundary checks of biome.jsonc (npm run lint:boundaries, in CI) can fail: each planted
// violation below is reported, and its allowed counterpart is not. They run on a copy of the
// configuration beside planted files, never on the working tree.

const root = path.resolve(import.meta.dirname, '..');
const biome = path.join(root, 'node_modules', '.bin', 'biome');
let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'boundaries-'));
  fs.copyFileSync(path.join(root, 'biome.jsonc'), path.join(scratch, 'biome.jsonc'));
  fs.cpSync(path.join(root, 'biome'), path.join(scratch, 'biome'), { recursive: true });
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Lints one planted file with the boundary checks; the rules it broke. */
async function violations(file: string, source: string): Promise<string[]> {
  const target = path.join(scratch, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, source);
  try {
    const result = await promisify(execFile)(
      biome,
      ['lint', '--vcs-enabled=false', '--only=style/noRestrictedImports', '--only=plugin', '--reporter=json', file],
      { cwd: scratch },
    );
    return rulesIn(result.stdout);
  } catch (error) {
    return rulesIn((error as { stdout: string }).stdout);
  } finally {
    fs.rmSync(target);
  }
}

const rulesIn = (output: string): string[] =>
  (JSON.parse(output) as { diagnostics: Array<{ category: string }> }).diagnostics.map((diagnostic) => diagnostic.category);

describe('boundary checks', () => {
  it('refuse SQL outside a repository: a query call, a table, a query builder, the sql tag', async () => {
    const query = "export const read = (c: { query(s: string): Promise<unknown> }) => c.query('select 1');\n";
    expect(await violations('src/modules/records/records.service.ts', query)).toEqual(['plugin']);
    expect(await violations('src/modules/records/records.repository.ts', query)).toEqual([]);
    expect(await violations('src/db/anything.ts', query)).toEqual([]);

    const table = "import { trajectories } from '../../db/schema';\nexport const t = trajectories;\n";
    expect(await violations('src/modules/erasure/erasure.service.ts', table)).toEqual(['lint/style/noRestrictedImports']);
    expect(await violations('src/modules/erasure/erasure.repository.ts', table)).toEqual([]);
    // Vocabulary and types from the schema are not tables.
    expect(
      await violations(
        'src/modules/audit/audit.routes.ts',
        "import { AUDIT_ACTIONS, type StatusLevel } from '../../db/schema';\nexport const a: StatusLevel | typeof AUDIT_ACTIONS = AUDIT_ACTIONS;\n",
      ),
    ).toEqual([]);

    expect(await violations('src/plugins/anything.ts', "import { eq } from 'drizzle-orm';\nexport const e = eq;\n")).toEqual([
      'lint/style/noRestrictedImports',
    ]);
    expect(
      await violations('src/modules/ingest/ingest.service.ts', "import { sql } from '../../db/client';\nexport const s = sql;\n"),
    ).toEqual(['lint/style/noRestrictedImports']);
    expect(
      await violations(
        'src/modules/ingest/ingest.service.ts',
        "import type { Database } from '../../db/client';\nexport type D = Database;\n",
      ),
    ).toEqual([]);
  });

  it("refuse a transaction opened other than through the unit of work: a Database's, Drizzle's", async () => {
    const direct = 'export const run = (database: any) => database.transaction(async () => 1);\n';
    expect(await violations('src/modules/research/research-releases.repository.ts', direct)).toEqual(['plugin']);
    expect(await violations('src/modules/research/research-releases.ts', direct)).toEqual(['plugin']);
    expect(
      await violations('src/cli/anything.ts', 'export const run = (opened: any) => opened.database.transaction(async () => 1);\n'),
    ).toEqual(['plugin']);
    expect(
      await violations('src/modules/demo/demo-data.repository.ts', 'export const run = (orm: any) => orm.transaction(async () => 1);\n'),
    ).toEqual(['plugin']);
    // The unit of work's own transaction, and src/db, which implements it.
    expect(
      await violations('src/modules/records/records.service.ts', 'export const run = (work: any) => work.transaction(async () => 1);\n'),
    ).toEqual([]);
    expect(await violations('src/db/unit-of-work.ts', direct)).toEqual([]);
  });

  it("refuse a module reaching into another module's files, and lib importing a module or a plugin", async () => {
    expect(
      await violations(
        'src/modules/erasure/erasure.service.ts',
        "export { createSubjectsRepository } from '../subjects/subjects.repository';\n",
      ),
    ).toEqual(['lint/style/noRestrictedImports']);
    expect(await violations('src/modules/erasure/erasure.service.ts', "export { createSubjectsRepository } from '../subjects';\n")).toEqual(
      [],
    );
    expect(
      await violations(
        'src/modules/erasure/erasure.repository.ts',
        "export { createSubjectsRepository } from '../subjects/subjects.repository';\n",
      ),
    ).toEqual(['lint/style/noRestrictedImports']);
    // Within a module, and down to src/lib and src/db: allowed.
    expect(
      await violations(
        'src/modules/erasure/erasure.routes.ts',
        "export { x } from './erasure.service';\nexport { y } from '../../lib/errors';\n",
      ),
    ).toEqual([]);

    expect(await violations('src/lib/anything.ts', "export { ingestModule } from '../modules/ingest';\n")).toEqual([
      'lint/style/noRestrictedImports',
    ]);
    expect(await violations('src/lib/statistics/anything.ts', "export { requireRole } from '../../plugins/authentication';\n")).toEqual([
      'lint/style/noRestrictedImports',
    ]);
  });
});
