import { useCallback, useEffect, useMemo, useState } from 'react';
import { client, onSessionLost } from './api/kumo-client.ts';
import { closeFeed } from './api/live-stream.ts';
import { useI18n } from './i18n/i18n-context.tsx';
import { useLocationPath } from './navigation.ts';
import { SessionContext, type Session, type SessionUser } from './session-context.ts';
import { LoginScreen } from './screens/login-screen.tsx';
import { TopBar } from './components/top-bar.tsx';
import { NavMenu } from './components/nav-menu.tsx';
import { LoadingNote } from './components/loading-note.tsx';
import { RouteView } from './route-view.tsx';
import { VncTicketScreen } from './screens/vnc-ticket-screen.tsx';

/** Session check, then the login screen or the console. */
export function App() {
  const { t } = useI18n();
  const [user, setUser] = useState<SessionUser | null | undefined>(undefined);
  const [navOpen, setNavOpen] = useState(false);
  const path = useLocationPath();

  useEffect(() => {
    client.request<SessionUser>('GET', '/api/v1/auth/whoami').then(setUser, () => setUser(null));
    return onSessionLost(() => { closeFeed(); setUser(null); });
  }, []);

  useEffect(() => {
    setNavOpen(false);
    // Keyboard and screen-reader users land on the new screen's heading.
    const h = document.querySelector<HTMLElement>('#main h1');
    h?.focus({ preventScroll: true });
  }, [path]);

  const logout = useCallback(() => {
    closeFeed();
    client.request('POST', '/api/v1/auth/logout').catch(() => {}).finally(() => setUser(null));
  }, []);

  const session = useMemo<Session | null>(() => (user ? { user, isAdmin: user.role === 'admin', administersTenants: user.role === 'admin' || user.role === 'domain-admin', logout } : null), [user, logout]);

  // A one-time console link carries its own credential: no session needed.
  const ticket = /^\/vnc\/([\w-]{16,64})$/.exec(path)?.[1];
  if (ticket) return <VncTicketScreen ticket={ticket} />;
  if (user === undefined) return <main id="main" className="boot"><LoadingNote /></main>;
  if (!session) return <LoginScreen onLogin={setUser} />;
  return (
    <SessionContext.Provider value={session}>
      <a className="skip-link" href="#main">{t('app.skip')}</a>
      <div className="shell">
        <TopBar navOpen={navOpen} onToggleNav={() => setNavOpen((o) => !o)} />
        <NavMenu path={path} isAdmin={session.isAdmin} administersTenants={session.administersTenants} open={navOpen} />
        <main id="main" className="content" tabIndex={-1}>
          <RouteView path={path} />
        </main>
      </div>
    </SessionContext.Provider>
  );
}
