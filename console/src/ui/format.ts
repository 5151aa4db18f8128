/** Small formatting helpers shared by the pages. */

export const formatTime = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const between = (start: string | null | undefined, end: string | null | undefined): number | null =>
  start ? (end ? Date.parse(end) : Date.now()) - Date.parse(start) : null;

export const formatNumber = (value: unknown): string =>
  typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toPrecision(4)) : value === null || value === undefined ? '—' : String(value);

/** Numeric leaves of a JSON object, with dotted paths for nested ones: `{ test: { f1: 0.9 } }` → `test.f1`. */
export function numericLeaves(value: unknown, prefix = ''): Record<string, number> {
  if (typeof value === 'number') return prefix ? { [prefix]: value } : {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.entries(value).reduce<Record<string, number>>((all, [key, inner]) => ({ ...all, ...numericLeaves(inner, prefix ? `${prefix}.${key}` : key) }), {});
}

/** Params as one short line, e.g. `maxDepth=3 nEstimators=10`. */
export const formatParams = (params: unknown): string =>
  params && typeof params === 'object'
    ? Object.entries(params)
        .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(' ')
    : '';
