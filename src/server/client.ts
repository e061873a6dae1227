/**
 * One client connection (or an internal pseudo-client such as the replication link from a master). It owns the
 * request parser and the reply writer, and carries the per-connection state commands look at: selected db, RESP
 * version, auth, MULTI queue, watched keys, subscriptions and blocking state.
 */
import type { Socket } from 'node:net';
import type { CommandEntry } from '../commands/command';
import type { Bytes } from '../protocol/bytes';
import { RespParser } from '../protocol/resp-parser';
import { ReplyWriter } from '../protocol/resp-writer';
import type { Db } from '../store/db';
import type { AclUser } from './acl';
import { log } from './log';
import type { Server } from './server';
import type { DirectIO } from './socket-io';

export interface BlockState {
  /** db the keys belong to */
  db: Db;
  keys: Bytes[];
  /** absolute ms deadline, 0 = forever */
  deadline: number;
  timer: NodeJS.Timeout | null;
  /** reply written when the timeout fires (null array for pops, null bulk for BLMOVE...) */
  onTimeout: (c: Client) => void;
}

export interface QueuedCommand {
  entry: CommandEntry;
  argv: Bytes[];
}

export class Client {
  readonly id: number;
  readonly out = new ReplyWriter();
  readonly parser: RespParser;
  argv: Bytes[] = [];
  /** command being executed (set by dispatch) */
  cmd: CommandEntry | null = null;
  db: Db;
  name = '';
  libName = '';
  libVer = '';
  user = 'default';
  authenticated: boolean;
  /** ACL user the connection runs as; null for the superuser (the master link) */
  aclUser: AclUser | null;
  /** its user may run anything, so dispatch skips the ACL check (kept in step by the ACL registry) */
  unrestricted: boolean;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  /** last command name for CLIENT LIST */
  lastCmd = 'NULL';

  // flags
  closeAfterReply = false;
  closed = false;
  /** pseudo-client applying a master's replication stream: its replies are discarded, its writes always allowed */
  isMaster = false;
  /** connection is a replica of ours (after SYNC/PSYNC): handled by replication */
  isReplica = false;
  isMonitor = false;
  /** connected through the unix socket (CLIENT LIST flag U; always local) */
  unixSocket = false;
  noEvict = false;

  // MULTI/EXEC
  inMulti = false;
  multiQueue: QueuedCommand[] = [];
  /** an error happened while queueing: EXEC must abort */
  multiError = false;
  /** a WATCHed key was touched: EXEC must fail */
  dirtyCas = false;
  /** keys this client WATCHes */
  watched: { db: Db; key: Bytes }[] = [];
  /** executing EXEC's queued commands (blocking commands must not block) */
  inExec = false;

  // pub/sub
  readonly channels = new Set<Bytes>();
  readonly patterns = new Set<Bytes>();
  /** SSUBSCRIBE channels (counted apart from the others in replies, but they keep the pub/sub context too) */
  readonly shardChannels = new Set<Bytes>();

  // blocking
  blocked: BlockState | null = null;
  /** true while dispatch re-runs a blocked command because one of its keys became ready */
  retryingBlocked = false;

  /** replication offset right after this client's last write that reached the stream (WAIT) */
  woff = 0;

  /** argv to propagate instead of the executed one (rewrites such as SPOP -> SREM), set by the handler */
  propagateArgv: Bytes[] | null = null;
  /** set when the handler propagated its effect itself (e.g. several commands), so dispatch adds nothing */
  propagateHandled = false;

  /** replies are waiting for flush() (scheduled, or done by the server at the end of this client's read) */
  flushPending = false;
  /** handle-level reads and writes (socket-io.ts), or null when the socket's stream API is used */
  io: DirectIO | null = null;

  constructor(
    readonly srv: Server,
    readonly socket: Socket | null,
    readonly addr: string,
    readonly laddr: string,
  ) {
    this.id = srv.nextClientId++;
    this.db = srv.dbs[0];
    this.authenticated = !srv.authRequired();
    this.aclUser = srv.acl.defaultUser;
    this.unrestricted = this.aclUser.unrestricted;
    this.parser = new RespParser({
      maxBulkLen: srv.config.num('proto-max-bulk-len'),
      authRequired: !this.authenticated,
    });
  }

  get resp(): 2 | 3 {
    return this.out.resp;
  }
  set resp(v: 2 | 3) {
    this.out.resp = v;
  }

  get inPubSub(): boolean {
    return this.channels.size + this.patterns.size + this.shardChannels.size > 0;
  }

  /**
   * Authenticated as `user`: by default its ACL user, or none for '(superuser)' (the master link: no ACL check at
   * all, as Redis' user-less clients).
   */
  setAuthenticated(user: string, acl: AclUser | null = this.defaultAclUser(user)): void {
    this.authenticated = true;
    this.user = user;
    this.aclUser = acl;
    this.unrestricted = acl === null || acl.unrestricted;
    this.parser.limits.authRequired = false;
  }

  private defaultAclUser(user: string): AclUser | null {
    if (user === '(superuser)') return null;
    const acl = this.srv.acl;
    return acl.users.get(user) ?? acl.defaultUser;
  }

  /** Error reply; counted in INFO errorstats and as a failed call of the running command. */
  error(msg: string): void {
    this.srv.stats.countError(msg);
    if (this.cmd) this.cmd.failedCalls++;
    this.out.error(msg);
    this.markPending();
  }

  ok(): void {
    this.out.ok();
  }

  // Common error replies, exact Redis 7.0 text.
  wrongType(): void {
    this.error('WRONGTYPE Operation against a key holding the wrong kind of value');
  }
  syntaxError(): void {
    this.error('ERR syntax error');
  }
  notInteger(): void {
    this.error('ERR value is not an integer or out of range');
  }
  notFloat(): void {
    this.error('ERR value is not a valid float');
  }
  wrongArity(): void {
    this.error(`ERR wrong number of arguments for '${this.cmd?.fullName ?? this.argv[0]}' command`);
  }

  /** Schedules this client's pending replies to be written at the end of the current event-loop turn. */
  markPending(): void {
    if (!this.flushPending && this.socket !== null) {
      this.flushPending = true;
      if (this.srv.readingClient === this) return;
      this.srv.scheduleFlush(this);
    }
  }

  /** Writes pending replies to the socket (one write() per turn). */
  flush(): void {
    this.flushPending = false;
    const data = this.out.take();
    if (this.closed || this.socket === null) return;
    if (data !== null && this.isReplica) {
      // A replica link carries the replication stream only: a reply would corrupt it, so Redis drops such a replica.
      log.warning(
        `Replica generated a reply to command '${this.lastCmd.toLowerCase()}', disconnecting it: ${this.srv.clientInfoLine(this)}`,
      );
      this.close();
      return;
    }
    if (data !== null && !this.isMaster) {
      if (this.io !== null) this.io.write(data);
      else this.socket.write(data);
    }
    if (this.closeAfterReply) this.close();
    else if (data !== null) this.srv.checkOutputLimits(this);
  }

  /** Reply bytes written to the socket but not yet taken by the kernel (output buffer limits, CLIENT LIST omem). */
  get outputPending(): number {
    const s = this.socket;
    if (s === null) return 0;
    return this.io !== null ? this.io.pending + s.writableLength : s.writableLength;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.srv.unlinkClient(this);
    if (this.socket) {
      const data = this.out.take();
      if (data !== null && !this.isMaster) this.socket.end(data);
      else this.socket.end();
      // A peer that never reads would keep the socket half-open; give it a moment then destroy.
      setTimeout(() => this.socket?.destroy(), 1000).unref();
    }
  }
}
