/**
 * The replica side: following a master (REPLICAOF host port, or the replicaof directive).
 *
 * Link states, as Redis' repl_state (ROLE shows them): connect -> connecting -> handshake (handshake.ts) ->
 * sync (payload, sync-load.ts) -> connected (stream applied by master-link.ts). Any failure goes back to connect,
 * retried by the 1 Hz replication cron; losing an established link reconnects at once and tries to continue
 * (PSYNC) from the cached master: the replid, applied offset and selected db of the link that was lost.
 *
 * Log lines use Redis' wording (operators and tests grep for them).
 */
import { collectAfterBulkLoad } from '../server/gc';
import net from 'node:net';
import { strerror } from '../config/values';
import type { Bytes } from '../protocol/bytes';
import { log } from '../server/log';
import type { Server } from '../server/server';
import { abortFailover } from './failover';
import { Handshake, type HandshakeStep } from './handshake';
import { MasterLink } from './master-link';
import { Primary } from './primary';
import { replicaInfoLines } from './replica-info';
import { type ReplicaSide, replicationOf } from './state';
import { FullSync, type SyncOutcome } from './sync-load';

export type LinkState = 'none' | 'connect' | 'connecting' | 'handshake' | 'transfer' | 'connected';

/** What a PSYNC can continue from: the history and position of a master link we had (or of ourselves). */
export interface CachedMaster {
  replid: string;
  /** applied offset: the PSYNC asks for offset + 1 */
  offset: number;
  db: number;
}

const ROLE_WORD: Record<LinkState, string> = {
  none: 'none',
  connect: 'connect',
  connecting: 'connecting',
  handshake: 'handshake',
  transfer: 'sync',
  connected: 'connected',
};

export class ReplicaLink implements ReplicaSide {
  state: LinkState = 'none';
  host = '';
  port = 0;
  master: MasterLink | null = null;
  cached: CachedMaster | null = null;
  sync: FullSync | null = null;
  /** ms when the link went down; 0 = never up since we became a replica */
  downSince = 0;
  /** last I/O while connecting / handshaking / transferring (repl-timeout) */
  lastIo = 0;
  private sock: net.Socket | null = null;
  private handshake: Handshake | null = null;
  private lineBuf: Buffer | null = null;
  /** id and offset announced by +FULLRESYNC (offset -1 after a plain SYNC) */
  private fullReplid = '';
  private fullOffset = -1;
  private prePsync = false;
  private failover = false;
  private lastCron = 0;
  private stopped = false;

  constructor(readonly srv: Server) {
    srv.cronHooks.push((now) => this.cron(now));
    srv.clientCloseHooks.push((c) => {
      if (this.master !== null && c === this.master.client) this.masterClosed();
    });
    srv.shutdownHooks.push(() => {
      this.stopped = true;
    });
  }

  // ---- ReplicaSide ---------------------------------------------------------------------------------------------

  get linkState(): string {
    return ROLE_WORD[this.state];
  }

  get appliedOffset(): number {
    return this.master !== null ? this.master.applied : -1;
  }

  infoLines(): string[] {
    return replicaInfoLines(this, Date.now());
  }

  setMaster(host: string, port: number, opts: { failover?: boolean } = {}): void {
    const srv = this.srv;
    const rs = replicationOf(srv);
    const wasMaster = srv.masterHost === null;
    // Clear the master first, so that dropping the current link does not reconnect to it.
    srv.masterHost = null;
    if (this.master !== null) this.master.client.close();
    disconnectBlockedClients(srv);
    srv.masterHost = host;
    rs.masterPort = port;
    this.host = host;
    this.port = port;
    rs.primary?.roleChanged();
    rs.primary?.disconnectReplicas();
    this.cancel(false);
    if (wasMaster) {
      this.discardCached();
      this.cacheFromMyself(0);
      this.downSince = 0;
    }
    this.failover = opts.failover === true;
    this.syncConfig(`${host} ${port}`);
    log.notice(`Connecting to MASTER ${host}:${port}`);
    this.connect();
  }

  unsetMaster(): void {
    const srv = this.srv;
    if (srv.masterHost === null) return;
    const rs = replicationOf(srv);
    srv.masterHost = null; // before closing the link: no reconnection
    if (this.master !== null) this.master.client.close();
    this.discardCached();
    this.cancel(false);
    // A new history starts here; replicas of the old one can still continue from us up to this offset.
    const h = rs.history;
    const old = h.replid;
    h.shiftId();
    log.warning(
      `Setting secondary replication ID to ${old}, valid up to offset: ${h.secondOffset}. New replication ID is ${h.replid}`,
    );
    rs.primary?.roleChanged();
    rs.primary?.disconnectReplicas();
    this.state = 'none';
    srv.masterLinkUp = false;
    srv.propagator.selectedDb = -1;
    this.downSince = 0;
    this.failover = false;
    this.syncConfig('');
  }

  /**
   * Start-up with an RDB that carries repl-id / repl-offset / repl-stream-db while we are configured as a replica:
   * that position becomes our cached master, so the first PSYNC can continue instead of taking a full copy.
   */
  seedFromRdb(repl: { replId: Bytes; offset: number; streamDb: number }): void {
    if (this.srv.masterHost === null || repl.replId.length !== 40 || !Number.isSafeInteger(repl.offset)) return;
    if (this.state !== 'connect' || this.master !== null) return; // only before the first connection
    const c = this.cached;
    if (c !== null && c.replid === repl.replId && c.offset === repl.offset) return; // seeded already
    const h = replicationOf(this.srv).history;
    h.replid = repl.replId;
    h.offset = repl.offset;
    this.discardCached();
    this.cacheFromMyself(repl.streamDb);
  }

  /** Follows the master named by the replicaof directive at start-up; connecting waits for the cron. */
  startFromConfig(host: string, port: number): void {
    this.srv.masterHost = host;
    replicationOf(this.srv).masterPort = port;
    this.host = host;
    this.port = port;
    this.state = 'connect';
  }

  // ---- cached master -------------------------------------------------------------------------------------------

  private cacheFromMyself(db: number): void {
    log.notice(
      'Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.',
    );
    const h = replicationOf(this.srv).history;
    this.cached = { replid: h.replid, offset: h.offset, db: db >= 0 && db < this.srv.dbs.length ? db : 0 };
  }

  private discardCached(): void {
    if (this.cached === null) return;
    log.notice('Discarding previously cached master state.');
    this.cached = null;
  }

  /** The established link closed (CLIENT KILL, timeout, I/O error, protocol error, REPLICAOF). */
  private masterClosed(): void {
    const m = this.master as MasterLink;
    this.master = null;
    this.sock = null;
    this.srv.masterLinkUp = false;
    log.warning('Connection with master lost.');
    if (m.cacheable) {
      log.notice('Caching the disconnected master state.');
      this.cached = { replid: replicationOf(this.srv).history.replid, offset: m.applied, db: m.client.db.id };
    }
    this.state = 'connect';
    this.downSince = Date.now();
    if (this.srv.masterHost !== null && !this.stopped) {
      log.notice(`Reconnecting to MASTER ${this.host}:${this.port}`);
      this.connect();
    }
  }

  // ---- connection and handshake --------------------------------------------------------------------------------

  private connect(): void {
    if (this.stopped) return;
    log.notice('MASTER <-> REPLICA sync started');
    this.state = 'connecting';
    this.lastIo = Date.now();
    const opts: net.NetConnectOpts = { host: this.host, port: this.port };
    const src = sourceAddress(this.srv.config.get('bind'));
    if (src !== null && net.isIP(this.host) === net.isIP(src)) opts.localAddress = src;
    const sock = net.connect(opts);
    sock.setNoDelay(true);
    sock.on('connect', () => this.onConnect(sock));
    sock.on('data', (d: Buffer) => this.onData(sock, d));
    sock.on('error', (err) => this.onError(sock, err));
    sock.on('close', () => this.onClose(sock));
    this.sock = sock;
  }

  private onConnect(sock: net.Socket): void {
    if (sock !== this.sock) return;
    log.notice('Non blocking connect for SYNC fired the event.');
    this.state = 'handshake';
    this.lastIo = Date.now();
    const cfg = this.srv.config;
    const c = this.cached;
    const announcePort = cfg.num('replica-announce-port');
    this.handshake = new Handshake(
      {
        masterUser: cfg.get('masteruser'),
        masterAuth: cfg.get('masterauth'),
        listeningPort: announcePort !== 0 ? announcePort : cfg.num('port') || this.srv.boundPort,
        announceIp: cfg.get('replica-announce-ip'),
        psync: c !== null ? { replid: c.replid, offset: c.offset + 1 } : null,
        failover: this.failover,
      },
      (level, msg) => log[level](msg),
    );
    this.write(this.handshake.start());
  }

  private write(b: Buffer): void {
    if (this.sock !== null && !this.sock.destroyed) {
      this.srv.stats.netOutputBytes += b.length;
      this.sock.write(b);
    }
  }

  private onData(sock: net.Socket, chunk: Buffer): void {
    if (sock !== this.sock) return;
    this.srv.stats.netReplInputBytes += chunk.length;
    switch (this.state) {
      case 'connected':
        this.master?.onData(chunk);
        return;
      case 'transfer':
        this.lastIo = Date.now();
        this.sync?.push(chunk);
        return;
      case 'handshake':
        this.lastIo = Date.now();
        this.handshakeData(chunk);
        return;
      default:
        return;
    }
  }

  /** Reply lines until the handshake ends; whatever follows the last line belongs to the next phase. */
  private handshakeData(chunk: Buffer): void {
    let data = this.lineBuf !== null ? Buffer.concat([this.lineBuf, chunk]) : chunk;
    this.lineBuf = null;
    while (this.state === 'handshake' && this.handshake !== null) {
      const nl = data.indexOf(10);
      if (nl < 0) {
        if (data.length > 0) this.lineBuf = data;
        return;
      }
      const line = data.latin1Slice(0, nl > 0 && data[nl - 1] === 13 ? nl - 1 : nl);
      data = data.subarray(nl + 1);
      this.handshakeStep(this.handshake.onLine(line), data);
      if (this.state !== 'handshake') return;
    }
  }

  private handshakeStep(step: HandshakeStep, rest: Buffer): void {
    switch (step.kind) {
      case 'wait':
        return;
      case 'send':
        this.write(step.data);
        return;
      case 'fail':
        this.cancel(false);
        if (step.failoverRejected) this.failoverRejected();
        return;
      case 'full':
        this.startTransfer(step.replid, step.offset, false, rest);
        return;
      case 'sync':
        this.write(step.data);
        this.startTransfer('', -1, true, rest);
        return;
      case 'continue':
        this.resume(step.replid, rest);
        return;
    }
  }

  /** The target of our coordinated FAILOVER refused to take us: the failover ends and we stay a master. */
  private failoverRejected(): void {
    const p = replicationOf(this.srv).primary;
    if (p instanceof Primary) abortFailover(p, 'Failover target rejected psync request');
  }

  private onError(sock: net.Socket, err: Error): void {
    if (sock !== this.sock) return;
    if (this.state === 'connecting') {
      log.warning(`Error condition on socket for SYNC: ${socketError(err)}`);
      this.cancel(false);
    }
    // in other states the 'close' that follows tells what was lost
  }

  private onClose(sock: net.Socket): void {
    if (sock !== this.sock) return;
    switch (this.state) {
      case 'connecting':
        this.cancel(false);
        return;
      case 'handshake':
        log.warning(
          this.handshake?.phase === 'psync'
            ? 'Master did not reply to PSYNC, will try later'
            : 'Master did not respond to command during SYNC handshake',
        );
        this.cancel(false);
        return;
      case 'transfer':
        // Loading a complete file does not need the socket: the loss shows once the link is set up.
        if (this.sync?.loading && !this.sync.diskless) return;
        log.warning('I/O error trying to sync with MASTER: connection lost');
        this.cancel(true);
        return;
      case 'connected':
        if (this.master !== null && !this.master.client.closed) this.master.client.close();
        return;
      default:
        return;
    }
  }

  /**
   * Abandons a connection attempt or transfer (not an established link) and goes back to 'connect'. With
   * `reconnect` (failed transfers) the next attempt starts at once, else the cron retries within a second.
   */
  private cancel(reconnect: boolean): void {
    if (this.state !== 'connecting' && this.state !== 'handshake' && this.state !== 'transfer') return;
    this.sync?.abort();
    this.sync = null;
    this.handshake = null;
    this.lineBuf = null;
    const s = this.sock;
    this.sock = null;
    s?.destroy();
    this.state = 'connect';
    if (reconnect && this.srv.masterHost !== null && !this.stopped) {
      log.notice(`Reconnecting to MASTER ${this.host}:${this.port} after failure`);
      this.connect();
    }
  }

  // ---- full sync ---------------------------------------------------------------------------------------------------

  private startTransfer(replid: string, offset: number, prePsync: boolean, rest: Buffer): void {
    this.handshake = null;
    this.state = 'transfer';
    this.lastIo = Date.now();
    this.fullReplid = replid;
    this.fullOffset = offset;
    this.prePsync = prePsync;
    const same = replid !== '' && replid === replicationOf(this.srv).history.replid;
    this.sync = new FullSync(this.srv, this, same);
    if (rest.length > 0) this.sync.push(rest);
  }

  /** SyncTarget: the new dataset replaces ours now. */
  attach(): void {
    const rs = replicationOf(this.srv);
    this.discardCached();
    rs.primary?.disconnectReplicas();
    rs.backlog = null; // our replicas cannot continue from a history we are leaving
  }

  /** SyncTarget */
  fail(): void {
    this.cancel(true);
  }

  /** SyncTarget: the dataset is in place; the link becomes the master client. */
  done(outcome: SyncOutcome): void {
    const sock = this.sock as net.Socket;
    this.sync = null;
    const rs = replicationOf(this.srv);
    // A plain SYNC gives no offset: Redis then counts from -1 and never ACKs.
    this.establish(sock, this.fullOffset, outcome.streamDb, this.prePsync);
    rs.history.adopt(this.fullReplid, this.fullOffset);
    this.ensureBacklog();
    collectAfterBulkLoad();
    log.notice('MASTER <-> REPLICA sync: Finished with success');
    const m = this.master as MasterLink;
    // An EOF-framed payload: the master holds the stream back until this first ACK (spec §4.3).
    if (outcome.usedMark && !this.prePsync) m.sendAck();
    for (const b of outcome.pending) {
      if (m.client.closed) break;
      m.onData(b);
    }
    if (sock.destroyed || sock.readyState === 'closed') m.client.close();
  }

  // ---- partial resync --------------------------------------------------------------------------------------------

  private resume(newReplid: string | null, rest: Buffer): void {
    const c = this.cached as CachedMaster;
    this.cached = null;
    this.handshake = null;
    const rs = replicationOf(this.srv);
    this.establish(this.sock as net.Socket, c.offset, c.db, false);
    if (newReplid !== null && newReplid !== c.replid) {
      // The master's history moved on (it was promoted): ours follows, the old id stays valid up to here.
      log.warning(`Master replication ID changed to ${newReplid}`);
      rs.history.shiftId(newReplid);
      rs.primary?.disconnectReplicas();
    }
    this.ensureBacklog();
    log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
    if (rest.length > 0) this.master?.onData(rest);
  }

  private establish(sock: net.Socket, offset: number, db: number, prePsync: boolean): void {
    this.master = new MasterLink(this.srv, sock, offset, db, prePsync);
    this.state = 'connected';
    this.srv.masterLinkUp = true;
    this.downSince = 0;
    this.failover = false;
  }

  /** Replicas always keep a backlog: after a promotion their own replicas continue from it. */
  private ensureBacklog(): void {
    const rs = replicationOf(this.srv);
    const p = rs.primary;
    if (p === null) return;
    const { replid, replid2, secondOffset } = rs.history;
    p.ensureBacklog();
    // Creating a backlog from scratch may start a new history on a master; a replica keeps its master's.
    rs.history.replid = replid;
    rs.history.replid2 = replid2;
    rs.history.secondOffset = secondOffset;
  }

  // ---- cron ------------------------------------------------------------------------------------------------------

  private cron(now: number): void {
    if (now - this.lastCron < 1000) return;
    this.lastCron = now;
    if (this.srv.masterHost === null || this.stopped) return;
    const timeoutMs = this.srv.config.num('repl-timeout') * 1000;
    if ((this.state === 'connecting' || this.state === 'handshake') && now - this.lastIo > timeoutMs) {
      log.warning('Timeout connecting to the MASTER...');
      this.cancel(true);
    }
    if (this.state === 'transfer' && this.sync !== null) {
      if (this.sync.loading) {
        // Still alive: tell the master (it would otherwise time us out), and do not time it out meanwhile.
        this.write(NEWLINE);
        this.lastIo = now;
      } else if (now - this.lastIo > timeoutMs) {
        log.warning(
          "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.",
        );
        this.cancel(true);
      }
    }
    if (this.state === 'connected' && this.master !== null && now - this.master.client.lastInteraction > timeoutMs) {
      log.warning('MASTER timeout: no data nor PING received...');
      this.master.client.close();
    }
    if (this.state === 'connect' && !this.srv.loading) {
      log.notice(`Connecting to MASTER ${this.host}:${this.port}`);
      this.connect();
    }
    if (this.master !== null && !this.master.prePsync) this.master.sendAck();
  }

  /** Keeps CONFIG GET replicaof and CONFIG REWRITE in step with REPLICAOF. */
  private syncConfig(value: string): void {
    const cfg = this.srv.config;
    if (cfg.get('replicaof') === value) return;
    try {
      cfg.set('replicaof', value === '' ? ['no', 'one'] : value.split(' '), true);
    } catch {
      // the value came from a validated REPLICAOF: cannot fail
    }
  }
}

const NEWLINE = Buffer.from('\n');

const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EPIPE: 'Broken pipe',
  ENOTFOUND: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
};

/** strerror() wording for a connection failure, as Redis logs it. */
function socketError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return (code !== undefined && SOCKET_ERRORS[code]) || strerror(err);
}

/** First concrete `bind` address: Redis connects to its master from it. */
function sourceAddress(bind: string): string | null {
  for (let a of bind.split(' ')) {
    if (a.startsWith('-')) a = a.slice(1);
    if (a === '' || a === '*' || a === '::*') continue;
    return net.isIP(a) ? a : null;
  }
  return null;
}

/**
 * Turning into a replica: clients blocked on keys cannot be served any more (their commands write), so they get an
 * error and are disconnected, as in Redis.
 */
function disconnectBlockedClients(srv: Server): void {
  for (const c of srv.clients.values()) {
    if (c.blocked === null) continue;
    srv.blocking.unblock(c);
    c.error('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
    c.closeAfterReply = true;
    c.markPending();
  }
}
