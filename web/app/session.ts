// The user's own API key and declared purpose, kept in this browser tab's sessionStorage only:
// never a cookie (nothing is sent unless the page sends it) and never the URL (URLs end up in
// logs and history). The same keys as the bundled GraphiQL, so one tab signs in once.

export interface Session {
  apiKey: string;
  purpose: string;
}

const KEY_STORAGE = 'registry.apiKey';
const PURPOSE_STORAGE = 'registry.purpose';

/**
 * Purposes of use as fixed codes: the header is stored in the audit trail, and free text there
 * could carry an identifier (domain rules: everything a request carries is data).
 */
// The registry's purpose-of-use vocabulary (src/lib/request-metadata.ts, README "Purpose of use"):
// the service refuses any other value, and stores this one in the audit trail.
export const PURPOSES: ReadonlyArray<{ code: string; label: string }> = [
  { code: 'scientific_research', label: 'A study under an approved protocol' },
  { code: 'programme_evaluation', label: "Evaluating a care programme's delivery and outcomes" },
  { code: 'quality_improvement', label: 'Improving care within an organisation (monitoring its trajectories)' },
  { code: 'policy_evaluation', label: 'Evaluating policy or funding' },
  { code: 'system_test', label: 'Testing a dashboard or the registry itself' },
];

export function loadSession(): Session | null {
  const apiKey = sessionStorage.getItem(KEY_STORAGE);
  const purpose = sessionStorage.getItem(PURPOSE_STORAGE) ?? '';
  return apiKey ? { apiKey, purpose } : null;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY_STORAGE, session.apiKey);
  sessionStorage.setItem(PURPOSE_STORAGE, session.purpose);
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY_STORAGE);
  sessionStorage.removeItem(PURPOSE_STORAGE);
}
