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

// The thumbnails of a scenes run's test scenes (GET `endpoint`?run=...: {run, scenes: [{name,
// file, objects}]}) into `container`; a click calls pick(name). A run on a COCO folder has none.
// Options: each button's `title` (from the scene), the thumbnails' `side`, the `empty` message.
export async function sceneThumbnails(lab, endpoint, run, container, status, pick,
  { title = (s) => s.objects.join(", ") || s.name, side = 48,
    empty = "This run has no composed test scenes (a COCO folder): upload an image." } = {}) {
  try {
    const r = await lab.api.getJSON(lab.api.url(endpoint, { run }));
    for (const s of r.scenes) {
      container.append(el("button", { type: "button", class: "scene", "data-scene": s.name,
        title: title(s), onclick: () => pick(s.name) },
      el("img", { src: lab.api.url("/api/run/file", { id: r.run, name: s.file }),
        alt: s.name, width: side, height: side })));
    }
    container.dataset.count = String(r.scenes.length);
    if (!r.scenes.length) container.append(el("p", { class: "muted small", text: empty }));
    return r;
  } catch (e) {
    say(status, e.message, true);
    return null;
  }
}
