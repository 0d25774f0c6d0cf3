// The per-layer statistics of a training (GET /api/jobs/{id}/layers): one table per model,
// a row per parameter tensor grouped by its layer. Gradient norms as bars on a log scale,
// the update ratio ||dw|| / ||w|| (about 1e-3 per step is the usual aim), the layer's output
// mean, standard deviation (bar) and fraction of zeros (bar: dead ReLUs), and a sparkline of
// the layer's gradient norm over the steps.

import { clear, el, fmt, svg } from "./dom.js";

const num = (v) => typeof v === "number" && Number.isFinite(v);
const WORDS = new Set(["nan", "inf", "-inf"]);

// a value as text: numbers by fmt, the watch's words for the non-finite in red
function cell(v, cls = "num") {
  const td = el("td", { class: cls });
  if (WORDS.has(v)) {
    td.textContent = v;
    td.classList.add("error");
  } else {
    td.textContent = fmt(v, 3);
  }
  if (num(v)) td.dataset.value = String(v);
  return td;
}

function barCell(v, frac, cls, title) {
  const td = cell(v, `num bar-cell ${cls}`);
  const text = td.textContent;
  clear(td);
  const f = num(frac) ? Math.max(0, Math.min(1, frac)) : 0;
  const fill = el("span", { class: "mini-bar" });
  fill.style.width = `${(100 * f).toFixed(1)}%`;  // CSSOM: the page's CSP forbids style=""
  td.append(el("span", { class: "mini-track", title }, fill),
    el("span", { class: "mini-value", text }));
  return td;
}

// points [[step, value > 0], ...] as a small polyline on a log scale
export function sparkline(points, width = 120, height = 26) {
  const node = svg("svg", { class: "spark", viewBox: `0 0 ${width} ${height}`, width, height,
    "data-points": points.length });
  const pts = points.filter(([, v]) => num(v) && v > 0);
  if (pts.length === 0) return node;
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => Math.log10(p[1]));
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const sx = (x) => (x1 > x0 ? 2 + ((x - x0) / (x1 - x0)) * (width - 4) : width / 2);
  const sy = (y) => (y1 > y0 ? height - 3 - ((y - y0) / (y1 - y0)) * (height - 6) : height / 2);
  const line = pts.map((p, i) => `${sx(xs[i]).toFixed(1)},${sy(ys[i]).toFixed(1)}`).join(" ");
  node.append(svg("polyline", { points: line, class: "spark-line" }));
  const [lx, ly] = [sx(xs[xs.length - 1]), sy(ys[ys.length - 1])];
  node.append(svg("circle", { cx: lx.toFixed(1), cy: ly.toFixed(1), r: 2, class: "spark-dot" }));
  const title = svg("title", { text: `||grad|| from ${fmt(10 ** y0, 3)} to ${fmt(10 ** y1, 3)}` +
    ` over steps ${x0}-${x1}` });
  node.append(title);
  return node;
}

// the log scale of the gradient norms of one sample: [lo, hi] as powers of ten
function logRange(values) {
  const logs = values.filter((v) => num(v) && v > 0).map(Math.log10);
  if (logs.length === 0) return [0, 1];
  let lo = Math.floor(Math.min(...logs)), hi = Math.ceil(Math.max(...logs));
  if (hi <= lo) hi = lo + 1;
  return [lo, hi];
}

// one model's table into `node` (a <table>)
export function layerTable(node, model) {
  clear(node);
  node.dataset.model = model.model;
  node.dataset.step = String(model.step);
  const byLayer = new Map();
  for (const p of model.params) {
    if (!byLayer.has(p.layer)) byLayer.set(p.layer, []);
    byLayer.get(p.layer).push(p);
  }
  const grads = model.params.map((p) => p.grad);
  const [lo, hi] = logRange(grads);
  const stds = model.layers.map((l) => l.std).filter(num);
  const maxStd = stds.length ? Math.max(...stds) : 1;
  node.append(el("thead", {}, el("tr", {},
    el("th", { text: "layer" }), el("th", { text: "tensor" }), el("th", { text: "shape" }),
    el("th", { title: "gradient norm at the sampled step, bars on a log scale",
      text: `‖grad‖ (1e${lo} … 1e${hi})` }),
    el("th", { text: "‖w‖", title: "weight norm" }),
    el("th", { text: "‖Δw‖/‖w‖", title: "the step's update over the weights (~1e-3 is usual)" }),
    el("th", { text: "out mean", title: "mean of the layer's output" }),
    el("th", { text: "out std", title: "standard deviation of the layer's output" }),
    el("th", { text: "zeros", title: "fraction of exact zeros in the output (dead ReLUs)" }),
    el("th", { text: "‖grad‖ over steps", title: "the layer's gradient norm, log scale" }))));
  const body = el("tbody");
  const seen = new Set();
  const layers = [...model.layers];
  for (const name of byLayer.keys()) {  // tensors of modules not listed as layers
    if (!layers.some((l) => l.name === name)) layers.push({ name, type: "", size: 0 });
  }
  for (const layer of layers) {
    if (seen.has(layer.name)) continue;
    seen.add(layer.name);
    const tensors = byLayer.get(layer.name) || [null];
    tensors.forEach((p, i) => {
      const tr = el("tr", { class: i === 0 ? "layer-row first" : "layer-row",
        "data-layer": layer.name });
      if (i === 0) {
        const span = tensors.length;
        const nameCell = el("td", { class: "layer-name", rowspan: span },
          el("b", { text: layer.name === "" ? "(model)" : layer.name }),
          el("span", { class: "muted", text: ` ${layer.type}` }));
        tr.append(nameCell);
      }
      if (p) {
        const short = layer.name && p.name.startsWith(`${layer.name}.`)
          ? p.name.slice(layer.name.length + 1) : p.name;
        tr.append(el("td", { class: "tensor", text: short, title: p.name }),
          el("td", { class: "muted shape", text: p.shape.join("×") || "scalar" }));
        const frac = num(p.grad) && p.grad > 0 ? (Math.log10(p.grad) - lo) / (hi - lo) : 0;
        tr.append(barCell(p.grad, frac, "grad", `‖grad‖ ${fmt(p.grad, 4)}`), cell(p.norm));
        const u = cell(p.update, "num update");
        if (num(p.update)) u.classList.toggle("warn", p.update > 1e-2 || p.update < 1e-6);
        tr.append(u);
      } else {
        tr.append(el("td", { class: "muted", text: "–" }), el("td"), el("td"), el("td"),
          el("td"));
      }
      if (i === 0) {
        const span = tensors.length;
        const std = barCell(layer.std, num(layer.std) ? layer.std / maxStd : 0, "std",
          `std ${fmt(layer.std, 4)}`);
        const zeros = barCell(layer.zeros, layer.zeros, "zeros",
          `${num(layer.zeros) ? (100 * layer.zeros).toFixed(1) : "–"}% zeros`);
        if (num(layer.zeros) && layer.zeros > 0.9) zeros.classList.add("warn");  // mostly dead
        for (const c of [cell(layer.mean, "num mean"), std, zeros]) {
          c.setAttribute("rowspan", span);
          tr.append(c);
        }
        const hist = (model.history || {})[layer.name] || [];
        tr.append(el("td", { rowspan: span, class: "spark-cell" }, sparkline(hist)));
      }
      body.append(tr);
    });
  }
  node.append(body);
  return node;
}
