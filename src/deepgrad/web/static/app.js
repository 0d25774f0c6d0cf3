// The lab's page: asks the server for its panels, makes a tab for each and imports the panel's
// script, which exports mount(root, lab) (and may return {show()} to hear when its tab opens).

import * as api from "./lib/api.js";
import { clear, el } from "./lib/dom.js";

const shown = new Map(); // panel id -> {section, tab, view}

function select(id) {
  if (!shown.has(id)) id = shown.keys().next().value;
  for (const [pid, p] of shown) {
    const on = pid === id;
    p.section.hidden = !on;
    p.tab.setAttribute("aria-selected", on ? "true" : "false");
    if (on && p.view && typeof p.view.show === "function") p.view.show();
  }
  document.body.dataset.panel = id;
}

function currentHash() {
  return decodeURIComponent(window.location.hash.replace(/^#/, "").split("?")[0]);
}

async function start() {
  const tabs = document.getElementById("tabs");
  const main = document.getElementById("panels");
  const status = document.getElementById("lab-status");
  let info, panels;
  try {
    [info, panels] = await Promise.all([api.getJSON("/api/info"), api.getJSON("/api/panels")]);
  } catch (e) {
    clear(main).append(el("p", { class: "error", text: `The lab is not answering: ${e.message}` }));
    return;
  }
  status.textContent = `deepgrad ${info.version} · runs in ${info.runs}`;
  clear(main);
  const lab = {
    api,
    info,
    // open another panel, with parameters it reads with lab.params()
    open: (id, params) => {
      window.location.hash = params ? `${id}?${new URLSearchParams(params)}` : id;
    },
    params: () => new URLSearchParams(window.location.hash.split("?")[1] || ""),
  };
  // every panel's section and tab in order at once, then their scripts loaded and mounted
  // side by side (each mount may wait for the server: its runs, its functions)
  const mounting = panels.map((panel) => {
    const section = el("section", { class: "panel", id: `panel-${panel.id}`, hidden: true,
      "data-panel": panel.id });
    section.append(el("h2", { text: panel.title }), el("p", { class: "summary muted",
      text: panel.summary }));
    const body = el("div", { class: "panel-body" });
    section.append(body);
    main.append(section);
    const tab = el("button", { class: "tab", type: "button", role: "tab", "data-panel": panel.id,
      text: panel.title, onclick: () => { window.location.hash = panel.id; } });
    tabs.append(tab);
    const entry = { section, tab, view: null };
    shown.set(panel.id, entry);
    return (async () => {
      try {
        const module = await import(`/static/${panel.script}`);
        entry.view = (await module.mount(body, { ...lab, panel })) || null;
      } catch (e) {
        body.append(el("p", { class: "error", text: `This panel failed to load: ${e.message}` }));
      }
    })();
  });
  await Promise.all(mounting);
  window.addEventListener("hashchange", () => select(currentHash()));
  select(currentHash());
  document.body.dataset.ready = "true";
}

start();
