import { createRequire } from 'node:module';
import type { ASTNode, FragmentDefinitionNode, SelectionSetNode, ValidationContext, ValidationRule } from 'graphql';

// The same copy of graphql as Mercurius (see graphql-cost.ts for why).
const graphql: typeof import('graphql') = createRequire(import.meta.url)('graphql');
const { GraphQLError, Kind } = graphql;

// Depth limits that count the data a query asks for, not the schema it asks about. Mercurius'
// own `queryDepth` counts every field, so graphql-js's standard introspection query (depth ~15)
// is refused by a limit of 10, and with it GraphiQL's documentation and every code generator.
// Here a data field adds a level; `__schema` and `__type` open an introspection subtree with a
// limit of its own (introspection is off in production anyway). Fragments add no level. The walk
// is iterative: a hostile document nested thousands deep cannot exhaust the stack.

export const INTROSPECTION_DEPTH = 20;
/**
 * Selections visited at most. Fragments are expanded where they are spread, so a chain of
 * fragments that each spread the next twice would take exponential work without a bound.
 */
export const MAX_VISITED_SELECTIONS = 50_000;

interface Frame {
  selectionSet: SelectionSetNode;
  /** Levels of data fields above this selection set. */
  data: number;
  /** Levels inside an introspection subtree (0 outside one). */
  meta: number;
  /** Fragments being expanded on this path (cycles are refused by graphql's own rule). */
  fragments: ReadonlySet<string>;
}

/** The deepest data and introspection nesting of a selection set, with its fragments expanded. */
export function depthOf(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
): { data: number; meta: number; visited: number } {
  let data = 0;
  let meta = 0;
  let visited = 0;
  const stack: Frame[] = [{ selectionSet, data: 0, meta: 0, fragments: new Set() }];
  while (stack.length > 0 && visited <= MAX_VISITED_SELECTIONS) {
    const frame = stack.pop()!;
    for (const selection of frame.selectionSet.selections) {
      visited += 1;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const entersMeta = frame.meta > 0 || name === '__schema' || name === '__type';
        const level = entersMeta
          ? { data: frame.data, meta: frame.meta + 1 }
          : name.startsWith('__')
            ? { data: frame.data, meta: 0 }
            : { data: frame.data + 1, meta: 0 };
        data = Math.max(data, level.data);
        meta = Math.max(meta, level.meta);
        if (selection.selectionSet) stack.push({ selectionSet: selection.selectionSet, ...level, fragments: frame.fragments });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        stack.push({ ...frame, selectionSet: selection.selectionSet });
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || frame.fragments.has(fragment.name.value)) continue;
        stack.push({ ...frame, selectionSet: fragment.selectionSet, fragments: new Set([...frame.fragments, fragment.name.value]) });
      }
    }
  }
  return { data, meta, visited };
}

export function maxDepthRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet, fragments);
        const refuse = (message: string) => context.reportError(new GraphQLError(message, { nodes: [operation as ASTNode] }));
        if (depth.visited > MAX_VISITED_SELECTIONS)
          refuse(`The query expands to more than ${MAX_VISITED_SELECTIONS} selections (fragments spread in fragments): simplify it.`);
        if (depth.data > maxDepth) refuse(`The query is nested ${depth.data} levels deep, above the depth limit of ${maxDepth}.`);
        if (depth.meta > INTROSPECTION_DEPTH)
          refuse(`The introspection query is nested ${depth.meta} levels deep, above the depth limit of ${INTROSPECTION_DEPTH}.`);
      },
    };
  };
}
