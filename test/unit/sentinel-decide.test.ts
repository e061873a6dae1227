/**
 * The sentinel's decisions without sockets: SDOWN from PING replies and time, ODOWN from other sentinels' answers,
 * the is-master-down-by-addr exchange, one vote per epoch, the leader count, and the choice of replica to promote.
 */
import { describe, expect, it } from 'vitest';
import {
  askMasterStateToOtherSentinels,
  checkObjectivelyDown,
  checkSubjectivelyDown,
  isQuorumReachable,
  onIsMasterDownReply,
  onPingReply,
  quorumReplyText,
} from '../../src/sentinel/detect';
import { getLeader, isMasterDownByAddr, voteLeader } from '../../src/sentinel/election';
import { compareForPromotion, selectSlave } from '../../src/sentinel/failover';
import { F_MASTER_DOWN, F_O_DOWN, F_S_DOWN, F_SLAVE, FO_WAIT_START } from '../../src/sentinel/instance';
import {
  addMaster,
  addReplica,
  addSentinel,
  arr,
  bulk,
  cc,
  connect,
  err,
  harness,
  int,
  status,
} from '../helpers/sentinel-fakes';

const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('SDOWN', () => {
  it('follows the oldest unanswered PING against down-after-milliseconds', () => {
    const h = harness();
    const m = addMaster(h);
    m.downAfterPeriod = 1000;
    connect(m);
    m.link.actPingTime = 0; // nothing pending
    checkSubjectivelyDown(h.s, m);
    expect(m.flags & F_S_DOWN).toBe(0);

    m.link.actPingTime = h.clock.t;
    h.advance(1000);
    checkSubjectivelyDown(h.s, m);
    expect(m.flags & F_S_DOWN).toBe(0); // not more than down-after yet
    h.advance(1);
    checkSubjectivelyDown(h.s, m);
    expect(m.flags & F_S_DOWN).toBeTruthy();
    expect(m.sDownSinceTime).toBe(h.clock.t);
    expect(h.events).toEqual(['+sdown master mymaster 127.0.0.1 6379']);

    // An error other than LOADING/MASTERDOWN is a reply, not a sign of life.
    onPingReply(h.s, m, err('ERR something'));
    checkSubjectivelyDown(h.s, m);
    expect(m.flags & F_S_DOWN).toBeTruthy();
    expect(m.link.lastPongTime).toBe(h.clock.t);
    onPingReply(h.s, m, err('LOADING Redis is loading the dataset in memory'));
    expect(m.link.actPingTime).toBe(0);
    checkSubjectivelyDown(h.s, m);
    expect(m.flags & F_S_DOWN).toBe(0);
    expect(h.events[1]).toBe('-sdown master mymaster 127.0.0.1 6379');
    h.advance(50);
    m.link.actPingTime = h.clock.t - 10;
    onPingReply(h.s, m, status('PONG'));
    expect([m.link.actPingTime, m.link.lastAvailTime, m.link.lastPongTime]).toEqual([0, h.clock.t, h.clock.t]);
  });

  it('counts a disconnected instance from its last good reply; replicas and sentinels too', () => {
    const h = harness();
    const m = addMaster(h);
    const r = addReplica(h, m, 6380);
    const si = addSentinel(h, m, 26380, B);
    for (const x of [r, si]) {
      x.downAfterPeriod = 500;
      x.link.actPingTime = 0;
      x.link.lastAvailTime = h.clock.t;
    }
    h.advance(501);
    checkSubjectivelyDown(h.s, r);
    checkSubjectivelyDown(h.s, si);
    expect(h.events).toEqual([
      '+sdown slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379',
      `+sdown sentinel ${B} 127.0.0.1 26380 @ mymaster 127.0.0.1 6379`,
    ]);
  });

  it('a master reporting role:slave long enough is SDOWN; a BUSY instance down gets one SCRIPT KILL', () => {
    const h = harness();
    const m = addMaster(h);
    connect(m);
    m.link.actPingTime = 0;
    m.downAfterPeriod = 1000;
    m.roleReported = F_SLAVE;
    m.roleReportedTime = h.clock.t;
    h.advance(1000 + 2 * h.s.timing.infoPeriod);
    checkSubjectivelyDown(h.s, m);
    expect(m.flags & F_S_DOWN).toBe(0);
    h.advance(1);
    checkSubjectivelyDown(h.s, m);
    expect(m.flags & F_S_DOWN).toBeTruthy();
    onPingReply(h.s, m, err('BUSY Redis is busy running a script.'));
    onPingReply(h.s, m, err('BUSY Redis is busy running a script.'));
    expect(cc(m).sent).toEqual([['SCRIPT', 'KILL']]);
  });

  it('recycles a command link whose PING is overdue and a silent pub/sub link', () => {
    const h = harness();
    const m = addMaster(h);
    const { cc: c, pc } = connect(m);
    m.downAfterPeriod = 30_000;
    m.link.ccConnTime = h.clock.t;
    m.link.pcConnTime = h.clock.t;
    m.link.pcLastActivity = h.clock.t;
    m.link.actPingTime = h.clock.t;
    m.link.lastPongTime = h.clock.t;
    h.advance(15_001);
    checkSubjectivelyDown(h.s, m);
    expect([c.closed, pc!.closed]).toEqual([true, true]);
    expect(m.link.disconnected).toBe(true);
    expect(m.link.cc).toBe(null);
  });
});

describe('ODOWN', () => {
  it('needs SDOWN here plus enough sentinels reporting the master down', () => {
    const h = harness();
    const m = addMaster(h, 'mymaster', 6379, 3);
    const s1 = addSentinel(h, m, 26380, B);
    const s2 = addSentinel(h, m, 26381, C);
    m.flags |= F_S_DOWN;
    s1.flags |= F_MASTER_DOWN;
    checkObjectivelyDown(h.s, m);
    expect(m.flags & F_O_DOWN).toBe(0);
    s2.flags |= F_MASTER_DOWN;
    checkObjectivelyDown(h.s, m);
    expect(m.flags & F_O_DOWN).toBeTruthy();
    m.flags &= ~F_S_DOWN;
    checkObjectivelyDown(h.s, m);
    expect(h.events).toEqual([
      '+odown master mymaster 127.0.0.1 6379 #quorum 3/3',
      '-odown master mymaster 127.0.0.1 6379',
    ]);
  });

  it('asks connected sentinels every ask period while SDOWN, with our id once failing over', () => {
    const h = harness();
    const m = addMaster(h);
    const s1 = addSentinel(h, m, 26380, B);
    const s2 = addSentinel(h, m, 26381, C);
    connect(s1);
    h.s.currentEpoch = 7;
    askMasterStateToOtherSentinels(h.s, m, false);
    expect(cc(s1).sent).toEqual([]); // not SDOWN
    m.flags |= F_S_DOWN;
    askMasterStateToOtherSentinels(h.s, m, false);
    expect(cc(s1).sent).toEqual([]); // asked less than an ask period ago (creation time)
    h.advance(1000);
    askMasterStateToOtherSentinels(h.s, m, false);
    expect(cc(s1).sent).toEqual([['SENTINEL', 'is-master-down-by-addr', '127.0.0.1', '6379', '7', '*']]);
    expect(s2.link.disconnected).toBe(true);
    m.failoverState = FO_WAIT_START;
    askMasterStateToOtherSentinels(h.s, m, true);
    expect(cc(s1).sent[1]).toEqual(['SENTINEL', 'is-master-down-by-addr', '127.0.0.1', '6379', '7', h.s.myid]);
    // The answer: down, with a vote.
    cc(s1).reply(arr(int(1), bulk('*'), int(0)));
    expect(s1.flags & F_MASTER_DOWN).toBeTruthy();
    cc(s1).reply(arr(int(1), bulk(B), int(7)));
    expect([s1.leader, s1.leaderEpoch]).toEqual([B, 7]);
    // Stale answers are forgotten after 5 ask periods.
    h.advance(5001);
    askMasterStateToOtherSentinels(h.s, m, false);
    expect(s1.flags & F_MASTER_DOWN).toBe(0);
    expect(s1.leader).toBe(null);
  });

  it('ignores malformed is-master-down-by-addr answers', () => {
    const h = harness();
    const m = addMaster(h);
    const si = addSentinel(h, m, 26380, B);
    const before = si.lastMasterDownReplyTime;
    h.advance(10);
    for (const r of [
      err('ERR unknown command'),
      arr(int(1), bulk('*')),
      arr(bulk('1'), bulk('*'), int(0)),
      arr(int(1), int(0), int(0)),
      arr(int(1), bulk('*'), bulk('0')),
    ]) {
      onIsMasterDownReply(h.s, si, r);
    }
    expect(si.lastMasterDownReplyTime).toBe(before);
    expect(si.flags & F_MASTER_DOWN).toBe(0);
  });

  it('CKQUORUM counts the sentinels not seen down against the quorum and the majority', () => {
    const h = harness();
    const m = addMaster(h, 'mymaster', 6379, 3);
    const s1 = addSentinel(h, m, 26380, B);
    addSentinel(h, m, 26381, C);
    expect(quorumReplyText(isQuorumReachable(m).result, 3)).toEqual({
      ok: true,
      text: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
    });
    s1.flags |= F_S_DOWN;
    const r = isQuorumReachable(m);
    expect(r.usable).toBe(2);
    expect(quorumReplyText(r.result, r.usable).text).toBe(
      'NOQUORUM 2 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master',
    );
    m.quorum = 1;
    addSentinel(h, m, 26382, 'd'.repeat(40)).flags |= F_O_DOWN;
    const r2 = isQuorumReachable(m);
    expect(quorumReplyText(r2.result, r2.usable).text).toBe(
      'NOQUORUM 2 usable Sentinels. Not enough available Sentinels to reach the majority and authorize a failover',
    );
  });
});

describe('votes and leader election', () => {
  it('votes once per epoch, for the first asker, and adopts newer epochs', () => {
    const h = harness();
    const m = addMaster(h);
    expect(voteLeader(h.s, m, 3, B)).toEqual({ leader: B, epoch: 3 });
    expect(h.s.currentEpoch).toBe(3);
    expect(voteLeader(h.s, m, 3, C)).toEqual({ leader: B, epoch: 3 });
    expect(voteLeader(h.s, m, 2, C)).toEqual({ leader: B, epoch: 3 });
    expect(voteLeader(h.s, m, 4, C)).toEqual({ leader: C, epoch: 4 });
    expect(h.typed('+new-epoch', '+vote-for-leader')).toEqual([
      '+new-epoch 3',
      `+vote-for-leader ${B} 3`,
      '+new-epoch 4',
      `+vote-for-leader ${C} 4`,
    ]);
    expect(h.flushes).toBe(4);
    // Having voted for another sentinel, our own attempt is pushed back.
    expect(m.failoverStartTime).toBe(h.clock.t);
  });

  it('answers is-master-down-by-addr: down only when SDOWN here and not in TILT; votes on request', () => {
    const h = harness();
    const m = addMaster(h);
    expect(isMasterDownByAddr(h.s, '127.0.0.1', 6379, 0, '*')).toEqual({ down: false, leader: '*', epoch: 0 });
    m.flags |= F_S_DOWN;
    expect(isMasterDownByAddr(h.s, '127.0.0.1', 6379, 0, '*')).toEqual({ down: true, leader: '*', epoch: 0 });
    h.s.tilt = true;
    expect(isMasterDownByAddr(h.s, '127.0.0.1', 6379, 1, B)).toEqual({ down: false, leader: B, epoch: 1 });
    expect(isMasterDownByAddr(h.s, '127.0.0.1', 6380, 2, B)).toEqual({ down: false, leader: '*', epoch: 0 });
  });

  it('a candidate needs a majority of all known sentinels and at least the quorum', () => {
    const h = harness();
    const m = addMaster(h, 'mymaster', 6379, 2);
    const s1 = addSentinel(h, m, 26380, B);
    const s2 = addSentinel(h, m, 26381, C);
    const s3 = addSentinel(h, m, 26382, 'd'.repeat(40));
    h.s.currentEpoch = 5;
    // Only our own vote: 1 of 4.
    expect(getLeader(h.s, m, 5)).toBe(null);
    // One more for us: 2 of 4 is not a majority (3).
    s1.leader = h.s.myid;
    s1.leaderEpoch = 5;
    expect(getLeader(h.s, m, 5)).toBe(null);
    s2.leader = h.s.myid;
    s2.leaderEpoch = 5;
    expect(getLeader(h.s, m, 5)).toBe(h.s.myid);
    // Votes of another epoch do not count.
    s3.leader = B;
    s3.leaderEpoch = 4;
    expect(getLeader(h.s, m, 5)).toBe(h.s.myid);
  });

  it('votes for the most voted candidate instead of itself', () => {
    const h = harness();
    const m = addMaster(h, 'mymaster', 6379, 2);
    const s1 = addSentinel(h, m, 26380, B);
    addSentinel(h, m, 26381, C);
    h.s.currentEpoch = 2;
    s1.leader = B;
    s1.leaderEpoch = 2;
    expect(getLeader(h.s, m, 2)).toBe(B);
    expect(m.leader).toBe(B);
    // A higher quorum than votes available: nobody wins.
    const h2 = harness();
    const m2 = addMaster(h2, 'mymaster', 6379, 3);
    const t1 = addSentinel(h2, m2, 26380, B);
    h2.s.currentEpoch = 1;
    t1.leader = h2.s.myid;
    t1.leaderEpoch = 1;
    expect(getLeader(h2.s, m2, 1)).toBe(null);
  });
});

describe('replica selection', () => {
  function fleet() {
    const h = harness();
    const m = addMaster(h);
    m.flags |= F_S_DOWN;
    m.sDownSinceTime = h.clock.t;
    const reps = [6380, 6381, 6382].map((p) => {
      const r = addReplica(h, m, p);
      connect(r);
      r.infoRefresh = h.clock.t;
      r.runid = `${p}`.padEnd(40, '0');
      return r;
    });
    return { h, m, reps };
  }

  it('prefers lower priority, then higher offset, then the smaller run id', () => {
    const { h, m, reps } = fleet();
    const [a, b, c] = reps;
    expect(selectSlave(h.s, m)).toBe(a); // all equal: smallest run id
    b.slaveReplOffset = 10;
    expect(selectSlave(h.s, m)).toBe(b);
    c.slavePriority = 50;
    expect(selectSlave(h.s, m)).toBe(c);
    c.runid = null;
    a.slavePriority = 50;
    a.slaveReplOffset = c.slaveReplOffset;
    expect(compareForPromotion(a, c)).toBe(-1); // no run id sorts last
  });

  it('skips replicas that are down, disconnected, silent, stale, unpromotable or cut off too long', () => {
    const { h, m, reps } = fleet();
    const [a, b, c] = reps;
    a.slavePriority = 0;
    b.flags |= F_S_DOWN;
    c.link.disconnected = true;
    expect(selectSlave(h.s, m)).toBe(null);
    b.flags &= ~F_S_DOWN;
    h.advance(5001); // INFO older than 5 ping periods while the master is SDOWN; no PING answer for that long
    expect(selectSlave(h.s, m)).toBe(null);
    b.infoRefresh = h.clock.t;
    b.link.lastAvailTime = h.clock.t;
    expect(selectSlave(h.s, m)).toBe(b);
    b.masterLinkDownTime = 5001 + m.downAfterPeriod * 10 + 1;
    expect(selectSlave(h.s, m)).toBe(null);
  });
});
