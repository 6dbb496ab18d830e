import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';
import { StrictMode, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import './graphiql-page.css';

// GraphiQL served by the registry itself: every asset comes from this service (no CDN), so it
// works on a closed network under the service's own strict content security policy. The API key
// is asked here and kept in this tab's sessionStorage only (never a cookie or a URL); the
// purpose of use is sent with every request, as researchers must.

const KEY_STORAGE = 'registry.apiKey';
const PURPOSE_STORAGE = 'registry.purpose';

interface GraphqlParams {
  query: string;
  variables?: unknown;
  operationName?: string | null;
}

function Page() {
  const [apiKey, setApiKey] = useState(() => sessionStorage.getItem(KEY_STORAGE) ?? '');
  const [purpose, setPurpose] = useState(() => sessionStorage.getItem(PURPOSE_STORAGE) ?? '');
  const fetcher = useMemo(
    () => async (params: GraphqlParams) => {
      // Nothing is sent without a key: the answer would only be a refusal.
      if (!apiKey) return { errors: [{ message: 'Type your API key above (it stays in this browser tab).' }] };
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Bearer ${apiKey}`,
      };
      if (purpose) headers['x-purpose-of-use'] = purpose;
      const response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify(params) });
      return response.json();
    },
    [apiKey, purpose],
  );
  const remember = (storage: string, set: (value: string) => void) => (value: string) => {
    sessionStorage.setItem(storage, value);
    set(value);
  };
  return (
    <div className="registry-graphiql">
      <form className="registry-credentials" onSubmit={(event) => event.preventDefault()} aria-label="Credentials">
        <label>
          API key
          <input
            type="password"
            autoComplete="off"
            value={apiKey}
            onChange={(event) => remember(KEY_STORAGE, setApiKey)(event.target.value)}
            name="apiKey"
          />
        </label>
        <label>
          Purpose of use (X-Purpose-Of-Use)
          <input
            type="text"
            value={purpose}
            onChange={(event) => remember(PURPOSE_STORAGE, setPurpose)(event.target.value)}
            name="purpose"
          />
        </label>
        <span className="registry-note">Kept in this browser tab only.</span>
      </form>
      <div className="registry-editor">
        <GraphiQL key={`${apiKey}\u0000${purpose}`} fetcher={fetcher} defaultQuery={'{\n  apiVersion\n  programmes { code name }\n}\n'} />
      </div>
    </div>
  );
}

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <Page />
  </StrictMode>,
);
