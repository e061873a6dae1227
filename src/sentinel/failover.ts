/**
 * The failover state machine, run for each master on every timer tick:
 *
 *   wait_start -> select_slave -> send_slaveof_noone -> wait_promotion -> reconf_slaves -> update_config
 *
 * wait_start waits to be elected (or goes on at once for SENTINEL FAILOVER); select_slave picks the replica to
 * promote; send_slaveof_noone sends it REPLICAOF NO ONE; wait_promotion waits for its INFO to say role:master (seen
 * by info.ts, which moves on to reconf_slaves); reconf_slaves points the other replicas at it, parallel-syncs at a
 * time; update_config switches the master record to the new address. Up to wait_promotion a failover can be aborted
 * (not elected in time, no good replica, promotion timed out); after that it always completes.
 */
import { MAX_DESYNC, SIMFAILURE_CRASH_AFTER_ELECTION, type SentinelCore } from './core';
import { askMasterStateToOtherSentinels, discardReply } from './detect';
import { getLeader } from './election';
import {
  type Addr,
  F_FAILOVER_IN_PROGRESS,
  F_FORCE_FAILOVER,
  F_MASTER,
  F_O_DOWN,
  F_PROMOTED,
  F_RECONF_DONE,
  F_RECONF_INPROG,
  F_RECONF_SENT,
  F_S_DOWN,
  FO_NONE,
  FO_RECONF_SLAVES,
  FO_SELECT_SLAVE,
  FO_SEND_SLAVEOF_NOONE,
  FO_UPDATE_CONFIG,
  FO_WAIT_PROMOTION,
  FO_WAIT_START,
  type Instance,
} from './instance';

/**
 * Reconfigures an instance in one transaction: REPLICAOF (NO ONE, or the new master), CONFIG REWRITE so it survives
 * a restart, and CLIENT KILL of normal and pub/sub clients so they reconnect and find out. Replies are ignored: the
 * outcome is observed in later INFO replies. False when the command connection is gone.
 */
export function sendSlaveOf(s: SentinelCore, ri: Instance, addr: Addr | null): boolean {
  const cc = ri.link.cc;
  if (cc === null) return false;
  const host = addr ? s.announceAddr(addr) : 'NO';
  const port = addr ? String(addr.port) : 'ONE';
  const link = ri.link;
  const cmds: string[][] = [
    [s.mapCommand(ri, 'MULTI')],
    [s.mapCommand(ri, 'SLAVEOF'), host, port],
    [s.mapCommand(ri, 'CONFIG'), 'REWRITE'],
    [s.mapCommand(ri, 'CLIENT'), 'KILL', 'TYPE', 'normal'],
    [s.mapCommand(ri, 'CLIENT'), 'KILL', 'TYPE', 'pubsub'],
    [s.mapCommand(ri, 'EXEC')],
  ];
  for (const argv of cmds) {
    if (!cc.send(argv, discardReply(link))) return false;
    link.pendingCommands++;
  }
  return true;
}

/** Enters wait_start with a new epoch (the election epoch). */
export function startFailover(s: SentinelCore, master: Instance): void {
  master.failoverState = FO_WAIT_START;
  master.flags |= F_FAILOVER_IN_PROGRESS;
  master.failoverEpoch = ++s.currentEpoch;
  s.event('warning', '+new-epoch', master, String(s.currentEpoch));
  s.event('warning', '+try-failover', master, '%@');
  master.failoverStartTime = s.now() + s.rand(MAX_DESYNC);
  master.failoverStateChangeTime = s.now();
}

/**
 * Starts a failover of an ODOWN master unless one is running or the previous attempt (ours, or one we voted for)
 * began less than 2 x failover-timeout ago. True when it started.
 */
export function startFailoverIfNeeded(s: SentinelCore, master: Instance): boolean {
  if (!(master.flags & F_O_DOWN)) return false;
  if (master.flags & F_FAILOVER_IN_PROGRESS) return false;
  if (s.now() - master.failoverStartTime < master.failoverTimeout * 2) {
    if (master.failoverDelayLogged !== master.failoverStartTime) {
      const when = new Date(master.failoverStartTime + master.failoverTimeout * 2);
      master.failoverDelayLogged = master.failoverStartTime;
      s.io.log('warning', `Next failover delay: I will not start a failover before ${ctime(when)}`);
    }
    return false;
  }
  startFailover(s, master);
  return true;
}

/**
 * The replica to promote, or null. Candidates must be up (not SDOWN/ODOWN, connected, answered PING within 5 ping
 * periods), promotable (priority > 0), have recent INFO, and not have lost their master link for much longer than
 * the master has been down. Best first: lowest priority, highest replication offset, smallest run id.
 */
export function selectSlave(s: SentinelCore, master: Instance): Instance | null {
  const now = s.now();
  const t = s.timing;
  let maxMasterDownTime = 0;
  if (master.flags & F_S_DOWN) maxMasterDownTime += now - master.sDownSinceTime;
  maxMasterDownTime += master.downAfterPeriod * 10;
  const infoValidity = master.flags & F_S_DOWN ? t.pingPeriod * 5 : t.infoPeriod * 3;
  const candidates: Instance[] = [];
  for (const r of master.slaves.values()) {
    if (r.flags & (F_S_DOWN | F_O_DOWN)) continue;
    if (r.link.disconnected) continue;
    if (now - r.link.lastAvailTime > t.pingPeriod * 5) continue;
    if (r.slavePriority === 0) continue;
    if (now - r.infoRefresh > infoValidity) continue;
    if (r.masterLinkDownTime > maxMasterDownTime) continue;
    candidates.push(r);
  }
  if (candidates.length === 0) return null;
  candidates.sort(compareForPromotion);
  return candidates[0];
}

/** Promotion order: priority ascending, offset descending, run id ascending (case-insensitive; none sorts last). */
export function compareForPromotion(a: Instance, b: Instance): number {
  if (a.slavePriority !== b.slavePriority) return a.slavePriority - b.slavePriority;
  if (a.slaveReplOffset > b.slaveReplOffset) return -1;
  if (a.slaveReplOffset < b.slaveReplOffset) return 1;
  if (a.runid === null && b.runid === null) return 0;
  if (a.runid === null) return 1;
  if (b.runid === null) return -1;
  const x = a.runid.toLowerCase();
  const y = b.runid.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

export function abortFailover(s: SentinelCore, master: Instance): void {
  master.flags &= ~(F_FAILOVER_IN_PROGRESS | F_FORCE_FAILOVER);
  master.failoverState = FO_NONE;
  master.failoverStateChangeTime = s.now();
  if (master.promotedSlave !== null) {
    master.promotedSlave.flags &= ~F_PROMOTED;
    master.promotedSlave = null;
  }
}

function setState(s: SentinelCore, master: Instance, state: number): void {
  master.failoverState = state;
  master.failoverStateChangeTime = s.now();
}

function waitStart(s: SentinelCore, ri: Instance): void {
  const leader = getLeader(s, ri, ri.failoverEpoch);
  const isLeader = leader !== null && leader.toLowerCase() === s.myid.toLowerCase();
  if (!isLeader && !(ri.flags & F_FORCE_FAILOVER)) {
    const electionTimeout = Math.min(s.timing.electionTimeout, ri.failoverTimeout);
    if (s.now() - ri.failoverStartTime > electionTimeout) {
      s.event('warning', '-failover-abort-not-elected', ri, '%@');
      abortFailover(s, ri);
    }
    return;
  }
  s.event('warning', '+elected-leader', ri, '%@');
  if (s.simFailureFlags & SIMFAILURE_CRASH_AFTER_ELECTION) s.io.crash();
  setState(s, ri, FO_SELECT_SLAVE);
  s.event('warning', '+failover-state-select-slave', ri, '%@');
}

function selectSlaveStep(s: SentinelCore, ri: Instance): void {
  const slave = selectSlave(s, ri);
  if (slave === null) {
    s.event('warning', '-failover-abort-no-good-slave', ri, '%@');
    abortFailover(s, ri);
    return;
  }
  s.event('warning', '+selected-slave', slave, '%@');
  slave.flags |= F_PROMOTED;
  ri.promotedSlave = slave;
  setState(s, ri, FO_SEND_SLAVEOF_NOONE);
  s.event('notice', '+failover-state-send-slaveof-noone', slave, '%@');
}

function sendSlaveOfNoOne(s: SentinelCore, ri: Instance): void {
  const promoted = ri.promotedSlave!;
  // A disconnected candidate is retried every tick until the failover timeout.
  if (promoted.link.disconnected) {
    if (s.now() - ri.failoverStateChangeTime > ri.failoverTimeout) {
      s.event('warning', '-failover-abort-slave-timeout', ri, '%@');
      abortFailover(s, ri);
    }
    return;
  }
  if (!sendSlaveOf(s, promoted, null)) return;
  s.event('notice', '+failover-state-wait-promotion', promoted, '%@');
  setState(s, ri, FO_WAIT_PROMOTION);
}

function waitPromotion(s: SentinelCore, ri: Instance): void {
  // The move to reconf_slaves happens when the promoted replica's INFO reports role:master (info.ts).
  if (s.now() - ri.failoverStateChangeTime > ri.failoverTimeout) {
    s.event('warning', '-failover-abort-slave-timeout', ri, '%@');
    abortFailover(s, ri);
  }
}

/**
 * The failover is over when every replica that is not SDOWN has been reconfigured, or when failover-timeout has
 * passed since reconf_slaves began (then the remaining ones get a best-effort REPLICAOF).
 */
function detectEnd(s: SentinelCore, master: Instance): void {
  const promoted = master.promotedSlave;
  if (promoted === null || promoted.flags & F_S_DOWN) return;
  const elapsed = s.now() - master.failoverStateChangeTime;
  let notReconfigured = 0;
  for (const r of master.slaves.values()) {
    if (r.flags & (F_PROMOTED | F_RECONF_DONE)) continue;
    if (r.flags & F_S_DOWN) continue;
    notReconfigured++;
  }
  let timeout = false;
  if (elapsed > master.failoverTimeout) {
    notReconfigured = 0;
    timeout = true;
    s.event('warning', '+failover-end-for-timeout', master, '%@');
  }
  if (notReconfigured === 0) {
    s.event('warning', '+failover-end', master, '%@');
    setState(s, master, FO_UPDATE_CONFIG);
  }
  if (timeout) {
    for (const r of master.slaves.values()) {
      if (r.flags & (F_PROMOTED | F_RECONF_DONE | F_RECONF_SENT)) continue;
      if (r.link.disconnected) continue;
      if (sendSlaveOf(s, r, promoted.addr)) {
        s.event('notice', '+slave-reconf-sent-be', r, '%@');
        r.flags |= F_RECONF_SENT;
      }
    }
  }
}

function reconfNextSlave(s: SentinelCore, master: Instance): void {
  let inProgress = 0;
  for (const r of master.slaves.values()) if (r.flags & (F_RECONF_SENT | F_RECONF_INPROG)) inProgress++;
  for (const r of master.slaves.values()) {
    if (inProgress >= master.parallelSyncs) break;
    if (r.flags & (F_PROMOTED | F_RECONF_DONE)) continue;
    // A replica that never moved on from "sent" is counted as done; a later INFO check fixes it if needed.
    if (r.flags & F_RECONF_SENT && s.now() - r.slaveReconfSentTime > s.timing.slaveReconfTimeout) {
      s.event('notice', '-slave-reconf-sent-timeout', r, '%@');
      r.flags &= ~F_RECONF_SENT;
      r.flags |= F_RECONF_DONE;
    }
    if (r.flags & (F_RECONF_SENT | F_RECONF_INPROG)) continue;
    if (r.link.disconnected) continue;
    if (sendSlaveOf(s, r, master.promotedSlave!.addr)) {
      r.flags |= F_RECONF_SENT;
      r.slaveReconfSentTime = s.now();
      s.event('notice', '+slave-reconf-sent', r, '%@');
      inProgress++;
    }
  }
  detectEnd(s, master);
}

/** update_config: the master record becomes the promoted replica's address. */
export function switchToPromotedSlave(s: SentinelCore, master: Instance): void {
  const ref = master.promotedSlave ?? master;
  s.event(
    'warning',
    '+switch-master',
    master,
    `${master.name} ${s.announceAddr(master.addr)} ${master.addr.port} ${s.announceAddr(ref.addr)} ${ref.addr.port}`,
  );
  s.resetMasterAndChangeAddress(master, ref.addr.hostname, ref.addr.port);
}

export function failoverStateMachine(s: SentinelCore, ri: Instance): void {
  if (!(ri.flags & F_MASTER) || !(ri.flags & F_FAILOVER_IN_PROGRESS)) return;
  switch (ri.failoverState) {
    case FO_WAIT_START:
      waitStart(s, ri);
      break;
    case FO_SELECT_SLAVE:
      selectSlaveStep(s, ri);
      break;
    case FO_SEND_SLAVEOF_NOONE:
      sendSlaveOfNoOne(s, ri);
      break;
    case FO_WAIT_PROMOTION:
      waitPromotion(s, ri);
      break;
    case FO_RECONF_SLAVES:
      reconfNextSlave(s, ri);
      break;
  }
}

/** The acting half of a master's tick: ODOWN, maybe a new failover (with a forced ask), the state machine, asks. */
export function actOnMaster(s: SentinelCore, master: Instance, checkOdown: (m: Instance) => void): void {
  checkOdown(master);
  if (startFailoverIfNeeded(s, master)) askMasterStateToOtherSentinels(s, master, true);
  failoverStateMachine(s, master);
  askMasterStateToOtherSentinels(s, master, false);
}

/** ctime(3)'s "Thu Nov 26 10:00:00 2026" (no newline), for the failover delay log line. */
function ctime(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}
