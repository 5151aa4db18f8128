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
