import fc from 'fast-check';
import {
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

/** One root field of the schema as an operation whose every argument is a variable. */
export interface Operation {
  /** `query pipelineRun` or `mutation predict`. */
  name: string;
  document: string;
  args: GraphQLField<unknown, unknown>['args'];
}

/** Leaf fields with no required argument, one level of objects deep; `__typename` where there are none. */
function selectionOf(type: GraphQLObjectType, depth: number): string {
  const fields = Object.values(type.getFields()).filter((f) => f.args.every((a) => !isNonNullType(a.type)));
  const selected = fields.flatMap((f) => {
    const named = getNamedType(f.type);
    if (isLeafType(named)) return [f.name];
    if (depth > 0 && isObjectType(named)) return [`${f.name} ${selectionOf(named, depth - 1)}`];
    return [];
  });
  return `{ __typename ${selected.join(' ')} }`;
}

/** Every Query and Mutation field of `schema`, each with its arguments passed as variables. */
export function operationsOf(schema: GraphQLSchema): Operation[] {
  const roots = [['query', schema.getQueryType()], ['mutation', schema.getMutationType()]] as const;
  return roots.flatMap(([kind, root]) =>
    Object.values(root?.getFields() ?? {}).map((field) => {
      const named = getNamedType(field.type);
      const selection = isLeafType(named) ? '' : isAbstractType(named) ? '{ __typename }' : selectionOf(named as GraphQLObjectType, 1);
      const definitions = field.args.length ? `(${field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ')})` : '';
      const args = field.args.length ? `(${field.args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
      return { name: `${kind} ${field.name}`, document: `${kind} Fuzz${definitions} { ${field.name}${args} ${selection} }`, args: field.args };
    }),
  );
}

/** Anything of the wrong kind for most positions: strings, numbers, booleans, objects and arrays. */
const wrongKind: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null)), { maxKeys: 3 }),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null)), { maxLength: 3 }),
);

/** About the most a long list of repeated items holds, so that nesting them stays within the body limit. */
const LONG_LIST_BYTES = 300_000;

/** Long strings, kept so that a whole request stays under the 1 MB body limit. */
const longString = fc.tuple(fc.constantFrom('x', 'é', '🦄', '\u0000', ' ', '<a>'), fc.integer({ min: 1_000, max: 60_000 })).map(([unit, n]) => unit.repeat(n));

/** Strings a client might plausibly send: names, durations, ids, URLs, specs and dates. */
const plausibleString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.uuid(),
  fc.constantFrom('', ' ', 'iris', 'admin', 'viewer', 'submitter', '30d', '1h', '0s', '-1d', 'monitor-iris', 'https://127.0.0.1:1/hook', 'ftp://x', 'name: x\n', 'a,b\n1,2\n', '2024-02-30T00:00:00Z'),
);

const SCALARS: Record<string, fc.Arbitrary<unknown>> = {
  Int: fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1.5, 1e308), fc.string({ maxLength: 4 })),
  Float: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 1e308, -1e308, 5e-324), fc.string({ maxLength: 4 })),
  String: fc.oneof(plausibleString, longString),
  ID: fc.oneof(plausibleString, longString),
  Boolean: fc.boolean(),
  DateTime: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('2024-13-45T99:00:00Z', '+275760-09-13T00:00:00.000Z', 'yesterday', '0'), fc.integer()),
  JSON: fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.integer({ min: 1, max: 2_000 }).map((n) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown),
    fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 8 }), fc.constant(null)), { maxKeys: 40 }),
  ),
};

/**
 * Values for a variable of `type` as a careless or new client might send them: mostly of the right
 * shape, but with nulls where none is allowed, wrong kinds, missing and unknown input fields,
 * unknown enum values, and long strings and lists.
 */
export function valuesOf(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return fc.oneof({ arbitrary: fc.constant(null), weight: 1 }, { arbitrary: valuesOf(type.ofType, depth), weight: 4 });
  const value = ((): fc.Arbitrary<unknown> => {
    if (depth > 4) return wrongKind;
    if (isListType(type)) {
      const item = valuesOf(type.ofType, depth + 1);
      return fc.oneof(
        { arbitrary: fc.array(item, { maxLength: 4 }), weight: 4 },
        { arbitrary: fc.tuple(item, fc.integer({ min: 1_001, max: 20_000 })).map(([one, n]) => Array.from({ length: Math.min(n, Math.ceil(LONG_LIST_BYTES / (JSON.stringify(one).length + 1))) }, () => one)), weight: 1 },
        { arbitrary: item, weight: 1 },
        { arbitrary: wrongKind, weight: 1 },
      );
    }
    if (isInputObjectType(type)) {
      const fields = Object.fromEntries(Object.values(type.getFields()).map((f) => [f.name, valuesOf(f.type, depth + 1)]));
      const unknown = fc.option(fc.tuple(fc.constantFrom('extra', 'input', '__proto__', 'constructor', 'id'), wrongKind), { nil: undefined });
      return fc.oneof(
        { arbitrary: fc.tuple(fc.record(fields), unknown).map(([record, extra]) => (extra ? { ...record, [extra[0]]: extra[1] } : record)), weight: 4 },
        { arbitrary: fc.record(fields, { requiredKeys: [] }), weight: 2 },
        { arbitrary: wrongKind, weight: 1 },
      );
    }
    if (isEnumType(type)) return fc.oneof(fc.constantFrom(...type.getValues().map((v) => v.name)), fc.constantFrom('', 'nope', 'succeeded'), wrongKind);
    return fc.oneof({ arbitrary: SCALARS[type.name] ?? fc.jsonValue({ maxDepth: 2 }), weight: 4 }, { arbitrary: wrongKind, weight: 1 });
  })();
  return fc.oneof({ arbitrary: value, weight: 6 }, { arbitrary: fc.constant(null), weight: 1 });
}

/** The largest JSON variables a generated request may carry: under the 1 MB body limit, so the variables are what is tested. */
export const MAX_VARIABLES_BYTES = 900_000;

/** Variables for `operation`, any of them possibly missing, kept under {@link MAX_VARIABLES_BYTES}. */
export function variablesOf(operation: Operation): fc.Arbitrary<Record<string, unknown>> {
  const shapes = Object.fromEntries(operation.args.map((a) => [a.name, valuesOf(a.type)]));
  return fc.record(shapes, { requiredKeys: [] }).filter((v) => JSON.stringify(v).length < MAX_VARIABLES_BYTES);
}
