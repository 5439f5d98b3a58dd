import { createContext, useContext } from 'react';

export interface SessionUser { accountId: string; username: string; role: string }

export interface Session {
  user: SessionUser;
  /** The root admin: infrastructure (hosts) and every tenant. */
  isAdmin: boolean;
  /** The root admin or a domain admin: the domains and accounts screens (a domain admin sees their subtree). */
  administersTenants: boolean;
  logout: () => void;
}

export const SessionContext = createContext<Session | null>(null);

/** The signed-in user; screens render only inside a session. */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside of a session');
  return s;
}
