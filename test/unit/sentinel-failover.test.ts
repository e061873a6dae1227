/**
 * The failover state machine, INFO-driven reactions, hello processing and the timer's link handling, driven by hand
 * with a fake clock and fake connections: every command a sentinel would send and every event it would publish is
 * observed.
 */
import { describe, expect, it } from 'vitest';
import {
  failoverStateMachine,
  startFailover,
  startFailoverIfNeeded,
  switchToPromotedSlave,
} from '../../src/sentinel/failover';
import { helloPayload, processHello } from '../../src/sentinel/hello';
import { refreshInstanceInfo } from '../../src/sentinel/info';
import {
  F_FAILOVER_IN_PROGRESS,
  F_FORCE_FAILOVER,
  F_O_DOWN,
  F_PROMOTED,
  F_RECONF_DONE,
  F_RECONF_INPROG,
  F_RECONF_SENT,
  F_S_DOWN,
  FO_NONE,
  FO_RECONF_SLAVES,
  FO_SELECT_SLAVE,
  FO_UPDATE_CONFIG,
  FO_WAIT_PROMOTION,
  FO_WAIT_START,
} from '../../src/sentinel/instance';
import {
  checkTiltCondition,
  linkConnectionError,
  reconnectInstance,
  sendPeriodicCommands,
} from '../../src/sentinel/monitor';
import {
  addMaster,
  addReplica,
  addSentinel,
  arr,
  bulk,
  cc,
  connect,
  FakeConnector,
  harness,
  int,
  masterInfo,
  replicaInfo,
  status,
} from '../helpers/sentinel-fakes';

const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const SLAVEOF_NOONE = [
  ['MULTI'],
  ['SLAVEOF', 'NO', 'ONE'],
  ['CONFIG', 'REWRITE'],
  ['CLIENT', 'KILL', 'TYPE', 'normal'],
  ['CLIENT', 'KILL', 'TYPE', 'pubsub'],
  ['EXEC'],
];

/** A master that went down, two replicas with fresh INFO, two other sentinels. */
function scene() {
  const h = harness();
  const m = addMaster(h, 'mymaster', 6379, 2);
  m.failoverTimeout = 10_000;
  const r1 = addReplica(h, m, 6380);
  const r2 = addReplica(h, m, 6381);
  for (const r of [r1, r2]) {
    connect(r);
    refreshInstanceInfo(h.s, r, replicaInfo({ runid: r === r1 ? '1'.repeat(40) : '2'.repeat(40), masterPort: 6379 }));
  }
  r2.slaveReplOffset = 100; // the better candidate
  const s1 = addSentinel(h, m, 26380, B);
  const s2 = addSentinel(h, m, 26381, C);
  m.flags |= F_S_DOWN | F_O_DOWN;
  m.sDownSinceTime = h.clock.t;
  h.events.length = 0;
  return { h, m, r1, r2, s1, s2 };
}

describe('failover state machine', () => {
  it('runs a whole failover: election, promotion, reconfiguration, switch', () => {
    const { h, m, r1, r2, s1 } = scene();
    m.failoverStartTime = 0;
    expect(startFailoverIfNeeded(h.s, m)).toBe(true);
    expect(m.failoverState).toBe(FO_WAIT_START);
    expect(m.failoverEpoch).toBe(1);

    // Elected: one other sentinel voted for us in this epoch (2 of 3, quorum 2).
    s1.leader = h.s.myid;
    s1.leaderEpoch = 1;
    failoverStateMachine(h.s, m);
    expect(m.failoverState).toBe(FO_SELECT_SLAVE);
    failoverStateMachine(h.s, m);
    expect(m.promotedSlave).toBe(r2);
    expect(r2.flags & F_PROMOTED).toBeTruthy();
    failoverStateMachine(h.s, m); // send_slaveof_noone
    expect(cc(r2).sent.slice(-6)).toEqual(SLAVEOF_NOONE);
    expect(m.failoverState).toBe(FO_WAIT_PROMOTION);

    // The promoted replica's INFO says master: reconf_slaves, in the failover epoch.
    refreshInstanceInfo(h.s, r2, masterInfo('2'.repeat(40), []));
    expect(m.failoverState).toBe(FO_RECONF_SLAVES);
    expect(m.configEpoch).toBe(1);
    expect(h.s.currentMasterAddress(m).port).toBe(6381);

    failoverStateMachine(h.s, m); // re-point r1
    expect(cc(r1).sent.slice(-6)[1]).toEqual(['SLAVEOF', '127.0.0.1', '6381']);
    expect(r1.flags & F_RECONF_SENT).toBeTruthy();
    refreshInstanceInfo(h.s, r1, replicaInfo({ runid: '1'.repeat(40), masterPort: 6381, linkUp: false }));
    expect(r1.flags & F_RECONF_INPROG).toBeTruthy();
    refreshInstanceInfo(h.s, r1, replicaInfo({ runid: '1'.repeat(40), masterPort: 6381 }));
    expect(r1.flags & F_RECONF_DONE).toBeTruthy();
    failoverStateMachine(h.s, m);
    expect(m.failoverState).toBe(FO_UPDATE_CONFIG);
    switchToPromotedSlave(h.s, m);

    expect(h.events.map((e) => e.split(' ')[0])).toEqual([
      '+new-epoch',
      '+try-failover',
      '+vote-for-leader',
      '+elected-leader',
      '+failover-state-select-slave',
      '+selected-slave',
      '+failover-state-send-slaveof-noone',
      '+failover-state-wait-promotion',
      '-role-change',
      '+promoted-slave',
      '+failover-state-reconf-slaves',
      '+slave-reconf-sent',
      '+slave-reconf-inprog',
      '+slave-reconf-done',
      '+failover-end',
      '+switch-master',
      '+slave',
      '+slave',
    ]);
    expect(h.events).toContain('+switch-master mymaster 127.0.0.1 6379 127.0.0.1 6381');
    expect(h.events).toContain('+selected-slave slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379');
    // The master record now is the promoted node, with the other replica and the old master as replicas.
    expect([m.addr.port, m.failoverState, m.flags]).toEqual([6381, FO_NONE, 1]);
    expect([...m.slaves.keys()]).toEqual(['127.0.0.1:6380', '127.0.0.1:6379']);
    expect(m.sentinels.size).toBe(2);
    // While reconfiguring, the promoted replica was forced to publish hellos at once.
    expect(r2.lastPubTime).toBeLessThan(h.clock.t - h.s.timing.publishPeriod);
  });

  it('aborts when not elected in time, when no replica qualifies, when the promotion times out', () => {
    const { h, m, r2 } = scene();
    startFailover(h.s, m);
    h.advance(10_001); // min(election timeout, failover-timeout)
    failoverStateMachine(h.s, m);
    expect(m.failoverState).toBe(FO_NONE);
    expect(h.events).toContain('-failover-abort-not-elected master mymaster 127.0.0.1 6379');
    // 2 x failover-timeout must pass before another attempt.
    expect(startFailoverIfNeeded(h.s, m)).toBe(false);
    expect(h.logs.some((l) => l.startsWith('Next failover delay: I will not start a failover before '))).toBe(true);

    // Forced (SENTINEL FAILOVER) with no usable replica.
    for (const r of m.slaves.values()) r.flags |= F_S_DOWN;
    startFailover(h.s, m);
    m.flags |= F_FORCE_FAILOVER;
    failoverStateMachine(h.s, m);
    failoverStateMachine(h.s, m);
    expect(h.events).toContain('-failover-abort-no-good-slave master mymaster 127.0.0.1 6379');
    expect(m.flags & (F_FAILOVER_IN_PROGRESS | F_FORCE_FAILOVER)).toBe(0);

    // Promotion never seen.
    for (const r of m.slaves.values()) {
      r.flags &= ~F_S_DOWN;
      r.link.lastAvailTime = h.clock.t;
      r.infoRefresh = h.clock.t;
    }
    startFailover(h.s, m);
    m.flags |= F_FORCE_FAILOVER;
    for (let i = 0; i < 3; i++) failoverStateMachine(h.s, m);
    expect(m.failoverState).toBe(FO_WAIT_PROMOTION);
    h.advance(10_001);
    failoverStateMachine(h.s, m);
    expect(m.failoverState).toBe(FO_NONE);
    expect(r2.flags & F_PROMOTED).toBe(0);
    expect(h.events[h.events.length - 1]).toBe('-failover-abort-slave-timeout master mymaster 127.0.0.1 6379');
  });

  it('ends on failover-timeout with a best-effort REPLICAOF to replicas not yet reconfigured', () => {
    const { h, m, r1, r2 } = scene();
    const r3 = addReplica(h, m, 6382);
    connect(r3);
    m.parallelSyncs = 1;
    startFailover(h.s, m);
    m.flags |= F_FORCE_FAILOVER;
    for (let i = 0; i < 3; i++) failoverStateMachine(h.s, m);
    expect(m.promotedSlave).toBe(r2);
    refreshInstanceInfo(h.s, r2, masterInfo('2'.repeat(40), []));
    failoverStateMachine(h.s, m);
    // One at a time: r1 is being re-pointed, r3 waits its turn.
    expect([r1.flags & F_RECONF_SENT, r3.flags & F_RECONF_SENT]).toEqual([F_RECONF_SENT, 0]);
    failoverStateMachine(h.s, m);
    expect(cc(r3).sent).toEqual([]);
    h.advance(10_001);
    failoverStateMachine(h.s, m);
    expect(h.typed('+failover-end-for-timeout', '+failover-end', '+slave-reconf-sent-be')).toEqual([
      '+failover-end-for-timeout master mymaster 127.0.0.1 6379',
      '+failover-end master mymaster 127.0.0.1 6379',
      '+slave-reconf-sent-be slave 127.0.0.1:6382 127.0.0.1 6382 @ mymaster 127.0.0.1 6379',
    ]);
    expect(cc(r3).sent[1]).toEqual(['SLAVEOF', '127.0.0.1', '6381']);
    expect(m.failoverState).toBe(FO_UPDATE_CONFIG);
  });
});

describe('INFO reactions', () => {
  it('discovers replicas from both INFO formats and notices reboots and role changes', () => {
    const h = harness();
    const m = addMaster(h);
    connect(m);
    refreshInstanceInfo(h.s, m, masterInfo('1'.repeat(40), [6380]));
    refreshInstanceInfo(h.s, m, `run_id:${'1'.repeat(40)}\r\nrole:master\r\nslave0:127.0.0.1,6381,online\r\n`);
    expect([...m.slaves.keys()]).toEqual(['127.0.0.1:6380', '127.0.0.1:6381']);
    refreshInstanceInfo(h.s, m, masterInfo('9'.repeat(40), [6380]));
    refreshInstanceInfo(h.s, m, `run_id:${'9'.repeat(40)}\r\nrole:slave\r\nmaster_host:10.0.0.1\r\n`);
    expect(h.events).toEqual([
      '+slave slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379',
      '+slave slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379',
      '+reboot master mymaster 127.0.0.1 6379',
      '-role-change master mymaster 127.0.0.1 6379 new reported role is slave',
    ]);
    const r = m.slaves.get('127.0.0.1:6380')!;
    refreshInstanceInfo(
      h.s,
      r,
      replicaInfo({ masterPort: 6379, linkUp: false, downSince: 7, priority: 5, offset: 42 }),
    );
    expect([r.masterLinkDownTime, r.slaveMasterLinkUp, r.slavePriority, r.slaveReplOffset]).toEqual([
      7000,
      false,
      5,
      42,
    ]);
    refreshInstanceInfo(h.s, r, replicaInfo({ masterPort: 6379 }));
    expect(r.masterLinkDownTime).toBe(0); // absent from INFO = link up
    expect(h.flushes).toBe(2); // each discovery saved
  });

  it('turns a replica that became master back into a replica once the master is sane', () => {
    const h = harness();
    const m = addMaster(h);
    const r = addReplica(h, m, 6380);
    connect(r);
    refreshInstanceInfo(h.s, m, masterInfo('1'.repeat(40), [6380]));
    refreshInstanceInfo(h.s, r, masterInfo('2'.repeat(40), []));
    expect(cc(r).sent).toEqual([]);
    h.advance(4 * h.s.timing.publishPeriod + 1);
    refreshInstanceInfo(h.s, m, masterInfo('1'.repeat(40), [6380]));
    refreshInstanceInfo(h.s, r, masterInfo('2'.repeat(40), []));
    expect(cc(r).sent[1]).toEqual(['SLAVEOF', '127.0.0.1', '6379']);
    expect(h.events[h.events.length - 1]).toBe(
      '+convert-to-slave slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379',
    );

    // A replica following another master is re-pointed after failover-timeout.
    const r2 = addReplica(h, m, 6381);
    connect(r2);
    refreshInstanceInfo(h.s, r2, replicaInfo({ masterPort: 9999 }));
    expect(cc(r2).sent).toEqual([]);
    h.advance(m.failoverTimeout + 1);
    refreshInstanceInfo(h.s, m, masterInfo('1'.repeat(40), [6380, 6381]));
    refreshInstanceInfo(h.s, r2, replicaInfo({ masterPort: 9999 }));
    expect(cc(r2).sent[1]).toEqual(['SLAVEOF', '127.0.0.1', '6379']);
    expect(h.events[h.events.length - 1]).toMatch(/^\+fix-slave-config slave 127\.0\.0\.1:6381 /);
  });

  it('does not act in TILT', () => {
    const h = harness();
    const m = addMaster(h);
    const r = addReplica(h, m, 6380);
    connect(r);
    h.advance(100_000);
    refreshInstanceInfo(h.s, m, masterInfo('1'.repeat(40), [6380]));
    h.s.tilt = true;
    refreshInstanceInfo(h.s, r, masterInfo('2'.repeat(40), []));
    h.advance(100_000);
    refreshInstanceInfo(h.s, r, masterInfo('2'.repeat(40), []));
    expect(cc(r).sent).toEqual([]);
  });
});

describe('hello messages', () => {
  it('publishes our view and learns sentinels, epochs and newer configurations from others', () => {
    const h = harness();
    const m = addMaster(h);
    addReplica(h, m, 6380);
    h.s.currentEpoch = 3;
    expect(helloPayload(h.s, m, '127.0.0.1')).toBe(`127.0.0.1,26379,${h.s.myid},3,mymaster,127.0.0.1,6379,0`);
    h.s.announceIp = '10.1.1.1';
    h.s.announcePort = 5000;
    expect(helloPayload(h.s, m, '127.0.0.1')).toBe(`10.1.1.1,5000,${h.s.myid},3,mymaster,127.0.0.1,6379,0`);

    processHello(h.s, `127.0.0.1,26380,${B},3,mymaster,127.0.0.1,6379,0`);
    processHello(h.s, `127.0.0.1,26380,${B},3,unknown,127.0.0.1,6379,0`);
    processHello(h.s, 'garbage');
    expect([...m.sentinels.keys()]).toEqual([B]);
    // Same id, new port: the record moves. Same address, new id: the old record goes.
    processHello(h.s, `127.0.0.1,26390,${B},3,mymaster,127.0.0.1,6379,0`);
    processHello(h.s, `127.0.0.1,26390,${C},4,mymaster,127.0.0.1,6379,0`);
    expect([...m.sentinels.keys()]).toEqual([C]);
    expect(h.s.currentEpoch).toBe(4);
    // A newer config epoch with another address: switch.
    processHello(h.s, `127.0.0.1,26390,${C},4,mymaster,127.0.0.1,6380,4`);
    expect([m.addr.port, m.configEpoch]).toEqual([6380, 4]);
    expect([...m.slaves.keys()]).toEqual(['127.0.0.1:6379']);
    expect(h.events).toEqual([
      `+sentinel sentinel ${B} 127.0.0.1 26380 @ mymaster 127.0.0.1 6379`,
      `+sentinel-address-switch master mymaster 127.0.0.1 6379 ip 127.0.0.1 port 26390 for ${B}`,
      `+sentinel-invalid-addr sentinel ${B} 127.0.0.1 26390 @ mymaster 127.0.0.1 6379`,
      `+sentinel sentinel ${C} 127.0.0.1 26390 @ mymaster 127.0.0.1 6379`,
      '+new-epoch 4',
      `+config-update-from sentinel ${C} 127.0.0.1 26390 @ mymaster 127.0.0.1 6379`,
      '+switch-master mymaster 127.0.0.1 6379 127.0.0.1 6380',
      '+slave slave 127.0.0.1:6379 127.0.0.1 6379 @ mymaster 127.0.0.1 6380',
    ]);
  });
});

describe('timer and links', () => {
  it('opens both links with AUTH, names and the hello subscription, then sends what is due', () => {
    const h = harness();
    const m = addMaster(h);
    m.authPass = 'pw';
    m.renamedCommands.set('config', ['CONFIG', 'XCONFIG']);
    const net = new FakeConnector();
    reconnectInstance(h.s, m, net);
    const [c, p] = net.opened;
    expect(c.sent).toEqual([['AUTH', 'pw'], ['CLIENT', 'SETNAME', `sentinel-${h.s.myid.slice(0, 8)}-cmd`], ['PING']]);
    expect(p.sent).toEqual([
      ['AUTH', 'pw'],
      ['CLIENT', 'SETNAME', `sentinel-${h.s.myid.slice(0, 8)}-pubsub`],
      ['SUBSCRIBE', '__sentinel__:hello'],
    ]);
    expect(m.link.disconnected).toBe(false);
    for (const ch of [c, p]) {
      ch.reply(status('OK'));
      ch.reply(status('OK'));
    }
    c.reply(status('PONG'));
    expect(m.link.actPingTime).toBe(0);
    // INFO at once (never refreshed), hello after a publish period.
    sendPeriodicCommands(h.s, m);
    expect(c.sent[3]).toEqual(['INFO']);
    c.reply(bulk(masterInfo('1'.repeat(40), [6390])));
    expect(m.slaves.has('127.0.0.1:6390')).toBe(true);
    h.advance(2001);
    sendPeriodicCommands(h.s, m);
    expect(c.sent.slice(4)).toEqual([
      ['PING'],
      ['PUBLISH', '__sentinel__:hello', `127.0.0.1,26379,${h.s.myid},0,mymaster,127.0.0.1,6379,0`],
    ]);
    c.replyAll((argv) => (argv[0] === 'PING' ? status('PONG') : int(1)));
    expect(m.lastPubTime).toBe(h.clock.t);
    expect(m.link.pendingCommands).toBe(0);
    // Other sentinels' hellos arrive on the pub/sub link; our own are ignored.
    p.onPush!(
      arr(bulk('message'), bulk('__sentinel__:hello'), bulk(`127.0.0.1,26380,${B},0,mymaster,127.0.0.1,6379,0`)),
    );
    p.onPush!(arr(bulk('message'), bulk('__sentinel__:hello'), bulk(`127.0.0.1,26379,${h.s.myid},9,mymaster,x,1,9`)));
    expect([...m.sentinels.keys()]).toEqual([B]);
    expect(h.s.currentEpoch).toBe(0);
    // A dropped connection leaves the link disconnected; only the missing connection is reopened, and attempts
    // are at least a ping period apart.
    c.fail();
    expect(m.link.disconnected).toBe(true);
    reconnectInstance(h.s, m, net);
    expect(net.opened).toHaveLength(3);
    expect(net.opened[2].sent.map((a) => a[0])).toEqual(['AUTH', 'CLIENT', 'PING']);
    expect(m.link.disconnected).toBe(false);
    net.opened[2].fail();
    reconnectInstance(h.s, m, net);
    expect(net.opened).toHaveLength(3);
    h.advance(1000);
    reconnectInstance(h.s, m, net);
    expect(net.opened).toHaveLength(4);
    linkConnectionError(m.link, net.opened[3]);
    expect(m.link.cc).toBe(null);
  });

  it('enters TILT on a clock jump and stays in it for the tilt period', () => {
    const h = harness();
    checkTiltCondition(h.s);
    expect(h.s.tilt).toBe(false);
    h.advance(2001);
    checkTiltCondition(h.s);
    expect(h.s.tilt).toBe(true);
    h.clock.t -= 5000;
    checkTiltCondition(h.s);
    expect(h.events).toEqual(['+tilt #tilt mode entered', '+tilt #tilt mode entered']);
  });
});
