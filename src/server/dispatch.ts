/**
 * Command dispatch, in the order Redis 7.0's processCommand applies its checks: lookup and arity, authentication,
 * ACL permissions, write gates (MISCONF, NOREPLICAS, READONLY), pub/sub context, stale replica, loading, MULTI
 * queueing, then call().
 * call() runs the handler, records statistics, feeds MONITOR and the slow log, and hands write effects to
 * propagation. Whether a command writes is read from the command table and nowhere else.
 */
import type { CommandEntry } from '../commands/command';
import { execAbort, execGate } from '../commands/transactions';
import type { Bytes } from '../protocol/bytes';
import { aclDenial } from './acl-registry';
import type { Client } from './client';
import { LatencyHistogram } from './latency-histogram';
import type { Server } from './server';

const MULTI_PASSTHROUGH = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
const PUBSUB_ALLOWED = new Set([
  'subscribe',
  'ssubscribe',
  'unsubscribe',
  'sunsubscribe',
  'psubscribe',
  'punsubscribe',
  'ping',
  'quit',
  'reset',
]);

function unknownCommandError(argv: readonly Bytes[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i].slice(0, 128 - args.length)}' `;
  }
  return `ERR unknown command '${argv[0].slice(0, 128)}', with args beginning with: ${args}`;
}

/** Rejects a command before execution: counts it, and poisons an open MULTI as Redis does. */
function reject(c: Client, entry: CommandEntry | null, msg: string): void {
  if (entry) entry.rejectedCalls++;
  if (c.inMulti) c.multiError = true;
  c.cmd = null; // not a failed call, a rejected one
  // A refused EXEC discards the transaction and reports why (EXECABORT), even outside MULTI.
  if (entry !== null && entry.fullName === 'exec') return execAbort(c, msg);
  c.error(msg);
}

/** Resolves argv to a table entry, including subcommands. Replies with the error and returns null on failure. */
export function lookupCommand(srv: Server, c: Client, argv: Bytes[]): CommandEntry | null {
  let entry = srv.commands.get(argv[0]);
  if (!entry) {
    reject(c, null, unknownCommandError(argv));
    return null;
  }
  // A container called alone is checked against its own arity, as in Redis: most (CONFIG, CLIENT...) have -2 and
  // fail with "wrong number of arguments"; COMMAND has -1 and runs its own handler.
  if (entry.subcommands && argv.length > 1) {
    const sub = entry.subcommands.get(argv[1].toLowerCase());
    if (!sub) {
      reject(c, entry, `ERR unknown subcommand '${argv[1].slice(0, 128)}'. Try ${entry.spec.name.toUpperCase()} HELP.`);
      return null;
    }
    entry = sub;
  }
  const arity = entry.spec.arity;
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
    reject(c, entry, `ERR wrong number of arguments for '${entry.fullName}' command`);
    return null;
  }
  return entry;
}

export function processCommand(srv: Server, c: Client, argv: Bytes[]): void {
  c.argv = argv;
  const entry = lookupCommand(srv, c, argv);
  if (entry === null) return;
  c.lastCmd = entry.fullName;

  // Whether authentication is needed is decided now: the default user may have gained nopass since the connection.
  if (!c.authenticated && !entry.isNoAuth && srv.authRequired()) {
    reject(c, entry, 'NOAUTH Authentication required.');
    return;
  }
  if (!c.unrestricted) {
    const denied = aclDenial(c, entry);
    if (denied !== null) return reject(c, entry, denied);
  }
  let gate = srv.rejectReason(c, entry);
  // EXEC is gated by what it queued as well (the server may have become a read-only replica meanwhile).
  if (gate === null && c.inMulti && entry.fullName === 'exec') gate = execGate(c);
  if (gate !== null) {
    reject(c, entry, gate);
    return;
  }
  if (c.resp === 2 && c.inPubSub && !PUBSUB_ALLOWED.has(entry.parent ? entry.parent.spec.name : entry.spec.name)) {
    reject(
      c,
      entry,
      `ERR Can't execute '${entry.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    );
    return;
  }
  // Writes paused (FAILOVER, shutdown waiting for replicas): the command waits, with its client, for the pause to end.
  if (srv.pauseGate?.(c, entry, argv)) return;
  if (c.inMulti && !MULTI_PASSTHROUGH.has(entry.spec.name)) {
    if (entry.isNoMulti) {
      reject(c, entry, 'ERR Command not allowed inside a transaction');
      return;
    }
    // A transaction already doomed (queueing error, touched WATCH) keeps answering QUEUED but stores nothing more.
    if (!c.multiError && !c.dirtyCas) c.multiQueue.push({ entry, argv });
    c.out.status('QUEUED');
    return;
  }
  call(srv, c, entry);
  if (srv.blocking.hasReady) srv.blocking.handleReady();
}

/**
 * Clock reading (performance.now) at the end of the previous command of the same pipelined batch, or -1. A clock
 * read costs ~80 ns here (as much as parsing a small command), so consecutive commands of one read share the reading
 * between them: the end of one is the start of the next (the parse in between is counted, as a few ns).
 */
let carriedClock = -1;
let batchOpen = false;

/** Brackets the commands run from one socket read (server.processInput). */
export function openBatch(): void {
  batchOpen = true;
  carriedClock = -1;
}

export function closeBatch(): void {
  batchOpen = false;
  carriedClock = -1;
}

/**
 * Executes one command: the handler, then bookkeeping. Used for top-level commands, for each command of EXEC, for
 * the replication stream, and for re-running blocked commands.
 */
export function call(srv: Server, c: Client, entry: CommandEntry): void {
  const dirtyBefore = srv.dirty;
  const prevCurrent = srv.currentClient;
  srv.currentClient = c;
  c.cmd = entry;
  c.propagateArgv = null;
  c.propagateHandled = false;
  const argv = c.argv;
  srv.propagator.begin();
  const t0 = carriedClock >= 0 ? carriedClock : performance.now();
  carriedClock = -1; // a nested call (EXEC) reads its own
  try {
    entry.spec.handler(c);
  } finally {
    const t1 = performance.now();
    if (batchOpen) carriedClock = t1;
    const usec = (t1 - t0) * 1000;
    if (!c.retryingBlocked || !c.blocked) {
      entry.calls++;
      entry.usec += usec;
      srv.stats.totalCommands++;
    }
    // A command left blocked is timed when it completes (its retry), as Redis records it on unblock.
    if (srv.latencyTracking && !c.blocked) (entry.latency ??= new LatencyHistogram()).record(usec * 1000);
    if (entry.isWrite && srv.dirty !== dirtyBefore && !c.propagateHandled) {
      srv.propagator.add(c.db.id, c.propagateArgv ?? argv);
    }
    srv.propagator.end();
    // Restored only now: replication reads currentClient while the effects are emitted (the writer's WAIT offset).
    srv.currentClient = prevCurrent;
    if (srv.monitors.size > 0 && !entry.skipMonitor && !entry.isAdmin) srv.feedMonitors(c, argv);
    if (!entry.skipSlowlog) srv.slowlog.maybeRecord(c, argv, usec);
    c.markPending();
  }
}
