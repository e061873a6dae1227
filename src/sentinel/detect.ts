/**
 * Failure detection. SDOWN is each sentinel's own opinion (no valid PING reply for down-after-milliseconds, or a
 * master that keeps reporting itself as a replica); ODOWN is a master SDOWN here and reported down by enough other
 * sentinels (their replies to SENTINEL is-master-down-by-addr) to reach its quorum. The same replies carry votes
 * once a failover is being started (election.ts).
 */
import type { SentinelCore } from './core';
import {
  closeChannel,
  F_MASTER,
  F_MASTER_DOWN,
  F_MASTER_REBOOT,
  F_O_DOWN,
  F_S_DOWN,
  F_SCRIPT_KILL_SENT,
  F_SLAVE,
  FO_NONE,
  type Instance,
  type Link,
} from './instance';
import type { Reply } from './reply';

/** Callback for commands whose reply does not matter: only the pending count moves. */
export function discardReply(link: Link): (r: Reply | null) => void {
  return (r) => {
    if (r !== null) link.pendingCommands--;
  };
}

/**
 * Handles a reply to our PING: PONG, LOADING and MASTERDOWN mean the instance is alive (resets the down timer); any
 * reply at all counts as "a reply". A script stuck in BUSY on an SDOWN instance gets one SCRIPT KILL.
 */
export function onPingReply(s: SentinelCore, ri: Instance, r: Reply): void {
  const link = ri.link;
  if (r.t === 'status' || r.t === 'error') {
    const text = r.v;
    if (text.startsWith('PONG') || text.startsWith('LOADING') || text.startsWith('MASTERDOWN')) {
      link.lastAvailTime = s.now();
      link.actPingTime = 0;
      if (ri.flags & F_MASTER_REBOOT && text.startsWith('PONG')) ri.flags &= ~F_MASTER_REBOOT;
    } else if (text.startsWith('BUSY') && ri.flags & F_S_DOWN && !(ri.flags & F_SCRIPT_KILL_SENT)) {
      if (link.cc?.send([s.mapCommand(ri, 'SCRIPT'), 'KILL'], discardReply(link))) link.pendingCommands++;
      ri.flags |= F_SCRIPT_KILL_SENT;
    }
  }
  link.lastPongTime = s.now();
}

/** Queues a PING on the command connection. */
export function sendPing(s: SentinelCore, ri: Instance): boolean {
  const link = ri.link;
  const ok = link.cc?.send([s.mapCommand(ri, 'PING')], (r) => {
    if (r === null) return;
    link.pendingCommands--;
    onPingReply(s, ri, r);
  });
  if (!ok) return false;
  link.pendingCommands++;
  link.lastPingTime = s.now();
  if (link.actPingTime === 0) link.actPingTime = link.lastPingTime;
  return true;
}

/**
 * Updates the SDOWN flag of any instance, and recycles connections that look stuck: a command connection older than
 * the minimum reconnect period whose PING has gone unanswered for half of down-after, or a pub/sub connection that
 * has been silent for three hello periods (we receive our own hellos, so silence means trouble).
 */
export function checkSubjectivelyDown(s: SentinelCore, ri: Instance): void {
  const now = s.now();
  const link = ri.link;
  const t = s.timing;
  let elapsed = 0;
  if (link.actPingTime) elapsed = now - link.actPingTime;
  else if (link.disconnected) elapsed = now - link.lastAvailTime;

  if (
    link.cc !== null &&
    now - link.ccConnTime > t.minLinkReconnectPeriod &&
    link.actPingTime !== 0 &&
    now - link.actPingTime > ri.downAfterPeriod / 2 &&
    now - link.lastPongTime > ri.downAfterPeriod / 2
  ) {
    closeChannel(link, link.cc);
  }
  if (
    link.pc !== null &&
    now - link.pcConnTime > t.minLinkReconnectPeriod &&
    now - link.pcLastActivity > t.publishPeriod * 3
  ) {
    closeChannel(link, link.pc);
  }

  const down =
    elapsed > ri.downAfterPeriod ||
    (ri.flags & F_MASTER &&
      ri.roleReported === F_SLAVE &&
      now - ri.roleReportedTime > ri.downAfterPeriod + t.infoPeriod * 2) ||
    (ri.flags & F_MASTER_REBOOT && now - ri.masterRebootSinceTime > ri.masterRebootDownAfterPeriod);
  if (down) {
    if (!(ri.flags & F_S_DOWN)) {
      s.event('warning', '+sdown', ri, '%@');
      ri.sDownSinceTime = now;
      ri.flags |= F_S_DOWN;
    }
  } else if (ri.flags & F_S_DOWN) {
    s.event('warning', '-sdown', ri, '%@');
    ri.flags &= ~(F_S_DOWN | F_SCRIPT_KILL_SENT);
  }
}

/** Sets or clears ODOWN on a master: SDOWN here, and down for at least `quorum` sentinels counting this one. */
export function checkObjectivelyDown(s: SentinelCore, master: Instance): void {
  let quorum = 0;
  let odown = false;
  if (master.flags & F_S_DOWN) {
    quorum = 1;
    for (const si of master.sentinels.values()) if (si.flags & F_MASTER_DOWN) quorum++;
    if (quorum >= master.quorum) odown = true;
  }
  if (odown) {
    if (!(master.flags & F_O_DOWN)) {
      s.event('warning', '+odown', master, `%@ #quorum ${quorum}/${master.quorum}`);
      master.flags |= F_O_DOWN;
      master.oDownSinceTime = s.now();
    }
  } else if (master.flags & F_O_DOWN) {
    s.event('warning', '-odown', master, '%@');
    master.flags &= ~F_O_DOWN;
  }
}

/**
 * Asks the other sentinels whether they see the master down (and, once a failover started, for their vote). Old
 * answers (5 ask periods) are forgotten first. Only while the master is SDOWN here; `forced` skips the per-sentinel
 * ask period (right after a failover starts).
 */
export function askMasterStateToOtherSentinels(s: SentinelCore, master: Instance, forced: boolean): void {
  const now = s.now();
  for (const si of master.sentinels.values()) {
    const elapsed = now - si.lastMasterDownReplyTime;
    if (elapsed > s.timing.askPeriod * 5) {
      si.flags &= ~F_MASTER_DOWN;
      si.leader = null;
    }
    if (!(master.flags & F_S_DOWN)) continue;
    if (si.link.disconnected) continue;
    if (!forced && now - si.lastMasterDownReplyTime < s.timing.askPeriod) continue;
    const link = si.link;
    const argv = [
      s.mapCommand(si, 'SENTINEL'),
      'is-master-down-by-addr',
      s.announceAddr(master.addr),
      String(master.addr.port),
      String(s.currentEpoch),
      master.failoverState > FO_NONE ? s.myid : '*',
    ];
    const sent = link.cc?.send(argv, (r) => {
      if (r === null) return;
      link.pendingCommands--;
      onIsMasterDownReply(s, si, r);
    });
    if (sent) link.pendingCommands++;
  }
}

/**
 * Records another sentinel's answer: [down 0|1, leader run id or "*", leader epoch]. Anything else is ignored,
 * leaving the previous state in place.
 */
export function onIsMasterDownReply(s: SentinelCore, si: Instance, r: Reply): void {
  if (r.t !== 'array' || r.v === null || r.v.length !== 3) return;
  const [down, leader, epoch] = r.v;
  if (down.t !== 'int' || leader.t !== 'bulk' || leader.v === null || epoch.t !== 'int') return;
  si.lastMasterDownReplyTime = s.now();
  if (down.v === 1) si.flags |= F_MASTER_DOWN;
  else si.flags &= ~F_MASTER_DOWN;
  if (leader.v !== '*') {
    if (si.leaderEpoch !== epoch.v) s.io.log('notice', `${si.name} voted for ${leader.v} ${epoch.v}`);
    si.leader = leader.v;
    si.leaderEpoch = epoch.v;
  }
}

export const QUORUM_OK = 0;
export const QUORUM_NO_QUORUM = 1;
export const QUORUM_NO_AUTH = 2;

/**
 * SENTINEL CKQUORUM: counts this sentinel and the others not seen down; the quorum needs that many, and authorizing
 * a failover needs a majority of all the sentinels known for the master.
 */
export function isQuorumReachable(master: Instance): { result: number; usable: number } {
  let usable = 1;
  const voters = master.sentinels.size + 1;
  for (const si of master.sentinels.values()) if (!(si.flags & (F_S_DOWN | F_O_DOWN))) usable++;
  let result = QUORUM_OK;
  if (usable < master.quorum) result |= QUORUM_NO_QUORUM;
  if (usable < Math.floor(voters / 2) + 1) result |= QUORUM_NO_AUTH;
  return { result, usable };
}

/** The CKQUORUM reply line for a result (status text when OK, error text otherwise). */
export function quorumReplyText(result: number, usable: number): { ok: boolean; text: string } {
  if (result === QUORUM_OK) {
    return { ok: true, text: `OK ${usable} usable Sentinels. Quorum and failover authorization can be reached` };
  }
  let e = `NOQUORUM ${usable} usable Sentinels. `;
  if (result & QUORUM_NO_QUORUM) e += 'Not enough available Sentinels to reach the specified quorum for this master';
  if (result & QUORUM_NO_AUTH) {
    if (result & QUORUM_NO_QUORUM) e += '. ';
    e += 'Not enough available Sentinels to reach the majority and authorize a failover';
  }
  return { ok: false, text: e };
}
