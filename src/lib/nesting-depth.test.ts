import { describe, expect, it } from 'vitest';
import { graphqlNestsDeeperThan, jsonNestsDeeperThan, valueNestsDeeperThan } from './nesting-depth';

const nested = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;

describe('JSON nesting', () => {
  it('counts objects and arrays, not brackets inside strings', () => {
    expect(jsonNestsDeeperThan(nested(3), 3)).toBe(false);
    expect(jsonNestsDeeperThan(nested(4), 3)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":"[[[[[[[[","b":{"c":[1]}}', 3)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":"\\"[[[[","b":{"c":[[1]]}}', 3)).toBe(true);
  });

  it('answers for a million levels without a stack', () => {
    expect(jsonNestsDeeperThan(nested(1_000_000), 32)).toBe(true);
  });
});

describe('GraphQL nesting', () => {
  it('counts selection sets, arguments and list values, not strings or comments', () => {
    expect(graphqlNestsDeeperThan('{ a { b(x: [1]) } }', 4)).toBe(false);
    expect(graphqlNestsDeeperThan('{ a { b(x: [[1]]) } }', 4)).toBe(true);
    expect(graphqlNestsDeeperThan('{ a(s: "{{{{{{", t: """ ((((( \\""" [[[[ """) # {{{{{{{\n }', 2)).toBe(false);
    expect(graphqlNestsDeeperThan(`{${'a{'.repeat(100_000)}b${'}'.repeat(100_001)}`, 32)).toBe(true);
  });
});

describe('value nesting', () => {
  it('walks a parsed value without recursion', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 200_000; level += 1) deep = { a: deep };
    expect(valueNestsDeeperThan(deep, 32)).toBe(true);
    expect(valueNestsDeeperThan({ a: [1, { b: 2 }] }, 3)).toBe(false);
    expect(valueNestsDeeperThan({ a: [1, { b: [] }] }, 3)).toBe(true);
    expect(valueNestsDeeperThan('text', 0)).toBe(false);
  });
});
