import type { components, operations } from './registry-api.generated';

// What a client reads from an answer besides its body, typed from the OpenAPI document alone:
// every response header the document names, and every error code it lists. Adding a header or an
// error code to the document breaks this file's compilation until it is handled here (no casts).

/** An object type's named keys, without the `[name: string]: unknown` the generator adds to headers. */
type NamedKeys<T> = keyof { [K in keyof T as string extends K ? never : K]: T[K] };

/** Every answer of every operation in the document. */
type AnyResponse = { [O in keyof operations]: operations[O]['responses'][keyof operations[O]['responses']] }[keyof operations];

type NamesIn<R> = R extends { headers: infer H } ? NamedKeys<H> : never;
type TypeIn<R, N> = R extends { headers: infer H } ? (N extends NamedKeys<H> ? H[N] : never) : never;

/** The response headers the document names, on any answer. */
export type DocumentedHeaderName = NamesIn<AnyResponse>;

/** Each documented header as the document types it; undefined when the answer does not carry it. */
export type DocumentedHeaders = { [N in DocumentedHeaderName]: TypeIn<AnyResponse, N> | undefined };

/** Reads every documented header of an answer (openapi-fetch's `response`, or any fetch Response). */
export function documentedHeaders(response: Response): DocumentedHeaders {
  const text = (name: DocumentedHeaderName) => response.headers.get(name) ?? undefined;
  const integer = (name: DocumentedHeaderName) => {
    const raw = text(name);
    return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
  };
  return {
    'X-Request-Id': text('X-Request-Id'),
    'X-RateLimit-Limit': integer('X-RateLimit-Limit'),
    'X-RateLimit-Remaining': integer('X-RateLimit-Remaining'),
    'X-RateLimit-Reset': integer('X-RateLimit-Reset'),
    'Retry-After': integer('Retry-After'),
    'Idempotent-Replayed': text('Idempotent-Replayed') === 'true' ? 'true' : undefined,
    'X-Disclosure-Control': text('X-Disclosure-Control'),
  };
}

/** Every error answer (4xx, 5xx) of every operation. */
type ErrorAnswer = {
  [O in keyof operations]: {
    [S in keyof operations[O]['responses']]: `${S & (string | number)}` extends `4${string}` | `5${string}`
      ? operations[O]['responses'][S]
      : never;
  }[keyof operations[O]['responses']];
}[keyof operations];
type CodeIn<R> = R extends { content: { 'application/json': { code: infer C } } } ? C : never;

/**
 * Every code an error answer can carry: the Error schema's, and those of error answers with a
 * body of their own (a refused ingest stream answers its report, code INGEST_REJECTED).
 */
export type ErrorCode = components['schemas']['Error']['code'] | CodeIn<ErrorAnswer>;

/** What an institution system does with a refusal. */
export type Next =
  | 'retry later'
  | 'fix the record'
  | 'fix the request'
  | 'check the API key'
  | 'stop: the youth is gone'
  | 'report to the operators';

/** Every error code the document lists, each with what to do: a new code fails to compile here. */
export function nextStep(code: ErrorCode): Next {
  switch (code) {
    case 'RATE_LIMITED':
    case 'DATABASE_UNAVAILABLE':
    case 'SHUTTING_DOWN':
    case 'TRANSACTION_CONFLICT':
    case 'QUERY_TIMEOUT':
    case 'IDEMPOTENCY_KEY_IN_USE':
    case 'CLIENT_ABORTED':
      return 'retry later';
    case 'UNKNOWN_FIELD':
    case 'MISSING_FIELD':
    case 'INVALID_VALUE':
    case 'PII_DETECTED':
    case 'DATE_IN_FUTURE':
    case 'END_BEFORE_START':
    case 'END_REASON_MISMATCH':
    case 'AGE_OUT_OF_RANGE':
    case 'AMOUNT_MISSING':
    case 'NOT_APPLICABLE':
    case 'UNKNOWN_PROGRAMME':
    case 'UNKNOWN_TRAJECTORY':
    case 'UNKNOWN_INSTRUMENT':
    case 'UNKNOWN_ACTIVITY_TYPE':
    case 'INFORMANT_NOT_ALLOWED':
    case 'VALUE_OUT_OF_RANGE':
    case 'DATE_OUTSIDE_TRAJECTORY':
    case 'CONSTRAINT_VIOLATION':
      return 'fix the record';
    case 'VALIDATION_FAILED':
    case 'INVALID_JSON':
    case 'LINE_TOO_LONG':
    case 'PURPOSE_REQUIRED':
    case 'NOT_FOUND':
    case 'ROUTE_NOT_FOUND':
    case 'METHOD_NOT_ALLOWED':
    case 'NOT_ACCEPTABLE':
    case 'CONFLICT':
    case 'PAYLOAD_TOO_LARGE':
    case 'UNSUPPORTED_MEDIA_TYPE':
    case 'IDEMPOTENCY_KEY_REUSED':
    case 'RELEASE_RETIRED':
      return 'fix the request';
    case 'UNAUTHENTICATED':
    case 'API_KEY_EXPIRED':
    case 'API_KEY_REVOKED':
    case 'FORBIDDEN':
      return 'check the API key';
    case 'SUBJECT_ERASED':
    case 'SUBJECT_OBJECTED':
      return 'stop: the youth is gone';
    case 'INGEST_REJECTED':
      return 'fix the record';
    case 'INTERNAL_ERROR':
      return 'report to the operators';
    default: {
      // Every code is handled above: the compiler proves it.
      const unhandled: never = code;
      return unhandled;
    }
  }
}
