import { describe, expect, it } from 'vitest';
import { axisScale, type ChartGroup, escapeXml, meets, ratioChart } from '../../bench/chart';

/**
 * A small well-formedness check: every tag closes in order, attributes are quoted, and text has no raw '<' or
 * unescaped '&'. Enough to catch broken markup from string building without an XML library.
 */
function checkXml(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  let roots = 0;
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    const text = svg.slice(i, lt < 0 ? svg.length : lt);
    expect(text).not.toMatch(/&(?!(amp|lt|gt|quot|#\d+);)/);
    expect(text).not.toContain('>');
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(svg);
    if (!m) throw new Error(`malformed tag at ${lt}: ${svg.slice(lt, lt + 60)}`);
    const [, close, name, attrs, selfClose] = m;
    expect(attrs).not.toMatch(/&(?!(amp|lt|gt|quot|#\d+);)/);
    if (close) {
      expect(stack.pop()).toBe(name);
    } else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    }
    i = tag.lastIndex;
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

const bars = (svg: string) =>
  [...svg.matchAll(/<rect class="bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => ({
    x: Number(m[1]),
    width: Number(m[2]),
  }));

const GROUPS: ChartGroup[] = [
  {
    title: 'throughput -P 1',
    better: 'higher',
    target: 0.8,
    bars: [
      { label: 'SET', ratio: 0.9 },
      { label: 'GET', ratio: 0.75 },
      { label: 'LRANGE_100', ratio: 1.2 },
    ],
  },
  { title: 'memory', better: 'lower', target: 2, bars: [{ label: 'strings', ratio: 2.6 }] },
  {
    title: 'snapshot',
    better: 'lower',
    bars: [
      { label: 'BGSAVE', ratio: 0.4 },
      { label: 'RDB load', ratio: 3.1 },
    ],
  },
];

describe('ratioChart', () => {
  it('produces well-formed SVG with one root element', () => {
    const svg = ratioChart(GROUPS, { title: 'T', subtitle: 'sub' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    checkXml(svg);
  });

  it('draws exactly one bar per input, in order, with its value label', () => {
    const svg = ratioChart(GROUPS);
    expect(bars(svg)).toHaveLength(6);
    const labels = [...svg.matchAll(/<text class="label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(['SET', 'GET', 'LRANGE_100', 'strings', 'BGSAVE', 'RDB load']);
    for (const v of ['0.90x', '0.75x', '1.20x', '2.60x', '0.40x', '3.10x']) expect(svg).toContain(`>${v}</text>`);
    expect(bars(ratioChart([]))).toHaveLength(0);
  });

  it('makes bar length proportional to the ratio, all bars starting at the same x', () => {
    const svg = ratioChart(GROUPS);
    const ratios = GROUPS.flatMap((g) => g.bars.map((b) => b.ratio));
    const bs = bars(svg);
    const perUnit = bs[0].width / ratios[0];
    bs.forEach((b, i) => {
      expect(b.x).toBe(bs[0].x);
      expect(b.width / ratios[i]).toBeCloseTo(perUnit, 1);
    });
    // the 1.0x parity line sits one unit from the bars' origin
    const parity = /<line class="parity" x1="([\d.]+)"/.exec(svg)!;
    expect(Number(parity[1]) - bs[0].x).toBeCloseTo(perUnit, 1);
  });

  it('draws a target line per group that has one, at the target ratio', () => {
    const svg = ratioChart(GROUPS);
    const bs = bars(svg);
    const perUnit = bs[0].width / 0.9;
    const lines = [...svg.matchAll(/<line class="target" x1="([\d.]+)"/g)].map((m) => Number(m[1]) - bs[0].x);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBeCloseTo(0.8 * perUnit, 1);
    expect(lines[1]).toBeCloseTo(2 * perUnit, 1);
  });

  it('colours bars by target, in the group direction', () => {
    const svg = ratioChart(GROUPS);
    const fills = [...svg.matchAll(/<rect class="bar"[^>]* fill="(#[0-9a-f]+)"/g)].map((m) => m[1]);
    // SET meets, GET short, LRANGE meets, strings short (lower is better), snapshot rows have no target
    expect(fills[0]).toBe(fills[2]);
    expect(fills[1]).toBe(fills[3]);
    expect(fills[0]).not.toBe(fills[1]);
    expect(fills[4]).toBe(fills[5]);
    expect(new Set(fills).size).toBe(3);
  });

  it('says which way is better in each group heading', () => {
    const svg = ratioChart(GROUPS);
    expect(svg).toContain('higher is better; target &gt;= 0.8x');
    expect(svg).toContain('lower is better; target &lt;= 2x');
    expect(svg).toMatch(/snapshot <tspan class="hint">\(lower is better\)/);
  });

  it('escapes text from the data', () => {
    const nasty = `<script>alert("x") & 'y'</script>`;
    const svg = ratioChart([{ title: nasty, better: 'higher', bars: [{ label: nasty, ratio: 1 }] }], {
      title: nasty,
      subtitle: nasty,
    });
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;');
    checkXml(svg);
  });

  it('keeps non-finite ratios as zero-length bars labelled n/a', () => {
    const svg = ratioChart([{ title: 'g', better: 'higher', bars: [{ label: 'x', ratio: Number.NaN }] }]);
    expect(bars(svg)).toEqual([{ x: expect.any(Number), width: 0 }]);
    expect(svg).toContain('>n/a</text>');
    checkXml(svg);
  });
});

describe('chart helpers', () => {
  it('escapeXml', () => {
    expect(escapeXml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f');
  });

  it('meets: both sides of the target, both directions, parity without a target', () => {
    const hi: ChartGroup = { title: '', better: 'higher', target: 0.8, bars: [] };
    const lo: ChartGroup = { title: '', better: 'lower', target: 1.5, bars: [] };
    expect(meets(hi, 0.8)).toBe(true);
    expect(meets(hi, 0.79)).toBe(false);
    expect(meets(lo, 1.5)).toBe(true);
    expect(meets(lo, 1.51)).toBe(false);
    expect(meets({ title: '', better: 'lower', bars: [] }, 0.99)).toBe(true);
    expect(meets({ title: '', better: 'lower', bars: [] }, 1.01)).toBe(false);
  });

  it('axisScale covers the largest value with at most 10 round ticks', () => {
    expect(axisScale(0.5)).toEqual({ max: 1.25, step: 0.25 });
    expect(axisScale(2.4)).toEqual({ max: 3, step: 0.5 });
    expect(axisScale(13)).toEqual({ max: 14, step: 2 });
    for (const v of [0.3, 1, 1.7, 4.9, 37, 480, 12345]) {
      const { max, step } = axisScale(v);
      expect(max).toBeGreaterThanOrEqual(v);
      expect(max / step).toBeLessThanOrEqual(10);
    }
  });
});
