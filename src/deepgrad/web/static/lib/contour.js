// Level lines by marching squares on a grid of f values (row-major, ny rows of nx values, row j
// at y = ylim[0] + j * dy): a list of segments [[x, y], [x, y]] in the function's coordinates.

function lerp(a, b, fa, fb, level) {
  const t = fb === fa ? 0.5 : (level - fa) / (fb - fa);
  return a + t * (b - a);
}

export function levelSegments(f, nx, ny, xlim, ylim, level) {
  const dx = (xlim[1] - xlim[0]) / (nx - 1);
  const dy = (ylim[1] - ylim[0]) / (ny - 1);
  const segs = [];
  for (let j = 0; j < ny - 1; j++) {
    for (let i = 0; i < nx - 1; i++) {
      const x = xlim[0] + i * dx, y = ylim[0] + j * dy;
      const a = f[j * nx + i], b = f[j * nx + i + 1];
      const c = f[(j + 1) * nx + i + 1], d = f[(j + 1) * nx + i];
      // corners: a (x, y), b (x+dx, y), c (x+dx, y+dy), d (x, y+dy)
      const pts = [];
      if ((a < level) !== (b < level)) pts.push([lerp(x, x + dx, a, b, level), y]);
      if ((b < level) !== (c < level)) pts.push([x + dx, lerp(y, y + dy, b, c, level)]);
      if ((c < level) !== (d < level)) pts.push([lerp(x + dx, x, c, d, level), y + dy]);
      if ((d < level) !== (a < level)) pts.push([x, lerp(y + dy, y, d, a, level)]);
      if (pts.length === 2) segs.push(pts);
      else if (pts.length === 4) { segs.push([pts[0], pts[1]]); segs.push([pts[2], pts[3]]); }
    }
  }
  return segs;
}
