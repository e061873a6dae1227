/**
 * Forkless point-in-time snapshots (BGSAVE, replication full sync). Node cannot fork, so instead of a child process
 * holding a copy-on-write image, every database is frozen in O(1) at start (Db.freeze) and drained into an RDB
 * stream in small time-boxed slices between client events. A key about to change before its turn is *thawed*: its
 * point-in-time value is written to the stream at once (Db calls preserve()), so the image is exactly the dataset at
 * start, and only keys changed meanwhile cost extra work. Design notes: docs/SNAPSHOTS.md.
 *
 * The snapshot only produces RDB chunks; where they go (temp file, replica sockets) is the sink's business, and the
 * sink's back-pressure pauses the slices so a slow consumer never makes the server buffer the whole image.
 */
import type { Bytes } from '../protocol/bytes';
import type { Db, FreezeListener, FrozenPart } from '../store/db';
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
  /** keys written early because they were about to change */
  preserved: number;
  /** RDB bytes of those keys: the extra work and memory a change during the snapshot costs (our "CoW" figure) */
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

const CHECK_EVERY = 32;

export class Snapshot implements FreezeListener {
  private readonly encoder: RdbEncoder;
  private readonly parts: FrozenPart[] = [];
  /** RESIZEDB hints captured at start, per part */
  private readonly hints = new Map<FrozenPart, [number, number]>();
  private readonly started = new Set<FrozenPart>();
  /** db of the last SELECTDB written, -1 before any */
  private encDb = -1;
  private idx = 0;
  private state: 'new' | 'running' | 'done' | 'aborted' = 'new';
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
        if (this.state !== 'aborted') this.sink.write(chunk);
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
      if (db.size === 0) continue;
      const expires = db.expires.size;
      const part = db.freeze(this);
      this.parts.push(part);
      this.hints.set(part, [part.remaining, expires]);
      this.stats.keysTotal += part.remaining;
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
   * Stops producing output. The frozen keys still have to be moved back to their live maps, which continues in
   * slices (never one long stall); `done` then rejects with `reason`.
   */
  abort(reason: Error): void {
    if (this.state !== 'running') return;
    this.state = 'aborted';
    this.abortReason = reason;
  }

  // ---- FreezeListener --------------------------------------------------------------------------------------------

  preserve(part: FrozenPart, key: Bytes, value: RedisValue, expireMs: number): void {
    if (this.state !== 'running') return;
    this.stats.preserved++;
    const before = this.encoder.bytes;
    this.writeEntry(part, key, value, expireMs);
    this.stats.preservedBytes += this.encoder.bytes - before;
  }

  detach(_part: FrozenPart): void {
    // Nothing to do: the part stays in our list and drains from its own maps (FrozenPart.detachedExpires).
  }

  // ---- slices --------------------------------------------------------------------------------------------------

  private writeEntry(part: FrozenPart, key: Bytes, value: RedisValue, expireMs: number): void {
    this.enterDb(part);
    this.encoder.entry(key, toRdbValue(value), expireMs);
    this.stats.keys++;
  }

  /** Makes `part`'s db the current section: SELECTDB + RESIZEDB the first time, a bare SELECTDB afterwards. */
  private enterDb(part: FrozenPart): void {
    if (this.encDb === part.originDb && this.started.has(part)) return;
    if (!this.started.has(part)) {
      this.started.add(part);
      const [size, expires] = this.hints.get(part)!;
      this.encoder.selectDb(part.originDb, size, expires);
    } else {
      this.encoder.switchDb(part.originDb);
    }
    this.encDb = part.originDb;
  }

  private step(): void {
    if (this.state === 'done') return;
    if (this.state === 'running' && this.sink.full()) {
      this.sink.onDrain(() => setImmediate(() => this.step()));
      return;
    }
    const t0 = performance.now();
    const delayUs = this.state === 'running' ? (this.opts.keyDelayUs ?? 0) : 0;
    const sliceMs = this.opts.sliceMs ?? 5;
    // With a per-key delay the slice handles as many keys as fit in ~10ms of "delay", then sleeps that long.
    const maxKeys = delayUs > 0 ? Math.max(1, Math.floor(10_000 / delayUs)) : Number.POSITIVE_INFINITY;
    let handled = 0;
    const emit =
      this.state === 'running'
        ? (key: Bytes, value: RedisValue, expireMs: number) =>
            this.writeEntry(this.parts[this.idx], key, value, expireMs)
        : () => {};
    while (this.idx < this.parts.length) {
      const part = this.parts[this.idx];
      if (part.map.size === 0) {
        this.idx++;
        continue;
      }
      handled += part.drain(Math.min(CHECK_EVERY, maxKeys - handled), emit);
      if (handled >= maxKeys || performance.now() - t0 >= sliceMs) break;
      if (this.state === 'running' && this.sink.full()) break;
    }
    const took = performance.now() - t0;
    this.stats.slices++;
    if (took > this.stats.maxSliceMs) this.stats.maxSliceMs = took;
    if (this.idx >= this.parts.length) {
      this.finish();
      return;
    }
    if (delayUs > 0) setTimeout(() => this.step(), Math.ceil((handled * delayUs) / 1000));
    else setImmediate(() => this.step());
  }

  private finish(): void {
    this.stats.endedAt = Date.now();
    if (this.state === 'aborted') {
      this.state = 'done';
      this.reject(this.abortReason ?? new Error('snapshot aborted'));
      return;
    }
    this.state = 'done';
    try {
      this.encoder.end();
    } catch (err) {
      this.reject(err as Error);
      return;
    }
    this.resolve(this.stats);
  }
}
