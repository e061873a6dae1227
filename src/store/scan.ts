/**
 * Cursors for SCAN, HSCAN, SSCAN and ZSCAN over hash-table-backed data.
 *
 * Redis' cursors are stateless positions in its own hash tables. Tandem's tables are JS Maps/Sets, whose live
 * iterators already give SCAN's guarantees (an element present for the whole iteration is returned; deletions are
 * safe; additions may or may not be seen). So a cursor number names a server-side iterator in a bounded registry.
 * A cursor that is unknown (forged, or evicted after long idleness) restarts the iteration, which keeps the contract
 * "every element present throughout is returned" at the price of possible duplicates, which SCAN allows anyway.
 */

interface Entry {
  owner: object;
  iter: Iterator<unknown>;
}

const MAX_CURSORS = 10_000;

export class ScanRegistry {
  private readonly cursors = new Map<bigint, Entry>();

  /**
   * Visits up to `count` elements of `owner` from `cursor` (0 = start), calling `visit` for each, and returns the
   * cursor to continue with (0n when the iteration is complete).
   */
  step<T>(owner: object, cursor: bigint, makeIter: () => Iterator<T>, count: number, visit: (item: T) => void): bigint {
    let entry = cursor === 0n ? undefined : this.cursors.get(cursor);
    if (entry !== undefined) this.cursors.delete(cursor);
    if (entry === undefined || entry.owner !== owner) entry = { owner, iter: makeIter() };
    const iter = entry.iter as Iterator<T>;
    for (let i = 0; i < count; i++) {
      const r = iter.next();
      if (r.done) return 0n;
      visit(r.value);
    }
    const next = this.newCursor();
    this.cursors.set(next, entry);
    if (this.cursors.size > MAX_CURSORS) {
      // evict the least recently used (Map keeps insertion order; used cursors are re-inserted)
      const oldest = this.cursors.keys().next().value as bigint;
      this.cursors.delete(oldest);
    }
    return next;
  }

  private newCursor(): bigint {
    for (;;) {
      // 48 random bits: unguessable enough, and fits any client's integer parsing.
      const c = BigInt(Math.floor(Math.random() * 2 ** 48)) + 1n;
      if (!this.cursors.has(c)) return c;
    }
  }

  get size(): number {
    return this.cursors.size;
  }
}
