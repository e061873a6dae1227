/**
 * Forkless snapshot vs Redis' fork, in one run on the same data:
 *  - RDB load time at start-up (both servers load the same dump, written by Redis);
 *  - BGSAVE wall time while a client writes continuously to random keys;
 *  - the longest stall during BGSAVE, seen from the server (Tandem: event-loop delay monitor via DEBUG
 *    SNAPSHOT-STATS; Redis: latest_fork_usec) and from a client sending PING every few milliseconds;
 *  - extra memory during BGSAVE (peak RSS over the value before; Redis' copy-on-write lives in its child, reported
 *    by rdb_last_cow_size; Tandem's counterpart is the keys written early, preserved_bytes).
 *
 *   npm run bench:snapshot -- [--keys 1000000] [--rounds 1] [--ping-ms 2] [--batch 100]
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Command } from 'commander';
import { makeTempDir, type ServerHandle, startRedis, startTandem } from '../test/helpers/servers';
import { fmtRatio, LineConn, machine, mdTable, median, resp, rssOf } from './lib';

const DEBUG = ['--enable-debug-command', 'yes'];

function rng(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** Commands for key i of a mixed dataset: 60% strings, then small hashes, lists, sets, zsets; some large; 10% TTL. */
function keyCommands(i: number, r: () => number): string[][] {
  const v = (n: number) => `v${i}-${'x'.repeat(n)}`;
  const big = i % 20_000 === 0;
  const n = big ? 1000 : 4;
  const out: string[][] = [];
  let key: string;
  switch (i % 10) {
    case 6:
      key = `hash:${i}`;
      out.push(['HSET', key, ...Array.from({ length: n }, (_, j) => [`f${j}`, v(j % 20)]).flat()]);
      break;
    case 7:
      key = `list:${i}`;
      out.push(['RPUSH', key, ...Array.from({ length: n }, (_, j) => v(j % 30))]);
      break;
    case 8:
      key = `set:${i}`;
      out.push(['SADD', key, ...Array.from({ length: n }, (_, j) => (i % 20 === 8 ? String(j * 7) : `m${j}`))]);
      break;
    case 9:
      key = `zset:${i}`;
      out.push(['ZADD', key, ...Array.from({ length: n }, (_, j) => [String(j / 3), `m${j}`]).flat()]);
      break;
    default:
      key = `str:${i}`;
      out.push(['SET', key, i % 4 === 0 ? String(i) : v(Math.floor(r() * 80))]);
  }
  if (i % 10 === 3) out.push(['EXPIRE', key, '1000000']);
  return out;
}

export async function populate(port: number, keys: number): Promise<void> {
  const c = await LineConn.open(port);
  const r = rng(12345);
  let batch: string[][] = [];
  for (let i = 0; i < keys; i++) {
    for (const cmd of keyCommands(i, r)) batch.push(cmd);
    if (batch.length >= 5000) {
      await c.batch(batch);
      batch = [];
    }
  }
  if (batch.length) await c.batch(batch);
  c.close();
}

async function call(port: number, ...args: string[]): Promise<string> {
  const s = net.connect({ port, host: '127.0.0.1' });
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const t = buf.latin1Slice(0, 1);
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      if (t === '$' || t === '=') {
        const len = Number(buf.latin1Slice(1, nl));
        if (buf.length < nl + 2 + len + 2) return;
        s.destroy();
        resolve(buf.latin1Slice(nl + 2, nl + 2 + len));
      } else if (t === '*') {
        // flat array of bulk/int/double items (DEBUG SNAPSHOT-STATS): returned as "k=v" lines
        const items = parseFlat(buf);
        if (items === null) return;
        s.destroy();
        resolve(items.join('\n'));
      } else {
        s.destroy();
        resolve(buf.latin1Slice(1, nl));
      }
    });
    s.on('error', reject);
    s.write(resp(args));
  });
}

function parseFlat(buf: Buffer): string[] | null {
  let p = buf.indexOf('\r\n');
  const n = Number(buf.latin1Slice(1, p));
  p += 2;
  const items: string[] = [];
  for (let i = 0; i < n; i++) {
    const nl = buf.indexOf('\r\n', p);
    if (nl < 0) return null;
    const t = buf.latin1Slice(p, p + 1);
    if (t === '$') {
      const len = Number(buf.latin1Slice(p + 1, nl));
      if (buf.length < nl + 2 + len + 2) return null;
      items.push(buf.latin1Slice(nl + 2, nl + 2 + len));
      p = nl + 2 + len + 2;
    } else {
      items.push(buf.latin1Slice(p + 1, nl));
      p = nl + 2;
    }
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < items.length; i += 2) out.push(`${items[i]}=${items[i + 1]}`);
  return out;
}

function field(text: string, name: string): string {
  const m = new RegExp(`(?:^|\\n)${name}[:=]([^\\r\\n]*)`).exec(text);
  return m ? m[1] : '';
}

export interface BgsaveFigures {
  wallMs: number;
  serverStallMs: number;
  clientMaxPingMs: number;
  pings: number;
  writes: number;
  rssBefore: number;
  peakExtraRss: number;
  /** Redis: rdb_last_cow_size; Tandem: preserved_bytes */
  cowBytes: number;
  preservedKeys: number;
}

/** One BGSAVE while a writer hammers random keys and a pinger measures the response time. */
async function measureBgsave(h: ServerHandle, keys: number, pingMs: number, batchSize: number): Promise<BgsaveFigures> {
  const pid = h.proc.pid!;
  const writer = await LineConn.open(h.port);
  const pinger = await LineConn.open(h.port);
  let writing = true;
  let writes = 0;
  let window = false;
  const r = rng(99);
  const writerDone = (async () => {
    while (writing) {
      const batch: string[][] = [];
      for (let j = 0; j < batchSize; j++) {
        const i = Math.floor(r() * keys);
        const t = i % 10;
        if (t === 6) batch.push(['HSET', `hash:${i}`, 'fw', String(j)]);
        else if (t === 7) batch.push(['RPUSH', `list:${i}`, 'w']);
        else if (t === 8) batch.push(['SADD', `set:${i}`, `w${j}`]);
        else if (t === 9) batch.push(['ZADD', `zset:${i}`, '5', 'w']);
        else batch.push(['SET', `str:${i}`, `w${j}`]);
      }
      await writer.batch(batch);
      if (window) writes += batch.length;
    }
  })();
  let maxPing = 0;
  let pings = 0;
  let pinging = true;
  const pingerDone = (async () => {
    while (pinging) {
      const t0 = performance.now();
      await pinger.batch([['PING']]);
      const dt = performance.now() - t0;
      if (window) {
        pings++;
        if (dt > maxPing) maxPing = dt;
      }
      await new Promise((res) => setTimeout(res, pingMs));
    }
  })();
  await new Promise((res) => setTimeout(res, 300));
  const rssBefore = await rssOf(pid);
  let peakRss = rssBefore;
  window = true;
  const t0 = performance.now();
  const reply = await call(h.port, 'BGSAVE');
  if (!reply.startsWith('Background saving started')) throw new Error(`BGSAVE: ${reply}`);
  for (;;) {
    peakRss = Math.max(peakRss, await rssOf(pid));
    const info = await call(h.port, 'INFO', 'persistence');
    if (field(info, 'rdb_bgsave_in_progress') === '0') break;
    await new Promise((res) => setTimeout(res, 10));
  }
  const wallMs = performance.now() - t0;
  window = false;
  writing = false;
  pinging = false;
  await Promise.all([writerDone, pingerDone]);
  writer.close();
  pinger.close();
  const persistence = await call(h.port, 'INFO', 'persistence');
  if (field(persistence, 'rdb_last_bgsave_status') !== 'ok') throw new Error(`${h.kind}: BGSAVE failed`);
  let serverStallMs: number;
  let cowBytes: number;
  let preservedKeys = 0;
  if (h.kind === 'tandem') {
    const st = await call(h.port, 'DEBUG', 'SNAPSHOT-STATS');
    serverStallMs = Number(field(st, 'max_event_loop_delay_ms'));
    cowBytes = Number(field(st, 'preserved_bytes'));
    preservedKeys = Number(field(st, 'preserved_keys'));
  } else {
    serverStallMs = Number(field(await call(h.port, 'INFO', 'stats'), 'latest_fork_usec')) / 1000;
    cowBytes = Number(field(persistence, 'rdb_last_cow_size'));
  }
  return {
    wallMs,
    serverStallMs,
    clientMaxPingMs: maxPing,
    pings,
    writes,
    rssBefore,
    peakExtraRss: peakRss - rssBefore,
    cowBytes,
    preservedKeys,
  };
}

/** Starts a server on `dir` (holding dump.rdb) and returns it with the load time it logged. */
async function startLoading(kind: 'tandem' | 'redis', dir: string): Promise<[ServerHandle, number]> {
  const h = await (kind === 'tandem' ? startTandem : startRedis)({ dir, args: DEBUG });
  const m = /DB loaded from disk: ([\d.]+) seconds/.exec(h.output());
  if (!m) throw new Error(`${kind}: no load line in\n${h.output()}`);
  return [h, Number(m[1]) * 1000];
}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
const ms = (n: number) => `${n.toFixed(1)} ms`;

export async function snapshotBench(opts: { keys: number; rounds: number; pingMs: number; batch: number }) {
  const handles: ServerHandle[] = [];
  try {
    // 1. Redis builds the dataset and writes the dump both servers will load.
    const rdir = makeTempDir('bench-redis-');
    const seed = await startRedis({ dir: rdir, args: DEBUG });
    handles.push(seed);
    const t0 = performance.now();
    await populate(seed.port, opts.keys);
    const populateMs = performance.now() - t0;
    if ((await call(seed.port, 'SAVE')) !== 'OK') throw new Error('SAVE failed');
    const dbsize = Number(await call(seed.port, 'DBSIZE'));
    await seed.stop();
    handles.pop();
    const dumpSize = fs.statSync(path.join(rdir, 'dump.rdb')).size;
    const tdir = makeTempDir('bench-tandem-');
    fs.copyFileSync(path.join(rdir, 'dump.rdb'), path.join(tdir, 'dump.rdb'));

    // 2. Load time at start-up, same file.
    const [redis, redisLoadMs] = await startLoading('redis', rdir);
    handles.push(redis);
    const [tandem, tandemLoadMs] = await startLoading('tandem', tdir);
    handles.push(tandem);
    const tandemKeys = Number(await call(tandem.port, 'DBSIZE'));
    if (tandemKeys !== dbsize) throw new Error(`tandem loaded ${tandemKeys} keys, redis ${dbsize}`);

    // 3. BGSAVE under write load, alternating who goes first.
    const res: { redis: BgsaveFigures[]; tandem: BgsaveFigures[] } = { redis: [], tandem: [] };
    for (let round = 0; round < opts.rounds; round++) {
      const order = round % 2 === 0 ? [redis, tandem] : [tandem, redis];
      for (const h of order) {
        res[h.kind].push(await measureBgsave(h, opts.keys, opts.pingMs, opts.batch));
      }
    }
    return { populateMs, dbsize, dumpSize, redisLoadMs, tandemLoadMs, res };
  } finally {
    await Promise.all(handles.map((h) => h.stop()));
  }
}

export type SnapshotResult = Awaited<ReturnType<typeof snapshotBench>>;

/** The dataset line and the figures table (medians over the BGSAVE rounds); shared by the CLI and bench/index.ts. */
export function snapshotTable(r: SnapshotResult): string {
  const R = r.res.redis;
  const T = r.res.tandem;
  const med = (xs: BgsaveFigures[], f: (x: BgsaveFigures) => number) => median(xs.map(f));
  const row = (name: string, f: (x: BgsaveFigures) => number, fmt: (n: number) => string, ratio = true) => [
    name,
    fmt(med(R, f)),
    fmt(med(T, f)),
    ratio && med(R, f) > 0 ? fmtRatio(med(T, f) / med(R, f)) : '',
  ];
  const dataset = `dataset: ${r.dbsize} keys of mixed types (populated in ${(r.populateMs / 1000).toFixed(1)} s), dump ${mb(r.dumpSize)}`;
  const table = mdTable(
    ['metric', 'Redis 7.0', 'Tandem', 'Tandem/Redis'],
    [
      ['RDB load at start-up', ms(r.redisLoadMs), ms(r.tandemLoadMs), fmtRatio(r.tandemLoadMs / r.redisLoadMs)],
      row('BGSAVE wall time (writer running)', (x) => x.wallMs, ms),
      row('max stall, server side (Redis: fork)', (x) => x.serverStallMs, ms, false),
      row('max PING round trip during BGSAVE', (x) => x.clientMaxPingMs, ms, false),
      row('PINGs answered during BGSAVE', (x) => x.pings, String, false),
      row('writes served during BGSAVE', (x) => x.writes, String, false),
      row('RSS before BGSAVE', (x) => x.rssBefore, mb, false),
      row('peak extra RSS during BGSAVE (server process)', (x) => x.peakExtraRss, mb, false),
      row('copy-on-write (Redis child) / keys written early (Tandem)', (x) => x.cowBytes, mb, false),
      row('keys written early (Tandem)', (x) => x.preservedKeys, String, false),
    ],
  );
  return `${dataset}\n\n${table}`;
}

if (require.main === module) {
  const program = new Command()
    .option('--keys <n>', 'keys in the dataset (mixed types)', '1000000')
    .option('--rounds <n>', 'BGSAVE rounds per server (median taken)', '1')
    .option('--ping-ms <n>', 'pause between the pinger client PINGs', '2')
    .option('--batch <n>', 'commands per writer round trip', '100')
    .parse();
  const o = program.opts();
  snapshotBench({ keys: Number(o.keys), rounds: Number(o.rounds), pingMs: Number(o.pingMs), batch: Number(o.batch) })
    .then((r) => {
      console.log(`machine: ${machine()}`);
      console.log(snapshotTable(r));
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
