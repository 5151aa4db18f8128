import type { Row } from '../storage/read-rows.js';
import type { ModelArtifact } from './artifact.js';

/** The most inputs (rows) one prediction request may hold, wherever a model is served. */
export const MAX_INPUTS = 1000;

/** Why one input cannot be given to the model: the feature at fault and the reason, never quoting a sensitive value. */
export interface InputRefusal {
  ok: false;
  feature: string | null;
  reason: string;
}

export type CheckedInput = { ok: true; row: Row } | InputRefusal;

/**
 * Checks one input against the features the model was trained on and returns the row the model takes, or why
 * not. A built-in model imputes a missing value as it learned to in training, so null (and, where `emptyIsMissing`,
 * an empty cell, as a CSV file writes one) says "missing"; a command model needs every feature.
 */
export function checkInput(input: unknown, artifact: ModelArtifact, sensitive: ReadonlySet<string>, options: { emptyIsMissing?: boolean } = {}): CheckedInput {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { ok: false, feature: null, reason: 'must be an object of feature values' };
  const source = input as Record<string, unknown>;
  const row: Row = {};
  for (const feature of artifact.features) {
    let value = source[feature.name];
    if (options.emptyIsMissing && value === '') value = null;
    if (value === null && artifact.kind === 'builtin') {
      row[feature.name] = null;
      continue;
    }
    if (value === undefined || value === null || value === '') {
      return { ok: false, feature: feature.name, reason: artifact.kind === 'builtin' && !options.emptyIsMissing ? 'is missing (send null for a value that is missing on purpose)' : 'is missing' };
    }
    if (feature.kind === 'numeric') {
      const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
      if (!Number.isFinite(number)) return { ok: false, feature: feature.name, reason: sensitive.has(feature.name) ? 'must be a number' : `must be a number (got ${JSON.stringify(value)})` };
      row[feature.name] = number;
    } else {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return { ok: false, feature: feature.name, reason: 'must be a string, number or boolean' };
      // Half of a UTF-16 pair is no text: nothing can store or compare it (the prediction log's database refuses it).
      if (typeof value === 'string' && !wellFormed(value)) return { ok: false, feature: feature.name, reason: 'must be well-formed text (it holds half of a UTF-16 surrogate pair)' };
      row[feature.name] = String(value);
    }
  }
  return { ok: true, row };
}

/** Half of a UTF-16 surrogate pair on its own (with the `u` flag, a whole pair is one code point and does not match). */
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether `text` is well-formed UTF-16: text every store and comparison can take. */
export const wellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);
