/**
 * RDB files on disk: the sink a snapshot writes through (temp file, fsync, atomic rename, directory fsync, as Redis
 * does so a crash never leaves a half-written dump.rdb), and the loader that turns an RDB stream into keyspace values.
 *
 * Loading goes through the shared staging loader (loader.ts): keys land in staging maps that the caller swaps in
 * only once the whole image has been read and its checksum verified, so a corrupt or truncated file can never leave
 * half a dataset behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { strerror } from '../config/values';
import type { Bytes } from '../protocol/bytes';
import { log } from '../server/log';
import { type LoadResult, RdbLoader } from './loader';
import type { EncodingLimits } from './rdb';
import type { SnapshotSink } from './snapshot';

/** A save failed; `line` is the warning to log, worded as Redis words it. */
export class RdbSaveError extends Error {
  constructor(readonly line: string) {
    super(line);
    this.name = 'RdbSaveError';
  }
}

/** Name of the temporary file a save writes before renaming it over the dump (relative to `dir`, the cwd). */
export function tempFileName(): string {
  return `temp-${process.pid}.rdb`;
}

function serverRootDir(): string {
  try {
    return process.cwd();
  } catch {
    return 'unknown';
  }
}

function writeError(op: string, err: unknown): RdbSaveError {
  return new RdbSaveError(`Write error saving DB on disk(${op}): ${strerror(err)}`);
}

/** rdb-save-incremental-fsync: flush to disk every this many bytes, so the final fsync never has gigabytes to do. */
const AUTOSYNC_BYTES = 4 * 1024 * 1024;
/** the snapshot pauses while this much is waiting to be written... */
const HIGH_WATER = 16 * 1024 * 1024;
/** ...and resumes once the backlog is under this */
const LOW_WATER = 4 * 1024 * 1024;
const MAX_IOV = 256;

/**
 * The temp file a save writes. In async mode (BGSAVE) chunks are queued and written by libuv's thread pool one
 * writev at a time, with back-pressure towards the snapshot; in sync mode (SAVE) each chunk is written at once and a
 * failure throws.
 */
export class RdbFileSink implements SnapshotSink {
  readonly tmpPath: string;
  private fd: number;
  private queue: Buffer[] = [];
  private queued = 0;
  private busy = false;
  private written = 0;
  private unsynced = 0;
  private failure: RdbSaveError | null = null;
  private drainWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private discarded = false;
  /** called once when an async write fails (the owner aborts the snapshot) */
  onError: ((e: RdbSaveError) => void) | null = null;

  /** Opens (truncates) the temp file; throws RdbSaveError with Redis' "Failed opening the temp RDB file" line. */
  constructor(
    private readonly sync: boolean,
    private readonly incrementalFsync: boolean,
    tmpPath = tempFileName(),
  ) {
    this.tmpPath = tmpPath;
    try {
      this.fd = fs.openSync(tmpPath, 'w', 0o644);
    } catch (err) {
      throw new RdbSaveError(
        `Failed opening the temp RDB file ${tmpPath} (in server root dir ${serverRootDir()}) for saving: ${strerror(err)}`,
      );
    }
  }

  get bytesWritten(): number {
    return this.written;
  }

  get error(): RdbSaveError | null {
    return this.failure;
  }

  write(chunk: Buffer): void {
    if (this.failure !== null || this.discarded) return;
    if (this.sync) {
      this.writeSync(chunk);
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (!this.busy) this.pump();
  }

  full(): boolean {
    return this.queued >= HIGH_WATER && this.failure === null;
  }

  onDrain(cb: () => void): void {
    if (!this.full()) cb();
    else this.drainWaiters.push(cb);
  }

  private writeSync(chunk: Buffer): void {
    try {
      let off = 0;
      while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off, chunk.length - off);
      this.written += chunk.length;
      this.unsynced += chunk.length;
      if (this.incrementalFsync && this.unsynced >= AUTOSYNC_BYTES) {
        fs.fdatasyncSync(this.fd);
        this.unsynced = 0;
      }
    } catch (err) {
      this.failure = writeError('rdbSaveRio', err);
      throw this.failure;
    }
  }

  private pump(): void {
    if (this.discarded || this.failure !== null || this.queue.length === 0) {
      this.busy = false;
      this.settleWaiters();
      return;
    }
    this.busy = true;
    const bufs = this.queue.length > MAX_IOV ? this.queue.splice(0, MAX_IOV) : this.queue.splice(0);
    let total = 0;
    for (const b of bufs) total += b.length;
    fs.writev(this.fd, bufs, (err, n) => {
      if (err) return this.fail(writeError('rdbSaveRio', err));
      if (n < total) {
        // A short write (the disk filling up, usually): queue the rest; the next write reports the error if any.
        let skip = n;
        let i = 0;
        while (skip >= bufs[i].length) skip -= bufs[i++].length;
        this.queue.unshift(bufs[i].subarray(skip), ...bufs.slice(i + 1));
      }
      this.queued -= n;
      this.written += n;
      this.unsynced += n;
      if (this.incrementalFsync && this.unsynced >= AUTOSYNC_BYTES) {
        this.unsynced = 0;
        fs.fdatasync(this.fd, (e) => {
          if (e) return this.fail(writeError('rdbSaveRio', e));
          this.afterWrite();
        });
        return;
      }
      this.afterWrite();
    });
  }

  private afterWrite(): void {
    if (this.queued < LOW_WATER && this.drainWaiters.length > 0) {
      const w = this.drainWaiters;
      this.drainWaiters = [];
      for (const cb of w) cb();
    }
    this.pump();
  }

  private fail(e: RdbSaveError): void {
    if (this.failure === null) {
      this.failure = e;
      this.onError?.(e);
    }
    this.queue = [];
    this.queued = 0;
    this.busy = false;
    this.settleWaiters();
  }

  private settleWaiters(): void {
    if (this.busy) return;
    const d = this.drainWaiters;
    this.drainWaiters = [];
    for (const cb of d) cb();
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const cb of w) cb();
  }

  /** Async mode: waits for every queued byte, then fsyncs and closes. Rejects with RdbSaveError. */
  async finish(): Promise<void> {
    if (this.busy || this.queue.length > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
    if (this.failure !== null) throw this.failure;
    const fd = this.fd;
    await new Promise<void>((resolve, reject) =>
      fs.fsync(fd, (err) => (err ? reject(writeError('fsync', err)) : resolve())),
    );
    this.fd = -1;
    await new Promise<void>((resolve, reject) =>
      fs.close(fd, (err) => (err ? reject(writeError('fclose', err)) : resolve())),
    );
  }

  /** Sync mode: fsync and close. Throws RdbSaveError. */
  finishSync(): void {
    if (this.failure !== null) throw this.failure;
    try {
      fs.fsyncSync(this.fd);
    } catch (err) {
      throw writeError('fsync', err);
    }
    const fd = this.fd;
    this.fd = -1;
    try {
      fs.closeSync(fd);
    } catch (err) {
      throw writeError('fclose', err);
    }
  }

  /**
   * Gives the save up: the temp file is unlinked at once (a later save may reuse its name while a write of ours is
   * still in flight: that write then lands in the orphaned inode) and the descriptor is closed when idle.
   */
  discard(): void {
    if (this.discarded) return;
    this.discarded = true;
    this.queue = [];
    this.queued = 0;
    try {
      fs.unlinkSync(this.tmpPath);
    } catch {
      // already gone
    }
    const close = () => {
      if (this.fd >= 0) fs.close(this.fd, () => {});
      this.fd = -1;
    };
    if (this.busy) this.idleWaiters.push(close);
    else close();
    this.settleWaiters();
  }
}

/**
 * Moves a finished temp file over the dump and makes the rename durable (fsync of the directory). On failure the temp
 * file is removed and the old dump is untouched; throws RdbSaveError.
 */
export function commitRdbFile(tmpPath: string, finalPath: string): void {
  try {
    fs.renameSync(tmpPath, finalPath);
  } catch (err) {
    try {
      fs.unlinkSync(tmpPath);
    } catch {
      // nothing to clean
    }
    throw new RdbSaveError(
      `Error moving temp DB file ${tmpPath} on the final destination ${finalPath} (in server root dir ${serverRootDir()}): ${strerror(err)}`,
    );
  }
  let dfd = -1;
  try {
    dfd = fs.openSync(path.dirname(path.resolve(finalPath)), 'r');
    fs.fsyncSync(dfd);
  } catch (err) {
    throw writeError('fsyncFileDir', err);
  } finally {
    if (dfd >= 0) fs.closeSync(dfd);
  }
}

// ---- loading ---------------------------------------------------------------------------------------------------

export interface FileLoadOptions {
  databases: number;
  limits: EncodingLimits;
  /** rdbchecksum: verify the trailer (a zero trailer means the writer disabled checksums) */
  verifyChecksum: boolean;
  /** a master drops keys whose TTL has passed; a replica keeps them (its master will expire them) */
  dropExpired: boolean;
  /** key-load-delay, microseconds per key (test knob); zero or negative: none */
  keyDelayUs?: number;
}

const MAX_EMPTY_KEY_LOGS = 10;

/**
 * One load of an RDB image through the shared staging loader (loader.ts), with what a server adds around it: the
 * AUX fields logged as they are read, in Redis' words; live counters for INFO; key-load-delay accounting; and the
 * closing "Done loading RDB" line.
 */
export class LoadSession {
  readonly loader: RdbLoader;
  /** used-mem AUX field (INFO loading_rdb_used_mem) */
  usedMem = 0;
  keysLoaded = 0;
  keysExpired = 0;
  emptySkipped = 0;
  /** key-load-delay owed but not yet waited (the sliced reader sleeps it off between reads) */
  delayDebtUs = 0;
  private readonly delayUs: number;
  private readonly verify: boolean;

  constructor(opts: FileLoadOptions) {
    this.delayUs = opts.keyDelayUs !== undefined && opts.keyDelayUs > 0 ? opts.keyDelayUs : 0;
    this.verify = opts.verifyChecksum;
    this.loader = new RdbLoader({
      limits: opts.limits,
      databases: opts.databases,
      dropExpired: opts.dropExpired,
      verifyChecksum: opts.verifyChecksum,
      observer: {
        aux: (k, v) => this.aux(k, v),
        key: (dropped) => {
          if (dropped) this.keysExpired++;
          else this.keysLoaded++;
          this.delayDebtUs += this.delayUs;
        },
        skipped: (_db, key, reason) => {
          if (reason !== 'empty value') return;
          if (this.emptySkipped++ < MAX_EMPTY_KEY_LOGS) log.warning(`rdbLoadObject skipping empty key: ${key}`);
        },
      },
    });
  }

  /** key-load-delay is in effect */
  get slowed(): boolean {
    return this.delayUs > 0;
  }

  push(chunk: Buffer): number {
    return this.loader.push(chunk);
  }

  /** The input is complete: verifies it ended properly (throws RdbError) and logs the outcome. */
  end(): LoadResult {
    const res = this.loader.end();
    if (this.verify && res.summary.checksum === 0n) {
      log.warning('RDB file was saved with checksum disabled: no check performed.');
    }
    if (this.emptySkipped > 0) {
      log.warning(
        `Done loading RDB, keys loaded: ${res.keys}, keys expired: ${res.expiredDropped}, empty keys skipped: ${this.emptySkipped}.`,
      );
    } else {
      log.notice(`Done loading RDB, keys loaded: ${res.keys}, keys expired: ${res.expiredDropped}.`);
    }
    return res;
  }

  private aux(k: Bytes, v: Bytes): void {
    if (k.startsWith('%')) {
      log.notice(`RDB '${k}': ${v}`);
      return;
    }
    switch (k.toLowerCase()) {
      case 'redis-ver':
        log.notice(`Loading RDB produced by version ${v}`);
        break;
      case 'ctime': {
        const age = Math.max(0, Math.floor(Date.now() / 1000) - leadingInt(v));
        log.notice(`RDB age ${age} seconds`);
        break;
      }
      case 'used-mem':
        this.usedMem = leadingInt(v);
        log.notice(`RDB memory usage when created ${(this.usedMem / (1024 * 1024)).toFixed(2)} Mb`);
        break;
      case 'aof-preamble':
        if (leadingInt(v) !== 0) log.notice('RDB has an AOF tail');
        break;
      case 'aof-base':
        if (leadingInt(v) !== 0) log.notice('RDB is base AOF');
        break;
      default:
        // Replication fields are read from the result; unknown fields are ignored, as the format requires.
        break;
    }
  }
}

/** strtol-like: the leading integer, 0 when there is none. */
function leadingInt(s: string): number {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m ? Number(m[0]) : 0;
}

// ---- reading files -------------------------------------------------------------------------------------------------

const READ_CHUNK = 256 * 1024;

export interface LoadProgress {
  /** total file size */
  total: number;
  /** bytes read so far */
  loaded: number;
}

/** Opens a dump for loading. Returns null when it does not exist (a fresh server); throws other errors. */
export function openRdbFile(file: string): { fd: number; size: number } | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let size = 0;
  try {
    size = fs.fstatSync(fd).size;
  } catch {
    size = 0;
  }
  return { fd, size };
}

function readChunk(fd: number, size = READ_CHUNK): Buffer | null {
  // A fresh buffer per read: the decoder may keep referencing the chunk it was given.
  const buf = Buffer.allocUnsafe(size);
  const n = fs.readSync(fd, buf, 0, size, null);
  return n === 0 ? null : n < size ? buf.subarray(0, n) : buf;
}

/** Reads a whole file into the loader without yielding (DEBUG RELOAD). Closes fd. Throws RdbError / I/O errors. */
export function loadFileSync(fd: number, loader: LoadSession, progress?: LoadProgress): LoadResult {
  try {
    for (let chunk = readChunk(fd); chunk !== null; chunk = readChunk(fd)) {
      loader.push(chunk);
      if (progress) progress.loaded += chunk.length;
    }
    return loader.end();
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads a file into the loader in time-boxed slices, yielding to the event loop between them so clients are
 * answered (-LOADING, INFO) meanwhile; key-load-delay is slept off between slices rather than spun. Closes fd.
 */
export async function loadFileSliced(
  fd: number,
  loader: LoadSession,
  progress: LoadProgress,
  sliceMs = 10,
): Promise<LoadResult> {
  // With a key delay, small reads keep the delay spread over the file (a few dozen keys per read).
  const size = loader.slowed ? 1024 : READ_CHUNK;
  try {
    let t0 = performance.now();
    for (let chunk = readChunk(fd, size); chunk !== null; chunk = readChunk(fd, size)) {
      loader.push(chunk);
      progress.loaded += chunk.length;
      if (loader.delayDebtUs >= 1000) {
        const ms = Math.floor(loader.delayDebtUs / 1000);
        loader.delayDebtUs -= ms * 1000;
        await new Promise((r) => setTimeout(r, ms));
        t0 = performance.now();
      } else if (performance.now() - t0 >= sliceMs) {
        await new Promise((r) => setImmediate(r));
        t0 = performance.now();
      }
    }
    return loader.end();
  } finally {
    fs.closeSync(fd);
  }
}
