import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { graphql } from './api';
import { CatalogueDocument, type CatalogueQuery, type StatisticsGrouping } from './generated/operations';
import { ProgrammesPage } from './pages/programmes-page';
import { SignIn } from './pages/sign-in';
import { INITIAL_LIST, type ListState, TrajectoryList } from './pages/trajectory-list';
import { TrajectoryPage } from './pages/trajectory-page';
import { clearSession, loadSession, PURPOSES, type Session, saveSession } from './session';
import { ErrorMessage, Loading } from './ui';
import './app.css';

// The research dashboard, served by the registry at /app. Routes live in the URL's fragment
// (#/trajectories/<id>): a fragment never reaches a server or its logs.

/**
 * 'home' (no fragment) opens the trajectories for the roles that read records (researcher,
 * institution) and the programmes for the others, as the API's `viewer` says: no record-level
 * request is made (and refused, and audited as refused) just to find out.
 */
type Route = { page: 'home' } | { page: 'trajectories' } | { page: 'programmes' } | { page: 'trajectory'; id: string };

function routeOf(hash: string): Route {
  const match = /^#\/trajectories\/([^/?#]+)$/.exec(hash);
  if (match) return { page: 'trajectory', id: decodeURIComponent(match[1]!) };
  if (hash === '#/programmes') return { page: 'programmes' };
  if (hash === '#/trajectories') return { page: 'trajectories' };
  return { page: 'home' };
}

const toProgrammes = () => location.replace('#/programmes');

/** The roles the API gives record-level trajectories (the others get statistics at most). */
const readsRecords = (catalogue: CatalogueQuery) => catalogue.viewer.role === 'researcher' || catalogue.viewer.role === 'institution';

function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.hash));
  useEffect(() => {
    const changed = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [catalogue, setCatalogue] = useState<CatalogueQuery | null>(null);
  const [catalogueError, setCatalogueError] = useState<unknown>(null);
  const [list, setList] = useState<ListState>(INITIAL_LIST);
  const [groupBy, setGroupBy] = useState<StatisticsGrouping>('programme');
  const route = useRoute();

  // A tab that signed in before (then reloaded) reads the catalogue again with the stored key.
  useEffect(() => {
    if (!session || catalogue) return;
    graphql(session, CatalogueDocument, {}).then(setCatalogue, setCatalogueError);
  }, [session, catalogue]);

  const signOut = () => {
    clearSession();
    setSession(null);
    setCatalogue(null);
    setCatalogueError(null);
    setList(INITIAL_LIST);
    setGroupBy('programme');
  };
  const purpose = PURPOSES.find((p) => p.code === session?.purpose)?.label;
  const goesToProgrammes = route.page === 'home' && catalogue !== null && !readsRecords(catalogue);
  useEffect(() => {
    if (goesToProgrammes) toProgrammes();
  }, [goesToProgrammes]);
  const who = catalogue ? [catalogue.viewer.role, catalogue.viewer.institutionCode].filter(Boolean).join(', ') : null;

  return (
    <>
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link; the app routes by hash, so it moves focus instead of navigating to #main */}
      <a
        className="skip"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Care trajectory research registry</span>
        {session ? (
          <>
            <nav aria-label="Main">
              <a href="#/trajectories" aria-current={route.page === 'trajectories' || route.page === 'home' ? 'page' : undefined}>
                Trajectories
              </a>{' '}
              <a href="#/programmes" aria-current={route.page === 'programmes' ? 'page' : undefined}>
                Programmes
              </a>
            </nav>
            <span className="who">
              {who ? `Signed in as ${who}` : null}
              {who && purpose ? ' · ' : null}
              {purpose ? `Purpose: ${purpose}` : null}
            </span>
            <button type="button" className="secondary" onClick={signOut}>
              Sign out
            </button>
          </>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        {!session ? (
          <SignIn
            onSignedIn={(next, answer) => {
              saveSession(next);
              setSession(next);
              setCatalogue(answer);
            }}
          />
        ) : catalogueError ? (
          <ErrorMessage error={catalogueError} />
        ) : !catalogue ? (
          <Loading what="the catalogue" />
        ) : route.page === 'trajectory' ? (
          <TrajectoryPage key={route.id} session={session} catalogue={catalogue} id={route.id} release={list.release} />
        ) : goesToProgrammes ? (
          <Loading what="the programmes" />
        ) : route.page === 'programmes' ? (
          <ProgrammesPage session={session} catalogue={catalogue} groupBy={groupBy} onGroupBy={setGroupBy} />
        ) : (
          <TrajectoryList session={session} catalogue={catalogue} state={list} onChange={setList} />
        )}
      </main>
      <footer className="bottom muted">
        Synthetic data only. Researchers see day offsets from the start of a trajectory, never calendar dates.
      </footer>
    </>
  );
}

createRoot(document.getElementById('app')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
