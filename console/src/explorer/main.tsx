import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { buildSchema } from 'graphql';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import schemaText from '../../../schema.gql?raw';
import { tokenStore } from '../session/session';
import './explorer.css';

/**
 * GraphiQL, bundled (nothing from a CDN), at /graphql for a browser. It sends the token the console
 * signed in with from this tab's session storage, in a header; the schema ships in the build, so the
 * explorer works where introspection is turned off.
 */
const token = tokenStore.read();
const fetcher = createGraphiQLFetcher({ url: '/graphql', headers: token ? { authorization: `Bearer ${token}` } : {} });
const schema = buildSchema(schemaText);

function Explorer() {
  if (!token) {
    return (
      <main className="explorer-signed-out">
        <h1>GraphQL explorer</h1>
        <p>
          Sign in on the <a href="/">console</a> first, then open the explorer from its menu in the same tab.
        </p>
      </main>
    );
  }
  return <GraphiQL fetcher={fetcher} schema={schema} defaultQuery={'query {\n  me {\n    name\n    role\n  }\n}\n'} />;
}

createRoot(document.getElementById('explorer')!).render(
  <StrictMode>
    <Explorer />
  </StrictMode>,
);
