// Runs: every run directory with its config, metrics, pictures and log; pick two to see them
// side by side (config fields and figures that differ are marked).

import { clear, el, fmt } from "../lib/dom.js";

function size(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export async function mount(root, lab) {
  const list = el("table", { class: "runs", id: "runs-list" });
  const status = el("p", { class: "status", id: "runs-status" });
  const columns = [el("div", { class: "card run-view", id: "run-a", "data-slot": "a" }),
    el("div", { class: "card run-view", id: "run-b", "data-slot": "b" })];
  const chosen = [null, null];
  const details = [null, null];

  function differs(key, part) {
    if (!details[0] || !details[1]) return false;
    const a = (part === "config" ? details[0].info?.config : details[0].metrics) || {};
    const b = (part === "config" ? details[1].info?.config : details[1].metrics) || {};
    return JSON.stringify(a[key]) !== JSON.stringify(b[key]);
  }

  function table(obj, part) {
    const rows = Object.entries(obj || {}).map(([k, v]) =>
      el("tr", { class: differs(k, part) ? "differs" : null, "data-key": k },
        el("td", { text: k }), el("td", { text: typeof v === "object" && v !== null
          ? JSON.stringify(v) : fmt(v) })));
    return el("table", { class: `kv ${part}` }, ...rows);
  }

  function view(slot) {
    const node = columns[slot], d = details[slot];
    clear(node);
    if (!d) {
      node.append(el("p", { class: "muted", text: slot === 0 ? "Open a run from the list."
        : "Open a second run to compare (the B buttons)." }));
      return;
    }
    const info = d.info || {};
    node.dataset.run = d.id;
    node.append(el("h3", { class: "run-title", text: d.id }),
      el("p", { class: "muted", text: `${d.task} · ${d.state}` +
        (info.seconds !== undefined ? ` · ${fmt(info.seconds, 3)} s` : "") +
        (info.quick ? " · QUICK" : "") + ` · deepgrad ${info.deepgrad_version || "?"}` }),
      el("h4", { text: "Metrics" }),
      d.metrics ? table(d.metrics, "metrics")
        : el("p", { class: "muted", text: "No metrics.json: the run did not finish." }),
      el("h4", { text: "Config" }), table(info.config, "config"));
    const images = d.files.filter((f) => f.kind === "image");
    if (images.length) {
      node.append(el("h4", { text: "Pictures" }));
      for (const f of images) {
        node.append(el("figure", {}, el("img", { class: "artifact", alt: f.name,
          src: lab.api.url("/api/run/file", { id: d.id, name: f.name }) }),
        el("figcaption", { text: f.name })));
      }
    }
    const others = d.files.filter((f) => f.kind !== "image");
    if (others.length) {
      node.append(el("h4", { text: "Files" }), el("ul", { class: "files" }, ...others.map((f) =>
        el("li", {}, el("a", { href: lab.api.url("/api/run/file", { id: d.id, name: f.name }),
          target: "_blank", rel: "noopener", text: f.name }), ` ${size(f.size)}`))));
    }
    node.append(el("details", {}, el("summary", { text: "log.txt (the end)" }),
      el("pre", { class: "log", text: d.log || "(empty)" })));
  }

  async function open(slot, id) {
    try {
      details[slot] = await lab.api.getJSON(`/api/run?${new URLSearchParams({ id })}`);
      chosen[slot] = id;
      status.textContent = "";
    } catch (e) {
      status.textContent = e.message;
      status.classList.add("error");
      return;
    }
    view(0);
    view(1);
    list.querySelectorAll("tr[data-run]").forEach((tr) => {
      tr.classList.toggle("open-a", tr.dataset.run === chosen[0]);
      tr.classList.toggle("open-b", tr.dataset.run === chosen[1]);
    });
  }

  async function refresh() {
    let runs;
    try {
      runs = await lab.api.getJSON("/api/runs");
    } catch (e) {
      status.textContent = e.message;
      return;
    }
    clear(list);
    list.append(el("tr", {}, ...["run", "task", "state", "headline", "started", ""]
      .map((h) => el("th", { text: h }))));
    for (const r of runs) {
      const head = r.headline ? `${r.headline.name} ${fmt(r.headline.value, 4)}` : "";
      list.append(el("tr", { "data-run": r.id, class: r.state },
        el("td", {}, el("button", { type: "button", class: "link open-run", text: r.id,
          "data-run": r.id, onclick: () => open(0, r.id) })),
        el("td", { text: r.task || "?" }), el("td", { text: r.state }),
        el("td", { text: head }), el("td", { text: r.started || "" }),
        el("td", {}, el("button", { type: "button", class: "compare", text: "B",
          title: "open beside", "data-run": r.id, onclick: () => open(1, r.id) }))));
    }
    status.textContent = runs.length ? `${runs.length} runs in ${lab.info.runs}`
      : `No runs yet in ${lab.info.runs}.`;
    list.dataset.count = String(runs.length);
    const wanted = lab.params().get("run");
    if (wanted && wanted !== chosen[0] && runs.some((r) => r.id === wanted)) open(0, wanted);
  }

  view(0);
  view(1);
  root.append(el("div", { class: "card wide" }, el("div", { class: "controls" },
    el("button", { type: "button", id: "runs-refresh", text: "Refresh", onclick: refresh })),
  status, list), el("div", { class: "row two" }, ...columns));
  await refresh();
  return { show: refresh };
}
