import { afterEach, expect } from 'vitest';
import { contractViolations } from './contract';

// Runs after every integration test: an answer that broke the OpenAPI contract fails the test
// that received it (test/helpers/contract.ts records them).
afterEach(() => {
  const found = contractViolations.splice(0);
  expect(found, 'answers that do not match the OpenAPI document').toEqual([]);
});
