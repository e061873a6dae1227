/**
 * The map of a database's keys (and of its TTLs): a JS Map split into shards by a cheap hash of the key.
 *
 * Why: a V8 Map grows by allocating a table twice the size and copying every entry in one go. At 1M keys that copy
 * stalled the server for ~100 ms the moment the key count crossed the next power of two; Redis avoids it with
 * incremental rehashing, which a JS Map cannot do. With 64 shards each growth step copies 1/64 of the keys (~1.5 ms
 * at 1M). The hash only has to spread keys; a skewed key pattern falls back to fewer, bigger shards, never to wrong
 * answers.
 *
 * Only the Map methods the store uses are offered. Iteration walks the shards in order; like a Map's own iterator it
 * tolerates changes made while it is live (it may or may not see keys added meanwhile, never skips one present
 * throughout), which SCAN cursors and the active expire cycle rely on.
 */
import type { Bytes } from '../protocol/bytes';

const SHARD_BITS = 6;
const SHARDS = 1 << SHARD_BITS;
const MASK = SHARDS - 1;

/** FNV-1a over the characters that vary most in real key names: the last 16, the first 8 and 8 from the middle. */
export function shardOf(key: Bytes): number {
  const n = key.length;
  let h = 0x811c9dc5 ^ n;
  const tail = n > 16 ? n - 16 : 0;
  for (let i = n - 1; i >= tail; i--) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  if (tail > 0) {
    const head = Math.min(tail, 8);
    for (let i = 0; i < head; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    const mid = tail >> 1;
    const midEnd = Math.min(mid + 8, tail);
    for (let i = Math.max(mid, head); i < midEnd; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) & MASK;
}

/** Walks the shards' own iterators one after the other, handing out their results as they are (no allocation). */
class ShardIterator<T> implements IterableIterator<T> {
  private i = 0;
  private cur: Iterator<T> | null = null;

  constructor(
    private readonly shards: readonly Map<Bytes, unknown>[] | null,
    private readonly open: (m: Map<Bytes, unknown>) => Iterator<T>,
  ) {}

  next(): IteratorResult<T> {
    const shards = this.shards;
    if (shards === null) return { done: true, value: undefined };
    for (;;) {
      if (this.cur === null) {
        if (this.i >= SHARDS) return { done: true, value: undefined };
        this.cur = this.open(shards[this.i++]);
      }
      const r = this.cur.next();
      if (!r.done) return r;
      this.cur = null;
    }
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this;
  }
}

const openKeys = (m: Map<Bytes, unknown>) => m.keys();
const openEntries = (m: Map<Bytes, unknown>) => m.entries();

export class KeyMap<V> {
  /** created on the first set(): the 15 unused databases of a typical server cost nothing */
  private shards: Map<Bytes, V>[] | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: Bytes): V | undefined {
    const s = this.shards;
    return s === null ? undefined : s[shardOf(key)].get(key);
  }

  has(key: Bytes): boolean {
    const s = this.shards;
    return s?.[shardOf(key)].has(key) === true;
  }

  set(key: Bytes, value: V): this {
    let s = this.shards;
    if (s === null) {
      s = [];
      for (let i = 0; i < SHARDS; i++) s.push(new Map());
      this.shards = s;
    }
    const m = s[shardOf(key)];
    const before = m.size;
    m.set(key, value);
    this.count += m.size - before;
    return this;
  }

  delete(key: Bytes): boolean {
    const s = this.shards;
    if (s === null || !s[shardOf(key)].delete(key)) return false;
    this.count--;
    return true;
  }

  keys(): IterableIterator<Bytes> {
    return new ShardIterator<Bytes>(this.shards, openKeys);
  }

  entries(): IterableIterator<[Bytes, V]> {
    return new ShardIterator<[Bytes, V]>(this.shards, openEntries as (m: Map<Bytes, unknown>) => Iterator<[Bytes, V]>);
  }

  [Symbol.iterator](): IterableIterator<[Bytes, V]> {
    return this.entries();
  }

  /** Entries per shard (tests and DEBUG HTSTATS-like reporting). */
  shardSizes(): number[] {
    return this.shards === null ? [] : this.shards.map((m) => m.size);
  }
}
