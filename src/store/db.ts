/**
 * One logical database: the key -> value map and the key -> expire-time map (like Redis' dict and expires dict).
 * Lazy expiry lives here; the active expiry cycle is in expire.ts. Everything that must happen elsewhere when the
 * keyspace changes (WATCH invalidation, waking blocked clients, propagating expiry DELs) goes through KeyspaceHooks,
 * so the store does not depend on the server.
 *
 * Forkless snapshots (docs/SNAPSHOTS.md): while a snapshot runs, the keys that existed when it started live in a
 * separate "frozen" map that the snapshot drains slice by slice into the live map. A key is *thawed* — its
 * point-in-time value handed to the snapshot, then moved to the live map — just before anything may change it: a
 * write, a delete, a TTL change, or a lookup by a write command (which may mutate a collection in place). So the
 * snapshot never sees a later value, and only keys that change cost extra work or memory.
 */
import type { Bytes } from '../protocol/bytes';
import type { RedisValue } from './value';

export interface KeyspaceHooks {
  /** A key's value changed (WATCH). */
  keyModified(db: Db, key: Bytes): void;
  /** A list/zset key was created or replaced: blocked clients may now be served. */
  keyReady(db: Db, key: Bytes): void;
  /** A key expired and was deleted on access: propagate DEL, count it. */
  keyExpired(db: Db, key: Bytes): void;
  /**
   * Whether this node may delete expired keys. Replicas never expire keys themselves (the master sends DEL), they only
   * report them as missing; the replication link client sees them as present so the master's stream applies as sent.
   */
  expiryMode(): 'delete' | 'hide' | 'keep';
  /** True while a command flagged `write` executes: its lookups may be followed by in-place mutation. */
  inWriteCommand(): boolean;
}

/** Marker left in a frozen map for a key already handed to the snapshot and moved to the live map. */
const THAWED = Symbol('thawed');

/** The snapshot side of a frozen db (implemented by persistence/snapshot.ts). */
export interface FreezeListener {
  /** Receives the point-in-time value of `key` before it changes. Must not retain a mutable collection. */
  preserve(part: FrozenPart, key: Bytes, value: RedisValue, expireMs: number): void;
  /** The db is being emptied: the part's remaining keys now belong to the snapshot alone (see FrozenPart.detached). */
  detach(part: FrozenPart): void;
}

/** Keys of one db as they were at snapshot start and not yet emitted. */
export class FrozenPart {
  readonly map: Map<Bytes, RedisValue | typeof THAWED>;
  /** entries of `map` that are THAWED markers */
  thawed = 0;
  /**
   * Set when the owning db was emptied mid-snapshot: the part left the keyspace, keeps the TTL map it had, and is
   * drained for the snapshot only.
   */
  detachedExpires: Map<Bytes, number> | null = null;
  /** drain position (Map iterators stay valid across deletions) */
  private cursor: IterableIterator<[Bytes, RedisValue | typeof THAWED]> | null = null;

  constructor(
    map: Map<Bytes, RedisValue>,
    /** db index the keys belonged to at snapshot start (SWAPDB may move the part to another Db object) */
    readonly originDb: number,
    /** Db currently holding this part */
    public owner: Db,
    readonly listener: FreezeListener,
  ) {
    this.map = map as Map<Bytes, RedisValue | typeof THAWED>;
  }

  /** Live keys left. */
  get remaining(): number {
    return this.map.size - this.thawed;
  }

  /**
   * Hands the next up-to-`max` keys to `emit` (value and TTL as they are, which is their point-in-time state since
   * any change thaws first) and moves them to the owner's live map. Returns the number of keys processed.
   */
  drain(max: number, emit: (key: Bytes, value: RedisValue, expireMs: number) => void): number {
    let n = 0;
    const exp = this.detachedExpires;
    const live = exp === null ? this.owner.liveMap() : null;
    // One iterator for the whole drain: a fresh one per call would rescan the holes left by earlier deletions at the
    // front of the map's table, making the drain quadratic.
    const it = (this.cursor ??= this.map.entries());
    while (n < max) {
      const r = it.next();
      if (r.done) break;
      const [key, v] = r.value;
      this.map.delete(key);
      if (v === THAWED) {
        this.thawed--;
        continue;
      }
      emit(key, v, exp === null ? this.owner.getExpire(key) : (exp.get(key) ?? -1));
      live?.set(key, v);
      n++;
    }
    if (this.map.size === 0 && exp === null) this.owner.unfreeze(this);
    return n;
  }
}

export class Db {
  private main = new Map<Bytes, RedisValue>();
  private frozen: FrozenPart | null = null;
  /** absolute unix time in ms */
  expires = new Map<Bytes, number>();
  /** average TTL estimate and other INFO keyspace figures */
  avgTtl = 0;

  constructor(
    readonly id: number,
    private readonly hooks: KeyspaceHooks,
  ) {}

  get size(): number {
    return this.main.size + (this.frozen === null ? 0 : this.frozen.remaining);
  }

  // ---- snapshot support ----------------------------------------------------------------------------------------

  /** Starts a snapshot of this db: O(1), the current map becomes the frozen part. */
  freeze(listener: FreezeListener, originDb = this.id): FrozenPart {
    if (this.frozen !== null) throw new Error(`db ${this.id} is already frozen`);
    const part = new FrozenPart(this.main, originDb, this, listener);
    this.frozen = part;
    this.main = new Map();
    return part;
  }

  /** @internal FrozenPart.drain appends to it */
  liveMap(): Map<Bytes, RedisValue> {
    return this.main;
  }

  /** @internal called when a part is fully drained */
  unfreeze(part: FrozenPart): void {
    if (this.frozen === part) this.frozen = null;
  }

  get isFrozen(): boolean {
    return this.frozen !== null;
  }

  /** Hands the point-in-time value of `key` to the snapshot (if it still holds one) and moves it to the live map. */
  private thaw(key: Bytes): void {
    const part = this.frozen;
    if (part === null) return;
    const v = part.map.get(key);
    if (v === undefined || v === THAWED) return;
    part.listener.preserve(part, key, v, this.getExpire(key));
    part.map.set(key, THAWED);
    part.thawed++;
    this.main.set(key, v);
  }

  /** Forgets a key's frozen entry after it was deleted from the live map. */
  private dropFrozen(key: Bytes): void {
    const part = this.frozen;
    if (part !== null && part.map.get(key) === THAWED) {
      part.map.delete(key);
      part.thawed--;
    }
  }

  // ---- iteration and raw access ----------------------------------------------------------------------------------

  /**
   * Every stored key (including logically expired ones not yet deleted). Frozen keys come first: keys only ever move
   * from the frozen map to the live one, so a long-lived iterator (SCAN cursors) still meets every key that exists
   * throughout — possibly twice, which SCAN allows.
   */
  *keys(): IterableIterator<Bytes> {
    for (const [k] of this.entries()) yield k;
  }

  /** Every stored [key, value] pair (including logically expired ones), in the same order as keys(). */
  *entries(): IterableIterator<[Bytes, RedisValue]> {
    let map: Map<Bytes, RedisValue | typeof THAWED> = this.frozen?.map ?? this.main;
    for (;;) {
      for (const e of map) if (e[1] !== THAWED) yield e as [Bytes, RedisValue];
      if (map === this.main) return;
      map = this.main;
    }
  }

  /** Value without expiry checks or side effects (for internal consumers such as RDB save and blocked clients). */
  peek(key: Bytes): RedisValue | undefined {
    const v = this.main.get(key);
    if (v !== undefined || this.frozen === null) return v;
    const f = this.frozen.map.get(key);
    return f === THAWED ? undefined : f;
  }

  /** Whether the key is stored, expired or not. */
  stored(key: Bytes): boolean {
    return this.peek(key) !== undefined;
  }

  // ---- lookups -------------------------------------------------------------------------------------------------

  /**
   * Returns true if the key is logically expired. On a master the key is deleted (and the deletion propagated); on a
   * replica it is only hidden.
   */
  expireIfNeeded(key: Bytes, now = Date.now()): boolean {
    const when = this.expires.get(key);
    if (when === undefined || when > now) return false;
    const mode = this.hooks.expiryMode();
    if (mode === 'keep') return false;
    if (mode === 'hide') return true;
    this.thaw(key);
    this.main.delete(key);
    this.dropFrozen(key);
    this.expires.delete(key);
    this.hooks.keyExpired(this, key);
    return true;
  }

  /** Lookup honouring expiry. During a snapshot, a lookup by a write command thaws the key first. */
  get(key: Bytes): RedisValue | undefined {
    let v = this.main.get(key);
    if (v === undefined) {
      if (this.frozen === null) return undefined;
      const f = this.frozen.map.get(key);
      if (f === undefined || f === THAWED) return undefined;
      if (this.hooks.inWriteCommand()) this.thaw(key);
      v = f;
    }
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined;
    return v;
  }

  has(key: Bytes): boolean {
    return this.get(key) !== undefined;
  }

  // ---- writes --------------------------------------------------------------------------------------------------

  /** Adds a key that the caller knows does not exist (after a get() returned undefined). */
  add(key: Bytes, value: RedisValue): void {
    this.thaw(key);
    this.main.set(key, value);
    if (typeof value !== 'string' && (value.type === 'list' || value.type === 'zset')) this.hooks.keyReady(this, key);
  }

  /**
   * SET-style write: replaces any value, drops the TTL unless keepTtl, signals WATCH. The caller increments dirty.
   */
  set(key: Bytes, value: RedisValue, keepTtl = false): void {
    this.thaw(key);
    const existed = this.main.has(key);
    this.main.set(key, value);
    if (!keepTtl && existed) this.expires.delete(key);
    if (typeof value !== 'string' && (value.type === 'list' || value.type === 'zset')) this.hooks.keyReady(this, key);
    this.hooks.keyModified(this, key);
  }

  /** Deletes key and its TTL. Returns whether it existed (expired keys count as absent). Signals WATCH. */
  delete(key: Bytes): boolean {
    if (this.get(key) === undefined) return false;
    this.removeRaw(key);
    this.hooks.keyModified(this, key);
    return true;
  }

  /** Removes a key without any signalling (used by MOVE/RENAME internals, RDB load, FLUSH). */
  removeRaw(key: Bytes): void {
    this.thaw(key);
    this.main.delete(key);
    this.dropFrozen(key);
    this.expires.delete(key);
  }

  /** Tells WATCHers the value of `key` changed in place (HSET on an existing hash, LPUSH, ...). */
  touch(key: Bytes): void {
    this.hooks.keyModified(this, key);
  }

  setExpire(key: Bytes, whenMs: number): void {
    this.thaw(key);
    this.expires.set(key, whenMs);
  }

  /** Returns true if a TTL was removed. */
  persist(key: Bytes): boolean {
    if (!this.expires.has(key)) return false;
    this.thaw(key);
    return this.expires.delete(key);
  }

  /** Absolute expire time in ms, or -1. */
  getExpire(key: Bytes): number {
    return this.expires.get(key) ?? -1;
  }

  /**
   * Empties the database; returns the number of keys removed. WATCHers of existing keys are signalled. A frozen part
   * is handed to the snapshot whole (O(1)), so emptying a db during a snapshot never stalls.
   */
  flush(): number {
    const n = this.size;
    for (const key of this.keys()) this.hooks.keyModified(this, key);
    this.detachFrozen();
    this.main = new Map();
    this.expires = new Map();
    this.randIter = null;
    return n;
  }

  /**
   * Replaces the whole contents (RDB load, replication full sync): the old contents go as in flush(), the given maps
   * become the database. Lists and sorted sets may wake blocked clients.
   */
  install(map: Map<Bytes, RedisValue>, expires: Map<Bytes, number>): void {
    this.flush();
    this.main = map;
    this.expires = expires;
    for (const [key, v] of map) {
      if (typeof v !== 'string' && (v.type === 'list' || v.type === 'zset')) this.hooks.keyReady(this, key);
    }
  }

  private detachFrozen(): void {
    const part = this.frozen;
    if (part === null) return;
    this.frozen = null;
    // The snapshot still needs the TTLs of the part's keys: it takes the whole expires map, we start a new one.
    part.detachedExpires = this.expires;
    part.listener.detach(part);
  }

  /** SWAPDB: exchanges the whole contents of two dbs in O(1). Clients keep their Db objects (their db index). */
  swapWith(other: Db): void {
    [this.main, other.main] = [other.main, this.main];
    [this.frozen, other.frozen] = [other.frozen, this.frozen];
    [this.expires, other.expires] = [other.expires, this.expires];
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
    if (this.frozen) this.frozen.owner = this;
    if (other.frozen) other.frozen.owner = other;
    this.randIter = null;
    other.randIter = null;
  }

  private randIter: IterableIterator<Bytes> | null = null;

  /**
   * A random live key, or undefined. A JS Map has no random access, so we walk a persistent iterator forward by a
   * random stride; over successive calls every key is reachable (Redis' own pick is not uniform either).
   */
  randomKey(): Bytes | undefined {
    const hide = this.hooks.expiryMode() === 'hide';
    for (let attempt = 0; attempt < 100 && this.size > 0; attempt++) {
      let skip = Math.floor(Math.random() * Math.min(this.size, 64));
      let chosen: Bytes | undefined;
      for (let wraps = 0; chosen === undefined && wraps < 2; ) {
        if (this.randIter === null) this.randIter = this.keys();
        const r = this.randIter.next();
        if (r.done) {
          this.randIter = null;
          wraps++;
          continue;
        }
        if (skip-- === 0) chosen = r.value;
      }
      if (chosen === undefined) continue;
      if (!this.expireIfNeeded(chosen)) return chosen;
      // On a replica every key may be logically expired; Redis then returns one of them anyway.
      if (hide && attempt > 50) return chosen;
    }
    return undefined;
  }
}
