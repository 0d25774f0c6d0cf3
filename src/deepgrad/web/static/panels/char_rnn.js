// Generate names: a prefix, a temperature (low: the likeliest letters; high: anything goes),
// top-k (sample among the k likeliest letters only) and a seed; the char-rnn run writes the
// names, and the most likely name with the prefix (beam search).

import { clear, el } from "../lib/dom.js";
import { runPicker, say } from "../lib/runs.js";

export async function mount(root, lab) {
  const status = el("p", { class: "status", id: "names-status",
    text: "Give a prefix (or none) and sample." });
  const picker = runPicker(lab, "char-rnn", { id: "names-run", status });
  const prefix = el("input", { type: "text", id: "names-prefix", value: "Al", size: 10,
    maxlength: 19, "aria-label": "prefix" });
  const n = el("input", { type: "number", id: "names-n", value: 12, min: 1, max: 100,
    "aria-label": "how many names" });
  const temperature = el("input", { type: "range", id: "names-temperature", min: 0.1, max: 2,
    step: 0.05, value: 0.8, "aria-label": "temperature" });
  const tShown = el("span", { class: "value", id: "names-temperature-value", text: "0.80" });
  const topK = el("input", { type: "number", id: "names-topk", min: 1, max: 53,
    placeholder: "all", "aria-label": "top-k" });
  const seed = el("input", { type: "number", id: "names-seed", value: 0, min: 0,
    "aria-label": "seed" });
  const go = el("button", { type: "button", class: "primary", id: "names-go", text: "Sample" });
  const again = el("button", { type: "button", id: "names-again", text: "Other names (seed + 1)" });
  const best = el("p", { class: "caption", id: "names-best", text: "–" });
  const list = el("ol", { class: "name-list", id: "names-list" });

  async function run() {
    say(status, "Sampling…");
    go.disabled = true;
    try {
      const body = { prefix: prefix.value, n: Number(n.value || 10),
        temperature: Number(temperature.value), seed: Number(seed.value || 0),
        run: picker.value() };
      if (topK.value) body.top_k = Number(topK.value);
      const r = await lab.api.postJSON("/api/char-rnn/sample", body);
      clear(list);
      for (const name of r.names) {
        list.append(el("li", { class: "name" }, el("b", { text: r.prefix }),
          name.slice(r.prefix.length) || el("span", { class: "muted", text: "(ended)" })));
      }
      list.dataset.count = String(r.names.length);
      list.dataset.prefix = r.prefix;
      best.textContent = r.most_likely;
      say(status, `${r.names.length} names from run ${r.run} · temperature ` +
        `${r.temperature} · ${r.top_k ? `top-${r.top_k}` : "all letters"} · seed ${r.seed}.`);
    } catch (e) {
      say(status, e.message, true);
    } finally {
      go.disabled = false;
    }
  }
  temperature.addEventListener("input", () => {
    tShown.textContent = Number(temperature.value).toFixed(2);
  });
  go.addEventListener("click", run);
  again.addEventListener("click", () => { seed.value = Number(seed.value || 0) + 1; run(); });
  prefix.addEventListener("keydown", (ev) => { if (ev.key === "Enter") run(); });
  await picker.load();

  root.append(el("div", { class: "row" },
    el("div", { class: "card" }, el("h3", { text: "How to sample" }),
      el("div", { class: "controls" }, el("label", {}, "prefix ", prefix),
        el("label", {}, "names ", n)),
      el("div", { class: "controls" }, el("label", {}, "temperature ", temperature), tShown),
      el("div", { class: "controls" }, el("label", {}, "top-k ", topK),
        el("label", {}, "seed ", seed)),
      el("div", { class: "controls" }, el("label", {}, "run ", picker.select)),
      el("div", { class: "controls" }, go, again), status),
    el("div", { class: "card" }, el("h3", { text: "The most likely name (beam search)" }), best,
      el("h3", { text: "Sampled names" }), list)));
  return { show: async () => { await picker.load(); } };
}
