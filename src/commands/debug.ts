/**
 * DEBUG. Refused unless enable-debug-command allows it (no | yes | local), with Redis 7.0's message. Subcommands live
 * in a registry so other subsystems add theirs without editing this file (persistence: RELOAD, DIGEST,
 * DIGEST-VALUE). MEMORY and LATENCY are in memory.ts and latency.ts and listed here with DEBUG.
 */
import { collectAfterBulkLoad } from '../server/gc';
import { parseMemoryExact } from '../config/values';
import { toRdbValue, encodingLimits } from '../persistence/convert';
import { encodeDump } from '../persistence/rdb';
import { listpackEntrySize } from '../persistence/rdb/listpack';
import { parseLong } from '../protocol/numbers';
import { encodeCommand } from '../replication/propagate';
import { replicationOf } from '../replication/state';
import type { Client } from '../server/client';
import { log } from '../server/log';
import { encodingOf, refcountOf } from '../store/objects';
import type { ListValue } from '../store/types/list';
import type { RedisValue } from '../store/value';
import { type CommandSpec, cmd } from './command';
import { latencyCommands } from './latency';
import { memoryCommands } from './memory';
import { serverExtras } from './server-extras';
import { allowProtectedAction, subcommandSyntaxError } from './server-util';

export interface DebugSubcommand {
  /** argc bounds including "DEBUG" and the subcommand name */
  minArgs: number;
  maxArgs: number;
  /** one line for DEBUG HELP: usage, then a short description */
  help: [usage: string, text: string];
  handler: (c: Client) => void;
}

/** DEBUG subcommands by lower-case name. Other subsystems may register more. */
export const debugSubcommands = new Map<string, DebugSubcommand>();

export function registerDebugSubcommand(name: string, sub: DebugSubcommand): void {
  debugSubcommands.set(name.toLowerCase(), sub);
}

const NOT_ALLOWED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

function debug(c: Client): void {
  if (!allowProtectedAction(c, 'enable-debug-command')) return c.error(NOT_ALLOWED);
  const name = c.argv[1].toLowerCase();
  if (name === 'help' && c.argv.length === 2) return debugHelp(c);
  const sub = debugSubcommands.get(name);
  if (!sub || c.argv.length < sub.minArgs || c.argv.length > sub.maxArgs) {
    return subcommandSyntaxError(c, 'DEBUG');
  }
  sub.handler(c);
}

function debugHelp(c: Client): void {
  const names = [...debugSubcommands.keys()].sort();
  c.out.arrayLen(names.length * 2 + 3);
  c.out.status('DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  for (const n of names) {
    const [usage, text] = debugSubcommands.get(n)!.help;
    c.out.status(usage);
    c.out.status(`    ${text}`);
  }
  c.out.status('HELP');
  c.out.status('    Prints this help.');
}

/** strtod-like: the longest numeric prefix, 0 when there is none. */
function leadingFloat(s: string): number {
  const m = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(s);
  return m ? Number(m[0]) : 0;
}

/** atoi-like: the leading integer, 0 when there is none. */
function leadingInt(s: string): number {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m ? Number.parseInt(m[0], 10) : 0;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the whole server like Redis' DEBUG SLEEP does (no event loop turn happens meanwhile). */
function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}

// ---- DEBUG subcommands -------------------------------------------------------------------------------------------

registerDebugSubcommand('sleep', {
  minArgs: 3,
  maxArgs: 3,
  help: ['SLEEP <seconds>', 'Stop the server for <seconds>. Decimals allowed.'],
  handler: (c) => {
    sleepSync(Math.floor(leadingFloat(c.argv[2]) * 1e6) / 1000);
    c.ok();
  },
});

registerDebugSubcommand('set-active-expire', {
  minArgs: 3,
  maxArgs: 3,
  help: ['SET-ACTIVE-EXPIRE <0|1>', '0 stops expiring keys in the background, 1 restores it.'],
  handler: (c) => {
    c.srv.activeExpireEnabled = leadingInt(c.argv[2]) !== 0;
    c.ok();
  },
});

registerDebugSubcommand('quicklist-packed-threshold', {
  minArgs: 3,
  maxArgs: 3,
  help: ['QUICKLIST-PACKED-THRESHOLD <size>', 'Accepted for compatibility (0 restores the default of 1GB).'],
  handler: (c) => {
    const sz = parseMemoryExact(c.argv[2]);
    if (sz === null || sz > 2n ** 32n - 2n ** 20n) {
      return c.error('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
    }
    serverExtras(c.srv).quicklistPackedThreshold = sz === 0n ? 1 << 30 : Number(sz);
    c.ok();
  },
});

registerDebugSubcommand('set-skip-checksum-validation', {
  minArgs: 3,
  maxArgs: 3,
  help: ['SET-SKIP-CHECKSUM-VALIDATION <0|1>', 'Accepted for compatibility.'],
  handler: (c) => c.ok(),
});

registerDebugSubcommand('log', {
  minArgs: 3,
  maxArgs: 3,
  help: ['LOG <message>', 'Write <message> to the server log.'],
  handler: (c) => {
    log.warning(`DEBUG LOG: ${c.argv[2]}`);
    c.ok();
  },
});

registerDebugSubcommand('error', {
  minArgs: 3,
  maxArgs: 3,
  help: ['ERROR <string>', 'Reply with <string> as an error.'],
  handler: (c) => c.error(c.argv[2]),
});

registerDebugSubcommand('object', {
  minArgs: 3,
  maxArgs: 3,
  help: ['OBJECT <key>', 'Show low level facts about <key> and its value.'],
  handler: (c) => {
    const key = c.argv[2];
    const v = c.db.peek(key);
    if (v === undefined) return c.error('ERR no such key');
    const cfg = c.srv.config;
    const policy = cfg.get('maxmemory-policy');
    const sharing = cfg.get('maxmemory') === '0' || !(policy.includes('lru') || policy.includes('lfu'));
    const extra = typeof v !== 'string' && v.type === 'list' ? quicklistFacts(c, v) : '';
    // No per-key access clock is kept (OBJECT IDLETIME is 0 too): the key reads as used just now.
    const lru = Math.floor(Date.now() / 1000) & 0xffffff;
    c.out.status(
      `Value at:0x0 refcount:${refcountOf(c.db, key, v, sharing)} encoding:${encodingOf(c.db, key, v)} ` +
        `serializedlength:${serializedLength(c, v)} lru:${lru} lru_seconds_idle:0${extra}`,
    );
  },
});

/** Bytes the value takes in an RDB image, without its type byte: the DUMP payload less type, version and CRC. */
function serializedLength(c: Client, v: RedisValue): number {
  const cfg = c.srv.config;
  const payload = encodeDump(toRdbValue(v), { ...encodingLimits(cfg), compression: cfg.bool('rdbcompression') });
  return payload.length - 11;
}

/**
 * The quicklist part of DEBUG OBJECT, as Redis would lay the list out: elements appended into listpack nodes
 * bounded by list-max-listpack-size (negative: 4..64 KB per node; positive: that many elements, and 8 KB).
 */
function quicklistFacts(c: Client, list: ListValue): string {
  const fill = c.srv.config.num('list-max-listpack-size');
  const maxBytes = fill < 0 ? 4096 * 2 ** (Math.min(-fill, 5) - 1) : 8192;
  const maxCount = fill > 0 ? fill : Number.POSITIVE_INFINITY;
  const EMPTY = 7; // listpack header (6) and terminator (1)
  let nodes = 0;
  let total = 0;
  let bytes = 0;
  let count = 0;
  list.forEach((item) => {
    const n = listpackEntrySize(item);
    if (nodes === 0 || count >= maxCount || bytes + n > maxBytes) {
      if (nodes > 0) total += bytes;
      nodes++;
      bytes = EMPTY;
      count = 0;
    }
    bytes += n;
    count++;
  });
  total += bytes;
  const avg = nodes > 0 ? list.size / nodes : 0;
  const compressed = c.srv.config.num('list-compress-depth') !== 0 ? 1 : 0;
  return ` ql_nodes:${nodes} ql_avg_node:${avg.toFixed(2)} ql_listpack_max:${fill} ql_compressed:${compressed} ql_uncompressed_size:${total}`;
}

/** POPULATE of at least this many keys is a bulk load (see src/server/gc.ts) */
const BULK_LOAD_KEYS = 100_000;

registerDebugSubcommand('populate', {
  minArgs: 3,
  maxArgs: 5,
  help: ['POPULATE <count> [<prefix>] [<size>]', 'Create <count> string keys named <prefix>:<num> (default key).'],
  handler: (c) => {
    const positive = 'ERR value is out of range, must be positive';
    const count = parseLong(c.argv[2]);
    if (count === null || count < 0) return c.error(positive);
    let size = 0;
    if (c.argv.length === 5) {
      const s = parseLong(c.argv[4]);
      if (s === null || s < 0) return c.error(positive);
      size = s;
    }
    const prefix = c.argv.length >= 4 ? c.argv[3] : 'key';
    for (let j = 0; j < count; j++) {
      const key = `${prefix}:${j}`;
      if (c.db.get(key) !== undefined) continue;
      let val = `value:${j}`;
      if (size > 0) val = size <= val.length ? val.slice(0, size) : val + '\0'.repeat(size - val.length);
      c.db.add(key, val);
      c.db.touch(key);
    }
    if (count >= BULK_LOAD_KEYS) collectAfterBulkLoad();
    c.ok();
  },
});

registerDebugSubcommand('protocol', {
  minArgs: 3,
  maxArgs: 3,
  help: ['PROTOCOL <type>', 'Reply with a sample of a RESP type (string, integer, double, map, push, ...).'],
  handler: (c) => {
    const o = c.out;
    const resp3 = c.resp === 3;
    switch (c.argv[2].toLowerCase()) {
      case 'string':
        return o.bulk('Hello World');
      case 'integer':
        return o.int(12345);
      case 'double':
        // biome-ignore lint/suspicious/noApproximativeNumericConstant: the sample value Redis replies with
        return o.double(3.141);
      case 'bignum':
        if (resp3) return o.raw('(1234567999999999999999999999999999999\r\n');
        return o.bulk('1234567999999999999999999999999999999');
      case 'null':
        return o.null();
      case 'array':
      case 'set':
        if (c.argv[2].toLowerCase() === 'set') o.setLen(3);
        else o.arrayLen(3);
        for (let j = 0; j < 3; j++) o.int(j);
        return;
      case 'map':
        o.mapLen(3);
        for (let j = 0; j < 3; j++) {
          o.int(j);
          o.bool(j === 1);
        }
        return;
      case 'attrib':
        if (resp3) {
          o.raw('|1\r\n');
          o.bulk('key-popularity');
          o.arrayLen(2);
          o.bulk('key:123');
          o.int(90);
        }
        return o.bulk('Some real reply following the attribute');
      case 'push':
        if (!resp3) return c.error('ERR RESP2 is not supported by this command');
        o.pushLen(2);
        o.bulk('server-cpu-usage');
        o.int(42);
        return o.bulk('Some real reply following the push reply');
      case 'true':
        return o.bool(true);
      case 'false':
        return o.bool(false);
      case 'verbatim':
        return o.verbatim('This is a verbatim\nstring');
      default:
        return c.error(
          'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
        );
    }
  },
});

registerDebugSubcommand('change-repl-id', {
  minArgs: 2,
  maxArgs: 2,
  help: ['CHANGE-REPL-ID', 'Give this node a new replication id and forget the previous one (for replication tests).'],
  handler: (c) => {
    log.warning('Changing replication IDs after receiving DEBUG change-repl-id');
    const h = replicationOf(c.srv).history;
    h.changeId();
    serverExtras(c.srv).replid = h.replid;
    c.ok();
  },
});

registerDebugSubcommand('replicate', {
  minArgs: 3,
  maxArgs: Number.POSITIVE_INFINITY,
  help: ['REPLICATE <arg> ...', 'Send a command to the replicas without running it here (lets data diverge).'],
  handler: (c) => {
    // Straight into the stream, in whatever db it last selected, as Redis does. The propagator has a sink only
    // while a backlog exists, and a replica node relays nothing but its master's bytes: no-ops there, as in Redis.
    c.srv.propagator.send(encodeCommand(c.argv.slice(2)));
    c.ok();
  },
});

registerDebugSubcommand('leak', {
  minArgs: 3,
  maxArgs: 3,
  help: ['LEAK <string>', 'Accepted for compatibility (nothing is leaked: the garbage collector owns memory).'],
  handler: (c) => c.ok(),
});

const meta = (summary: string, since: string, args?: string) => ({ group: 'server', summary, since, args });
const ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;

export const debugCommands: CommandSpec[] = [
  cmd('debug', -2, ADMIN, [0, 0, 0], meta('Debugging and testing aids', '1.0.0', 'subcommand [argument ...]'), debug),
  ...memoryCommands,
  ...latencyCommands,
];
