/**
 * MEMORY: USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE. Figures are estimates: V8 does not expose per-object sizes, so
 * MEMORY USAGE prices a value the way Redis' allocator would (dict entry, header, per-element cost by encoding) and
 * MEMORY STATS reuses INFO memory's process-level figures.
 */
import type { Bytes } from '../protocol/bytes';
import { parseLong } from '../protocol/numbers';
import type { Client } from '../server/client';
import type { RedisValue } from '../store/value';
import { type CommandSpec, cmd } from './command';
import { memoryFigures } from './info';
import { replyHelp } from './server-util';

export function stringEncoding(v: Bytes): string {
  if (v.length <= 20 && parseLong(v) !== null) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
}

export function encodingOf(v: RedisValue): string {
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
  int('replication.backlog', f.replBacklog);
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

const meta = (summary: string, since: string, args?: string) => ({ group: 'server', summary, since, args });

export const memoryCommands: CommandSpec[] = [
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
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], meta('Lists MEMORY subcommands', '4.0.0'), (c) =>
        replyHelp(c, 'MEMORY', memoryHelpLines),
      ),
    ],
  }),
];
