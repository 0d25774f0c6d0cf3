// Segment a scene: pick one of the run's test scenes or upload a PNG/JPEG; the segmentation run
// labels every pixel with each of its decoders (max unpooling, transposed convolution). The page
// draws the image the networks saw, the true labels of a test scene and each decoder's labels
// in the task's colours (optionally over the image), says what a pointed pixel is in each map,
// and lists per class its pixels and, for a test scene, each decoder's IoU on that scene.

import { bytes, clear, el, fmt, paint } from "../lib/dom.js";
import { runPicker, say, sceneThumbnails } from "../lib/runs.js";

const SIDE = 192; // the longer side of each map on the page

function hexRGB(c) {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
}

export async function mount(root, lab) {
  const status = el("p", { class: "status", id: "segment-status",
    text: "Upload an image or click a test scene." });
  const picker = runPicker(lab, "segmentation", { id: "segment-run", status });
  const decoder = el("select", { id: "segment-decoder", "aria-label": "decoder" },
    el("option", { value: "", text: "both decoders" }),
    el("option", { value: "unpool", text: "max unpooling (SegNet)" }),
    el("option", { value: "transposed", text: "transposed convolution" }));
  const fit = el("select", { id: "segment-fit", "aria-label": "an upload's size" },
    el("option", { value: "letterbox", text: "fitted in 64 × 64 (as the task reads COCO)" }),
    el("option", { value: "none", text: "as it is (as deepgrad segment; ≤ 256 px)" }));
  const overlay = el("input", { type: "checkbox", id: "segment-overlay" });
  const file = el("input", { type: "file", id: "segment-file", accept: "image/png,image/jpeg",
    "aria-label": "an image to segment" });
  const scenes = el("div", { class: "scenes", id: "segment-scenes" });
  const maps = el("div", { class: "seg-maps", id: "segment-maps" });
  const pixel = el("p", { class: "muted small", id: "segment-pixel",
    text: "Point at a map to read its pixels." });
  const table = el("table", { class: "seg-table", id: "segment-classes" });
  const about = el("p", { class: "muted small", id: "segment-run-metrics" });
  let busy = false, queued = null, last = null, shown = null;

  async function loadScenes() {
    clear(scenes);
    const run = picker.value();
    if (!run) return;
    await sceneThumbnails(lab, "/api/segmentation/scenes", run, scenes, status, (scene) => segment({ scene }));
  }

  // one request at a time; asked again meanwhile, the latest request follows
  async function segment(what) {
    if (busy) {
      queued = what;
      return;
    }
    busy = true;
    last = what;
    say(status, "Segmenting…");
    const form = new FormData();
    if (what.image) form.append("image", what.image, what.image.name || "image.png");
    if (what.scene) form.append("scene", what.scene);
    if (picker.value()) form.append("run", picker.value());
    if (decoder.value) form.append("decoder", decoder.value);
    form.append("fit", fit.value);
    try {
      show(await lab.api.postForm("/api/segmentation/segment", form));
    } catch (e) {
      say(status, e.message, true);
    } finally {
      busy = false;
    }
    if (queued) {
      const next = queued;
      queued = null;
      await segment(next);
    }
  }

  // one map: a canvas of the picture's aspect, its longer side SIDE, with a caption
  function figure(name, title, lines) {
    const c = el("canvas", { class: "pixels seg-map", id: `segment-map-${name}` });
    const f = el("figure", { class: "seg", "data-map": name }, c,
      el("figcaption", {}, el("b", { text: title }),
        ...lines.map((t) => el("span", { class: "seg-score", text: t }))));
    maps.append(f);
    return [f, c];
  }

  function sized(canvas, pic) {
    const k = SIDE / Math.max(pic.width, pic.height);
    canvas.width = Math.round(pic.width * k);
    canvas.height = Math.round(pic.height * k);
  }

  function drawLabels(canvas, pic, rgb, grey) {
    sized(canvas, pic);
    const labels = bytes(pic.data);
    paint(canvas, labels, pic.width, pic.height, (v, i) => {
      const c = rgb[v] || [255, 255, 255];
      if (!overlay.checked) return [...c, 255];
      const g = grey[i];
      return v === 0 ? [g, g, g, 255] : c.map((x) => Math.round(0.6 * x + 0.4 * g)).concat(255);
    });
    canvas.dataset.ready = "true";
  }

  function draw(r) {
    clear(maps);
    const rgb = r.colors.map(hexRGB);
    const grey = bytes(r.image.data);
    const [, seen] = figure("image", r.fit === "letterbox" && r.scale !== 1
      ? "the image, fitted in 64 × 64" : "the image", [`${r.image.width} × ${r.image.height}`]);
    sized(seen, r.image);
    paint(seen, grey, r.image.width, r.image.height);
    seen.dataset.ready = "true";
    const layers = [];
    if (r.truth) {
      const [, c] = figure("truth", "true labels", ["(the scene's mask)"]);
      drawLabels(c, r.truth, rgb, grey);
      layers.push(["truth", bytes(r.truth.data)]);
    }
    for (const d of r.decoders) {
      const s = d.scores;
      const lines = s ? [`pixel accuracy ${fmt(s.pixel_accuracy, 3)}`, `mIoU ${fmt(s.miou, 3)}`]
        : ["(no truth for an upload)"];
      const [f, c] = figure(d.name, d.title, lines);
      if (s) {
        f.dataset.pixelAccuracy = String(s.pixel_accuracy);
        f.dataset.miou = String(s.miou);
      }
      drawLabels(c, d.labels, rgb, grey);
      layers.push([d.name, bytes(d.labels.data)]);
    }
    shown = { r, layers, grey };
    maps.dataset.count = String(r.decoders.length);
    maps.dataset.source = r.source;
  }

  function legend(r) {
    clear(table);
    const names = r.decoders.map((d) => d.name);
    const head = el("tr", {}, el("th", { text: "class" }));
    if (r.truth) head.append(el("th", { text: "true pixels" }));
    for (const d of r.decoders) {
      head.append(el("th", { text: `${d.name} pixels` }));
      if (r.truth) head.append(el("th", { text: `${d.name} IoU` }));
    }
    table.append(head);
    const iou = names.map((n, j) => Object.fromEntries(
      ((r.decoders[j].scores || {}).iou || []).map((x) => [x.class, x.iou])));
    r.classes.forEach((c, k) => {
      const t = r.truth ? r.truth.pixels[c] || 0 : 0;
      const p = r.decoders.map((d) => d.pixels[c] || 0);
      if (!t && !p.some((v) => v)) return; // in no map
      const sw = el("span", { class: "swatch" });
      sw.style.background = r.colors[k]; // CSSOM: no style attributes under the CSP
      const row = el("tr", { "data-class": c }, el("td", { class: "name" }, sw, ` ${c}`));
      if (r.truth) row.append(el("td", { class: "num", text: t }));
      r.decoders.forEach((d, j) => {
        row.append(el("td", { class: "num", text: p[j] }));
        if (r.truth) {
          const v = iou[j][c];
          row.append(el("td", { class: "num", "data-iou": v === undefined ? "" : String(v),
            text: v === undefined ? "–" : fmt(v, 3) }));
        }
      });
      table.append(row);
    });
    const m = r.test_metrics || {};
    about.textContent = Object.entries(m).filter(([, v]) => v.miou !== null)
      .map(([d, v]) => `${d}: mIoU ${fmt(v.miou, 3)}, pixel accuracy ` +
        `${fmt(v.pixel_accuracy, 3)}`).join(" · ");
    if (about.textContent) {
      const n = Object.values(m)[0].test_scenes;
      about.textContent = `On all ${n} test scenes of the run — ${about.textContent}.`;
    }
  }

  function show(r) {
    draw(r);
    legend(r);
    const what = r.scene ? "test scene" : `upload, ${r.original.width} × ${r.original.height}`;
    say(status, `${r.source} (${what}): run ${r.run}, ${r.decoders.map((d) => d.name)
      .join(" and ")}.`);
  }

  maps.addEventListener("mousemove", (ev) => {
    if (!shown || !(ev.target instanceof HTMLCanvasElement)) return;
    const { r, layers, grey } = shown;
    const b = ev.target.getBoundingClientRect();
    const x = Math.floor((ev.clientX - b.left) / b.width * r.image.width);
    const y = Math.floor((ev.clientY - b.top) / b.height * r.image.height);
    if (x < 0 || y < 0 || x >= r.image.width || y >= r.image.height) return;
    const i = y * r.image.width + x;
    pixel.textContent = `pixel (${x}, ${y}), grey ${grey[i]}: ` +
      layers.map(([n, px]) => `${n} ${r.classes[px[i]]}`).join(" · ");
  });
  file.addEventListener("change", () => {
    if (file.files.length) segment({ image: file.files[0] });
  });
  for (const s of [decoder, fit]) s.addEventListener("change", () => { if (last) segment(last); });
  overlay.addEventListener("change", () => { if (shown) draw(shown.r); });
  picker.select.addEventListener("change", loadScenes);
  await picker.load();
  await loadScenes();

  root.append(el("div", { class: "row" },
    el("div", { class: "card grow" }, el("h3", { text: "A scene to segment" }),
      el("div", { class: "controls" }, el("label", {}, "upload ", file),
        el("label", {}, "size ", fit)),
      el("div", { class: "controls" }, el("label", {}, "run ", picker.select),
        el("label", {}, "decoder ", decoder), el("label", {}, overlay, " labels over the image")),
      el("h4", { text: "or one of the run's test scenes (combinations never trained on)" }),
      scenes, status)),
  el("div", { class: "card wide" }, el("h3", { text: "Every pixel's class" }), maps, pixel),
  el("div", { class: "card wide" }, el("h3", { text: "Classes" }), table, about));
  return { show: async () => { await picker.load(); } };
}
