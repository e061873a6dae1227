/**
 * The shape of a command-table entry. Every family file (strings.ts, lists.ts, ...) exports an array of these; the
 * single table in table.ts merges them. Dispatch, the replica READONLY check, MULTI queueing, propagation to replicas
 * and COMMAND INFO all read these fields — nothing else decides whether a command writes.
 */
import type { Client } from '../server/client';
import type { LatencyHistogram } from '../server/latency-histogram';

/** Redis 7.0 command flags (as COMMAND INFO prints them). */
export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'module'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'asking'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'sentinel'
  | 'only_sentinel'
  | 'no_mandatory_keys'
  | 'no_async_loading'
  | 'no_multi'
  | 'movablekeys'
  | 'allow_busy';

export type CommandHandler = (c: Client) => void;

export interface CommandSpec {
  /** lower-case name; for subcommands the subcommand alone ("get" under "config") */
  name: string;
  /** Redis convention: N > 0 exactly N args including the name; -N at least N */
  arity: number;
  flags: readonly CommandFlag[];
  /** 1-based key positions as COMMAND INFO reports them (0,0,0 for no keys; lastKey -1 = up to the end) */
  firstKey: number;
  lastKey: number;
  keyStep: number;
  /** ACL categories without '@' (e.g. 'string', 'fast', 'write'); 'keyspace' etc. as Redis 7.0 */
  acl?: readonly string[];
  /** COMMAND DOCS group: 'string', 'list', 'generic', 'server', 'connection', ... */
  group: string;
  /** One-line description written by us, for COMMAND DOCS and redis-cli hints */
  summary: string;
  since: string;
  complexity?: string;
  /** Argument synopsis for redis-cli hints, e.g. "key value [EX seconds|PX milliseconds] [NX|XX]" */
  args?: string;
  /** Container commands (CONFIG, CLIENT, OBJECT...) list subcommands; the container's handler is then unused */
  subcommands?: readonly CommandSpec[];
  /** Extracts key positions when they cannot be described by first/last/step (flag movablekeys) */
  getKeys?: (argv: readonly string[]) => number[];
  handler: CommandHandler;
}

/** Helper for family files: fills the boring defaults so each entry states only what matters. */
export function cmd(
  name: string,
  arity: number,
  flags: readonly CommandFlag[],
  keys: [first: number, last: number, step: number],
  meta: { group: string; summary: string; since: string; args?: string; complexity?: string; acl?: readonly string[] },
  handler: CommandHandler,
  extra?: Partial<Pick<CommandSpec, 'subcommands' | 'getKeys'>>,
): CommandSpec {
  return {
    name,
    arity,
    flags,
    firstKey: keys[0],
    lastKey: keys[1],
    keyStep: keys[2],
    group: meta.group,
    summary: meta.summary,
    since: meta.since,
    args: meta.args,
    complexity: meta.complexity,
    acl: meta.acl,
    handler,
    ...extra,
  };
}

/** Runtime view of a table entry with flags pre-computed as booleans (dispatch reads these on every call). */
export interface CommandEntry {
  spec: CommandSpec;
  /** "set", or "config|get" for subcommands (used in errors, INFO commandstats and COMMAND) */
  fullName: string;
  parent: CommandEntry | null;
  subcommands: Map<string, CommandEntry> | null;
  isWrite: boolean;
  isReadonly: boolean;
  isDenyOom: boolean;
  isAdmin: boolean;
  isPubsub: boolean;
  isNoAuth: boolean;
  isLoadingOk: boolean;
  isStaleOk: boolean;
  isNoMulti: boolean;
  isBlocking: boolean;
  isFast: boolean;
  isMayReplicate: boolean;
  skipMonitor: boolean;
  skipSlowlog: boolean;
  // statistics (INFO commandstats)
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
  /** INFO latencystats / LATENCY HISTOGRAM: allocated on the first timed call, dropped by CONFIG RESETSTAT */
  latency: LatencyHistogram | null;
}
