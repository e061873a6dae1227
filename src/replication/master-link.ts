/**
 * The established link with our master: its command stream is applied through a master pseudo-client (replies
 * discarded, writes always allowed, expired keys visible), with Redis' offset rules (spec §5.5, §6):
 * - every byte counts, keepalive newlines and SELECT/PING/MULTI/EXEC/REPLCONF included;
 * - the applied offset advances after each command, except inside MULTI where it waits for EXEC;
 * - REPLCONF GETACK is answered at once with the offset *before* the GETACK itself;
 * - the applied bytes, exactly as received, are then relayed to our own replicas and backlog (chained replication).
 */
import type net from 'node:net';
import type { Bytes } from '../protocol/bytes';
import { Client } from '../server/client';
import { processCommand } from '../server/dispatch';
import { log } from '../server/log';
import type { Server } from '../server/server';
import { MasterProtocolError, MasterStreamParser } from './master-stream';
import { encodeCommand } from './propagate';
import { replicationOf } from './state';

/** FIFO of received bytes not yet relayed; take() returns views when the bytes sit in one chunk. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  /** bytes of chunks[0] already taken */
  private head = 0;
  length = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.length += b.length;
  }

  take(n: number): Buffer {
    this.length -= n;
    const first = this.chunks[0];
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0];
      const m = Math.min(c.length - this.head, n - filled);
      c.copy(out, filled, this.head, this.head + m);
      filled += m;
      this.head += m;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    return out;
  }
}

function isGetAck(argv: readonly Bytes[]): boolean {
  return (
    argv.length >= 2 &&
    argv[0].length === 8 &&
    argv[0].toLowerCase() === 'replconf' &&
    argv[1].toLowerCase() === 'getack'
  );
}

export class MasterLink {
  readonly client: Client;
  /** master client's reploff: bytes applied */
  applied: number;
  /** master client's read_reploff: bytes received */
  read: number;
  /** set when the link must not be cached on close (protocol error: the stream cannot be trusted) */
  cacheable = true;
  private readonly parser: MasterStreamParser;
  private readonly unrelayed = new ByteQueue();
  /** offset of the parser position (bytes consumed by complete commands) */
  private consumed: number;

  constructor(
    private readonly srv: Server,
    readonly socket: net.Socket,
    offset: number,
    db: number,
    /** the master answered SYNC, not PSYNC: no offsets, no ACKs */
    readonly prePsync: boolean,
  ) {
    this.applied = offset;
    this.read = offset;
    this.consumed = offset;
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    const local = `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}`;
    const c = new Client(srv, socket, remote, local);
    c.isMaster = true;
    c.setAuthenticated('(superuser)');
    c.db = srv.dbs[db >= 0 && db < srv.dbs.length ? db : 0];
    srv.clients.set(c.id, c);
    this.client = c;
    this.parser = new MasterStreamParser(srv.config.num('proto-max-bulk-len'));
  }

  /** REPLCONF ACK <offset>; the offset defaults to what we applied. */
  sendAck(offset = this.applied): void {
    if (this.client.closed || this.socket.destroyed) return;
    const buf = encodeCommand(['REPLCONF', 'ACK', String(offset)]);
    this.srv.stats.netOutputBytes += buf.length;
    this.socket.write(buf);
  }

  /** Applies a chunk of the master's stream, then relays what was applied. */
  onData(chunk: Buffer): void {
    const c = this.client;
    if (c.closed) return;
    const now = Date.now();
    c.lastInteraction = now;
    this.read += chunk.length;
    this.parser.push(chunk);
    this.unrelayed.push(chunk);
    const before = this.applied;
    for (;;) {
      let cmd: ReturnType<MasterStreamParser['next']>;
      try {
        cmd = this.parser.next();
      } catch (err) {
        if (!(err instanceof MasterProtocolError)) throw err;
        this.protocolError(err.message);
        break;
      }
      if (cmd === null) break;
      this.consumed += cmd.size;
      const argv = cmd.argv;
      if (argv.length > 0) {
        if (isGetAck(argv)) {
          // The ACK reports what was applied before this GETACK (spec §6).
          if (!this.prePsync) this.sendAck(this.applied);
        } else {
          this.execute(argv);
          if (c.closed) break;
        }
      }
      if (!c.inMulti) this.applied = this.consumed;
    }
    const n = this.applied - before;
    if (n > 0) replicationOf(this.srv).relay(this.unrelayed.take(n));
  }

  private execute(argv: Bytes[]): void {
    const c = this.client;
    c.argv = argv;
    try {
      processCommand(this.srv, c, argv);
    } catch (err) {
      log.warning(`Internal error applying '${argv[0]}' from MASTER: ${(err as Error).stack ?? err}`);
    }
    const out = c.out;
    if (out.len > 0) {
      // Replies to the master are never sent; an error means we diverge from it, which deserves a loud line.
      if (out.buf[0] === 0x2d /* - */) {
        let end = out.buf.indexOf(13);
        if (end < 0 || end > out.len) end = out.len;
        this.srv.stats.unexpectedErrorReplies++;
        log.warning(
          `== CRITICAL == This replica is sending an error to its master: '${out.buf.latin1Slice(1, end)}' after processing the command '${argv[0]}'`,
        );
      }
      out.len = 0;
    }
  }

  private protocolError(msg: string): void {
    if (msg.startsWith('Master using the inline protocol')) {
      log.warning(
        'WARNING: Receiving inline protocol from master, master stream corruption? Closing the master connection and discarding the cached master.',
      );
    }
    log.verbose(`Protocol error (${msg}) from client: ${this.srv.clientInfoLine(this.client)}`);
    this.cacheable = false;
    this.client.close();
  }
}
