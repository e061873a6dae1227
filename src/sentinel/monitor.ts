/**
 * The sentinel timer, run 10-19 times a second (the rate changes randomly each run so sentinels started together do
 * not stay in lockstep and split votes forever). Each run walks every master, its replicas and its sentinels:
 *
 * - monitoring half: (re)open the connections (at most once per ping period), then send what is due: INFO to masters
 *   and replicas (every info period; every second for replicas of a master in trouble), PING (every ping period, or
 *   down-after if shorter), and our hello (every publish period);
 * - acting half (not in TILT): SDOWN for everyone; for masters ODOWN, failover start, the failover state machine and
 *   the is-master-down-by-addr requests.
 *
 * TILT: when the timer sees the clock jump (backwards, or more than tilt-trigger between runs) the process was
 * stalled or the clock changed, so timeouts cannot be trusted: the sentinel only watches for tilt-period.
 */
import { FAST_INFO_PERIOD, MAX_PENDING_COMMANDS, type SentinelCore } from './core';
import { checkObjectivelyDown, checkSubjectivelyDown, discardReply, sendPing } from './detect';
import { actOnMaster, switchToPromotedSlave } from './failover';
import { HELLO_CHANNEL, processHello, sendHello } from './hello';
import { refreshInstanceInfo } from './info';
import {
  type Channel,
  F_FAILOVER_IN_PROGRESS,
  F_MASTER,
  F_O_DOWN,
  F_SENTINEL,
  F_SLAVE,
  FO_UPDATE_CONFIG,
  type Instance,
  type Link,
} from './instance';
import type { Reply } from './reply';

/** How the runtime opens a connection: `onGone` runs if the peer closes or fails (not on our own close()). */
export interface Connector {
  connect(host: string, port: number, onGone: (ch: Channel) => void, onPush: ((r: Reply) => void) | null): Channel;
}

/** A connection of the link failed or closed: the link is down until both connections are back. */
export function linkConnectionError(link: Link, ch: Channel): void {
  if (link.pc === ch) link.pc = null;
  else if (link.cc === ch) link.cc = null;
  else return;
  link.disconnected = true;
}

function sendAuthIfNeeded(s: SentinelCore, ri: Instance, ch: Channel): void {
  let pass: string | null = null;
  let user: string | null = null;
  if (ri.flags & F_MASTER) {
    pass = ri.authPass;
    user = ri.authUser;
  } else if (ri.flags & F_SLAVE) {
    pass = ri.master!.authPass;
    user = ri.master!.authUser;
  } else if (s.sentinelAuthPass !== null) {
    pass = s.sentinelAuthPass;
    user = s.sentinelAuthUser;
  } else {
    // Older setups share requirepass between all the sentinels.
    const rp = s.io.requirepass();
    pass = rp === '' ? null : rp;
  }
  if (pass === null) return;
  const argv = user === null ? [s.mapCommand(ri, 'AUTH'), pass] : [s.mapCommand(ri, 'AUTH'), user, pass];
  if (ch.send(argv, discardReply(ri.link))) ri.link.pendingCommands++;
}

function setClientName(s: SentinelCore, ri: Instance, ch: Channel, type: string): void {
  const argv = [s.mapCommand(ri, 'CLIENT'), 'SETNAME', `sentinel-${s.myid.slice(0, 8)}-${type}`];
  if (ch.send(argv, discardReply(ri.link))) ri.link.pendingCommands++;
}

/** A frame on the pub/sub connection: any activity counts; "message" frames carry hellos of other sentinels. */
export function receiveHelloFrame(s: SentinelCore, ri: Instance, r: Reply): void {
  ri.link.pcLastActivity = s.now();
  if (r.t !== 'array' || r.v === null || r.v.length !== 3) return;
  const [kind, , payload] = r.v;
  if (kind.t !== 'bulk' || kind.v !== 'message' || r.v[1].t !== 'bulk' || payload.t !== 'bulk') return;
  if (payload.v === null || payload.v.includes(s.myid)) return; // our own hello
  processHello(s, payload.v);
}

/** Opens whatever connection of the link is missing, at most once per ping period. */
export function reconnectInstance(s: SentinelCore, ri: Instance, net: Connector): void {
  const link = ri.link;
  if (!link.disconnected) return;
  if (ri.addr.port === 0) return; // an address known to be invalid
  const now = s.now();
  if (now - link.lastReconnTime < s.timing.pingPeriod) return;
  link.lastReconnTime = now;
  const host = ri.addr.ip === '' ? ri.addr.hostname : ri.addr.ip;

  if (link.cc === null) {
    const cc = net.connect(host, ri.addr.port, (ch) => linkConnectionError(link, ch), null);
    link.cc = cc;
    link.pendingCommands = 0;
    link.ccConnTime = s.now();
    sendAuthIfNeeded(s, ri, cc);
    setClientName(s, ri, cc, 'cmd');
    sendPing(s, ri); // first thing on a new connection
  }
  if (ri.flags & (F_MASTER | F_SLAVE) && link.pc === null) {
    const pc = net.connect(
      host,
      ri.addr.port,
      (ch) => linkConnectionError(link, ch),
      (r) => receiveHelloFrame(s, ri, r),
    );
    link.pc = pc;
    link.pcConnTime = s.now();
    sendAuthIfNeeded(s, ri, pc);
    setClientName(s, ri, pc, 'pubsub');
    // The subscription's frames arrive as pushes (onPush), so no reply callback is queued for it.
    if (!pc.send([s.mapCommand(ri, 'SUBSCRIBE'), HELLO_CHANNEL], null)) {
      link.pc = null;
      link.disconnected = true;
      pc.close();
      return;
    }
  }
  if (link.cc !== null && (ri.flags & F_SENTINEL || link.pc !== null)) link.disconnected = false;
}

/** Sends the INFO / PING / hello that are due on a connected instance. */
export function sendPeriodicCommands(s: SentinelCore, ri: Instance): void {
  const link = ri.link;
  if (link.disconnected) return;
  // A peer that stopped answering is not flooded: no new commands past this many in flight.
  if (link.pendingCommands >= MAX_PENDING_COMMANDS * link.refcount) return;
  const now = s.now();
  const t = s.timing;
  const infoPeriod =
    ri.flags & F_SLAVE && (ri.master!.flags & (F_O_DOWN | F_FAILOVER_IN_PROGRESS) || ri.masterLinkDownTime !== 0)
      ? FAST_INFO_PERIOD
      : t.infoPeriod;
  const pingPeriod = Math.min(ri.downAfterPeriod, t.pingPeriod);

  if (!(ri.flags & F_SENTINEL) && (ri.infoRefresh === 0 || now - ri.infoRefresh > infoPeriod)) {
    const sent = link.cc?.send([s.mapCommand(ri, 'INFO')], (r) => {
      if (r === null) return;
      link.pendingCommands--;
      if (r.t === 'bulk' && r.v !== null) refreshInstanceInfo(s, ri, r.v);
    });
    if (sent) link.pendingCommands++;
  }
  if (now - link.lastPongTime > pingPeriod && now - link.lastPingTime > pingPeriod / 2) sendPing(s, ri);
  if (now - ri.lastPubTime > t.publishPeriod) sendHello(s, ri);
}

export function checkTiltCondition(s: SentinelCore): void {
  const now = s.now();
  const delta = now - s.previousTime;
  if (delta < 0 || delta > s.timing.tiltTrigger) {
    s.tilt = true;
    s.tiltStartTime = now;
    s.event('warning', '+tilt', null, '#tilt mode entered');
  }
  s.previousTime = s.now();
}

function handleInstance(s: SentinelCore, ri: Instance, net: Connector): void {
  reconnectInstance(s, ri, net);
  sendPeriodicCommands(s, ri);
  if (s.tilt) {
    if (s.now() - s.tiltStartTime < s.timing.tiltPeriod) return;
    s.tilt = false;
    s.event('warning', '-tilt', null, '#tilt mode exited');
  }
  checkSubjectivelyDown(s, ri);
  if (ri.flags & F_MASTER) actOnMaster(s, ri, (m) => checkObjectivelyDown(s, m));
}

function handleInstances(s: SentinelCore, instances: Map<string, Instance>, net: Connector): void {
  let switchTo: Instance | null = null;
  // A copy: acting on one instance may add or remove records of the same table.
  for (const ri of [...instances.values()]) {
    handleInstance(s, ri, net);
    if (ri.flags & F_MASTER) {
      handleInstances(s, ri.slaves, net);
      handleInstances(s, ri.sentinels, net);
      if (ri.failoverState === FO_UPDATE_CONFIG) switchTo = ri;
    }
  }
  if (switchTo !== null) switchToPromotedSlave(s, switchTo);
}

/** One run of the sentinel timer (scripts are handled by the runtime right after). */
export function sentinelTimer(s: SentinelCore, net: Connector): void {
  checkTiltCondition(s);
  handleInstances(s, s.masters, net);
}
