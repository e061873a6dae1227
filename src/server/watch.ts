/**
 * WATCH bookkeeping: which clients watch which keys, and marking them dirty (EXEC will fail) when a watched key
 * changes. Touching a key nobody watches costs one counter check.
 *
 * Redis 7.0 semantics kept here:
 * - A key that is already logically expired (still stored, TTL in the past) when WATCHed is remembered as such; its
 *   later physical removal (lazy/active expiry, FLUSH, a DEL that finds it expired) is not a change, since it was
 *   already absent for every reader. Anything that gives it a live value again is.
 * - EXEC fails when a key that was alive at WATCH time has expired since (see anyExpired).
 * - A dirtied client stops watching at once: it cannot become less dirty, and its keys no longer cost anything.
 */
import type { Bytes } from '../protocol/bytes';
import type { Db } from '../store/db';
import type { Client } from './client';

/** One (client, db, key) watch. It is also what Client.watched holds, so both sides share one object. */
export interface WatchEntry {
  db: Db;
  key: Bytes;
  /** the key was stored but already expired when WATCHed */
  expired: boolean;
}

/** True if `key` is stored in `db` with a TTL already in the past. */
function storedButExpired(db: Db, key: Bytes, now: number): boolean {
  const when = db.expires.get(key);
  return when !== undefined && when <= now && db.stored(key);
}

export class WatchManager {
  /** per db: key -> watching client -> its entry */
  private readonly byDb: Map<Bytes, Map<Client, WatchEntry>>[];
  /** number of live entries over all dbs (fast exit for touch) */
  private count = 0;

  constructor(dbCount: number) {
    this.byDb = Array.from({ length: dbCount }, () => new Map());
  }

  watch(c: Client, db: Db, key: Bytes): void {
    const map = this.byDb[db.id];
    let watchers = map.get(key);
    if (!watchers) map.set(key, (watchers = new Map()));
    if (watchers.has(c)) return;
    const entry: WatchEntry = { db, key, expired: storedButExpired(db, key, Date.now()) };
    watchers.set(c, entry);
    c.watched.push(entry);
    this.count++;
  }

  /** UNWATCH, EXEC, DISCARD, RESET, disconnect: drops every watch of `c` and its dirty flag. */
  unwatchAll(c: Client): void {
    this.release(c);
    c.dirtyCas = false;
  }

  private release(c: Client): void {
    if (c.watched.length === 0) return;
    for (const { db, key } of c.watched) {
      const map = this.byDb[db.id];
      const watchers = map.get(key);
      if (!watchers?.delete(c)) continue;
      this.count--;
      if (watchers.size === 0) map.delete(key);
    }
    c.watched = [];
  }

  private markDirty(c: Client): void {
    this.release(c);
    c.dirtyCas = true;
  }

  /** A key's value changed (or the key was deleted). Called by the keyspace after the change. */
  touch(db: Db, key: Bytes): void {
    if (this.count === 0) return;
    const watchers = this.byDb[db.id].get(key);
    if (!watchers) return;
    let now = 0;
    // markDirty() removes entries from `watchers` while we iterate; Map iteration tolerates that.
    for (const [c, entry] of watchers) {
      if (entry.expired) {
        if (!db.stored(key)) {
          entry.expired = false; // the expired key is now gone for real: no logical change
          continue;
        }
        if (now === 0) now = Date.now();
        if (storedButExpired(db, key, now)) continue; // still logically absent
      }
      this.markDirty(c);
    }
  }

  /**
   * FLUSHDB / FLUSHALL / SWAPDB, called BEFORE the change: `emptied` loses its contents, which are replaced by those
   * of `replacedWith` (SWAPDB) or by nothing (flush). Watchers stay with their db index, so a watched key is dirtied
   * when it exists on either side, except when its logical state does not change (expired -> absent, expired ->
   * expired, absent -> expired). Safe to combine with Db.flush(), whose per-key signals then find nothing to do.
   */
  touchAllInDb(emptied: Db, replacedWith: Db | null = null): void {
    if (this.count === 0) return;
    const now = Date.now();
    for (const [key, watchers] of this.byDb[emptied.id]) {
      const inEmptied = emptied.stored(key);
      let incoming = false;
      let incomingExpired = false;
      if (replacedWith?.stored(key)) {
        incoming = true;
        incomingExpired = storedButExpired(replacedWith, key, now);
      }
      if (!inEmptied && !incoming) continue;
      for (const [c, entry] of watchers) {
        if (entry.expired) {
          // Expired -> absent or expired -> expired: no logical change. The flag stays: the key may still be
          // stored until the caller empties the db, and touch() clears it once the key is really gone.
          if (!incoming || incomingExpired) continue;
        } else if (!inEmptied && incomingExpired) {
          entry.expired = true;
          continue;
        }
        this.markDirty(c);
      }
    }
  }

  /** SWAPDB a b: both directions, before the contents are exchanged. */
  touchSwap(a: Db, b: Db): void {
    this.touchAllInDb(a, b);
    this.touchAllInDb(b, a);
  }

  /** EXEC: has a key that was alive at WATCH time expired since? (Then the transaction fails.) */
  anyExpired(c: Client): boolean {
    if (c.watched.length === 0) return false;
    const now = Date.now();
    for (const entry of c.watched as WatchEntry[]) {
      if (!entry.expired && storedButExpired(entry.db, entry.key, now)) return true;
    }
    return false;
  }

  /** number of (client, key) watches */
  get watchedKeys(): number {
    return this.count;
  }

  /** number of distinct watched keys over all dbs */
  get distinctKeys(): number {
    let n = 0;
    for (const m of this.byDb) n += m.size;
    return n;
  }
}
