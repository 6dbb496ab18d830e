import { findPii } from './pii-guard';

// What the registry keeps of a request's own headers (the audit trail stores the purpose of use,
// the user agent and the request id for at least five years). The same identifier rules apply
// to them as to records: a header is data. Pure functions; the request-metadata plugin applies them.

/**
 * Why record-level data is read: a controlled vocabulary, so the audit trail holds a purpose an
 * auditor can count and compare rather than free text that could hold anything.
 */
export const PURPOSES_OF_USE = {
  scientific_research: 'a study under an approved protocol (give the protocol or approval number as reference)',
  programme_evaluation: "evaluating a care programme's delivery and outcomes",
  quality_improvement: 'improving care within an organisation, such as monitoring its own trajectories',
  policy_evaluation: 'evaluating policy or funding',
  system_test: 'testing a dashboard, connector or the registry itself',
} as const;

export type PurposeOfUse = keyof typeof PURPOSES_OF_USE;

const PURPOSE_SYNTAX = /^([a-z_]{1,40})(?::([A-Za-z0-9][A-Za-z0-9._/-]{0,39}))?$/;

export type ParsedPurpose =
  | { ok: true; purpose: string | null }
  | { ok: false; code: 'VALIDATION_FAILED' | 'PII_DETECTED'; message: string };

/**
 * `X-Purpose-Of-Use: <purpose>[:<reference>]`, for example `scientific_research:METC-2024-017`.
 * Returns the form to store, or why it is refused (the message never repeats the value).
 */
export function parsePurposeOfUse(header: string | undefined): ParsedPurpose {
  if (header === undefined || header.trim() === '') return { ok: true, purpose: null };
  const match = PURPOSE_SYNTAX.exec(header.trim());
  if (!match || !Object.hasOwn(PURPOSES_OF_USE, match[1]!)) {
    return {
      ok: false,
      code: 'VALIDATION_FAILED',
      message: `X-Purpose-Of-Use must be one of ${Object.keys(PURPOSES_OF_USE).join(', ')}, optionally followed by ":" and a reference code of up to 40 letters, digits and . _ / -.`,
    };
  }
  if (match[2] && findPii(match[2])) {
    return {
      ok: false,
      code: 'PII_DETECTED',
      message: 'The reference code in X-Purpose-Of-Use holds identifying data; use a protocol or approval number.',
    };
  }
  return { ok: true, purpose: match[2] ? `${match[1]}:${match[2]}` : match[1]! };
}

/** Long enough for any real client's user agent; the rest is never needed to tell clients apart. */
export const USER_AGENT_MAX_LENGTH = 200;
export const USER_AGENT_WITHHELD = '(withheld: held identifying data)';

/**
 * The user agent as stored: cut to a safe length, control characters dropped, and withheld
 * entirely when it holds identifying data. Not refused: clients rarely choose their user agent,
 * and the request itself may be fine.
 */
export function safeUserAgent(header: string | undefined): string | null {
  if (header === undefined) return null;
  // Checked in full before cutting: an identifier across the cut must not survive as a fragment.
  if (findPii(header)) return USER_AGENT_WITHHELD;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: dropping them is the point.
  const printable = header.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (printable === '') return null;
  const cut = printable.length > USER_AGENT_MAX_LENGTH ? printable.slice(0, USER_AGENT_MAX_LENGTH) : printable;
  return findPii(cut) ? USER_AGENT_WITHHELD : cut;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,64}$/;

/** A caller's X-Request-Id is kept (logged, stored, echoed) only if it is a plain token that identifies no one. */
export function acceptableRequestId(header: unknown): header is string {
  return typeof header === 'string' && REQUEST_ID_PATTERN.test(header) && !findPii(header);
}
