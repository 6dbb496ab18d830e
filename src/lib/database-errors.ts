import { AppError, errors } from './errors';

// Translates driver errors into the registry's error shape. Constraint names carry the field:
// the schema names them `<table>_<field>_<rule>`, so callers get a field path, not SQL.

interface PostgresErrorLike {
  code?: string;
  constraint?: string;
  column?: string;
  message?: string;
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

function asPostgresError(error: unknown): PostgresErrorLike | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  // Drizzle wraps driver errors; the original is the cause.
  const cause = (error as { cause?: unknown }).cause;
  if (cause && typeof cause === 'object' && 'code' in cause) return cause as PostgresErrorLike;
  return error as PostgresErrorLike;
}

export function isConnectionError(error: unknown): boolean {
  const pgError = asPostgresError(error);
  if (pgError?.code && CONNECTION_ERROR_CODES.has(pgError.code)) return true;
  const message = pgError?.message ?? '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|PGlite is closed/i.test(
    message,
  );
}

/**
 * Whether a statement failed on the data of some of its rows (SQLSTATE class 22, data
 * exception, or 23, integrity constraint violation) rather than on the database or connection:
 * writing the rows apart would succeed for the others.
 */
export function isRowDataError(error: unknown): boolean {
  const code = asPostgresError(error)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** Returns an AppError for errors with a meaning to the client, or undefined for genuine 500s. */
export function translateDatabaseError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (isConnectionError(error)) return errors.databaseUnavailable(error);
  const pgError = asPostgresError(error);
  switch (pgError?.code) {
    case '57014': // query_canceled: statement_timeout
      return errors.queryTimeout(error);
    case '40P01': // deadlock_detected: two requests locked the same records in another order
    case '40001': // serialization_failure
      return errors.transactionConflict(error);
    case '23505':
      return new AppError('CONFLICT', 'A record with the same key already exists.', {
        field: pgError.constraint,
        cause: error,
      });
    case '23503':
    case '23514':
    case '23502':
    case '22P02':
    case '22007':
    case '22008':
      return new AppError(
        'CONSTRAINT_VIOLATION',
        pgError.constraint ? `The data breaks the registry rule "${pgError.constraint}".` : 'The data breaks a rule of the registry.',
        { field: pgError.column, cause: error },
      );
    default:
      return undefined;
  }
}
