// Walk a GAN's latent space: a gan run's generator (the DCGAN or the dense baseline) draws a
// grid of images from a seed's noise, and decodes the straight line between two seeds' noise
// vectors; the run's judging classifier names each image's class with its probability, and the
// run's measured quality (FID on the judge's features, confidence, coverage) stands beside.

import { clear, el, fmt } from "../lib/dom.js";
import { runPicker, say } from "../lib/runs.js";
import { pictureFigure } from "../lib/thumbs.js";

const SIDE = 56; // each 28 x 28 image drawn twice its size

const KINDS = { dcgan: "DCGAN", dense: "dense (MLP) baseline" };

function number(id, value, min, max, label) {
  return el("input", { type: "number", id, value, min, max, "aria-label": label });
}

export async function mount(root, lab) {
  const status = el("p", { class: "status", id: "latent-status",
    text: "Pick a seed and draw, or walk from one seed to another." });
  const walkStatus = el("p", { class: "status", id: "latent-walk-status" });
  const picker = runPicker(lab, "gan", { id: "latent-run", status });
  const kind = el("select", { id: "latent-kind", "aria-label": "the generator" });
  const judge = el("input", { type: "checkbox", id: "latent-judge", checked: true });
  const seed = number("latent-seed", 0, 0, 4294967295, "the seed of the noise");
  const n = number("latent-n", 16, 1, 64, "how many images");
  const seedA = number("latent-seed-a", 0, 0, 4294967295, "the walk's first seed");
  const seedB = number("latent-seed-b", 1, 0, 4294967295, "the walk's last seed");
  const steps = number("latent-steps", 9, 2, 17, "images along the walk");
  const grid = el("div", { class: "sample-grid", id: "latent-grid" });
  const gridAbout = el("p", { class: "small", id: "latent-grid-judge" });
  const walkStrip = el("div", { class: "strip", id: "latent-walk" });
  const walkAbout = el("p", { class: "small", id: "latent-walk-judge" });
  const quality = el("table", { class: "seg-table", id: "latent-quality" });
  const qualityAbout = el("p", { class: "muted small", id: "latent-quality-about" });
  let runs = [];

  function kinds() {
    const run = runs.find((r) => r.id === picker.value());
    const keep = kind.value;
    clear(kind);
    for (const k of run ? run.kinds : []) kind.append(el("option", { value: k, text: KINDS[k] || k }));
    if (run && run.kinds.includes(keep)) kind.value = keep;
    judge.disabled = !(run && run.judge);
    if (judge.disabled) judge.checked = false;
  }

  function body(extra) {
    const b = { kind: kind.value || "dcgan", judge: judge.checked, ...extra };
    if (picker.value()) b.run = picker.value();
    return b;
  }

  function figures(container, r, captions) {
    clear(container);
    r.images.forEach((pic, i) => {
      const p = r.judge ? r.judge.predictions[i] : null;
      const lines = [...captions(i)];
      if (p) lines.push(`${p.class} · p ${fmt(p.p, 2)}`);
      const f = pictureFigure(pic, SIDE, lines, { "data-i": String(i) });
      if (p) {
        f.dataset.class = p.class;
        f.dataset.p = String(p.p);
        if (p.p < 0.5) f.classList.add("unsure");
      }
      container.append(f);
    });
    container.dataset.count = String(r.images.length);
    container.dataset.kind = r.kind;
  }

  function judgeLine(about, r, what) {
    if (!r.judge) {
      about.textContent = "(not judged)";
      delete about.dataset.confidence;
      return;
    }
    const j = r.judge;
    about.dataset.confidence = String(j.confidence);
    about.dataset.coverage = String(j.coverage);
    about.textContent = `Judged by the run's classifier: over ${what}, confidence ` +
      `${fmt(j.confidence, 3)} (the mean top probability), class coverage ${fmt(j.coverage, 3)} ` +
      "(1: every class equally often, 0: one class only).";
  }

  function showQuality(r) {
    const m = r.metrics || {};
    clear(quality);
    quality.append(el("tr", {}, el("th", { text: "generator" }), el("th", { text: "FID" }),
      el("th", { text: "confidence" }), el("th", { text: "class coverage" })));
    for (const k of ["dcgan", "dense"]) {
      const q = m[k];
      if (!q || q.fid === null || q.fid === undefined) continue;
      const row = el("tr", { "data-kind": k, class: k === r.kind ? "this" : "" },
        el("td", { class: "name", text: KINDS[k] + (k === r.kind ? " (this one)" : "") }),
        el("td", { class: "num", text: fmt(q.fid, 4) }),
        el("td", { class: "num", text: fmt(q.classifier_confidence, 3) }),
        el("td", { class: "num", text: fmt(q.class_coverage, 3) }));
      row.dataset.fid = String(q.fid);
      quality.append(row);
    }
    qualityAbout.textContent = `Measured by the run over ${fmt(m.samples)} samples each. FID ` +
      "is on the judge's 128 features (lower is better; not comparable with Inception FID); " +
      `real training vs test images give ${fmt(m.fid_train_vs_test, 3)}. The judge's own ` +
      `test accuracy: ${fmt(m.classifier_test_accuracy, 3)}.`;
  }

  async function draw() {
    say(status, "Drawing…");
    try {
      const r = await lab.api.postJSON("/api/gan/sample",
        body({ seed: Number(seed.value), n: Number(n.value) }));
      figures(grid, r, (i) => [`#${i}`]);
      grid.dataset.seed = String(r.seed);
      judgeLine(gridAbout, r, `these ${r.images.length} images`);
      showQuality(r);
      say(status, `${r.images.length} images from seed ${r.seed}: the ${KINDS[r.kind]} of ` +
        `run ${r.run} (noise of ${r.latent_size} numbers).`);
    } catch (e) {
      say(status, e.message, true);
    }
  }

  async function walk() {
    say(walkStatus, "Walking…");
    try {
      const r = await lab.api.postJSON("/api/gan/walk", body({ seed_a: Number(seedA.value),
        seed_b: Number(seedB.value), steps: Number(steps.value) }));
      figures(walkStrip, r, (i) => [`t = ${r.t[i].toFixed(2)}`]);
      walkStrip.dataset.seeds = `${r.seed_a}-${r.seed_b}`;
      judgeLine(walkAbout, r, `the walk's ${r.images.length} images`);
      showQuality(r);
      say(walkStatus, `From seed ${r.seed_a}'s noise to seed ${r.seed_b}'s in ${r.steps} ` +
        `steps: the ${KINDS[r.kind]} of run ${r.run}.`);
    } catch (e) {
      say(walkStatus, e.message, true);
    }
  }

  const drawButton = el("button", { type: "button", class: "primary", id: "latent-draw",
    text: "Draw", onclick: draw });
  const nextButton = el("button", { type: "button", id: "latent-next", text: "next seed",
    onclick: () => { seed.value = String(Number(seed.value) + 1); draw(); } });
  const walkButton = el("button", { type: "button", class: "primary", id: "latent-walk-go",
    text: "Walk", onclick: walk });
  picker.select.addEventListener("change", kinds);
  runs = await picker.load();
  kinds();

  root.append(el("div", { class: "row" },
    el("div", { class: "card grow" }, el("h3", { text: "New images from noise" }),
      el("div", { class: "controls" }, el("label", {}, "run ", picker.select),
        el("label", {}, "generator ", kind), el("label", {}, judge, " judge each image")),
      el("div", { class: "controls" }, el("label", {}, "seed ", seed),
        el("label", {}, "images ", n), drawButton, nextButton),
      status, grid, gridAbout),
    el("div", { class: "card" }, el("h3", { text: "The run's measured quality" }), quality,
      qualityAbout)),
  el("div", { class: "card wide" }, el("h3", { text: "A walk between two seeds' noise" }),
    el("p", { class: "muted small", text: "The decoded points (1 − t) z_A + t z_B: z_A is the " +
      "first noise vector of seed A, so the walk starts at the first image of seed A's grid." }),
    el("div", { class: "controls" }, el("label", {}, "seed A ", seedA),
      el("label", {}, "seed B ", seedB), el("label", {}, "steps ", steps), walkButton),
    walkStatus, walkStrip, walkAbout));
  return { show: async () => { runs = await picker.load(); kinds(); } };
}
