// Draw a digit: a canvas; after each stroke the drawing goes to the MNIST model of a finished
// run, and the page shows its ten probabilities, its saliency over the digit it saw and the
// first convolution's feature maps.

import { bytes, clear, el, fmt, paint } from "../lib/dom.js";

const SIZE = 280;

export async function mount(root, lab) {
  const canvas = el("canvas", { width: SIZE, height: SIZE, class: "draw", id: "draw-canvas",
    "aria-label": "draw a digit here" });
  const ctx = canvas.getContext("2d");
  const runSelect = el("select", { id: "draw-run", "aria-label": "the mnist run" });
  const status = el("p", { class: "status", id: "draw-status",
    text: "Draw a digit (white on black), one stroke at a time." });
  const prediction = el("div", { class: "prediction", id: "draw-prediction", text: "–" });
  const bars = el("div", { class: "bars", id: "draw-bars" });
  const seen = el("canvas", { width: 168, height: 168, class: "pixels", id: "draw-saliency",
    title: "the 28 x 28 input the model saw, saliency in red" });
  const maps = el("div", { class: "maps", id: "draw-maps" });
  const mapsTitle = el("h3", { text: "First-layer feature maps" });
  let busy = false, again = false, strokes = 0;

  function blank() {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, SIZE, SIZE);
    strokes = 0;
    canvas.dataset.strokes = "0";
  }
  blank();
  for (let d = 0; d < 10; d++) {
    bars.append(el("div", { class: "bar-row", "data-digit": d },
      el("span", { class: "bar-digit", text: d }),
      el("span", { class: "bar-track" }, el("span", { class: "bar", "data-digit": d })),
      el("span", { class: "bar-value", text: "" })));
  }

  let drawing = false, last = null;
  function point(ev) {
    const r = canvas.getBoundingClientRect();
    return [(ev.clientX - r.left) * (SIZE / r.width), (ev.clientY - r.top) * (SIZE / r.height)];
  }
  canvas.addEventListener("pointerdown", (ev) => {
    drawing = true;
    last = point(ev);
    canvas.setPointerCapture(ev.pointerId);
    ctx.fillStyle = "#fff";
    ctx.beginPath();
    ctx.arc(last[0], last[1], 9, 0, 2 * Math.PI);
    ctx.fill();
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!drawing) return;
    const p = point(ev);
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 18;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    ctx.lineTo(p[0], p[1]);
    ctx.stroke();
    last = p;
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    strokes += 1;
    canvas.dataset.strokes = String(strokes);
    predict();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  async function predict() {
    if (busy) { again = true; return; } // the latest drawing goes next
    busy = true;
    status.textContent = "Thinking…";
    const stroke = strokes;
    try {
      const blob = await new Promise((ok) => canvas.toBlob(ok, "image/png"));
      const form = new FormData();
      form.append("image", blob, "drawing.png");
      if (runSelect.value) form.append("run", runSelect.value);
      show(await lab.api.postForm("/api/mnist/predict", form), stroke);
    } catch (e) {
      status.textContent = e.message;
      status.classList.add("error");
    } finally {
      busy = false;
      if (again) { again = false; predict(); }
    }
  }

  function show(r, stroke) {
    status.classList.remove("error");
    status.textContent = `${r.model.toUpperCase()} of run ${r.run}, after stroke ${stroke}.`;
    const p = r.probabilities;
    prediction.textContent = `${r.label}`;
    prediction.dataset.label = String(r.label);
    prediction.dataset.stroke = String(stroke);
    prediction.title = `p = ${fmt(p[r.label], 3)}`;
    bars.querySelectorAll(".bar-row").forEach((row, d) => {
      const bar = row.querySelector(".bar");
      bar.style.width = `${(100 * p[d]).toFixed(1)}%`;
      bar.dataset.p = String(p[d]);
      row.classList.toggle("top", d === r.label);
      row.querySelector(".bar-value").textContent = `${(100 * p[d]).toFixed(1)}%`;
    });
    const input = bytes(r.input.data), sal = bytes(r.saliency.data);
    paint(seen, input, 28, 28, (g, i) => {
      const s = sal[i] / 255;
      return [Math.round(g * (1 - s) + 255 * s), Math.round(g * (1 - s) + 60 * s * s),
        Math.round(g * (1 - s)), 255];
    });
    seen.dataset.ready = "true";
    clear(maps);
    if (!r.feature_maps) {
      maps.append(el("p", { class: "muted", text: "This model has no convolution (an MLP)." }));
      return;
    }
    const fm = r.feature_maps, all = bytes(fm.data), n = fm.width * fm.height;
    mapsTitle.textContent = `First-layer feature maps (layer ${fm.layer}, ${fm.count} maps)`;
    for (let k = 0; k < fm.count; k++) {
      const c = el("canvas", { width: 56, height: 56, class: "map", title: `map ${k}` });
      paint(c, all.subarray(k * n, (k + 1) * n), fm.width, fm.height);
      maps.append(c);
    }
    maps.dataset.count = String(fm.count);
  }

  async function loadRuns() {
    try {
      const runs = await lab.api.getJSON("/api/mnist/runs");
      const keep = runSelect.value;
      clear(runSelect);
      for (const r of runs) {
        const acc = r.headline ? ` · ${r.headline.name} ${fmt(r.headline.value, 3)}` : "";
        runSelect.append(el("option", { value: r.id, text: `${r.id}${acc}` }));
      }
      if (keep && runs.some((r) => r.id === keep)) runSelect.value = keep;
      if (!runs.length) {
        status.textContent = "No finished mnist run yet: train one in “Train and watch” " +
          "(mnist, QUICK) or run `deepgrad mnist --quick`.";
      }
    } catch (e) {
      status.textContent = e.message;
    }
  }
  await loadRuns();

  const clearButton = el("button", { type: "button", id: "draw-clear", text: "Clear",
    onclick: () => {
      blank();
      prediction.textContent = "–";
      delete prediction.dataset.label;
      bars.querySelectorAll(".bar").forEach((b) => { b.style.width = "0%"; delete b.dataset.p; });
      bars.querySelectorAll(".bar-value").forEach((v) => { v.textContent = ""; });
      clear(maps);
    } });
  root.append(el("div", { class: "row" },
    el("div", { class: "card" }, canvas,
      el("div", { class: "controls" }, clearButton, el("label", {}, "run ", runSelect)), status),
    el("div", { class: "card" }, el("h3", { text: "The model says" }), prediction, bars),
    el("div", { class: "card" }, el("h3", { text: "What it saw, and where it looked" }), seen,
      el("p", { class: "muted small", text: "28 × 28 input; red: |d score / d pixel|" }))),
  el("div", { class: "card wide" }, mapsTitle, maps));
  return { show: loadRuns };
}
