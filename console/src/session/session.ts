import { createContext, useContext } from 'react';
import { mayCall, type GuardedMutation, type Role } from '../../../domain/access';

/** The signed-in person, as the API's `me` names them. */
export interface Person {
  name: string;
  role: Role;
}

export interface Session {
  me: Person;
  /** Whether this person's role may call a mutation: the console offers only what it allows. */
  may(mutation: GuardedMutation): boolean;
  signOut(notice?: string): void;
}

const SessionContext = createContext<Session | null>(null);
export const SessionProvider = SessionContext.Provider;

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

export function sessionFor(me: Person, signOut: (notice?: string) => void): Session {
  return { me, signOut, may: (mutation) => mayCall(me.role, mutation) };
}

const KEY = 'custody.token';

/** The token lives in this tab's session storage only: never in a URL, a cookie or local storage. */
export const tokenStore = {
  read: (): string | null => sessionStorage.getItem(KEY),
  write: (token: string): void => sessionStorage.setItem(KEY, token),
  clear: (): void => sessionStorage.removeItem(KEY),
};

/**
 * The codec session: a cookie, scoped to /codec, that lets the Temporal UI (same site, another port)
 * decrypt payloads as this person. Opened at sign-in and closed at sign-out; where payload encryption is
 * off the API answers 404 and nothing is set.
 */
export const codecSession = {
  open: (token: string): Promise<unknown> => fetch('/codec/session', { method: 'POST', headers: { authorization: `Bearer ${token}` } }).catch(() => undefined),
  close: (): Promise<unknown> => fetch('/codec/session', { method: 'DELETE' }).catch(() => undefined),
};
