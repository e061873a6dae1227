/**
 * Set value with Redis 7.0's two encodings.
 *
 * 'intset': every member is a canonical int64 string (string2ll rules: no '+', no leading zeros, no "-0") and there
 * are at most set-max-intset-entries of them. Members are kept as a sorted JS array of numbers: V8 stores it as
 * unboxed Smis/doubles, 8 bytes each, with no per-member string. JS numbers are exact only up to 2^53, so the rare
 * members beyond that are stored as bigint; the representation is canonical (number iff safe integer) so `===` is
 * equality and `<` orders mixed number/bigint correctly. Iteration is ascending, as SMEMBERS on a Redis intset.
 * 'hashtable': a Set<Bytes>, entered when a non-integer member arrives or the intset grows past the limit; never
 * converted back (Redis does not either).
 */
import type { Bytes } from '../../protocol/bytes';
import { parseLong, parseLongExact } from '../../protocol/numbers';
import { KeySampler, WALK_LIMIT, walkPick } from './sampler';

/** An intset member: number when it is a safe integer, bigint beyond 2^53. */
export type IntMember = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The intset representation of `s`, or null when `s` is not a canonical int64 string. */
export function intMember(s: Bytes): IntMember | null {
  // Up to 15 characters parseLong is exact (|v| < 10^15 < 2^53) and cheap.
  if (s.length < 16) return parseLong(s);
  const b = parseLongExact(s);
  if (b === null) return null;
  return b <= MAX_SAFE && b >= -MAX_SAFE ? Number(b) : b;
}

/** Binary search: index of `k`, or -(insertion point) - 1. */
function search(a: readonly IntMember[], k: IntMember): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = a[mid];
    if (v < k) lo = mid + 1;
    else if (v > k) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/** Small intset arrays are re-allocated at their exact size on growth (V8 would add ~16 spare slots to each). */
const EXACT_SLOTS = 64;

export class SetValue {
  /** on the prototype (set below the class), so that no instance pays a field for it */
  declare readonly type: 'set';
  /** intset form (sorted ascending), or null once converted */
  private ints: IntMember[] | null = [];
  private ht: Set<Bytes> | null = null;
  /** random-access helper for big hashtables (SPOP, SRANDMEMBER), built lazily */
  private sampler: KeySampler | null = null;

  /** Builds a set from members (RDB load, tests) with the encoding Redis would reach by adding them in order. */
  static fromMembers(members: Iterable<Bytes>, maxIntset: number): SetValue {
    const s = new SetValue();
    for (const m of members) s.add(m, maxIntset);
    return s;
  }

  /** OBJECT ENCODING as Redis 7.0 reports it */
  encoding(): 'intset' | 'hashtable' {
    return this.ints !== null ? 'intset' : 'hashtable';
  }

  get size(): number {
    return this.ints !== null ? this.ints.length : (this.ht as Set<Bytes>).size;
  }

  get isIntset(): boolean {
    return this.ints !== null;
  }

  /** The sorted intset array (read-only view), or null for a hashtable. Format members with String(). */
  intset(): readonly IntMember[] | null {
    return this.ints;
  }

  /** The hashtable (read-only view), or null for an intset. */
  table(): ReadonlySet<Bytes> | null {
    return this.ht;
  }

  has(member: Bytes): boolean {
    if (this.ints === null) return (this.ht as Set<Bytes>).has(member);
    const k = intMember(member);
    return k !== null && search(this.ints, k) >= 0;
  }

  /** Adds a member; returns true when it was not present. Converts to hashtable as Redis' setTypeAdd does. */
  add(member: Bytes, maxIntset: number): boolean {
    const ints = this.ints;
    if (ints !== null) {
      const k = intMember(member);
      if (k !== null) {
        const i = search(ints, k);
        if (i >= 0) return false;
        ints.splice(-i - 1, 0, k);
        if (ints.length > maxIntset) this.convert();
        else if (ints.length <= EXACT_SLOTS) this.ints = ints.slice();
        return true;
      }
      this.convert();
    }
    const ht = this.ht as Set<Bytes>;
    const before = ht.size;
    ht.add(member);
    if (ht.size === before) return false;
    this.sampler?.added(member);
    return true;
  }

  /** Removes a member; returns whether it was present. */
  delete(member: Bytes): boolean {
    const ints = this.ints;
    if (ints === null) return (this.ht as Set<Bytes>).delete(member);
    const k = intMember(member);
    if (k === null) return false;
    const i = search(ints, k);
    if (i < 0) return false;
    ints.splice(i, 1);
    return true;
  }

  /** Switches to the hashtable encoding (no-op if already there). */
  convert(): void {
    const ints = this.ints;
    if (ints === null) return;
    const ht = new Set<Bytes>();
    for (let i = 0; i < ints.length; i++) ht.add(String(ints[i]));
    this.ht = ht;
    this.ints = null;
  }

  /** A uniformly chosen member (see sampler.ts for big tables). The set must not be empty. */
  randomMember(): Bytes {
    const ints = this.ints;
    if (ints !== null) return String(ints[Math.floor(Math.random() * ints.length)]);
    const ht = this.ht as Set<Bytes>;
    if (ht.size <= WALK_LIMIT) {
      this.sampler = null;
      return walkPick(ht);
    }
    if (this.sampler === null) this.sampler = new KeySampler(ht);
    return this.sampler.key(this.sampler.pickIndex());
  }

  /** Removes and returns a uniformly chosen member. The set must not be empty. */
  popRandom(): Bytes {
    const ints = this.ints;
    if (ints !== null) {
      const i = Math.floor(Math.random() * ints.length);
      const v = ints[i];
      ints.splice(i, 1);
      return String(v);
    }
    const ht = this.ht as Set<Bytes>;
    if (ht.size <= WALK_LIMIT) {
      this.sampler = null;
      const m = walkPick(ht);
      ht.delete(m);
      return m;
    }
    if (this.sampler === null) this.sampler = new KeySampler(ht);
    const i = this.sampler.pickIndex();
    const m = this.sampler.key(i);
    this.sampler.removeAt(i);
    ht.delete(m);
    return m;
  }

  /** Members in iteration order (intset: ascending), as a new array. */
  members(): Bytes[] {
    const ints = this.ints;
    if (ints === null) return Array.from(this.ht as Set<Bytes>);
    const out = new Array<Bytes>(ints.length);
    for (let i = 0; i < ints.length; i++) out[i] = String(ints[i]);
    return out;
  }

  /** Iterates members (intset: ascending). For RDB save, DEBUG DIGEST. */
  *[Symbol.iterator](): IterableIterator<Bytes> {
    const ints = this.ints;
    if (ints === null) {
      yield* this.ht as Set<Bytes>;
      return;
    }
    for (let i = 0; i < ints.length; i++) yield String(ints[i]);
  }

  /** Independent copy with the same encoding (COPY, snapshots). */
  clone(): SetValue {
    const s = new SetValue();
    if (this.ints !== null) {
      s.ints = this.ints.slice();
    } else {
      s.ints = null;
      s.ht = new Set(this.ht as Set<Bytes>);
    }
    return s;
  }
}

Object.defineProperty(SetValue.prototype, 'type', { value: 'set' });
