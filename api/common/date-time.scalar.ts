import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';

/** An RFC 3339 date-time: date, time to the second, an optional fraction, and Z or an offset. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;

const EXPECTED = 'It must be an RFC 3339 date-time such as 2019-12-03T09:54:33Z, on a real calendar day, in the years 1 to 9999.';

/**
 * The instant `value` names, or a TypeError saying what a date-time must be. Stricter than `new Date()`:
 * that accepts numbers and rolls 30 February over into March, and it reaches years no database stores.
 */
export function parseDateTime(value: unknown): Date {
  const match = typeof value === 'string' ? DATE_TIME.exec(value) : null;
  if (!match) throw new TypeError(EXPECTED);
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number, number, number];
  const calendar = new Date(0);
  calendar.setUTCFullYear(year, month - 1, day);
  const realDay = month >= 1 && month <= 12 && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day;
  const realTime = hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59;
  const instant = new Date(value as string);
  const utcYear = instant.getUTCFullYear();
  if (!realDay || !realTime || !(utcYear >= 1 && utcYear <= 9999)) throw new TypeError(EXPECTED);
  return instant;
}

/**
 * `DateTime`, as NestJS names and describes it, but refusing what is not a date-time (with the
 * variable's path, as bad input) instead of passing an invalid or unstorable Date to a resolver.
 */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'A date-time string at UTC, such as 2019-12-03T09:54:33Z, compliant with the date-time format.',
  parseValue: parseDateTime,
  parseLiteral(ast: ValueNode) {
    if (ast.kind !== Kind.STRING) throw new TypeError(EXPECTED);
    return parseDateTime(ast.value);
  },
  serialize(value) {
    return value instanceof Date ? value.toISOString() : (null as unknown as string);
  },
});
