/**
 * DEBUG, MEMORY and LATENCY. DEBUG is refused unless enable-debug-command allows it, as in Redis 7.0; its
 * subcommands live in a registry so persistence and replication can add theirs (RELOAD, DIGEST, CHANGE-REPL-ID)
 * without editing this file. MEMORY figures are estimates: V8 does not expose per-object sizes.
 */
import { parseMemoryExact } from '../config/values';
import type { Bytes } from '../protocol/bytes';
import { parseLong } from '../protocol/numbers';
import type { Client } from '../server/client';
import { log } from '../server/log';
import type { RedisValue } from '../store/value';
import { type CommandSpec, cmd } from './command';
import { memoryFigures } from './info';
import { serverExtras } from './server-extras';
import { allowProtectedAction, replyHelp, subcommandSyntaxError } from './server-util';

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

export function stringEncoding(v: Bytes): string {
  if (v.length <= 20 && parseLong(v) !== null) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
}

function encodingOf(v: RedisValue): string {
  return typeof v === 'string' ? stringEncoding(v) : v.encoding();
}

/** Rough memory estimate of one key and its value, in the spirit of MEMORY USAGE (allocator-rounded sizes). */
export function estimateUsage(key: Bytes, v: RedisValue): number {
  const alloc = (n: number) => (n <= 8 ? 8 : n <= 128 ? Math.ceil(n / 16) * 16 : 2 ** Math.ceil(Math.log2(n)));
  let size = 24 + alloc(key.length + 4); // dict entry + key
  if (typeof v === 'string') {
    const enc = stringEncoding(v);
    size += enc === 'int' ? 16 : enc === 'embstr' ? alloc(16 + v.length + 4) : 16 + alloc(v.length + 9);
    return size;
  }
  const n = v.size;
  const enc = v.encoding();
  // compact encodings cost a few bytes per element, the dict-based ones a node plus pointers each
  const perElement = enc === 'listpack' || enc === 'intset' || enc === 'quicklist' ? 12 : 64;
  return size + 16 + 64 + n * perElement;
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
    const v = c.db.peek(c.argv[2]);
    if (v === undefined) return c.error('ERR no such key');
    const ser = typeof v === 'string' ? v.length + 1 : estimateUsage(c.argv[2], v);
    c.out.status(`Value at:0x0 refcount:1 encoding:${encodingOf(v)} serializedlength:${ser} lru:0 lru_seconds_idle:0`);
  },
});

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

// ---- MEMORY --------------------------------------------------------------------------------------------------------

function memoryUsage(c: Client): void {
  const argv = c.argv;
  for (let j = 3; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
      const n = parseLong(argv[j + 1]);
      if (n === null) return c.notInteger();
      if (n < 0) return c.syntaxError();
      j++;
    } else {
      return c.syntaxError();
    }
  }
  const v = c.db.peek(argv[2]);
  if (v === undefined) return c.out.null();
  c.out.int(estimateUsage(argv[2], v));
}

function memoryStats(c: Client): void {
  const f = memoryFigures(c.srv);
  const o = c.out;
  const dbs = c.srv.dbs.filter((d) => d.size > 0);
  const keys = c.srv.dbs.reduce((n, d) => n + d.size, 0);
  const int = (k: string, v: number) => {
    o.bulk(k);
    o.int(Math.round(v));
  };
  const dbl = (k: string, v: number) => {
    o.bulk(k);
    o.double(Number.isFinite(v) ? v : 0);
  };
  o.mapLen(27 + dbs.length);
  int('peak.allocated', f.peak);
  int('total.allocated', f.used);
  int('startup.allocated', f.startup);
  int('replication.backlog', 0);
  int('clients.slaves', f.clientsReplicas);
  int('clients.normal', f.clientsNormal);
  int('cluster.links', 0);
  int('aof.buffer', 0);
  int('lua.caches', 0);
  int('functions.caches', 0);
  for (const d of dbs) {
    o.bulk(`db.${d.id}`);
    o.mapLen(3);
    int('overhead.hashtable.main', d.size * 24);
    int('overhead.hashtable.expires', d.expires.size * 24);
    int('overhead.hashtable.slot-to-keys', 0);
  }
  int('overhead.total', f.overhead);
  int('keys.count', keys);
  int('keys.bytes-per-key', keys ? (f.used - f.startup) / keys : 0);
  int('dataset.bytes', f.dataset);
  dbl('dataset.percentage', f.datasetPerc);
  dbl('peak.percentage', f.peakPerc);
  int('allocator.allocated', f.used);
  int('allocator.active', f.heapTotal);
  int('allocator.resident', f.rss);
  dbl('allocator-fragmentation.ratio', f.used ? f.heapTotal / f.used : 0);
  int('allocator-fragmentation.bytes', Math.max(0, f.heapTotal - f.used));
  dbl('allocator-rss.ratio', f.heapTotal ? f.rss / f.heapTotal : 0);
  int('allocator-rss.bytes', f.rss - f.heapTotal);
  dbl('rss-overhead.ratio', 1);
  int('rss-overhead.bytes', 0);
  dbl('fragmentation', f.used ? f.rss / f.used : 0);
  int('fragmentation.bytes', f.rss - f.used);
}

function memoryDoctor(c: Client): void {
  const f = memoryFigures(c.srv);
  const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
  let text = `Tandem memory report: ${mb(f.used)} in use (peak ${mb(f.peak)}), process RSS ${mb(f.rss)}.\n`;
  if (f.used < 5 * 1048576) {
    text += 'The dataset is too small for a meaningful diagnosis.\n';
  } else if (f.rss / f.used > 1.5) {
    text += 'RSS is well above the memory in use: the JavaScript heap holds freed space it has not returned yet.\n';
  } else {
    text += 'No memory problems detected.\n';
  }
  c.out.verbatim(text);
}

const memoryHelpLines = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

// ---- LATENCY -------------------------------------------------------------------------------------------------------

function latencyDoctor(c: Client): void {
  c.out.verbatim(
    'Tandem latency report: no latency events are recorded (latency-monitor-threshold is not acted on yet). ' +
      'Per-command call counts and times are in INFO commandstats.\n',
  );
}

function latencyHistogram(c: Client): void {
  const srv = c.srv;
  const wanted = c.argv.slice(2).map((a) => a.toLowerCase());
  const rows = [...srv.commands.all()].filter(
    (e) => e.calls > 0 && (wanted.length === 0 || wanted.includes(e.fullName)),
  );
  c.out.mapLen(rows.length);
  for (const e of rows) {
    c.out.bulk(e.fullName);
    c.out.mapLen(2);
    c.out.bulk('calls');
    c.out.int(e.calls);
    c.out.bulk('histogram_usec');
    c.out.mapLen(0); // per-call latencies are not kept (see INFO latencystats)
  }
}

const latencyHelpLines = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

function help(name: string, lines: readonly string[]) {
  return (c: Client) => replyHelp(c, name, lines);
}

const meta = (summary: string, since: string, args?: string) => ({ group: 'server', summary, since, args });
const ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;

export const debugCommands: CommandSpec[] = [
  cmd('debug', -2, ADMIN, [0, 0, 0], meta('Debugging and testing aids', '1.0.0', 'subcommand [argument ...]'), debug),
  cmd('memory', -2, [], [0, 0, 0], meta('Reports on memory use', '4.0.0'), () => {}, {
    subcommands: [
      cmd('doctor', 2, [], [0, 0, 0], meta('Describes memory problems', '4.0.0'), memoryDoctor),
      cmd('malloc-stats', 2, [], [0, 0, 0], meta('Shows allocator statistics', '4.0.0'), (c) =>
        c.out.verbatim('Stats not supported for the current allocator'),
      ),
      cmd('purge', 2, [], [0, 0, 0], meta('Asks the allocator to release memory', '4.0.0'), (c) => {
        // Let V8 decide; there is no allocator purge to trigger from JavaScript.
        c.ok();
      }),
      cmd('stats', 2, [], [0, 0, 0], meta('Breaks memory use down', '4.0.0'), memoryStats),
      cmd(
        'usage',
        -3,
        ['readonly'],
        [2, 2, 1],
        meta('Estimates the memory a key and its value take', '4.0.0', 'key [SAMPLES count]'),
        memoryUsage,
      ),
      cmd(
        'help',
        2,
        ['loading', 'stale'],
        [0, 0, 0],
        meta('Lists MEMORY subcommands', '4.0.0'),
        help('MEMORY', memoryHelpLines),
      ),
    ],
  }),
  cmd('latency', -2, [], [0, 0, 0], meta('Reports latency events', '2.8.13'), () => {}, {
    subcommands: [
      cmd('doctor', 2, ADMIN, [0, 0, 0], meta('Describes latency problems', '2.8.13'), latencyDoctor),
      cmd('graph', 3, ADMIN, [0, 0, 0], meta('Draws the latency of an event', '2.8.13', 'event'), (c) =>
        c.error(`ERR No samples available for event '${c.argv[2]}'`),
      ),
      cmd('history', 3, ADMIN, [0, 0, 0], meta('Returns the latency samples of an event', '2.8.13', 'event'), (c) =>
        c.out.arrayLen(0),
      ),
      cmd('latest', 2, ADMIN, [0, 0, 0], meta('Returns the latest sample of every event', '2.8.13'), (c) =>
        c.out.arrayLen(0),
      ),
      cmd('reset', -2, ADMIN, [0, 0, 0], meta('Forgets latency samples', '2.8.13', '[event [event ...]]'), (c) =>
        c.out.int(0),
      ),
      cmd(
        'histogram',
        -2,
        ADMIN,
        [0, 0, 0],
        meta('Returns per-command latency histograms', '7.0.0', '[command [command ...]]'),
        latencyHistogram,
      ),
      cmd(
        'help',
        2,
        ['loading', 'stale'],
        [0, 0, 0],
        meta('Lists LATENCY subcommands', '2.8.13'),
        help('LATENCY', latencyHelpLines),
      ),
    ],
  }),
];
