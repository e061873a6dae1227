/**
 * FAILOVER [TO host port] [TIMEOUT ms] [FORCE] | ABORT — a coordinated switch-over without lost writes (Redis 6.2+):
 * writes are paused, we wait until the target replica (or any replica) has acknowledged our whole stream, then we
 * become a replica of it, asking it with `PSYNC <our id> <offset+1> FAILOVER` to take over as master. The target
 * answers +CONTINUE (it kept our history) and the pause ends; if it refuses, or the timeout passes without FORCE,
 * the failover is aborted and we stay (or become again) the master.
 *
 * Write pausing is a dispatch gate: paused commands (writes and may-replicate ones, except from replication links)
 * are postponed with their client blocked, and run in arrival order when the pause ends.
 */
import type { CommandEntry } from '../commands/command';
import type { Bytes } from '../protocol/bytes';
import type { Client } from '../server/client';
import { processCommand } from '../server/dispatch';
import { log } from '../server/log';
import type { Server } from '../server/server';
import type { ReplicaLink } from './link';
import { type Primary, primaryOf } from './primary';
import { replicationOf } from './state';

export interface FailoverRequest {
  host: string | null;
  port: number;
  timeoutMs: number;
  force: boolean;
}

interface Postponed {
  c: Client;
  argv: Bytes[];
}

/** Why writes are paused: several reasons may overlap (a shutdown waiting for replicas during a failover). */
export type PauseReason = 'failover' | 'shutdown';

class WritePause {
  private readonly reasons = new Set<PauseReason>();
  private postponed: Postponed[] = [];
  private readonly gate = (c: Client, entry: CommandEntry, argv: Bytes[]) => this.check(c, entry, argv);

  constructor(
    private readonly srv: Server,
    private readonly primary: Primary,
  ) {}

  pause(why: PauseReason): void {
    this.reasons.add(why);
    this.primary.writesPaused = true;
    this.srv.pauseGate = this.gate;
  }

  unpause(why: PauseReason): void {
    if (!this.reasons.delete(why) || this.reasons.size > 0) return;
    this.primary.writesPaused = false;
    this.srv.pauseGate = null;
    const list = this.postponed;
    this.postponed = [];
    for (const p of list) {
      const c = p.c;
      if (c.closed || c.blocked === null) continue;
      this.srv.blocking.unblock(c);
      processCommand(this.srv, c, p.argv);
      this.srv.resumeClient(c);
    }
    this.primary.sendGetackIfRequested();
  }

  /**
   * Runs `fn` with the postponed clients momentarily unblocked. Becoming a replica drops clients blocked on keys,
   * but postponed commands must survive it (they run, or are refused, once the pause ends), as in Redis.
   */
  shielded(fn: () => void): void {
    const held = this.postponed.filter((p) => p.c.blocked !== null && !p.c.closed);
    for (const p of held) this.srv.blocking.unblock(p.c);
    try {
      fn();
    } finally {
      for (const p of held) if (!p.c.closed) this.srv.blocking.block(p.c, [], 0, () => {});
    }
  }

  private check(c: Client, entry: CommandEntry, argv: Bytes[]): boolean {
    if (c.isReplica || c.isMaster) return false;
    let mayReplicate = entry.isWrite || entry.isMayReplicate;
    if (!mayReplicate && entry.fullName === 'exec') {
      for (const q of c.multiQueue) if (q.entry.isWrite || q.entry.isMayReplicate) mayReplicate = true;
    }
    if (!mayReplicate) return false;
    // Held without a timeout; CLIENT UNBLOCK or a disconnect drops it (then it is skipped on resume).
    this.srv.blocking.block(c, [], 0, () => {});
    this.postponed.push({ c, argv });
    return true;
  }
}

interface FailoverRun {
  /** the replica we hand over to (null: the first one that catches up) */
  host: string | null;
  port: number;
  /** ms deadline, 0 = none */
  endTime: number;
  force: boolean;
}

const runs = new WeakMap<Primary, FailoverRun>();
const pauses = new WeakMap<Primary, WritePause>();

export function writePause(primary: Primary): WritePause {
  let p = pauses.get(primary);
  if (!p) {
    p = new WritePause(primary.srv, primary);
    pauses.set(primary, p);
  }
  return p;
}

function findReplica(primary: Primary, host: string, port: number): ReplicaLink | null {
  const h = host.toLowerCase();
  for (const l of primary.links) if (l.ip.toLowerCase() === h && l.conf.listeningPort === port) return l;
  return null;
}

export function failoverStart(c: Client, req: FailoverRequest): void {
  const srv = c.srv;
  const primary = primaryOf(srv);
  if (primary.failoverState !== 'no-failover') return c.error('ERR FAILOVER already in progress.');
  if (srv.masterHost !== null) return c.error('ERR FAILOVER is not valid when server is a replica.');
  if (primary.links.length === 0) return c.error('ERR FAILOVER requires connected replicas.');
  if (req.force && (req.timeoutMs === 0 || req.host === null)) {
    return c.error('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
  }
  if (req.host !== null) {
    const target = findReplica(primary, req.host, req.port);
    if (target === null) return c.error('ERR FAILOVER target HOST and PORT is not a replica.');
    if (target.state !== 'online') return c.error('ERR FAILOVER target replica is not online.');
    log.notice(`FAILOVER requested to ${req.host}:${req.port}.`);
  } else {
    log.notice('FAILOVER requested to any replica.');
  }
  runs.set(primary, {
    host: req.host,
    port: req.port,
    endTime: req.timeoutMs > 0 ? Date.now() + req.timeoutMs : 0,
    force: req.force,
  });
  primary.failoverState = 'waiting-for-sync';
  writePause(primary).pause('failover');
  updateFailover(primary);
  c.ok();
}

export function failoverAbort(c: Client): void {
  const primary = primaryOf(c.srv);
  if (primary.failoverState === 'no-failover') return c.error('ERR No failover in progress.');
  abortFailover(primary, 'Failover manually aborted');
  c.ok();
}

function target(run: FailoverRun): string {
  return `${run.host}:${run.port}`;
}

export function abortFailover(primary: Primary, why: string): void {
  const run = runs.get(primary);
  if (primary.failoverState === 'no-failover' || !run) return;
  if (run.host !== null) log.notice(`FAILOVER to ${target(run)} aborted: ${why}`);
  else log.notice(`FAILOVER to any replica aborted: ${why}`);
  if (primary.failoverState === 'failover-in-progress') replicationOf(primary.srv).replica?.unsetMaster();
  clearFailover(primary);
}

function clearFailover(primary: Primary): void {
  runs.delete(primary);
  primary.failoverState = 'no-failover';
  writePause(primary).unpause('failover');
}

/**
 * Advances a failover (cron ticks and ACKs): time-out handling while waiting, then the switch once a replica has
 * acknowledged everything; while in progress, watches the link to the new master.
 */
export function updateFailover(primary: Primary): void {
  const run = runs.get(primary);
  if (!run) return;
  const srv = primary.srv;
  const repl = replicationOf(srv);
  if (primary.failoverState === 'failover-in-progress') {
    // PSYNC ... FAILOVER answered +CONTINUE / +FULLRESYNC: the target is our master now, the switch is complete.
    const st = repl.replica?.linkState;
    if (srv.masterHost !== null && (st === 'sync' || st === 'connected')) clearFailover(primary);
    else if (Date.now() >= run.endTime + FAILOVER_LINK_GRACE_MS) {
      abortFailover(primary, 'Failover target rejected psync request');
    }
    return;
  }
  if (primary.failoverState !== 'waiting-for-sync') return;
  const now = Date.now();
  const offset = repl.history.offset;
  if (run.endTime > 0 && run.endTime <= now) {
    if (run.force) {
      log.notice(`FAILOVER to ${target(run)} time out exceeded, failing over.`);
      switchOver(primary, run);
    } else {
      abortFailover(primary, 'Replica never caught up before timeout');
    }
    return;
  }
  let chosen: ReplicaLink | null = null;
  if (run.host !== null) {
    chosen = findReplica(primary, run.host, run.port);
  } else {
    for (const l of primary.links) {
      if (l.ackOffset === offset) {
        run.host = l.ip;
        run.port = l.conf.listeningPort;
        chosen = l;
        break;
      }
    }
  }
  if (chosen !== null && chosen.ackOffset === offset) {
    log.notice(`Failover target ${target(run)} is synced, failing over.`);
    switchOver(primary, run);
  }
}

/** How long a forced or synced switch may take to get the new master's answer before it is called off. */
const FAILOVER_LINK_GRACE_MS = 10_000;

function switchOver(primary: Primary, run: FailoverRun): void {
  primary.failoverState = 'failover-in-progress';
  if (run.endTime === 0 || run.endTime < Date.now()) run.endTime = Date.now();
  const replica = replicationOf(primary.srv).replica;
  if (!replica) {
    abortFailover(primary, 'this node cannot follow a new master');
    return;
  }
  writePause(primary).shielded(() => replica.setMaster(run.host!, run.port, { failover: true }));
}
