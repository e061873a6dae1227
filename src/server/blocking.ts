/**
 * Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ...). A blocked client's command is simply re-run when one of its
 * keys becomes ready; the handler either serves it (and the client is unblocked) or finds nothing and leaves it
 * queued in place, so wake-up order stays first-come first-served per key as in Redis.
 */
import type { Bytes } from '../protocol/bytes';
import type { Db } from '../store/db';
import type { Client } from './client';

/** setTimeout() fires at once for delays beyond 2^31-1 ms; longer timeouts are waited for in steps */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class BlockingManager {
  /** per db: key -> clients waiting on it, oldest first */
  private readonly waiting: Map<Bytes, Client[]>[];
  /** keys signalled ready since the last handleReady() */
  private ready: { db: Db; key: Bytes }[] = [];
  private readonly readySet: Set<Bytes>[];
  blockedClients = 0;
  private reblocked = false;
  /**
   * While a blocked command is re-run: the key that became ready. Redis serves a client from that key (not from the
   * first of its keys that happens to hold data), and leaves it blocked if the key now holds another type.
   */
  readyKey: Bytes | null = null;

  constructor(
    dbCount: number,
    /** re-executes the client's blocked command (dispatch.ts) */
    private readonly rerun: (c: Client) => void,
  ) {
    this.waiting = Array.from({ length: dbCount }, () => new Map());
    this.readySet = Array.from({ length: dbCount }, () => new Set());
  }

  /**
   * Blocks `c` on `keys`. Called by a blocking command's handler when there is nothing to serve. `timeoutMs` 0 means
   * forever. When called during a retry the client keeps its place (it is already queued).
   */
  block(c: Client, keys: readonly Bytes[], timeoutMs: number, onTimeout: (c: Client) => void): void {
    if (c.retryingBlocked && c.blocked) {
      this.reblocked = true; // still nothing to serve: keep its place in the queues
      return;
    }
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
    const uniq = [...new Set(keys)];
    c.blocked = { db: c.db, keys: uniq, deadline, timer: null, onTimeout };
    const map = this.waiting[c.db.id];
    for (const k of uniq) {
      const list = map.get(k);
      if (list) list.push(c);
      else map.set(k, [c]);
    }
    if (deadline) {
      c.blocked.timer = setTimeout(() => this.timeout(c), Math.min(timeoutMs, MAX_TIMER_MS));
    }
    this.blockedClients++;
  }

  private timeout(c: Client): void {
    const b = c.blocked;
    if (!b) return;
    const left = b.deadline - Date.now();
    if (left > 0) {
      // timers cannot wait longer than MAX_TIMER_MS: re-arm until the real deadline
      b.timer = setTimeout(() => this.timeout(c), Math.min(left, MAX_TIMER_MS));
      return;
    }
    b.timer = null;
    this.unblock(c);
    b.onTimeout(c);
    c.markPending();
    c.srv.resumeClient(c);
  }

  /** Removes `c` from every wait queue (served, timed out, killed, CLIENT UNBLOCK). */
  unblock(c: Client): void {
    const b = c.blocked;
    if (!b) return;
    if (b.timer) clearTimeout(b.timer);
    const map = this.waiting[b.db.id];
    for (const k of b.keys) {
      const list = map.get(k);
      if (!list) continue;
      const i = list.indexOf(c);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) map.delete(k);
    }
    c.blocked = null;
    this.blockedClients--;
  }

  /** Keys of `db` that clients are blocked on (SWAPDB re-checks them). */
  waitingKeys(db: Db): Bytes[] {
    return [...this.waiting[db.id].keys()];
  }

  /** Called by the keyspace when a list/zset key is created or replaced. Cheap when nobody waits. */
  signalReady(db: Db, key: Bytes): void {
    if (!this.waiting[db.id].has(key)) return;
    const set = this.readySet[db.id];
    if (set.has(key)) return;
    set.add(key);
    this.ready.push({ db, key });
  }

  get hasReady(): boolean {
    return this.ready.length > 0;
  }

  /**
   * Serves clients waiting on ready keys, oldest first, until each key's value runs out. Serving may push to other
   * keys (BLMOVE), which makes them ready in turn; the loop continues until nothing is ready.
   */
  handleReady(): void {
    while (this.ready.length > 0) {
      const batch = this.ready;
      this.ready = [];
      for (const { db, key } of batch) {
        this.readySet[db.id].delete(key);
        const list = this.waiting[db.id].get(key);
        if (!list) continue;
        // Snapshot: clients that block again during the loop keep their place; stop when the key is gone.
        for (const c of [...list]) {
          if (!c.blocked) continue;
          if (db.peek(key) === undefined) break;
          c.retryingBlocked = true;
          this.reblocked = false;
          this.readyKey = key;
          try {
            this.rerun(c);
          } finally {
            c.retryingBlocked = false;
            this.readyKey = null;
          }
          if (!this.reblocked) {
            this.unblock(c);
            c.srv.resumeClient(c);
          }
        }
      }
    }
  }

  /** For CLIENT LIST/INFO: number of keys clients are blocked on. */
  get blockingKeys(): number {
    let n = 0;
    for (const m of this.waiting) n += m.size;
    return n;
  }
}
