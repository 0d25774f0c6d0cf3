// Nearest words and analogies in a word2vec run's vectors: the words nearest (cosine) to one,
// or "a is to b as c is to ?" (3CosAdd), each with a 2-D map of the words answered (their
// principal components; for an analogy, arrows a -> b and c -> the answer).

import { clear, el, fmt, svg } from "../lib/dom.js";
import { runPicker, say } from "../lib/runs.js";

const W = 460, H = 340, PAD = 46;

function scatter(node, map, arrows = []) {
  clear(node);
  node.setAttribute("viewBox", `0 0 ${W} ${H}`);
  node.setAttribute("width", W);
  node.setAttribute("height", H);
  const xs = map.points.map((p) => p[0]), ys = map.points.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const sx = (x) => PAD + ((x - x0) / ((x1 - x0) || 1)) * (W - 2 * PAD);
  const sy = (y) => H - PAD - ((y - y0) / ((y1 - y0) || 1)) * (H - 2 * PAD);
  node.append(svg("rect", { x: 1, y: 1, width: W - 2, height: H - 2, class: "plot-area" }));
  node.append(svg("defs", {}, svg("marker", { id: "words-arrow", viewBox: "0 0 10 10", refX: 9,
    refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
  svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow-head" }))));
  const at = Object.fromEntries(map.words.map((w, i) => [w, map.points[i]]));
  for (const [a, b] of arrows) {
    if (!at[a] || !at[b]) continue;
    node.append(svg("line", { x1: sx(at[a][0]), y1: sy(at[a][1]), x2: sx(at[b][0]),
      y2: sy(at[b][1]), class: "arrow", "marker-end": "url(#words-arrow)" }));
  }
  map.words.forEach((w, i) => {
    const [x, y] = map.points[i];
    const cls = i === 0 ? "query" : "answer";
    node.append(svg("circle", { cx: sx(x), cy: sy(y), r: i === 0 ? 5 : 3.5,
      class: `word-dot ${cls}` }),
    svg("text", { x: sx(x) > W / 2 ? sx(x) - 7 : sx(x) + 7, y: sy(y) - 6,
      "text-anchor": sx(x) > W / 2 ? "end" : "start", class: `word-label ${cls}`, text: w }));
  });
  node.dataset.words = String(map.words.length);
}

function table(node, rows) {
  clear(node);
  for (const [k, r] of rows.entries()) {
    const bar = el("span", { class: "bar" });
    bar.style.width = `${(100 * Math.max(0, r.score)).toFixed(1)}%`; // CSSOM, not an attribute
    node.append(el("tr", { class: "answer-row", "data-word": r.word },
      el("td", { class: "muted", text: k + 1 }), el("td", { class: "name", text: r.word }),
      el("td", {}, el("span", { class: "bar-track score" }, bar)),
      el("td", { class: "num", text: fmt(r.score, 3) })));
  }
  node.dataset.count = String(rows.length);
}

export async function mount(root, lab) {
  const status = el("p", { class: "status", id: "words-status",
    text: "Ask for the nearest words, or solve an analogy." });
  const picker = runPicker(lab, "word2vec", { id: "words-run", status });
  const known = el("datalist", { id: "words-known" });
  const input = (id, value, label) => el("input", { type: "text", id, value, size: 12,
    list: "words-known", "aria-label": label });
  const word = input("words-word", "man", "a word");
  const n = el("input", { type: "number", id: "words-n", value: 10, min: 1, max: 100,
    "aria-label": "how many" });
  const a = input("words-a", "man", "a"), b = input("words-b", "king", "b");
  const c = input("words-c", "woman", "c");
  const near = el("button", { type: "button", class: "primary", id: "words-similar",
    text: "Nearest words" });
  const solve = el("button", { type: "button", class: "primary", id: "words-analogy",
    text: "Solve" });
  const title = el("h3", { id: "words-title", text: "Answers" });
  const answers = el("table", { class: "answers", id: "words-answers" });
  const plot = svg("svg", { id: "words-map", class: "word-map" });
  const size = el("p", { class: "muted small", id: "words-size" });

  async function loadWords() {
    if (!picker.value()) return; // no run yet: the picker says how to train one
    try {
      const r = await lab.api.getJSON(lab.api.url("/api/word2vec/words",
        { run: picker.value(), n: 500 }));
      clear(known);
      for (const w of r.words) known.append(el("option", { value: w }));
      size.textContent = `${r.size} words of ${r.vector_size} dimensions in run ${r.run}; ` +
        "suggestions: the 500 most frequent.";
    } catch (e) {
      size.textContent = "";
    }
  }

  async function ask(path, body, show) {
    say(status, "Looking…");
    try {
      show(await lab.api.postJSON(path, { ...body, run: picker.value() }));
    } catch (e) {
      say(status, e.message, true);
    }
  }

  near.addEventListener("click", () => ask("/api/word2vec/similar",
    { word: word.value, n: Number(n.value || 10) }, (r) => {
      title.textContent = `Nearest to “${r.word}”`;
      table(answers, r.neighbours);
      scatter(plot, r.map);
      answers.dataset.query = r.word;
      say(status, `${r.neighbours.length} nearest words (cosine) in run ${r.run}.`);
    }));
  solve.addEventListener("click", () => ask("/api/word2vec/analogy",
    { a: a.value, b: b.value, c: c.value, n: Number(n.value || 5) }, (r) => {
      title.textContent = `“${r.a}” is to “${r.b}” as “${r.c}” is to`;
      table(answers, r.answers);
      scatter(plot, r.map, [[r.a, r.b], [r.c, r.answers[0].word]]);
      answers.dataset.query = `${r.a}:${r.b}::${r.c}`;
      say(status, `3CosAdd in run ${r.run}: b - a + c, nearest words but the three.`);
    }));
  word.addEventListener("keydown", (ev) => { if (ev.key === "Enter") near.click(); });
  picker.select.addEventListener("change", loadWords);
  await picker.load();
  await loadWords();

  root.append(known, el("div", { class: "row" },
    el("div", { class: "card" }, el("h3", { text: "Ask the vectors" }),
      el("div", { class: "controls" }, word, near, el("label", {}, "how many ", n)),
      el("div", { class: "controls" }, a, el("span", { text: "is to" }), b,
        el("span", { text: "as" }), c, el("span", { text: "is to ?" }), solve),
      el("div", { class: "controls" }, el("label", {}, "run ", picker.select)), size, status),
    el("div", { class: "card" }, title, answers),
    el("div", { class: "card" }, el("h3", { text: "A map of them (two principal components)" }),
      plot)));
  return { show: async () => { await picker.load(); } };
}
