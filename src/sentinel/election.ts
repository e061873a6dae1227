/**
 * Leader election for a failover, Raft-like: each sentinel votes at most once per epoch (the first request of an
 * epoch newer than its last vote wins it), and the candidate needs an absolute majority of the known sentinels and
 * at least the quorum. Votes travel in replies to SENTINEL is-master-down-by-addr.
 */
import { MAX_DESYNC, type SentinelCore } from './core';
import { F_MASTER, F_S_DOWN, type Instance } from './instance';

/**
 * Handles a vote request for `master` in `reqEpoch` from `reqRunid`. Adopts a newer epoch; votes when it has not
 * voted in this epoch yet. Returns the vote it holds (maybe an earlier one) and its epoch.
 */
export function voteLeader(
  s: SentinelCore,
  master: Instance,
  reqEpoch: number,
  reqRunid: string,
): { leader: string | null; epoch: number } {
  if (reqEpoch > s.currentEpoch) {
    s.currentEpoch = reqEpoch;
    s.flushConfig();
    s.event('warning', '+new-epoch', master, String(s.currentEpoch));
  }
  if (master.leaderEpoch < reqEpoch && s.currentEpoch <= reqEpoch) {
    master.leader = reqRunid;
    master.leaderEpoch = s.currentEpoch;
    s.flushConfig();
    s.event('warning', '+vote-for-leader', master, `${master.leader} ${master.leaderEpoch}`);
    // Having voted for someone else, hold back our own attempt for this master for a while.
    if (master.leader.toLowerCase() !== s.myid.toLowerCase()) {
      master.failoverStartTime = s.now() + s.rand(MAX_DESYNC);
    }
  }
  return { leader: master.leader, epoch: master.leaderEpoch };
}

/**
 * Who won the election for `epoch`, from the votes the other sentinels reported plus our own (for the most voted
 * candidate, or ourselves when nobody has votes). Null when no candidate has a majority and the quorum.
 */
export function getLeader(s: SentinelCore, master: Instance, epoch: number): string | null {
  const voters = master.sentinels.size + 1;
  const counters = new Map<string, number>();
  for (const si of master.sentinels.values()) {
    if (si.leader !== null && si.leaderEpoch === s.currentEpoch) {
      counters.set(si.leader, (counters.get(si.leader) ?? 0) + 1);
    }
  }
  let winner: string | null = null;
  let maxVotes = 0;
  for (const [runid, votes] of counters) {
    if (votes > maxVotes) {
      maxVotes = votes;
      winner = runid;
    }
  }
  const mine = voteLeader(s, master, epoch, winner ?? s.myid);
  if (mine.leader !== null && mine.epoch === epoch) {
    const votes = (counters.get(mine.leader) ?? 0) + 1;
    counters.set(mine.leader, votes);
    if (votes > maxVotes) {
      maxVotes = votes;
      winner = mine.leader;
    }
  }
  const majority = Math.floor(voters / 2) + 1;
  if (winner !== null && (maxVotes < majority || maxVotes < master.quorum)) winner = null;
  return winner;
}

/**
 * SENTINEL is-master-down-by-addr <ip> <port> <epoch> <runid|*>: whether we see that master down (never in TILT),
 * and our vote when the asker requests one.
 */
export function isMasterDownByAddr(
  s: SentinelCore,
  host: string,
  port: number,
  reqEpoch: number,
  runid: string,
): { down: boolean; leader: string; epoch: number } {
  const ri = s.findInstance(s.masters, host, port, null);
  const down = !s.tilt && ri !== undefined && (ri.flags & F_S_DOWN) !== 0 && (ri.flags & F_MASTER) !== 0;
  let leader: string | null = null;
  let epoch = 0;
  if (ri !== undefined && ri.flags & F_MASTER && runid !== '*') {
    const v = voteLeader(s, ri, reqEpoch, runid);
    leader = v.leader;
    epoch = v.epoch;
  }
  return { down, leader: leader ?? '*', epoch };
}
