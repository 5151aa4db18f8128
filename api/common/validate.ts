const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a canonical UUID; ids are checked before they reach a uuid column, so bad ids are a 400, not a 500. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
