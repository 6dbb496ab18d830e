import type { FastifyInstance } from 'fastify';
import type { GraphQLField, GraphQLNamedType, GraphQLSchema, GraphQLType } from 'graphql';

// The GraphQL schema as the service serves it, walked without graphql's instanceof helpers (the
// schema comes from Mercurius' copy of graphql, another module realm than the tests').

export type AnyField = GraphQLField<unknown, unknown>;

export const schemaOf = (app: FastifyInstance): GraphQLSchema => app.graphql.schema;

export function namedType(type: GraphQLType): GraphQLNamedType {
  let current: GraphQLType = type;
  while ('ofType' in current && current.ofType) current = current.ofType as GraphQLType;
  return current as GraphQLNamedType;
}

export const isNonNull = (type: GraphQLType) => type.constructor.name === 'GraphQLNonNull';
export const isList = (type: GraphQLType) => {
  const unwrapped = isNonNull(type) ? (type as { ofType: GraphQLType }).ofType : type;
  return unwrapped.constructor.name === 'GraphQLList';
};
export const kindOf = (type: GraphQLNamedType): 'object' | 'input' | 'enum' | 'scalar' | 'abstract' => {
  switch (type.constructor.name) {
    case 'GraphQLObjectType':
      return 'object';
    case 'GraphQLInputObjectType':
      return 'input';
    case 'GraphQLEnumType':
      return 'enum';
    case 'GraphQLScalarType':
      return 'scalar';
    default:
      return 'abstract';
  }
};

export const fieldsOf = (type: GraphQLNamedType): Record<string, AnyField> =>
  kindOf(type) === 'object' ? (type as unknown as { getFields(): Record<string, AnyField> }).getFields() : {};

export const enumValuesOf = (type: GraphQLNamedType): string[] =>
  kindOf(type) === 'enum' ? (type as unknown as { getValues(): Array<{ name: string }> }).getValues().map((value) => value.name) : [];

/** Does this type lead to trajectories (record-level data) within a few levels? */
export function reachesType(type: GraphQLNamedType, target: string, depth = 3): boolean {
  if (type.name === target) return true;
  if (depth === 0) return false;
  return Object.values(fieldsOf(type)).some((field) => reachesType(namedType(field.type), target, depth - 1));
}

/** A GraphQL literal for an argument of this type that the schema accepts. */
export function literalFor(type: GraphQLType, values: { id: string }): string {
  const named = namedType(type);
  const value = (() => {
    switch (kindOf(named)) {
      case 'enum':
        return enumValuesOf(named)[0]!;
      case 'input':
        return '{}';
      default:
        return named.name === 'Int' || named.name === 'Float'
          ? '10'
          : named.name === 'Boolean'
            ? 'true'
            : JSON.stringify(named.name === 'ID' ? values.id : 'x');
    }
  })();
  return isList(type) ? `[${value}]` : value;
}

/** Arguments for a field: every required one, plus those a resolver needs to answer at all. */
export function argumentsFor(field: AnyField, values: { id: string }): string {
  const given = field.args
    .filter((argument) => isNonNull(argument.type) || argument.name === 'phaseStartDay')
    .map((argument) => `${argument.name}: ${literalFor(argument.type, values)}`);
  return given.length ? `(${given.join(', ')})` : '';
}

/**
 * A selection of every field of `typeName`, nested to `depth` levels of objects; fields whose
 * type is in `stop` get `stopSelection` instead (to bound the cost of recursive types).
 */
export function fullSelection(
  schema: GraphQLSchema,
  typeName: string,
  options: { depth: number; values: { id: string }; stop?: Record<string, string> },
): string {
  const type = schema.getType(typeName)!;
  const parts: string[] = [];
  for (const field of Object.values(fieldsOf(type))) {
    const child = namedType(field.type);
    const args = argumentsFor(field, options.values);
    if (kindOf(child) !== 'object') {
      parts.push(`${field.name}${args}`);
    } else if (options.stop?.[child.name] !== undefined) {
      parts.push(`${field.name}${args} { ${options.stop[child.name]} }`);
    } else if (options.depth > 0) {
      parts.push(`${field.name}${args} { ${fullSelection(schema, child.name, { ...options, depth: options.depth - 1 })} }`);
    }
  }
  return parts.join(' ');
}

/** The smallest selection of a type: its id, else its first scalar field, else one nested field. */
export function minimalSelection(schema: GraphQLSchema, type: GraphQLNamedType, values: { id: string }): string {
  if (kindOf(type) !== 'object') return '';
  const fields = Object.values(fieldsOf(type));
  const scalar = fields.find(
    (field) => kindOf(namedType(field.type)) !== 'object' && field.args.every((argument) => !isNonNull(argument.type)),
  );
  if (scalar) return `{ ${fields.some((field) => field.name === 'id') ? 'id' : scalar.name} }`;
  const nested = fields[0]!;
  return `{ ${nested.name}${argumentsFor(nested, values)} ${minimalSelection(schema, namedType(nested.type), values)} }`;
}

export interface SeenTrajectory {
  id: string;
  institutionCode?: string;
  researchConsent?: string;
}

/** Every trajectory object in an answer (anything with an id beside an institutionCode or consent). */
export function trajectoriesIn(data: unknown, found: SeenTrajectory[] = []): SeenTrajectory[] {
  if (Array.isArray(data)) {
    for (const item of data) trajectoriesIn(item, found);
  } else if (data && typeof data === 'object') {
    const record = data as Record<string, unknown>;
    if (typeof record.id === 'string' && ('institutionCode' in record || 'researchConsent' in record))
      found.push(record as unknown as SeenTrajectory);
    for (const value of Object.values(record)) trajectoriesIn(value, found);
  }
  return found;
}

/** Every string in an answer (ids, codes and so on), to check none belongs to another scope. */
export function stringsIn(data: unknown, found: Set<string> = new Set()): Set<string> {
  if (typeof data === 'string') found.add(data);
  else if (Array.isArray(data)) {
    for (const item of data) stringsIn(item, found);
  } else if (data && typeof data === 'object') {
    for (const value of Object.values(data)) stringsIn(value, found);
  }
  return found;
}
