/**
 * The sentinel's state and the bookkeeping every decision module shares: the monitored masters (each with its
 * replicas and the other sentinels), the epochs, the global options, the timing parameters SENTINEL DEBUG can change,
 * events, and creating / looking up / resetting instance records.
 *
 * Nothing here touches a socket or a timer: effects leave through `io` (logging, publishing events, writing the
 * config file, scripts) and through each link's Channels (commands to instances). The runtime (runtime.ts) provides
 * both; unit tests provide fakes and drive the clock by hand.
 */
import { strerror } from '../config/values';
import { globMatch } from '../store/glob';
import {
  type Addr,
  addrEqual,
  addrOrHostnameEqual,
  closeChannel,
  F_MASTER,
  F_PROMOTED,
  F_SLAVE,
  FO_NONE,
  FO_RECONF_SLAVES,
  F_FAILOVER_IN_PROGRESS,
  hostPort,
  Instance,
  type Link,
  makeAddr,
  resolveIp,
} from './instance';

export type EventLevel = 'debug' | 'verbose' | 'notice' | 'warning';

export interface SentinelIo {
  log(level: EventLevel, msg: string): void;
  /** delivers an event to the sentinel's own Pub/Sub subscribers */
  publish(channel: string, message: string): void;
  /** rewrites the config file with the current state; throws with the reason on failure */
  writeConfig(): void;
  /** queues a notification or client-reconfig script run */
  scheduleScript(path: string, args: string[]): void;
  /** SENTINEL SIMULATE-FAILURE: the process dies on the spot */
  crash(): void;
  /** requirepass of this sentinel (used towards other sentinels when sentinel-pass is not set) */
  requirepass(): string;
  /** the port this sentinel listens on (hello messages) */
  listeningPort(): number;
}

/** The timing parameters (milliseconds) SENTINEL DEBUG shows and changes, with Redis 7.0's defaults. */
export interface Timing {
  infoPeriod: number;
  pingPeriod: number;
  askPeriod: number;
  publishPeriod: number;
  defaultDownAfter: number;
  defaultFailoverTimeout: number;
  tiltTrigger: number;
  tiltPeriod: number;
  slaveReconfTimeout: number;
  minLinkReconnectPeriod: number;
  electionTimeout: number;
  scriptMaxRuntime: number;
  scriptRetryDelay: number;
}

/** SENTINEL DEBUG names, in the order it lists them. */
export const TIMING_NAMES: readonly [string, keyof Timing][] = [
  ['info-period', 'infoPeriod'],
  ['ping-period', 'pingPeriod'],
  ['ask-period', 'askPeriod'],
  ['publish-period', 'publishPeriod'],
  ['default-down-after', 'defaultDownAfter'],
  ['default-failover-timeout', 'defaultFailoverTimeout'],
  ['tilt-trigger', 'tiltTrigger'],
  ['tilt-period', 'tiltPeriod'],
  ['slave-reconf-timeout', 'slaveReconfTimeout'],
  ['min-link-reconnect-period', 'minLinkReconnectPeriod'],
  ['election-timeout', 'electionTimeout'],
  ['script-max-runtime', 'scriptMaxRuntime'],
  ['script-retry-delay', 'scriptRetryDelay'],
];

export function defaultTiming(): Timing {
  return {
    infoPeriod: 10_000,
    pingPeriod: 1000,
    askPeriod: 1000,
    publishPeriod: 2000,
    defaultDownAfter: 30_000,
    defaultFailoverTimeout: 180_000,
    tiltTrigger: 2000,
    tiltPeriod: 30_000,
    slaveReconfTimeout: 10_000,
    minLinkReconnectPeriod: 15_000,
    electionTimeout: 10_000,
    scriptMaxRuntime: 60_000,
    scriptRetryDelay: 30_000,
  };
}

/** INFO refresh period of replicas while their master is in trouble (not adjustable, as in Redis). */
export const FAST_INFO_PERIOD = 1000;
/** random delay added to failover start times so sentinels do not all run for leader at once */
export const MAX_DESYNC = 1000;
export const MAX_PENDING_COMMANDS = 100;

export const SIMFAILURE_CRASH_AFTER_ELECTION = 1 << 0;
export const SIMFAILURE_CRASH_AFTER_PROMOTION = 1 << 1;

export type CreateError = 'EBUSY' | 'EINVAL' | 'ENOENT';

/** The reason text Sentinel gives when an instance record cannot be created. */
export function createErrorText(err: CreateError, kind: number): string {
  if (err === 'EBUSY') {
    if (kind === F_MASTER) return 'Duplicate master name.';
    if (kind === F_SLAVE) return 'Duplicate hostname and port for replica.';
    return 'Duplicate runid for sentinel.';
  }
  return err === 'ENOENT' ? "Can't resolve instance hostname." : 'Invalid port number.';
}

export class SentinelCore {
  myid = '';
  currentEpoch = 0;
  readonly masters = new Map<string, Instance>();
  tilt = false;
  tiltStartTime = 0;
  previousTime: number;
  /** null = use the address of each link's socket; '' is kept as set (CONFIG SET), as Redis does */
  announceIp: string | null = null;
  announcePort = 0;
  simFailureFlags = 0;
  denyScriptsReconfig = true;
  resolveHostnames = false;
  announceHostnames = false;
  sentinelAuthUser: string | null = null;
  sentinelAuthPass: string | null = null;
  readonly timing: Timing = defaultTiming();
  /** clock and randomness, replaceable by tests */
  now: () => number = Date.now;
  rand: (n: number) => number = (n) => Math.floor(Math.random() * n);

  constructor(readonly io: SentinelIo) {
    this.previousTime = this.now();
  }

  // ---- events and persistence ------------------------------------------------------------------------------------

  /**
   * Logs and publishes an event. A format starting with "%@" is prefixed with the instance description
   * ("master <name> <ip> <port>", "slave <ip:port> <ip> <port> @ <master> <ip> <port>", ...). Debug events are only
   * logged; warnings also run the master's notification script.
   */
  event(level: EventLevel, type: string, ri: Instance | null, fmt: string): void {
    let msg = fmt;
    if (ri !== null && fmt.startsWith('%@')) msg = this.describe(ri) + fmt.slice(2);
    this.io.log(level, `${type} ${msg}`);
    if (level !== 'debug') this.io.publish(type, msg);
    if (level === 'warning' && ri !== null) {
      const master = ri.owner;
      if (master.notificationScript) this.io.scheduleScript(master.notificationScript, [type, msg]);
    }
  }

  describe(ri: Instance): string {
    const self = `${ri.typeName} ${ri.name} ${this.announceAddr(ri.addr)} ${ri.addr.port}`;
    const m = ri.master;
    return m ? `${self} @ ${m.name} ${this.announceAddr(m.addr)} ${m.addr.port}` : self;
  }

  /** Rewrites the config file; logs the outcome. False when it could not be written. */
  flushConfig(): boolean {
    try {
      this.io.writeConfig();
    } catch (err) {
      this.io.log(
        'warning',
        `WARNING: Sentinel was not able to save the new configuration on disk!!!: ${errText(err)}`,
      );
      return false;
    }
    this.io.log('notice', 'Sentinel new configuration saved on disk');
    return true;
  }

  /** client-reconfig-script <master> <leader|observer> <state> <from-ip> <from-port> <to-ip> <to-port> */
  callClientReconfScript(master: Instance, role: 'leader' | 'observer', state: string, from: Addr, to: Addr): void {
    if (master.clientReconfigScript === null) return;
    this.io.scheduleScript(master.clientReconfigScript, [
      master.name,
      role,
      state,
      this.announceAddr(from),
      String(from.port),
      this.announceAddr(to),
      String(to.port),
    ]);
  }

  // ---- addresses -------------------------------------------------------------------------------------------------

  announceAddr(a: Addr): string {
    return this.announceHostnames ? a.hostname : a.ip;
  }

  /** Whether `host` names the same address as `a` (a replica's master_host against our master). */
  addrEqualsHostname(a: Addr, host: string): boolean {
    const ip = resolveIp(host, this.resolveHostnames);
    return ip !== null && ip.toLowerCase() === a.ip.toLowerCase();
  }

  /** The address clients should use: the promoted replica once the failover reached the reconfiguration phase. */
  currentMasterAddress(master: Instance): Addr {
    if (
      master.flags & F_FAILOVER_IN_PROGRESS &&
      master.promotedSlave !== null &&
      master.failoverState >= FO_RECONF_SLAVES
    ) {
      return master.promotedSlave.addr;
    }
    return master.addr;
  }

  /** Applies the master's rename-command table to a command name sent to it, its replicas or its sentinels. */
  mapCommand(ri: Instance, name: string): string {
    const r = ri.owner.renamedCommands.get(name.toLowerCase());
    return r ? r[1] : name;
  }

  // ---- records ---------------------------------------------------------------------------------------------------

  getMaster(name: string): Instance | undefined {
    return this.masters.get(name);
  }

  /**
   * Creates a record in the right table (masters, a master's replicas or its sentinels). Replicas are named by
   * address; the others by the given name. A hostname that cannot be resolved is kept only with resolve-hostnames.
   */
  createInstance(
    kind: number,
    name: string | null,
    host: string,
    port: number,
    quorum: number,
    master: Instance | null,
  ): Instance | CreateError {
    let addr = makeAddr(host, port, this.resolveHostnames);
    if (addr === 'ENOENT') {
      this.io.log('warning', `Failed to resolve hostname '${host}'`);
      if (!this.resolveHostnames) return 'ENOENT';
      addr = { hostname: host, ip: '', port };
    }
    if (addr === 'EINVAL') return 'EINVAL';
    const recName = kind === F_SLAVE ? hostPort(this.announceAddr(addr), port) : (name ?? '');
    const table = kind === F_MASTER ? this.masters : kind === F_SLAVE ? master!.slaves : master!.sentinels;
    if (table.has(recName)) return 'EBUSY';
    const ri = new Instance(
      kind,
      recName,
      addr,
      master,
      quorum,
      { downAfter: this.timing.defaultDownAfter, failoverTimeout: this.timing.defaultFailoverTimeout },
      this.now(),
    );
    table.set(recName, ri);
    return ri;
  }

  lookupSlave(master: Instance, host: string, port: number): Instance | undefined {
    const addr = makeAddr(host, port, this.resolveHostnames);
    if (typeof addr === 'string') return undefined;
    return master.slaves.get(hostPort(this.announceAddr(addr), port));
  }

  /** First instance matching the address (when given) and the run id (when given). */
  findInstance(
    instances: Map<string, Instance>,
    host: string | null,
    port: number,
    runid: string | null,
  ): Instance | undefined {
    let want: Addr | null = null;
    if (host !== null) {
      const a = makeAddr(host, port, this.resolveHostnames);
      if (typeof a === 'string') {
        if (a === 'ENOENT') this.io.log('warning', `Failed to resolve hostname '${host}'`);
        return undefined;
      }
      want = a;
    }
    for (const ri of instances.values()) {
      if (runid !== null && ri.runid === null) continue;
      if ((runid === null || ri.runid === runid) && (want === null || addrOrHostnameEqual(ri.addr, want))) return ri;
    }
    return undefined;
  }

  /** Forgets a record: its links close when no other record shares them. */
  releaseInstance(ri: Instance): void {
    for (const s of ri.slaves.values()) this.releaseInstance(s);
    for (const s of ri.sentinels.values()) this.releaseInstance(s);
    ri.slaves.clear();
    ri.sentinels.clear();
    releaseLink(ri.link);
    if (ri.flags & F_SLAVE && ri.flags & F_PROMOTED && ri.master) ri.master.promotedSlave = null;
  }

  removeMaster(name: string): void {
    const ri = this.masters.get(name);
    if (!ri) return;
    this.masters.delete(name);
    this.releaseInstance(ri);
  }

  /** Removes the sentinels of `master` that carry `runid`; returns how many. */
  removeMatchingSentinel(master: Instance, runid: string): number {
    let removed = 0;
    for (const [name, ri] of [...master.sentinels]) {
      if (ri.runid === runid) {
        master.sentinels.delete(name);
        this.releaseInstance(ri);
        removed++;
      }
    }
    return removed;
  }

  /** A sentinel seen for several masters is one peer: its records share the first link found. */
  tryConnectionSharing(si: Instance): boolean {
    if (si.runid === null || si.link.refcount > 1) return false;
    for (const master of this.masters.values()) {
      if (master === si.master) continue;
      const match = this.findInstance(master.sentinels, null, 0, si.runid);
      if (!match || match === si) continue;
      releaseLink(si.link);
      si.link = match.link;
      match.link.refcount++;
      return true;
    }
    return false;
  }

  /** After a sentinel changed address: every record of it (other masters) moves too, and reconnects. */
  updateSentinelAddressInAllMasters(si: Instance): number {
    let reconfigured = 0;
    for (const master of this.masters.values()) {
      const match = this.findInstance(master.sentinels, null, 0, si.runid);
      if (!match) continue;
      closeChannel(match.link, match.link.cc);
      closeChannel(match.link, match.link.pc);
      if (match === si) continue;
      match.addr = { ...si.addr };
      reconfigured++;
    }
    if (reconfigured)
      this.event('notice', '+sentinel-address-update', si, `%@ ${reconfigured} additional matching instances`);
    return reconfigured;
  }

  /** Closes the connections to a master and its replicas (new credentials apply on reconnection). */
  dropInstanceConnections(master: Instance): void {
    closeChannel(master.link, master.link.cc);
    closeChannel(master.link, master.link.pc);
    for (const r of master.slaves.values()) {
      closeChannel(r.link, r.link.cc);
      closeChannel(r.link, r.link.pc);
    }
  }

  /** Closes every connection to other sentinels (sentinel-user / sentinel-pass changed). */
  dropSentinelConnections(): number {
    let dropped = 0;
    for (const master of this.masters.values()) {
      for (const si of master.sentinels.values()) {
        if (!si.link.disconnected) {
          closeChannel(si.link, si.link.pc);
          closeChannel(si.link, si.link.cc);
          dropped++;
        }
      }
    }
    return dropped;
  }

  propagateDownAfterPeriod(master: Instance): void {
    for (const r of master.slaves.values()) r.downAfterPeriod = master.downAfterPeriod;
    for (const s of master.sentinels.values()) s.downAfterPeriod = master.downAfterPeriod;
  }

  /** No SDOWN/ODOWN started within the last `ms` (or never). */
  noDownFor(ri: Instance, ms: number): boolean {
    const mostRecent = Math.max(ri.sDownSinceTime, ri.oDownSinceTime);
    return mostRecent === 0 || this.now() - mostRecent > ms;
  }

  // ---- resets ----------------------------------------------------------------------------------------------------

  /** Forgets the replicas (and the sentinels unless told otherwise) and any failover, and reconnects. */
  resetMaster(ri: Instance, opts: { keepSentinels?: boolean; event?: boolean }): void {
    for (const s of ri.slaves.values()) this.releaseInstance(s);
    ri.slaves.clear();
    if (!opts.keepSentinels) {
      for (const s of ri.sentinels.values()) this.releaseInstance(s);
      ri.sentinels.clear();
    }
    closeChannel(ri.link, ri.link.cc);
    closeChannel(ri.link, ri.link.pc);
    ri.flags &= F_MASTER;
    ri.leader = null;
    ri.failoverState = FO_NONE;
    ri.failoverStateChangeTime = 0;
    ri.failoverStartTime = 0; // a new failover may start at once
    ri.promotedSlave = null;
    ri.runid = null;
    ri.slaveMasterHost = null;
    const now = this.now();
    ri.link.actPingTime = now;
    ri.link.lastPingTime = 0;
    ri.link.lastAvailTime = now;
    ri.link.lastPongTime = now;
    ri.roleReportedTime = now;
    ri.roleReported = F_MASTER;
    if (opts.event) this.event('warning', '+reset-master', ri, '%@');
  }

  /** SENTINEL RESET <pattern>: returns how many masters matched. */
  resetMastersByPattern(pattern: string): number {
    let n = 0;
    for (const ri of this.masters.values()) {
      if (globMatch(pattern, ri.name)) {
        this.resetMaster(ri, { event: true });
        n++;
      }
    }
    return n;
  }

  /**
   * The master moved (failover, or a newer configuration heard from another sentinel): reset it at the new address;
   * its other replicas and the old master address become its known replicas.
   */
  resetMasterAndChangeAddress(master: Instance, host: string, port: number): boolean {
    const newAddr = makeAddr(host, port, this.resolveHostnames);
    if (typeof newAddr === 'string') return false;
    const replicas: Addr[] = [];
    for (const r of master.slaves.values()) if (!addrEqual(r.addr, newAddr)) replicas.push({ ...r.addr });
    if (!addrEqual(newAddr, master.addr)) replicas.push({ ...master.addr });
    this.resetMaster(master, { keepSentinels: true });
    master.addr = newAddr;
    master.oDownSinceTime = 0;
    master.sDownSinceTime = 0;
    for (const a of replicas) {
      const r = this.createInstance(F_SLAVE, null, a.hostname, a.port, master.quorum, master);
      if (typeof r !== 'string') this.event('notice', '+slave', r, '%@');
    }
    this.flushConfig();
    return true;
  }
}

/** One user less of a link; the last one closes its connections. */
export function releaseLink(link: Link): void {
  link.refcount--;
  if (link.refcount > 0) return;
  closeChannel(link, link.cc);
  closeChannel(link, link.pc);
}

export function errText(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ? strerror(err) : String((err as Error)?.message ?? err);
}
