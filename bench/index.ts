/**
 * `npm run bench`: runs every benchmark against Tandem and real Redis, one after the other (they measure the machine,
 * so never two at once), and writes docs/BENCHMARKS.md, docs/benchmarks.svg and the results behind them,
 * docs/benchmarks.json. With --only, the sections not re-run keep their stored figures.
 *
 *   npm run bench -- [--quick] [--only throughput,memory,snapshot,replication] [--keys n] [--rounds n] [--out docs]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ratioChart } from './chart';
import { machine } from './lib';
import { memoryBench, memoryTable } from './memory';
import { replicationBench, replicationTable } from './replication';
import {
  BENCHMARKS,
  type BenchName,
  type BenchResults,
  chartGroups,
  extractNotes,
  type RunMeta,
  renderMarkdown,
  TARGETS,
} from './report';
import { snapshotBench, snapshotTable } from './snapshot';
import { throughput, throughputTable } from './throughput';

/** The commands issue 5 asks for (bench/throughput.ts runs a longer list on its own). */
const ISSUE_TESTS = 'set,get,incr,lpush,rpop,sadd,hset,zadd,mset,lrange_100';

function redisVersion(): string {
  const text = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
  const v = /v=(\S+)/.exec(text)?.[1] ?? 'unknown';
  const malloc = /malloc=(\S+)/.exec(text)?.[1];
  return malloc ? `${v} (${malloc})` : v;
}

/** The command as typed, re-quoted where a word needs it. */
function commandLine(args: string[]): string {
  const words = args.map((a) => (/^[\w.,=/:@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return words.length ? `npm run bench -- ${words.join(' ')}` : 'npm run bench';
}

function readResults(file: string): BenchResults {
  if (!fs.existsSync(file)) return { version: 1 };
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResults;
    if (r.version === 1) return r;
    console.warn(`${file}: unknown version, starting afresh`);
  } catch (err) {
    console.warn(`${file}: unreadable (${(err as Error).message}), starting afresh`);
  }
  return { version: 1 };
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('not a positive integer.');
  return n;
}

async function main(): Promise<number> {
  const program = new Command('npm run bench --')
    .description('Runs the benchmarks against real Redis and writes BENCHMARKS.md, benchmarks.svg and benchmarks.json')
    .option('--quick', 'small sizes for a smoke run of a few minutes (figures not representative)', false)
    .option('--only <list>', `comma-separated subset of ${BENCHMARKS.join(',')}`, BENCHMARKS.join(','))
    .option('--keys <n>', 'keys for memory, snapshot and replication (default 1000000; --quick 50000)', positive)
    .option('--rounds <n>', 'alternating rounds for throughput and BGSAVE (default 3; --quick 1)', positive)
    .option('--requests <n>', 'redis-benchmark requests per test (default 100000; --quick 20000)', positive)
    .option('--lag-seconds <n>', 'duration of the replication lag measurement (default 5; --quick 3)', positive)
    .option('--out <dir>', 'output directory', 'docs')
    .parse();
  const o = program.opts<{
    quick: boolean;
    only: string;
    keys?: number;
    rounds?: number;
    requests?: number;
    lagSeconds?: number;
    out: string;
  }>();
  const only = o.only.split(',').map((s) => s.trim());
  for (const name of only) {
    if (!(BENCHMARKS as readonly string[]).includes(name)) {
      console.error(`--only: unknown benchmark "${name}" (known: ${BENCHMARKS.join(', ')})`);
      return 2;
    }
  }
  const selected = BENCHMARKS.filter((b) => only.includes(b));
  const quick = o.quick;
  const keys = o.keys ?? (quick ? 50_000 : 1_000_000);
  const rounds = o.rounds ?? (quick ? 1 : 3);
  const requests = o.requests ?? (quick ? 20_000 : 100_000);
  const lagSeconds = o.lagSeconds ?? (quick ? 3 : 5);

  const outDir = path.resolve(o.out);
  fs.mkdirSync(outDir, { recursive: true });
  const jsonFile = path.join(outDir, 'benchmarks.json');
  const mdFile = path.join(outDir, 'BENCHMARKS.md');
  const svgFile = path.join(outDir, 'benchmarks.svg');
  const results = readResults(jsonFile);
  const notes = fs.existsSync(mdFile) ? extractNotes(fs.readFileSync(mdFile, 'utf8')) : '';
  const command = commandLine(process.argv.slice(2));
  const base = { command, machine: machine(), redis: redisVersion(), quick };
  const meta = (): RunMeta => ({ date: new Date().toISOString(), ...base });

  // Written after each benchmark, so a failure late in a long run keeps what was measured before it.
  const write = () => {
    const date = new Date().toISOString();
    fs.writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(
      mdFile,
      renderMarkdown(results, { date, command, machine: base.machine, redis: base.redis, notes }),
    );
    const when = date.slice(0, 10);
    fs.writeFileSync(
      svgFile,
      ratioChart(chartGroups(results), {
        title: 'Tandem / Redis 7.0, same run, same machine',
        subtitle: `${quick ? 'SMOKE RUN (--quick), not representative. ' : ''}${when}, ${base.machine}`,
      }),
    );
  };

  const failed: BenchName[] = [];
  const t0 = performance.now();
  for (const name of selected) {
    const started = performance.now();
    console.log(`\n== ${name} ==`);
    try {
      switch (name) {
        case 'throughput': {
          const params = { requests, clients: 50, rounds, pipelines: '1,16', tests: ISSUE_TESTS };
          const data = await throughput({ ...params, pipelines: [1, 16] });
          results.throughput = { meta: meta(), params, data };
          console.log(throughputTable(data));
          break;
        }
        case 'memory': {
          const params = { keys, settleMs: quick ? 1000 : 2000, digest: true };
          const types = ['strings', 'hashes', 'lists', 'sets', 'intsets', 'zsets'];
          const data = await memoryBench({ ...params, types });
          results.memory = { meta: meta(), params: { ...params, types: types.join(',') }, data };
          console.log(memoryTable(data));
          break;
        }
        case 'snapshot': {
          const params = { keys, rounds, pingMs: 2, batch: 100 };
          const data = await snapshotBench(params);
          results.snapshot = { meta: meta(), params, data };
          console.log(snapshotTable(data));
          break;
        }
        case 'replication': {
          // the lag target is stated at 50k writes/s, so that is the rate measured
          const params = { keys, rate: TARGETS.lagRate, seconds: lagSeconds, warmupSeconds: 1, load: 0, pingMs: 2 };
          const figures = await replicationBench(params);
          results.replication = { meta: meta(), params, data: { keys, rate: params.rate, figures } };
          console.log(replicationTable(figures, keys));
          break;
        }
      }
      write();
    } catch (err) {
      failed.push(name);
      console.error(`${name} failed; its section keeps its previous figures:`, err);
    }
    console.log(`(${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const total = `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  if (failed.length < selected.length) console.log(`\nwrote ${mdFile}, ${svgFile}, ${jsonFile} (${total})`);
  if (failed.length > 0) {
    console.error(`failed: ${failed.join(', ')}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
