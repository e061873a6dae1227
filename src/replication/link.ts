/**
 * One replica attached to this node (a client that sent SYNC/PSYNC): its REPLCONF settings, where it is in the
 * full-sync life cycle, its acknowledged offset, and the stream kept back for it while its snapshot is produced.
 * The replication stream is written straight to the socket (never through the client's reply writer).
 */
import type { Client } from '../server/client';
import type { SocketSync } from './full-sync';
import { OutputLimitState } from './output-limit';
import { CAPA_EOF, CAPA_PSYNC2 } from './sync-batch';

/** What a client declared with REPLCONF before it asked for synchronization. */
export interface ReplicaConf {
  /** REPLCONF listening-port (0 = unknown) */
  listeningPort: number;
  /** REPLCONF ip-address, else null (the peer address is used) */
  ip: string | null;
  /** CAPA_* bits */
  capa: number;
  /** REPLCONF rdb-only: wants the snapshot only, no stream */
  rdbOnly: boolean;
  /** REQ_* bits from REPLCONF rdb-filter-only */
  req: number;
}

export function newReplicaConf(): ReplicaConf {
  return { listeningPort: 0, ip: null, capa: 0, rdbOnly: false, req: 0 };
}

/**
 * Redis' replica states: waiting for a snapshot to start, snapshot running (stream kept back from its start offset),
 * sending the snapshot file (disk-based), online (streaming), and "RDB sent" for rdb-only clients about to be closed.
 */
export type LinkState = 'wait_bgsave_start' | 'wait_bgsave_end' | 'send_bulk' | 'online' | 'rdb_transmitted';

export class ReplicaLink {
  state: LinkState;
  /** highest offset acknowledged with REPLCONF ACK */
  ackOffset = 0;
  /** ms time of the last ACK (or the moment it went online) */
  ackTime: number;
  /** offset the snapshot was taken at (+FULLRESYNC <id> <offset>) */
  initialOffset = -1;
  /** stream produced since the snapshot started, not yet sent (null when not keeping anything back) */
  held: Buffer[] | null = null;
  heldBytes = 0;
  /** EOF-framed transfer finished: the kept stream goes out on the first ACK (spec §4.3) */
  startOnAck = false;
  /** the diskless job streaming this replica's payload, while it runs */
  socketJob: SocketSync | null = null;
  /** waiting for (or served by) a disk snapshot: gets the dump file when the BGSAVE completes */
  diskSync = false;
  /** disk-based transfer in progress: stops reading the file when the link goes away */
  cancelTransfer: (() => void) | null = null;
  /** diskless transfer progress watch for repl-timeout: bytes handed to the kernel and when that last grew */
  flushedBytes = 0;
  lastProgress: number;
  readonly limit = new OutputLimitState();

  constructor(
    readonly client: Client,
    readonly conf: ReplicaConf,
    /** attached with SYNC (old protocol, redis-cli): no +FULLRESYNC line, no ACKs expected */
    readonly prePsync: boolean,
    state: LinkState,
    now: number,
  ) {
    this.state = state;
    this.ackTime = now;
    this.lastProgress = now;
  }

  get capaEof(): boolean {
    return (this.conf.capa & CAPA_EOF) !== 0;
  }

  get capaPsync2(): boolean {
    return (this.conf.capa & CAPA_PSYNC2) !== 0;
  }

  /** Address shown by INFO / ROLE: the announced ip, else the peer's. */
  get ip(): string {
    return this.conf.ip ?? peerIp(this.client);
  }

  /** Redis' replica name in logs: ip:listening-port, or ip:<unknown-replica-port>. */
  get name(): string {
    return replicaName(this.client, this.conf);
  }

  /** Last sign of life: an ACK, or any byte (a replica sends bare newlines while loading). */
  lastSeen(): number {
    return Math.max(this.ackTime, this.client.lastInteraction);
  }

  /** Writes stream or payload bytes to the socket. Returns the byte count (for the repl output statistics). */
  send(data: Buffer | string): number {
    const sock = this.client.socket;
    if (sock === null || this.client.closed) return 0;
    sock.write(data);
    return typeof data === 'string' ? Buffer.byteLength(data, 'latin1') : data.length;
  }

  hold(data: Buffer): void {
    this.held!.push(data);
    this.heldBytes += data.length;
  }

  /** Bytes counted against client-output-buffer-limit: queued on the socket plus the stream kept back. */
  outputBytes(): number {
    const queued = this.state === 'online' ? (this.client.socket?.writableLength ?? 0) : 0;
    return queued + this.heldBytes;
  }
}

export function peerIp(c: Client): string {
  const a = c.socket?.remoteAddress;
  if (a) return a.startsWith('::ffff:') ? a.slice(7) : a;
  const i = c.addr.lastIndexOf(':');
  return i > 0 ? c.addr.slice(0, i) : c.addr;
}

export function replicaName(c: Client, conf: ReplicaConf): string {
  const ip = conf.ip ?? peerIp(c);
  if (conf.listeningPort === 0) return `${ip}:<unknown-replica-port>`;
  return ip.includes(':') ? `[${ip}]:${conf.listeningPort}` : `${ip}:${conf.listeningPort}`;
}
