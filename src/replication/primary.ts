/**
 * The primary side of replication: serving this node's replicas (spec §3–§12).
 *
 * - The stream: the propagator's output (only while a backlog exists, and never while this node is itself a replica,
 *   whose stream is the exact bytes its master sent, fed by replica.ts) goes through ReplicationState.feed() into
 *   the backlog and, batched once per event-loop turn, to every online replica. Replicas in a full sync keep the
 *   stream from their snapshot's offset in ReplicaLink.held until their payload is through.
 * - SYNC/PSYNC: partial resync from the backlog (+CONTINUE), else full resync from a forkless snapshot shared by the
 *   replicas waiting together (full-sync.ts, batching rules in sync-batch.ts).
 * - ACKs, WAIT (wait.ts), min-replicas-to-write, repl-timeout, pings and keepalives, output buffer limits, backlog
 *   lifetime — run from the server cron.
 */
import { serverExtras } from '../commands/server-extras';
import type { Client } from '../server/client';
import { log } from '../server/log';
import { setReplicaWaiter } from '../server/process';
import type { Server } from '../server/server';
import { Backlog } from './backlog';
import { persistence } from '../persistence/persistence';
import { type FullSyncHost, SocketSync, sendRdbFile, snapshotBusy } from './full-sync';
import { newReplicaConf, type ReplicaConf, ReplicaLink, replicaName } from './link';
import { type OutputLimits, replicaLimits } from './output-limit';
import { updateFailover } from './failover';
import { primaryInfoLines, replicationInfo, role, waitForReplicas } from './primary-report';
import { encodeCommand, type StreamSink } from './propagate';
import { type PrimarySide, type ReplicationState, replicationOf } from './state';
import { attachTo, pickBatch, REQ_EXCLUDE_DATA } from './sync-batch';
import { countAcks, WaitList } from './wait';

const PING = encodeCommand(['ping']);
const GETACK = encodeCommand(['REPLCONF', 'GETACK', '*']);
/** held stream is written back in pieces of about this size */
const RELEASE_CHUNK = 1024 * 1024;

export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

export class Primary implements PrimarySide, FullSyncHost {
  /** attached replicas, in attach order (INFO slave<i>) */
  readonly links: ReplicaLink[] = [];
  private readonly byClient = new Map<Client, ReplicaLink>();
  /** REPLCONF settings of clients that have not (yet) become replicas */
  private readonly confs = new WeakMap<Client, ReplicaConf>();
  /**
   * Stream fed during this event-loop iteration, written to the online replicas in one go from setImmediate: after
   * every socket event of the iteration was processed (Redis writes to replicas in beforeSleep), so a busy master
   * makes one write per replica per iteration rather than one per client event.
   */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushQueued = false;
  private readonly flushCb = () => this.flush();
  /** the diskless full sync being streamed (one at a time, like Redis' RDB child) */
  private socketJob: SocketSync | null = null;
  /** ms time the last replica went away (repl-backlog-ttl) */
  private noReplicasSince = Date.now();
  private cronLoops = 0;
  private lastReplCron = 0;
  /** online replicas acknowledging within min-replicas-max-lag (INFO min_slaves_good_slaves) */
  goodReplicas = 0;
  readonly waits = new WaitList();
  private ackRequested = false;
  private ackQueued = false;
  private limits: OutputLimits | null = null;
  /** FAILOVER state (failover.ts drives it; INFO master_failover_state shows it) */
  failoverState: FailoverState = 'no-failover';
  /** set while writes are paused (FAILOVER, shutdown): no pings or GETACKs then */
  writesPaused = false;
  private readonly sink: StreamSink = (chunk) => {
    // A replica's stream is its master's bytes (fed by the replica side); its own propagation goes nowhere.
    if (this.srv.masterHost !== null) return;
    this.state.feed(chunk);
    const cur = this.srv.currentClient;
    if (cur !== null) cur.woff = this.state.history.offset;
  };
  private sinkAttached = false;

  constructor(
    readonly srv: Server,
    readonly state: ReplicationState,
  ) {
    srv.config.watch('client-output-buffer-limit', (v) => {
      this.limits = replicaLimits(v);
    });
    // CONFIG SET raises a size under 16 KB to 16 KB, as Redis does (a start-up value is taken as is).
    let startup = true;
    srv.config.watch('repl-backlog-size', () => {
      if (!startup && srv.config.num('repl-backlog-size') < 16384)
        srv.config.set('repl-backlog-size', ['16384'], false);
      startup = false;
      this.state.backlog?.resize(srv.config.num('repl-backlog-size'));
    });
    srv.config.watch('min-replicas-to-write', () => this.refreshGood());
    srv.config.watch('min-replicas-max-lag', () => this.refreshGood());
    persistence(srv).onSnapshotDone((ok, kind) => {
      if (kind === 'disk') this.diskSnapshotDone(ok);
    });
  }

  // ---- PrimarySide -------------------------------------------------------------------------------------------------

  feed(chunk: Buffer): void {
    const backlog = this.state.backlog;
    if (backlog !== null) backlog.feed(chunk);
    if (this.links.length === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flushCb);
    }
  }

  ensureBacklog(): Backlog {
    let b = this.state.backlog;
    if (b === null) {
      b = new Backlog(this.srv.config.num('repl-backlog-size'), this.state.history.offset);
      this.state.backlog = b;
    }
    this.attachSink();
    return b;
  }

  disconnectReplicas(): void {
    for (const l of [...this.links]) l.client.close();
  }

  get failingOver(): boolean {
    return this.failoverState !== 'no-failover';
  }

  get onlineCount(): number {
    let n = 0;
    for (const l of this.links) if (l.state === 'online') n++;
    return n;
  }

  infoLines(): string[] {
    return primaryInfoLines(this);
  }

  // ---- the stream --------------------------------------------------------------------------------------------------

  /**
   * The node became a replica or a master again: a replica's stream is only its master's bytes (relayed by the
   * replica side), so our own propagator must not even encode executed commands then.
   */
  roleChanged(): void {
    if (this.srv.masterHost !== null) this.detachSink();
    else if (this.state.backlog !== null) this.attachSink();
  }

  private attachSink(): void {
    if (this.sinkAttached || this.srv.masterHost !== null) return;
    this.srv.propagator.addSink(this.sink);
    this.sinkAttached = true;
  }

  private detachSink(): void {
    if (!this.sinkAttached) return;
    this.srv.propagator.removeSink(this.sink);
    this.sinkAttached = false;
  }

  /** Writes the stream fed this turn: to online replicas, or into the kept-back stream of those in a full sync. */
  flush(): void {
    this.flushQueued = false;
    if (this.pendingBytes === 0) return;
    const data = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let out = 0;
    let over: ReplicaLink[] | null = null;
    const now = Date.now();
    for (const l of this.links) {
      if (l.state === 'online' && !l.startOnAck) out += l.send(data);
      else if (l.held !== null) l.hold(data);
      else continue;
      if (this.limits !== null && l.limit.exceeded(l.outputBytes(), this.limits, now)) (over ??= []).push(l);
    }
    this.srv.stats.netReplOutputBytes += out;
    if (over !== null) for (const l of over) this.outputLimitReached(l);
  }

  /** Sends what was kept back during the full sync, then the link streams live. */
  private startStream(l: ReplicaLink): void {
    const held = l.held;
    l.held = null;
    l.heldBytes = 0;
    l.startOnAck = false;
    if (held === null || held.length === 0) return;
    let out = 0;
    let batch: Buffer[] = [];
    let size = 0;
    for (const b of held) {
      batch.push(b);
      size += b.length;
      if (size >= RELEASE_CHUNK) {
        out += l.send(batch.length === 1 ? batch[0] : Buffer.concat(batch, size));
        batch = [];
        size = 0;
      }
    }
    if (size > 0) out += l.send(batch.length === 1 ? batch[0] : Buffer.concat(batch, size));
    this.srv.stats.netReplOutputBytes += out;
  }

  private outputLimitReached(l: ReplicaLink): void {
    const c = l.client;
    if (c.closed) return;
    log.warning(
      `Client ${this.srv.clientInfoLine(c)} scheduled to be closed ASAP for overcoming of output buffer limits.`,
    );
    this.srv.stats.clientOutbufLimitDisconnections++;
    c.socket?.destroy();
    c.close();
  }

  /** Feeds raw bytes (PING, GETACK) without a SELECT, as Redis feeds them in the db last selected. */
  private feedRaw(buf: Buffer): void {
    if (this.srv.masterHost !== null || !this.sinkAttached) return;
    this.srv.propagator.send(buf);
  }

  // ---- REPLCONF ----------------------------------------------------------------------------------------------------

  confOf(c: Client): ReplicaConf {
    const link = this.byClient.get(c);
    if (link) return link.conf;
    let conf = this.confs.get(c);
    if (!conf) {
      conf = newReplicaConf();
      this.confs.set(c, conf);
    }
    return conf;
  }

  /** Redis' replica name for logs (ip:listening-port), also for clients not yet attached. */
  nameOf(c: Client): string {
    return replicaName(c, this.confOf(c));
  }

  linkOf(c: Client): ReplicaLink | undefined {
    return this.byClient.get(c);
  }

  /** REPLCONF ACK <offset> from one of our replicas. */
  ack(l: ReplicaLink, offset: number): void {
    if (offset > l.ackOffset) l.ackOffset = offset;
    l.ackTime = Date.now();
    if (l.startOnAck && l.state === 'online') this.startStream(l);
    this.waits.process(this.countFn);
    if (this.failoverState === 'waiting-for-sync') updateFailover(this);
  }

  private readonly countFn = (offset: number) => countAcks(this.links, offset);

  countAcks(offset: number): number {
    return countAcks(this.links, offset);
  }

  /** Asks every replica for an ACK once, at the end of this event-loop turn (WAIT). */
  requestAck(): void {
    this.ackRequested = true;
    if (this.ackQueued) return;
    this.ackQueued = true;
    queueMicrotask(() => {
      this.ackQueued = false;
      this.sendGetackIfRequested();
    });
  }

  sendGetackIfRequested(): void {
    if (!this.ackRequested || this.writesPaused) return;
    this.ackRequested = false;
    this.feedRaw(GETACK);
  }

  // ---- SYNC / PSYNC ------------------------------------------------------------------------------------------------

  /** SYNC / PSYNC after the command-level checks (spec §3): partial resync if possible, else full resync. */
  sync(c: Client, isPsync: boolean, offset: number): void {
    const conf = this.confOf(c);
    const srv = this.srv;
    if (isPsync) {
      if (this.tryPartial(c, conf, c.argv[1], offset)) {
        srv.stats.syncPartialOk++;
        return;
      }
      if (c.argv[1][0] !== '?') srv.stats.syncPartialErr++;
    }
    srv.stats.syncFull++;
    const now = Date.now();
    const l = new ReplicaLink(c, conf, !isPsync, 'wait_bgsave_start', now);
    if (srv.config.bool('repl-disable-tcp-nodelay')) c.socket?.setNoDelay(false);
    this.addLink(l);
    if (this.links.length === 1 && this.state.backlog === null) {
      // A backlog created from scratch starts a new history: no earlier offsets can be served from it.
      this.state.history.changeId();
      this.ensureBacklog();
      const h = this.state.history;
      log.notice(`Replication backlog created, my new replication IDs are '${h.replid}' and '${h.replid2}'`);
    }
    const running = persistence(srv).current;
    if (running !== null && running.kind === 'disk') {
      // A BGSAVE is writing the dump: join it if another replica already keeps the stream from its start.
      const members = this.links.filter((m) => m.diskSync && m.state === 'wait_bgsave_end');
      const i = attachTo(
        { capa: conf.capa, req: conf.req, rdbOnly: conf.rdbOnly },
        members.map((m) => ({ capa: m.conf.capa, req: m.conf.req, rdbOnly: m.conf.rdbOnly, accumulating: true })),
      );
      if (i >= 0) {
        const other = members[i];
        this.setupFullResync(l, other.initialOffset);
        l.diskSync = true;
        if (l.held !== null && other.held !== null) {
          l.held = [...other.held];
          l.heldBytes = other.heldBytes;
        }
        log.notice('Waiting for end of BGSAVE for SYNC');
      } else {
        log.notice("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
      }
    } else if (running !== null || this.socketJob !== null) {
      log.notice('Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC');
    } else if (srv.config.bool('repl-diskless-sync') && l.capaEof && srv.config.num('repl-diskless-sync-delay') > 0) {
      log.notice('Delay next BGSAVE for diskless SYNC');
    } else {
      this.startPendingSync(now, true);
    }
  }

  private tryPartial(c: Client, conf: ReplicaConf, reqId: string, offset: number): boolean {
    const h = this.state.history;
    const backlog = this.state.backlog;
    const name = replicaName(c, conf);
    const id = reqId.toLowerCase();
    const decision = h.decide(id, offset, backlog);
    if (decision.kind === 'full') {
      if (id === '?') {
        log.notice(`Full resync requested by replica ${name}`);
      } else if (id !== h.replid && id !== h.replid2) {
        log.notice(
          `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${reqId}', my replication IDs are '${h.replid}' and '${h.replid2}')`,
        );
      } else if (id !== h.replid) {
        log.notice(
          `Partial resynchronization not accepted: Requested offset for second ID was ${offset}, but I can reply up to ${h.secondOffset}`,
        );
      } else {
        log.notice(
          `Unable to partial resync with replica ${name} for lack of backlog (Replica request was: ${offset}).`,
        );
        if (offset > h.offset) {
          log.warning(
            `Warning: replica ${name} tried to PSYNC with an offset that is greater than the master replication offset.`,
          );
        }
      }
      return false;
    }
    // Bytes fed this turn are already in the backlog: send them to the others now so nobody gets them twice.
    this.flush();
    const l = new ReplicaLink(c, conf, false, 'online', Date.now());
    this.addLink(l);
    let out = l.send(l.capaPsync2 ? `+CONTINUE ${h.replid}\r\n` : '+CONTINUE\r\n');
    let sent = 0;
    for (const b of backlog!.readFrom(offset)) {
      out += l.send(b);
      sent += b.length;
    }
    this.srv.stats.netReplOutputBytes += out;
    log.notice(
      `Partial resynchronization request from ${name} accepted. Sending ${sent} bytes of backlog starting from offset ${offset}.`,
    );
    this.refreshGood();
    return true;
  }

  private addLink(l: ReplicaLink): void {
    const c = l.client;
    this.confs.delete(c);
    c.isReplica = true;
    this.links.push(l);
    this.byClient.set(c, l);
  }

  /** Client-close hook: a replica link went away (killed, timed out, closed by the peer). */
  onClientClosed(c: Client): void {
    this.confs.delete(c);
    this.waits.forget(c);
    const l = this.byClient.get(c);
    if (!l) return;
    log.warning(`Connection with replica ${l.name} lost.`);
    this.byClient.delete(c);
    this.links.splice(this.links.indexOf(l), 1);
    l.socketJob?.remove(l);
    l.socketJob = null;
    l.cancelTransfer?.();
    l.cancelTransfer = null;
    if (this.links.length === 0) this.noReplicasSince = Date.now();
    this.refreshGood();
  }

  /** +FULLRESYNC for a replica whose snapshot starts (or already started) at `offset`. */
  private setupFullResync(l: ReplicaLink, offset: number): void {
    l.initialOffset = offset;
    l.state = 'wait_bgsave_end';
    l.held = l.conf.rdbOnly ? null : [];
    l.heldBytes = 0;
    // The replica's stream begins right after the snapshot: make its first command carry a SELECT.
    this.srv.propagator.selectedDb = -1;
    if (!l.prePsync) {
      this.srv.stats.netReplOutputBytes += l.send(`+FULLRESYNC ${this.state.history.replid} ${offset}\r\n`);
    }
  }

  /** Starts the snapshot for the replicas waiting for one, when the batching rules say so. */
  startPendingSync(now: number, force = false): void {
    if (this.socketJob !== null) return;
    const waiting: ReplicaLink[] = [];
    for (const l of this.links) if (l.state === 'wait_bgsave_start') waiting.push(l);
    if (waiting.length === 0) return;
    const cfg = this.srv.config;
    const batch = pickBatch(
      waiting.map((l) => ({ capa: l.conf.capa, req: l.conf.req, idleMs: now - l.client.lastInteraction })),
      {
        diskless: cfg.bool('repl-diskless-sync'),
        delayMs: cfg.num('repl-diskless-sync-delay') * 1000,
        maxReplicas: cfg.num('repl-diskless-sync-max-replicas'),
      },
      force,
    );
    if (batch === null) return;
    if ((batch.req & REQ_EXCLUDE_DATA) === 0 && snapshotBusy(this.srv)) return;
    const members = batch.members.map((i) => waiting[i]);
    log.notice(`Starting BGSAVE for SYNC with target: ${batch.socketTarget ? 'replicas sockets' : 'disk'}`);
    // Everything fed so far precedes the snapshot's offset and is not part of these replicas' stream.
    this.flush();
    const offset = this.state.history.offset;
    for (const m of members) this.setupFullResync(m, offset);
    let started: boolean;
    if (batch.socketTarget) {
      const job = new SocketSync(this, members, (batch.req & REQ_EXCLUDE_DATA) !== 0);
      started = job.start();
      if (started) {
        this.socketJob = job;
        for (const m of members) m.socketJob = job;
      }
    } else {
      started = persistence(this.srv).bgsave();
      if (started) for (const m of members) m.diskSync = true;
    }
    if (!started) {
      log.warning('BGSAVE for replication failed');
      for (const m of members) {
        m.send("-ERR BGSAVE failed, replication can't continue\r\n");
        m.client.close();
      }
    }
  }

  /** A BGSAVE finished: the replicas it was taken for get the file (or are dropped if it failed). */
  private diskSnapshotDone(ok: boolean): void {
    const file = persistence(this.srv).dumpPath();
    for (const l of [...this.links]) {
      if (!l.diskSync || l.state !== 'wait_bgsave_end') continue;
      if (ok) sendRdbFile(this, l, file);
      else this.failed(l, 'SYNC failed. BGSAVE child returned an error');
    }
  }

  // ---- FullSyncHost ------------------------------------------------------------------------------------------------

  transferred(l: ReplicaLink, socketTarget: boolean): void {
    if (l.client.closed) return;
    if (socketTarget) {
      log.notice(
        `Streamed RDB transfer with replica ${l.name} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming`,
      );
    }
    if (l.conf.rdbOnly) {
      l.state = 'rdb_transmitted';
      log.notice(`RDB transfer completed, rdb only replica (${l.name}) should be disconnected asap`);
      l.client.close(); // ends the socket once the payload is flushed
      return;
    }
    l.state = 'online';
    l.ackTime = Date.now();
    this.refreshGood();
    log.notice(`Synchronization with replica ${l.name} succeeded`);
    // With the EOF framing the replica cannot tell the payload's end from stream bytes: wait for its first ACK.
    if (socketTarget) l.startOnAck = true;
    else this.startStream(l);
  }

  failed(l: ReplicaLink, why: string): void {
    log.warning(why);
    l.client.socket?.destroy();
    l.client.close();
  }

  snapshotEnded(job: SocketSync): void {
    if (this.socketJob === job) this.socketJob = null;
    for (const m of job.members) m.socketJob = null;
  }

  // ---- cron --------------------------------------------------------------------------------------------------------

  /** Runs on every server cron tick (hz). */
  cron(now: number): void {
    if (this.links.length > 0) this.startPendingSync(now);
    if (now - this.lastReplCron >= 1000) {
      this.lastReplCron = now;
      this.replicationCron(now);
    }
  }

  /** Once per second, as Redis' replicationCron (master part). */
  private replicationCron(now: number): void {
    const srv = this.srv;
    const cfg = srv.config;
    this.roleChanged();
    if (this.cronLoops % cfg.num('repl-ping-replica-period') === 0 && this.links.length > 0 && !this.writesPaused) {
      this.feedRaw(PING);
    }
    // Replicas waiting for a payload get a newline a second so their read timeout does not fire.
    for (const l of this.links) {
      if (l.state === 'wait_bgsave_start' || (l.state === 'wait_bgsave_end' && l.diskSync)) {
        l.send('\n');
      }
    }
    const timeoutMs = cfg.num('repl-timeout') * 1000;
    for (const l of [...this.links]) {
      if (l.state === 'online') {
        if (l.prePsync) continue;
        if (now - l.lastSeen() > timeoutMs) {
          log.warning(`Disconnecting timedout replica (streaming sync): ${l.name}`);
          l.client.close();
        }
      } else if (l.state === 'wait_bgsave_end' && l.socketJob !== null) {
        const sock = l.client.socket;
        const flushed = sock ? sock.bytesWritten - sock.writableLength : 0;
        if (flushed !== l.flushedBytes || (sock?.writableLength ?? 0) === 0) {
          l.flushedBytes = flushed;
          l.lastProgress = now;
        } else if (now - l.lastProgress > timeoutMs) {
          log.warning(`Disconnecting timedout replica (full sync): ${l.name}`);
          l.client.socket?.destroy();
          l.client.close();
        }
      }
    }
    const ttl = cfg.num('repl-backlog-ttl');
    if (
      this.links.length === 0 &&
      ttl > 0 &&
      this.state.backlog !== null &&
      srv.masterHost === null &&
      now - this.noReplicasSince > ttl * 1000
    ) {
      // Without replicas the offset stops moving while the backlog is gone, so the old id would lie: take a new one.
      this.state.history.changeId();
      this.state.backlog = null;
      this.detachSink();
      log.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
    }
    this.refreshGood();
    if (this.limits !== null) {
      for (const l of [...this.links]) {
        if (l.limit.exceeded(l.outputBytes(), this.limits, now)) this.outputLimitReached(l);
      }
    }
    this.sendGetackIfRequested();
    this.cronLoops++;
  }

  /** Recounts good replicas for min-replicas-to-write and sets the server's write gate. */
  refreshGood(): void {
    const cfg = this.srv.config;
    const toWrite = cfg.num('min-replicas-to-write');
    const maxLag = cfg.num('min-replicas-max-lag');
    if (toWrite === 0 || maxLag === 0) {
      this.srv.notEnoughReplicas = false;
      return;
    }
    const now = Date.now();
    let good = 0;
    for (const l of this.links) {
      if (l.state === 'online' && Math.floor((now - l.lastSeen()) / 1000) <= maxLag) good++;
    }
    this.goodReplicas = good;
    this.srv.notEnoughReplicas = good < toWrite;
  }

  /** Server shutdown: stop snapshots and remove temp files. */
  destroy(): void {
    this.socketJob?.destroy();
    this.socketJob = null;
    for (const l of this.links) l.cancelTransfer?.();
  }
}

/** The node's primary side, created on first use. */
export function primaryOf(srv: Server): Primary {
  const state = replicationOf(srv);
  if (state.primary instanceof Primary) return state.primary;
  const p = new Primary(srv, state);
  state.primary = p;
  return p;
}

/**
 * Wires the primary side into a server at start-up: INFO replication and ROLE, the cron, the client-close hook,
 * FAILOVER progress, the wait for replicas at shutdown.
 */
export function installPrimary(srv: Server): Primary {
  const p = primaryOf(srv);
  const x = serverExtras(srv);
  x.infoProviders.set('replication', (s) => replicationInfo(s, p));
  x.role = (c) => role(c, p);
  srv.cronHooks.push((now) => {
    p.cron(now);
    updateFailover(p);
  });
  srv.clientCloseHooks.push((c) => p.onClientClosed(c));
  setReplicaWaiter(srv, (_s, timeoutMs, signal) => waitForReplicas(p, timeoutMs, signal));
  srv.shutdownHooks.push(() => {
    p.flush();
    p.destroy();
  });
  return p;
}
