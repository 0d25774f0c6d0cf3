// Localize an object: pick one of the run's test scenes or upload a PNG/JPEG; the localization
// run answers the object's class with every class's probability and its box, drawn over the
// 64 x 64 image the network saw (blue: the class is right or unknown, red: wrong), with the true
// box of a test scene in green and the IoU of the two, as the task's boxes.png draws them.

import { clear, el, fmt } from "../lib/dom.js";
import { drawPicture } from "../lib/heat.js";
import { runPicker, say, sceneThumbnails } from "../lib/runs.js";

const SIDE = 256; // the 64 x 64 input drawn 4 x
const TRUE = "#2ca02c", RIGHT = "#4d80ff", WRONG = "#ff0000";

function boxText(b) {
  return `x ${fmt(b[0], 3)}, y ${fmt(b[1], 3)}, w ${fmt(b[2], 3)}, h ${fmt(b[3], 3)}`;
}

export async function mount(root, lab) {
  const status = el("p", { class: "status", id: "locate-status",
    text: "Upload an image or click a test scene." });
  const picker = runPicker(lab, "localization", { id: "locate-run", status });
  const file = el("input", { type: "file", id: "locate-file", accept: "image/png,image/jpeg",
    "aria-label": "an image with one object" });
  const scenes = el("div", { class: "scenes", id: "locate-scenes" });
  const seen = el("canvas", { width: SIDE, height: SIDE, class: "pixels", id: "locate-image",
    title: "the 64 x 64 image the network saw, with the boxes" });
  const answer = el("p", { class: "caption", id: "locate-answer", text: "–" });
  const iou = el("p", { class: "caption small-caption", id: "locate-iou" });
  const boxes = el("div", { class: "legend", id: "locate-boxes" });
  const note = el("p", { class: "warning", id: "locate-note", hidden: true });
  const list = el("div", { class: "bars", id: "locate-probs" });
  const about = el("p", { class: "muted small", id: "locate-run-metrics" });
  let busy = false, queued = null;

  async function loadScenes() {
    clear(scenes);
    const run = picker.value();
    if (!run) return;
    await sceneThumbnails(lab, "/api/localization/scenes", run, scenes, status, (scene) => localize({ scene }));
  }

  // one request at a time; asked again meanwhile, the latest request follows
  async function localize({ image = null, scene = null }) {
    if (busy) {
      queued = { image, scene };
      return;
    }
    busy = true;
    say(status, "Localizing…");
    const form = new FormData();
    if (image) form.append("image", image, image.name || "image.png");
    if (scene) form.append("scene", scene);
    if (picker.value()) form.append("run", picker.value());
    try {
      show(await lab.api.postForm("/api/localization/localize", form));
    } catch (e) {
      say(status, e.message, true);
    } finally {
      busy = false;
    }
    if (queued) {
      const next = queued;
      queued = null;
      await localize(next);
    }
  }

  function rect(ctx, b, colour, k) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.strokeRect(b[0] * k, b[1] * k, b[2] * k, b[3] * k);
  }

  function legendRow(colour, label, text) {
    const sw = el("span", { class: "swatch" });
    sw.style.background = colour; // CSSOM: no style attributes under the CSP
    return el("div", { class: "legend-row", "data-box": label }, sw, el("b", { text: label }),
      ` ${text}`);
  }

  function show(r) {
    const p = r.prediction, t = r.truth;
    drawPicture(seen, r.image);
    const ctx = seen.getContext("2d"), k = SIDE / r.image.width;
    if (t) rect(ctx, t.box_seen, TRUE, k);
    const colour = r.correct === false ? WRONG : RIGHT;
    if (!p.empty) rect(ctx, p.box_seen, colour, k);
    seen.dataset.ready = "true";
    answer.textContent = `${p.class} (p = ${fmt(p.p, 3)})`;
    answer.dataset.class = p.class;
    answer.dataset.source = r.source;
    clear(boxes);
    const px = r.scale === 1 ? "pixels" : `pixels of the ${r.original.width} × ` +
      `${r.original.height} image`;
    boxes.append(legendRow(colour, "predicted", `${p.class}: ${boxText(p.box)} (${px})`));
    if (t) boxes.append(legendRow(TRUE, "true", `${t.class}: ${boxText(t.box)}`));
    if (t) {
      iou.textContent = `IoU ${fmt(r.iou, 3)} · class ${r.correct ? "right" : "wrong"} · ` +
        (r.hit ? "a hit (class right, IoU ≥ 0.5)" : "not a hit (needs the class right and " +
          "IoU ≥ 0.5)");
      iou.dataset.iou = String(r.iou);
      iou.classList.toggle("invalid", !r.hit);
    } else {
      iou.textContent = "No true box for an upload.";
      iou.classList.remove("invalid");
      delete iou.dataset.iou;
    }
    const notes = [];
    if (p.empty) notes.push("No object found: the predicted box is empty.");
    if (p.low_confidence) notes.push("Low confidence: the network is not sure of the class.");
    note.hidden = !notes.length;
    note.textContent = notes.join(" ");
    clear(list);
    const order = [...r.probabilities].sort((a, b) => b.p - a.p);
    for (const c of order) {
      const bar = el("span", { class: "bar", "data-p": String(c.p) });
      bar.style.width = `${(100 * c.p).toFixed(1)}%`;
      const mark = t && c.index === t.index ? " (true)" : "";
      list.append(el("div", { class: `class-row${c.index === p.index ? " top" : ""}`,
        "data-class": c.class },
      el("span", { class: "class-name", text: `${c.class}${mark}` }),
      el("span", { class: "bar-track" }, bar),
      el("span", { class: "bar-value", text: `${(100 * c.p).toFixed(1)}%` })));
    }
    list.dataset.count = String(order.length);
    const m = r.test_metrics || {};
    about.textContent = m.iou50_accuracy === undefined || m.iou50_accuracy === null ? ""
      : `On all ${m.test_scenes} test scenes of the run: iou50 accuracy ` +
        `${fmt(m.iou50_accuracy, 3)}, mean IoU ${fmt(m.mean_iou, 3)}, class accuracy ` +
        `${fmt(m.class_accuracy, 3)}.`;
    const what = r.scene ? "test scene" : `upload, ${r.original.width} × ${r.original.height}`;
    say(status, `${r.source} (${what}): run ${r.run}.`);
  }

  file.addEventListener("change", () => {
    if (file.files.length) localize({ image: file.files[0] });
  });
  picker.select.addEventListener("change", loadScenes);
  await picker.load();
  await loadScenes();

  root.append(el("div", { class: "row" },
    el("div", { class: "card grow" }, el("h3", { text: "A scene with one object" }),
      el("div", { class: "controls" }, el("label", {}, "upload ", file),
        el("label", {}, "run ", picker.select)),
      el("h4", { text: "or one of the run's test scenes (test digits it never saw)" }),
      scenes, status),
    el("div", { class: "card" }, el("h3", { text: "What and where" }),
      el("div", { class: "row" }, seen,
        el("div", { class: "caption-text" }, answer, iou, boxes, note)))),
  el("div", { class: "card wide" }, el("h3", { text: "Class probabilities" }), list, about));
  return { show: async () => { await picker.load(); } };
}
