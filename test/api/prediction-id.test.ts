import { describe, expect, it } from 'vitest';
import { predictionId } from '../../api/serving/prediction-id.js';

describe('prediction ids', () => {
  it('are UUIDs of version 7 that carry their time, and sort by it', () => {
    const at = Date.UTC(2026, 10, 28, 6, 30, 0, 123);
    const id = predictionId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
    // Later ids sort later, as text and as the database's uuid order (byte order), whatever their random part.
    const ids = [at + 1000, at, at + 1, at + 86_400_000].map((t) => predictionId(t));
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0], ids[3]]);
    // Random within a millisecond: no two alike.
    expect(new Set(Array.from({ length: 1000 }, () => predictionId(at))).size).toBe(1000);
  });
});
