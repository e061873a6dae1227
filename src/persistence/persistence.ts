/**
 * RDB persistence of a running server: SAVE / BGSAVE, the `save` points checked by the cron, the final save at
 * shutdown and after FLUSHALL, loading dump.rdb at start-up, and the Persistence section of INFO. Redis runs a
 * background save in a forked child; here a forkless snapshot (snapshot.ts, docs/SNAPSHOTS.md) plays that child, and
 * every Redis rule that refers to "the RDB child" refers to the one snapshot job that may run at a time — whether it
 * writes a file (BGSAVE) or a replica's socket (startSnapshot). Design and log lines: docs/PERSISTENCE.md.
 */
import { collectAfterBulkLoad } from '../server/gc';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { memoryFigures } from '../commands/info';
import { serverExtras } from '../commands/server-extras';
import { strerror } from '../config/values';
import type { Bytes } from '../protocol/bytes';
import { log } from '../server/log';
import { ShutdownRefused } from '../server/process';
import type { Server } from '../server/server';
import { encodingLimits } from './convert';
import type { RdbReplInfo } from './rdb';
import { RdbError } from './rdb';
import type { LoadResult } from './loader';
import {
  commitRdbFile,
  type LoadProgress,
  LoadSession,
  loadFileSliced,
  loadFileSync,
  openRdbFile,
  RdbFileSink,
  RdbSaveError,
} from './rdb-file';
import { Snapshot, type SnapshotOptions, type SnapshotSink, type SnapshotStats } from './snapshot';

/** Redis' CONFIG_BGSAVE_RETRY_DELAY: after a failed background save, save points wait this long to try again. */
const BGSAVE_RETRY_DELAY = 5;

export type SnapshotKind = 'disk' | 'socket';

/** The running snapshot (Redis' "RDB child"). */
export interface SnapshotJob {
  readonly kind: SnapshotKind;
  readonly snapshot: Snapshot;
  /** unix ms */
  readonly startedAt: number;
  /** settles when the job is over: resolves with the stats when the image is complete (disk: file in place) */
  readonly done: Promise<SnapshotStats>;
}

/** Figures of the last finished snapshot, for DEBUG SNAPSHOT-STATS and the benchmark. */
export interface SnapshotReport {
  kind: SnapshotKind;
  ok: boolean;
  stats: SnapshotStats;
  /** longest event-loop delay observed while the job ran (ms) */
  maxLoopDelayMs: number;
}

interface Job extends SnapshotJob {
  killed: boolean;
  sink: SnapshotSink;
  monitor: IntervalHistogram;
}

type DoneListener = (ok: boolean, kind: SnapshotKind) => void;

export class Persistence {
  private savePoints: [seconds: number, changes: number][] = [];
  /** unix seconds of the last successful save (LASTSAVE) */
  lastSave: number;
  private lastBgsaveOk = true;
  private lastBgsaveTry = 0;
  private saveTimeLast = -1;
  private rdbSaves = 0;
  private lastCowBytes = 0;
  private bgsaveScheduled = false;
  private dirtyBeforeBgsave = 0;
  private job: Job | null = null;
  private readonly doneListeners: DoneListener[] = [];
  /** set when a load failed: nothing may be saved any more (it would overwrite the file that failed to load) */
  private loadFailed = false;

  // loading state (INFO loading_*)
  private loader: LoadSession | null = null;
  private loadStart = 0;
  private loadProgress: LoadProgress = { total: 0, loaded: 0 };
  private lastLoadLoaded = 0;
  private lastLoadExpired = 0;

  /** function libraries found in the last loaded image, written back by every save (Tandem runs no functions) */
  functions: Bytes[] = [];
  /** replication fields of the last image loaded (repl-id, repl-offset, repl-stream-db), for replication */
  loadedRepl: RdbReplInfo | null = null;
  /** replication supplies the AUX replication fields of the images we write */
  replInfo: (() => RdbReplInfo | undefined) | null = null;
  /** the last finished snapshot */
  lastReport: SnapshotReport | null = null;
  /** a replica loads a full sync while still serving its old data (Redis' async loading) */
  asyncLoading = false;

  constructor(private readonly srv: Server) {
    this.lastSave = Math.floor(Date.now() / 1000);
    srv.config.watch('save', (v) => {
      const w = v === '' ? [] : v.split(' ').map(Number);
      this.savePoints = [];
      for (let i = 0; i + 1 < w.length; i += 2) this.savePoints.push([w[i], w[i + 1]]);
      this.updateGate();
    });
    const x = serverExtras(srv);
    x.lastSave = () => this.lastSave;
    x.infoProviders.set('persistence', () => this.infoLines());
    x.flushAllHooks.push(() => this.onFlushAll());
    srv.cronHooks.push((now) => this.cron(now));
    srv.shutdownHooks.push(() => this.onShutdown());
  }

  // ---- state -----------------------------------------------------------------------------------------------------

  /** A snapshot job (BGSAVE or replication) is running: Redis' "child_type == CHILD_TYPE_RDB". */
  get inProgress(): boolean {
    return this.job !== null;
  }

  get current(): SnapshotJob | null {
    return this.job;
  }

  get hasSavePoints(): boolean {
    return this.savePoints.length > 0;
  }

  /** Figures of the running snapshot (ok: null) or else of the last one; null before any. */
  snapshotReport(): (Omit<SnapshotReport, 'ok'> & { ok: boolean | null }) | null {
    const job = this.job;
    if (job === null) return this.lastReport;
    return { kind: job.kind, ok: null, stats: job.snapshot.stats, maxLoopDelayMs: job.monitor.max / 1e6 };
  }

  /** Called with the outcome of every snapshot job (replicas waiting for a BGSAVE listen here). */
  onSnapshotDone(cb: DoneListener): void {
    this.doneListeners.push(cb);
  }

  dumpPath(): string {
    return this.srv.config.get('dbfilename');
  }

  private setStatus(ok: boolean): void {
    this.lastBgsaveOk = ok;
    this.updateGate();
  }

  /** The MISCONF gate in dispatch: a failed background save blocks writes only while save points exist. */
  private updateGate(): void {
    this.srv.lastBgsaveFailed = !this.lastBgsaveOk && this.savePoints.length > 0;
  }

  private snapshotOptions(): SnapshotOptions {
    const cfg = this.srv.config;
    const delay = cfg.num('rdb-key-save-delay');
    return {
      compression: cfg.bool('rdbcompression'),
      checksum: cfg.bool('rdbchecksum'),
      limits: encodingLimits(cfg),
      header: {
        ctime: Math.floor(Date.now() / 1000),
        usedMem: memoryFigures(this.srv).used,
        repl: this.replInfo?.(),
      },
      keyDelayUs: Math.max(delay, 0),
      functions: this.functions,
    };
  }

  // ---- SAVE --------------------------------------------------------------------------------------------------------

  /**
   * Writes the dataset to the dump synchronously (SAVE, and the saves of SHUTDOWN, FLUSHALL, DEBUG RELOAD). Returns
   * false after logging why it failed; the old dump is left as it was.
   */
  saveSync(): boolean {
    if (this.loadFailed) {
      log.warning('Not saving: the dataset failed to load and the file on disk must not be overwritten.');
      return false;
    }
    let sink: RdbFileSink | null = null;
    try {
      sink = new RdbFileSink(true, this.srv.config.bool('rdb-save-incremental-fsync'));
      new Snapshot(this.srv.dbs, sink, this.snapshotOptions()).runSync();
      sink.finishSync();
      commitRdbFile(sink.tmpPath, this.dumpPath());
    } catch (err) {
      log.warning(saveErrorLine(err));
      sink?.discard();
      return false;
    }
    log.notice('DB saved on disk');
    this.srv.dirty = 0;
    this.lastSave = Math.floor(Date.now() / 1000);
    this.setStatus(true);
    return true;
  }

  /** SAVE command: counts in rdb_saves. */
  saveCommand(): boolean {
    this.rdbSaves++;
    return this.saveSync();
  }

  // ---- BGSAVE and other snapshot jobs ------------------------------------------------------------------------------

  /** BGSAVE SCHEDULE (or BGSAVE inside MULTI): run one as soon as no snapshot is in progress. */
  scheduleBgsave(): void {
    this.bgsaveScheduled = true;
  }

  /**
   * Starts a background save to the dump. False when a snapshot job is already running or the server is loading.
   * Like Redis after a successful fork, a failure to open the temp file is reported later, as a failed save.
   */
  bgsave(): boolean {
    if (this.job !== null || this.srv.loading || this.loadFailed) return false;
    this.rdbSaves++;
    this.dirtyBeforeBgsave = this.srv.dirty;
    this.lastBgsaveTry = Math.floor(Date.now() / 1000);
    let sink: RdbFileSink;
    try {
      sink = new RdbFileSink(false, this.srv.config.bool('rdb-save-incremental-fsync'));
    } catch (err) {
      log.notice(`Background saving started by pid ${process.pid}`);
      setImmediate(() => {
        log.warning(saveErrorLine(err));
        log.warning('Background saving error');
        this.setStatus(false);
        for (const cb of this.doneListeners) cb(false, 'disk');
      });
      return true;
    }
    const job = this.launch('disk', sink, async (stats) => {
      await sink.finish();
      commitRdbFile(sink.tmpPath, this.dumpPath());
      log.notice('DB saved on disk');
      const mb = stats.preservedBytes >> 20;
      log.notice(`Fork CoW for RDB: current ${mb} MB, peak ${mb} MB, average ${mb} MB`);
    });
    sink.onError = (e) => job.snapshot.abort(e);
    log.notice(`Background saving started by pid ${process.pid}`);
    return true;
  }

  /**
   * Starts a snapshot into any sink (replication streams it to replica sockets). Only one snapshot runs at a time:
   * returns null when one is in progress or the server is loading. `done` tells when the image is complete.
   */
  startSnapshot(sink: SnapshotSink): SnapshotJob | null {
    if (this.job !== null || this.srv.loading) return null;
    this.rdbSaves++;
    const job = this.launch('socket', sink, async () => {});
    log.notice(`Background RDB transfer started by pid ${process.pid}`);
    return job;
  }

  private launch(kind: SnapshotKind, sink: SnapshotSink, complete: (s: SnapshotStats) => Promise<void>): Job {
    const snapshot = new Snapshot(this.srv.dbs, sink, this.snapshotOptions());
    const monitor = monitorEventLoopDelay({ resolution: 1 });
    let resolveDone!: (s: SnapshotStats) => void;
    let rejectDone!: (e: Error) => void;
    const done = new Promise<SnapshotStats>((res, rej) => {
      resolveDone = res;
      rejectDone = rej;
    });
    done.catch(() => {});
    const job: Job = { kind, snapshot, startedAt: Date.now(), done, killed: false, sink, monitor };
    this.job = job;
    monitor.enable();
    snapshot.start();
    snapshot.done
      .then(async (stats) => {
        await complete(stats);
        return stats;
      })
      .then(
        (stats) => {
          this.jobOver(job, true, null);
          resolveDone(stats);
        },
        (err: Error) => {
          this.jobOver(job, false, err);
          rejectDone(err);
        },
      );
    return job;
  }

  /** Redis' backgroundSaveDoneHandler: logs, status, dirty, and waking whoever waits for the job. */
  private jobOver(job: Job, ok: boolean, err: Error | null): void {
    job.monitor.disable();
    if (this.job === job) this.job = null;
    const stats = job.snapshot.stats;
    this.saveTimeLast = Math.floor(Date.now() / 1000) - Math.floor(job.startedAt / 1000);
    this.lastReport = { kind: job.kind, ok, stats, maxLoopDelayMs: job.monitor.max / 1e6 };
    if (job.kind === 'disk') {
      if (ok) {
        log.notice('Background saving terminated with success');
        this.srv.dirty -= this.dirtyBeforeBgsave;
        this.lastSave = Math.floor(Date.now() / 1000);
        this.lastCowBytes = stats.preservedBytes;
        this.setStatus(true);
      } else {
        (job.sink as RdbFileSink).discard();
        if (job.killed) {
          // A save abandoned on purpose (FLUSHALL, SHUTDOWN) is not a failure, as a child killed with SIGUSR1.
          log.warning('Background saving terminated by signal 10');
        } else {
          log.warning(saveErrorLine(err));
          log.warning('Background saving error');
          this.setStatus(false);
        }
      }
    } else if (ok) {
      log.notice('Background transfer terminated with success');
      this.lastCowBytes = stats.preservedBytes;
    } else {
      log.warning(job.killed ? 'Background transfer terminated by signal 10' : 'Background transfer error');
    }
    for (const cb of this.doneListeners) cb(ok, job.kind);
  }

  /** Redis' killRDBChild: abandons the running snapshot job, whatever its target. */
  killJob(): void {
    const job = this.job;
    if (job === null || job.killed) return;
    job.killed = true;
    if (job.kind === 'disk') (job.sink as RdbFileSink).discard();
    job.snapshot.abort(new Error('snapshot killed'));
  }

  // ---- cron, FLUSHALL, SHUTDOWN -----------------------------------------------------------------------------------

  private cron(now: number): void {
    if (this.srv.loading || this.loadFailed) return;
    const sec = Math.floor(now / 1000);
    const mayRetry = this.lastBgsaveOk || sec - this.lastBgsaveTry > BGSAVE_RETRY_DELAY;
    if (this.job === null) {
      for (const [seconds, changes] of this.savePoints) {
        if (this.srv.dirty >= changes && sec - this.lastSave > seconds && mayRetry) {
          log.notice(`${changes} changes in ${seconds} seconds. Saving...`);
          this.bgsave();
          break;
        }
      }
    }
    if (this.job === null && this.bgsaveScheduled && mayRetry && this.bgsave()) this.bgsaveScheduled = false;
  }

  /** After FLUSHALL: the running snapshot is abandoned and, with save points, the empty dataset is saved. */
  private onFlushAll(): void {
    this.killJob();
    if (this.savePoints.length > 0) this.saveSync();
  }

  /** Shutdown hook: final save as SHUTDOWN [SAVE|NOSAVE] [FORCE] and the save points ask; throws to refuse. */
  private onShutdown(): void {
    const req = serverExtras(this.srv).shutdown ?? { save: null, now: false, force: false };
    if (this.job !== null) {
      log.warning('There is a child saving an .rdb. Killing it!');
      this.killJob();
    }
    // A half-loaded (or failed) dataset must never replace the file it came from.
    if (this.srv.loading || this.loadFailed) return;
    const save = req.save === true || (req.save === null && this.savePoints.length > 0);
    if (!save) return;
    log.notice('Saving the final RDB snapshot before exiting.');
    if (this.saveSync()) return;
    if (req.force) {
      log.warning('Error trying to save the DB. Exit anyway.');
      return;
    }
    log.warning("Error trying to save the DB, can't exit.");
    throw new ShutdownRefused("Error trying to save the DB, can't exit.");
  }

  // ---- loading -----------------------------------------------------------------------------------------------------

  /** A load with this server's settings; a master drops keys already expired, a replica keeps them. */
  newLoad(dropExpired = this.srv.masterHost === null): LoadSession {
    const cfg = this.srv.config;
    return new LoadSession({
      databases: this.srv.dbs.length,
      limits: encodingLimits(cfg),
      verifyChecksum: cfg.bool('rdbchecksum'),
      dropExpired,
      keyDelayUs: cfg.num('key-load-delay'),
    });
  }

  /**
   * Marks the server as loading (INFO loading:1 and loading_* fields, -LOADING replies) until endLoading();
   * replication can use it around a full sync too. Update the returned progress as bytes arrive.
   */
  beginLoading(loader: LoadSession, totalBytes: number, async = false): LoadProgress {
    // An async load (replica swapdb, same history) keeps serving the old data: INFO async_loading, no -LOADING.
    this.asyncLoading = async;
    if (!async) this.srv.loading = true;
    this.loader = loader;
    this.loadStart = Math.floor(Date.now() / 1000);
    this.loadProgress = { total: totalBytes, loaded: 0 };
    return this.loadProgress;
  }

  /** Ends the loading state; with the image's contents on success (functions, repl fields). */
  endLoading(res: LoadResult | null): void {
    const l = this.loader;
    if (l !== null) {
      this.lastLoadLoaded = l.keysLoaded;
      this.lastLoadExpired = l.keysExpired;
    }
    if (res !== null) {
      this.functions = res.functions;
      this.loadedRepl = res.repl;
    }
    this.loader = null;
    this.srv.loading = false;
    this.asyncLoading = false;
  }

  /**
   * Start-up: loads the dump in slices while clients get -LOADING. A missing file means an empty dataset. On any
   * error the process exits (as Redis does), never serving or saving a partial dataset.
   */
  async loadAtStartup(): Promise<void> {
    const file = this.dumpPath();
    let opened: { fd: number; size: number } | null;
    try {
      opened = openRdbFile(file);
    } catch (err) {
      return this.fatalLoad(`Fatal error loading the DB: ${strerror(err)}. Exiting.`);
    }
    if (opened === null) return;
    const t0 = performance.now();
    const load = this.newLoad();
    const progress = this.beginLoading(load, opened.size);
    let res: LoadResult;
    try {
      res = await loadFileSliced(opened.fd, load, progress);
    } catch (err) {
      this.endLoading(null);
      this.reportLoadError(err);
      return this.fatalLoad('Terminating server after rdb file reading failure.');
    }
    load.loader.commit(this.srv.dbs);
    collectAfterBulkLoad();
    this.endLoading(res);
    log.notice(`DB loaded from disk: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
  }

  private reportLoadError(err: unknown): void {
    if (err instanceof RdbError) {
      if (err.reason.startsWith('unexpected end of data')) {
        log.warning('Short read or OOM loading DB. Unrecoverable error, aborting now.');
      }
      log.warning(`Internal error in RDB reading offset ${Math.max(0, err.offset)} -> ${err.reason}`);
    } else {
      log.warning(`Error loading the DB: ${strerror(err)}`);
    }
  }

  private fatalLoad(line: string): void {
    this.loadFailed = true;
    log.warning(line);
    log.flushSync();
    serverExtras(this.srv).exit(1);
  }

  /**
   * DEBUG RELOAD: save (unless NOSAVE), then load the dump back, replacing the dataset (unless NOFLUSH, which adds
   * to it; MERGE lets the file's keys win conflicts). The load goes through staging, so a bad file leaves the
   * dataset as it was. Returns an error reply or null.
   */
  reload(save: boolean, flush: boolean, merge: boolean): string | null {
    if (this.srv.loading) return 'LOADING Redis is loading the dataset in memory';
    if (save) {
      // Our background save writes the same temp file name: abandon it rather than race it.
      if (this.job?.kind === 'disk') this.killJob();
      if (!this.saveSync()) return 'ERR';
    }
    let opened: { fd: number; size: number } | null = null;
    try {
      opened = openRdbFile(this.dumpPath());
    } catch (err) {
      log.warning(`Error loading the DB: ${strerror(err)}`);
    }
    if (opened === null) return 'ERR Error trying to load the RDB dump';
    const load = this.newLoad();
    this.beginLoading(load, opened.size);
    let res: LoadResult;
    try {
      res = loadFileSync(opened.fd, load, this.loadProgress);
    } catch (err) {
      this.endLoading(null);
      this.reportLoadError(err);
      return 'ERR Error trying to load the RDB dump';
    }
    let conflict: { db: number; key: Bytes } | null = null;
    if (flush) load.loader.commit(this.srv.dbs);
    else conflict = load.loader.commitAdding(this.srv.dbs, merge);
    this.endLoading(conflict === null ? res : null);
    if (conflict !== null) {
      log.warning(`RDB has duplicated key '${conflict.key}' in DB ${conflict.db}`);
      return 'ERR Error trying to load the RDB dump';
    }
    log.warning('DB reloaded by DEBUG RELOAD');
    return null;
  }

  // ---- INFO ----------------------------------------------------------------------------------------------------------

  infoLines(): string[] {
    const srv = this.srv;
    const now = Math.floor(Date.now() / 1000);
    const job = this.job;
    const st = job?.snapshot.stats;
    const cow = st?.preservedBytes ?? 0;
    const perc = st && st.keysTotal > 0 ? (st.keys * 100) / st.keysTotal : 0;
    const lines = [
      `loading:${srv.loading ? 1 : 0}`,
      `async_loading:${this.asyncLoading ? 1 : 0}`,
      `current_cow_peak:${cow}`,
      `current_cow_size:${cow}`,
      'current_cow_size_age:0',
      `current_fork_perc:${perc.toFixed(2)}`,
      `current_save_keys_processed:${st?.keys ?? 0}`,
      `current_save_keys_total:${st?.keysTotal ?? 0}`,
      `rdb_changes_since_last_save:${srv.dirty}`,
      `rdb_bgsave_in_progress:${job ? 1 : 0}`,
      `rdb_last_save_time:${this.lastSave}`,
      `rdb_last_bgsave_status:${this.lastBgsaveOk ? 'ok' : 'err'}`,
      `rdb_last_bgsave_time_sec:${this.saveTimeLast}`,
      `rdb_current_bgsave_time_sec:${job ? now - Math.floor(job.startedAt / 1000) : -1}`,
      `rdb_saves:${this.rdbSaves}`,
      `rdb_last_cow_size:${this.lastCowBytes}`,
      `rdb_last_load_keys_expired:${this.loader?.keysExpired ?? this.lastLoadExpired}`,
      `rdb_last_load_keys_loaded:${this.loader?.keysLoaded ?? this.lastLoadLoaded}`,
      'aof_enabled:0',
      'aof_rewrite_in_progress:0',
      'aof_rewrite_scheduled:0',
      'aof_last_rewrite_time_sec:-1',
      'aof_current_rewrite_time_sec:-1',
      'aof_last_bgrewrite_status:ok',
      'aof_rewrites:0',
      'aof_rewrites_consecutive_failures:0',
      'aof_last_write_status:ok',
      'aof_last_cow_size:0',
      'module_fork_in_progress:0',
      'module_fork_last_cow_size:0',
    ];
    if (srv.loading || this.asyncLoading) {
      const p = this.loadProgress;
      const usedMem = this.loader?.usedMem ?? 0;
      let pct = 0;
      let remaining = 1;
      if (p.total > 0) {
        pct = (p.loaded * 100) / p.total;
        remaining = p.total - p.loaded;
      } else if (usedMem > 0) {
        // Without a size (a socket), the memory figure of the image is the only (rough) estimate.
        pct = Math.min(99.99, (p.loaded * 100) / usedMem);
        remaining = Math.max(1, usedMem - p.loaded);
      }
      const elapsed = now - this.loadStart;
      const eta = elapsed === 0 ? 1 : Math.floor((elapsed * remaining) / (p.loaded + 1));
      lines.push(
        `loading_start_time:${this.loadStart}`,
        `loading_total_bytes:${p.total}`,
        `loading_rdb_used_mem:${usedMem}`,
        `loading_loaded_bytes:${p.loaded}`,
        `loading_loaded_perc:${pct.toFixed(2)}`,
        `loading_eta_seconds:${eta}`,
      );
    }
    return lines;
  }
}

function saveErrorLine(err: unknown): string {
  if (err instanceof RdbSaveError) return err.line;
  return `Write error saving DB on disk(rdbSaveRio): ${err instanceof Error ? err.message : String(err)}`;
}

const managers = new WeakMap<Server, Persistence>();

/** The persistence manager of a server, created (and hooked into cron, shutdown, FLUSHALL, INFO) on first use. */
export function persistence(srv: Server): Persistence {
  let p = managers.get(srv);
  if (!p) {
    p = new Persistence(srv);
    managers.set(srv, p);
  }
  return p;
}

/**
 * Wires persistence into a server about to start: the dump is loaded once the listeners are open (clients get
 * -LOADING meanwhile, as in Redis 7.0).
 */
export function installPersistence(srv: Server): Persistence {
  const p = persistence(srv);
  srv.loadHooks.push(() => p.loadAtStartup());
  return p;
}
