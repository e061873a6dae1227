import { describe, expect, it } from 'vitest';
import type { BgsaveFigures } from '../../bench/snapshot';
import type { MemoryRow } from '../../bench/memory';
import {
  type BenchResults,
  chartGroups,
  extractNotes,
  type ReplicationFigures,
  type RunMeta,
  renderMarkdown,
  summarize,
  type TargetRow,
} from '../../bench/report';
import type { ThroughputRow } from '../../bench/throughput';

const META: RunMeta = {
  date: '2025-01-02T03:04:05.000Z',
  command: 'npm run bench',
  machine: '2 x Test CPU, 4 GiB, node v20.0.0, linux 6.1',
  redis: '7.0.15 (jemalloc-5.3.0)',
  quick: false,
};

const OPTS = { date: '2025-01-02T04:00:00.000Z', command: 'npm run bench', machine: META.machine, redis: META.redis };

function tpRows(pipeline: number, ratios: number[]): ThroughputRow[] {
  const names = ['SET', 'GET', 'INCR', 'LPUSH', 'RPOP'];
  return ratios.map((ratio, i) => ({ test: names[i], pipeline, redis: 100_000, tandem: 100_000 * ratio, ratio }));
}

function memRow(dataset: string, ratio: number): MemoryRow {
  const r = { empty: 8e6, rss: 80e6, used: 70e6 };
  return {
    dataset,
    what: `${dataset} data`,
    keys: 1_000_000,
    redis: r,
    tandem: { empty: 50e6, rss: 80e6 * ratio, used: 60e6 },
    ratio,
    deltaRatio: (80e6 * ratio - 50e6) / (80e6 - 8e6),
  };
}

function bg(wallMs: number): BgsaveFigures {
  return {
    wallMs,
    serverStallMs: 3,
    clientMaxPingMs: 5,
    pings: 100,
    writes: 5000,
    rssBefore: 1e8,
    peakExtraRss: 1e7,
    cowBytes: 1e6,
    preservedKeys: 10,
  };
}

function figures(syncMs: number, clientStallMs: number, lagP99: number): ReplicationFigures['tandem'] {
  return {
    syncMs,
    clientStallMs,
    serverStallMs: 4,
    rssBefore: 1e8,
    rssPeak: 1.2e8,
    lagP50: 0.5,
    lagP99,
    lagMax: lagP99 * 2,
    lagSamples: 250_000,
    psyncMs: 12,
  };
}

function results(o: {
  p1?: number[];
  p16?: number[];
  strings?: number;
  sync?: number;
  stall?: number;
  lag?: number;
  rate?: number;
  quick?: boolean;
}): BenchResults {
  const meta = { ...META, quick: o.quick ?? false };
  const redisFig = figures(1000, 20, 1);
  return {
    version: 1,
    throughput: {
      meta,
      params: { requests: 100000, clients: 50 },
      data: [...tpRows(1, o.p1 ?? [0.9, 0.9, 0.9]), ...tpRows(16, o.p16 ?? [0.6, 0.6, 0.6])],
    },
    memory: {
      meta,
      params: { keys: 1000000 },
      data: [memRow('hashes', 5), memRow('strings', o.strings ?? 1.5), memRow('zsets', 0.5)],
    },
    snapshot: {
      meta,
      params: { keys: 1000000, rounds: 3 },
      data: {
        populateMs: 5000,
        dbsize: 1_000_000,
        dumpSize: 5e7,
        redisLoadMs: 800,
        tandemLoadMs: 1200,
        res: { redis: [bg(1000), bg(1100), bg(900)], tandem: [bg(700), bg(800), bg(600)] },
      },
    },
    replication: {
      meta,
      params: { keys: 1000000, rate: o.rate ?? 50000 },
      data: {
        keys: 1_000_000,
        rate: o.rate ?? 50_000,
        figures: { redis: redisFig, tandem: figures(1000 * (o.sync ?? 1.2), o.stall ?? 10, o.lag ?? 2) },
      },
    },
  };
}

const status = (rows: TargetRow[], prefix: string) => rows.find((r) => r.target.startsWith(prefix))!.status;

describe('summarize: targets met or short on both sides of each threshold', () => {
  it('throughput at -P 1 uses the median ratio against 0.8x', () => {
    // median of [0.5, 0.8, 0.95] is exactly the target
    expect(status(summarize(results({ p1: [0.5, 0.8, 0.95] })), 'throughput at -P 1 ')).toBe('met');
    expect(status(summarize(results({ p1: [0.5, 0.79, 0.95] })), 'throughput at -P 1 ')).toBe('short');
    // one slow test does not fail the median, but the minimum is shown
    const row = summarize(results({ p1: [0.3, 0.85, 0.9] })).find((r) => r.target.startsWith('throughput at -P 1 '))!;
    expect(row.status).toBe('met');
    expect(row.measured).toBe('median 0.85x, min 0.30x (SET)');
  });

  it('throughput at -P 16 against 0.5x', () => {
    expect(status(summarize(results({ p16: [0.5, 0.5, 0.5] })), 'throughput at -P 16')).toBe('met');
    expect(status(summarize(results({ p16: [0.49, 0.49, 0.6] })), 'throughput at -P 16')).toBe('short');
  });

  it('memory uses the small-strings dataset against 2x, not the other datasets', () => {
    expect(status(summarize(results({ strings: 2 })), 'RSS')).toBe('met');
    expect(status(summarize(results({ strings: 1.99 })), 'RSS')).toBe('met');
    expect(status(summarize(results({ strings: 2.01 })), 'RSS')).toBe('short');
    const row = summarize(results({ strings: 1.5 })).find((r) => r.target.startsWith('RSS'))!;
    expect(row.measured).toMatch(/^1\.50x total RSS \(growth over empty 0\.97x\), 1000000 keys$/);
  });

  it('full sync wall time against 1.5x', () => {
    expect(status(summarize(results({ sync: 1.5 })), 'full sync')).toBe('met');
    expect(status(summarize(results({ sync: 1.51 })), 'full sync')).toBe('short');
  });

  it('master stall against 50 ms', () => {
    expect(status(summarize(results({ stall: 50 })), 'master stall')).toBe('met');
    expect(status(summarize(results({ stall: 50.1 })), 'master stall')).toBe('short');
  });

  it('p99 lag against 5 ms, only when measured at 50k writes/s', () => {
    expect(status(summarize(results({ lag: 5 })), 'replication lag')).toBe('met');
    expect(status(summarize(results({ lag: 5.01 })), 'replication lag')).toBe('short');
    expect(status(summarize(results({ lag: 1, rate: 2000 })), 'replication lag')).toBe('not run');
  });

  it('everything "not run" without results, six targets in a fixed order', () => {
    const rows = summarize({ version: 1 });
    expect(rows.map((r) => r.status)).toEqual(Array(6).fill('not run'));
    expect(rows.map((r) => r.target.split(' ')[0])).toEqual([
      'throughput',
      'throughput',
      'RSS',
      'full',
      'master',
      'replication',
    ]);
  });

  it('marks figures from a --quick run', () => {
    for (const r of summarize(results({ quick: true }))) expect(r.measured).toMatch(/\(smoke run\)$/);
    for (const r of summarize(results({}))) expect(r.measured).not.toContain('smoke');
  });
});

describe('renderMarkdown', () => {
  it('has the run line, machine, chart, summary and every section table', () => {
    const md = renderMarkdown(results({ p1: [0.7, 0.7, 0.7] }), OPTS);
    expect(md).toContain('Generated 2025-01-02T04:00:00.000Z by `npm run bench`.');
    expect(md).toContain(`Machine: ${META.machine}; Redis 7.0.15 (jemalloc-5.3.0).`);
    expect(md).toContain('![ratios](benchmarks.svg)');
    expect(md).toContain(
      '| throughput at -P 1 >= 0.8x Redis (median over tests) | median 0.70x, min 0.70x (SET) | short |',
    );
    expect(md).toContain(
      '| throughput at -P 16 >= 0.5x Redis (median over tests) | median 0.60x, min 0.60x (SET) | met |',
    );
    expect(md).toContain('| test | -P | Redis req/s | Tandem req/s | Tandem/Redis |');
    expect(md).toContain('- -P 1: median ratio 0.70x, min 0.70x');
    expect(md).toContain('| dataset | keys | Redis RSS |');
    expect(md).toContain('| RDB load at start-up | 800.0 ms | 1200.0 ms | 1.50x |');
    expect(md).toContain('| full sync of 1000000 keys |');
    expect(md).toContain(`_Run ${META.date} with \`npm run bench\` on ${META.machine}; Redis ${META.redis}._`);
    expect(md).toContain('## How to reproduce');
    expect(md).not.toContain('Smoke run');
    expect(md).not.toContain('Not run yet');
  });

  it('flags smoke runs at the top and per section', () => {
    const r = results({});
    r.memory!.meta = { ...META, quick: true };
    const md = renderMarkdown(r, OPTS);
    expect(md.split('\n')[2]).toMatch(/^> \*\*Smoke run \(`--quick`\), not representative\*\*/);
    expect(md.match(/\*\*Smoke run \(`--quick`\), not representative\.\*\* Run/g)).toHaveLength(1);
  });

  it('says how to fill a section that was never run, and keeps the others', () => {
    const r = results({});
    delete r.snapshot;
    delete r.throughput;
    const md = renderMarkdown(r, OPTS);
    expect(md).toContain('_Not run yet: `npm run bench -- --only snapshot`._');
    expect(md).toContain('_Not run yet: `npm run bench -- --only throughput`._');
    expect(md).toContain('| dataset | keys | Redis RSS |');
    expect(md).toContain('| throughput at -P 1 >= 0.8x Redis (median over tests) | - | not run |');
  });

  it('carries hand-written notes across regenerations', () => {
    const notes = 'Throughput is limited by the event loop.\n\n- point two';
    const md = renderMarkdown(results({}), { ...OPTS, notes });
    expect(extractNotes(md)).toBe(notes);
    const again = renderMarkdown(results({ p1: [0.1, 0.1, 0.1] }), { ...OPTS, notes: extractNotes(md) });
    expect(extractNotes(again)).toBe(notes);
    expect(extractNotes('# no markers')).toBe('');
    expect(extractNotes(renderMarkdown({ version: 1 }, OPTS))).toBe('');
  });
});

describe('chartGroups', () => {
  it('one bar per measured ratio, each group with its direction and target', () => {
    const groups = chartGroups(results({}));
    expect(groups.map((g) => [g.better, g.target, g.bars.length])).toEqual([
      ['higher', 0.8, 3],
      ['higher', 0.5, 3],
      ['lower', 2, 3],
      ['lower', 1.5, 1],
      ['lower', undefined, 2],
    ]);
    expect(groups[2].bars).toEqual([
      { label: 'hashes', ratio: 5 },
      { label: 'strings', ratio: 1.5 },
      { label: 'zsets', ratio: 0.5 },
    ]);
    expect(groups[3].bars[0].ratio).toBeCloseTo(1.2);
    // BGSAVE: median 700 vs median 1000; load 1200 vs 800
    expect(groups[4].bars).toEqual([
      { label: 'BGSAVE (writer running)', ratio: 0.7 },
      { label: 'RDB load at start-up', ratio: 1.5 },
    ]);
  });

  it('leaves out what was not run', () => {
    expect(chartGroups({ version: 1 })).toEqual([]);
  });
});
