/**
 * Active expiry: each cron tick walks the keys with a TTL in bounded batches and deletes the expired ones, like
 * Redis' activeExpireCycle. Redis samples random keys; a JS Map has no random access, so we resume a persistent
 * iterator per db instead — every key is visited within a bounded number of cycles, and each cycle is time-capped
 * so a million keys with TTLs never stall the event loop.
 */
import type { Db } from './db';

const KEYS_PER_LOOP = 20;
/** Percentage of the cron period a normal cycle may use (Redis: 25%). */
const SLOW_CYCLE_PERC = 25;
/** Continue sampling a db while more than this share of sampled keys was expired. */
const ACCEPTABLE_STALE = 10;

export interface ExpireCycleResult {
  expired: number;
  sampled: number;
  timeCapReached: boolean;
}

export class ActiveExpirer {
  private readonly iters = new Map<Db, IterableIterator<[string, number]>>();
  private nextDb = 0;

  /**
   * Runs one cycle over `dbs` using at most `hz`-derived time budget. `effort` is active-expire-effort (1..10).
   * Returns what it did (for INFO stats).
   */
  cycle(dbs: readonly Db[], hz: number, effort: number, now = Date.now()): ExpireCycleResult {
    const keysPerLoop = KEYS_PER_LOOP + (KEYS_PER_LOOP / 4) * (effort - 1);
    const budgetMs = (1000 * (SLOW_CYCLE_PERC + 2 * (effort - 1))) / 100 / Math.max(1, hz);
    const start = performance.now();
    const res: ExpireCycleResult = { expired: 0, sampled: 0, timeCapReached: false };
    for (let n = 0; n < dbs.length; n++) {
      const db = dbs[this.nextDb];
      this.nextDb = (this.nextDb + 1) % dbs.length;
      if (db.expires.size === 0) continue;
      for (;;) {
        let sampled = 0;
        let expired = 0;
        let it = this.iters.get(db);
        if (!it) this.iters.set(db, (it = db.expires.entries()));
        while (sampled < keysPerLoop) {
          const r = it.next();
          if (r.done) {
            this.iters.delete(db);
            break;
          }
          sampled++;
          const [key, when] = r.value;
          if (when <= now && db.expireIfNeeded(key, now)) expired++;
        }
        res.sampled += sampled;
        res.expired += expired;
        if (performance.now() - start > budgetMs) {
          res.timeCapReached = true;
          return res;
        }
        // Move on when this batch was mostly live keys or the db's iterator wrapped.
        if (sampled === 0 || (expired * 100) / sampled <= ACCEPTABLE_STALE || !this.iters.has(db)) break;
      }
    }
    return res;
  }
}
