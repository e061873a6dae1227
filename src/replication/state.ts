/**
 * Replication state of this node, shared by its two sides:
 * - the primary side (primary.ts) serves our replicas: backlog, PSYNC/SYNC, full sync from a snapshot, streaming,
 *   ACKs, WAIT, min-replicas;
 * - the replica side (replica.ts) follows a master: handshake, payload load, applying the stream, ACKs, reconnect.
 *
 * Both feed one stream: on a master it is what the propagator emits for executed writes; on a replica it is the exact
 * bytes received from its master (so sub-replicas get byte-identical streams and offsets, as in Redis). `feed()` is
 * the single place where the stream advances the replication offset.
 */
import type { Bytes } from '../protocol/bytes';
import type { Server } from '../server/server';
import type { Backlog } from './backlog';
import { ReplicationHistory } from './history';

/** What the primary side offers the rest of the node. Implemented in primary.ts. */
export interface PrimarySide {
  /** Appends stream bytes: to the backlog (if any) and to every replica that is online or accumulating. */
  feed(chunk: Buffer): void;
  /** Creates the backlog if missing (starting at the current offset). */
  ensureBacklog(): Backlog;
  /** Called after srv.masterHost changed (we became a replica, or a master again). */
  roleChanged(): void;
  /** Closes every replica link (they reconnect and PSYNC; used when our history changes). */
  disconnectReplicas(): void;
  /** Number of replicas in state online (INFO connected_slaves counts all attached ones). */
  readonly onlineCount: number;
  /** INFO replication lines common to both roles, from connected_slaves on (see spec §15). */
  infoLines(): string[];
  /** a coordinated FAILOVER is in progress (REPLICAOF is then refused) */
  readonly failingOver?: boolean;
}

/** What the replica side offers. Implemented in replica.ts. */
export interface ReplicaSide {
  /**
   * Starts following host:port (REPLICAOF host port / the replicaof directive). `failover`: the coordinated FAILOVER
   * of the primary side hands over to host:port, so our PSYNC carries FAILOVER until a sync succeeds.
   */
  setMaster(host: string, port: number, opts?: { failover?: boolean }): void;
  /** Stops following (REPLICAOF NO ONE): keeps the data, shifts the replication id. */
  unsetMaster(): void;
  /** INFO replication lines of the replica-only block (master_host ... replica_announced). */
  infoLines(): string[];
  /** ROLE reply state word: connect | connecting | handshake | sync | connected */
  readonly linkState: string;
  /** offset applied from the master, -1 when no master link */
  readonly appliedOffset: number;
}

export class ReplicationState {
  readonly history = new ReplicationHistory();
  backlog: Backlog | null = null;
  primary: PrimarySide | null = null;
  replica: ReplicaSide | null = null;
  /** host/port of the master we follow, null when we are a master (also mirrored in srv.masterHost) */
  masterPort = 0;

  constructor(readonly srv: Server) {}

  get isReplica(): boolean {
    return this.srv.masterHost !== null;
  }

  /** true while relay() runs: the only bytes a replica may put into its stream are its master's */
  private relaying = false;

  /**
   * Appends to the replication stream; advances master_repl_offset. While we follow a master this drops everything
   * but relay(): a replica's stream is its master's bytes, never its own propagator output (local writes of a
   * writable replica stay local, as in Redis).
   */
  feed(chunk: Buffer): void {
    if (this.srv.masterHost !== null && !this.relaying) return;
    this.history.offset += chunk.length;
    this.primary?.feed(chunk);
  }

  /** Replica side: forwards bytes applied from our master, unchanged, to our own replicas and backlog. */
  relay(chunk: Buffer): void {
    this.relaying = true;
    try {
      this.feed(chunk);
    } finally {
      this.relaying = false;
    }
  }

  /** For logs and errors: the master we follow as host:port. */
  masterAddr(): Bytes {
    return `${this.srv.masterHost}:${this.masterPort}`;
  }
}

const states = new WeakMap<Server, ReplicationState>();

/** The node's replication state (created on first use). */
export function replicationOf(srv: Server): ReplicationState {
  let s = states.get(srv);
  if (!s) {
    s = new ReplicationState(srv);
    states.set(srv, s);
  }
  return s;
}
