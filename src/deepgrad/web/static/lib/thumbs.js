// Pictures the API answers ({width, height, channels, data}) as small canvases: a run's test
// images as buttons to pick, a strip of images with captions.

import { clear, el } from "./dom.js";
import { drawPicture } from "./heat.js";

// A canvas of `side` x `side` CSS pixels (drawn without smoothing) showing `pic`.
export function pictureCanvas(pic, side, attrs = {}) {
  const c = el("canvas", { class: "pixels", width: side, height: side, ...attrs });
  drawPicture(c, pic);
  c.dataset.ready = "true";
  return c;
}

// items: [{index, image, title?}] -> one button per item in `container` (emptied first), its
// data-index the item's; a click calls pick(item). Sets container's data-count.
export function pictureButtons(container, items, pick, side = 48) {
  clear(container);
  for (const item of items) {
    container.append(el("button", { type: "button", class: "thumb", "data-index": item.index,
      title: item.title || `test image ${item.index}`, onclick: () => pick(item) },
    pictureCanvas(item.image, side)));
  }
  container.dataset.count = String(items.length);
}

// A figure: the picture, then a caption of lines (the first in bold).
export function pictureFigure(pic, side, lines, attrs = {}) {
  const [head, ...rest] = lines;
  return el("figure", { class: "thumb-figure", ...attrs }, pictureCanvas(pic, side),
    el("figcaption", {}, el("b", { text: head }),
      ...rest.map((t) => el("span", { text: t }))));
}
