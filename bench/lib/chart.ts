/**
 * The report's chart: req/s of every scenario for the service and what it is compared with (raw sharp, IPX, a
 * bare server), as horizontal bars on a logarithmic axis — renders run at tens per second and bare servers at
 * thousands, and on a log axis equal ratios are equal gaps. Plain SVG text, no dependency.
 */
import type { ChartGroup, ChartSeries } from './scenario.js';

const SERIES: ReadonlyArray<{ name: ChartSeries; colour: string }> = [
  { name: 'service', colour: '#1f77b4' },
  { name: 'raw sharp', colour: '#ff7f0e' },
  { name: 'IPX', colour: '#2ca02c' },
  { name: 'bare', colour: '#7f7f7f' },
];

const LABEL_WIDTH = 330;
const PLOT_WIDTH = 520;
const BAR = 11;
const GROUP_GAP = 12;
const TOP = 46;
const FONT = 'font-family="sans-serif" font-size="11"';

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function rounded(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** An SVG document with one group of bars per chart group, in order; missing series leave no bar. */
export function chartSvg(groups: readonly ChartGroup[], title: string): string {
  const values = groups.flatMap((g) => Object.values(g.series)).filter((v): v is number => v !== undefined && v > 0);
  const low = Math.floor(Math.log10(Math.max(Math.min(...values, 1), 0.1)));
  const high = Math.ceil(Math.log10(Math.max(...values, 10)));
  const x = (value: number): number => LABEL_WIDTH + ((Math.log10(Math.max(value, 10 ** low)) - low) / (high - low)) * PLOT_WIDTH;
  const parts: string[] = [];
  let y = TOP;
  for (const group of groups) {
    const present = SERIES.filter((s) => (group.series[s.name] ?? 0) > 0);
    const height = present.length * BAR;
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + height / 2 + 4}" text-anchor="end" ${FONT}>${escape(group.label)}</text>`);
    for (const [i, s] of present.entries()) {
      const value = group.series[s.name]!;
      const top = y + i * BAR;
      parts.push(`<rect x="${LABEL_WIDTH}" y="${top}" width="${(x(value) - LABEL_WIDTH).toFixed(1)}" height="${BAR - 2}" fill="${s.colour}"><title>${escape(`${s.name}: ${rounded(value)} req/s`)}</title></rect>`);
      parts.push(`<text x="${(x(value) + 3).toFixed(1)}" y="${top + BAR - 3}" font-family="sans-serif" font-size="9">${rounded(value)}</text>`);
    }
    y += height + GROUP_GAP;
  }
  const grid: string[] = [];
  for (let power = low; power <= high; power++) {
    const gx = x(10 ** power).toFixed(1);
    grid.push(`<line x1="${gx}" y1="${TOP - 6}" x2="${gx}" y2="${y - GROUP_GAP + 4}" stroke="#ddd"/>`);
    grid.push(`<text x="${gx}" y="${y - GROUP_GAP + 18}" text-anchor="middle" ${FONT}>${power >= 0 ? String(10 ** power) : (10 ** power).toFixed(-power)}</text>`);
  }
  const legend = SERIES.map((s, i) => `<rect x="${LABEL_WIDTH + i * 110}" y="22" width="10" height="10" fill="${s.colour}"/><text x="${LABEL_WIDTH + 14 + i * 110}" y="31" ${FONT}>${s.name}</text>`);
  const width = LABEL_WIDTH + PLOT_WIDTH + 60;
  const totalHeight = y - GROUP_GAP + 44;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${totalHeight}" viewBox="0 0 ${width} ${totalHeight}">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="14" font-family="sans-serif" font-size="13" font-weight="bold">${escape(title)}</text>`,
    ...legend,
    ...grid,
    ...parts,
    `<text x="${LABEL_WIDTH + PLOT_WIDTH / 2}" y="${totalHeight - 6}" text-anchor="middle" ${FONT}>requests per second (median; logarithmic axis)</text>`,
    '</svg>',
    '',
  ].join('\n');
}
