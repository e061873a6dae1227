/**
 * Hash value with Redis 7.0's two encodings.
 *
 * 'listpack': a flat array [f1, v1, f2, v2, ...] scanned linearly. New fields are appended, updates keep their slot
 * and deletions close the gap, which is exactly how a Redis listpack orders its entries, so HGETALL of a small hash
 * is byte-identical to Redis. Two pointers per pair and one array: far cheaper than a Map for the many tiny hashes
 * a typical dataset holds.
 * 'hashtable': a Map<field, value>, entered once a limit is crossed (more than hash-max-listpack-entries pairs, or a
 * field/value longer than hash-max-listpack-value); like Redis, a hash never converts back.
 * The limits are passed in by callers (they live in the server config) so the value stays a pure data structure.
 */
import type { Bytes } from '../../protocol/bytes';
import { KeySampler, WALK_LIMIT, walkPick } from './sampler';

/**
 * Up to this many slots the listpack array is re-allocated at its exact size on growth: V8 grows arrays with ~16
 * spare slots, which would more than double the footprint of the many tiny hashes (about 130 bytes each).
 */
const EXACT_SLOTS = 64;

export class HashValue {
  readonly type = 'hash' as const;
  /** listpack form, or null once converted */
  private lp: Bytes[] | null;
  private ht: Map<Bytes, Bytes> | null = null;
  /** random-access helper for big hashtables (HRANDFIELD), built lazily */
  private sampler: KeySampler | null = null;

  /** `pairs` (flat field/value list) is adopted as the listpack, so it must hold distinct fields. */
  constructor(pairs?: Bytes[]) {
    this.lp = pairs ?? [];
  }

  /**
   * Builds a hash from a flat [field, value, ...] list (RDB load, tests) with the encoding Redis would pick for it.
   * Repeated fields keep the last value.
   */
  static fromPairs(pairs: readonly Bytes[], maxEntries: number, maxValue: number): HashValue {
    const h = new HashValue();
    if (pairs.length / 2 > maxEntries) h.convert();
    for (let i = 0; i + 1 < pairs.length; i += 2) h.set(pairs[i], pairs[i + 1], maxEntries, maxValue);
    return h;
  }

  /** OBJECT ENCODING as Redis 7.0 reports it */
  encoding(): 'listpack' | 'hashtable' {
    return this.lp !== null ? 'listpack' : 'hashtable';
  }

  get size(): number {
    return this.lp !== null ? this.lp.length >> 1 : (this.ht as Map<Bytes, Bytes>).size;
  }

  get isListpack(): boolean {
    return this.lp !== null;
  }

  /** The listpack array (read-only view: fields at even indexes), or null for a hashtable. */
  listpack(): readonly Bytes[] | null {
    return this.lp;
  }

  /** The hashtable (read-only view), or null for a listpack. */
  table(): ReadonlyMap<Bytes, Bytes> | null {
    return this.ht;
  }

  private indexOf(field: Bytes): number {
    const lp = this.lp as Bytes[];
    for (let i = 0; i < lp.length; i += 2) if (lp[i] === field) return i;
    return -1;
  }

  get(field: Bytes): Bytes | undefined {
    if (this.lp === null) return (this.ht as Map<Bytes, Bytes>).get(field);
    const i = this.indexOf(field);
    return i < 0 ? undefined : this.lp[i + 1];
  }

  has(field: Bytes): boolean {
    return this.lp === null ? (this.ht as Map<Bytes, Bytes>).has(field) : this.indexOf(field) >= 0;
  }

  /**
   * Sets field to value; returns true when the field is new. A field or value longer than maxValue converts the
   * hash first, and growing past maxEntries converts it after the insertion (the order Redis applies them).
   */
  set(field: Bytes, value: Bytes, maxEntries: number, maxValue: number): boolean {
    let lp = this.lp;
    if (lp !== null && (field.length > maxValue || value.length > maxValue)) {
      this.convert();
      lp = null;
    }
    if (lp !== null) {
      const i = this.indexOf(field);
      if (i >= 0) {
        lp[i + 1] = value;
        return false;
      }
      lp.push(field, value);
      if (lp.length >> 1 > maxEntries) this.convert();
      else if (lp.length <= EXACT_SLOTS) this.lp = lp.slice();
      return true;
    }
    const ht = this.ht as Map<Bytes, Bytes>;
    const before = ht.size;
    ht.set(field, value);
    if (ht.size === before) return false;
    this.sampler?.added(field);
    return true;
  }

  /** Removes a field; returns whether it existed. */
  delete(field: Bytes): boolean {
    const lp = this.lp;
    if (lp === null) return (this.ht as Map<Bytes, Bytes>).delete(field);
    const i = this.indexOf(field);
    if (i < 0) return false;
    lp.copyWithin(i, i + 2);
    lp.length -= 2;
    return true;
  }

  /** Switches to the hashtable encoding (no-op if already there). */
  convert(): void {
    const lp = this.lp;
    if (lp === null) return;
    const ht = new Map<Bytes, Bytes>();
    for (let i = 0; i < lp.length; i += 2) ht.set(lp[i], lp[i + 1]);
    this.ht = ht;
    this.lp = null;
  }

  /** A uniformly chosen field (see sampler.ts for the strategy on big tables). The hash must not be empty. */
  randomField(): Bytes {
    const lp = this.lp;
    if (lp !== null) return lp[Math.floor(Math.random() * (lp.length >> 1)) << 1];
    const ht = this.ht as Map<Bytes, Bytes>;
    if (ht.size <= WALK_LIMIT) {
      this.sampler = null;
      return walkPick(ht);
    }
    if (this.sampler === null) this.sampler = new KeySampler(ht);
    return this.sampler.key(this.sampler.pickIndex());
  }

  /** Every pair in iteration order (listpack: insertion order). For RDB save, DEBUG DIGEST, COPY. */
  *entries(): IterableIterator<[Bytes, Bytes]> {
    const lp = this.lp;
    if (lp === null) {
      yield* (this.ht as Map<Bytes, Bytes>).entries();
      return;
    }
    for (let i = 0; i < lp.length; i += 2) yield [lp[i], lp[i + 1]];
  }

  /** Flat [field, value, ...] copy in iteration order. */
  pairs(): Bytes[] {
    if (this.lp !== null) return this.lp.slice();
    const out: Bytes[] = [];
    for (const [f, v] of this.ht as Map<Bytes, Bytes>) out.push(f, v);
    return out;
  }

  /** Independent copy with the same encoding (COPY, snapshots). */
  clone(): HashValue {
    if (this.lp !== null) return new HashValue(this.lp.slice());
    const h = new HashValue();
    h.lp = null;
    h.ht = new Map(this.ht as Map<Bytes, Bytes>);
    return h;
  }
}
