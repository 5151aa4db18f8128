import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { refusalOf } from '../graphql/client';
import { graphql } from '../graphql/generated';
import { ErrorNote } from '../ui/error-note';

const FirstAdminNeeded = graphql(`
  query FirstAdminNeeded {
    firstAdminNeeded
  }
`);

const CreateFirstAdmin = graphql(`
  mutation CreateFirstAdmin($name: String!, $code: String!) {
    createFirstAdminToken(input: { name: $name, bootstrapCode: $code }) {
      token
    }
  }
`);

interface Props {
  notice: string | null;
  signIn(token: string): Promise<string | null>;
}

/** Sign-in with an API token; on a database with no admin yet, the first-admin flow with the printed code. */
export function SignInPage({ notice, signIn }: Props) {
  const [token, setToken] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [firstAdmin] = useQuery({ query: FirstAdminNeeded });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setRefusal(await signIn(token.trim()));
    setBusy(false);
  };

  return (
    <main className="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Custody</h1>
      {notice && <p className="notice" role="alert">{notice}</p>}
      <form onSubmit={(e) => void submit(e)} className="card">
        <h2>Sign in</h2>
        <label htmlFor="token">API token</label>
        <input id="token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} placeholder="cus_…" required />
        <button type="submit" disabled={busy || !token.trim()}>
          Sign in
        </button>
        {refusal && <ErrorNote message={refusal} />}
        <p className="hint">
          An admin creates tokens with the CLI (<code>custody tokens create</code>) or the <code>createToken</code> mutation.
        </p>
      </form>
      {firstAdmin.data?.firstAdminNeeded && <FirstAdminForm signIn={signIn} />}
    </main>
  );
}

function FirstAdminForm({ signIn }: Pick<Props, 'signIn'>) {
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const [result, create] = useMutation(CreateFirstAdmin);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const answer = await create({ name: name.trim(), code: code.trim() });
    if (answer.data) setCreated(answer.data.createFirstAdminToken.token);
  };

  if (created) {
    return (
      <section className="card" aria-labelledby="first-admin-title">
        <h2 id="first-admin-title">Your admin token</h2>
        <p>It is shown once. Keep it somewhere safe, such as a password manager.</p>
        <code className="secret" data-testid="first-admin-token">{created}</code>
        <button type="button" onClick={() => void signIn(created)}>
          Continue signed in
        </button>
      </section>
    );
  }
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="first-admin-title">
      <h2 id="first-admin-title">Create the first admin</h2>
      <p>
        No admin exists yet. The one-time code is printed on the server console by <code>npm start</code>.
      </p>
      <label htmlFor="admin-name">Your name</label>
      <input id="admin-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="you@example.com" required />
      <label htmlFor="admin-code">One-time code</label>
      <input id="admin-code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" required />
      <button type="submit" disabled={result.fetching}>
        Create
      </button>
      {result.error && <ErrorNote {...refusalOf(result.error)} />}
    </form>
  );
}
