/**
 * Installing the replica side into a server: the REPLICAOF command reaches it through replicaOf(); start-up calls
 * installReplica() (replicaof directive, continuing the history named by the dump's replication fields — as a
 * replica's cached master or as a restarted master's replid2 — and the AUX fields of our own dumps).
 */
import { serverExtras } from '../commands/server-extras';
import { persistence } from '../persistence/persistence';
import type { Bytes } from '../protocol/bytes';
import type { Server } from '../server/server';
import { ReplicaLink } from './replica';
import { replicaRoleFallback, replicaSaveInfo, replicationInfoFallback } from './replica-info';
import { replicationOf } from './state';

/** The replica side of a server (created on first use). */
export function replicaOf(srv: Server): ReplicaLink {
  const rs = replicationOf(srv);
  let r = rs.replica;
  if (!(r instanceof ReplicaLink)) {
    r = new ReplicaLink(srv);
    rs.replica = r;
    const x = serverExtras(srv);
    if (!x.infoProviders.has('replication')) x.infoProviders.set('replication', replicationInfoFallback);
    if (x.role === null) x.role = replicaRoleFallback;
  }
  return r as ReplicaLink;
}

/**
 * Wires the replica side into a server about to start (call once, from start-up, after persistence is installed):
 * honours the replicaof directive, and once the dataset is loaded seeds the cached master from the RDB's
 * replication fields so a restarted replica can continue with a partial resync.
 */
export function installReplica(srv: Server): ReplicaLink {
  const r = replicaOf(srv);
  const v = srv.config.get('replicaof');
  if (v !== '') {
    const sp = v.lastIndexOf(' ');
    r.startFromConfig(v.slice(0, sp), Number(v.slice(sp + 1)));
  }
  const p = persistence(srv);
  srv.loadHooks.push(() => {
    if (p.loadedRepl === null) return;
    if (srv.masterHost !== null) r.seedFromRdb(p.loadedRepl);
    else resumeMasterHistory(srv, p.loadedRepl);
  });
  if (p.replInfo === null) {
    p.replInfo = () => {
      const mine = replicaSaveInfo(r);
      if (mine !== null) return mine;
      // A master's image carries its history only while it has a backlog (a replica could continue from it).
      const rs = replicationOf(srv);
      if (rs.backlog === null) return undefined;
      const db = srv.propagator.selectedDb;
      return { replId: rs.history.replid, offset: rs.history.offset, streamDb: Math.max(db, 0) };
    };
  }
  return r;
}

/**
 * A master restarted from its own dump keeps the saved history reachable, as Redis 7.0 does: the dump's id becomes
 * replid2, valid up to the saved offset, and a backlog starts there. The replicas it had (a sentinel-managed master
 * restarted within down-after, say) then PSYNC <old id> <offset+1> and continue instead of taking a full sync.
 * The current id stays this run's fresh one.
 */
function resumeMasterHistory(srv: Server, repl: { replId: Bytes; offset: number; streamDb: number }): void {
  const state = replicationOf(srv);
  if (state.primary === null || state.backlog !== null) return;
  if (repl.replId.length !== 40 || !Number.isSafeInteger(repl.offset) || repl.offset < 0 || repl.streamDb < 0) return;
  const h = state.history;
  h.replid2 = repl.replId;
  h.secondOffset = repl.offset + 1;
  h.offset += repl.offset;
  state.primary.ensureBacklog();
}

/**
 * For the persistence side (or start-up code): the replication fields of the RDB loaded at start-up
 * (LoadResult.repl). On a replica they become the cached master (PSYNC <repl-id> <repl-offset + 1>).
 */
export function seedReplicationFromRdb(srv: Server, repl: { replId: Bytes; offset: number; streamDb: number }): void {
  replicaOf(srv).seedFromRdb(repl);
}
