// The run as a self-contained HTML page (no script, no external file): per transport, the latency
// percentiles (p50, p99, p99.9; log scale) and the offered and answered rates second by second, for the
// exchange and for its echo ceiling, as inline SVG; then the final lines and the step tables.
import { writeFileSync } from 'node:fs';
import type { Row } from './run.ts';

export interface HtmlLadder {
  title: string;
  rows: Row[];
  /** The transport's p99 bound (ms), drawn as a line. */
  boundMs: number;
}

export interface HtmlPage {
  heading: string;
  about: string[];
  finalLines: string[];
  sections: Array<{ transport: string; ladders: HtmlLadder[]; tables: string[] }>;
}

const W = 960;
const LEFT = 64;
const RIGHT = 16;
const LAT_H = 260;
const RATE_H = 150;
const GAP = 34;
const TOP = 24;
const COLORS = { p50: '#1f77b4', p99: '#ff7f0e', p999: '#d62728', offered: '#999999', answered: '#2ca02c', bound: '#d62728' };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const fmtRate = (v: number): string => (v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(v >= 1e4 ? 0 : 1)}k` : v.toFixed(0));

interface Point {
  t: number;
  p50: number;
  p99: number;
  p999: number;
  offered: number;
  answered: number;
}

function points(rows: Row[]): Point[] {
  const out: Point[] = [];
  for (const row of rows) {
    for (const s of row.seconds) {
      out.push({ t: row.startS + s.second + 0.5, p50: s.latency.p50, p99: s.latency.p99, p999: s.latency.p999, offered: s.offered, answered: s.answered });
    }
  }
  return out;
}

function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? power * 10;
}

/** Polylines broken where a value is missing (no answer that second). */
function path(pts: Point[], x: (t: number) => number, y: (v: number) => number, value: (p: Point) => number | null): string {
  let d = '';
  let pen = false;
  for (const p of pts) {
    const v = value(p);
    if (v === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

function chart(ladder: HtmlLadder): string {
  const pts = points(ladder.rows);
  if (pts.length === 0) return '<p>(no step ran)</p>';
  const tMax = Math.max(...ladder.rows.map((r) => r.startS + r.wallMs / 1000), ...pts.map((p) => p.t + 0.5));
  const plotW = W - LEFT - RIGHT;
  const x = (t: number): number => LEFT + (t / tMax) * plotW;
  // Latency panel, log scale.
  const latencies = pts.filter((p) => p.answered > 0).flatMap((p) => [p.p50, p.p999]).concat([ladder.boundMs]).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.max(0.01, Math.min(...latencies))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...latencies) * 1.05));
  const latTop = TOP;
  const yLat = (v: number): number => latTop + LAT_H - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * LAT_H;
  // Rate panel, linear.
  const rateTop = latTop + LAT_H + GAP;
  const rateMax = Math.max(...pts.map((p) => Math.max(p.offered, p.answered)), 1) * 1.1;
  const yRate = (v: number): number => rateTop + RATE_H - (v / rateMax) * RATE_H;
  const height = rateTop + RATE_H + 62;
  const parts: string[] = [];
  // Grid and axes.
  for (let decade = lo; decade <= hi * 1.0001; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const v = decade * m;
      if (v > hi * 1.0001) break;
      parts.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${yLat(v).toFixed(1)}" y2="${yLat(v).toFixed(1)}" class="${m === 1 ? 'grid' : 'grid minor'}"/>`);
      if (m === 1 || hi / lo <= 100) parts.push(`<text x="${LEFT - 6}" y="${(yLat(v) + 4).toFixed(1)}" class="ylab">${fmt(v)}</text>`);
    }
  }
  const rateStep = niceStep(rateMax, 4);
  for (let v = 0; v <= rateMax; v += rateStep) {
    parts.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${yRate(v).toFixed(1)}" y2="${yRate(v).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${(yRate(v) + 4).toFixed(1)}" class="ylab">${fmtRate(v)}</text>`);
  }
  const tStep = niceStep(tMax, 10);
  for (let t = 0; t <= tMax; t += tStep) {
    parts.push(`<text x="${x(t).toFixed(1)}" y="${rateTop + RATE_H + 16}" class="xlab">${t}</text>`);
  }
  parts.push(`<text x="${LEFT + plotW / 2}" y="${rateTop + RATE_H + 34}" class="xlab">seconds since the ladder started</text>`);
  parts.push(`<text x="14" y="${latTop + LAT_H / 2}" class="axis" transform="rotate(-90 14 ${latTop + LAT_H / 2})">latency, ms (log)</text>`);
  parts.push(`<text x="14" y="${rateTop + RATE_H / 2}" class="axis" transform="rotate(-90 14 ${rateTop + RATE_H / 2})">per second</text>`);
  // Steps: a band per step with its target, recorded part shaded.
  for (const [i, r] of ladder.rows.entries()) {
    const measured = r.seconds.filter((s) => s.measured);
    if (measured.length > 0) {
      const a = x(r.startS + measured[0].second);
      const b = x(r.startS + measured.at(-1)!.second + 1);
      parts.push(`<rect x="${a.toFixed(1)}" y="${latTop}" width="${(b - a).toFixed(1)}" height="${LAT_H}" class="${i % 2 ? 'band odd' : 'band'}"/>`);
      parts.push(`<rect x="${a.toFixed(1)}" y="${rateTop}" width="${(b - a).toFixed(1)}" height="${RATE_H}" class="${i % 2 ? 'band odd' : 'band'}"/>`);
    }
    parts.push(`<line x1="${x(r.startS).toFixed(1)}" x2="${x(r.startS).toFixed(1)}" y1="${latTop}" y2="${rateTop + RATE_H}" class="step"/>`);
    parts.push(`<text x="${(x(r.startS) + 3).toFixed(1)}" y="${latTop - 6}" class="steplab">${fmtRate(r.rate)}/s</text>`);
  }
  parts.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${yLat(ladder.boundMs).toFixed(1)}" y2="${yLat(ladder.boundMs).toFixed(1)}" class="bound"/>`);
  parts.push(`<text x="${W - RIGHT - 4}" y="${(yLat(ladder.boundMs) - 4).toFixed(1)}" class="boundlab">p99 bound ${ladder.boundMs} ms</text>`);
  // Lines.
  const lat = (k: 'p50' | 'p99' | 'p999') => (p: Point): number | null => (p.answered > 0 ? p[k] : null);
  for (const k of ['p50', 'p99', 'p999'] as const) parts.push(`<path d="${path(pts, x, yLat, lat(k))}" stroke="${COLORS[k]}" class="line"/>`);
  // The drain after a step (nothing offered, a part of a second) has latencies worth seeing but no rate.
  parts.push(`<path d="${path(pts, x, yRate, (p) => (p.offered > 0 ? p.offered : null))}" stroke="${COLORS.offered}" class="line dashed"/>`);
  parts.push(`<path d="${path(pts, x, yRate, (p) => (p.offered > 0 ? p.answered : null))}" stroke="${COLORS.answered}" class="line"/>`);
  for (const p of pts) {
    if (p.answered === 0) continue;
    parts.push(`<circle cx="${x(p.t).toFixed(1)}" cy="${yLat(p.p99).toFixed(1)}" r="2" fill="${COLORS.p99}"><title>t=${p.t.toFixed(1)} s: p50 ${fmt(p.p50)} ms, p99 ${fmt(p.p99)} ms, p99.9 ${fmt(p.p999)} ms; offered ${p.offered}, answered ${p.answered}</title></circle>`);
  }
  // Legend.
  const legend = [['p50', COLORS.p50], ['p99', COLORS.p99], ['p99.9', COLORS.p999], ['offered/s', COLORS.offered], ['answered/s', COLORS.answered]];
  legend.forEach(([name, color], i) => {
    const lx = LEFT + 8 + i * 110;
    parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="${height - 6}" y2="${height - 6}" stroke="${color}" class="line"/><text x="${lx + 22}" y="${height - 2}" class="leg">${name}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height + 6}" width="${W}" height="${height + 6}">` +
    `<rect x="${LEFT}" y="${latTop}" width="${plotW}" height="${LAT_H}" class="frame"/><rect x="${LEFT}" y="${rateTop}" width="${plotW}" height="${RATE_H}" class="frame"/>` +
    `${parts.join('')}</svg>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:17px;margin-top:32px}h3{font-size:15px}
pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:12px}svg text{font:11px system-ui,sans-serif}
.frame{fill:none;stroke:#888}.grid{stroke:#ddd}.grid.minor{stroke:#eee}.ylab{text-anchor:end;fill:#555}.xlab{text-anchor:middle;fill:#555}
.axis{text-anchor:middle;fill:#333}.band{fill:#f3f7fb}.band.odd{fill:#f8f8f3}.step{stroke:#bbb;stroke-dasharray:2 3}.steplab{fill:#555}
.bound{stroke:${COLORS.bound};stroke-dasharray:6 4;stroke-width:1}.boundlab{text-anchor:end;fill:${COLORS.bound}}
.line{fill:none;stroke-width:1.6}.dashed{stroke-dasharray:5 3}.leg{fill:#333}`;

export function writeHtml(file: string, page: HtmlPage): void {
  const body = [
    `<h1>${esc(page.heading)}</h1>`,
    ...page.about.map((line) => `<p>${esc(line)}</p>`),
    `<pre>${esc(page.finalLines.join('\n'))}</pre>`,
    ...page.sections.map((s) => [
      `<h2>${esc(s.transport)}</h2>`,
      ...s.ladders.map((l) => `<h3>${esc(l.title)}</h3>${chart(l)}`),
      `<pre>${esc(s.tables.join('\n'))}</pre>`,
    ].join('\n')),
  ].join('\n');
  writeFileSync(file, `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(page.heading)}</title><style>${STYLE}</style></head>\n<body>\n${body}\n</body></html>\n`);
}
