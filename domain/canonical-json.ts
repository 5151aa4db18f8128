/**
 * JSON with object keys sorted, so the same content always serialises to the same bytes: what every
 * content hash in Custody (model artifacts, trial cache keys, spec hashes, audit events) is taken over.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
