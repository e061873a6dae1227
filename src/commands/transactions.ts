/**
 * Transactions: MULTI EXEC DISCARD WATCH UNWATCH.
 *
 * Queueing happens in dispatch (commands get +QUEUED; a rejected command poisons the transaction through
 * c.multiError). EXEC runs each queued command through dispatch's call(), so statistics, MONITOR, the slow log and
 * propagation behave exactly as for top-level commands; the propagator nests, so the writes of one EXEC reach
 * replicas as one MULTI/EXEC block when there are at least two of them. Clients blocked on keys that the
 * transaction fed are served by dispatch after EXEC returns.
 */
import { aclExecDenied } from '../server/acl-registry';
import { call } from '../server/dispatch';
import type { Client } from '../server/client';
import { type CommandSpec, cmd } from './command';

const meta = (summary: string, since: string, args?: string) => ({ group: 'transactions', summary, since, args });

/** Leaves MULTI state: queue, error flags, watches. */
export function discardTransaction(c: Client): void {
  c.inMulti = false;
  c.multiQueue = [];
  c.multiError = false;
  c.srv.watches.unwatchAll(c);
}

/**
 * EXEC itself was refused (arity, a gate such as READONLY, the RESP2 pub/sub context): the transaction is discarded
 * and the reason is reported as EXECABORT, without the "ERR " prefix of the original message. Called by dispatch,
 * which has already counted the rejection; MONITOR still sees the EXEC, as in Redis.
 */
export function execAbort(c: Client, reason: string): void {
  discardTransaction(c);
  const text = reason.startsWith('ERR ') ? reason.slice(4) : reason;
  c.error(`EXECABORT Transaction discarded because of: ${text}`);
  const srv = c.srv;
  if (srv.monitors.size > 0) srv.feedMonitors(c, c.argv);
}

function multi(c: Client): void {
  if (c.inMulti) return c.error('ERR MULTI calls can not be nested');
  c.inMulti = true;
  c.ok();
}

function discard(c: Client): void {
  if (!c.inMulti) return c.error('ERR DISCARD without MULTI');
  discardTransaction(c);
  c.ok();
}

/**
 * The write/role gates dispatch applies to a single command apply to EXEC with the flags of everything it queued
 * (the server may have become a read-only replica since the commands were queued). Dispatch calls this for EXEC
 * inside MULTI and refuses it (EXECABORT) on the first reason returned.
 */
export function execGate(c: Client): string | null {
  const srv = c.srv;
  for (const q of c.multiQueue) {
    const reason = srv.rejectReason(c, q.entry);
    if (reason !== null) return reason;
  }
  return null;
}

function exec(c: Client): void {
  if (!c.inMulti) return c.error('ERR EXEC without MULTI');
  const srv = c.srv;
  if (srv.watches.anyExpired(c)) c.dirtyCas = true;
  if (c.multiError) {
    discardTransaction(c);
    return c.error('EXECABORT Transaction discarded because of previous errors.');
  }
  if (c.dirtyCas) {
    discardTransaction(c);
    return c.out.nullArray();
  }

  const queue = c.multiQueue;
  const self = c.cmd;
  const argv = c.argv;
  srv.watches.unwatchAll(c); // nothing can fail the transaction any more
  // inMulti stays set while the queue runs (as Redis' CLIENT_MULTI does): SUBSCRIBE keeps its exemption and blocking
  // commands see they must not block.
  c.inExec = true;
  c.out.arrayLen(queue.length);
  // An ACL refusal after the last command run counts as a failure of EXEC itself (Redis' error accounting).
  let refusedLast = false;
  try {
    for (const q of queue) {
      c.argv = q.argv;
      // ACL rules may have changed since the command was queued: it is checked again.
      refusedLast = !c.unrestricted && aclExecDenied(c, q.entry);
      if (refusedLast) continue;
      try {
        call(srv, c, q.entry);
      } catch (err) {
        // Keep the reply array well-formed: one reply per queued command, whatever happens.
        c.error(`ERR internal error: ${(err as Error).message}`);
      }
    }
  } finally {
    c.inExec = false;
    c.argv = argv;
    c.cmd = self;
    if (refusedLast && self) self.failedCalls++;
    discardTransaction(c);
  }
}

function watch(c: Client): void {
  if (c.inMulti) return c.error('ERR WATCH inside MULTI is not allowed');
  const watches = c.srv.watches;
  for (let i = 1; i < c.argv.length; i++) watches.watch(c, c.db, c.argv[i]);
  c.ok();
}

function unwatch(c: Client): void {
  c.srv.watches.unwatchAll(c);
  c.ok();
}

export const transactionCommands: CommandSpec[] = [
  cmd(
    'multi',
    1,
    ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    [0, 0, 0],
    meta('Starts a transaction', '1.2.0'),
    multi,
  ),
  cmd(
    'exec',
    1,
    ['noscript', 'loading', 'stale', 'skip_slowlog'],
    [0, 0, 0],
    meta('Executes the commands queued since MULTI', '1.2.0'),
    exec,
  ),
  cmd(
    'discard',
    1,
    ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    [0, 0, 0],
    meta('Discards the commands queued since MULTI', '2.0.0'),
    discard,
  ),
  cmd(
    'watch',
    -2,
    ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    [1, -1, 1],
    meta('Makes the next EXEC fail if any of the keys changes before it', '2.2.0', 'key [key ...]'),
    watch,
  ),
  cmd(
    'unwatch',
    1,
    ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    [0, 0, 0],
    meta('Forgets all WATCHed keys', '2.2.0'),
    unwatch,
  ),
];
