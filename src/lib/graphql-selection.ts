import type { FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

// Whether a resolver's field selects a path of sub-fields (`nodes.series`), through inline
// fragments and fragment spreads: so a list resolver can fetch what its children will ask for in
// its own statement. `@skip` and `@include` are not evaluated: a path under one counts as
// selected, which costs work and never correctness. Documents were validated before resolvers
// run (no fragment cycles), and the depth limit bounds the walk.

const FIELD = 'Field';
const INLINE_FRAGMENT = 'InlineFragment';
const FRAGMENT_SPREAD = 'FragmentSpread';

function selects(
  selectionSet: SelectionSetNode | undefined,
  path: readonly string[],
  fragments: Record<string, FragmentDefinitionNode>,
): boolean {
  if (path.length === 0) return true;
  if (!selectionSet) return false;
  const [name, ...rest] = path;
  for (const selection of selectionSet.selections) {
    if (selection.kind === FIELD) {
      if (selection.name.value === name && selects(selection.selectionSet, rest, fragments)) return true;
    } else if (selection.kind === INLINE_FRAGMENT) {
      if (selects(selection.selectionSet, path, fragments)) return true;
    } else if (selection.kind === FRAGMENT_SPREAD) {
      const fragment = fragments[selection.name.value];
      if (fragment && selects(fragment.selectionSet, path, fragments)) return true;
    }
  }
  return false;
}

/** Whether the field being resolved selects `path` below it (e.g. `['nodes', 'series']`). */
export function selectsPath(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, path: readonly string[]): boolean {
  return info.fieldNodes.some((node) => selects(node.selectionSet, path, info.fragments));
}
