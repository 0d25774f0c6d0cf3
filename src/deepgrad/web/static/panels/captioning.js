// Caption a scene: upload a PNG/JPEG or pick one of the run's test scenes; the captioning run
// answers its beam-search caption (with log p), the greedy one, and, for each word of the
// attention decoder's caption and its end token, where it looked: alpha upsampled over the
// image the encoder saw.

import { clear, el, fmt } from "../lib/dom.js";
import { drawPicture, overlayHeat } from "../lib/heat.js";
import { runPicker, sceneThumbnails, say } from "../lib/runs.js";

const SEEN = 192; // the image as the encoder saw it, drawn this big
const MAP = 112; // each word's attention map

export async function mount(root, lab) {
  const status = el("p", { class: "status", id: "caption-status",
    text: "Upload an image or click a test scene." });
  const picker = runPicker(lab, "captioning", { id: "caption-run", status });
  const decoder = el("select", { id: "caption-decoder", "aria-label": "decoder" },
    el("option", { value: "", text: "the run's better decoder" }),
    el("option", { value: "attention", text: "attention (Show, Attend and Tell)" }),
    el("option", { value: "noattention", text: "no attention (the course's)" }));
  const width = el("input", { type: "number", id: "caption-beam-width", min: 1, max: 20,
    placeholder: "run's", "aria-label": "beam width" });
  const file = el("input", { type: "file", id: "caption-file", accept: "image/png,image/jpeg",
    "aria-label": "an image to caption" });
  const scenes = el("div", { class: "scenes", id: "caption-scenes" });
  const seen = el("canvas", { width: SEEN, height: SEEN, class: "pixels", id: "caption-image",
    title: "the image as the encoder saw it" });
  const warning = el("p", { class: "warning", id: "caption-warning", hidden: true });
  const beam = el("p", { class: "caption", id: "caption-beam", text: "–" });
  const beamLp = el("span", { class: "muted", id: "caption-beam-logp" });
  const greedy = el("p", { class: "caption small-caption", id: "caption-greedy", text: "–" });
  const greedyLp = el("span", { class: "muted", id: "caption-greedy-logp" });
  const about = el("p", { class: "muted small", id: "caption-about" });
  const refs = el("ul", { class: "references", id: "caption-references" });
  const mapsTitle = el("h3", { text: "Where the attention decoder looked, word by word" });
  const maps = el("div", { class: "att-maps", id: "caption-attention" });
  let busy = false;

  async function loadScenes() {
    clear(scenes);
    const run = picker.value();
    if (!run) return;
    await sceneThumbnails(lab, "/api/captioning/scenes", run, scenes, status,
      (name) => caption({ scene: name }), { title: (s) => s.references[0] || s.name, side: 64,
        empty: "This run has no composed test scenes (COCO or Flickr8k): upload an image." });
  }

  async function caption({ image = null, scene = null }) {
    if (busy) return;
    busy = true;
    say(status, "Captioning…");
    const form = new FormData();
    if (image) form.append("image", image, image.name || "image.png");
    if (scene) form.append("scene", scene);
    if (picker.value()) form.append("run", picker.value());
    if (decoder.value) form.append("decoder", decoder.value);
    if (width.value) form.append("beam_width", width.value);
    try {
      show(await lab.api.postForm("/api/captioning/caption", form));
    } catch (e) {
      say(status, e.message, true);
    } finally {
      busy = false;
    }
  }

  function words(node, lpNode, c) {
    node.textContent = c.words.length ? c.text : "(nothing: the end token came first)";
    node.dataset.words = String(c.words.length);
    lpNode.textContent = ` log p = ${fmt(c.log_p, 4)}`;
  }

  function show(r) {
    say(status, `${r.source}: ${r.decoder} decoder of run ${r.run}, beam width ${r.beam_width}.`);
    drawPicture(seen, r.image);
    seen.dataset.ready = "true";
    warning.hidden = !r.warning;
    warning.textContent = r.warning ? `Note: ${r.warning}` : "";
    words(beam, beamLp, r.beam);
    words(greedy, greedyLp, r.greedy);
    beam.dataset.source = r.source;
    about.textContent = `Trained on ${r.trained_on} (encoder ${r.encoder}); decoders: ` +
      `${r.decoders.join(", ")}.`;
    clear(refs);
    for (const c of r.references || []) refs.append(el("li", { text: c }));
    clear(maps);
    const a = r.attention;
    if (!a) {
      maps.dataset.count = "0";
      maps.append(el("p", { class: "muted", text: "This run has no attention decoder." }));
      return;
    }
    mapsTitle.textContent = a.same_as_beam
      ? "Where the attention decoder looked, word by word (each map scaled to its largest " +
        "weight)"
      : `Where the attention decoder looked for its own caption: “${a.words.slice(0, -1)
        .join(" ")}”`;
    a.words.forEach((w, k) => {
      const c = el("canvas", { width: MAP, height: MAP, class: "att-map" });
      drawPicture(c, r.image, 0.45);
      overlayHeat(c, a.maps[k], a.width, a.height);
      const peak = Math.max(...a.maps[k]);
      maps.append(el("figure", { class: "att", "data-word": w,
        title: `the largest weight; uniform would be ${fmt(1 / a.maps[k].length, 2)}` },
      c, el("figcaption", {}, el("span", { text: w }),
        el("span", { class: "peak", text: `α max ${fmt(peak, 2)}` }))));
    });
    maps.dataset.count = String(a.words.length);
  }

  file.addEventListener("change", () => {
    if (file.files.length) caption({ image: file.files[0] });
  });
  picker.select.addEventListener("change", loadScenes);
  await picker.load();
  await loadScenes();

  root.append(el("div", { class: "row" },
    el("div", { class: "card grow" }, el("h3", { text: "An image to describe" }),
      el("div", { class: "controls" }, el("label", {}, "upload ", file)),
      el("div", { class: "controls" }, el("label", {}, "run ", picker.select),
        el("label", {}, "decoder ", decoder), el("label", {}, "beam width ", width)),
      el("h4", { text: "or one of the run's test scenes (compositions never trained on)" }),
      scenes, status),
    el("div", { class: "card" }, el("h3", { text: "The run says" }),
      el("div", { class: "row" }, seen,
        el("div", { class: "caption-text" },
          el("h4", { text: "beam search" }), beam, beamLp,
          el("h4", { text: "greedy" }), greedy, greedyLp,
          el("h4", { text: "references (a test scene's)" }), refs, about)),
      warning)),
  el("div", { class: "card wide" }, mapsTitle, maps));
  return { show: async () => { await picker.load(); } };
}
