/**
 * Replication history identity: the current replication id and offset, the previous id (replid2) with the offset up
 * to which it is valid, and the PSYNC decision that depends on them. Pure: no sockets, no timers. Rules follow
 * ../shared/spec/replication.md §1 and §3.
 */
import { randomBytes } from 'node:crypto';
import type { Backlog } from './backlog';

export const NO_REPLID = '0000000000000000000000000000000000000000';

export function newReplId(): string {
  return randomBytes(20).toString('hex');
}

export type PsyncDecision = { kind: 'continue'; replid: string; fromOffset: number } | { kind: 'full'; reason: string };

export class ReplicationHistory {
  replid = newReplId();
  replid2 = NO_REPLID;
  /** replid2 is valid for PSYNC offsets <= secondOffset; -1 when unset */
  secondOffset = -1;
  /** master_repl_offset: bytes of stream produced (master) or applied (replica) */
  offset = 0;

  /** New history (backlog created from scratch or freed): new id, forget the previous one. */
  changeId(): void {
    this.replid = newReplId();
    this.clearSecondary();
  }

  clearSecondary(): void {
    this.replid2 = NO_REPLID;
    this.secondOffset = -1;
  }

  /**
   * Promotion (REPLICAOF NO ONE) or a +CONTINUE with a new id: the current id becomes replid2, valid up to the current
   * offset, so replicas of the old history can still continue from us.
   */
  shiftId(newId = newReplId()): void {
    this.replid2 = this.replid;
    this.secondOffset = this.offset + 1;
    this.replid = newId;
  }

  /** Adopts a master's history after a full sync. */
  adopt(replid: string, offset: number): void {
    this.replid = replid;
    this.offset = offset;
    this.clearSecondary();
  }

  /**
   * Decides a PSYNC request (`reqId`, `reqOffset` = next byte the replica lacks). Continue iff the id names our
   * history (or the previous one, up to where it was valid) and the backlog still holds every byte from reqOffset.
   */
  decide(reqId: string, reqOffset: number, backlog: Backlog | null): PsyncDecision {
    if (reqId === '?') return { kind: 'full', reason: 'Full resync requested by replica' };
    const idMatches = reqId === this.replid || (reqId === this.replid2 && reqOffset <= this.secondOffset);
    if (!idMatches) {
      const why =
        reqId === this.replid2
          ? `Requested offset ${reqOffset} beyond the second history limit ${this.secondOffset}`
          : `Replication ID mismatch (Replica asked for '${reqId}', my replication IDs are '${this.replid}' and '${this.replid2}')`;
      return { kind: 'full', reason: why };
    }
    if (backlog === null) return { kind: 'full', reason: 'No backlog' };
    if (!backlog.covers(reqOffset)) {
      return {
        kind: 'full',
        reason: `Unable to partial resync with replica for lack of backlog (Replica request was: ${reqOffset}).`,
      };
    }
    return { kind: 'continue', replid: this.replid, fromOffset: reqOffset };
  }
}
