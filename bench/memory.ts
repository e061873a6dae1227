/**
 * Memory for N keys of each type, Tandem vs Redis 7.0, same data written the same way (pipelined commands):
 * resident set size of the server process after loading and a short idle pause, the growth over the empty server,
 * and used_memory from INFO (Redis: allocator bytes; Tandem: V8 heap used + external). DEBUG DIGEST-VALUE of a sample of
 * keys checks that both servers hold the same dataset.
 *
 *   npm run bench:memory -- [--keys 1000000] [--types strings,hashes,lists,sets,intsets,zsets] [--settle-ms 2000]
 */
import { Command } from 'commander';
import { RespClient } from '../test/helpers/resp-client';
import { type ServerHandle, startRedis, startTandem } from '../test/helpers/servers';
import { fmtRatio, infoField, loadPipelined, machine, mdTable, resp, rng, rssOf, sleep } from './lib';

/** A dataset: the i-th command of its load, already encoded. Values depend on i only (same bytes on both sides). */
interface Dataset {
  name: string;
  what: string;
  gen: (i: number) => string;
}

/** 4096 pseudo-random lowercase strings of 8..31 bytes, picked by i (same values on both servers). */
const FILLERS: string[] = (() => {
  const r = rng(42);
  return Array.from({ length: 4096 }, () => {
    const n = 8 + Math.floor(r() * 24);
    let s = '';
    for (let k = 0; k < n; k++) s += String.fromCharCode(97 + Math.floor(r() * 26));
    return s;
  });
})();

function filler(i: number): string {
  return FILLERS[(i * 2654435761) >>> 20];
}

export const DATASETS: Dataset[] = [
  { name: 'strings', what: 'SET key:i <8-31 bytes>', gen: (i) => resp(['SET', `key:${i}`, filler(i)]) },
  {
    name: 'hashes',
    what: 'HSET hash:i with 3 fields (listpack)',
    gen: (i) => resp(['HSET', `hash:${i}`, 'name', filler(i), 'age', String(i % 97), 'city', 'Lisbon']),
  },
  {
    name: 'lists',
    what: 'RPUSH list:i with 3 elements',
    gen: (i) => resp(['RPUSH', `list:${i}`, filler(i), 'second', String(i)]),
  },
  {
    name: 'sets',
    what: 'SADD set:i with 3 strings (hashtable)',
    gen: (i) => resp(['SADD', `set:${i}`, 'red', 'green', `c${i % 1000}`]),
  },
  {
    name: 'intsets',
    what: 'SADD iset:i with 3 integers (intset)',
    gen: (i) => resp(['SADD', `iset:${i}`, '1', String(i), String(i * 7)]),
  },
  {
    name: 'zsets',
    what: 'ZADD zset:i with 3 members (listpack)',
    gen: (i) => resp(['ZADD', `zset:${i}`, '1', 'alpha', '2.5', filler(i), String(i), 'gamma']),
  },
];

export interface MemoryRow {
  dataset: string;
  what: string;
  keys: number;
  redis: { empty: number; rss: number; used: number };
  tandem: { empty: number; rss: number; used: number };
  /** total RSS Tandem / Redis */
  ratio: number;
  /** RSS growth over the empty server, Tandem / Redis */
  deltaRatio: number;
}

/** One command on a fresh connection; the reply as JSON text, or its value for a simple reply. */
async function cmd(port: number, ...args: string[]): Promise<string> {
  const c = await RespClient.connect(port);
  try {
    c.send(...args);
    const r = await c.next(120_000);
    if (r.t === 'bulk' || r.t === 'status' || r.t === 'int' || r.t === 'verbatim') return String(r.v);
    return JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  } finally {
    c.close();
  }
}

/** Compares DEBUG DIGEST-VALUE of a sample of keys on both servers (a full DEBUG DIGEST of 1M keys takes long). */
async function sameData(redisPort: number, tandemPort: number, ds: Dataset, keys: number): Promise<void> {
  const names: string[] = [];
  const key = /\$\d+\r\n[^\r]*\r\n\$\d+\r\n([^\r]*)\r\n/;
  for (let i = 0; i < keys; i += Math.max(1, Math.floor(keys / 200))) names.push(key.exec(ds.gen(i))![1]);
  const [dr, dt] = await Promise.all([
    cmd(redisPort, 'DEBUG', 'DIGEST-VALUE', ...names),
    cmd(tandemPort, 'DEBUG', 'DIGEST-VALUE', ...names),
  ]);
  if (dr !== dt) throw new Error(`${ds.name}: the two servers hold different data`);
}

async function measureOne(h: ServerHandle, ds: Dataset, keys: number, settleMs: number) {
  const pid = h.proc.pid!;
  await sleep(200);
  const empty = await rssOf(pid);
  await loadPipelined(h.port, keys, ds.gen);
  await sleep(settleMs);
  const rss = await rssOf(pid);
  const used = Number(infoField(await cmd(h.port, 'INFO', 'memory'), 'used_memory'));
  const dbsize = Number(await cmd(h.port, 'DBSIZE'));
  if (dbsize !== keys) throw new Error(`${h.kind} ${ds.name}: ${dbsize} keys instead of ${keys}`);
  return { empty, rss, used };
}

export async function memoryBench(opts: { keys: number; types: string[]; settleMs: number; digest: boolean }) {
  const rows: MemoryRow[] = [];
  let round = 0;
  for (const ds of DATASETS.filter((d) => opts.types.includes(d.name))) {
    let tandem: ServerHandle | undefined;
    let redis: ServerHandle | undefined;
    try {
      const args = ['--enable-debug-command', 'yes'];
      [tandem, redis] = await Promise.all([startTandem({ args }), startRedis({ args })]);
      // alternate who loads first, so the machine's drift does not always favour the same side
      const order = round++ % 2 === 0 ? [redis, tandem] : [tandem, redis];
      const fig: Record<string, { empty: number; rss: number; used: number }> = {};
      for (const h of order) fig[h.kind] = await measureOne(h, ds, opts.keys, opts.settleMs);
      if (opts.digest) await sameData(redis.port, tandem.port, ds, opts.keys);
      const r = fig.redis;
      const t = fig.tandem;
      rows.push({
        dataset: ds.name,
        what: ds.what,
        keys: opts.keys,
        redis: r,
        tandem: t,
        ratio: t.rss / r.rss,
        deltaRatio: (t.rss - t.empty) / (r.rss - r.empty),
      });
    } finally {
      await Promise.all([tandem?.stop(), redis?.stop()]);
    }
  }
  return rows;
}

const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;

export function memoryTable(rows: MemoryRow[]): string {
  return mdTable(
    [
      'dataset',
      'keys',
      'Redis RSS',
      'Tandem RSS',
      'RSS Tandem/Redis',
      'bytes/key Redis',
      'bytes/key Tandem',
      'growth Tandem/Redis',
      'used_memory Redis / Tandem',
    ],
    rows.map((r) => [
      `${r.dataset}: ${r.what}`,
      r.keys,
      mb(r.redis.rss),
      mb(r.tandem.rss),
      fmtRatio(r.ratio),
      Math.round((r.redis.rss - r.redis.empty) / r.keys),
      Math.round((r.tandem.rss - r.tandem.empty) / r.keys),
      fmtRatio(r.deltaRatio),
      `${mb(r.redis.used)} / ${mb(r.tandem.used)}`,
    ]),
  );
}

if (require.main === module) {
  const program = new Command()
    .option('--keys <n>', 'keys per dataset', '1000000')
    .option('--types <list>', 'datasets', DATASETS.map((d) => d.name).join(','))
    .option('--settle-ms <n>', 'idle pause after loading, before reading RSS', '2000')
    .option('--no-digest', 'skip the sampled DEBUG DIGEST-VALUE comparison')
    .parse();
  const o = program.opts();
  memoryBench({
    keys: Number(o.keys),
    types: String(o.types).split(','),
    settleMs: Number(o.settleMs),
    digest: o.digest,
  })
    .then((rows) => {
      console.log(`machine: ${machine()}`);
      console.log(memoryTable(rows));
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
