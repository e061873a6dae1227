/**
 * Uniform random picks from a JS Set/Map, which offer no random access (needed by SPOP, SRANDMEMBER, HRANDFIELD).
 *
 * Small tables are walked: a fresh iterator advanced a random number of steps, at most WALK_LIMIT, so the pick is
 * exactly uniform and costs nothing to maintain. Big tables get a KeySampler: a side array holding every live key
 * (plus some stale ones), built once in O(n) on the first random access. Additions are appended to it in O(1);
 * deletions leave stale entries behind that are dropped when a pick lands on them, and the array is rebuilt when
 * stale entries make up more than half of it, so a pick costs O(1) amortized with at most ~2 expected draws.
 * A key deleted and re-added before its stale copy was dropped is present twice, which slightly favours it until
 * the next rebuild; Redis' own dictGetFairRandomKey is not perfectly uniform either.
 */
import type { Bytes } from '../../protocol/bytes';

/** Tables at or below this size are sampled by walking an iterator (no side structure). */
export const WALK_LIMIT = 64;

/** What a sampler needs from its table: both Set<Bytes> and Map<Bytes, V> qualify. */
export interface KeyTable {
  has(key: Bytes): boolean;
  keys(): IterableIterator<Bytes>;
  readonly size: number;
}

/** Returns a uniformly chosen key of a non-empty table by walking (for tables of up to WALK_LIMIT keys). */
export function walkPick(table: KeyTable): Bytes {
  let k = Math.floor(Math.random() * table.size);
  for (const key of table.keys()) {
    if (k-- === 0) return key;
  }
  throw new Error('walkPick on an empty table');
}

export class KeySampler {
  private pool: Bytes[];

  constructor(private readonly table: KeyTable) {
    this.pool = Array.from(table.keys());
  }

  /** The table gained `key` (call only for keys that were not present). */
  added(key: Bytes): void {
    this.pool.push(key);
  }

  /** Index (for key()/removeAt()) of a uniformly chosen live key. The table must not be empty. */
  pickIndex(): number {
    const pool = this.pool;
    for (;;) {
      if (pool.length > 2 * this.table.size + 16) {
        this.pool = Array.from(this.table.keys());
        return this.pickIndex();
      }
      const i = Math.floor(Math.random() * pool.length);
      if (this.table.has(pool[i])) return i;
      this.removeAt(i);
    }
  }

  key(i: number): Bytes {
    return this.pool[i];
  }

  /** Drops pool slot i in O(1) (order is irrelevant): after SPOP removed that key from the table. */
  removeAt(i: number): void {
    const last = this.pool.pop() as Bytes;
    if (i < this.pool.length) this.pool[i] = last;
  }
}
