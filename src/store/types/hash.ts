/**
 * Hash value with Redis 7.0's two encodings.
 *
 * 'listpack': the pairs packed into ONE binary string (f1, v1, f2, v2, ... each behind a 1- or 2-byte length, the
 * format of list-pack.ts) and scanned linearly, as Redis scans its listpack. New fields are appended, updates keep
 * their slot and deletions close the gap, exactly Redis' listpack order, so HGETALL of a small hash is byte-identical
 * to Redis. Memory is the point: a 3-field hash as six JS strings plus an array cost ~380 bytes a key; packed it is
 * one string. Strings are immutable, so every change builds a new one (O(size), bounded by the listpack limits,
 * like Redis' own memmove) and clone() shares it.
 * 'hashtable': a Map<field, value>, entered once a limit is crossed (more than hash-max-listpack-entries pairs, or a
 * field/value longer than hash-max-listpack-value); like Redis, a hash never converts back.
 * The limits are passed in by callers (they live in the server config) so the value stays a pure data structure.
 */
import type { Bytes } from '../../protocol/bytes';
import { cut, ownSlice, PACKED_MAX_ITEM, packItems, packedAt, prefix, unpackItems } from './list-pack';
import { KeySampler, WALK_LIMIT, walkPick } from './sampler';

// Result of find(): module-level so lookups allocate nothing.
/** offset of the found field's value length prefix */
let foundAt = 0;
/** offset of the found value's first byte, and its length */
let valueStart = 0;
let valueLen = 0;

/** Scans packed pairs for `field`; sets foundAt/valueStart/valueLen and returns the pair index, or -1. */
function find(p: string, pairs: number, field: Bytes): number {
  const fl = field.length;
  let pos = 0;
  for (let i = 0; i < pairs; i++) {
    let l = p.charCodeAt(pos++);
    if (l >= 0x80) l = (l & 0x7f) | (p.charCodeAt(pos++) << 7);
    const match = l === fl && p.startsWith(field, pos);
    pos += l;
    const at = pos;
    l = p.charCodeAt(pos++);
    if (l >= 0x80) l = (l & 0x7f) | (p.charCodeAt(pos++) << 7);
    if (match) {
      foundAt = at;
      valueStart = pos;
      valueLen = l;
      return i;
    }
    pos += l;
  }
  return -1;
}

export class HashValue {
  /** on the prototype (set below the class), so that no instance pays a field for it */
  declare readonly type: 'hash';
  /** listpack form (packed pairs), or null once converted */
  private lp: string | null;
  /** pairs in the listpack form */
  private n = 0;
  private ht: Map<Bytes, Bytes> | null = null;
  /** random-access helper for big hashtables (HRANDFIELD), built lazily */
  private sampler: KeySampler | null = null;

  /** `pairs` (flat field/value list) is adopted as the listpack, so it must hold distinct fields. */
  constructor(pairs?: readonly Bytes[]) {
    if (pairs === undefined || pairs.length === 0) {
      this.lp = '';
      return;
    }
    this.lp = packItems(pairs);
    this.n = pairs.length >> 1;
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
    return this.lp !== null ? this.n : (this.ht as Map<Bytes, Bytes>).size;
  }

  get isListpack(): boolean {
    return this.lp !== null;
  }

  /** The listpack pairs as a new flat array (fields at even indexes), or null for a hashtable. */
  listpack(): readonly Bytes[] | null {
    return this.lp === null ? null : unpackItems(this.lp, this.n * 2);
  }

  /** The hashtable (read-only view), or null for a listpack. */
  table(): ReadonlyMap<Bytes, Bytes> | null {
    return this.ht;
  }

  get(field: Bytes): Bytes | undefined {
    const p = this.lp;
    if (p === null) return (this.ht as Map<Bytes, Bytes>).get(field);
    return find(p, this.n, field) < 0 ? undefined : p.slice(valueStart, valueStart + valueLen);
  }

  has(field: Bytes): boolean {
    const p = this.lp;
    return p === null ? (this.ht as Map<Bytes, Bytes>).has(field) : find(p, this.n, field) >= 0;
  }

  /**
   * Sets field to value; returns true when the field is new. A field or value longer than maxValue converts the
   * hash first, and growing past maxEntries converts it after the insertion (the order Redis applies them).
   */
  set(field: Bytes, value: Bytes, maxEntries: number, maxValue: number): boolean {
    let p = this.lp;
    const limit = Math.min(maxValue, PACKED_MAX_ITEM);
    if (p !== null && (field.length > limit || value.length > limit)) {
      this.convert();
      p = null;
    }
    if (p !== null) {
      if (find(p, this.n, field) >= 0) {
        this.lp = [p.slice(0, foundAt), prefix(value.length), value, p.slice(valueStart + valueLen)].join('');
        return false;
      }
      this.lp = [p, prefix(field.length), field, prefix(value.length), value].join('');
      this.n++;
      if (this.n > maxEntries) this.convert();
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
    const p = this.lp;
    if (p === null) return (this.ht as Map<Bytes, Bytes>).delete(field);
    if (find(p, this.n, field) < 0) return false;
    const fieldAt = foundAt - field.length - (field.length < 0x80 ? 1 : 2);
    // a flat copy: a plain slice (or a join with one empty side) would be a view pinning the old string
    this.lp = cut(p, fieldAt, valueStart + valueLen);
    this.n--;
    return true;
  }

  /** Switches to the hashtable encoding (no-op if already there). */
  convert(): void {
    const p = this.lp;
    if (p === null) return;
    // own copies: the table keeps its fields and values, and views would keep the whole packed string alive
    const ht = new Map<Bytes, Bytes>();
    let pos = 0;
    const next = (): Bytes => {
      let l = p.charCodeAt(pos++);
      if (l >= 0x80) l = (l & 0x7f) | (p.charCodeAt(pos++) << 7);
      pos += l;
      return ownSlice(p, pos - l, pos);
    };
    for (let i = 0; i < this.n; i++) {
      const f = next();
      ht.set(f, next());
    }
    this.ht = ht;
    this.lp = null;
    this.n = 0;
  }

  /** A uniformly chosen field (see sampler.ts for the strategy on big tables). The hash must not be empty. */
  randomField(): Bytes {
    const p = this.lp;
    if (p !== null) return packedAt(p, Math.floor(Math.random() * this.n) << 1);
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
    const p = this.lp;
    if (p === null) {
      yield* (this.ht as Map<Bytes, Bytes>).entries();
      return;
    }
    const items = unpackItems(p, this.n * 2);
    for (let i = 0; i < items.length; i += 2) yield [items[i], items[i + 1]];
  }

  /** Flat [field, value, ...] copy in iteration order. */
  pairs(): Bytes[] {
    if (this.lp !== null) return unpackItems(this.lp, this.n * 2);
    const out: Bytes[] = [];
    for (const [f, v] of this.ht as Map<Bytes, Bytes>) out.push(f, v);
    return out;
  }

  /** Independent copy with the same encoding (COPY, snapshots): a listpack's string is immutable and shared. */
  clone(): HashValue {
    const h = new HashValue();
    if (this.lp !== null) {
      h.lp = this.lp;
      h.n = this.n;
      return h;
    }
    h.lp = null;
    h.ht = new Map(this.ht as Map<Bytes, Bytes>);
    return h;
  }
}

Object.defineProperty(HashValue.prototype, 'type', { value: 'hash' });
