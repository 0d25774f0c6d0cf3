// Train and watch: start a run of any task (its QUICK or full config, every field editable),
// follow its progress, loss curve and per-layer statistics while it trains, stop it. The run
// lands in the runs directory as a CLI run would.

import { clear, COLORS, el, fmt } from "../lib/dom.js";
import { layerTable } from "../lib/layers.js";
import { lineChart } from "../lib/plot.js";

const POLL_MS = 500;
const OVER = ["finished", "failed", "cancelled"];

export async function mount(root, lab) {
  const tasks = await lab.api.getJSON("/api/tasks");
  const byName = Object.fromEntries(tasks.map((t) => [t.name, t]));
  const taskSelect = el("select", { id: "train-task", "aria-label": "task" },
    ...tasks.map((t) => el("option", { value: t.name, text: `${t.name} (week ${t.week})` })));
  const quick = el("input", { type: "checkbox", id: "train-quick", checked: true });
  const watch = el("input", { type: "checkbox", id: "train-watch", checked: true });
  const summary = el("p", { class: "muted", id: "train-summary" });
  const form = el("div", { class: "fields", id: "train-fields" });
  const startButton = el("button", { type: "button", id: "train-start", class: "primary",
    text: "Start" });
  const stopButton = el("button", { type: "button", id: "train-stop", text: "Stop",
    disabled: true });
  const state = el("p", { class: "status", id: "train-state", text: "No job yet." });
  const bar = el("div", { class: "progress" }, el("div", { class: "progress-fill",
    id: "train-progress" }));
  const values = el("p", { class: "values", id: "train-values" });
  const curve = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  curve.setAttribute("id", "train-curve");
  const log = el("pre", { class: "log", id: "train-log", hidden: true });
  const result = el("div", { id: "train-result" });
  const layersCard = el("div", { class: "card wide", id: "train-layers-card",
    "data-samples": "0" });
  const layersInfo = el("p", { class: "muted", id: "train-layers-info" });
  const modelTabs = el("div", { class: "model-tabs", id: "train-layer-models" });
  const layersNote = el("p", { class: "muted", id: "train-layers-note",
    text: "Start a run: the statistics of its layers appear here while it trains." });
  const table = el("table", { class: "layers", id: "train-layers", hidden: true });
  layersCard.append(el("h3", { text: "Layers" }), layersInfo, modelTabs, layersNote,
    el("div", { class: "layers-scroll" }, table));
  let timer = null, job = null;
  let layers = null, shownSamples = -1, chosen = null, pollsWithout = 0;

  function fillForm() {
    const t = byName[taskSelect.value];
    summary.textContent = `${t.summary} · judged on ${t.headline}`;
    clear(form);
    for (const f of t.fields) {
      const v = quick.checked ? t.quick[f.name] : f.default;
      let input;
      if (f.choices) {
        input = el("select", {}, ...(f.optional ? [el("option", { value: "", text: "none" })]
          : []), ...f.choices.map((c) => el("option", { value: c, text: c })));
        input.value = v === null ? "" : v;
      } else if (f.type === "bool") {
        input = el("input", { type: "checkbox", checked: Boolean(v) });
      } else {
        input = el("input", { type: f.type === "str" ? "text" : "number", step: "any",
          value: v === null ? "" : v, placeholder: f.optional ? "none" : "" });
      }
      input.dataset.field = f.name;
      input.dataset.type = f.type;
      input.dataset.optional = f.optional ? "true" : "false";
      form.append(el("label", { class: "field", title: f.help },
        el("span", { class: "field-name", text: f.name }), input,
        el("span", { class: "field-help muted", text: f.help })));
    }
  }

  function readForm() {
    const out = {};
    form.querySelectorAll("[data-field]").forEach((i) => {
      const type = i.dataset.type, optional = i.dataset.optional === "true";
      let v;
      if (type === "bool") v = i.checked;
      else if (i.value === "" && optional) v = null;
      else if (type === "int") v = Number.parseInt(i.value, 10);
      else if (type === "float") v = Number(i.value);
      else v = i.value;
      out[i.dataset.field] = v;
    });
    return out;
  }

  function render(j) {
    job = j;
    const over = OVER.includes(j.state);
    startButton.disabled = !over;
    stopButton.disabled = over;
    state.dataset.state = j.state;
    state.classList.toggle("error", j.state === "failed");
    const where = j.epochs ? ` · ${j.phase} epoch ${j.epoch}/${j.epochs}` +
      (j.steps ? `, step ${j.step}/${j.steps}` : "") : "";
    state.textContent = `${j.task} (${j.quick ? "QUICK" : "full"}): ${j.state}${where}` +
      ` · ${fmt(j.seconds, 3)} s · run ${j.run}` + (j.error ? ` · ${j.error}` : "");
    const frac = j.state === "finished" ? 1 : j.fraction || 0;
    const fill = document.getElementById("train-progress");
    fill.style.width = `${(100 * frac).toFixed(1)}%`;
    fill.dataset.fraction = String(frac);
    values.textContent = Object.entries(j.values || {})
      .filter(([k]) => k !== "ETA").map(([k, v]) => `${k} ${fmt(v)}`).join(" · ");
    const series = Object.entries(j.curves || {}).map(([phase, pts], k) => ({
      label: phase, color: COLORS[k % 8], points: pts }));
    lineChart(curve, series, { width: 520, height: 240, xlabel: "epoch", ylabel: "loss",
      xmax: j.epochs || undefined });
    curve.dataset.points = String(series.reduce((n, s) => n + s.points.length, 0));
    log.textContent = [...(j.lines || []), j.line || ""].join("\n");
    log.hidden = !log.textContent.trim();
    log.scrollTop = log.scrollHeight;
    clear(result);
    if (j.state === "finished" && j.metrics) {
      const rows = Object.entries(j.metrics).slice(0, 30).map(([k, v]) =>
        el("tr", {}, el("td", { text: k }), el("td", { text: fmt(v) })));
      result.append(el("h3", { text: "Result" }), el("table", { class: "metrics" }, ...rows),
        el("button", { type: "button", id: "train-open-run", text: "Open the run",
          onclick: () => lab.open("runs", { run: j.run }) }));
    }
  }

  function noLayersNote(j) {
    if (j.state === "cancelled" || j.state === "failed") {
      return `The run ${j.state === "failed" ? "failed" : "was stopped"} before a layer was ` +
        "sampled.";
    }
    if (j.state === "finished") {
      return "This run exposed no layers: its training stepped no deepgrad.optim optimizer " +
        "over an nn.Module's parameters (the optimization lab moves 2-D points; word2vec's " +
        "fast kernel updates its tables itself).";
    }
    if (pollsWithout > 20) {
      return "No layers so far: they come from deepgrad.optim steps over an nn.Module's " +
        "parameters, and this task's loop has taken none yet.";
    }
    return "Waiting for the first sampled training step\u2026";
  }

  function renderLayers(j, data) {
    const models = data ? data.models : [];
    layersCard.dataset.samples = String(data ? data.samples : 0);
    layersCard.dataset.models = String(models.length);
    clear(modelTabs);
    if (!j.layers.watch) {
      table.hidden = true;
      layersInfo.textContent = "";
      layersNote.textContent = "This run's layers are not watched (the \u201cwatch layers\u201d " +
        "box was off when it started).";
      return;
    }
    if (models.length === 0) {
      table.hidden = true;
      layersInfo.textContent = "";
      layersNote.textContent = noLayersNote(j);
      return;
    }
    // the newest model (a task training several, one after the other), unless one was picked
    const newest = models[models.length - 1].model;
    const key = chosen && models.some((m) => m.model === chosen) ? chosen : newest;
    for (const m of models) {
      modelTabs.append(el("button", { type: "button", class: "model-tab",
        "data-model": m.model, "aria-pressed": m.model === key ? "true" : "false",
        text: `${m.label} · step ${m.step}`,
        onclick: () => { chosen = m.model; renderLayers(job, layers); } }));
    }
    const model = models.find((m) => m.model === key);
    table.hidden = false;
    layerTable(table, model);
    const left = model.omitted.layers + model.omitted.params;
    layersNote.textContent = left ? `${model.omitted.layers} layers and ` +
      `${model.omitted.params} tensors of this model are left out (evenly spaced ones shown).`
      : "";
    layersInfo.textContent = `${model.label}: sampled at optimizer step ${model.step} ` +
      `(${fmt(model.time, 3)} s into the run; a sample cost ${fmt(model.cost, 2)} s), ` +
      `${data.samples} samples so far. Gradients as the optimizer saw them (after clipping); ` +
      "output statistics of the first forward with gradients since the previous step.";
  }

  async function pollLayers(j) {
    if (!j.layers) return;
    if (j.layers.samples === shownSamples && layers) { renderLayers(j, layers); return; }
    if (j.layers.samples > 0) {
      layers = await lab.api.getJSON(`/api/jobs/${j.id}/layers`);
      shownSamples = layers.samples;
      pollsWithout = 0;
    } else {
      pollsWithout += 1;
    }
    renderLayers(j, layers);
  }

  async function poll() {
    if (!job) return;
    try {
      render(await lab.api.getJSON(`/api/jobs/${job.id}`));
      await pollLayers(job);
    } catch (e) {
      state.textContent = e.message;
    }
    if (job && !OVER.includes(job.state)) timer = setTimeout(poll, POLL_MS);
    else timer = null;
  }

  startButton.addEventListener("click", async () => {
    state.classList.remove("error");
    try {
      const j = await lab.api.postJSON("/api/jobs", { task: taskSelect.value,
        quick: quick.checked, config: readForm(), watch: watch.checked });
      layers = null; shownSamples = -1; chosen = null; pollsWithout = 0;
      render(j);
      renderLayers(j, null);
      if (!timer) timer = setTimeout(poll, POLL_MS);
    } catch (e) {
      state.textContent = e.message;
      state.classList.add("error");
    }
  });
  stopButton.addEventListener("click", async () => {
    if (!job) return;
    try {
      render(await lab.api.postJSON(`/api/jobs/${job.id}/cancel`, {}));
    } catch (e) {
      state.textContent = e.message;
    }
  });
  lineChart(curve, [], { width: 520, height: 240, xlabel: "epoch", ylabel: "loss" });
  taskSelect.addEventListener("change", fillForm);
  quick.addEventListener("change", fillForm);
  taskSelect.value = byName.mnist ? "mnist" : tasks[0].name;
  fillForm();

  root.append(el("div", { class: "row" },
    el("div", { class: "card" },
      el("div", { class: "controls" }, el("label", {}, "task ", taskSelect),
        el("label", {}, quick, " QUICK (seconds long)"),
        el("label", { title: "sample gradient norms, update ratios and activation " +
          "statistics of every layer while it trains (deepgrad.train.watch)" }, watch,
        " watch layers"), startButton, stopButton),
      summary, form),
    el("div", { class: "card grow" }, state, bar, values, curve, result, log)),
  layersCard);

  const current = await lab.api.getJSON("/api/jobs/current");
  if (current) {
    render(current);
    await pollLayers(current);
    if (!OVER.includes(current.state)) timer = setTimeout(poll, POLL_MS);
  }
}
