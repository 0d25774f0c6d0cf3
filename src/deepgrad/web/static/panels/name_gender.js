// Read a name: type first names (one a line, or separated by commas); the name-gender run gives
// each the probability that the census lists it as mostly female or mostly male.

import { clear, el, fmt } from "../lib/dom.js";
import { runPicker, say } from "../lib/runs.js";

export async function mount(root, lab) {
  const status = el("p", { class: "status", id: "sex-status", text: "Type first names." });
  const picker = runPicker(lab, "name-gender", { id: "sex-run", status });
  const names = el("textarea", { id: "sex-names", rows: 6, cols: 24,
    "aria-label": "first names, one a line" });
  names.value = "Alice\nJohn\nRobin\nAndrea\nKim";
  const go = el("button", { type: "button", class: "primary", id: "sex-go", text: "Read" });
  const table = el("table", { class: "sex-table", id: "sex-table" });

  async function run() {
    const list = names.value.split(/[\n,]/).map((s) => s.trim()).filter((s) => s);
    if (!list.length) { say(status, "Type at least one name.", true); return; }
    say(status, "Reading…");
    go.disabled = true;
    try {
      const r = await lab.api.postJSON("/api/name-gender/predict",
        { names: list, run: picker.value() });
      clear(table);
      table.append(el("tr", {}, el("th", { text: "name" }), el("th", { text: "female" }),
        el("th", { text: "" }), el("th", { text: "male" }), el("th", { text: "says" })));
      for (const p of r.predictions) {
        const f = 100 * p.female;
        const female = el("span", { class: "female" }), male = el("span", { class: "male" });
        female.style.width = `${f.toFixed(1)}%`; // CSSOM: the CSP forbids style attributes
        male.style.width = `${(100 - f).toFixed(1)}%`;
        table.append(el("tr", { class: "sex-row", "data-name": p.name, "data-sex": p.sex },
          el("td", { class: "name", text: p.name }),
          el("td", { class: "num", text: fmt(p.female, 3) }),
          el("td", {}, el("span", { class: "split" }, female, male)),
          el("td", { class: "num", text: fmt(p.male, 3) }),
          el("td", { class: `says ${p.sex}`, text: p.sex })));
      }
      table.dataset.count = String(r.predictions.length);
      say(status, `${r.predictions.length} names read by run ${r.run}.`);
    } catch (e) {
      say(status, e.message, true);
    } finally {
      go.disabled = false;
    }
  }
  go.addEventListener("click", run);
  await picker.load();

  root.append(el("div", { class: "row" },
    el("div", { class: "card" }, el("h3", { text: "First names" }), names,
      el("div", { class: "controls" }, go, el("label", {}, "run ", picker.select)), status),
    el("div", { class: "card grow" }, el("h3", { text: "The census majority, as the run reads it" }),
      table)));
  return { show: async () => { await picker.load(); } };
}
