/**
 * WATCH bookkeeping: which clients watch which keys, and marking them dirty when a watched key changes so their EXEC
 * fails. Touching a key nobody watches costs one Map lookup.
 */
import type { Bytes } from '../protocol/bytes';
import type { Db } from '../store/db';
import type { Client } from './client';

export class WatchManager {
  private readonly byDb: Map<Bytes, Set<Client>>[];
  private count = 0;

  constructor(dbCount: number) {
    this.byDb = Array.from({ length: dbCount }, () => new Map());
  }

  watch(c: Client, db: Db, key: Bytes): void {
    const map = this.byDb[db.id];
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    if (set.has(c)) return;
    set.add(c);
    c.watched.push({ db, key });
    this.count++;
  }

  unwatchAll(c: Client): void {
    for (const { db, key } of c.watched) {
      const map = this.byDb[db.id];
      const set = map.get(key);
      if (!set) continue;
      set.delete(c);
      this.count--;
      if (set.size === 0) map.delete(key);
    }
    c.watched = [];
    c.dirtyCas = false;
  }

  touch(db: Db, key: Bytes): void {
    if (this.count === 0) return;
    const set = this.byDb[db.id].get(key);
    if (set) for (const c of set) c.dirtyCas = true;
  }

  /** FLUSHDB/FLUSHALL/SWAPDB: every watcher of a key in `db` (that exists, or all when `all`) is dirtied. */
  touchDb(db: Db, all = false): void {
    if (this.count === 0) return;
    for (const [key, set] of this.byDb[db.id]) {
      if (all || db.peek(key) !== undefined) for (const c of set) c.dirtyCas = true;
    }
  }

  get watchingClients(): number {
    return this.count;
  }
}
