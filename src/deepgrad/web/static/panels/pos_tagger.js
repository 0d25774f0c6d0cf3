// Tag a sentence: the pos-tagger run gives every token its universal part-of-speech tag, with
// its best model or the one picked; words outside its vocabulary are underlined (dotted).

import { clear, el } from "../lib/dom.js";
import { runPicker, say } from "../lib/runs.js";

// a tag's label, coloured (CSSOM: the CSP forbids style attributes)
function label(tag) {
  const node = el("span", { class: "tag", text: tag });
  node.style.background = COLORS[tag] || "#444";
  return node;
}

const COLORS = { NOUN: "#1f77b4", VERB: "#d62728", ADJ: "#2ca02c", ADV: "#98df8a",
  PRON: "#9467bd", DET: "#8c564b", ADP: "#ff7f0e", NUM: "#17becf", CONJ: "#e377c2",
  PRT: "#bcbd22", ".": "#7f7f7f", X: "#444" };

export async function mount(root, lab) {
  const status = el("p", { class: "status", id: "tag-status", text: "Type a sentence." });
  const picker = runPicker(lab, "pos-tagger", { id: "tag-run", status });
  const sentence = el("input", { type: "text", id: "tag-sentence", size: 60, maxlength: 2000,
    value: "The old man the boat .", "aria-label": "a sentence" });
  const model = el("select", { id: "tag-model", "aria-label": "model" });
  const go = el("button", { type: "button", class: "primary", id: "tag-go", text: "Tag" });
  const tokens = el("div", { class: "tokens", id: "tag-tokens" });
  const legend = el("div", { class: "tag-legend", id: "tag-legend" });
  let runs = [];

  function models() {
    const r = runs.find((x) => x.id === picker.value());
    const keep = model.value;
    clear(model);
    model.append(el("option", { value: "", text: r && r.best ? `best (${r.best})` : "best" }));
    for (const k of (r ? r.models : [])) model.append(el("option", { value: k, text: k }));
    if ([...model.options].some((o) => o.value === keep)) model.value = keep;
  }

  async function run() {
    say(status, "Tagging…");
    go.disabled = true;
    try {
      const body = { sentence: sentence.value, run: picker.value() };
      if (model.value) body.model = model.value;
      const r = await lab.api.postJSON("/api/pos-tagger/tag", body);
      clear(tokens);
      for (const t of r.tokens) {
        tokens.append(el("span", { class: `token${t.known ? "" : " oov"}`, "data-tag": t.tag,
          title: t.known ? t.tag : `${t.tag} (not in the run's vocabulary)` },
        el("span", { class: "word", text: t.word }),
        label(t.tag)));
      }
      tokens.dataset.count = String(r.tokens.length);
      tokens.dataset.model = r.model;
      clear(legend);
      for (const t of r.tags) {
        legend.append(label(t));
      }
      say(status, `${r.tokens.length} tokens tagged by ${r.model} of run ${r.run}.`);
    } catch (e) {
      say(status, e.message, true);
    } finally {
      go.disabled = false;
    }
  }
  go.addEventListener("click", run);
  sentence.addEventListener("keydown", (ev) => { if (ev.key === "Enter") run(); });
  picker.select.addEventListener("change", models);
  runs = await picker.load();
  models();

  root.append(el("div", { class: "card wide" }, el("h3", { text: "A sentence" }),
    el("div", { class: "controls" }, sentence, go),
    el("div", { class: "controls" }, el("label", {}, "run ", picker.select),
      el("label", {}, "model ", model)), status),
  el("div", { class: "card wide" }, el("h3", { text: "Its parts of speech" }), tokens,
    el("p", { class: "muted small", text: "Universal tags (Petrov et al. 2012); dotted: a word " +
      "outside the run's vocabulary." }), legend));
  return { show: async () => { runs = await picker.load(); models(); } };
}
