// Optimizer race: pick a function and racers (a deepgrad.optim optimizer with its settings);
// the server computes every path, the page animates them over the level lines and draws the
// loss curves.

import { levelSegments } from "../lib/contour.js";
import { clear, COLORS, el, fmt, svg } from "../lib/dom.js";
import { lineChart } from "../lib/plot.js";

const SETTINGS = {
  SGD: [["momentum", 0, "number"], ["nesterov", false, "checkbox"], ["batch", "", "number"]],
  Adagrad: [],
  RMSprop: [["alpha", 0.99, "number"], ["momentum", 0, "number"]],
  Adam: [["beta1", 0.9, "number"], ["beta2", 0.999, "number"]],
  AdamW: [["beta1", 0.9, "number"], ["beta2", 0.999, "number"]],
  Adamax: [["beta1", 0.9, "number"], ["beta2", 0.999, "number"]],
};
const START = [
  { label: "GD", optimizer: "SGD", lr: 0.001 },
  { label: "momentum", optimizer: "SGD", lr: 0.001, momentum: 0.9 },
  { label: "Nesterov", optimizer: "SGD", lr: 0.001, momentum: 0.9, nesterov: true },
  { label: "RMSprop", optimizer: "RMSprop", lr: 0.01 },
  { label: "Adam", optimizer: "Adam", lr: 0.05 },
];
const VIEW = 440;

export async function mount(root, lab) {
  const functions = await lab.api.getJSON("/api/optlab/functions");
  const byName = Object.fromEntries(functions.map((f) => [f.name, f]));
  const fnSelect = el("select", { id: "race-function", "aria-label": "function" },
    ...functions.map((f) => el("option", { value: f.name, text: f.name })));
  fnSelect.value = "rosenbrock";
  const steps = el("input", { id: "race-steps", type: "number", min: 1, max: 3000, value: 400,
    "aria-label": "steps" });
  const racers = el("div", { class: "racers", id: "race-racers" });
  const status = el("p", { class: "status", id: "race-status", text: "" });
  const plane = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  plane.setAttribute("id", "race-plane");
  plane.setAttribute("class", "plane");
  const curves = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  curves.setAttribute("id", "race-curves");
  const legend = el("div", { class: "legend", id: "race-legend" });
  let animation = null;

  function racerRow(r) {
    const kind = el("select", { class: "racer-optimizer", "aria-label": "optimizer" },
      ...Object.keys(SETTINGS).map((k) => el("option", { value: k, text: k })));
    kind.value = r.optimizer;
    const name = el("input", { class: "racer-label", value: r.label || r.optimizer, size: 10,
      "aria-label": "label" });
    const lr = el("input", { class: "racer-lr", type: "number", step: "any", value: r.lr,
      "aria-label": "learning rate" });
    const extra = el("span", { class: "racer-settings" });
    const row = el("div", { class: "racer" }, name, kind, el("label", {}, "lr ", lr), extra,
      el("button", { type: "button", class: "remove", text: "×", title: "remove",
        onclick: () => row.remove() }));
    function fill() {
      extra.querySelectorAll("input").forEach((i) => { // keep what was typed
        r[i.dataset.key] = i.type === "checkbox" ? i.checked : i.value;
      });
      clear(extra);
      const stochastic = byName[fnSelect.value].stochastic;
      for (const [key, dflt, type] of SETTINGS[kind.value]) {
        if (key === "batch" && !stochastic) continue; // a finite sum only (the quadratic)
        const v = r[key] !== undefined ? r[key] : dflt;
        const input = type === "checkbox"
          ? el("input", { type: "checkbox", "data-key": key, checked: Boolean(v) })
          : el("input", { type: "number", step: "any", "data-key": key, value: v,
            placeholder: key === "batch" ? "full" : "", size: 6 });
        extra.append(el("label", {}, `${key} `, input));
      }
    }
    kind.addEventListener("change", () => { clear(extra); fill(); });
    row.refill = fill;
    fill();
    row.read = () => {
      const out = { optimizer: kind.value, lr: Number(lr.value), label: name.value || null };
      const vals = {};
      extra.querySelectorAll("input").forEach((i) => {
        vals[i.dataset.key] = i.type === "checkbox" ? i.checked : i.value;
      });
      if (kind.value === "SGD") {
        out.momentum = Number(vals.momentum || 0);
        out.nesterov = vals.nesterov;
        if (vals.batch !== undefined && vals.batch !== "") out.batch = Number(vals.batch);
      } else if (kind.value === "RMSprop") {
        out.alpha = Number(vals.alpha);
        out.momentum = Number(vals.momentum || 0);
      } else if (kind.value !== "Adagrad") {
        out.betas = [Number(vals.beta1), Number(vals.beta2)];
      }
      return out;
    };
    return row;
  }
  START.forEach((r) => racers.append(racerRow(r)));

  function drawField(fn) {
    clear(plane);
    plane.setAttribute("viewBox", `0 0 ${VIEW} ${VIEW}`);
    plane.setAttribute("width", VIEW);
    plane.setAttribute("height", VIEW);
    const [x0, x1] = fn.xlim, [y0, y1] = fn.ylim;
    const sx = (x) => ((x - x0) / (x1 - x0)) * VIEW;
    const sy = (y) => VIEW - ((y - y0) / (y1 - y0)) * VIEW;
    plane.append(svg("rect", { x: 0, y: 0, width: VIEW, height: VIEW, class: "plot-area" }));
    const g = svg("g", { class: "levels" });
    for (const level of fn.levels) {
      const d = levelSegments(fn.grid.f, fn.grid.nx, fn.grid.ny, fn.xlim, fn.ylim, level)
        .map(([a, b]) => `M${sx(a[0]).toFixed(1)} ${sy(a[1]).toFixed(1)}` +
          `L${sx(b[0]).toFixed(1)} ${sy(b[1]).toFixed(1)}`).join("");
      if (d) g.append(svg("path", { d, class: "level" }));
    }
    plane.append(g);
    plane.append(svg("circle", { cx: sx(fn.start[0]), cy: sy(fn.start[1]), r: 5,
      class: "start" }));
    if (fn.minimum) {
      plane.append(svg("text", { x: sx(fn.minimum[0]), y: sy(fn.minimum[1]) + 6,
        class: "minimum", "text-anchor": "middle", text: "★" }));
    }
    return { sx, sy };
  }

  function animate(fn, result, scale) {
    if (animation) cancelAnimationFrame(animation);
    const lines = result.racers.map((r, k) => {
      const line = svg("polyline", { class: "path", fill: "none", stroke: COLORS[k % 8],
        "stroke-width": 2, "data-label": r.label, "data-points": 0 });
      const dot = svg("circle", { r: 4, fill: COLORS[k % 8], class: "head" });
      plane.append(line, dot);
      return { line, dot, pts: r.path.filter(([x, y]) => x !== null && y !== null)
        .map(([x, y]) => [scale.sx(x), scale.sy(y)]) };
    });
    const longest = Math.max(...lines.map((l) => l.pts.length));
    const t0 = performance.now();
    const duration = 2500;
    function frame(now) {
      const n = Math.min(longest, Math.ceil(((now - t0) / duration) * longest));
      for (const l of lines) {
        const shown = l.pts.slice(0, Math.min(n, l.pts.length));
        l.line.setAttribute("points", shown.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`)
          .join(" "));
        l.line.dataset.points = String(shown.length);
        const head = shown[shown.length - 1];
        if (head) { l.dot.setAttribute("cx", head[0]); l.dot.setAttribute("cy", head[1]); }
      }
      if (n < longest) animation = requestAnimationFrame(frame);
      else { animation = null; plane.dataset.done = "true"; status.textContent += " Done."; }
    }
    plane.dataset.done = "false";
    animation = requestAnimationFrame(frame);
  }

  function showCurves(fn, result) {
    const floor = fn.f_min;
    const series = result.racers.map((r, k) => ({ label: r.label, color: COLORS[k % 8],
      points: r.loss.map((v, i) => [i, v === null ? NaN
        : floor === null ? v : Math.max(v - floor, 1e-16)]) }));
    lineChart(curves, series, { width: 440, height: 240, xlabel: "step",
      ylabel: floor === null ? "f" : "f − f*", logy: floor !== null });
    clear(legend);
    result.racers.forEach((r, k) => {
      const how = r.steps_to_target !== null ? `reached the target in ${r.steps_to_target} steps`
        : r.diverged ? "diverged" : `f = ${fmt(r.final)} after ${result.steps} steps`;
      legend.append(el("div", { class: "legend-row", "data-racer": r.label,
        "data-steps": r.steps_to_target === null ? "" : r.steps_to_target },
      el("span", { class: "swatch", "data-color": k % 8 }), el("b", { text: r.label }),
      ` ${r.optimizer} lr ${r.settings.lr}: ${how}`));
    });
    legend.querySelectorAll(".swatch").forEach((s) => {
      s.style.background = COLORS[Number(s.dataset.color)];
    });
  }

  async function race() {
    const fn = byName[fnSelect.value];
    const body = { function: fn.name, steps: Number(steps.value),
      racers: [...racers.querySelectorAll(".racer")].map((r) => r.read()) };
    status.classList.remove("error");
    status.textContent = "Racing…";
    try {
      const result = await lab.api.postJSON("/api/optlab/race", body);
      const scale = drawField(fn);
      status.textContent = `${fn.name}: ${result.racers.length} racers, ${result.steps} steps.`;
      showCurves(fn, result);
      animate(fn, result, scale);
    } catch (e) {
      status.textContent = e.message;
      status.classList.add("error");
    }
  }

  fnSelect.addEventListener("change", () => {
    drawField(byName[fnSelect.value]);
    racers.querySelectorAll(".racer").forEach((r) => r.refill());
  });
  drawField(byName[fnSelect.value]);
  root.append(
    el("div", { class: "card wide" },
      el("div", { class: "controls" }, el("label", {}, "function ", fnSelect),
        el("label", {}, "steps ", steps),
        el("button", { type: "button", id: "race-add", text: "+ racer",
          onclick: () => racers.append(racerRow({ optimizer: "Adam", lr: 0.01 })) }),
        el("button", { type: "button", id: "race-go", class: "primary", text: "Race",
          onclick: race })),
      racers, status),
    el("div", { class: "row" },
      el("div", { class: "card" }, plane),
      el("div", { class: "card" }, el("h3", { text: "Loss" }), curves, legend)));
}
