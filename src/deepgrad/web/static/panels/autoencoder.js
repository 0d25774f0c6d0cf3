// Morph two images: pick two of an autoencoder run's test images (or upload them) and one of its
// four models; the page draws the decoded straight line between their codes, each image's
// reconstruction with its MSE, and the test images nearest to each in that model's code space.

import { clear, el, fmt } from "../lib/dom.js";
import { runPicker, say } from "../lib/runs.js";
import { pictureButtons, pictureCanvas, pictureFigure } from "../lib/thumbs.js";

const END = 112; // the side of the two chosen images
const STRIP = 84; // the side of each image of the strip
const SMALL = 56; // reconstructions and neighbours

const MODELS = {
  pca: "PCA (linear)", dense: "dense", conv: "convolutional", denoising: "denoising (conv)",
};

export async function mount(root, lab) {
  const status = el("p", { class: "status", id: "morph-status",
    text: "Click two test images (or upload two images) to morph one into the other." });
  const picker = runPicker(lab, "autoencoder", { id: "morph-run", status });
  const model = el("select", { id: "morph-model", "aria-label": "the autoencoder" },
    ...Object.entries(MODELS).map(([v, t]) => el("option", { value: v, text: t })));
  model.value = "conv";
  const steps = el("input", { type: "number", id: "morph-steps", value: 9, min: 2, max: 17,
    "aria-label": "images in the strip" });
  const near = el("input", { type: "checkbox", id: "morph-neighbours", checked: true });
  const thumbs = el("div", { class: "thumbs", id: "morph-images" });
  const strip = el("div", { class: "strip", id: "morph-strip" });
  const ends = el("div", { class: "row", id: "morph-ends" });
  const nearest = el("div", { id: "morph-nearest" });
  const about = el("p", { class: "muted small", id: "morph-run-metrics" });
  const chosen = { a: null, b: null }; // {index} or {file}
  let next = "a", busy = false, queued = false, metrics = null;

  const slots = {};
  for (const k of ["a", "b"]) {
    const canvas = el("canvas", { class: "pixels", width: END, height: END, id: `morph-${k}` });
    const file = el("input", { type: "file", id: `morph-file-${k}`, accept: "image/png,image/jpeg",
      "aria-label": `image ${k.toUpperCase()}` });
    const caption = el("span", { class: "muted small", id: `morph-${k}-source`, text: "–" });
    file.addEventListener("change", () => {
      if (!file.files.length) return;
      chosen[k] = { file: file.files[0] };
      caption.textContent = file.files[0].name;
      next = k === "a" ? "b" : "a";
      mark();
      morph();
    });
    slots[k] = { canvas, file, caption };
  }

  function mark() {
    for (const k of ["a", "b"]) {
      slots[k].canvas.classList.toggle("next", k === next);
    }
    for (const b of thumbs.querySelectorAll("button.thumb")) {
      const i = Number(b.dataset.index);
      b.classList.toggle("is-a", chosen.a && chosen.a.index === i);
      b.classList.toggle("is-b", chosen.b && chosen.b.index === i);
    }
  }

  function pick(item) {
    const k = next;
    chosen[k] = { index: item.index };
    slots[k].file.value = "";
    slots[k].caption.textContent = `test image ${item.index}`;
    slots[k].canvas.replaceWith(slots[k].canvas = pictureCanvas(item.image, END,
      { id: `morph-${k}` }));
    next = k === "a" ? "b" : "a";
    mark();
    morph();
  }

  async function loadImages() {
    clear(thumbs);
    chosen.a = chosen.b = null;
    next = "a";
    const run = picker.value();
    if (!run) return;
    try {
      const r = await lab.api.getJSON(lab.api.url("/api/autoencoder/images", { run }));
      metrics = r.metrics;
      pictureButtons(thumbs, r.images, pick);
      showMetrics();
      say(status, `Run ${r.run}: ${r.dataset}, code size ${r.code_size}, ${r.count} test ` +
        `images (the first ${r.images.length} here). Click two.`);
      mark();
    } catch (e) {
      say(status, e.message, true);
    }
  }

  function showMetrics() {
    if (!metrics || !metrics.test_mse) return;
    const mse = Object.entries(metrics.test_mse).filter(([, v]) => v !== null)
      .map(([k, v]) => (k === model.value ? `${k} ${fmt(v, 3)} (this one)` : `${k} ${fmt(v, 3)}`));
    const p = metrics.retrieval_precision_at_5 || {};
    about.textContent = `The run's test MSE: ${mse.join(" · ")}. Retrieval precision@5 ` +
      `(same class, among the training images): conv codes ${fmt(p.conv, 3)}, PCA codes ` +
      `${fmt(p.pca, 3)}, pixels ${fmt(p.pixels, 3)}.`;
  }

  // one request at a time; asked again meanwhile, one more follows with the latest choices
  async function morph() {
    if (!chosen.a || !chosen.b) return;
    if (busy) {
      queued = true;
      return;
    }
    busy = true;
    say(status, "Morphing…");
    const form = new FormData();
    for (const k of ["a", "b"]) {
      const c = chosen[k];
      if (c.file) form.append(`image_${k}`, c.file, c.file.name || `${k}.png`);
      else form.append(k, String(c.index));
    }
    form.append("model", model.value);
    form.append("steps", steps.value || "9");
    form.append("neighbours", near.checked ? "5" : "0");
    if (picker.value()) form.append("run", picker.value());
    try {
      show(await lab.api.postForm("/api/autoencoder/morph", form));
    } catch (e) {
      say(status, e.message, true);
    } finally {
      busy = false;
    }
    if (queued) {
      queued = false;
      await morph();
    }
  }

  function show(r) {
    clear(strip);
    const n = r.strip.length;
    r.strip.forEach((pic, i) => {
      const t = n > 1 ? i / (n - 1) : 0;
      strip.append(pictureFigure(pic, STRIP, [`t = ${t.toFixed(2)}`], { "data-t": String(t) }));
    });
    strip.dataset.count = String(n);
    strip.dataset.model = r.model;
    strip.dataset.sources = r.ends.map((e) => e.source).join(" → ");
    clear(ends);
    clear(nearest);
    for (const e of r.ends) {
      const K = e.name.toUpperCase();
      slots[e.name].canvas.replaceWith(slots[e.name].canvas = pictureCanvas(e.image, END,
        { id: `morph-${e.name}` }));
      ends.append(el("div", { class: "card", "data-end": e.name, "data-mse": String(e.mse) },
        el("h4", { text: `${K}: ${e.source}` }),
        el("div", { class: "thumbs" },
          pictureFigure(e.image, SMALL, ["input"]),
          pictureFigure(e.reconstruction, SMALL, ["reconstruction"])),
        el("p", { class: "small", text: `MSE ${fmt(e.mse, 4)}` })));
      if (e.neighbours.length) {
        const row = el("div", { class: "thumbs", "data-end": e.name,
          "data-count": String(e.neighbours.length) });
        for (const nb of e.neighbours) {
          row.append(pictureFigure(nb.image, SMALL, [`#${nb.index}`, `d ${fmt(nb.distance, 3)}`],
            { "data-index": String(nb.index) }));
        }
        nearest.append(el("h4", { text: `nearest to ${K} (${e.source})` }), row);
      }
    }
    if (!nearest.firstChild) {
      nearest.append(el("p", { class: "muted small", text: "(nearest images: off)" }));
    }
    mark();
    showMetrics();
    say(status, `${r.ends[0].source} → ${r.ends[1].source}: ${n} images decoded by the ` +
      `${r.model} autoencoder of run ${r.run}.`);
  }

  for (const s of [model, steps, near]) {
    s.addEventListener("change", () => { showMetrics(); morph(); });
  }
  picker.select.addEventListener("change", loadImages);
  await picker.load();
  await loadImages();

  root.append(el("div", { class: "row" },
    el("div", { class: "card grow" }, el("h3", { text: "Two images" }),
      el("div", { class: "controls" }, el("label", {}, "run ", picker.select),
        el("label", {}, "model ", model), el("label", {}, "steps ", steps),
        el("label", {}, near, " 5 nearest test images")),
      el("div", { class: "row" }, ...["a", "b"].map((k) => el("div", { class: "end-slot" },
        el("b", { text: k.toUpperCase() }), slots[k].canvas, slots[k].caption,
        el("label", { class: "small" }, "or upload ", slots[k].file)))),
      el("h4", { text: "the run's test images (a click sets the framed image, A then B)" }),
      thumbs, status)),
  el("div", { class: "card wide" }, el("h3", { text: "From A's code to B's, decoded" }), strip,
    ends),
  el("div", { class: "card wide" }, el("h3", { text: "Nearest test images in code space" }),
    nearest, about));
  return { show: async () => { await picker.load(); } };
}
