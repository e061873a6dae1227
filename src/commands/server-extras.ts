/**
 * Per-server state of the server command family that other subsystems plug into, kept beside the Server rather
 * than inside it: INFO section providers (replication and persistence replace theirs), the LASTSAVE source, hooks run
 * after FLUSHALL (persistence saves there), the options of a requested SHUTDOWN, and the replication ids INFO shows
 * until replication owns them. Reach it with `serverExtras(srv)`.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '../server/client';
import type { Server } from '../server/server';

/** Lines of one INFO section, without its "# Title" header and without line terminators. */
export type InfoProvider = (srv: Server) => string[];

export interface ShutdownOptions {
  /** true: SAVE, false: NOSAVE, null: save only if save points are configured */
  save: boolean | null;
  /** NOW: do not wait for lagging replicas */
  now: boolean;
  /** FORCE: exit even if saving fails */
  force: boolean;
}

export interface ServerExtras {
  /**
   * Section name (lower case, e.g. 'replication', 'persistence') -> provider replacing the built-in body of that
   * section. A provider for a name INFO does not know adds a section shown with "all"/"everything" or on request.
   */
  readonly infoProviders: Map<string, InfoProvider>;
  /** unix time (seconds) of the last successful save, for LASTSAVE and INFO rdb_last_save_time */
  lastSave: (srv: Server) => number;
  /** run after FLUSHALL emptied every database (persistence writes the empty dataset when save points exist) */
  readonly flushAllHooks: ((srv: Server) => void)[];
  /** set by SHUTDOWN before srv.shutdown() runs, for the shutdown hooks to read; null outside a shutdown */
  shutdown: ShutdownOptions | null;
  /** how SHUTDOWN ends the process (tests running a server in-process replace it) */
  exit: (code: number) => void;
  /** replication ids shown by INFO replication until replication provides its own section */
  replid: string;
  /** peak of used_memory seen by INFO / MEMORY STATS */
  peakMemory: number;
  /** ROLE's reply; replication replaces it (the default answers the master form) */
  role: ((c: Client) => void) | null;
  /** DEBUG QUICKLIST-PACKED-THRESHOLD value (accepted for compatibility, the list type decides itself) */
  quicklistPackedThreshold: number;
}

const registry = new WeakMap<Server, ServerExtras>();

export function serverExtras(srv: Server): ServerExtras {
  let x = registry.get(srv);
  if (!x) {
    x = {
      infoProviders: new Map(),
      lastSave: (s) => Math.floor(s.startedAt / 1000),
      flushAllHooks: [],
      shutdown: null,
      exit: (code) => process.exit(code),
      replid: randomBytes(20).toString('hex'),
      peakMemory: 0,
      role: null,
      quicklistPackedThreshold: 1 << 30,
    };
    registry.set(srv, x);
  }
  return x;
}
