// Normalize a date: type a date as people write it; the seq2seq run answers its ISO form (beam
// search and greedy) and the attention matrix of the greedy answer: one row per output
// character (and the end token), one column per input character, darker = less weight.

import { clear, el, fmt, svg } from "../lib/dom.js";
import { heatColor } from "../lib/heat.js";
import { runPicker, say } from "../lib/runs.js";

const EXAMPLES = ["3rd of March, 1987", "Tue 3/3/87", "MARCH 3 1987", "12.11.2023",
  "saturday, july 4, 1976", "1 Jan 2000"];
const CELL = 26;

// colours scaled to the matrix's largest weight (an untrained model spreads its attention
// thin: on a fixed 0..1 scale it would all look black)
function heatmap(node, a) {
  const rows = a.outputs.length, cols = a.inputs.length;
  const peak = Math.max(1e-12, ...a.weights.flat());
  const left = 52, top = 34;
  const W = left + cols * CELL + 8, H = top + rows * CELL + 8;
  clear(node);
  node.setAttribute("viewBox", `0 0 ${W} ${H}`);
  node.setAttribute("width", W);
  node.setAttribute("height", H);
  a.inputs.forEach((c, j) => node.append(svg("text", { x: left + (j + 0.5) * CELL, y: top - 10,
    class: "heat-label", "text-anchor": "middle", text: c === " " ? "·" : c })));
  a.outputs.forEach((c, i) => {
    node.append(svg("text", { x: left - 8, y: top + (i + 0.62) * CELL, class: "heat-label",
      "text-anchor": "end", text: c }));
    a.weights[i].forEach((w, j) => {
      const [r, g, b] = heatColor(w / peak);
      node.append(svg("rect", { x: left + j * CELL, y: top + i * CELL, width: CELL - 1,
        height: CELL - 1, class: "cell", fill: `rgb(${r},${g},${b})`, "data-row": i,
        "data-col": j }, svg("title", { text: `${c} ← ${a.inputs[j]}: ${fmt(w, 3)}` })));
    });
  });
  node.dataset.rows = String(rows);
  node.dataset.cols = String(cols);
  return peak;
}

export async function mount(root, lab) {
  const status = el("p", { class: "status", id: "date-status",
    text: "Type a date as you would write it." });
  const picker = runPicker(lab, "seq2seq", { id: "date-run", status });
  const text = el("input", { type: "text", id: "date-text", value: EXAMPLES[0], size: 32,
    maxlength: 100, "aria-label": "a date" });
  const width = el("input", { type: "number", id: "date-beam-width", min: 1, max: 20,
    placeholder: "run's", "aria-label": "beam width" });
  const go = el("button", { type: "button", class: "primary", id: "date-go", text: "Normalize" });
  const iso = el("p", { class: "caption", id: "date-iso", text: "–" });
  const greedy = el("p", { class: "muted", id: "date-greedy" });
  const plot = svg("svg", { id: "date-heatmap", class: "heatmap" });
  const scale = el("p", { class: "muted small", id: "date-scale" });
  const examples = el("div", { class: "controls", id: "date-examples" },
    ...EXAMPLES.map((x) => el("button", { type: "button", class: "example", text: x,
      onclick: () => { text.value = x; run(); } })));

  async function run() {
    say(status, "Normalizing…");
    go.disabled = true;
    try {
      const body = { text: text.value, run: picker.value() };
      if (width.value) body.beam_width = Number(width.value);
      const r = await lab.api.postJSON("/api/seq2seq/normalize", body);
      iso.textContent = r.beam || "(nothing: the end token came first)";
      iso.dataset.iso = r.beam;
      iso.dataset.text = r.text;
      iso.classList.toggle("invalid", !r.valid);
      greedy.textContent = `greedy: ${r.greedy} · beam width ${r.beam_width} · ` +
        (r.valid ? "a real calendar day" : "not a real calendar day");
      const top = heatmap(plot, r.attention);
      scale.textContent = `Each row sums to 1; colours from 0 (black) to ${fmt(top, 3)}, the ` +
        "largest weight (pale yellow). Hover a cell for its weight.";
      say(status, `“${r.text}” by run ${r.run}.`);
    } catch (e) {
      say(status, e.message, true);
    } finally {
      go.disabled = false;
    }
  }
  go.addEventListener("click", run);
  text.addEventListener("keydown", (ev) => { if (ev.key === "Enter") run(); });
  await picker.load();

  root.append(el("div", { class: "row" },
    el("div", { class: "card" }, el("h3", { text: "A date, as people write it" }),
      el("div", { class: "controls" }, text, go),
      el("div", { class: "controls" }, el("label", {}, "run ", picker.select),
        el("label", {}, "beam width ", width)),
      el("h4", { text: "examples" }), examples, status),
    el("div", { class: "card" }, el("h3", { text: "ISO 8601 (beam search)" }), iso, greedy)),
  el("div", { class: "card wide" },
    el("h3", { text: "Attention of the greedy answer: output characters down, input across" }),
    plot, scale));
  return { show: async () => { await picker.load(); } };
}
