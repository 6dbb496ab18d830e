import { type FragmentDefinitionNode, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { depthOf } from './graphql-depth';

const depth = (source: string) => {
  const document = parse(source);
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === 'FragmentDefinition')
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition',
  )!;
  const { data, meta } = depthOf(operation.selectionSet, fragments);
  return { data, meta };
};

describe('query depth', () => {
  it('counts data fields, through inline and named fragments, which add no level of their own', () => {
    expect(depth('{ a { b { c } } }')).toEqual({ data: 3, meta: 0 });
    expect(depth('{ a { ... on X { b { ...F } } } } fragment F on Y { c { d } }')).toEqual({ data: 4, meta: 0 });
  });

  it('counts introspection apart, and __typename not at all', () => {
    expect(depth('{ __schema { types { fields { name } } } a { __typename } }')).toEqual({ data: 1, meta: 4 });
    expect(depth('{ a { __type(name: "X") { fields { type { ofType { name } } } } } }')).toEqual({ data: 1, meta: 5 });
  });

  it('stops at a fragment cycle instead of looping', () => {
    expect(depth('{ ...A } fragment A on Q { a { ...B } } fragment B on Q { b { ...A } }')).toEqual({ data: 2, meta: 0 });
  });
});
