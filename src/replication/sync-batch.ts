/**
 * When to start the snapshot of a full sync and which waiting replicas share it (spec §9). Pure decisions over plain
 * records, so the rules are unit-tested apart from sockets and timers.
 *
 * - Replicas waiting for a snapshot join one batch when their RDB requirements (filters) are the same as the first
 *   waiting replica's; the batch's capabilities are the intersection of theirs.
 * - Disk-based sync starts at once. Diskless sync waits until the longest-waiting member has been idle for
 *   `repl-diskless-sync-delay`, or until `repl-diskless-sync-max-replicas` replicas are waiting, so several replicas
 *   arriving together share one snapshot.
 * - The snapshot streams straight to the sockets when diskless sync is on (or a filtered RDB was asked for, which is
 *   never written to disk) and every member understands the EOF-mark framing.
 * - A replica arriving while a disk snapshot runs can join it only if another member is already keeping the stream
 *   written since the snapshot started, with capabilities it also has and identical requirements.
 */

/** REPLCONF capa bits */
export const CAPA_EOF = 1;
export const CAPA_PSYNC2 = 2;
/** REPLCONF rdb-filter-only requirement bits */
export const REQ_EXCLUDE_DATA = 1;
export const REQ_EXCLUDE_FUNCTIONS = 2;
export const REQ_RDB_MASK = REQ_EXCLUDE_DATA | REQ_EXCLUDE_FUNCTIONS;

export interface WaitingReplica {
  capa: number;
  req: number;
  /** ms since the replica last sent anything (it stays silent while waiting for the snapshot) */
  idleMs: number;
}

export interface BatchConfig {
  diskless: boolean;
  delayMs: number;
  /** 0 = no limit */
  maxReplicas: number;
}

export interface Batch {
  /** indexes into the waiting list */
  members: number[];
  capa: number;
  req: number;
  socketTarget: boolean;
}

/** The batch to start now, or null to keep waiting. `force` starts regardless of the diskless delay. */
export function pickBatch(waiting: readonly WaitingReplica[], cfg: BatchConfig, force = false): Batch | null {
  let req = 0;
  let capa = 0;
  let maxIdle = 0;
  const members: number[] = [];
  for (let i = 0; i < waiting.length; i++) {
    const w = waiting[i];
    if (members.length === 0) {
      req = w.req;
      capa = w.capa;
    } else if (w.req !== req) {
      continue;
    } else {
      capa &= w.capa;
    }
    if (w.idleMs > maxIdle) maxIdle = w.idleMs;
    members.push(i);
  }
  if (members.length === 0) return null;
  const ready =
    force || !cfg.diskless || (cfg.maxReplicas > 0 && members.length >= cfg.maxReplicas) || maxIdle >= cfg.delayMs;
  if (!ready) return null;
  return { members, capa, req, socketTarget: socketTarget(cfg.diskless, capa, req) };
}

export function socketTarget(diskless: boolean, capa: number, req: number): boolean {
  return (diskless || (req & REQ_RDB_MASK) !== 0) && (capa & CAPA_EOF) !== 0;
}

export interface RunningMember {
  capa: number;
  req: number;
  rdbOnly: boolean;
  /** still keeping the stream produced since the snapshot started (not yet sending the file) */
  accumulating: boolean;
}

/**
 * For a replica arriving while a disk snapshot runs: the index of the member whose kept stream it can copy, or -1
 * to wait for the next snapshot. A member that keeps no stream (rdb-only) can only serve another rdb-only replica.
 */
export function attachTo(
  newcomer: { capa: number; req: number; rdbOnly: boolean },
  running: readonly RunningMember[],
): number {
  for (let i = 0; i < running.length; i++) {
    const m = running[i];
    if (!m.accumulating) continue;
    if (m.rdbOnly && !newcomer.rdbOnly) continue;
    // Redis looks at the first suitable member only.
    return (newcomer.capa & m.capa) === m.capa && newcomer.req === m.req ? i : -1;
  }
  return -1;
}
