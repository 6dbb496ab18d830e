import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_FILES, contractsOf } from '../src/contracts/contracts';
import { createTestApp, type TestApp } from './helpers/test-app';

// The committed contracts (openapi.json, schema.graphql) are what the code produces: a change to
// a route or a GraphQL type without `npm run contracts` fails here.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('the published contracts', () => {
  it('are up to date with the code (npm run contracts writes them)', async () => {
    const contracts = await contractsOf(t.app);
    for (const [kind, file] of Object.entries(CONTRACT_FILES) as Array<[keyof typeof CONTRACT_FILES, string]>) {
      expect(contracts[kind] === fs.readFileSync(file, 'utf8'), `${file} is out of date: run npm run contracts`).toBe(true);
    }
  });
});
