/**
 * One logical database: the key -> value map and the key -> expire-time map (like Redis' dict and expires dict).
 * Lazy expiry lives here; the active expiry cycle is in expire.ts. Everything that must happen elsewhere when the
 * keyspace changes (WATCH invalidation, waking blocked clients, propagating expiry DELs) goes through KeyspaceHooks,
 * so the store does not depend on the server.
 *
 * Forkless snapshots (docs/SNAPSHOTS.md): while a snapshot reads a database, its key map is left untouched and every
 * change goes to an *overlay* map instead (new and replaced values, and tombstones for deleted keys). A collection
 * looked up by a write command is copied into the overlay first, since the command may change it in place. When the
 * snapshot has read the map, the overlay is folded back in, a slice at a time. Only keys that change cost extra
 * memory or work, and nothing is ever moved or rehashed wholesale.
 */
import { KeyMap } from './keymap';
import type { Bytes } from '../protocol/bytes';
import { FrozenView, type FrozenViewOwner } from './frozen-view';
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

/** Overlay entry of a key deleted while its database is frozen. */
const TOMB: unique symbol = Symbol('deleted');
type Overlay = Map<Bytes, RedisValue | typeof TOMB>;

function wakes(v: RedisValue): boolean {
  return typeof v !== 'string' && (v.type === 'list' || v.type === 'zset');
}

export class Db implements FrozenViewOwner {
  private main = new KeyMap<RedisValue>();
  /** changes made while frozen or not yet folded back (null when there are none) */
  private overlay: Overlay | null = null;
  /** overlay keys absent from main / tombstones of keys in main: size = main.size + added - deleted */
  private added = 0;
  private deleted = 0;
  /** the snapshot's view while one reads this database */
  private frozen: FrozenView | null = null;
  private foldCursor: IterableIterator<Bytes> | null = null;
  /** absolute unix time in ms */
  expires = new KeyMap<number>();
  /** average TTL estimate and other INFO keyspace figures */
  avgTtl = 0;

  constructor(
    readonly id: number,
    private readonly hooks: KeyspaceHooks,
  ) {}

  get size(): number {
    return this.main.size + this.added - this.deleted;
  }

  // ---- snapshot support ----------------------------------------------------------------------------------------

  /** Starts a snapshot of this database in O(1): the key map stays as it is until the view releases it. */
  freeze(): FrozenView {
    if (this.frozen !== null || this.overlay !== null) throw new Error(`db ${this.id} is already frozen`);
    this.frozen = new FrozenView(this.main, this.expires, this.id, this);
    this.overlay = new Map();
    return this.frozen;
  }

  get isFrozen(): boolean {
    return this.frozen !== null;
  }

  /** True while changes still wait in the overlay (a new snapshot must wait for fold()). */
  get folding(): boolean {
    return this.frozen === null && this.overlay !== null;
  }

  /** @internal FrozenViewOwner: the snapshot read everything; from now on the overlay may be folded back. */
  released(view: FrozenView): void {
    if (this.frozen === view) this.frozen = null;
  }

  /** Folds up to `max` overlay entries back into the key map; returns true when nothing is left. */
  fold(max: number): boolean {
    const ov = this.overlay;
    if (ov === null) return true;
    if (this.frozen !== null) return false;
    const it = (this.foldCursor ??= ov.keys());
    for (let n = 0; n < max; n++) {
      const r = it.next();
      if (r.done) break;
      this.settle(r.value);
    }
    if (ov.size === 0) {
      this.overlay = null;
      this.foldCursor = null;
      this.added = 0;
      this.deleted = 0;
      return true;
    }
    return false;
  }

  /** Moves one key's overlay entry into the key map. */
  private settle(key: Bytes): void {
    const ov = this.overlay!;
    const v = ov.get(key);
    if (v === undefined) return;
    ov.delete(key);
    if (v === TOMB) {
      this.main.delete(key);
      this.deleted--;
    } else {
      if (!this.main.has(key)) this.added--;
      this.main.set(key, v);
    }
  }

  /** Where a write to `key` goes: the overlay while frozen; the key map otherwise (after settling the key). */
  private writesToOverlay(key: Bytes): boolean {
    if (this.overlay === null) return false;
    if (this.frozen !== null) return true;
    this.settle(key);
    return false;
  }

  /** Records the TTL a frozen key had at snapshot start before it changes. */
  private keepTtl(key: Bytes): void {
    const f = this.frozen;
    if (f !== null && !f.ttlAtStart.has(key) && f.map.has(key)) f.ttlAtStart.set(key, this.expires.get(key) ?? -1);
  }

  private storeValue(key: Bytes, value: RedisValue): void {
    if (!this.writesToOverlay(key)) {
      this.main.set(key, value);
      return;
    }
    const ov = this.overlay!;
    const cur = ov.get(key);
    if (cur === undefined) {
      if (!this.main.has(key)) this.added++;
    } else if (cur === TOMB) {
      this.deleted--;
    }
    ov.set(key, value);
  }

  private removeValue(key: Bytes): void {
    if (!this.writesToOverlay(key)) {
      this.main.delete(key);
      return;
    }
    const ov = this.overlay!;
    const cur = ov.get(key);
    if (cur === TOMB) return;
    if (this.main.has(key)) {
      ov.set(key, TOMB);
      this.deleted++;
    } else if (cur !== undefined) {
      ov.delete(key);
      this.added--;
    }
  }

  // ---- iteration and raw access ----------------------------------------------------------------------------------

  /** Every stored key, each once (including logically expired ones not yet deleted). For one synchronous pass. */
  *keys(): IterableIterator<Bytes> {
    for (const [k] of this.entries()) yield k;
  }

  /** Every stored [key, value] pair, each once, in the same order as keys(). For one synchronous pass. */
  *entries(): IterableIterator<[Bytes, RedisValue]> {
    const ov = this.overlay;
    if (ov === null) {
      yield* this.main;
      return;
    }
    for (const e of ov) if (e[1] !== TOMB) yield e as [Bytes, RedisValue];
    for (const e of this.main) if (!ov.has(e[0])) yield e;
  }

  /**
   * Keys for a long-lived iterator (SCAN cursors) that may be resumed while the database changes: every key present
   * throughout is returned, possibly twice (which SCAN allows). Overlay keys only ever move into the key map.
   */
  *scanKeys(): IterableIterator<Bytes> {
    const ov = this.overlay;
    if (ov !== null) for (const [k, v] of ov) if (v !== TOMB) yield k;
    const main = this.main;
    for (const k of main.keys()) {
      const o = this.overlay;
      if (o === null || o.get(k) !== TOMB) yield k;
    }
  }

  /** Value without expiry checks or side effects (for internal consumers such as RDB save and blocked clients). */
  peek(key: Bytes): RedisValue | undefined {
    const ov = this.overlay;
    if (ov !== null) {
      const v = ov.get(key);
      if (v !== undefined) return v === TOMB ? undefined : v;
    }
    return this.main.get(key);
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
    this.removeRaw(key);
    this.hooks.keyExpired(this, key);
    return true;
  }

  /**
   * Lookup honouring expiry. While frozen, a collection looked up by a write command is copied into the overlay
   * first: the command may change it in place, and the snapshot must still read the old one.
   */
  get(key: Bytes): RedisValue | undefined {
    let v: RedisValue | undefined;
    const ov = this.overlay;
    if (ov === null) {
      v = this.main.get(key);
      if (v === undefined) return undefined;
    } else {
      const o = ov.get(key);
      if (o === TOMB) return undefined;
      if (o !== undefined) v = o;
      else {
        v = this.main.get(key);
        if (v === undefined) return undefined;
        if (typeof v !== 'string' && this.frozen !== null && this.hooks.inWriteCommand()) {
          this.frozen.copies++;
          this.frozen.copiedElements += v.size;
          v = v.clone();
          ov.set(key, v);
        }
      }
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
    this.storeValue(key, value);
    if (wakes(value)) this.hooks.keyReady(this, key);
  }

  /**
   * SET-style write: replaces any value, drops the TTL unless keepTtl, signals WATCH. The caller increments dirty.
   */
  set(key: Bytes, value: RedisValue, keepTtl = false): void {
    if (!keepTtl && this.expires.has(key)) {
      this.keepTtl(key);
      this.expires.delete(key);
    }
    this.storeValue(key, value);
    if (wakes(value)) this.hooks.keyReady(this, key);
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
    if (this.expires.has(key)) {
      this.keepTtl(key);
      this.expires.delete(key);
    }
    this.removeValue(key);
  }

  /** Tells WATCHers the value of `key` changed in place (HSET on an existing hash, LPUSH, ...). */
  touch(key: Bytes): void {
    this.hooks.keyModified(this, key);
  }

  setExpire(key: Bytes, whenMs: number): void {
    this.keepTtl(key);
    this.expires.set(key, whenMs);
  }

  /** Returns true if a TTL was removed. */
  persist(key: Bytes): boolean {
    if (!this.expires.has(key)) return false;
    this.keepTtl(key);
    return this.expires.delete(key);
  }

  /** Absolute expire time in ms, or -1. */
  getExpire(key: Bytes): number {
    return this.expires.get(key) ?? -1;
  }

  /**
   * Empties the database; returns the number of keys removed. WATCHers of existing keys are signalled. A snapshot
   * reading this database keeps its view (the view now owns the old maps): O(1), never a stall.
   */
  flush(): number {
    const n = this.size;
    for (const key of this.keys()) this.hooks.keyModified(this, key);
    if (this.frozen !== null) {
      this.frozen.detached = true;
      this.frozen = null;
    }
    this.main = new KeyMap();
    this.expires = new KeyMap();
    this.overlay = null;
    this.foldCursor = null;
    this.added = 0;
    this.deleted = 0;
    this.randIter = null;
    return n;
  }

  /**
   * Replaces the whole contents (RDB load, replication full sync): the old contents go as in flush(), the given maps
   * become the database. Lists and sorted sets may wake blocked clients.
   */
  install(map: KeyMap<RedisValue>, expires: KeyMap<number>): void {
    this.flush();
    this.main = map;
    this.expires = expires;
    for (const [key, v] of map) if (wakes(v)) this.hooks.keyReady(this, key);
  }

  /** SWAPDB: exchanges the whole contents of two dbs in O(1). Clients keep their Db objects (their db index). */
  swapWith(other: Db): void {
    [this.main, other.main] = [other.main, this.main];
    [this.overlay, other.overlay] = [other.overlay, this.overlay];
    [this.added, other.added] = [other.added, this.added];
    [this.deleted, other.deleted] = [other.deleted, this.deleted];
    [this.frozen, other.frozen] = [other.frozen, this.frozen];
    [this.foldCursor, other.foldCursor] = [other.foldCursor, this.foldCursor];
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
