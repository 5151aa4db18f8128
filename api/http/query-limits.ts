import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, getNullableType, isListType, type ValidationRule } from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { getComplexity, type ComplexityEstimatorArgs } from 'graphql-query-complexity';

/** How many items a list with no page size is assumed to hold. */
const UNSIZED_LIST = 10;

/** The page size a field asks for, as `first` or `input.first`. */
function pageSizeOf(args: Record<string, unknown>): number | undefined {
  const input = args.input as Record<string, unknown> | undefined;
  const first = args.first ?? input?.first;
  return typeof first === 'number' && first > 0 ? first : undefined;
}

/**
 * A field costs 1 plus its children, times the items it can return: the page size it asks for, or 10
 * for a list with none. A connection's `nodes` are already counted by the page size of the field above.
 */
export function fieldCost({ field, args, childComplexity }: ComplexityEstimatorArgs): number {
  const size = pageSizeOf(args);
  const list = isListType(getNullableType(field.type)) && field.name !== 'nodes';
  return 1 + childComplexity * (size ?? (list ? UNSIZED_LIST : 1));
}

/** Refuses operations nested deeper than `maxDepth` (introspection fields excluded), naming the limit. */
export const depthRule = (maxDepth: number): ValidationRule => depthLimit(maxDepth) as ValidationRule;

/**
 * Refuses an operation whose estimated cost exceeds `maxCost` before any resolver runs, with
 * QUERY_TOO_COSTLY naming both figures. The cost needs the request's variables, so it is a plugin.
 */
export function costLimit(maxCost: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          const cost = getComplexity({ schema, query: document, variables: request.variables ?? {}, operationName: request.operationName ?? undefined, estimators: [fieldCost] });
          if (cost <= maxCost) return;
          throw new GraphQLError(`The operation's estimated cost is ${cost}, over the limit of ${maxCost}: ask for smaller pages or fewer nested lists`, {
            extensions: { code: 'QUERY_TOO_COSTLY', cost, limit: maxCost, http: { status: 400 } },
          });
        },
      };
    },
  };
}
