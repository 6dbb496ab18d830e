// One error shape for every route and resolver: an HTTP status, a stable machine-readable
// code, a message a person understands, and the field at fault where there is one.

export const ERROR_CODES = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNAUTHENTICATED: 401,
  API_KEY_EXPIRED: 401,
  API_KEY_REVOKED: 401,
  FORBIDDEN: 403,
  PURPOSE_REQUIRED: 400,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  CONFLICT: 409,
  // A research release retired under the operator's retention: its id and digest resolve, its records are gone.
  RELEASE_RETIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CONSTRAINT_VIOLATION: 422,
  RATE_LIMITED: 429,
  // The client closed the connection before its request was read (nginx's 499): recorded, never sent.
  CLIENT_ABORTED: 499,
  IDEMPOTENCY_KEY_REUSED: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  // Record-level codes of the ingest API (also used per record in ingest reports).
  UNKNOWN_FIELD: 400,
  MISSING_FIELD: 400,
  INVALID_VALUE: 400,
  LINE_TOO_LONG: 400,
  PII_DETECTED: 400,
  DATE_IN_FUTURE: 422,
  END_BEFORE_START: 422,
  END_REASON_MISMATCH: 422,
  AGE_OUT_OF_RANGE: 422,
  AMOUNT_MISSING: 422,
  NOT_APPLICABLE: 422,
  UNKNOWN_PROGRAMME: 422,
  UNKNOWN_TRAJECTORY: 422,
  UNKNOWN_INSTRUMENT: 422,
  UNKNOWN_ACTIVITY_TYPE: 422,
  INFORMANT_NOT_ALLOWED: 422,
  VALUE_OUT_OF_RANGE: 422,
  DATE_OUTSIDE_TRAJECTORY: 422,
  SUBJECT_ERASED: 409,
  SUBJECT_OBJECTED: 409,
  TRANSACTION_CONFLICT: 503,
  INTERNAL_ERROR: 500,
  DATABASE_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  QUERY_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetail {
  code: string;
  message: string;
  /** Path of the field at fault, for example `body.records[3].startDate`. */
  field?: string;
}

export interface ErrorBody {
  status: number;
  code: string;
  message: string;
  field?: string;
  errors?: ErrorDetail[];
  requestId?: string;
}

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { field?: string; errors?: ErrorDetail[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = ERROR_CODES[code];
  }

  get field(): string | undefined {
    return this.options.field;
  }

  toBody(requestId?: string): ErrorBody {
    return {
      status: this.status,
      code: this.code,
      message: this.message,
      ...(this.options.field ? { field: this.options.field } : {}),
      ...(this.options.errors ? { errors: this.options.errors } : {}),
      ...(requestId ? { requestId } : {}),
    };
  }
}

export const errors = {
  validation: (message: string, field?: string, details?: ErrorDetail[]) =>
    new AppError('VALIDATION_FAILED', message, { field, errors: details }),
  unauthenticated: (message = 'An API key is required: send it as "Authorization: Bearer <key>".') =>
    new AppError('UNAUTHENTICATED', message),
  forbidden: (message = 'Your role may not use this resource.') => new AppError('FORBIDDEN', message),
  purposeRequired: () =>
    new AppError('PURPOSE_REQUIRED', 'Record-level research reads must declare their purpose in the X-Purpose-Of-Use header.', {
      field: 'headers.x-purpose-of-use',
    }),
  notFound: (what: string) => new AppError('NOT_FOUND', `${what} was not found.`),
  conflict: (message: string, field?: string) => new AppError('CONFLICT', message, { field }),
  releaseRetired: (id: string, retiredAt: Date, field?: string) =>
    new AppError(
      'RELEASE_RETIRED',
      `Research release ${id} was retired on ${retiredAt.toISOString().slice(0, 10)}: its records were removed under the registry's retention; its id, manifest and digest still resolve. Read a later release.`,
      { field },
    ),
  databaseUnavailable: (cause?: unknown) =>
    new AppError('DATABASE_UNAVAILABLE', 'The database is not reachable right now; retry shortly.', {
      retryAfterSeconds: 5,
      cause,
    }),
  transactionConflict: (cause?: unknown) =>
    new AppError('TRANSACTION_CONFLICT', 'The request collided with a concurrent write of the same records and was undone; retry it.', {
      retryAfterSeconds: 1,
      cause,
    }),
  queryTimeout: (cause?: unknown) =>
    new AppError('QUERY_TIMEOUT', 'The query took too long and was cancelled; narrow it down and retry.', { cause }),
  internal: (cause?: unknown) =>
    new AppError('INTERNAL_ERROR', 'Something went wrong on our side; the request id identifies it in our logs.', {
      cause,
    }),
};
