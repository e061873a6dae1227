import { describe, expect, it } from 'vitest';
import {
  highestEquivalent,
  LatencyHistogram,
  percentileName,
  percentilesLine,
} from '../../src/server/latency-histogram';

describe('LatencyHistogram (HdrHistogram layout, 2 significant digits, 1 ns .. 1 s)', () => {
  it('reports the top of the sub-bucket, as Redis prints it', () => {
    // Redis records whole microseconds in ns: 1 us -> 1.003, 8 us -> 8.031, 23 us -> 23.039 (seen in real INFO)
    expect(highestEquivalent(1000)).toBe(1003);
    expect(highestEquivalent(8000)).toBe(8031);
    expect(highestEquivalent(23000)).toBe(23039);
    expect(highestEquivalent(145000)).toBe(145407);
    // below 256 every value has its own sub-bucket
    expect(highestEquivalent(1)).toBe(1);
    expect(highestEquivalent(255)).toBe(255);
    expect(highestEquivalent(256)).toBe(257);
  });

  it('computes percentiles by rank with rounding', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 98; i++) h.record(1000);
    h.record(50_000);
    h.record(2_000_000);
    expect(h.total).toBe(100);
    expect(h.valueAt(50)).toBe(1003);
    expect(h.valueAt(99)).toBe(highestEquivalent(50_000));
    expect(h.valueAt(99.9)).toBe(highestEquivalent(2_000_000));
    expect(h.valueAt(100)).toBe(highestEquivalent(2_000_000));
    // percentile 0 is the bottom of the lowest sub-bucket
    expect(h.valueAt(0)).toBe(1000);
  });

  it('clamps to 1 ns .. 1 s', () => {
    const h = new LatencyHistogram();
    h.record(0);
    h.record(5e9);
    expect(h.valueAt(0)).toBe(1);
    expect(h.valueAt(100)).toBe(highestEquivalent(1e9));
  });

  it('formats INFO latencystats lines like Redis', () => {
    const h = new LatencyHistogram();
    h.record(1000);
    expect(percentilesLine('set', h, [50, 99, 99.9])).toBe(
      'latency_percentiles_usec_set:p50=1.003,p99=1.003,p99.9=1.003',
    );
    expect(percentilesLine('get', h, [])).toBe('latency_percentiles_usec_get:');
    expect(percentileName(50)).toBe('50');
    expect(percentileName(99.99)).toBe('99.99');
    expect(percentileName(0)).toBe('0');
  });

  it('gives LATENCY HISTOGRAM steps at powers of two from 1024 ns, cumulative, empty steps left out', () => {
    const h = new LatencyHistogram();
    expect(h.cumulative()).toEqual([]);
    h.record(500); // below the first level: reported with the first step
    h.record(1000);
    h.record(1000);
    h.record(5000);
    const steps = h.cumulative();
    // counts never decrease, the last one is the total, usec values grow
    expect(steps.at(-1)![1]).toBe(4);
    for (let i = 1; i < steps.length; i++) {
      expect(steps[i][1]).toBeGreaterThan(steps[i - 1][1]);
      expect(steps[i][0]).toBeGreaterThan(steps[i - 1][0]);
    }
    // 500 ns and the two 1000 ns samples are reached by the 1024 ns level: one step with 3
    expect(steps[0]).toEqual([1, 3]);
    // 5000 ns counts at the next level the walk crosses, 8192 ns: reported as the top of that sub-bucket (8.255 us)
    expect(steps[1]).toEqual([8, 4]);
  });
});
