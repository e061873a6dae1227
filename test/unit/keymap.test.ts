import { describe, expect, it } from 'vitest';
import { KeyMap, shardOf } from '../../src/store/keymap';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('KeyMap', () => {
  it('behaves as a Map under random sets, overwrites and deletes (size, get, has, iteration)', () => {
    const km = new KeyMap<number>();
    const ref = new Map<string, number>();
    const r = rng(7);
    for (let i = 0; i < 20_000; i++) {
      const k = `k:${Math.floor(r() * 3000)}`;
      const op = r();
      if (op < 0.6) {
        km.set(k, i);
        ref.set(k, i);
      } else {
        expect(km.delete(k)).toBe(ref.delete(k));
      }
      expect(km.size).toBe(ref.size);
    }
    for (const [k, v] of ref) {
      expect(km.get(k)).toBe(v);
      expect(km.has(k)).toBe(true);
    }
    expect(km.get('absent')).toBeUndefined();
    expect(km.has('absent')).toBe(false);
    const it = [...km.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    expect(it).toEqual([...ref.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
    expect([...km.keys()].length).toBe(ref.size);
    expect([...km].length).toBe(ref.size);
  });

  it('an empty map iterates nothing and deletes nothing', () => {
    const km = new KeyMap<string>();
    expect(km.size).toBe(0);
    expect(km.delete('x')).toBe(false);
    expect([...km.entries()]).toEqual([]);
    expect(km.shardSizes()).toEqual([]);
  });

  it('a live iterator survives deletes and inserts and never skips a key present throughout', () => {
    const km = new KeyMap<number>();
    for (let i = 0; i < 5000; i++) km.set(`key:${i}`, i);
    const it = km.keys();
    const seen = new Set<string>();
    let step = 0;
    for (let r = it.next(); !r.done; r = it.next()) {
      seen.add(r.value);
      // delete odd keys and add new ones while walking, as the active expire cycle and SCAN cursors do
      if (step % 3 === 0) km.delete(`key:${(step * 7) % 5000}`);
      if (step % 5 === 0) km.set(`new:${step}`, step);
      step++;
    }
    for (let i = 0; i < 5000; i++) {
      const k = `key:${i}`;
      if (km.has(k)) expect(seen.has(k)).toBe(true);
    }
  });

  it.each([
    ['key:<n>', (i: number) => `key:${i}`],
    ['user:<n>:profile', (i: number) => `user:${i}:profile`],
    ['session:<hex>', (i: number) => `session:${(i * 2654435761).toString(16).padStart(8, '0')}`],
    ['a long prefix then <n>', (i: number) => `app:production:cache:v2:object:${i}:payload`],
    ['small integers', (i: number) => String(i)],
  ])('spreads %s keys over the shards (no shard above 3x the mean)', (_n, gen) => {
    const km = new KeyMap<number>();
    const n = 64_000;
    for (let i = 0; i < n; i++) km.set(gen(i), i);
    const sizes = km.shardSizes();
    expect(sizes.length).toBe(64);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
    expect(Math.max(...sizes)).toBeLessThan((3 * n) / 64);
  });

  it('hashes binary keys and the empty key', () => {
    const km = new KeyMap<number>();
    const keys = ['', '\0', '\xff\xfe', 'x'.repeat(1000), `${'y'.repeat(40)}\0${'z'.repeat(40)}`];
    for (const [i, k] of keys.entries()) km.set(k, i);
    for (const [i, k] of keys.entries()) expect(km.get(k)).toBe(i);
    for (const k of keys) expect(shardOf(k)).toBeGreaterThanOrEqual(0);
    for (const k of keys) expect(shardOf(k)).toBeLessThan(64);
  });
});
