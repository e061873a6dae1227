/**
 * What the node shows about replication: the whole INFO replication section (spec §15: role, the replica block from
 * the replica side, then the lines both roles share) and ROLE (spec §14), plus the wait for replicas at shutdown.
 * Installed by installPrimary() in place of the stand-ins the server and the replica side start with.
 */
import type { Client } from '../server/client';
import { log } from '../server/log';
import type { Server } from '../server/server';
import { writePause } from './failover';
import type { ReplicaLink } from './link';
import type { Primary } from './primary';
import { replicationOf } from './state';

export function replicationInfo(srv: Server, primary: Primary): string[] {
  const rs = replicationOf(srv);
  const lines: string[] = [];
  if (srv.masterHost === null) lines.push('role:master');
  else lines.push('role:slave', ...(rs.replica?.infoLines() ?? []));
  for (const l of primary.infoLines()) lines.push(l);
  return lines;
}

/** Redis' word for a replica's state (INFO slave<i>, shutdown log); rdb-only clients already served have none. */
export function stateWord(l: ReplicaLink): string {
  return l.state === 'online' ? 'online' : l.state === 'send_bulk' ? 'send_bulk' : 'wait_bgsave';
}

/** The lines both roles share, connected_slaves ... repl_backlog_histlen (spec §15). */
export function primaryInfoLines(p: Primary): string[] {
  const now = Date.now();
  const cfg = p.srv.config;
  const lines = [`connected_slaves:${p.links.length}`];
  if (cfg.num('min-replicas-to-write') > 0 && cfg.num('min-replicas-max-lag') > 0) {
    lines.push(`min_slaves_good_slaves:${p.goodReplicas}`);
  }
  let i = 0;
  for (const l of p.links) {
    if (l.state === 'rdb_transmitted') continue;
    const lag = Math.floor((now - l.lastSeen()) / 1000);
    lines.push(
      `slave${i++}:ip=${l.ip},port=${l.conf.listeningPort},state=${stateWord(l)},offset=${l.ackOffset},lag=${lag}`,
    );
  }
  const h = p.state.history;
  const b = p.state.backlog;
  lines.push(
    `master_failover_state:${p.failoverState}`,
    `master_replid:${h.replid}`,
    `master_replid2:${h.replid2}`,
    `master_repl_offset:${h.offset}`,
    `second_repl_offset:${h.secondOffset}`,
    `repl_backlog_active:${b !== null ? 1 : 0}`,
    `repl_backlog_size:${cfg.num('repl-backlog-size')}`,
    `repl_backlog_first_byte_offset:${b !== null ? b.firstByteOffset : 0}`,
    `repl_backlog_histlen:${b !== null ? b.histlen : 0}`,
  );
  return lines;
}

export function role(c: Client, primary: Primary): void {
  const srv = c.srv;
  const rs = replicationOf(srv);
  const o = c.out;
  if (srv.masterHost === null || rs.replica === null) {
    o.arrayLen(3);
    o.bulk('master');
    o.int(rs.history.offset);
    let n = 0;
    for (const l of primary.links) if (l.state === 'online') n++;
    o.arrayLen(n);
    for (const l of primary.links) {
      if (l.state !== 'online') continue;
      o.arrayLen(3);
      o.bulk(l.ip);
      o.bulk(String(l.conf.listeningPort));
      o.bulk(String(l.ackOffset));
    }
    return;
  }
  o.arrayLen(5);
  o.bulk('slave');
  o.bulk(srv.masterHost);
  o.int(rs.masterPort);
  o.bulk(rs.replica.linkState);
  o.int(rs.replica.appliedOffset);
}

function allCaughtUp(primary: Primary, offset: number): boolean {
  for (const l of primary.links) if (l.ackOffset !== offset) return false;
  return true;
}

/**
 * Shutdown (not NOW): let replicas acknowledge the whole stream before exiting, writes paused from then on, bounded
 * by shutdown-timeout; then report the ones still lagging, in Redis' words. Resolves to the resumption of writes
 * (for a shutdown that is refused later, e.g. by a failed save); an aborted wait resumes them itself.
 */
export async function waitForReplicas(
  primary: Primary,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<(() => void) | undefined> {
  const srv = primary.srv;
  const rs = replicationOf(srv);
  if (primary.links.length === 0) return undefined;
  const pause = writePause(primary);
  let resume: (() => void) | undefined;
  if (!allCaughtUp(primary, rs.history.offset)) {
    // The GETACK goes out now, before the pause (which holds GETACKs back): sent after the wait it would move the
    // offset past what the replicas acknowledged, and every replica would be reported lagging by its 37 bytes.
    primary.requestAck();
    primary.sendGetackIfRequested();
    pause.pause('shutdown');
    resume = () => pause.unpause('shutdown');
    log.notice('Waiting for replicas before shutting down.');
    const deadline = Date.now() + timeoutMs;
    try {
      await new Promise<void>((resolve) => {
        const check = () => {
          if (signal.aborted || Date.now() >= deadline || allCaughtUp(primary, rs.history.offset)) {
            clearInterval(timer);
            signal.removeEventListener('abort', check);
            resolve();
          }
        };
        const timer = setInterval(check, 10);
        signal.addEventListener('abort', check);
      });
    } catch (err) {
      resume();
      throw err;
    }
    if (signal.aborted) {
      resume();
      return undefined;
    }
  }
  primary.flush();
  const offset = rs.history.offset;
  const now = Date.now();
  let lagging = 0;
  for (const l of primary.links) {
    if (l.ackOffset === offset) continue;
    lagging++;
    const lag = l.state === 'online' ? Math.floor((now - l.lastSeen()) / 1000) : 0;
    log.warning(
      `Lagging replica ${l.name} reported offset ${offset - l.ackOffset} behind master, lag=${lag}, state=${stateWord(l)}.`,
    );
  }
  const n = primary.links.length;
  log.notice(`${n - lagging} of ${n} replicas are synced when shutting down.`);
  return resume;
}
