import { type FormEvent, useState } from 'react';
import { graphql } from '../api';
import { CatalogueDocument, type CatalogueQuery } from '../generated/operations';
import { PURPOSES, type Session } from '../session';
import { ErrorMessage } from '../ui';

// The key is typed once per tab; the catalogue is read with it at once, so a wrong or revoked key
// is told here and not on the first page.

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session, catalogue: CatalogueQuery) => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const session = { apiKey: String(data.get('apiKey') ?? '').trim(), purpose: String(data.get('purpose') ?? '') };
    setBusy(true);
    setError(null);
    try {
      onSignedIn(session, await graphql(session, CatalogueDocument, {}));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="sign-in" aria-labelledby="sign-in-heading">
      <h1 id="sign-in-heading">Sign in with your API key</h1>
      <p>
        The key stays in this browser tab only (its session storage) and is forgotten when the tab closes. Every page reads the registry’s
        public API with it, so you see exactly what your role may see, and every read is in the audit trail.
      </p>
      <form onSubmit={submit} aria-describedby="sign-in-note">
        <label>
          API key
          {/* biome-ignore lint/a11y/noAutofocus: signing in is the page's only task, so focus starts in its one required field */}
          <input name="apiKey" type="password" autoComplete="off" required autoFocus spellCheck={false} />
        </label>
        <label>
          Purpose of use
          <select name="purpose" defaultValue={PURPOSES[0]!.code}>
            {PURPOSES.map((purpose) => (
              <option key={purpose.code} value={purpose.code}>
                {purpose.label}
              </option>
            ))}
          </select>
        </label>
        <p id="sign-in-note" className="muted">
          Researchers must declare why they read record-level data; it is sent with every request (X-Purpose-Of-Use) and kept in the audit
          trail.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking the key…' : 'Sign in'}
        </button>
      </form>
      {error ? <ErrorMessage error={error} /> : null}
    </section>
  );
}
