/**
 * Moving a full-sync payload to replicas (spec §4, §9). The point-in-time image comes from persistence's one
 * snapshot job (Redis' single RDB child, forkless here: persistence/snapshot.ts):
 * - diskless (socket target): SocketSync writes `$EOF:<mark>\r\n`, the RDB straight to every member's socket, then
 *   the mark. The slowest member's socket paces the snapshot (the engine pauses while its sink is backed up), as a
 *   Redis fork child writing into a pipe is paced.
 * - disk: the snapshot is a BGSAVE (the dump file, as in Redis); when it completes each waiting replica gets
 *   `$<len>\r\n` and the file (sendRdbFile), read in chunks with socket back-pressure.
 * A filtered RDB (REPLCONF rdb-filter-only, e.g. `redis-cli --replica`) has no keys: it is encoded apart without
 * freezing anything. Members keep the stream produced since the snapshot started (ReplicaLink.held); the primary
 * releases it when their transfer ends. This file only moves bytes and reports back through FullSyncHost.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { encodingLimits } from '../persistence/convert';
import { persistence } from '../persistence/persistence';
import { Snapshot, type SnapshotSink } from '../persistence/snapshot';
import { log } from '../server/log';
import type { Server } from '../server/server';
import type { ReplicaLink } from './link';

/** Socket bytes queued per member beyond which the snapshot pauses until the member drains. */
const SOCKET_HIGH_WATER = 4 * 1024 * 1024;
const READ_CHUNK = 1024 * 1024;

export interface FullSyncHost {
  readonly srv: Server;
  /** a member received the whole payload */
  transferred(link: ReplicaLink, socketTarget: boolean): void;
  /** a member cannot be served (the snapshot or the file failed): close it */
  failed(link: ReplicaLink, why: string): void;
  /** the job will not produce anything more (its snapshot finished or was abandoned) */
  snapshotEnded(job: SocketSync): void;
}

/** Whether a snapshot job (BGSAVE or a full sync) is running: like Redis' RDB child, one at a time. */
export function snapshotBusy(srv: Server): boolean {
  return persistence(srv).inProgress;
}

/** The image for an rdb-filter-only replica: header fields only, no keys (Tandem has no functions to include). */
function emptySnapshot(srv: Server, sink: SnapshotSink): Snapshot {
  const cfg = srv.config;
  const snap = new Snapshot([], sink, {
    compression: cfg.bool('rdbcompression'),
    checksum: cfg.bool('rdbchecksum'),
    limits: encodingLimits(cfg),
    header: { repl: persistence(srv).replInfo?.() },
  });
  snap.start();
  return snap;
}

/** A diskless full sync: one snapshot streamed to every member's socket. */
export class SocketSync {
  readonly members: ReplicaLink[];
  /** 'snapshot' while the image is produced, then 'done' */
  phase: 'snapshot' | 'done' = 'snapshot';
  private snapshot: Snapshot | null = null;
  private drainWaiter: (() => void) | null = null;

  constructor(
    private readonly host: FullSyncHost,
    members: ReplicaLink[],
    private readonly excludeData: boolean,
  ) {
    this.members = members;
  }

  /** Starts the snapshot. False when another snapshot job is running (the members then wait for the next). */
  start(): boolean {
    const srv = this.host.srv;
    if (!this.excludeData && snapshotBusy(srv)) return false;
    const mark = randomBytes(20).toString('hex');
    const sink: SnapshotSink = {
      write: (chunk) => this.toMembers(chunk),
      full: () => this.membersFull(),
      onDrain: (cb) => {
        this.drainWaiter = cb;
        this.watchDrain();
      },
    };
    // The framing line must precede every RDB byte, and the engine may hand out its first chunk right away.
    this.toMembers(`$EOF:${mark}\r\n`);
    let done: Promise<unknown>;
    if (this.excludeData) {
      this.snapshot = emptySnapshot(srv, sink);
      done = this.snapshot.done;
    } else {
      const job = persistence(srv).startSnapshot(sink);
      if (job === null) return false;
      this.snapshot = job.snapshot;
      done = job.done;
    }
    done.then(
      () => {
        if (this.phase !== 'snapshot') return;
        this.toMembers(mark);
        log.notice(`Diskless rdb transfer, done reading from pipe, ${this.members.length} replicas still up.`);
        this.end();
        for (const m of this.members.splice(0)) this.host.transferred(m, true);
      },
      () => {
        if (this.phase !== 'snapshot') return;
        this.end();
        for (const m of this.members.splice(0)) this.host.failed(m, 'SYNC failed. BGSAVE child returned an error');
      },
    );
    return true;
  }

  /** A member went away. The last one leaving stops the snapshot (nobody needs it). */
  remove(link: ReplicaLink): void {
    const i = this.members.indexOf(link);
    if (i < 0) return;
    this.members.splice(i, 1);
    if (this.phase !== 'snapshot') return;
    if (this.members.length === 0) {
      log.warning('Diskless rdb transfer, last replica dropped, killing fork child.');
      this.end();
      if (this.excludeData) this.snapshot?.abort(new Error('no replica left'));
      else persistence(this.host.srv).killJob();
    } else {
      this.checkDrained();
    }
  }

  private end(): void {
    this.phase = 'done';
    this.snapshot = null;
    this.host.snapshotEnded(this);
  }

  private toMembers(data: Buffer | string): void {
    let n = 0;
    for (const m of this.members) n += m.send(data);
    this.host.srv.stats.netReplOutputBytes += n;
  }

  private membersFull(): boolean {
    for (const m of this.members) if ((m.client.socket?.writableLength ?? 0) > SOCKET_HIGH_WATER) return true;
    return false;
  }

  private watchDrain(): void {
    for (const m of this.members) {
      const sock = m.client.socket;
      if (sock && sock.writableLength > SOCKET_HIGH_WATER) sock.once('drain', () => this.checkDrained());
    }
  }

  private checkDrained(): void {
    if (this.drainWaiter === null || this.membersFull()) return;
    const cb = this.drainWaiter;
    this.drainWaiter = null;
    cb();
  }

  /** Server shutdown. */
  destroy(): void {
    this.phase = 'done';
    this.snapshot?.abort(new Error('shutdown'));
    this.members.length = 0;
  }
}

/**
 * Disk-based payload: `$<size>\r\n` then the RDB file, read in chunks and paused while the socket is backed up. The
 * link is in send_bulk meanwhile; `cancelTransfer` stops reading if it goes away.
 */
export function sendRdbFile(host: FullSyncHost, link: ReplicaLink, file: string): void {
  const sock = link.client.socket;
  if (sock === null || link.client.closed) return;
  let size: number;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
    size = fs.fstatSync(fd).size;
  } catch (err) {
    host.failed(link, `SYNC failed. Can't open/stat DB after BGSAVE: ${(err as Error).message}`);
    return;
  }
  link.state = 'send_bulk';
  const stats = host.srv.stats;
  stats.netReplOutputBytes += link.send(`$${size}\r\n`);
  // Reading from the descriptor opened now: a later save renaming a new dump into place does not change what we send.
  const rs = fs.createReadStream('', { fd, highWaterMark: READ_CHUNK, autoClose: true });
  const resume = () => rs.resume();
  rs.on('data', (chunk) => {
    const buf = chunk as Buffer;
    stats.netReplOutputBytes += buf.length;
    if (!sock.write(buf)) {
      rs.pause();
      sock.once('drain', resume);
    }
  });
  rs.on('end', () => {
    link.cancelTransfer = null;
    host.transferred(link, false);
  });
  rs.on('error', (err) => {
    link.cancelTransfer = null;
    host.failed(link, `SYNC failed. Can't read the RDB file: ${err.message}`);
  });
  link.cancelTransfer = () => {
    sock.off('drain', resume);
    rs.destroy();
  };
}
