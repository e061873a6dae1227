/**
 * Replication, Tandem master vs Redis master, each followed by a real redis-server 7.0 replica, in one run:
 *  - full sync of N keys (diskless, no delay): wall time from REPLICAOF until the replica is up; the master's longest
 *    stall meanwhile, from a client sending PING every few ms (and, for Tandem, the server-side event-loop monitor);
 *    the master's peak RSS during the sync;
 *  - replication lag under a sustained write rate: SETs sent at a fixed rate (plus an optional pipelined background
 *    load) after an untimed warm-up at that rate, each timed from send to the keyspace notification the replica
 *    emits when it applies it (received on a separate thread); p50/p99/max;
 *  - partial resync: from CLIENT KILL TYPE master on the replica until its link is up again (+CONTINUE).
 * Targets (issue 4): full sync <= 1.5x Redis, stall <= 50 ms, p99 lag <= 5 ms.
 *
 *   npm run bench:replication -- [--keys 1000000] [--rate 2000] [--seconds 5] [--warmup 1] [--load 0] [--ping-ms 2]
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { Command } from 'commander';
import { type ServerHandle, startRedis, startTandem } from '../test/helpers/servers';
import { fmtRatio, LineConn, machine, mdTable, resp, rssOf } from './lib';

/** One request, the reply as text (bulk/verbatim body, or the line after the type byte). */
function call(port: number, ...args: string[]): Promise<string> {
  const s = net.connect({ port, host: '127.0.0.1' });
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      const t = buf.latin1Slice(0, 1);
      if (t === '$' || t === '=') {
        const len = Number(buf.latin1Slice(1, nl));
        if (buf.length < nl + 2 + len + 2) return;
        s.destroy();
        resolve(buf.latin1Slice(nl + 2, nl + 2 + len));
      } else if (t === '*' || t === '%') {
        // DEBUG SNAPSHOT-STATS: a flat map; good enough to search "name\r\n...value" textually
        setTimeout(() => {
          s.destroy();
          resolve(buf.latin1Slice(0));
        }, 20);
      } else {
        s.destroy();
        resolve(buf.latin1Slice(1, nl));
      }
    });
    s.on('error', reject);
    s.write(resp(args));
  });
}

function field(text: string, name: string): string {
  const m = new RegExp(`(?:^|\\n)${name}:([^\\r\\n]*)`).exec(text);
  return m ? m[1] : '';
}

function rng(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** A mixed dataset: 60% strings, small hashes, lists, sets, zsets; 10% with a TTL. */
async function populate(port: number, keys: number): Promise<void> {
  const c = await LineConn.open(port);
  const r = rng(7);
  let batch: string[][] = [];
  for (let i = 0; i < keys; i++) {
    const v = `v${i}-${'x'.repeat(Math.floor(r() * 60))}`;
    let key: string;
    switch (i % 10) {
      case 6:
        key = `hash:${i}`;
        batch.push(['HSET', key, 'a', v, 'b', '1', 'c', 'xyz']);
        break;
      case 7:
        key = `list:${i}`;
        batch.push(['RPUSH', key, v, 'b', 'c']);
        break;
      case 8:
        key = `set:${i}`;
        batch.push(['SADD', key, 'm1', 'm2', String(i)]);
        break;
      case 9:
        key = `zset:${i}`;
        batch.push(['ZADD', key, '1', 'a', '2.5', 'b']);
        break;
      default:
        key = `str:${i}`;
        batch.push(['SET', key, i % 4 === 0 ? String(i) : v]);
    }
    if (i % 10 === 3) batch.push(['EXPIRE', key, '1000000']);
    if (batch.length >= 5000) {
      await c.batch(batch);
      batch = [];
    }
  }
  if (batch.length) await c.batch(batch);
  c.close();
}

interface Figures {
  syncMs: number;
  clientStallMs: number;
  serverStallMs: number | null;
  rssBefore: number;
  rssPeak: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  lagSamples: number;
  psyncMs: number;
}

async function waitFor(what: string, test: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function replicaUp(replica: number, master: number): Promise<boolean> {
  const ri = await call(replica, 'INFO', 'replication');
  if (field(ri, 'master_link_status') !== 'up' || field(ri, 'master_sync_in_progress') !== '0') return false;
  const mi = await call(master, 'INFO', 'replication');
  return field(ri, 'slave_repl_offset') === field(mi, 'master_repl_offset');
}

/**
 * Worker source: subscribes to the replica's keyspace notifications of `lag:<seq>` keys and stamps, per sequence
 * number, the absolute time the message arrived. Plain JS (eval'd), parsing the raw bytes without regexes.
 */
const SUBSCRIBER = `
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const { port, seenAt } = workerData;
const marker = Buffer.from('__keyspace@0__:lag:', 'latin1');
const s = net.connect({ port, host: '127.0.0.1' }, () => {
  s.setNoDelay(true);
  s.write('*2\\r\\n$10\\r\\nPSUBSCRIBE\\r\\n$20\\r\\n__keyspace@0__:lag:*\\r\\n');
});
let rest = Buffer.alloc(0);
let ready = false;
s.on('data', (d) => {
  const now = performance.timeOrigin + performance.now();
  const b = rest.length ? Buffer.concat([rest, d]) : d;
  if (!ready) { ready = true; parentPort.postMessage('ready'); }
  let last = 0;
  for (let i = b.indexOf(marker); i !== -1; i = b.indexOf(marker, i + 1)) {
    let j = i + marker.length;
    let n = 0;
    while (j < b.length && b[j] >= 48 && b[j] <= 57) n = n * 10 + b[j++] - 48;
    if (j >= b.length) break; // number cut by the read: finish it with the next chunk
    if (n < seenAt.length && seenAt[n] === 0) seenAt[n] = now;
    last = j;
  }
  rest = b.subarray(last);
  if (rest.length > 4096) rest = rest.subarray(rest.length - 4096);
});
`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Sends `rate` writes per second for `seconds` (at most `max`): every millisecond the writes due by now leave in one
 * socket write, as a pipelining client sends them. `command(i, now)` builds write i; `now` is the absolute time
 * (timeOrigin + now) of its batch. Returns how many were sent.
 */
async function paced(
  writer: LineConn,
  rate: number,
  seconds: number,
  max: number,
  command: (i: number, now: number) => string[],
): Promise<number> {
  let i = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    const due = Math.min(max, Math.floor(((performance.now() - start) / 1000) * rate));
    const now = performance.timeOrigin + performance.now();
    const batch: string[][] = [];
    for (; i < due; i++) batch.push(command(i, now));
    if (batch.length > 0) writer.sendMany(batch);
    await new Promise((r) => setTimeout(r, 1));
  }
  return i;
}

async function measure(
  master: ServerHandle,
  replica: ServerHandle,
  o: { keys: number; rate: number; seconds: number; warmupSeconds: number; load: number; pingMs: number },
): Promise<Figures> {
  const pid = master.proc.pid!;
  await populate(master.port, o.keys);

  // ---- full sync -------------------------------------------------------------------------------------------------
  const pinger = await LineConn.open(master.port);
  let pinging = true;
  let maxPing = 0;
  const pingDone = (async () => {
    while (pinging) {
      const t0 = performance.now();
      await pinger.batch([['PING']]);
      maxPing = Math.max(maxPing, performance.now() - t0);
      await new Promise((r) => setTimeout(r, o.pingMs));
    }
  })();
  const rssBefore = await rssOf(pid);
  let rssPeak = rssBefore;
  const t0 = performance.now();
  await call(replica.port, 'REPLICAOF', '127.0.0.1', String(master.port));
  await waitFor(
    'the full sync',
    async () => {
      rssPeak = Math.max(rssPeak, await rssOf(pid));
      return replicaUp(replica.port, master.port);
    },
    600_000,
  );
  const syncMs = performance.now() - t0;
  pinging = false;
  await pingDone;
  pinger.close();
  let serverStallMs: number | null = null;
  if (master.kind === 'tandem') {
    const st = await call(master.port, 'DEBUG', 'SNAPSHOT-STATS');
    const m = /max_event_loop_delay_ms\r\n[,$]\d*\r?\n?([\d.]+)/.exec(st);
    serverStallMs = m ? Number(m[1]) : null;
  }
  const [md, rd] = await Promise.all([call(master.port, 'DBSIZE'), call(replica.port, 'DBSIZE')]);
  if (md !== rd) throw new Error(`${master.kind}: replica has ${rd} keys, master ${md}`);

  // ---- lag under a sustained write rate --------------------------------------------------------------------------
  // The subscriber runs on its own thread: sharing the writer's event loop, its parsing at 50k messages/s delayed the
  // timestamps and measured the bench itself. Both sides stamp absolute times (timeOrigin + now) by sequence number.
  await call(replica.port, 'CONFIG', 'SET', 'notify-keyspace-events', 'K$');
  const total = Math.ceil(o.rate * o.seconds) + 1;
  const sentAt = new Float64Array(total);
  const seenAt = new Float64Array(new SharedArrayBuffer(total * 8));
  const sub = new Worker(SUBSCRIBER, { eval: true, workerData: { port: replica.port, seenAt } });
  await new Promise<void>((resolve, reject) => {
    sub.once('message', () => resolve());
    sub.once('error', reject);
  });
  const writer = await LineConn.open(master.port);
  const loader = o.load > 0 ? await LineConn.open(master.port) : null;
  let running = true;
  const loadDone = (async () => {
    if (!loader) return;
    const r = rng(3);
    while (running) {
      const b: string[][] = [];
      for (let j = 0; j < o.load; j++) b.push(['SET', `str:${Math.floor(r() * o.keys)}`, `w${j}`]);
      await loader.batch(b);
    }
  })();
  // Warm-up at the same rate, not timed (keys outside the subscriber's pattern): a fresh Node process runs its first
  // thousands of writes in unoptimized code and stalled up to ~100 ms meanwhile; a long-running server has long
  // compiled its write path. Redis gets the same warm-up.
  await paced(writer, o.rate, o.warmupSeconds, Number.POSITIVE_INFINITY, (i) => ['SET', `warm:${i}`, String(i)]);
  // the key name carries the sequence number through the replica's notification
  const seq = await paced(writer, o.rate, o.seconds, total, (i, now) => {
    sentAt[i] = now;
    return ['SET', `lag:${i}`, String(i)];
  });
  running = false;
  await loadDone;
  await new Promise((r) => setTimeout(r, 500));
  writer.close();
  loader?.close();
  await sub.terminate();
  const lags: number[] = [];
  for (let i = 0; i < seq; i++) if (seenAt[i] > 0) lags.push(seenAt[i] - sentAt[i]);

  // ---- partial resync ------------------------------------------------------------------------------------------
  const before = field(await call(master.port, 'INFO', 'stats'), 'sync_partial_ok');
  const p0 = performance.now();
  await call(replica.port, 'CLIENT', 'KILL', 'TYPE', 'master');
  await waitFor(
    'the partial resync',
    async () =>
      field(await call(master.port, 'INFO', 'stats'), 'sync_partial_ok') !== before &&
      (await replicaUp(replica.port, master.port)),
    30_000,
  );
  const psyncMs = performance.now() - p0;

  lags.sort((a, b) => a - b);
  return {
    syncMs,
    clientStallMs: maxPing,
    serverStallMs,
    rssBefore,
    rssPeak,
    lagP50: percentile(lags, 50),
    lagP99: percentile(lags, 99),
    lagMax: lags.length ? lags[lags.length - 1] : 0,
    lagSamples: lags.length,
    psyncMs,
  };
}

export async function replicationBench(o: {
  keys: number;
  rate: number;
  seconds: number;
  /** untimed writes at the same rate before the lag window */
  warmupSeconds: number;
  load: number;
  pingMs: number;
}): Promise<{ redis: Figures; tandem: Figures }> {
  const masterArgs = ['--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0'];
  const out: Partial<Record<'redis' | 'tandem', Figures>> = {};
  for (const kind of ['redis', 'tandem'] as const) {
    let master: ServerHandle | undefined;
    let replica: ServerHandle | undefined;
    try {
      master = kind === 'redis' ? await startRedis({ args: masterArgs }) : await startTandem({ args: masterArgs });
      replica = await startRedis({ args: ['--repl-diskless-load', 'disabled'] });
      out[kind] = await measure(master, replica, o);
    } finally {
      await Promise.all([master?.stop(), replica?.stop()]);
    }
  }
  return out as { redis: Figures; tandem: Figures };
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

export function replicationTable(f: { redis: Figures; tandem: Figures }, keys: number): string {
  const { redis: r, tandem: t } = f;
  const row = (name: string, rv: string, tv: string, ratio: string, target: string) => [name, rv, tv, ratio, target];
  return mdTable(
    ['', 'Redis', 'Tandem', 'Tandem/Redis', 'target'],
    [
      row(`full sync of ${keys} keys`, ms(r.syncMs), ms(t.syncMs), fmtRatio(t.syncMs / r.syncMs), '<= 1.5x'),
      row('master stall during sync (client PING)', ms(r.clientStallMs), ms(t.clientStallMs), '', '<= 50 ms'),
      row(
        'master stall (server event-loop monitor)',
        '-',
        t.serverStallMs === null ? '-' : ms(t.serverStallMs),
        '',
        '',
      ),
      row(
        'master RSS before / peak during sync',
        `${mb(r.rssBefore)} / ${mb(r.rssPeak)}`,
        `${mb(t.rssBefore)} / ${mb(t.rssPeak)}`,
        fmtRatio(t.rssPeak / r.rssPeak),
        '',
      ),
      row('replication lag p50', ms(r.lagP50), ms(t.lagP50), '', ''),
      row('replication lag p99', ms(r.lagP99), ms(t.lagP99), '', '<= 5 ms'),
      row('replication lag max', ms(r.lagMax), ms(t.lagMax), '', ''),
      row('lag samples', String(r.lagSamples), String(t.lagSamples), '', ''),
      row('partial resync (kill link -> up)', ms(r.psyncMs), ms(t.psyncMs), fmtRatio(t.psyncMs / r.psyncMs), ''),
    ],
  );
}

if (require.main === module) {
  const program = new Command()
    .option('--keys <n>', 'keys in the dataset for the full sync', '1000000')
    .option('--rate <n>', 'timed writes per second for the lag measurement', '2000')
    .option('--seconds <n>', 'duration of the lag measurement', '5')
    .option('--warmup <n>', 'untimed seconds of writes at the same rate before it', '1')
    .option('--load <n>', 'background load: pipelined SET batch size (0 = none)', '0')
    .option('--ping-ms <n>', 'interval of the stall-measuring PINGs', '2')
    .parse();
  const o = program.opts();
  const keys = Number(o.keys);
  replicationBench({
    keys,
    rate: Number(o.rate),
    seconds: Number(o.seconds),
    warmupSeconds: Number(o.warmup),
    load: Number(o.load),
    pingMs: Number(o.pingMs),
  })
    .then((f) => {
      console.log(`machine: ${machine()}`);
      console.log(replicationTable(f, keys));
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
