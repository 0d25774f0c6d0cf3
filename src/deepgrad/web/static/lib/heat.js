// Heat maps: a colour scale (dark purple -> orange -> pale yellow, like matplotlib's magma) and
// a map laid over an image, upsampled smoothly (the canvas's bilinear filtering) to its size.

import { bytes } from "./dom.js";

const STOPS = [[0, 0, 4], [59, 15, 112], [140, 41, 129], [222, 73, 104], [254, 159, 109],
  [252, 253, 191]];

// v in [0, 1] -> [r, g, b]
export function heatColor(v) {
  const x = Math.max(0, Math.min(1, Number.isFinite(v) ? v : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x)), f = x - i;
  return STOPS[i].map((c, k) => Math.round(c + f * (STOPS[i + 1][k] - c)));
}

// A lab picture ({width, height, channels, data}) drawn on the canvas, scaled to its size
// without smoothing (pixels stay pixels); dim (0..1) darkens it, so a heat map shows over it.
export function drawPicture(canvas, pic, dim = 0) {
  const px = bytes(pic.data), n = pic.width * pic.height, c = pic.channels;
  const small = document.createElement("canvas");
  small.width = pic.width;
  small.height = pic.height;
  const sctx = small.getContext("2d");
  const img = sctx.createImageData(pic.width, pic.height);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      img.data[4 * i + k] = Math.round((c === 1 ? px[i] : px[3 * i + k]) * (1 - dim));
    }
    img.data[4 * i + 3] = 255;
  }
  sctx.putImageData(img, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

// values: h * w numbers >= 0 (row-major), drawn over the canvas's content, upsampled with
// bilinear smoothing; each value's opacity grows with it, as (v / max) ** gamma (the largest:
// opacity `strength`; gamma 0.5 shows diffuse maps, 1 keeps the low values clear).
export function overlayHeat(canvas, values, w, h, strength = 0.8, gamma = 0.5) {
  let top = 0;
  for (const v of values) top = Math.max(top, v);
  const small = document.createElement("canvas");
  small.width = w;
  small.height = h;
  const sctx = small.getContext("2d");
  const img = sctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const v = top > 0 ? values[i] / top : 0;
    const [r, g, b] = heatColor(v);
    img.data[4 * i] = r;
    img.data[4 * i + 1] = g;
    img.data[4 * i + 2] = b;
    img.data[4 * i + 3] = Math.round(255 * strength * Math.pow(v, gamma));
  }
  sctx.putImageData(img, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}
