/** A GraphQL enum from one of the vocabulary lists, so the schema cannot drift from the database checks. */
export const graphqlEnum = (name: string, values: readonly string[]) => `enum ${name} { ${values.join(' ')} }`;
