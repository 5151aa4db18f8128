import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Provider as UrqlProvider } from 'urql';
import { createApiClient, refusalOf } from './graphql/client';
import { graphql } from './graphql/generated';
import { codecSession, SessionProvider, sessionFor, tokenStore, type Person } from './session/session';
import { SignInPage } from './session/sign-in-page';
import { Shell } from './shell';

const Me = graphql(`
  query Me {
    me {
      name
      role
    }
  }
`);

/**
 * The console: signed out, the sign-in page; signed in, the shell and its pages. A token the API stops
 * accepting (expired, revoked) signs the person out, and the sign-in page says why.
 */
export function App() {
  const token = useRef<string | null>(tokenStore.read());
  const [me, setMe] = useState<Person | null>(null);
  const [checking, setChecking] = useState(token.current !== null);
  const [notice, setNotice] = useState<string | null>(null);
  const signedIn = useRef(false);

  const signOut = useCallback((message?: string) => {
    tokenStore.clear();
    token.current = null;
    signedIn.current = false;
    void codecSession.close();
    setMe(null);
    setNotice(message ?? null);
  }, []);

  const client = useMemo(
    () => createApiClient(() => token.current, (message) => signedIn.current && signOut(`You have been signed out: ${message}`)),
    [signOut],
  );

  const signIn = useCallback(
    async (candidate: string): Promise<string | null> => {
      token.current = candidate;
      const result = await client.query(Me, {}).toPromise();
      if (!result.data) {
        token.current = null;
        tokenStore.clear();
        return result.error ? refusalOf(result.error).message : 'The API did not answer';
      }
      tokenStore.write(candidate);
      void codecSession.open(candidate);
      signedIn.current = true;
      setMe(result.data.me as Person);
      setNotice(null);
      return null;
    },
    [client],
  );

  useEffect(() => {
    const stored = token.current;
    if (!stored) return;
    void signIn(stored).then((refusal) => {
      if (refusal) setNotice(`You have been signed out: ${refusal}`);
      setChecking(false);
    });
  }, [signIn]);

  const session = useMemo(() => (me ? sessionFor(me, signOut) : null), [me, signOut]);
  return (
    <UrqlProvider value={client}>
      {session ? (
        <SessionProvider value={session}>
          <Shell />
        </SessionProvider>
      ) : checking ? (
        <p className="loading">Signing in…</p>
      ) : (
        <SignInPage notice={notice} signIn={signIn} />
      )}
    </UrqlProvider>
  );
}
