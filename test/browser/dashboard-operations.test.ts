import fs from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { webCodegenConfig } from '../../web/codegen';

// The dashboard's typed operations are committed (so the bundle and `tsc -p web` need no
// generation step); they must be what GraphQL Code Generator makes from the committed
// schema.graphql and web/app/operations.graphql today. When this fails: npm run codegen:web.

describe('the dashboard’s typed GraphQL operations', () => {
  it('are generated from the committed schema.graphql and operations.graphql', async () => {
    const [output] = (await generate(webCodegenConfig, false)) as Array<{ filename: string; content: string }>;
    expect(output?.filename).toBe('web/app/generated/operations.ts');
    expect(fs.readFileSync(new URL('../../web/app/generated/operations.ts', import.meta.url), 'utf8')).toBe(output!.content);
  }, 60_000);
});
