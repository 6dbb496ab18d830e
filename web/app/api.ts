import type { TypedDocumentString } from './generated/operations';
import type { Session } from './session';

// The dashboard talks to the registry through its public APIs only (POST /graphql, GET /api/v1),
// with the user's own key: what it shows is exactly what that key may see, and every read is
// audited like any other client's.

export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What each of the API's stable error codes means for the person at the screen. */
const MESSAGES: Record<string, string> = {
  UNAUTHENTICATED: 'This API key is not known. Check that it was copied whole, or ask your administrator for a key.',
  API_KEY_EXPIRED: 'This API key has expired. Ask your administrator for a new one.',
  API_KEY_REVOKED: 'This API key has been revoked. Ask your administrator for a new one.',
  FORBIDDEN:
    'Your role may not see this. Record-level trajectories are for researchers and institutions; the programme statistics for funders, researchers and institutions; auditors and administrators read the audit trail and manage keys elsewhere.',
  PURPOSE_REQUIRED: 'Researchers must declare a purpose of use before reading record-level data. Sign out and choose a purpose.',
  NOT_FOUND: 'Not found, or not within what your key may see (for researchers: only trajectories with research consent granted).',
  VALIDATION_FAILED: 'The request was not accepted; check the filters.',
  RATE_LIMITED: 'Too many requests from this key for now. Wait a minute and try again.',
  DATABASE_UNAVAILABLE: 'The registry’s database is briefly unavailable. Try again in a few seconds.',
  SHUTTING_DOWN: 'The registry is restarting. Try again in a few seconds.',
  QUERY_TIMEOUT: 'The question took too long to answer. Narrow the filters or use a smaller page.',
  TRANSACTION_CONFLICT: 'The registry was busy with a conflicting change. Try again.',
  INVALID_JSON: 'The registry could not read the request. Reload the page; if it persists, report it with the request id.',
  ROUTE_NOT_FOUND: 'The registry does not offer this address. The dashboard may be older than the registry: reload the page.',
  METHOD_NOT_ALLOWED: 'The registry does not offer this here. Reload the page.',
  NOT_ACCEPTABLE: 'The registry cannot answer in the format asked for. Reload the page.',
  GRAPHQL_ERROR: 'The registry refused the question. Reload the page; if it persists, report it with the request id.',
  INTERNAL_ERROR: 'The registry failed to answer. Quote the request id below to its administrators.',
  NETWORK: 'The registry could not be reached. Check your connection and try again.',
};

/** The text for the person, and the registry's own words where they add to it (which role, which limit). */
export function messageFor(error: unknown): { code: string; text: string; detail?: string; requestId?: string } {
  if (error instanceof ApiError) {
    const text = MESSAGES[error.code];
    return {
      code: error.code,
      text: text ?? error.message,
      detail: text && error.message && error.message !== text ? error.message : undefined,
      requestId: error.requestId,
    };
  }
  return { code: 'UNEXPECTED', text: error instanceof Error ? error.message : String(error) };
}

function headers(session: Session): Record<string, string> {
  const result: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${session.apiKey}` };
  if (session.purpose) result['x-purpose-of-use'] = session.purpose;
  return result;
}

interface ErrorBody {
  status?: number;
  code?: string;
  message?: string;
  requestId?: string;
}

async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, credentials: 'omit', cache: 'no-store' });
  } catch {
    throw new ApiError('NETWORK', 0, MESSAGES.NETWORK!);
  }
}

async function refusal(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => ({}))) as ErrorBody;
  return new ApiError(body.code ?? `HTTP_${response.status}`, response.status, body.message ?? response.statusText, body.requestId);
}

/** One GraphQL operation, typed by the generated document; the first error becomes an ApiError. */
export async function graphql<Result, Variables>(
  session: Session,
  document: TypedDocumentString<Result, Variables>,
  variables: Variables,
): Promise<Result> {
  const response = await send('/graphql', {
    method: 'POST',
    headers: { ...headers(session), 'content-type': 'application/json' },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await response.json().catch(() => null)) as
    | (ErrorBody & { data?: Result | null; errors?: Array<{ message: string; extensions?: { code?: string; requestId?: string } }> })
    | null;
  if (!body) throw new ApiError(`HTTP_${response.status}`, response.status, response.statusText);
  const first = body.errors?.[0];
  if (first) throw new ApiError(first.extensions?.code ?? 'GRAPHQL_ERROR', response.status, first.message, first.extensions?.requestId);
  if (!response.ok || !body.data)
    throw new ApiError(body.code ?? `HTTP_${response.status}`, response.status, body.message ?? response.statusText, body.requestId);
  return body.data;
}

/** A GET on the REST API (JSON). */
export async function rest<T>(session: Session, path: string): Promise<T> {
  const response = await send(path, { headers: headers(session) });
  if (!response.ok) throw await refusal(response);
  return (await response.json()) as T;
}

/**
 * A file from the REST API saved by the browser (the key travels in a header, so a plain link
 * cannot fetch it): the answer becomes a blob and an object URL the page clicks once.
 */
export async function download(session: Session, path: string, filename: string): Promise<number> {
  const response = await send(path, { headers: { ...headers(session), accept: '*/*' } });
  if (!response.ok) throw await refusal(response);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return blob.size;
}
