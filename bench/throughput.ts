/**
 * redis-benchmark against Tandem and real Redis in one run, alternating rounds, median requests/s per test, and the
 * ratio Tandem/Redis for each pipeline depth.
 *
 *   npm run bench:throughput -- [--requests 100000] [--clients 50] [--rounds 3] [--pipelines 1,16] [--tests set,get]
 */
import { Command } from 'commander';
import { type ServerHandle, startRedis, startTandem } from '../test/helpers/servers';
import { fmtRatio, machine, mdTable, median, run } from './lib';

export const DEFAULT_TESTS = 'set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,mset';

export interface ThroughputRow {
  test: string;
  pipeline: number;
  redis: number;
  tandem: number;
  ratio: number;
}

/** Runs redis-benchmark once; returns requests/s per test name (e.g. "SET", "LRANGE_100"). */
async function benchOnce(port: number, tests: string, n: number, clients: number, pipeline: number) {
  const { stdout } = await run(
    'redis-benchmark',
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-t',
      tests,
      '-n',
      String(n),
      '-c',
      String(clients),
      '-P',
      String(pipeline),
      '--csv',
    ],
    { maxBuffer: 1 << 20 },
  );
  const out = new Map<string, number>();
  for (const line of stdout.split('\n').slice(1)) {
    const m = /^"([^"]+)","([\d.]+)"/.exec(line);
    if (!m) continue;
    // "LRANGE_100 (first 100 elements)" -> LRANGE_100; skip set-up rows like "LPUSH (needed to benchmark LRANGE)"
    if (m[1].includes('(needed')) continue;
    out.set(m[1].split(' ')[0], Number(m[2]));
  }
  return out;
}

export async function throughput(opts: {
  requests: number;
  clients: number;
  rounds: number;
  pipelines: number[];
  tests: string;
}): Promise<ThroughputRow[]> {
  let tandem: ServerHandle | undefined;
  let redis: ServerHandle | undefined;
  try {
    [tandem, redis] = await Promise.all([startTandem(), startRedis()]);
    const rows: ThroughputRow[] = [];
    for (const p of opts.pipelines) {
      const samples = { redis: new Map<string, number[]>(), tandem: new Map<string, number[]>() };
      for (let r = 0; r < opts.rounds; r++) {
        // alternate who goes first so drift in machine load does not favour one side
        const order = r % 2 === 0 ? (['redis', 'tandem'] as const) : (['tandem', 'redis'] as const);
        for (const who of order) {
          const port = who === 'redis' ? redis.port : tandem.port;
          const res = await benchOnce(port, opts.tests, opts.requests, opts.clients, p);
          for (const [t, rps] of res) {
            const list = samples[who].get(t) ?? [];
            list.push(rps);
            samples[who].set(t, list);
          }
        }
      }
      for (const [t, rs] of samples.redis) {
        const ts = samples.tandem.get(t) ?? [0];
        const rm = median(rs);
        const tm = median(ts);
        rows.push({ test: t, pipeline: p, redis: Math.round(rm), tandem: Math.round(tm), ratio: tm / rm });
      }
    }
    return rows;
  } finally {
    await Promise.all([tandem?.stop(), redis?.stop()]);
  }
}

export function throughputTable(rows: ThroughputRow[]): string {
  return mdTable(
    ['test', '-P', 'Redis req/s', 'Tandem req/s', 'Tandem/Redis'],
    rows.map((r) => [r.test, r.pipeline, r.redis, r.tandem, fmtRatio(r.ratio)]),
  );
}

if (require.main === module) {
  const program = new Command()
    .option('--requests <n>', 'requests per test', '100000')
    .option('--clients <n>', 'parallel clients', '50')
    .option('--rounds <n>', 'alternating rounds (median taken)', '3')
    .option('--pipelines <list>', 'pipeline depths', '1,16')
    .option('--tests <list>', 'redis-benchmark -t list', DEFAULT_TESTS)
    .parse();
  const o = program.opts();
  throughput({
    requests: Number(o.requests),
    clients: Number(o.clients),
    rounds: Number(o.rounds),
    pipelines: String(o.pipelines).split(',').map(Number),
    tests: o.tests,
  })
    .then((rows) => {
      console.log(`machine: ${machine()}`);
      console.log(throughputTable(rows));
      for (const p of new Set(rows.map((r) => r.pipeline))) {
        const rs = rows.filter((r) => r.pipeline === p).map((r) => r.ratio);
        console.log(`-P ${p}: median ratio ${fmtRatio(median(rs))}, min ${fmtRatio(Math.min(...rs))}`);
      }
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
