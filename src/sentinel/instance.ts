/**
 * What a sentinel knows about each instance it watches: monitored masters, their replicas and the other sentinels
 * that watch the same masters. One record type serves the three kinds (the flags tell which), as in redis-sentinel,
 * so the fields and timers below keep the meaning SENTINEL MASTER / REPLICAS / SENTINELS report.
 *
 * The link (connections and their timers) is separate from the record because a sentinel watching several of the
 * same masters as us is one peer: its records share one link.
 */
import net from 'node:net';
import type { Reply } from './reply';

// ---- flags (the order of SENTINEL MASTER's "flags" field follows FLAG_NAMES) ----------------------------------------
export const F_MASTER = 1 << 0;
export const F_SLAVE = 1 << 1;
export const F_SENTINEL = 1 << 2;
export const F_S_DOWN = 1 << 3;
export const F_O_DOWN = 1 << 4;
/** another sentinel's last is-master-down-by-addr reply said the master is down */
export const F_MASTER_DOWN = 1 << 5;
export const F_FAILOVER_IN_PROGRESS = 1 << 6;
/** the replica chosen for promotion */
export const F_PROMOTED = 1 << 7;
export const F_RECONF_SENT = 1 << 8;
export const F_RECONF_INPROG = 1 << 9;
export const F_RECONF_DONE = 1 << 10;
/** SENTINEL FAILOVER: no ODOWN nor election needed */
export const F_FORCE_FAILOVER = 1 << 11;
export const F_SCRIPT_KILL_SENT = 1 << 12;
/** the master restarted (new run id) and master-reboot-down-after-period is set */
export const F_MASTER_REBOOT = 1 << 13;

/** SENTINEL MASTER's flags field is built in this order; "disconnected" comes from the link. */
const FLAG_NAMES: readonly [number, string][] = [
  [F_S_DOWN, 's_down'],
  [F_O_DOWN, 'o_down'],
  [F_MASTER, 'master'],
  [F_SLAVE, 'slave'],
  [F_SENTINEL, 'sentinel'],
  [0, 'disconnected'],
  [F_MASTER_DOWN, 'master_down'],
  [F_FAILOVER_IN_PROGRESS, 'failover_in_progress'],
  [F_PROMOTED, 'promoted'],
  [F_RECONF_SENT, 'reconf_sent'],
  [F_RECONF_INPROG, 'reconf_inprog'],
  [F_RECONF_DONE, 'reconf_done'],
  [F_FORCE_FAILOVER, 'force_failover'],
  [F_SCRIPT_KILL_SENT, 'script_kill_sent'],
];

// ---- failover states -----------------------------------------------------------------------------------------------
export const FO_NONE = 0;
export const FO_WAIT_START = 1;
export const FO_SELECT_SLAVE = 2;
export const FO_SEND_SLAVEOF_NOONE = 3;
export const FO_WAIT_PROMOTION = 4;
export const FO_RECONF_SLAVES = 5;
export const FO_UPDATE_CONFIG = 6;
export const FAILOVER_STATE_NAMES = [
  'none',
  'wait_start',
  'select_slave',
  'send_slaveof_noone',
  'wait_promotion',
  'reconf_slaves',
  'update_config',
] as const;

export const DEFAULT_SLAVE_PRIORITY = 100;
export const DEFAULT_PARALLEL_SYNCS = 1;

/** An instance address: the host as configured, the address used (same unless a hostname was resolved), the port. */
export interface Addr {
  hostname: string;
  ip: string;
  port: number;
}

export type AddrError = 'EINVAL' | 'ENOENT';

/**
 * Builds an address the way Sentinel validates them: the port must be 0..65535; without resolve-hostnames only IP
 * literals are accepted. With resolve-hostnames a name is kept as given and resolved by the connection itself
 * ("localhost" is mapped up front so reports show an address).
 */
export function makeAddr(hostname: string, port: number, resolveHostnames: boolean): Addr | AddrError {
  if (!Number.isInteger(port) || port < 0 || port > 65535) return 'EINVAL';
  const ip = resolveIp(hostname, resolveHostnames);
  if (ip === null) return 'ENOENT';
  return { hostname, ip, port };
}

/** The address a host string stands for, or null when it is not acceptable. */
export function resolveIp(hostname: string, resolveHostnames: boolean): string | null {
  const kind = net.isIP(hostname);
  if (kind === 4) return hostname;
  if (kind === 6) return hostname.toLowerCase();
  if (!resolveHostnames || hostname === '') return null;
  return hostname.toLowerCase() === 'localhost' ? '127.0.0.1' : hostname;
}

export function addrEqual(a: Addr, b: Addr): boolean {
  return a.port === b.port && a.ip.toLowerCase() === b.ip.toLowerCase();
}

export function addrOrHostnameEqual(a: Addr, b: Addr): boolean {
  return a.port === b.port && (a.ip === b.ip || a.hostname.toLowerCase() === b.hostname.toLowerCase());
}

/**
 * A connection of a link, as the decision logic sees it: queue a command (false when the connection is gone), close
 * it, and the local address (for hello messages). links.ts implements it over a socket; unit tests fake it.
 */
export interface Channel {
  send(argv: readonly string[], onReply: ((r: Reply | null) => void) | null): boolean;
  close(): void;
  localAddress(): string | undefined;
}

/** The connections to an instance and their timers (redis-sentinel's instanceLink). */
export class Link {
  refcount = 1;
  /** true until both connections exist (the command connection alone for sentinels) */
  disconnected = true;
  pendingCommands = 0;
  /** command connection */
  cc: Channel | null = null;
  /** pub/sub connection (masters and replicas only) */
  pc: Channel | null = null;
  ccConnTime = 0;
  pcConnTime = 0;
  lastReconnTime = 0;
  pcLastActivity = 0;
  /** time of the oldest PING still unanswered (0 = none pending) */
  actPingTime: number;
  lastPingTime = 0;
  /** last PONG, LOADING or MASTERDOWN reply */
  lastAvailTime: number;
  /** last reply of any kind to a PING */
  lastPongTime: number;

  constructor(now: number) {
    // A link that never connected counts as "pinged now": the instance goes SDOWN if it never answers.
    this.actPingTime = now;
    this.lastAvailTime = now;
    this.lastPongTime = now;
  }
}

/** Drops one connection of a link (redis-sentinel's instanceLinkCloseConnection). */
export function closeChannel(link: Link, ch: Channel | null): void {
  if (ch === null) return;
  if (link.cc === ch) {
    link.cc = null;
    link.pendingCommands = 0;
  }
  if (link.pc === ch) link.pc = null;
  link.disconnected = true;
  ch.close();
}

export class Instance {
  flags: number;
  /** masters: the configured name; replicas: "ip:port"; sentinels: their run id */
  readonly name: string;
  runid: string | null = null;
  configEpoch = 0;
  addr: Addr;
  link: Link;
  lastPubTime: number;
  lastHelloTime: number;
  lastMasterDownReplyTime: number;
  sDownSinceTime = 0;
  oDownSinceTime = 0;
  downAfterPeriod: number;
  masterRebootDownAfterPeriod = 0;
  masterRebootSinceTime = 0;

  // replica facts from INFO
  masterLinkDownTime = 0;
  slavePriority = DEFAULT_SLAVE_PRIORITY;
  replicaAnnounced = 1;
  slaveReconfSentTime = 0;
  slaveMasterHost: string | null = null;
  slaveMasterPort = 0;
  slaveMasterLinkUp = false;
  slaveReplOffset = 0;

  // master-only configuration and state
  authPass: string | null = null;
  authUser: string | null = null;
  readonly sentinels = new Map<string, Instance>();
  readonly slaves = new Map<string, Instance>();
  quorum: number;
  parallelSyncs = DEFAULT_PARALLEL_SYNCS;
  /** rename-command: lower-case original -> [original as written, new name] */
  readonly renamedCommands = new Map<string, [string, string]>();
  notificationScript: string | null = null;
  clientReconfigScript: string | null = null;
  /** master: whom we voted for; sentinel: whom that sentinel told us it voted for */
  leader: string | null = null;
  leaderEpoch = 0;
  failoverEpoch = 0;
  failoverState = FO_NONE;
  failoverStateChangeTime = 0;
  failoverStartTime = 0;
  failoverTimeout: number;
  failoverDelayLogged = 0;
  promotedSlave: Instance | null = null;

  /** last INFO reply and when it came (0 = never) */
  info: string | null = null;
  infoRefresh = 0;
  /** F_MASTER or F_SLAVE as the instance itself last reported */
  roleReported: number;
  roleReportedTime: number;
  slaveConfChangeTime: number;

  constructor(
    flags: number,
    name: string,
    addr: Addr,
    readonly master: Instance | null,
    quorum: number,
    defaults: { downAfter: number; failoverTimeout: number },
    now: number,
  ) {
    this.flags = flags;
    this.name = name;
    this.addr = addr;
    this.link = new Link(now);
    this.lastPubTime = now;
    this.lastHelloTime = now;
    this.lastMasterDownReplyTime = now;
    this.downAfterPeriod = master ? master.downAfterPeriod : defaults.downAfter;
    this.quorum = quorum;
    this.failoverTimeout = defaults.failoverTimeout;
    this.roleReported = flags & (F_MASTER | F_SLAVE);
    this.roleReportedTime = now;
    this.slaveConfChangeTime = now;
  }

  get isMaster(): boolean {
    return (this.flags & F_MASTER) !== 0;
  }
  get isSlave(): boolean {
    return (this.flags & F_SLAVE) !== 0;
  }
  get isSentinel(): boolean {
    return (this.flags & F_SENTINEL) !== 0;
  }

  /** "master" / "slave" / "sentinel", as events and replies name the kinds. */
  get typeName(): string {
    return this.isMaster ? 'master' : this.isSlave ? 'slave' : 'sentinel';
  }

  /** The master this record belongs to (itself for a master). */
  get owner(): Instance {
    return this.master ?? this;
  }

  /** The flags field of SENTINEL MASTER / REPLICAS / SENTINELS. */
  flagsText(): string {
    const out: string[] = [];
    for (const [bit, name] of FLAG_NAMES) {
      if (bit === 0 ? this.link.disconnected : (this.flags & bit) !== 0) out.push(name);
    }
    return out.join(',');
  }
}

/** "ip:port", with brackets around IPv6 addresses (replica names, INFO lines). */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
