/**
 * What the replica side shows: the replica-only block of INFO replication (spec §15), and stand-ins for the whole
 * section and for ROLE used only until the primary side registers its own (it assembles both roles' views).
 */
import type { RdbReplInfo } from '../persistence/rdb';
import type { Client } from '../server/client';
import type { Server } from '../server/server';
import type { ReplicaLink } from './replica';
import { replicationOf } from './state';

/** printf("%.2f") including C's "-0.00" for a negative zero. */
function percent2(v: number): string {
  if (Object.is(v, -0)) return '-0.00';
  return v.toFixed(2);
}

/** The replica-only lines, master_host ... replica_announced, in Redis' order. */
export function replicaInfoLines(r: ReplicaLink, now: number): string[] {
  const srv = r.srv;
  const cfg = srv.config;
  const m = r.master;
  const c = r.cached;
  const lines = [
    `master_host:${r.host}`,
    `master_port:${r.port}`,
    `master_link_status:${r.state === 'connected' ? 'up' : 'down'}`,
    `master_last_io_seconds_ago:${m !== null ? Math.floor((now - m.client.lastInteraction) / 1000) : -1}`,
    `master_sync_in_progress:${r.state === 'transfer' ? 1 : 0}`,
    `slave_read_repl_offset:${m !== null ? m.read : c !== null ? c.offset : 1}`,
    `slave_repl_offset:${m !== null ? m.applied : c !== null ? c.offset : 1}`,
  ];
  if (r.state === 'transfer') {
    const total = r.sync !== null ? r.sync.totalBytes : -1;
    const read = r.sync !== null ? r.sync.readBytes : 0;
    // Redis' arithmetic as is: an EOF-framed transfer has no known size (0), so no percentage.
    const perc = total !== 0 ? (read / total) * 100 : 0;
    lines.push(
      `master_sync_total_bytes:${total}`,
      `master_sync_read_bytes:${read}`,
      `master_sync_left_bytes:${total - read}`,
      `master_sync_perc:${percent2(perc)}`,
      `master_sync_last_io_seconds_ago:${Math.floor((now - r.lastIo) / 1000)}`,
    );
  }
  if (r.state !== 'connected') {
    lines.push(`master_link_down_since_seconds:${r.downSince !== 0 ? Math.floor((now - r.downSince) / 1000) : -1}`);
  }
  lines.push(
    `slave_priority:${cfg.num('replica-priority')}`,
    `slave_read_only:${cfg.bool('replica-read-only') ? 1 : 0}`,
    `replica_announced:${cfg.bool('replica-announced') ? 1 : 0}`,
  );
  return lines;
}

/** Whole INFO replication section, used only while no primary side registered one. */
export function replicationInfoFallback(srv: Server): string[] {
  const rs = replicationOf(srv);
  const lines: string[] = [];
  if (srv.masterHost === null) lines.push('role:master');
  else lines.push('role:slave', ...(rs.replica?.infoLines() ?? []));
  if (rs.primary !== null) return lines.concat(rs.primary.infoLines());
  const h = rs.history;
  const b = rs.backlog;
  lines.push(
    'connected_slaves:0',
    'master_failover_state:no-failover',
    `master_replid:${h.replid}`,
    `master_replid2:${h.replid2}`,
    `master_repl_offset:${h.offset}`,
    `second_repl_offset:${h.secondOffset}`,
    `repl_backlog_active:${b !== null ? 1 : 0}`,
    `repl_backlog_size:${srv.config.num('repl-backlog-size')}`,
    `repl_backlog_first_byte_offset:${b !== null ? b.firstByteOffset : 0}`,
    `repl_backlog_histlen:${b !== null ? b.histlen : 0}`,
  );
  return lines;
}

/** ROLE, used only while no primary side registered one. */
export function replicaRoleFallback(c: Client): void {
  const srv = c.srv;
  const rs = replicationOf(srv);
  const o = c.out;
  if (srv.masterHost === null || rs.replica === null) {
    o.arrayLen(3);
    o.bulk('master');
    o.int(rs.history.offset);
    o.arrayLen(0);
    return;
  }
  o.arrayLen(5);
  o.bulk('slave');
  o.bulk(srv.masterHost);
  o.int(rs.masterPort);
  o.bulk(rs.replica.linkState);
  o.int(rs.replica.appliedOffset);
}

/**
 * AUX replication fields for an RDB written while we are a replica: our history and offset, and the db the stream
 * continues in (the master link's, or the cached one's). Null when not a replica; undefined when there is nothing
 * a restart could continue from.
 */
export function replicaSaveInfo(r: ReplicaLink): RdbReplInfo | undefined | null {
  const srv = r.srv;
  if (srv.masterHost === null) return null;
  const h = replicationOf(srv).history;
  const db = r.master !== null ? r.master.client.db.id : r.cached !== null ? r.cached.db : -1;
  if (db < 0) return undefined;
  return { replId: h.replid, offset: h.offset, streamDb: db };
}
