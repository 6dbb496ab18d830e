import { type FragmentDefinitionNode, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { selectsPath } from './graphql-selection';

function infoOf(document: string) {
  const parsed = parse(document);
  const operation = parsed.definitions.find(
    (definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition',
  )!;
  const fragments = Object.fromEntries(
    parsed.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === 'FragmentDefinition')
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const field = operation.selectionSet.selections[0]!;
  if (field.kind !== 'Field') throw new Error('a field first');
  return { fieldNodes: [field], fragments };
}

describe('selectsPath', () => {
  it('finds a path selected directly', () => {
    expect(selectsPath(infoOf('{ trajectories { nodes { id series { informant } } } }'), ['nodes', 'series'])).toBe(true);
  });

  it('does not find a path that is not selected, or selected at another level', () => {
    expect(selectsPath(infoOf('{ trajectories { nodes { id } pageInfo { hasNextPage } } }'), ['nodes', 'series'])).toBe(false);
    expect(selectsPath(infoOf('{ trajectories { series { id } nodes { id } } }'), ['nodes', 'series'])).toBe(false);
  });

  it('looks through inline fragments and fragment spreads', () => {
    expect(
      selectsPath(infoOf('{ trajectories { ... on TrajectoryConnection { nodes { series { informant } } } } }'), ['nodes', 'series']),
    ).toBe(true);
    expect(
      selectsPath(
        infoOf(
          '{ trajectories { nodes { ...Course } } } fragment Course on Trajectory { id ...Series } fragment Series on Trajectory { series { informant } }',
        ),
        ['nodes', 'series'],
      ),
    ).toBe(true);
    expect(selectsPath(infoOf('{ trajectories { nodes { ...Course } } } fragment Course on Trajectory { id }'), ['nodes', 'series'])).toBe(
      false,
    );
  });

  it('follows an alias to the field it names', () => {
    expect(selectsPath(infoOf('{ trajectories { rows: nodes { measurements: series { informant } } } }'), ['nodes', 'series'])).toBe(true);
  });
});
