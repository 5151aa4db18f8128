import { Client, fetchExchange, mapExchange, type CombinedError } from 'urql';

/** A field the API refused, by its path in the input (such as `spec.training.trainer`). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** What a refusal says: its message, and the fields it names one by one when it names any. */
export interface Refusal {
  message: string;
  code?: string;
  issues: FieldIssue[];
}

/** A CombinedError as the person should read it: the API's own words, without urql's prefixes. */
export function refusalOf(error: CombinedError): Refusal {
  const first = error.graphQLErrors[0];
  if (!first) return { message: error.networkError ? `The API could not be reached: ${error.networkError.message}` : error.message, issues: [] };
  const issues = (first.extensions?.issues as FieldIssue[] | undefined) ?? [];
  return { message: first.message, code: first.extensions?.code as string | undefined, issues };
}

/**
 * The console's one GraphQL client: same origin, the token in a header (never in a URL), always fresh
 * from the network. A refusal of the token itself (expired, revoked) signs the person out with the reason.
 */
export function createApiClient(token: () => string | null, onUnauthenticated: (message: string) => void): Client {
  return new Client({
    url: '/graphql',
    requestPolicy: 'network-only',
    preferGetMethod: false,
    fetchOptions: () => {
      const value = token();
      return value ? { headers: { authorization: `Bearer ${value}` } } : {};
    },
    exchanges: [
      mapExchange({
        onError(error) {
          const refused = error.graphQLErrors.find((e) => e.extensions?.code === 'UNAUTHENTICATED');
          if (refused) onUnauthenticated(refused.message);
        },
      }),
      fetchExchange,
    ],
  });
}
