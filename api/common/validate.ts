import { durationMs, NAME_PATTERN } from '../../domain/pipeline/spec.js';
import { InputError } from '../errors/input-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a canonical UUID; ids are checked before they reach a uuid column, so bad ids are a 400, not a 500. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** A version number in a REST path: a whole number from 1 to 2³¹ − 1 (the registry's integers), or null for any other text. */
export function versionParam(text: string): number | null {
  return /^[1-9]\d{0,9}$/.test(text) && Number(text) <= 2 ** 31 - 1 ? Number(text) : null;
}

/** A model name as the registry spells it (the spec's name pattern), or a field error on `path`. */
export function modelNameField(name: unknown, path = 'input.model'): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) throw InputError.field(path, 'must be a model name: 1-63 lowercase letters, digits or dashes');
  return name;
}

/** A duration such as 30d, 12h or 90m in milliseconds, or NaN for text that is not one (the caller names the field). */
export function durationOrNaN(text: string): number {
  try {
    return durationMs(text);
  } catch {
    return NaN;
  }
}
