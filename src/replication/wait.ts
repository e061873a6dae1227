/**
 * WAIT numreplicas timeout (spec §12). A client's `woff` is the replication offset right after its last write that
 * reached the stream; WAIT counts the online replicas whose acknowledged offset reached it. When too few have, the
 * client blocks (keyless: the blocking manager only provides the timeout, CLIENT UNBLOCK and cleanup on close) and
 * sits in this list until enough ACKs arrive. Not a key-blocking command, so nothing here is re-run by dispatch.
 */
import type { BlockState, Client } from '../server/client';

export interface AckSource {
  state: string;
  ackOffset: number;
}

/** Replicas online whose acknowledged offset is at least `offset`. */
export function countAcks(links: readonly AckSource[], offset: number): number {
  let n = 0;
  for (const l of links) if (l.state === 'online' && l.ackOffset >= offset) n++;
  return n;
}

interface Waiter {
  c: Client;
  /** the block this wait created: once the client's block is another (or none), the wait is over */
  block: BlockState;
  offset: number;
  numreplicas: number;
}

export class WaitList {
  private waiters: Waiter[] = [];

  get size(): number {
    return this.waiters.length;
  }

  /** Registers a client the caller has just blocked. */
  add(c: Client, offset: number, numreplicas: number): void {
    this.waiters.push({ c, block: c.blocked!, offset, numreplicas });
  }

  /** Unblocks every waiter that now has enough acknowledgements (replying with the count); drops finished ones. */
  process(count: (offset: number) => number): void {
    if (this.waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      const c = w.c;
      if (c.closed || c.blocked !== w.block) continue; // timed out, CLIENT UNBLOCK, or gone
      const n = count(w.offset);
      if (n < w.numreplicas) {
        keep.push(w);
        continue;
      }
      c.srv.blocking.unblock(c);
      c.out.int(n);
      c.srv.resumeClient(c);
    }
    this.waiters = keep;
  }

  forget(c: Client): void {
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.c !== c);
  }
}
