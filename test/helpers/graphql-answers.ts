import { ERROR_CODES, type ErrorCode } from '../../src/lib/errors';

/** The error codes a GraphQL answer carries, if it is one (the REST error shape has a status; GraphQL's has not). */
export function graphqlCodes(body: unknown): string[] {
  if (!body || typeof body !== 'object' || 'status' in body) return [];
  const errors = (body as { errors?: Array<{ extensions?: { code?: string } }> }).errors;
  return Array.isArray(errors) ? errors.map((error) => String(error.extensions?.code)) : [];
}

/** Codes of failures on our side inside an answer: a GraphQL answer is 200 whatever its errors. */
export const serverFailureCodes = (body: unknown) => graphqlCodes(body).filter((code) => (ERROR_CODES[code as ErrorCode] ?? 500) >= 500);
