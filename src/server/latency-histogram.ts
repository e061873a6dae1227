/**
 * Per-command latency histograms behind INFO latencystats and LATENCY HISTOGRAM.
 *
 * The bucket layout is HdrHistogram's with Redis' parameters (values 1 ns .. 1 s, 2 significant digits): 23
 * power-of-two buckets of 128 linear sub-buckets each (the first bucket has 256), so a recorded value is known to
 * within 1% and the numbers we print (the top of the sub-bucket a percentile falls into) are the ones Redis would
 * print for the same samples, e.g. 1000 ns -> "1.003". Recording is a clz and an array increment; a histogram is
 * allocated on a command's first call only (24 KB, like Redis' own), and CONFIG RESETSTAT drops them.
 */

/** log2 of half the sub-buckets per bucket (256 sub-buckets give 2 significant digits) */
const HALF_MAGNITUDE = 7;
const HALF_COUNT = 1 << HALF_MAGNITUDE;
/** value | SUB_MASK has at least 8 significant bits, so values below 256 land in bucket 0 at their own index */
const SUB_MASK = 255;
/** buckets needed to reach 1e9 ns: 256 * 2^22 >= 1e9 */
const BUCKETS = 23;
const COUNTS_LEN = (BUCKETS + 1) * HALF_COUNT;
export const HISTOGRAM_MIN_NS = 1;
export const HISTOGRAM_MAX_NS = 1_000_000_000;

/** Bucket of a value in 1..1e9 (fits 31 bits, so clz32 is exact). */
function bucketOf(v: number): number {
  return 24 - Math.clz32(v | SUB_MASK);
}

function valueAtIndex(i: number): number {
  let bucket = (i >> HALF_MAGNITUDE) - 1;
  let sub = (i & (HALF_COUNT - 1)) + HALF_COUNT;
  if (bucket < 0) {
    sub -= HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

function lowestEquivalent(v: number): number {
  const b = bucketOf(v);
  return Math.floor(v / 2 ** b) * 2 ** b;
}

/** The largest value recorded into the same sub-bucket as `v`. */
export function highestEquivalent(v: number): number {
  const b = bucketOf(v);
  return Math.floor(v / 2 ** b) * 2 ** b + 2 ** b - 1;
}

export class LatencyHistogram {
  readonly counts = new Float64Array(COUNTS_LEN);
  total = 0;

  /** Records one duration in nanoseconds (clamped to 1 ns .. 1 s, as Redis does). */
  record(ns: number): void {
    const v = ns < HISTOGRAM_MIN_NS ? HISTOGRAM_MIN_NS : ns > HISTOGRAM_MAX_NS ? HISTOGRAM_MAX_NS : ns | 0;
    const b = bucketOf(v);
    this.counts[((b + 1) << HALF_MAGNITUDE) + (v >>> b) - HALF_COUNT]++;
    this.total++;
  }

  /** Value at a percentile (0..100): the top of the sub-bucket holding that rank (the bottom for 0). */
  valueAt(percentile: number): number {
    const p = Math.min(percentile, 100);
    let want = Math.floor((p / 100) * this.total + 0.5);
    if (want < 1) want = 1;
    let seen = 0;
    let v = 0;
    for (let i = 0; i < COUNTS_LEN; i++) {
      seen += this.counts[i];
      if (seen >= want) {
        v = valueAtIndex(i);
        break;
      }
    }
    return percentile === 0 ? lowestEquivalent(v) : highestEquivalent(v);
  }

  /**
   * LATENCY HISTOGRAM's cumulative distribution: [usec, calls at or below] pairs at power-of-two steps from 1024 ns,
   * reproducing HdrHistogram's logarithmic iteration as Redis reports it (the step's value is the top of the first
   * sub-bucket reaching the level, whose count is already included; steps adding nothing are left out).
   */
  cumulative(): [usec: number, count: number][] {
    const out: [number, number][] = [];
    let idx = -1;
    let value = 0;
    let highest = 0;
    let cum = 0;
    // Reporting levels are powers of two from 1024 ns; a power of two is its own sub-bucket's lowest value.
    let level = 1024;
    let previous = 0;
    for (;;) {
      const more = cum < this.total || (idx < COUNTS_LEN && valueAtIndex(idx + 1) > level);
      if (!more) break;
      let ended = false;
      for (;;) {
        if (value >= level) {
          level *= 2;
          break;
        }
        idx++;
        if (idx >= COUNTS_LEN) {
          ended = true;
          break;
        }
        cum += this.counts[idx];
        value = valueAtIndex(idx);
        highest = highestEquivalent(value);
      }
      if (cum > previous) out.push([Math.floor(highest / 1000), cum]);
      previous = cum;
      if (ended) break;
    }
    return out;
  }
}

/** printf("%f") then trailing zeros (and a bare dot) removed: how Redis names a percentile (50, 99.9). */
export function percentileName(p: number): string {
  const s = p.toFixed(6);
  return s.replace(/\.?0+$/, '');
}

/** One INFO latencystats line: latency_percentiles_usec_<name>:p50=..,p99=..,p99.9=.. (microseconds, 3 decimals). */
export function percentilesLine(name: string, h: LatencyHistogram, percentiles: readonly number[]): string {
  let line = `latency_percentiles_usec_${name}:`;
  for (let j = 0; j < percentiles.length; j++) {
    if (j > 0) line += ',';
    line += `p${percentileName(percentiles[j])}=${(h.valueAt(percentiles[j]) / 1000).toFixed(3)}`;
  }
  return line;
}
