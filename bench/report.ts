/**
 * docs/BENCHMARKS.md and the chart's data from the stored results (docs/benchmarks.json). Pure functions of the JSON,
 * so a partial run (`--only memory`) regenerates the whole page with the other sections' last figures, and the
 * met/short verdicts can be unit-tested without running a benchmark.
 */
import type { ChartGroup } from './chart';
import { fmtRatio, mdTable, median } from './lib';
import { type MemoryRow, memoryTable } from './memory';
import type { replicationBench } from './replication';
import { replicationTable } from './replication';
import { type SnapshotResult, snapshotTable } from './snapshot';
import { type ThroughputRow, throughputTable } from './throughput';

export type ReplicationFigures = Awaited<ReturnType<typeof replicationBench>>;

/** How and where one benchmark ran: each section keeps its own, as sections may come from different runs. */
export interface RunMeta {
  /** ISO date of the end of the run */
  date: string;
  /** the command line that produced it */
  command: string;
  machine: string;
  /** e.g. "7.0.15 (jemalloc-5.3.0)" */
  redis: string;
  /** a --quick smoke run: small sizes, figures not representative */
  quick: boolean;
}

export interface Section<T> {
  meta: RunMeta;
  params: Record<string, string | number | boolean>;
  data: T;
}

export interface ReplicationData {
  keys: number;
  /** timed writes/s of the lag measurement */
  rate: number;
  figures: ReplicationFigures;
}

export interface BenchResults {
  version: 1;
  throughput?: Section<ThroughputRow[]>;
  memory?: Section<MemoryRow[]>;
  snapshot?: Section<SnapshotResult>;
  replication?: Section<ReplicationData>;
}

export const BENCHMARKS = ['throughput', 'memory', 'snapshot', 'replication'] as const;
export type BenchName = (typeof BENCHMARKS)[number];

/** Issue 5's targets. */
export const TARGETS = {
  throughputP1: 0.8,
  throughputP16: 0.5,
  memorySmallKeys: 2,
  fullSync: 1.5,
  syncStallMs: 50,
  lagP99Ms: 5,
  lagRate: 50_000,
} as const;

export type Status = 'met' | 'short' | 'not run';

export interface TargetRow {
  target: string;
  measured: string;
  status: Status;
}

const verdict = (ok: boolean): Status => (ok ? 'met' : 'short');
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
const smoke = (s: Section<unknown>) => (s.meta.quick ? ' (smoke run)' : '');

function throughputTarget(s: Section<ThroughputRow[]> | undefined, pipeline: number, min: number): TargetRow {
  const target = `throughput at -P ${pipeline} >= ${min}x Redis (median over tests)`;
  const rows = s?.data.filter((r) => r.pipeline === pipeline) ?? [];
  if (!s || rows.length === 0) return { target, measured: '-', status: 'not run' };
  const ratios = rows.map((r) => r.ratio);
  const med = median(ratios);
  const worst = rows.reduce((a, b) => (b.ratio < a.ratio ? b : a));
  return {
    target,
    measured: `median ${fmtRatio(med)}, min ${fmtRatio(worst.ratio)} (${worst.test})${smoke(s)}`,
    status: verdict(med >= min),
  };
}

/** The summary table's rows: each target of issue 5 with the figure measured and met/short. */
export function summarize(r: BenchResults): TargetRow[] {
  const out: TargetRow[] = [
    throughputTarget(r.throughput, 1, TARGETS.throughputP1),
    throughputTarget(r.throughput, 16, TARGETS.throughputP16),
  ];

  const memTarget = `RSS with 1M small keys (short strings) <= ${TARGETS.memorySmallKeys}x Redis`;
  const strings = r.memory?.data.find((m) => m.dataset === 'strings');
  if (!r.memory || !strings) out.push({ target: memTarget, measured: '-', status: 'not run' });
  else
    out.push({
      target: memTarget,
      measured: `${fmtRatio(strings.ratio)} total RSS (growth over empty ${fmtRatio(strings.deltaRatio)}), ${strings.keys} keys${smoke(r.memory)}`,
      status: verdict(strings.ratio <= TARGETS.memorySmallKeys),
    });

  const rep = r.replication;
  const syncTarget = `full sync wall time <= ${TARGETS.fullSync}x Redis`;
  const stallTarget = `master stall during full sync <= ${TARGETS.syncStallMs} ms`;
  const lagTarget = `replication lag p99 <= ${TARGETS.lagP99Ms} ms at ${TARGETS.lagRate / 1000}k writes/s`;
  if (!rep) {
    for (const target of [syncTarget, stallTarget, lagTarget]) out.push({ target, measured: '-', status: 'not run' });
    return out;
  }
  const { redis: rf, tandem: tf } = rep.data.figures;
  const syncRatio = tf.syncMs / rf.syncMs;
  out.push({
    target: syncTarget,
    measured: `${fmtRatio(syncRatio)} (${ms(tf.syncMs)} vs ${ms(rf.syncMs)}, ${rep.data.keys} keys)${smoke(rep)}`,
    status: verdict(syncRatio <= TARGETS.fullSync),
  });
  const server = tf.serverStallMs === null ? '' : `; event-loop monitor ${ms(tf.serverStallMs)}`;
  out.push({
    target: stallTarget,
    measured: `${ms(tf.clientStallMs)} longest PING round trip${server}${smoke(rep)}`,
    status: verdict(tf.clientStallMs <= TARGETS.syncStallMs),
  });
  // a lag measured at a lower rate says nothing about the target's rate
  const atRate = rep.data.rate >= TARGETS.lagRate;
  out.push({
    target: lagTarget,
    measured: `p99 ${ms(tf.lagP99)}, p50 ${ms(tf.lagP50)} at ${rep.data.rate} writes/s (Redis p99 ${ms(rf.lagP99)})${smoke(rep)}`,
    status: atRate ? verdict(tf.lagP99 <= TARGETS.lagP99Ms) : 'not run',
  });
  return out;
}

function snapshotMedians(s: SnapshotResult) {
  const wall = (xs: { wallMs: number }[]) => median(xs.map((x) => x.wallMs));
  return { bgsave: wall(s.res.tandem) / wall(s.res.redis), load: s.tandemLoadMs / s.redisLoadMs };
}

/** The chart's groups: every ratio as Tandem/Redis, each group saying which way is better. */
export function chartGroups(r: BenchResults): ChartGroup[] {
  const groups: ChartGroup[] = [];
  const tp = r.throughput?.data ?? [];
  for (const [p, target] of [
    [1, TARGETS.throughputP1],
    [16, TARGETS.throughputP16],
  ] as const) {
    const rows = tp.filter((x) => x.pipeline === p);
    if (rows.length > 0)
      groups.push({
        title: `throughput -P ${p}, req/s`,
        better: 'higher',
        target,
        bars: rows.map((x) => ({ label: x.test, ratio: x.ratio })),
      });
  }
  if (r.memory && r.memory.data.length > 0)
    groups.push({
      title: `memory, RSS with ${r.memory.data[0].keys} keys`,
      better: 'lower',
      target: TARGETS.memorySmallKeys,
      bars: r.memory.data.map((m) => ({ label: m.dataset, ratio: m.ratio })),
    });
  if (r.replication) {
    const { redis: rf, tandem: tf } = r.replication.data.figures;
    groups.push({
      title: `full sync of ${r.replication.data.keys} keys, wall time`,
      better: 'lower',
      target: TARGETS.fullSync,
      bars: [{ label: 'full sync', ratio: tf.syncMs / rf.syncMs }],
    });
  }
  if (r.snapshot) {
    const m = snapshotMedians(r.snapshot.data);
    groups.push({
      title: `snapshot of ${r.snapshot.data.dbsize} keys, wall time`,
      better: 'lower',
      bars: [
        { label: 'BGSAVE (writer running)', ratio: m.bgsave },
        { label: 'RDB load at start-up', ratio: m.load },
      ],
    });
  }
  return groups;
}

const NOTES_START = '<!-- notes: hand-written, kept when this file is regenerated -->';
const NOTES_END = '<!-- /notes -->';

/** The hand-written notes of an existing BENCHMARKS.md (between the markers), so regeneration keeps them. */
export function extractNotes(markdown: string): string {
  const a = markdown.indexOf(NOTES_START);
  const b = markdown.indexOf(NOTES_END);
  if (a < 0 || b < a) return '';
  return markdown.slice(a + NOTES_START.length, b).trim();
}

function metaLine(m: RunMeta): string {
  const head = m.quick ? '**Smoke run (`--quick`), not representative.** ' : '';
  return `_${head}Run ${m.date} with \`${m.command}\` on ${m.machine}; Redis ${m.redis}._`;
}

function paramsLine(p: Record<string, string | number | boolean>): string {
  return `Parameters: ${Object.entries(p)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}.`;
}

function notRun(name: BenchName): string {
  return `_Not run yet: \`npm run bench -- --only ${name}\`._`;
}

function throughputSection(s: Section<ThroughputRow[]>): string {
  const lines = [metaLine(s.meta), '', paramsLine(s.params), '', throughputTable(s.data), ''];
  for (const p of new Set(s.data.map((r) => r.pipeline))) {
    const rs = s.data.filter((r) => r.pipeline === p).map((r) => r.ratio);
    lines.push(`- -P ${p}: median ratio ${fmtRatio(median(rs))}, min ${fmtRatio(Math.min(...rs))}`);
  }
  return lines.join('\n');
}

export interface RenderOptions {
  /** date of this generation */
  date: string;
  /** the command line of the run that regenerated the page */
  command: string;
  machine: string;
  redis: string;
  /** hand-written notes carried over from the previous page */
  notes?: string;
}

export function renderMarkdown(r: BenchResults, o: RenderOptions): string {
  const quick = BENCHMARKS.some((b) => r[b]?.meta.quick);
  const out: string[] = ['# Benchmarks', ''];
  if (quick)
    out.push(
      '> **Smoke run (`--quick`), not representative**: at least one section below comes from a `--quick` run ' +
        '(small sizes, one round). Run `npm run bench` on a quiet machine for real figures.',
      '',
    );
  out.push(
    `Generated ${o.date} by \`${o.command}\`.`,
    '',
    `Machine: ${o.machine}; Redis ${o.redis}.`,
    '',
    'Every figure is Tandem against real Redis 7.0 measured in the same run on the same machine (alternating ' +
      'rounds, medians), so the ratios hold even where absolute numbers drift. Sections not re-run by the last ' +
      'command keep their earlier figures; each names the run it comes from.',
    '',
    '![ratios](benchmarks.svg)',
    '',
    '## Targets (issue 5)',
    '',
    mdTable(
      ['target', 'measured', 'status'],
      summarize(r).map((t) => [t.target, t.measured, t.status]),
    ),
    '',
    '## Throughput (redis-benchmark)',
    '',
    r.throughput ? throughputSection(r.throughput) : notRun('throughput'),
    '',
    '## Memory (RSS)',
    '',
    r.memory
      ? [metaLine(r.memory.meta), '', paramsLine(r.memory.params), '', memoryTable(r.memory.data)].join('\n')
      : notRun('memory'),
    '',
    '## Snapshot (BGSAVE, RDB load)',
    '',
    r.snapshot
      ? [metaLine(r.snapshot.meta), '', paramsLine(r.snapshot.params), '', snapshotTable(r.snapshot.data)].join('\n')
      : notRun('snapshot'),
    '',
    '## Replication (full sync, lag, partial resync)',
    '',
    r.replication
      ? [
          metaLine(r.replication.meta),
          '',
          paramsLine(r.replication.params),
          '',
          replicationTable(r.replication.data.figures, r.replication.data.keys),
        ].join('\n')
      : notRun('replication'),
    '',
    '## Notes',
    '',
    NOTES_START,
    o.notes ?? '',
    NOTES_END,
    '',
    '## How to reproduce',
    '',
    '```sh',
    'npm run bench                            # everything, full sizes (1M keys; takes a while)',
    'npm run bench -- --quick                 # smoke run with small sizes, a few minutes',
    'npm run bench -- --only memory,snapshot  # re-run some sections, keep the others',
    'npm run bench -- --help                  # sizes, rounds, output directory',
    '```',
    '',
    'Each benchmark also runs on its own and prints its table: `npm run bench:throughput`, `bench:memory`, ' +
      '`bench:snapshot`, `bench:replication` (see the header of each file in `bench/` for its options). ' +
      'Needs `redis-server` and `redis-benchmark` 7.0 on the PATH. The results behind this page are in ' +
      '`benchmarks.json`; the chart is regenerated from them.',
    '',
  );
  return out.join('\n');
}
