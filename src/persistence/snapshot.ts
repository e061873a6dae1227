/**
 * Forkless point-in-time snapshots (BGSAVE, replication full sync). Node cannot fork, so instead of a child process
 * holding a copy-on-write image, every database is frozen in O(1) at start (Db.freeze): its key map is left untouched
 * while changes go to an overlay, and the snapshot reads the map in small time-boxed slices between client events.
 * The image is exactly the dataset at start; only keys changed meanwhile cost extra memory. When a database has been
 * read, its overlay is folded back in slices too. Design notes: docs/SNAPSHOTS.md.
 *
 * The snapshot only produces RDB chunks; where they go (temp file, replica sockets) is the sink's business, and the
 * sink's back-pressure pauses the slices so a slow consumer never makes the server buffer the whole image.
 */
import type { Bytes } from '../protocol/bytes';
import type { Db } from '../store/db';
import type { FrozenView } from '../store/frozen-view';
import type { RedisValue } from '../store/value';
import { toRdbValue } from './convert';
import { type EncodingLimits, RdbEncoder, type RdbHeaderInfo } from './rdb';

export interface SnapshotSink {
  /** receives each chunk of the RDB image, in order */
  write(chunk: Buffer): void;
  /** true while the consumer is backed up: slices pause until `onDrain` fires */
  full(): boolean;
  onDrain(cb: () => void): void;
}

export interface SnapshotOptions {
  compression: boolean;
  checksum: boolean;
  limits: EncodingLimits;
  header: RdbHeaderInfo;
  /** upper bound of one slice of work on the event loop */
  sliceMs?: number;
  /** rdb-key-save-delay: microseconds to spend per key (test knob to slow saving down on purpose) */
  keyDelayUs?: number;
  /** function libraries (FUNCTION2 records) to write before the first database */
  functions?: readonly Bytes[];
}

export interface SnapshotStats {
  keys: number;
  /** collections copied because a write command touched them while frozen */
  preserved: number;
  /** estimated bytes of those copies (elements x 48): the extra memory changes during the snapshot cost ("CoW") */
  preservedBytes: number;
  /** keys in the dataset when the snapshot started */
  keysTotal: number;
  bytes: number;
  slices: number;
  /** longest single slice in ms (the event-loop stall the snapshot causes) */
  maxSliceMs: number;
  startedAt: number;
  endedAt: number;
}

/** Overlay entries folded back per slice step (each is two Map operations). */
const FOLD_BATCH = 256;

export class Snapshot {
  private readonly encoder: RdbEncoder;
  private readonly views: FrozenView[] = [];
  /** RESIZEDB hints captured at start, per view */
  private readonly hints = new Map<FrozenView, [number, number]>();
  private idx = 0;
  private state: 'new' | 'running' | 'folding' | 'done' | 'aborted' = 'new';
  private resolve!: (s: SnapshotStats) => void;
  private reject!: (e: Error) => void;
  readonly done: Promise<SnapshotStats>;
  readonly stats: SnapshotStats = {
    keys: 0,
    preserved: 0,
    preservedBytes: 0,
    keysTotal: 0,
    bytes: 0,
    slices: 0,
    maxSliceMs: 0,
    startedAt: 0,
    endedAt: 0,
  };
  private abortReason: Error | null = null;

  constructor(
    private readonly dbs: readonly Db[],
    private readonly sink: SnapshotSink,
    private readonly opts: SnapshotOptions,
  ) {
    this.encoder = new RdbEncoder(
      (chunk) => {
        this.stats.bytes += chunk.length;
        if (this.state === 'running') this.sink.write(chunk);
      },
      { ...opts.limits, compression: opts.compression, checksum: opts.checksum },
    );
    this.done = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    // A snapshot nobody awaits must not crash the process on abort.
    this.done.catch(() => {});
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Freezes every non-empty db (O(1) each) and schedules the slices. The image is the dataset at this instant. */
  start(): void {
    if (this.state !== 'new') throw new Error('snapshot already started');
    this.state = 'running';
    this.stats.startedAt = Date.now();
    this.beginImage();
    for (const db of this.dbs) {
      // Changes left over from a previous snapshot are folded first (bounded by what changed during it).
      db.fold(Number.POSITIVE_INFINITY);
      if (db.size === 0) continue;
      const expires = db.expires.size;
      const view = db.freeze();
      this.views.push(view);
      this.hints.set(view, [view.size, expires]);
      this.stats.keysTotal += view.size;
    }
    setImmediate(() => this.step());
  }

  /**
   * Writes the whole image now, without yielding (SAVE, and the saves of SHUTDOWN, FLUSHALL and DEBUG RELOAD).
   * Nothing else runs meanwhile, so the keys are read in place and nothing is frozen. Errors of the sink or the
   * encoder are thrown; `done` settles accordingly.
   */
  runSync(): SnapshotStats {
    if (this.state !== 'new') throw new Error('snapshot already started');
    this.state = 'running';
    const t0 = performance.now();
    this.stats.startedAt = Date.now();
    try {
      this.beginImage();
      for (const db of this.dbs) {
        const n = db.size;
        if (n === 0) continue;
        this.stats.keysTotal += n;
        this.encoder.selectDb(db.id, n, db.expires.size);
        for (const [key, value] of db.entries()) {
          this.encoder.entry(key, toRdbValue(value), db.getExpire(key));
          this.stats.keys++;
        }
      }
      this.encoder.end();
    } catch (err) {
      this.state = 'done';
      this.stats.endedAt = Date.now();
      this.reject(err as Error);
      throw err;
    }
    this.state = 'done';
    this.stats.slices = 1;
    this.stats.maxSliceMs = performance.now() - t0;
    this.stats.endedAt = Date.now();
    this.resolve(this.stats);
    return this.stats;
  }

  private beginImage(): void {
    this.encoder.begin(this.opts.header);
    for (const code of this.opts.functions ?? []) this.encoder.func(code);
  }

  /**
   * Stops producing output. The databases are released at once and their overlays folded back in slices (never one
   * long stall); `done` then rejects with `reason`.
   */
  abort(reason: Error): void {
    if (this.state !== 'running') return;
    this.state = 'aborted';
    this.abortReason = reason;
    for (const v of this.views) v.finish();
  }

  // ---- slices --------------------------------------------------------------------------------------------------

  private step(): void {
    if (this.state === 'done') return;
    if (this.state === 'running' && this.sink.full()) {
      this.sink.onDrain(() => setImmediate(() => this.step()));
      return;
    }
    const t0 = performance.now();
    const sliceMs = this.opts.sliceMs ?? 5;
    let delayMs = 0;
    if (this.state === 'running') delayMs = this.readSlice(t0, sliceMs);
    else this.foldSlice(t0, sliceMs);
    const took = performance.now() - t0;
    this.stats.slices++;
    if (took > this.stats.maxSliceMs) this.stats.maxSliceMs = took;
    if ((this.state as string) === 'done') return;
    if (delayMs > 0) setTimeout(() => this.step(), delayMs);
    else setImmediate(() => this.step());
  }

  /** Reads keys into the image for up to `sliceMs`; returns how long to sleep (rdb-key-save-delay), 0 for none. */
  private readSlice(t0: number, sliceMs: number): number {
    const delayUs = this.opts.keyDelayUs ?? 0;
    // With a per-key delay a slice handles as many keys as fit in ~10ms of "delay", then sleeps that long.
    const maxKeys = delayUs > 0 ? Math.max(1, Math.floor(10_000 / delayUs)) : Number.POSITIVE_INFINITY;
    let handled = 0;
    while (this.idx < this.views.length) {
      const view = this.views[this.idx];
      if (view.done) {
        this.idx++;
        continue;
      }
      this.enterDb(view);
      handled += view.read(Math.min(32, maxKeys - handled), this.emit);
      if (handled >= maxKeys || performance.now() - t0 >= sliceMs || this.sink.full()) break;
    }
    if (this.idx >= this.views.length) {
      this.endImage();
      return 0;
    }
    return delayUs > 0 ? Math.ceil((handled * delayUs) / 1000) : 0;
  }

  private encDbView: FrozenView | null = null;

  private readonly emit = (key: Bytes, value: RedisValue, expireMs: number): void => {
    this.encoder.entry(key, toRdbValue(value), expireMs);
    this.stats.keys++;
  };

  /** Starts `view`'s database section (SELECTDB + RESIZEDB hints). */
  private enterDb(view: FrozenView): void {
    if (this.encDbView === view) return;
    const [size, expires] = this.hints.get(view)!;
    this.encoder.selectDb(view.originDb, size, expires);
    this.encDbView = view;
  }

  /** All databases read: finish the image, then fold the overlays back. */
  private endImage(): void {
    for (const v of this.views) {
      this.stats.preserved += v.copies + v.ttlAtStart.size;
      this.stats.preservedBytes += v.copiedElements * 48;
    }
    try {
      this.encoder.end();
    } catch (err) {
      this.abortReason = err as Error;
      this.state = 'aborted';
      return;
    }
    this.state = 'folding';
  }

  private foldSlice(t0: number, sliceMs: number): void {
    let pending = false;
    for (const db of this.dbs) {
      while (!db.fold(FOLD_BATCH)) {
        if (db.isFrozen) break; // another snapshot took it meanwhile (not ours to fold)
        if (performance.now() - t0 >= sliceMs) {
          pending = true;
          break;
        }
      }
      if (pending) break;
    }
    if (!pending) this.finish();
  }

  private finish(): void {
    this.stats.endedAt = Date.now();
    const aborted = this.state === 'aborted';
    this.state = 'done';
    if (aborted) this.reject(this.abortReason ?? new Error('snapshot aborted'));
    else this.resolve(this.stats);
  }
}
