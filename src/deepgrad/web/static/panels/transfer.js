// Classify with a transferred network: pick one of a transfer run's test images (Fashion-MNIST
// for a network pretrained on MNIST) or upload one; the run's fine-tuned network answers every
// class's probability, drawn as bars with the class names, the true class marked. Beside it
// the run's test accuracy of each recipe (a head on frozen features, fine-tuning, fine-tuning
// with frozen batch norm, from scratch) at each number of labels per class, and its plot.

import { clear, el, fmt } from "../lib/dom.js";
import { drawPicture } from "../lib/heat.js";
import { runPicker, say } from "../lib/runs.js";
import { pictureButtons } from "../lib/thumbs.js";

const SIDE = 168;

const RECIPES = {
  head: "head on frozen features", finetune: "fine-tuned",
  finetune_frozen_bn: "fine-tuned, BN frozen", scratch: "from scratch",
};

export async function mount(root, lab) {
  const status = el("p", { class: "status", id: "transfer-status",
    text: "Click a test image or upload one (PNG or JPEG)." });
  const picker = runPicker(lab, "transfer", { id: "transfer-run", status });
  const file = el("input", { type: "file", id: "transfer-file", accept: "image/png,image/jpeg",
    "aria-label": "an image to classify" });
  const thumbs = el("div", { class: "thumbs", id: "transfer-images" });
  const seen = el("canvas", { width: SIDE, height: SIDE, class: "pixels", id: "transfer-image",
    title: "the image the network was given" });
  const seenAbout = el("p", { class: "muted small", id: "transfer-image-about" });
  const bars = el("div", { class: "bars", id: "transfer-bars" });
  const table = el("table", { class: "seg-table", id: "transfer-accuracy" });
  const tableAbout = el("p", { class: "muted small", id: "transfer-accuracy-about" });
  const plot = el("img", { class: "artifact", id: "transfer-plot", alt: "test accuracy " +
    "against labelled images per class, one line per recipe", hidden: true });

  async function loadRun() {
    clear(thumbs);
    clear(table);
    plot.hidden = true;
    const run = picker.value();
    if (!run) return;
    try {
      const [im, acc] = await Promise.all([
        lab.api.getJSON(lab.api.url("/api/transfer/images", { run })),
        lab.api.getJSON(lab.api.url("/api/transfer/accuracy", { run }))]);
      pictureButtons(thumbs, im.images.map((x) => ({ ...x, title: `${x.index}: ${x.class}` })),
        (item) => classify({ index: item.index }));
      showAccuracy(acc);
      say(status, `Run ${im.run}: ${im.source} → ${im.target}, ${im.count} test images ` +
        `(the first ${im.images.length} here).`);
    } catch (e) {
      say(status, e.message, true);
    }
  }

  function showAccuracy(a) {
    clear(table);
    table.append(el("tr", {}, el("th", { text: "labels per class" }),
      ...a.recipes.map((r) => el("th", { text: RECIPES[r] || r }))));
    for (const row of a.rows) {
      const values = a.recipes.map((r) => row.accuracy[r]);
      const best = Math.max(...values.filter((v) => v !== null && v !== undefined));
      table.append(el("tr", { "data-labels": String(row.labels_per_class) },
        el("td", { class: "num", text: row.labels_per_class }),
        ...a.recipes.map((r, k) => el("td", { class: `num${values[k] === best ? " best" : ""}`,
          "data-recipe": r, "data-accuracy": String(values[k]), text: fmt(values[k], 3) }))));
    }
    table.dataset.rows = String(a.rows.length);
    const pre = a.pretrain_test_accuracy;
    tableAbout.textContent = `Test accuracy on ${fmt(a.test_images)} ${a.target} test images; ` +
      `fine-tuning trains the last ${a.finetune_blocks} blocks and a new head` +
      (pre === null || pre === undefined ? "." : `; the ${a.source} network pretrained here ` +
        `scored ${fmt(pre, 3)} on its own test set.`) + " The classifier below is the " +
      "fine-tuned one at the most labels.";
    plot.hidden = !a.plot;
    if (a.plot) plot.src = lab.api.url("/api/run/file", { id: a.run, name: a.plot });
  }

  async function classify(what) {
    say(status, "Classifying…");
    const form = new FormData();
    if (what.image) form.append("image", what.image, what.image.name || "image.png");
    else form.append("index", String(what.index));
    if (picker.value()) form.append("run", picker.value());
    try {
      show(await lab.api.postForm("/api/transfer/classify", form));
    } catch (e) {
      say(status, e.message, true);
    }
  }

  function show(r) {
    drawPicture(seen, r.image);
    seen.dataset.ready = "true";
    seenAbout.textContent = `${r.source}, ${r.image.width} × ${r.image.height}` +
      (r.true_class ? ` · true class: ${r.true_class}` : "");
    clear(bars);
    for (const c of r.probabilities) {
      const top = c.index === r.top.index, truth = c.index === r.label;
      const bar = el("span", { class: "bar", "data-p": String(c.p) });
      bar.style.width = `${(100 * c.p).toFixed(1)}%`; // CSSOM: no style attributes under the CSP
      bars.append(el("div", { class: `class-row${top ? " top" : ""}${truth ? " truth" : ""}`,
        "data-class": c.class, "data-p": String(c.p) },
      el("span", { class: "class-name", text: truth ? `${c.class} ✓ (true)` : c.class }),
      el("span", { class: "bar-track" }, bar),
      el("span", { class: "bar-value", text: `${(100 * c.p).toFixed(1)}%` })));
    }
    bars.dataset.source = r.source;
    bars.dataset.top = r.top.class;
    for (const b of thumbs.querySelectorAll("button.thumb")) {
      b.classList.toggle("is-a", r.index !== null && Number(b.dataset.index) === r.index);
    }
    const right = r.true_class ? (r.top.class === r.true_class ? " (right)" : ` (truth: ` +
      `${r.true_class})`) : "";
    say(status, `${r.source}: ${r.top.class}, p ${fmt(r.top.p, 3)}${right} — run ${r.run}.`);
  }

  file.addEventListener("change", () => {
    if (file.files.length) classify({ image: file.files[0] });
  });
  picker.select.addEventListener("change", loadRun);
  await picker.load();
  await loadRun();

  root.append(el("div", { class: "row" },
    el("div", { class: "card grow" }, el("h3", { text: "An image of the target task" }),
      el("div", { class: "controls" }, el("label", {}, "run ", picker.select),
        el("label", {}, "upload ", file)),
      el("h4", { text: "or one of the run's test images" }), thumbs, status),
    el("div", { class: "card" }, el("h3", { text: "What the network was given" }), seen,
      seenAbout)),
  el("div", { class: "card wide" }, el("h3", { text: "Class probabilities" }), bars),
  el("div", { class: "card wide" }, el("h3", { text: "The run's test accuracy, by recipe" }),
    table, tableAbout, plot));
  return { show: async () => { await picker.load(); } };
}
