// Limits on how deeply input nests, checked on the text before it is parsed (or on a parsed
// value without recursion). Parsers and everything after them (schema checks, the PII guard,
// hashing a GraphQL request's variables for the audit trail) walk input recursively; input
// nested thousands of levels deep would exhaust the stack in one of them and turn a client's
// mistake into a 5xx. Real requests nest a handful of levels.

/** Deepest nesting accepted in a JSON body, a GraphQL document or its variables. */
export const MAX_NESTING_DEPTH = 32;

/** True when JSON text nests `{` / `[` deeper than `limit` (characters inside strings do not count). */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 92 /* \ */) index += 1;
      else if (char === 34 /* " */) inString = false;
    } else if (char === 34) inString = true;
    else if (char === 123 /* { */ || char === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (char === 125 /* } */ || char === 93 /* ] */) depth -= 1;
  }
  return false;
}

/**
 * True when a GraphQL document nests selection sets, lists, objects or argument lists deeper
 * than `limit` in total (strings, block strings and comments do not count). The field depth
 * limit applies later, on the parsed document; this one protects the parser itself.
 */
export function graphqlNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '#') {
      while (index < text.length && text[index] !== '\n' && text[index] !== '\r') index += 1;
    } else if (char === '"') {
      if (text.startsWith('"""', index)) {
        const end = text.indexOf('"""', index + 3);
        // Inside a block string only \""" escapes; skip over escaped terminators.
        let close = end;
        while (close > 0 && text[close - 1] === '\\') close = text.indexOf('"""', close + 3);
        if (close === -1) return false; // Unterminated: the parser reports it.
        index = close + 2;
      } else {
        for (index += 1; index < text.length && text[index] !== '"' && text[index] !== '\n'; index += 1) {
          if (text[index] === '\\') index += 1;
        }
      }
    } else if (char === '{' || char === '[' || char === '(') {
      if (++depth > limit) return true;
    } else if (char === '}' || char === ']' || char === ')') depth -= 1;
  }
  return false;
}

/** True when a parsed value nests arrays and objects deeper than `limit` (walked without recursion). */
export function valueNestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: current, depth } = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) pending.push({ value: child, depth: depth + 1 });
  }
  return false;
}
