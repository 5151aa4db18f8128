import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, getNamedType, getNullableType, getVariableValues, isInputObjectType, isListType, type GraphQLField, type ValidationContext, type ValidationRule } from 'graphql';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { getComplexity, type ComplexityEstimatorArgs } from 'graphql-query-complexity';

/** How many items a list with no page size is assumed to hold. */
const UNSIZED_LIST = 10;
/** The page size a paginated field answers with when none is asked for (api/common/pagination.ts). */
const DEFAULT_PAGE = 20;

/** Whether a field takes a page size, as `first` or `input.first`. */
function isPaginated(field: GraphQLField<unknown, unknown>): boolean {
  return field.args.some((arg) => {
    if (arg.name === 'first') return true;
    const type = getNamedType(arg.type);
    return arg.name === 'input' && isInputObjectType(type) && 'first' in type.getFields();
  });
}

/** The page size a field asks for, as `first` or `input.first`. */
function pageSizeOf(args: Record<string, unknown>): number | undefined {
  const input = args.input as Record<string, unknown> | undefined;
  const first = args.first ?? input?.first;
  return typeof first === 'number' && first > 0 ? first : undefined;
}

/**
 * A field costs 1 plus its children, times the items it can return: the page size it asks for (20 when
 * it takes one but names none), or 10 for a list with none. A connection's `nodes` are already counted by the page size of the field above.
 */
export function fieldCost({ field, args, childComplexity }: ComplexityEstimatorArgs): number {
  const size = pageSizeOf(args) ?? (isPaginated(field) ? DEFAULT_PAGE : undefined);
  const list = isListType(getNullableType(field.type)) && field.name !== 'nodes';
  return 1 + childComplexity * (size ?? (list ? UNSIZED_LIST : 1));
}

/**
 * Refuses operations nested deeper than `maxDepth` (through fragments, cycles included; introspection
 * excluded) as a validation error naming the limit and the depth found.
 */
export const depthRule = (maxDepth: number): ValidationRule =>
  maxDepthRule({
    n: maxDepth,
    propagateOnRejection: false,
    onReject: [(context, error) => (context as ValidationContext).reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')))],
  }) as unknown as ValidationRule;

/** The most tokens a GraphQL document may hold: parsing stops there, so a huge query costs little. */
export const MAX_TOKENS = 5000;

/** As many variable problems as execution reports before it stops (graphql's own limit). */
const MAX_VARIABLE_ERRORS = 50;

/**
 * Refuses an operation whose estimated cost exceeds `maxCost` before any resolver runs, with
 * QUERY_TOO_COSTLY naming both figures. The cost needs the request's variables, so it is a plugin.
 * Variables that do not coerce are left to execution, which refuses them before any resolver runs
 * as a 400 BAD_USER_INPUT naming each variable and the reason, as for any bad variable; the cost of
 * such an operation is moot. (`getComplexity` coerces them too, and its error would escape as a 500.)
 */
export function costLimit(maxCost: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operation }) {
          // No operation to run (a name the document lacks), or variables that do not coerce: execution refuses it.
          if (!operation) return;
          const variables = request.variables ?? {};
          if (getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: MAX_VARIABLE_ERRORS }).errors) return;
          const cost = getComplexity({ schema, query: document, variables, operationName: request.operationName ?? undefined, estimators: [fieldCost] });
          if (cost <= maxCost) return;
          throw new GraphQLError(`The operation's estimated cost is ${cost}, over the limit of ${maxCost}: ask for smaller pages or fewer nested lists`, {
            extensions: { code: 'QUERY_TOO_COSTLY', cost, limit: maxCost, http: { status: 400 } },
          });
        },
      };
    },
  };
}
