/**
 * Loading an RDB stream into the keyspace, shared by start-up loading and replication full sync. Records are
 * decoded chunk by chunk into *staging* maps, never into the live databases, so a corrupt or truncated stream can
 * never leave half a dataset behind; commit() then swaps the staged maps in, in O(1) per database.
 */
import { KeyMap } from '../store/keymap';
import type { Bytes } from '../protocol/bytes';
import type { Db } from '../store/db';
import type { RedisValue } from '../store/value';
import { fromRdbValue } from './convert';
import { type EncodingLimits, RdbDecoder, type RdbEntry, RdbError, type RdbSummary } from './rdb';

export interface LoadOptions {
  limits: EncodingLimits;
  /** number of databases of this server (a SELECTDB beyond it is an error, as in Redis) */
  databases: number;
  /** masters drop keys already expired in the file; replicas keep them (their master will send DEL) */
  dropExpired: boolean;
  /** clock for dropExpired (tests) */
  now?: number;
  /** rdbchecksum: verify the CRC64 trailer (default true) */
  verifyChecksum?: boolean;
  /** called as records are read: logging AUX fields as they come, key-load-delay accounting, skipped keys */
  observer?: LoadObserver;
}

/** Optional per-record callbacks (persistence logs with Redis' wording and paces slow loads with them). */
export interface LoadObserver {
  aux?(key: Bytes, value: Bytes): void;
  /** after each key read: loaded, or dropped because already expired */
  key?(dropped: boolean): void;
  /** a key that was not loaded (empty collection) */
  skipped?(db: number, key: Bytes, reason: string): void;
}

export interface LoadResult {
  summary: RdbSummary;
  keys: number;
  /** keys dropped because already expired (masters only) */
  expiredDropped: number;
  aux: Map<Bytes, Bytes>;
  functions: Bytes[];
  /** replication info from the AUX fields, when present (repl-id, repl-offset, repl-stream-db) */
  repl: { replId: Bytes; offset: number; streamDb: number } | null;
}

export class RdbLoader {
  private readonly maps: KeyMap<RedisValue>[];
  private readonly expires: KeyMap<number>[];
  private readonly decoder: RdbDecoder;
  private readonly aux = new Map<Bytes, Bytes>();
  private readonly functions: Bytes[] = [];
  private keys = 0;
  private dropped = 0;
  private readonly now: number;
  /** bytes consumed so far (loading progress) */
  consumed = 0;

  constructor(private readonly opts: LoadOptions) {
    this.maps = Array.from({ length: opts.databases }, () => new KeyMap<RedisValue>());
    this.expires = Array.from({ length: opts.databases }, () => new KeyMap<number>());
    this.now = opts.now ?? Date.now();
    const obs = opts.observer;
    this.decoder = new RdbDecoder(
      {
        entry: (e) => {
          const dropped = this.entry(e);
          obs?.key?.(dropped);
        },
        aux: (k, v) => {
          this.aux.set(k, v);
          obs?.aux?.(k, v);
        },
        func: (code) => this.functions.push(code),
        skipped: (db, key, _t, reason) => obs?.skipped?.(db, key, reason),
      },
      { databases: opts.databases, verifyChecksum: opts.verifyChecksum },
    );
  }

  /** Stages one key; returns true when it was dropped as already expired. */
  private entry(e: RdbEntry): boolean {
    if (this.opts.dropExpired && e.expireMs !== -1 && e.expireMs < this.now) {
      this.dropped++;
      return true;
    }
    const map = this.maps[e.db];
    // One lookup per key, not has() then set(): a size that did not grow means a duplicate (the staged maps are
    // thrown away with the error, so the overwrite never shows).
    const before = map.size;
    map.set(e.key, fromRdbValue(e.value, this.opts.limits));
    if (map.size === before) throw new RdbError(-1, `RDB has duplicated key '${e.key}' in DB ${e.db}`);
    if (e.expireMs !== -1) this.expires[e.db].set(e.key, e.expireMs);
    this.keys++;
    return false;
  }

  /** Feeds a chunk; returns how many of its bytes belonged to the RDB (the rest follows the image). */
  push(chunk: Buffer): number {
    const n = this.decoder.push(chunk);
    this.consumed += n;
    return n;
  }

  get done(): boolean {
    return this.decoder.done;
  }

  /** Finishes decoding (throws RdbError if the stream was incomplete) and returns what was read. */
  end(): LoadResult {
    const summary = this.decoder.end();
    const id = this.aux.get('repl-id');
    const off = this.aux.get('repl-offset');
    return {
      summary,
      keys: this.keys,
      expiredDropped: this.dropped,
      aux: this.aux,
      functions: this.functions,
      repl:
        id !== undefined && off !== undefined
          ? { replId: id, offset: Number(off), streamDb: Number(this.aux.get('repl-stream-db') ?? 0) }
          : null,
    };
  }

  /**
   * Replaces the contents of `dbs` with what was loaded (O(1) per db). WATCHers of replaced keys are signalled by
   * the flush. Call only after end() succeeded.
   */
  commit(dbs: readonly Db[]): void {
    for (let i = 0; i < dbs.length; i++) dbs[i].install(this.maps[i] ?? new KeyMap(), this.expires[i] ?? new KeyMap());
  }

  /**
   * Adds what was loaded to the current contents instead (DEBUG RELOAD NOFLUSH). A key present on both sides is
   * refused unless `replace` (MERGE: the loaded value wins); conflicts are checked before anything changes, so a
   * refusal leaves `dbs` untouched. Returns the first conflict, or null once committed.
   */
  commitAdding(dbs: readonly Db[], replace: boolean): { db: number; key: Bytes } | null {
    if (!replace) {
      for (let i = 0; i < dbs.length; i++) {
        for (const key of this.maps[i]?.keys() ?? []) if (dbs[i].stored(key)) return { db: i, key };
      }
    }
    for (let i = 0; i < dbs.length; i++) {
      const db = dbs[i];
      const exp = this.expires[i];
      for (const [key, v] of this.maps[i] ?? []) {
        if (db.stored(key)) db.removeRaw(key);
        db.add(key, v);
        const when = exp.get(key);
        if (when !== undefined) db.setExpire(key, when);
        db.touch(key);
      }
    }
    return null;
  }
}
