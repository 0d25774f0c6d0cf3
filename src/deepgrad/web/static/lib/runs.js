// A panel's run picker: the finished runs of its task in a <select> (newest first, with their
// headline figure), refreshed when the panel is shown; says how to train one when there is none.

import { clear, el, fmt } from "./dom.js";

// lab: what mount() gets; task: the task's name; id: the <select>'s id; status: the element
// that says what is missing. Returns {select, load(), value()}.
export function runPicker(lab, task, { id, status }) {
  const select = el("select", { id, "aria-label": `the ${task} run` });
  async function load() {
    try {
      const runs = await lab.api.getJSON(`/api/${task}/runs`);
      const keep = select.value;
      clear(select);
      for (const r of runs) {
        const head = r.headline ? ` · ${r.headline.name} ${fmt(r.headline.value, 3)}` : "";
        select.append(el("option", { value: r.id, text: `${r.id}${head}` }));
      }
      if (keep && runs.some((r) => r.id === keep)) select.value = keep;
      select.dataset.count = String(runs.length);
      if (!runs.length && status) {
        status.textContent = `No finished ${task} run yet: train one in “Train and watch” ` +
          `(${task}, QUICK) or run \`deepgrad ${task} --quick\`.`;
      }
      return runs;
    } catch (e) {
      if (status) status.textContent = e.message;
      return [];
    }
  }
  return { select, load, value: () => select.value || null };
}

// Show an error message in a status element (and mark it), or clear the mark.
export function say(status, text, error = false) {
  status.textContent = text;
  status.classList.toggle("error", error);
}
