/**
 * One logical database: the key -> value map and the key -> expire-time map (like Redis' dict and expires dict).
 * Lazy expiry lives here; the active expiry cycle is in expire.ts. Everything that must happen elsewhere when the
 * keyspace changes (WATCH invalidation, waking blocked clients, propagating expiry DELs) goes through KeyspaceHooks,
 * so the store does not depend on the server.
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
}

export class Db {
  readonly dict = new Map<Bytes, RedisValue>();
  /** absolute unix time in ms */
  readonly expires = new Map<Bytes, number>();
  /** average TTL estimate and other INFO keyspace figures */
  avgTtl = 0;

  constructor(
    readonly id: number,
    private readonly hooks: KeyspaceHooks,
  ) {}

  get size(): number {
    return this.dict.size;
  }

  // Iteration and raw access. Prefer these over touching `dict`: the forkless snapshot will split the map while it
  // runs, and only Db knows how to present both halves as one keyspace.

  /** Every stored key (including logically expired ones not yet deleted). */
  keys(): IterableIterator<Bytes> {
    return this.dict.keys();
  }

  /** Every stored [key, value] pair (including logically expired ones). */
  entries(): IterableIterator<[Bytes, RedisValue]> {
    return this.dict.entries();
  }

  /** Value without expiry checks or side effects (for internal consumers such as RDB save and blocked clients). */
  peek(key: Bytes): RedisValue | undefined {
    return this.dict.get(key);
  }

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
    this.dict.delete(key);
    this.expires.delete(key);
    this.hooks.keyExpired(this, key);
    return true;
  }

  /** Lookup honouring expiry. */
  get(key: Bytes): RedisValue | undefined {
    const v = this.dict.get(key);
    if (v === undefined) return undefined;
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined;
    return v;
  }

  has(key: Bytes): boolean {
    return this.get(key) !== undefined;
  }

  /** Adds a key that the caller knows does not exist (after a get() returned undefined). */
  add(key: Bytes, value: RedisValue): void {
    this.dict.set(key, value);
    if (typeof value !== 'string' && (value.type === 'list' || value.type === 'zset')) this.hooks.keyReady(this, key);
  }

  /**
   * SET-style write: replaces any value, drops the TTL unless keepTtl, signals WATCH. The caller increments dirty.
   */
  set(key: Bytes, value: RedisValue, keepTtl = false): void {
    const existed = this.dict.has(key);
    this.dict.set(key, value);
    if (!keepTtl && existed) this.expires.delete(key);
    if (typeof value !== 'string' && (value.type === 'list' || value.type === 'zset')) this.hooks.keyReady(this, key);
    this.hooks.keyModified(this, key);
  }

  /** Deletes key and its TTL. Returns whether it existed (expired keys count as absent). Signals WATCH. */
  delete(key: Bytes): boolean {
    if (this.get(key) === undefined) return false;
    this.dict.delete(key);
    this.expires.delete(key);
    this.hooks.keyModified(this, key);
    return true;
  }

  /** Removes a key without any signalling (used by MOVE/RENAME internals, RDB load, FLUSH). */
  removeRaw(key: Bytes): void {
    this.dict.delete(key);
    this.expires.delete(key);
  }

  /** Tells WATCHers the value of `key` changed in place (HSET on an existing hash, LPUSH, ...). */
  touch(key: Bytes): void {
    this.hooks.keyModified(this, key);
  }

  setExpire(key: Bytes, whenMs: number): void {
    this.expires.set(key, whenMs);
  }

  /** Returns true if a TTL was removed. */
  persist(key: Bytes): boolean {
    return this.expires.delete(key);
  }

  /** Absolute expire time in ms, or -1. */
  getExpire(key: Bytes): number {
    return this.expires.get(key) ?? -1;
  }

  /** Empties the database; returns the number of keys removed. WATCHers of existing keys are signalled. */
  flush(): number {
    const n = this.dict.size;
    for (const key of this.dict.keys()) this.hooks.keyModified(this, key);
    this.dict.clear();
    this.expires.clear();
    return n;
  }

  private randIter: IterableIterator<Bytes> | null = null;

  /**
   * A random live key, or undefined. A JS Map has no random access, so we walk a persistent iterator forward by a
   * random stride; over successive calls every key is reachable (Redis' own pick is not uniform either).
   */
  randomKey(): Bytes | undefined {
    const hide = this.hooks.expiryMode() === 'hide';
    for (let attempt = 0; attempt < 100 && this.dict.size > 0; attempt++) {
      let skip = Math.floor(Math.random() * Math.min(this.dict.size, 64));
      let chosen: Bytes | undefined;
      for (let wraps = 0; chosen === undefined && wraps < 2; ) {
        if (this.randIter === null) this.randIter = this.dict.keys();
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
