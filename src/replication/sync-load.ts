/**
 * Receiving and loading a full-sync payload, per `repl-diskless-load` (spec §9):
 * - disabled: the RDB goes to a temp file; once complete it is renamed over the dump, the old data is flushed and
 *   the file is loaded (clients get -LOADING meanwhile);
 * - on-empty-db: like swapdb's parsing straight from the socket when every db is empty, else like disabled;
 * - swapdb: parsed straight from the socket into staging maps while the old data stays; swapped in at the end. When
 *   the master continues our own history (same replid) the old data keeps being served meanwhile (Redis' async
 *   loading), otherwise clients get -LOADING.
 * Bytes of the stream that arrive after the payload are kept for the link to apply once loading is done.
 */
import fs from 'node:fs';
import { strerror } from '../config/values';
import type { LoadResult } from '../persistence/loader';
import { persistence } from '../persistence/persistence';
import { RdbError } from '../persistence/rdb';
import { type LoadProgress, type LoadSession, loadFileSliced, openRdbFile } from '../persistence/rdb-file';
import { log } from '../server/log';
import type { Server } from '../server/server';
import { type PayloadChunk, PayloadError, PayloadFramer, type PayloadHeader } from './sync-payload';

export interface SyncOutcome {
  /** db the stream continues in (AUX repl-stream-db of the image, else 0) */
  streamDb: number;
  /** the payload was EOF-framed: the master waits for our first ACK before streaming */
  usedMark: boolean;
  /** stream bytes received after the payload */
  pending: Buffer[];
}

/** What the sync needs from the link. */
export interface SyncTarget {
  /** the new dataset is about to replace ours: forget the cached master, drop sub-replicas and the backlog */
  attach(): void;
  done(outcome: SyncOutcome): void;
  /** the sync failed (already logged) */
  fail(): void;
}

type Phase = 'receiving' | 'loading' | 'finished' | 'aborted';

export class FullSync {
  private readonly framer = new PayloadFramer();
  private phase: Phase = 'receiving';
  private header: PayloadHeader | null = null;
  /** master_sync_total_bytes: -1 before the header, 0 for an EOF-framed payload, else its length */
  totalBytes = -1;
  /** parsing straight from the socket */
  diskless = false;
  /** the old dataset is served while loading */
  private asyncLoading = false;
  private swapdb = false;
  private load: LoadSession | null = null;
  private progress: LoadProgress | null = null;
  private fd = -1;
  private tmpFile = '';
  private readonly pending: Buffer[] = [];
  /** key-load-delay on a socket load: payload waiting to be parsed a slice at a time, the delay slept between */
  private slowQueue: Buffer[] | null = null;
  private slowTimer: NodeJS.Timeout | null = null;
  private slowDone = false;

  constructor(
    private readonly srv: Server,
    private readonly target: SyncTarget,
    /** true when the master's replid equals ours (same history): swapdb may then serve old data while loading */
    private readonly sameHistory: boolean,
  ) {}

  /** master_sync_read_bytes */
  get readBytes(): number {
    return this.framer.rdbBytes;
  }

  /** Loading the dataset (the link sends newline keepalives to the master meanwhile). */
  get loading(): boolean {
    return this.phase === 'loading' || (this.phase === 'receiving' && this.diskless);
  }

  push(chunk: Buffer): void {
    if (this.phase !== 'receiving') {
      if (this.phase === 'loading') this.pending.push(chunk);
      return;
    }
    let r: PayloadChunk;
    try {
      r = this.framer.push(chunk);
    } catch (err) {
      if (!(err instanceof PayloadError)) throw err;
      log.warning(err.message);
      return this.failed();
    }
    if (r.header !== null && !this.begin(r.header)) return;
    const slow = this.diskless && this.load?.slowed === true;
    for (const b of r.rdb) {
      if (slow) (this.slowQueue ??= []).push(b);
      else if (!(this.diskless ? this.parse(b) : this.write(b))) return;
    }
    if (r.done && r.rest !== null && r.rest.length > 0) this.pending.push(r.rest);
    if (slow) {
      if (r.done) {
        // what follows the payload is stream: kept (as while loading) until the parser caught up
        this.slowDone = true;
        this.phase = 'loading';
      }
      return this.drainSlow();
    }
    if (!r.done) return;
    if (this.diskless) this.finishFromSocket();
    else this.finishFromDisk();
  }

  /** Stops everything (link lost, timeout, REPLICAOF): temp file removed, half-loaded data discarded. */
  abort(): void {
    if (this.phase === 'finished' || this.phase === 'aborted') return;
    if (this.slowTimer !== null) clearTimeout(this.slowTimer);
    if (this.diskless && this.load !== null) log.notice('MASTER <-> REPLICA sync: Discarding the half-loaded data');
    this.phase = 'aborted';
    this.closeTemp(true);
    this.endLoading(false);
  }

  private begin(h: PayloadHeader): boolean {
    this.header = h;
    this.totalBytes = h.kind === 'len' ? h.length : 0;
    const mode = this.srv.config.get('repl-diskless-load');
    this.swapdb = mode === 'swapdb';
    this.diskless = this.swapdb || (mode === 'on-empty-db' && this.srv.dbs.every((db) => db.size === 0));
    const where = this.diskless ? 'to parser' : 'to disk';
    log.notice(
      h.kind === 'eof'
        ? `MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF ${where}`
        : `MASTER <-> REPLICA sync: receiving ${h.length} bytes from master ${where}`,
    );
    if (!this.diskless) return this.openTemp();
    if (this.swapdb) {
      this.asyncLoading = this.sameHistory;
    } else {
      this.target.attach();
      this.flushOld();
    }
    log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    this.startLoading(h.kind === 'len' ? h.length : 0);
    return true;
  }

  private startLoading(total: number): void {
    const p = persistence(this.srv);
    this.load = p.newLoad(false); // a replica keeps keys already expired: its master will DEL them
    this.progress = p.beginLoading(this.load, total, this.asyncLoading);
  }

  private endLoading(ok: boolean, res: LoadResult | null = null): void {
    if (this.progress === null) return;
    this.progress = null;
    // An async load only reports its progress through persistence; the image's extras are not taken from it.
    persistence(this.srv).endLoading(ok && !this.asyncLoading ? res : null);
  }

  private flushOld(): void {
    log.notice('MASTER <-> REPLICA sync: Flushing old data');
    for (const db of this.srv.dbs) db.flush();
  }

  // ---- parsing from the socket ---------------------------------------------------------------------------------

  private parse(b: Buffer): boolean {
    const load = this.load as LoadSession;
    try {
      const used = load.push(b);
      if (this.progress !== null) this.progress.loaded += used;
      if (used < b.length && this.header?.kind === 'eof') {
        // The image ended before the mark did: what sits between them is not ours to guess.
        log.warning('Replication stream EOF marker is broken');
        this.loadFailed('socket', null);
        return false;
      }
    } catch (err) {
      this.loadFailed('socket', err);
      return false;
    }
    return true;
  }

  /**
   * Parses the queued payload 1 KB at a time, sleeping off key-load-delay between slices the way the file loader
   * does: a replica's socket load is then as slow as asked, with clients answered and progress visible meanwhile.
   */
  private drainSlow(): void {
    if (this.slowTimer !== null) return;
    const q = this.slowQueue ?? [];
    const load = this.load as LoadSession;
    while (q.length > 0) {
      if (this.phase !== 'receiving' && this.phase !== 'loading') return;
      let b = q[0];
      if (b.length > 1024) {
        q[0] = b.subarray(1024);
        b = b.subarray(0, 1024);
      } else {
        q.shift();
      }
      if (!this.parse(b)) return;
      if (load.delayDebtUs >= 1000) {
        const ms = Math.floor(load.delayDebtUs / 1000);
        load.delayDebtUs -= ms * 1000;
        this.slowTimer = setTimeout(() => {
          this.slowTimer = null;
          this.drainSlow();
        }, ms);
        return;
      }
    }
    if (this.slowDone && this.phase === 'loading') this.finishFromSocket();
  }

  private finishFromSocket(): void {
    const load = this.load as LoadSession;
    let res: LoadResult;
    try {
      res = load.end();
    } catch (err) {
      return this.loadFailed('socket', err);
    }
    if (this.swapdb) {
      this.target.attach();
      log.notice('MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
      load.loader.commit(this.srv.dbs);
      log.notice('MASTER <-> REPLICA sync: Discarding old DB in background');
    } else {
      load.loader.commit(this.srv.dbs);
    }
    this.endLoading(true, res);
    this.succeed(res.aux.get('repl-stream-db'));
  }

  // ---- through a temp file -------------------------------------------------------------------------------------

  private openTemp(): boolean {
    // Same name scheme as Redis (in `dir`, the working directory).
    this.tmpFile = `temp-${Math.floor(Date.now() / 1000)}.${process.pid}.rdb`;
    try {
      this.fd = fs.openSync(this.tmpFile, 'w', 0o644);
    } catch (err) {
      log.warning(`Opening the temp file needed for MASTER <-> REPLICA synchronization: ${strerror(err)}`);
      this.failed();
      return false;
    }
    return true;
  }

  private write(b: Buffer): boolean {
    try {
      let off = 0;
      while (off < b.length) off += fs.writeSync(this.fd, b, off, b.length - off);
    } catch (err) {
      log.warning(
        `Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: ${strerror(err)}`,
      );
      this.failed();
      return false;
    }
    return true;
  }

  private closeTemp(unlink: boolean): void {
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already gone
      }
      this.fd = -1;
    }
    if (unlink && this.tmpFile !== '') {
      fs.unlink(this.tmpFile, () => {});
      this.tmpFile = '';
    }
  }

  private finishFromDisk(): void {
    const dump = this.srv.config.get('dbfilename');
    try {
      fs.fsyncSync(this.fd);
    } catch {
      // the rename below reports real trouble
    }
    this.closeTemp(false);
    try {
      fs.renameSync(this.tmpFile, dump);
    } catch (err) {
      log.warning(
        `Failed trying to rename the temp DB into ${dump} in MASTER <-> REPLICA synchronization: ${strerror(err)}`,
      );
      this.closeTemp(true);
      return this.failed();
    }
    this.tmpFile = '';
    this.phase = 'loading';
    this.target.attach();
    this.flushOld();
    log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    let opened: { fd: number; size: number } | null;
    try {
      opened = openRdbFile(dump);
    } catch {
      opened = null;
    }
    if (opened === null) return this.loadFailed('disk', null);
    this.startLoading(opened.size);
    const load = this.load as LoadSession;
    loadFileSliced(opened.fd, load, this.progress as LoadProgress).then(
      (res) => {
        if (this.phase !== 'loading') return; // aborted meanwhile
        load.loader.commit(this.srv.dbs);
        this.endLoading(true, res);
        this.succeed(res.aux.get('repl-stream-db'));
      },
      (err) => {
        if (this.phase === 'loading') this.loadFailed('disk', err);
      },
    );
  }

  // ---- outcome -------------------------------------------------------------------------------------------------

  private succeed(streamDb: string | undefined): void {
    this.phase = 'finished';
    const db = streamDb === undefined ? 0 : Number(streamDb);
    this.target.done({
      streamDb: Number.isInteger(db) && db >= 0 && db < this.srv.dbs.length ? db : 0,
      usedMark: this.header?.kind === 'eof',
      pending: this.pending,
    });
  }

  private loadFailed(from: 'disk' | 'socket', err: unknown): void {
    if (err instanceof RdbError)
      log.warning(`Internal error in RDB reading offset ${Math.max(0, err.offset)} -> ${err.reason}`);
    else if (err) log.warning(`Error loading the DB: ${strerror(err)}`);
    log.warning(`Failed trying to load the MASTER synchronization DB from ${from}, check server logs.`);
    if (from === 'socket') log.notice('MASTER <-> REPLICA sync: Discarding the half-loaded data');
    this.endLoading(false);
    this.phase = 'aborted';
    this.target.fail();
  }

  private failed(): void {
    this.abort();
    this.target.fail();
  }
}
