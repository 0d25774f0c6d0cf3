// Classify a photo: upload a PNG/JPEG; the pretrained EfficientNet-Lite0 answers its top
// ImageNet classes with their probabilities, the 224 x 224 crop it saw and, optionally, the
// Grad-CAM map of the top class over it (where the evidence for that class is).

import { bytes, clear, el, fmt } from "../lib/dom.js";
import { drawPicture, overlayHeat } from "../lib/heat.js";
import { runPicker, say } from "../lib/runs.js";

const SIDE = 224;

export async function mount(root, lab) {
  const status = el("p", { class: "status", id: "classify-status",
    text: "Upload a photo (PNG or JPEG)." });
  const picker = runPicker(lab, "imagenet", { id: "classify-run", status });
  const file = el("input", { type: "file", id: "classify-file", accept: "image/png,image/jpeg",
    "aria-label": "a photo" });
  const top = el("input", { type: "number", id: "classify-top", value: 5, min: 1, max: 20,
    "aria-label": "how many classes" });
  const cam = el("input", { type: "checkbox", id: "classify-gradcam", checked: true });
  const seen = el("canvas", { width: SIDE, height: SIDE, class: "pixels", id: "classify-image",
    title: "the center crop the network saw" });
  const heat = el("canvas", { width: SIDE, height: SIDE, class: "pixels", id: "classify-cam",
    title: "Grad-CAM of the top class" });
  const camTitle = el("h3", { text: "Grad-CAM" });
  const list = el("div", { class: "bars", id: "classify-top-list" });
  let last = null;

  async function classify(image) {
    say(status, "Classifying… (the first photo also loads the network)");
    const form = new FormData();
    form.append("image", image, image.name || "photo.png");
    form.append("top", top.value || "5");
    form.append("gradcam", cam.checked ? "true" : "false");
    if (picker.value()) form.append("run", picker.value());
    try {
      show(await lab.api.postForm("/api/imagenet/classify", form));
    } catch (e) {
      say(status, e.message, true);
    }
  }

  function show(r) {
    drawPicture(seen, r.image);
    seen.dataset.ready = "true";
    clear(list);
    for (const [k, t] of r.top.entries()) {
      const bar = el("span", { class: "bar", "data-p": String(t.p) });
      bar.style.width = `${(100 * t.p).toFixed(1)}%`; // CSSOM: no style attributes under the CSP
      list.append(el("div", { class: `class-row${k === 0 ? " top" : ""}`, "data-class": t.class },
        el("span", { class: "class-name", text: t.class }),
        el("span", { class: "bar-track" }, bar),
        el("span", { class: "bar-value", text: `${(100 * t.p).toFixed(1)}%` })));
    }
    list.dataset.count = String(r.top.length);
    list.dataset.source = r.source;
    const g = r.gradcam;
    heat.hidden = !g;
    if (g) {
      drawPicture(heat, r.image, 0.35);
      overlayHeat(heat, bytes(g.data), g.width, g.height, 0.8, 1.5);
      camTitle.textContent = `Grad-CAM of “${g.class}” (layer ${g.layer})`;
      heat.dataset.ready = "true";
    } else {
      camTitle.textContent = "Grad-CAM (off)";
      delete heat.dataset.ready;
    }
    say(status, `${r.source}: run ${r.run} (normalization ${r.normalization}); top-1 ` +
      `${r.top[0].class} ${fmt(r.top[0].p, 3)}.`);
  }

  file.addEventListener("change", () => {
    if (file.files.length) { last = file.files[0]; classify(last); }
  });
  cam.addEventListener("change", () => { if (last) classify(last); });
  await picker.load();

  root.append(el("div", { class: "row" },
    el("div", { class: "card" }, el("h3", { text: "A photo" }),
      el("div", { class: "controls" }, file),
      el("div", { class: "controls" }, el("label", {}, "classes ", top),
        el("label", {}, cam, " Grad-CAM"), el("label", {}, "run ", picker.select)), status),
    el("div", { class: "card" }, el("h3", { text: "What the network saw" }), seen),
    el("div", { class: "card" }, camTitle, heat)),
  el("div", { class: "card wide" }, el("h3", { text: "ImageNet classes" }), list));
  return { show: async () => { await picker.load(); } };
}
