// SVG line charts: axes with round ticks, a polyline per series, optional log scale on y.

import { clear, svg } from "./dom.js";

function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => raw <= s) || 10 * mag;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) out.push(t);
  return out;
}

function label(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-2 || a >= 1e4)) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

// series: [{label, color, points: [[x, y], ...]}]; opts: {width, height, xlabel, ylabel, logy,
// xmax}. Returns the scales, so a caller can draw more.
export function lineChart(node, series, opts = {}) {
  const W = opts.width || 480;
  const H = opts.height || 260;
  const m = { l: 58, r: 12, t: 10, b: 38 };
  clear(node);
  node.setAttribute("viewBox", `0 0 ${W} ${H}`);
  node.setAttribute("width", W);
  node.setAttribute("height", H);
  const ty = opts.logy ? (y) => (y > 0 ? Math.log10(y) : NaN) : (y) => y;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of series) {
    for (const [x, y] of s.points) {
      const v = ty(y);
      if (!Number.isFinite(x) || !Number.isFinite(v)) continue;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x);
      y0 = Math.min(y0, v); y1 = Math.max(y1, v);
    }
  }
  if (!Number.isFinite(x0)) { x0 = 0; x1 = 1; }
  if (!Number.isFinite(y0)) { y0 = 0; y1 = 1; }
  if (opts.xmax !== undefined) { x0 = Math.min(x0, 0); x1 = Math.max(x1, opts.xmax); }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const pad = (y1 - y0) * 0.05;
  y0 -= pad; y1 += pad;
  const sx = (x) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (v) => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
  const g = svg("g", { class: "axes" });
  g.append(svg("rect", { x: m.l, y: m.t, width: W - m.l - m.r, height: H - m.t - m.b,
    class: "plot-area" }));
  for (const t of niceTicks(x0, x1)) {
    g.append(svg("line", { x1: sx(t), x2: sx(t), y1: H - m.b, y2: H - m.b + 4, class: "tick" }));
    g.append(svg("text", { x: sx(t), y: H - m.b + 16, class: "tick-label", "text-anchor": "middle",
      text: label(t) }));
  }
  const yt = opts.logy
    ? niceTicks(Math.ceil(y0), Math.floor(y1), 6).filter((t) => Number.isInteger(t))
    : niceTicks(y0, y1);
  for (const t of yt) {
    g.append(svg("line", { x1: m.l, x2: W - m.r, y1: sy(t), y2: sy(t), class: "grid" }));
    g.append(svg("text", { x: m.l - 6, y: sy(t) + 4, class: "tick-label", "text-anchor": "end",
      text: opts.logy ? `1e${t}` : label(t) }));
  }
  if (opts.xlabel) g.append(svg("text", { x: (W + m.l) / 2, y: H - 4, class: "axis-label",
    "text-anchor": "middle", text: opts.xlabel }));
  if (opts.ylabel) g.append(svg("text", { x: 12, y: (H - m.b) / 2, class: "axis-label",
    "text-anchor": "middle", transform: `rotate(-90 12 ${(H - m.b) / 2})`, text: opts.ylabel }));
  node.append(g);
  for (const s of series) {
    const pts = s.points.map(([x, y]) => [x, ty(y)])
      .filter(([x, v]) => Number.isFinite(x) && Number.isFinite(v))
      .map(([x, v]) => `${sx(x).toFixed(1)},${sy(Math.max(y0, Math.min(y1, v))).toFixed(1)}`);
    node.append(svg("polyline", { points: pts.join(" "), fill: "none", stroke: s.color,
      "stroke-width": 2, class: "series", "data-label": s.label, "data-points": pts.length }));
  }
  return { sx, sy, x0, x1, y0, y1 };
}
