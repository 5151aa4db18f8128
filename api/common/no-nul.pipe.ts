import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { InputError } from '../errors/input-error.js';

/** Where in `value` a string holds a NUL character, as a dotted path, or null. */
export function findNul(value: unknown, path: string, seen = new WeakSet<object>()): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value && typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const found = findNul(child, `${path}.${key}`, seen);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Refuses any argument holding a NUL character, anywhere inside it: Postgres cannot store one in text
 * or JSON, so it would otherwise fail deep in a write. The error names the field.
 */
@Injectable()
export class NoNulPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    // GraphQL arguments arrive as 'body'; parents, context and the caller are 'custom' and not user input.
    if (metadata.type !== 'body') return value;
    const found = findNul(value, metadata.data ?? 'input');
    if (found) throw InputError.field(found, 'must not contain NUL characters');
    return value;
  }
}
