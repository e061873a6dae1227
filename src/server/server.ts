/**
 * The server: TCP listeners, client lifecycle, the databases and the subsystems commands reach through `c.srv`.
 * Request flow: socket 'data' -> parser -> processCommand (dispatch.ts) -> handler -> reply writer; replies of a
 * turn are written with one write() per client from a nextTick callback, once the read callback has returned.
 */
import type net from 'node:net';
import type { CommandEntry, CommandSpec } from '../commands/command';
import { CommandTable } from '../commands/table';
import type { Config } from '../config/config';
import type { Bytes } from '../protocol/bytes';
import { ProtocolError } from '../protocol/resp-parser';
import { Propagator } from '../replication/propagate';
import { Db, type KeyspaceHooks } from '../store/db';
import { ActiveExpirer } from '../store/expire';
import { ScanRegistry } from '../store/scan';
import { Acl } from './acl-registry';
import { BlockingManager } from './blocking';
import { Client } from './client';
import { call, closeBatch, openBatch, processCommand } from './dispatch';
import { Listeners } from './listeners';
import { DirectIO } from './socket-io';
import { type LogLevel, log } from './log';
import { PubSub } from './pubsub';
import { Slowlog } from './slowlog';
import { Stats } from './stats';
import { WatchManager } from './watch';

export class Server implements KeyspaceHooks {
  /** the command table: the full one, or the sentinel-mode one (src/sentinel/commands.ts) */
  readonly commands: CommandTable;
  readonly dbs: Db[];
  readonly clients = new Map<number, Client>();
  readonly stats = new Stats();
  readonly pubsub = new PubSub();
  readonly blocking: BlockingManager;
  readonly watches: WatchManager;
  readonly slowlog = new Slowlog();
  readonly propagator = new Propagator();
  readonly monitors = new Set<Client>();
  readonly expirer = new ActiveExpirer();
  readonly scans = new ScanRegistry();
  readonly startedAt = Date.now();
  readonly runId: string;
  /** users and permissions (acl-registry.ts); built before any rename-command, as ACLs use the original names */
  readonly acl: Acl;
  nextClientId = 1;
  /** changes since the last successful save (save points, INFO rdb_changes_since_last_save) */
  dirty = 0;
  /** client whose command is executing (expiry decisions depend on it on replicas) */
  currentClient: Client | null = null;
  /** DEBUG SET-ACTIVE-EXPIRE */
  activeExpireEnabled = true;
  /** latency-tracking: per-command latency histograms (INFO latencystats) */
  latencyTracking = true;
  /** true while an RDB is being loaded */
  loading = false;
  /** replication state the dispatch gates read; owned by replication/ */
  masterHost: string | null = null;
  masterLinkUp = false;
  /** set by replication: min-replicas-to-write is configured and too few good replicas are attached (NOREPLICAS) */
  notEnoughReplicas = false;
  /**
   * Set by replication while writes are paused (FAILOVER, shutdown waiting for replicas): returns true when it
   * postponed the command (the client is blocked until the pause ends). Null when nothing is paused.
   */
  pauseGate: ((c: Client, entry: CommandEntry, argv: Bytes[]) => boolean) | null = null;
  /** persistence: last background save failed (MISCONF gate) */
  lastBgsaveFailed = false;

  /** TCP and unix-socket listeners (listeners.ts) */
  readonly listeners = new Listeners(this);
  /** client-query-buffer-limit, cached for the read path */
  private queryBufferLimit = 0;
  /**
   * Wall clock in ms as of the last cron tick or replica read: what a normal client's last interaction is stamped
   * with (Redis also uses its cached clock there). Reading the clock costs ~80 ns on these machines, per read.
   */
  clock = Date.now();
  private pendingFlush: Client[] = [];
  private flushScheduled = false;
  private cronTimer: NodeJS.Timeout | null = null;
  private shuttingDown = false;
  /** hooks run at shutdown (persistence saves, replication closes links) */
  readonly shutdownHooks: (() => Promise<void> | void)[] = [];

  constructor(
    readonly config: Config,
    specs?: readonly CommandSpec[],
  ) {
    this.commands = new CommandTable(specs);
    const n = config.num('databases');
    this.dbs = Array.from({ length: n }, (_, i) => new Db(i, this));
    this.blocking = new BlockingManager(n, (c) => this.rerunBlocked(c));
    this.watches = new WatchManager(n);
    this.runId = randomHex(40);
    this.acl = new Acl(config, this, this.commands.all());
    for (const [from, to] of config.renamedCommands) this.commands.rename(from, to);
    config.watch('loglevel', (v) => {
      log.level = v as LogLevel;
    });
    config.watch('slowlog-log-slower-than', () => {
      this.slowlog.slowerThan = config.num('slowlog-log-slower-than');
    });
    config.watch('slowlog-max-len', () => {
      this.slowlog.maxLen = config.num('slowlog-max-len');
      this.slowlog.trim();
    });
    config.watch('hz', () => this.restartCron());
    config.watch('latency-tracking', (v) => {
      this.latencyTracking = v === 'yes';
    });
    config.watch('client-query-buffer-limit', () => {
      this.queryBufferLimit = config.num('client-query-buffer-limit');
    });
    config.watch('proto-max-bulk-len', () => {
      for (const c of this.clients.values()) c.parser.limits.maxBulkLen = config.num('proto-max-bulk-len');
    });
  }

  // ---- KeyspaceHooks -------------------------------------------------------------------------------------------

  keyModified(db: Db, key: Bytes): void {
    this.watches.touch(db, key);
  }

  keyReady(db: Db, key: Bytes): void {
    this.blocking.signalReady(db, key);
  }

  keyExpired(db: Db, key: Bytes): void {
    this.stats.expiredKeys++;
    this.watches.touch(db, key);
    this.propagator.add(db.id, ['DEL', key]);
  }

  inWriteCommand(): boolean {
    return this.currentClient?.cmd?.isWrite === true;
  }

  expiryMode(): 'delete' | 'hide' | 'keep' {
    // While writes are paused (FAILOVER) a master must not change its stream: expired keys are only hidden.
    if (this.masterHost === null) return this.pauseGate === null ? 'delete' : 'hide';
    return this.currentClient?.isMaster ? 'keep' : 'hide';
  }

  // ---- dispatch gates ------------------------------------------------------------------------------------------

  /** New connections start unauthenticated unless the default user is enabled with nopass. */
  authRequired(): boolean {
    return this.acl.authRequired();
  }

  /** The write/role gates of processCommand, in Redis' order. Returns an error message or null. */
  rejectReason(c: Client, entry: CommandEntry): string | null {
    const isWrite = entry.isWrite;
    // As in Redis 7.0, PING is refused too (so health checks notice), and only the master link is exempt.
    if (
      this.lastBgsaveFailed &&
      (isWrite || entry.fullName === 'ping') &&
      !c.isMaster &&
      this.config.bool('stop-writes-on-bgsave-error')
    ) {
      return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
    }
    if (isWrite && this.notEnoughReplicas && this.masterHost === null) {
      return 'NOREPLICAS Not enough good replicas to write.';
    }
    if (isWrite && this.masterHost !== null && !c.isMaster && this.config.bool('replica-read-only')) {
      return "READONLY You can't write against a read only replica.";
    }
    if (
      this.masterHost !== null &&
      !this.masterLinkUp &&
      !this.config.bool('replica-serve-stale-data') &&
      !entry.isStaleOk
    ) {
      return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    }
    if (this.loading && !entry.isLoadingOk) return 'LOADING Redis is loading the dataset in memory';
    return null;
  }

  // ---- networking ----------------------------------------------------------------------------------------------

  /** Opens the TCP and unix-socket listeners (listeners.ts); throws ListenError with the line to log. */
  async listen(): Promise<void> {
    await this.listeners.open();
    this.listeners.announceReady();
  }

  /** The TCP port actually bound. */
  get boundPort(): number {
    return this.listeners.tcpPort;
  }

  /** Turns an admitted connection into a client (admission itself is in listeners.ts). */
  attachClient(sock: net.Socket, remote: string, local: string): Client {
    const c = new Client(this, sock, remote, local);
    this.clients.set(c.id, c);
    const onChunk = (chunk: Buffer) => this.onData(c, chunk);
    c.io = DirectIO.attach(sock, onChunk);
    if (c.io === null) sock.on('data', onChunk);
    sock.on('error', () => c.close());
    sock.on('close', () => c.close());
    return c;
  }

  /** Creates an internal client with no socket (replication link, AOF-like replays, tests). */
  createPseudoClient(addr = ''): Client {
    return new Client(this, null, addr, '');
  }

  private onData(c: Client, chunk: Buffer): void {
    if (c.closed) return;
    this.stats.netInputBytes += chunk.length;
    this.stats.totalReadsProcessed++;
    // Replica links time out on this stamp (repl-timeout), so theirs is exact.
    c.lastInteraction = c.isReplica ? (this.clock = Date.now()) : this.clock;
    c.parser.feed(chunk);
    if (c.parser.pendingBytes > this.queryBufferLimit) {
      log.warning(
        `Closing client that reached max query buffer length: ${this.clientInfoLine(c)} (qbuf initial bytes: ...)`,
      );
      this.stats.clientQbufLimitDisconnections++;
      c.close();
      return;
    }
    // The replies to this read are written right here, when the read callback ends, rather than from a scheduled
    // tick: the same single write, without the tick queue's per-turn machinery (a fifth of the user CPU of a
    // one-command round trip). Replies this read causes to other clients (pub/sub, unblocked clients) are scheduled.
    this.readingClient = c;
    try {
      this.processInput(c);
    } finally {
      this.readingClient = null;
    }
    if (c.flushPending) c.flush();
  }

  /** client whose socket read is being processed (its replies are flushed at the end of the read, not scheduled) */
  readingClient: Client | null = null;

  /** Runs every complete command buffered for `c`, stopping while it is blocked. */
  processInput(c: Client): void {
    openBatch();
    try {
      this.runBuffered(c);
    } finally {
      closeBatch();
    }
    c.markPending();
  }

  private runBuffered(c: Client): void {
    while (!c.closed && !c.blocked && !c.closeAfterReply) {
      let argv: Bytes[] | null;
      try {
        argv = c.parser.next();
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        log.verbose(`Protocol error (${err.message}) from client: ${this.clientInfoLine(c)}`);
        c.error(`ERR ${err.message}`);
        c.closeAfterReply = true;
        break;
      }
      if (argv === null) break;
      try {
        processCommand(this, c, argv);
      } catch (err) {
        log.warning(`Internal error executing '${argv[0]}': ${(err as Error).stack ?? err}`);
        c.error(`ERR internal error: ${(err as Error).message}`);
      }
    }
  }

  /** Continues a client whose blocking command completed; its remaining pipelined commands run on the next turn. */
  resumeClient(c: Client): void {
    c.markPending();
    if (c.parser.pendingBytes > 0) setImmediate(() => this.processInput(c));
  }

  private rerunBlocked(c: Client): void {
    call(this, c, c.cmd!);
  }

  scheduleFlush(c: Client): void {
    this.pendingFlush.push(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // nextTick: runs as soon as the current I/O callback returns, like a microtask, at a third of the cost of
      // queueMicrotask (which wraps every callback in an async resource)
      process.nextTick(this.flushAllCb);
    }
  }

  private readonly flushAllCb = (): void => this.flushAll();

  private flushAll(): void {
    this.flushScheduled = false;
    const list = this.pendingFlush;
    this.pendingFlush = [];
    for (const c of list) c.flush();
  }

  /** Output buffer limits for normal and pub/sub clients (replicas are checked by replication). */
  checkOutputLimits(c: Client): void {
    const pending = c.outputPending;
    if (pending === 0) return;
    const cls = c.inPubSub ? 'pubsub' : c.isReplica ? 'replica' : 'normal';
    if (this.outputLimitExceeded(c, cls, pending)) {
      log.warning(
        `Client ${this.clientInfoLine(c)} scheduled to be closed ASAP for overcoming of output buffer limits.`,
      );
      this.stats.clientOutbufLimitDisconnections++;
      c.socket?.destroy();
      c.close();
    }
  }

  /** soft-limit timers per client: client id -> time the soft limit was first exceeded */
  private softLimitSince = new Map<number, number>();

  private outputLimitExceeded(c: Client, cls: string, pending: number): boolean {
    const limits = this.outputBufferLimits(cls);
    if (!limits) return false;
    const [hard, soft, seconds] = limits;
    if (hard > 0 && pending >= hard) return true;
    if (soft > 0 && pending >= soft) {
      const since = this.softLimitSince.get(c.id);
      if (since === undefined) this.softLimitSince.set(c.id, Date.now());
      else if (Date.now() - since >= seconds * 1000) return true;
    } else {
      this.softLimitSince.delete(c.id);
    }
    return false;
  }

  /** [hard, soft, softSeconds] for a client class from client-output-buffer-limit, or null if not configured. */
  outputBufferLimits(cls: string): [number, number, number] | null {
    const d = this.config.directive('client-output-buffer-limit');
    if (!d) return null;
    const words = this.config.get('client-output-buffer-limit').split(' ');
    for (let i = 0; i + 3 < words.length; i += 4) {
      const name = words[i] === 'slave' ? 'replica' : words[i];
      if (name === cls) return [Number(words[i + 1]), Number(words[i + 2]), Number(words[i + 3])];
    }
    return null;
  }

  /** Removes a closing client from every registry. */
  unlinkClient(c: Client): void {
    this.clients.delete(c.id);
    this.softLimitSince.delete(c.id);
    if (c.blocked) this.blocking.unblock(c);
    if (c.watched.length) this.watches.unwatchAll(c);
    if (c.inPubSub) this.pubsub.removeClient(c);
    this.monitors.delete(c);
    for (const hook of this.clientCloseHooks) hook(c);
  }

  readonly clientCloseHooks: ((c: Client) => void)[] = [];

  /** MONITOR line: `+<unix.micro> [<db> <addr>] "arg" ...` */
  feedMonitors(c: Client, argv: readonly Bytes[]): void {
    const t = performance.timeOrigin + performance.now(); // ms with a fractional part
    const micros = String(Math.floor((t * 1000) % 1_000_000)).padStart(6, '0');
    let line = `+${Math.floor(t / 1000)}.${micros} [${c.db.id} ${c.addr}]`;
    for (const a of argv) line += ` ${quoteArg(a)}`;
    for (const m of this.monitors) {
      m.out.raw(`${line}\r\n`);
      m.markPending();
    }
  }

  /** One CLIENT LIST line (shared with logs). */
  clientInfoLine(c: Client): string {
    const now = Date.now();
    let flags = '';
    if (c.isMaster) flags += 'M';
    if (c.isReplica) flags += 'S';
    if (c.isMonitor) flags += 'O';
    if (c.inMulti) flags += 'x';
    if (c.blocked) flags += 'b';
    if (c.dirtyCas) flags += 'd';
    if (c.inPubSub) flags += 'P';
    if (c.closeAfterReply) flags += 'c';
    if (c.unixSocket) flags += 'U';
    if (c.noEvict) flags += 'e';
    if (flags === '') flags = 'N';
    const qbuf = c.parser.pendingBytes;
    const omem = c.outputPending;
    return (
      `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${(c.socket as unknown as { _handle?: { fd?: number } })?._handle?.fd ?? -1} ` +
      `name=${c.name} age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} ` +
      `flags=${flags} db=${c.db.id} sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size} ` +
      `multi=${c.inMulti ? c.multiQueue.length : -1} qbuf=${qbuf} qbuf-free=${Math.max(0, 32768 - qbuf)} argv-mem=0 ` +
      `multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=${omem} tot-mem=${qbuf + omem + 16384} events=r${omem > 0 ? 'w' : ''} ` +
      `cmd=${c.lastCmd.toLowerCase()} user=${c.user} redir=-1 resp=${c.resp}`
    );
  }

  // ---- cron ----------------------------------------------------------------------------------------------------

  /** Loads data (persistence hooks), starts the cron and listens. */
  async start(): Promise<void> {
    for (const hook of this.startupHooks) await hook();
    this.restartCron();
    await this.listeners.open();
    // As Redis 7.0: the dataset is loaded once listening (clients get -LOADING meanwhile), readiness announced after.
    for (const hook of this.loadHooks) await hook();
    this.listeners.announceReady();
  }

  /** run before listening: replication setup */
  readonly startupHooks: (() => Promise<void> | void)[] = [];
  /** run once listening, before "Ready to accept connections": loading the dataset (persistence) */
  readonly loadHooks: (() => Promise<void> | void)[] = [];

  private restartCron(): void {
    if (this.cronTimer) clearInterval(this.cronTimer);
    if (this.shuttingDown) return;
    const hz = Math.min(500, Math.max(1, this.config.num('hz')));
    this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / hz));
    this.cronTimer.unref();
  }

  readonly cronHooks: ((now: number) => void)[] = [];

  private cron(): void {
    const now = Date.now();
    this.clock = now;
    this.stats.sample(now);
    if (this.activeExpireEnabled && this.masterHost === null && this.pauseGate === null) {
      const t0 = performance.now();
      const r = this.expirer.cycle(this.dbs, this.config.num('hz'), this.config.num('active-expire-effort'), now);
      this.stats.expireCycleCpuMs += performance.now() - t0;
      if (r.timeCapReached) this.stats.expiredTimeCapReached++;
    }
    const timeout = this.config.num('timeout');
    if (timeout > 0) {
      for (const c of this.clients.values()) {
        if (c.isMaster || c.isReplica || c.blocked || c.inPubSub) continue;
        if (now - c.lastInteraction > timeout * 1000) {
          log.verbose('Closing idle client');
          c.close();
        }
      }
    }
    for (const hook of this.cronHooks) hook(now);
  }

  /**
   * Runs the shutdown hooks then stops everything. A hook throws to refuse the exit: the server is then left
   * running untouched. The full sequence (logs, replicas, pid file, exit) is shutdownServer() in process.ts.
   */
  async shutdown(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    try {
      for (const hook of this.shutdownHooks) await hook();
    } catch (err) {
      this.shuttingDown = false;
      throw err;
    }
    this.stop();
  }

  /** Final step of a shutdown: no more cron, listeners closed (the socket file removed), clients closed. */
  stop(): void {
    this.shuttingDown = true;
    if (this.cronTimer) clearInterval(this.cronTimer);
    this.listeners.close(true);
    for (const c of [...this.clients.values()]) c.close();
  }
}

function randomHex(n: number): string {
  const bytes = new Uint8Array(n / 2);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('hex');
}

/** Quotes an argument like Redis' sdscatrepr (MONITOR, logs). */
export function quoteArg(s: Bytes): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    switch (ch) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        out += ch >= 0x20 && ch < 0x7f ? s[i] : `\\x${ch.toString(16).padStart(2, '0')}`;
    }
  }
  return `${out}"`;
}
