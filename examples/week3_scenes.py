"""Week 3: composed scenes from real MNIST (or Fashion-MNIST) images, written as COCO.

    python examples/week3_scenes.py [--source mnist|fashion] [--out out/scenes] [--seed 0]

Builds captioned scenes of 2-4 real images on a 64 x 64 canvas (train/val/test splits, the
test split holding out some object-relation combinations), writes them in COCO 2014's layout,
reads them back with ``coco_captions`` / ``coco_instances`` exactly as real COCO would be read,
and renders a grid of scenes with their boxes, masks and two of their captions to
``<out>/scenes_grid.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def render_grid(root: Path, path: Path, n_train: int = 8, n_test: int = 4) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from deepgrad.data import coco_captions, coco_instances, load_image

    picks = []
    for split, n in (("train", n_train), ("test", n_test)):
        caps = coco_captions(root, split)
        insts, cats = coco_instances(root, split)
        for rec, inst in list(zip(caps, insts, strict=True))[:n]:
            picks.append((split, rec, inst, cats))
    cols = 4
    rows = -(-len(picks) // cols)
    fig, axes = plt.subplots(rows * 2, cols, figsize=(cols * 3.4, rows * 6.4),
                             gridspec_kw={"height_ratios": [3, 2] * rows})
    colors = plt.cm.tab10(np.arange(10))
    for k, (split, rec, inst, cats) in enumerate(picks):
        r, c = divmod(k, cols)
        ax, mx = axes[2 * r, c], axes[2 * r + 1, c]
        img = load_image(rec["file"], mode="L")
        ax.imshow(img, cmap="gray", vmin=0, vmax=255)
        for o in inst["objects"]:
            x, y, w, h = o["bbox"]
            col = colors[o["category_id"] - 1]
            ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, lw=1.2, ec=col))
            ax.text(x, y - 1, cats[o["category_id"]], color=col, fontsize=6, va="bottom")
        ax.set_title(f"{split} #{rec['image_id']}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        mask = load_image(root / f"masks_{split}2014" / rec["file"].name, mode="L")
        mx.imshow(np.ma.masked_equal(mask, 0), cmap="tab10", vmin=1, vmax=10,
                  interpolation="nearest")
        mx.set_facecolor("black")
        mx.set_xticks([])
        mx.set_yticks([])
        mx.set_title("mask", fontsize=7)
        ax.set_xlabel("\n".join(rec["captions"][i] for i in (0, 1, 4)), fontsize=6.5)
    for k in range(len(picks), rows * cols):
        r, c = divmod(k, cols)
        axes[2 * r, c].axis("off")
        axes[2 * r + 1, c].axis("off")
    fig.suptitle("Composed scenes from real images (COCO layout, read back with coco_captions)",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.985))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> None:
    from deepgrad.data import coco_captions, fashion_mnist, mnist
    from deepgrad.data.scenes_coco import write_scenes_coco

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--source", choices=["mnist", "fashion"], default="mnist")
    p.add_argument("--out", default="out/scenes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--train", type=int, default=2000)
    p.add_argument("--val", type=int, default=200)
    p.add_argument("--test", type=int, default=200)
    args = p.parse_args(argv)

    (x, y), (xt, yt) = mnist() if args.source == "mnist" else fashion_mnist()
    root = Path(args.out) / args.source
    write_scenes_coco(root, x, y, xt, yt, args.train, args.val, args.test,
                      source=args.source, seed=args.seed)
    for split in ("train", "val", "test"):
        recs = coco_captions(root, split)
        print(f"{split}: {len(recs)} images, {sum(len(r['captions']) for r in recs)} captions;"
              f" e.g. {recs[0]['captions'][0]!r}")
    grid = render_grid(root, Path(args.out) / f"scenes_grid_{args.source}.png")
    print(f"grid: {grid}")


if __name__ == "__main__":
    main()
