import { createRequire } from 'node:module';
import { MAX_VISITED_SELECTIONS } from './graphql-depth';
import type { FieldNode, GraphQLCompositeType, GraphQLOutputType, SelectionSetNode, ValidationContext, ValidationRule } from 'graphql';

// The type checks must come from the same copy of graphql that Mercurius uses (its CommonJS
// build): the ES module build is another realm, and its instanceof checks fail on Mercurius' types.
const graphql: typeof import('graphql') = createRequire(import.meta.url)('graphql');
const { GraphQLError, getNamedType, isCompositeType, isListType, isNonNullType, isObjectType, Kind } = graphql;

// An estimate of what a query costs before it runs: every field costs one, and what is below a
// list field counts as many times as the list may hold — `first` for a page of trajectories,
// LIST_FACTOR for any other list. graphql-armor's cost rule weighs depth but not list sizes,
// which is exactly where a record-level API gets expensive (pages of trajectories, each with
// its series and observations), so the registry estimates it this way instead.

export const LIST_FACTOR = 10;
/**
 * Fields that scan the whole registry, whatever they select: an aggregate weighs about as much
 * as a large record page, a comparison (three populations in one scan) twice that.
 */
export const WHOLE_REGISTRY_FIELDS: Record<string, number> = { statistics: 10_000, comparison: 20_000 };
const DEFAULT_PAGE = 20;

function returnsList(type: GraphQLOutputType): boolean {
  const unwrapped = isNonNullType(type) ? type.ofType : type;
  return isListType(unwrapped);
}

export function queryCostRule(maxCost: number, maxPage: number): ValidationRule {
  return (context: ValidationContext) => {
    const fragments = new Set<string>();
    // Fragments spread in fragments expand exponentially: past this many selections the query
    // is refused without walking further (graphql-depth.ts refuses it with the reason).
    let visited = 0;

    const costOf = (selectionSet: SelectionSetNode | undefined, parent: GraphQLCompositeType | null | undefined, depth: number): number => {
      if (!selectionSet || !parent || depth > 50) return 0;
      let total = 0;
      for (const selection of selectionSet.selections) {
        visited += 1;
        if (visited > MAX_VISITED_SELECTIONS) return Number.POSITIVE_INFINITY;
        if (selection.kind === Kind.FIELD) total += fieldCost(selection, parent, depth);
        else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const typeName = selection.typeCondition?.name.value;
          const type = typeName ? context.getSchema().getType(typeName) : parent;
          total += costOf(selection.selectionSet, isCompositeType(type) ? type : parent, depth + 1);
        } else {
          const fragment = context.getFragment(selection.name.value);
          if (!fragment || fragments.has(fragment.name.value)) continue; // Cycles are refused elsewhere.
          fragments.add(fragment.name.value);
          const type = context.getSchema().getType(fragment.typeCondition.name.value);
          total += costOf(fragment.selectionSet, isCompositeType(type) ? type : parent, depth + 1);
          fragments.delete(fragment.name.value);
        }
      }
      return total;
    };

    const fieldCost = (node: FieldNode, parent: GraphQLCompositeType, depth: number): number => {
      if (node.name.value.startsWith('__') || !isObjectType(parent)) return 1;
      const definition = parent.getFields()[node.name.value];
      if (!definition) return 1;
      // The nodes of a connection are already counted by its page size.
      let multiplier = returnsList(definition.type) && definition.name !== 'nodes' ? LIST_FACTOR : 1;
      if (definition.name === 'trajectories') {
        const first = node.arguments?.find((argument) => argument.name.value === 'first')?.value;
        // A variable's value is not known here: assume the largest page.
        multiplier = first?.kind === Kind.INT ? Number(first.value) : first ? maxPage : DEFAULT_PAGE;
      }
      const childType = getNamedType(definition.type);
      const scan = parent === context.getSchema().getQueryType() ? (WHOLE_REGISTRY_FIELDS[definition.name] ?? 0) : 0;
      return 1 + scan + multiplier * costOf(node.selectionSet, isCompositeType(childType) ? childType : null, depth + 1);
    };

    return {
      OperationDefinition(operation) {
        const root = context.getSchema().getRootType(operation.operation);
        const cost = costOf(operation.selectionSet, root, 0);
        if (cost > maxCost && Number.isFinite(cost)) {
          context.reportError(
            new GraphQLError(
              `The query's estimated cost is ${Math.round(cost)}, above the limit of ${maxCost}: ask for fewer or smaller pages, or fewer nested lists.`,
              {
                nodes: [operation],
              },
            ),
          );
        }
      },
    };
  };
}
