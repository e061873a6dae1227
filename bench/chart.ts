/**
 * A dependency-free SVG horizontal bar chart of Tandem/Redis ratios, grouped (throughput, memory, sync...). Pure: data
 * in, SVG text out, so it can be unit-tested and regenerated from stored results without running anything.
 *
 * Every bar is the ratio Tandem/Redis on one linear axis. Whether higher or lower is better differs per group (more
 * requests/s is good, more RSS or seconds is bad), so each group heading says which way is better, and bars are coloured
 * by whether they meet the group's target (or beat parity when the group has none).
 */

export interface ChartBar {
  label: string;
  /** Tandem / Redis */
  ratio: number;
}

export interface ChartGroup {
  title: string;
  better: 'higher' | 'lower';
  /** the issue's target ratio for this group, drawn as a dashed line over the group's rows */
  target?: number;
  bars: ChartBar[];
}

export interface ChartOptions {
  title?: string;
  subtitle?: string;
  width?: number;
}

const LABEL_W = 230;
const VALUE_W = 70;
const ROW_H = 18;
const BAR_H = 12;
const GROUP_GAP = 10;
const HEAD_H = 96;
const AXIS_H = 48;

const COLOR_MET = '#2e8b57';
const COLOR_SHORT = '#e07b24';
const COLOR_INFO = '#4a78b5';
const COLOR_TARGET = '#c62828';

/** Text and attribute escaping for labels that come from data (test names, datasets, commands). */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => {
    switch (ch) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&#39;';
    }
  });
}

/** Whether a ratio meets the group's target; with no target, whether it is at least as good as Redis. */
export function meets(group: ChartGroup, ratio: number): boolean {
  const limit = group.target ?? 1;
  return group.better === 'higher' ? ratio >= limit : ratio <= limit;
}

/** Axis end and tick step: the smallest "round" step giving at most 10 ticks over the largest value drawn. */
export function axisScale(maxValue: number): { max: number; step: number } {
  const want = Math.max(1, maxValue) * 1.05;
  for (const step of [0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]) {
    if (want / step <= 10) return { max: Math.ceil(want / step) * step, step };
  }
  const step = 10 ** Math.ceil(Math.log10(want / 10));
  return { max: Math.ceil(want / step) * step, step };
}

const fmt = (n: number) => (Math.round(n * 100) / 100).toString();

function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}x` : 'n/a';
}

function targetText(g: ChartGroup): string {
  const way = g.better === 'higher' ? 'higher is better' : 'lower is better';
  if (g.target === undefined) return way;
  return `${way}; target ${g.better === 'higher' ? '>=' : '<='} ${g.target}x`;
}

export function ratioChart(groups: ChartGroup[], opts: ChartOptions = {}): string {
  const width = opts.width ?? 900;
  const x0 = LABEL_W;
  const x1 = width - VALUE_W;
  let maxValue = 1;
  for (const g of groups) {
    if (g.target !== undefined) maxValue = Math.max(maxValue, g.target);
    for (const b of g.bars) if (Number.isFinite(b.ratio)) maxValue = Math.max(maxValue, b.ratio);
  }
  const { max, step } = axisScale(maxValue);
  const scale = (x1 - x0) / max;
  const xOf = (v: number) => x0 + v * scale;

  const body: string[] = [];
  const targets: string[] = [];
  // value labels go last, on a white patch, so the parity and target lines never strike through them
  const values: string[] = [];
  let y = HEAD_H;
  for (const g of groups) {
    body.push(
      `<text class="group" x="8" y="${y + 13}">${escapeXml(g.title)} <tspan class="hint">(${escapeXml(targetText(g))})</tspan></text>`,
    );
    y += ROW_H + 2;
    const top = y;
    for (const b of g.bars) {
      const ok = Number.isFinite(b.ratio);
      const w = ok ? Math.max(0, b.ratio) * scale : 0;
      const color = !ok
        ? COLOR_INFO
        : g.target === undefined
          ? COLOR_INFO
          : meets(g, b.ratio)
            ? COLOR_MET
            : COLOR_SHORT;
      const by = y + (ROW_H - BAR_H) / 2;
      body.push(
        `<text class="label" x="${x0 - 6}" y="${y + 13}" text-anchor="end">${escapeXml(b.label)}</text>`,
        `<rect class="bar" x="${x0}" y="${fmt(by)}" width="${fmt(w)}" height="${BAR_H}" fill="${color}"><title>${escapeXml(`${g.title}, ${b.label}: ${fmtRatio(b.ratio)}`)}</title></rect>`,
      );
      const value = fmtRatio(b.ratio);
      const vx = x0 + w + 3;
      // a white patch under the value (about 7 px per character at 12 px) hides the lines that cross it
      values.push(
        `<rect class="value-bg" x="${fmt(vx)}" y="${y + 2}" width="${value.length * 7 + 2}" height="${ROW_H - 4}" fill="#fff"/>`,
        `<text class="value" x="${fmt(vx + 1)}" y="${y + 13}">${value}</text>`,
      );
      y += ROW_H;
    }
    if (g.target !== undefined && g.bars.length > 0) {
      const tx = fmt(xOf(g.target));
      targets.push(
        `<line class="target" x1="${tx}" y1="${top - 2}" x2="${tx}" y2="${y + 2}" stroke="${COLOR_TARGET}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
      );
    }
    y += GROUP_GAP;
  }
  const plotBottom = y;
  const height = plotBottom + AXIS_H;

  const axis: string[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) {
    const x = fmt(xOf(v));
    axis.push(
      `<line class="grid" x1="${x}" y1="${HEAD_H - 4}" x2="${x}" y2="${plotBottom}" stroke="#e4e4e4"/>`,
      `<text class="tick" x="${x}" y="${plotBottom + 14}" text-anchor="middle">${fmt(v)}x</text>`,
    );
  }
  const parity = fmt(xOf(1));
  const title = escapeXml(opts.title ?? 'Tandem / Redis 7.0');
  const subtitle = opts.subtitle ? `<text class="sub" x="8" y="40">${escapeXml(opts.subtitle)}</text>` : '';

  const legendItems: [string, string][] = [
    [COLOR_MET, 'meets target'],
    [COLOR_SHORT, 'short of target'],
    [COLOR_INFO, 'no target (for information)'],
  ];
  const legend: string[] = [];
  let lx = 8;
  for (const [color, text] of legendItems) {
    legend.push(
      `<rect x="${lx}" y="56" width="12" height="12" fill="${color}"/>`,
      `<text class="legend" x="${lx + 16}" y="66">${escapeXml(text)}</text>`,
    );
    lx += 26 + text.length * 6.5;
  }
  legend.push(
    `<line x1="${lx}" y1="62" x2="${lx + 22}" y2="62" stroke="#333" stroke-width="1.5"/>`,
    `<text class="legend" x="${lx + 26}" y="66">1.0x = same as Redis</text>`,
  );
  lx += 170;
  legend.push(
    `<line x1="${lx}" y1="62" x2="${lx + 22}" y2="62" stroke="${COLOR_TARGET}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
    `<text class="legend" x="${lx + 26}" y="66">target (issue 5)</text>`,
  );

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    '<style>.group{font-weight:bold}.hint{font-weight:normal;fill:#666}.sub,.tick,.legend{fill:#444}.value{fill:#222}</style>',
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
    `<text class="title" x="8" y="22" font-size="16" font-weight="bold">${title}</text>`,
    subtitle,
    ...legend,
    ...axis,
    ...body,
    `<line class="parity" x1="${parity}" y1="${HEAD_H - 4}" x2="${parity}" y2="${plotBottom}" stroke="#333" stroke-width="1.5"/>`,
    ...targets,
    ...values,
    `<line class="axis" x1="${x0}" y1="${plotBottom}" x2="${x1}" y2="${plotBottom}" stroke="#333"/>`,
    `<text class="axis-label" x="${(x0 + x1) / 2}" y="${plotBottom + 34}" text-anchor="middle">Tandem / Redis (ratio of figures measured in the same run)</text>`,
    '</svg>',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n')
    .concat('\n');
}
