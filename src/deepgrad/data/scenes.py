"""Composed scenes: 2-4 real MNIST / Fashion-MNIST images on a larger canvas, with captions,
boxes and masks, deterministic for a seed.

No captioning, detection or segmentation set is reachable on these machines, so this builds
one honestly from real parts: each object is a real 28 x 28 image (from the *train* images for
the train and val splits, the *test* images for the test split), resized to ``small`` (18 px)
or ``large`` (28 px) and pasted at a random place on a black canvas, without overlap. Ground
truth is exact: the box is the glyph's tight bounding box, the mask its pixels above
``MASK_THRESHOLD``.

The splits test composition: of the 200 canonical combinations (A, relation, B) with relation
``left`` or ``above`` over 10 x 10 classes, ``n_heldout`` are chosen by the seed and never
appear as the primary pair of a train or val scene (nor between any two objects of them);
every test scene's primary pair is one of them. ``write_scenes_coco`` (``scenes_coco.py``)
writes the result in COCO's layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .scene_captions import DIGIT_NAMES, FASHION_NAMES, captions_for, relation_of

__all__ = ["Scene", "SceneObject", "compose_scenes", "heldout_combinations", "SIZES",
           "MASK_THRESHOLD"]

SIZES = {"small": 18, "large": 28}
MASK_THRESHOLD = 64
RELATIONS = ("left", "above")


@dataclass
class SceneObject:
    """One pasted image: class ``label``, its ``name``, ``size`` word, COCO ``bbox``
    ``[x, y, w, h]`` (tight), boolean ``mask`` over the canvas, source image index."""

    label: int
    name: str
    size: str
    bbox: list[int]
    mask: np.ndarray
    source_index: int


@dataclass
class Scene:
    """A canvas (uint8 H x W), its objects, the primary pair's relation and captions."""

    image: np.ndarray
    objects: list[SceneObject]
    relation: str
    captions: list[str]
    combination: tuple[int, str, int]
    split: str = "train"
    masks: dict = field(default_factory=dict)

    def semantic_mask(self) -> np.ndarray:
        """uint8 H x W: 0 background, ``label + 1`` on each object's pixels."""
        out = np.zeros(self.image.shape, dtype=np.uint8)
        for o in self.objects:
            out[o.mask] = o.label + 1
        return out

    def instance_mask(self) -> np.ndarray:
        """uint8 H x W: 0 background, ``k + 1`` on the pixels of object ``k``."""
        out = np.zeros(self.image.shape, dtype=np.uint8)
        for k, o in enumerate(self.objects):
            out[o.mask] = k + 1
        return out


def heldout_combinations(n_heldout: int = 20, seed: int = 0) -> set[tuple[int, str, int]]:
    """The combinations (A, relation, B) kept out of train/val, chosen by ``seed``."""
    combos = [(a, r, b) for a in range(10) for r in RELATIONS for b in range(10)]
    rng = np.random.default_rng([seed, 7])
    pick = rng.choice(len(combos), size=n_heldout, replace=False)
    return {combos[i] for i in sorted(pick)}


def _canonical(label_a: int, rel: str, label_b: int) -> tuple[int, str, int]:
    if rel == "right":
        return (label_b, "left", label_a)
    if rel == "below":
        return (label_b, "above", label_a)
    return (label_a, rel, label_b)


def _resize(img: np.ndarray, side: int) -> np.ndarray:
    if side == img.shape[0]:
        return img
    from PIL import Image

    return np.asarray(Image.fromarray(img).resize((side, side), Image.BILINEAR))


def _tight_box(glyph: np.ndarray) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(glyph > MASK_THRESHOLD)
    if len(ys) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def _overlaps(a: list[int], b: list[int], margin: int = 2) -> bool:
    return not (a[0] + a[2] + margin <= b[0] or b[0] + b[2] + margin <= a[0]
                or a[1] + a[3] + margin <= b[1] or b[1] + b[3] + margin <= a[1])


def _place(rng, canvas: int, glyph: np.ndarray, boxes: list[list[int]]):
    """A random paste position whose tight box clears the others; None after 50 tries."""
    tb = _tight_box(glyph)
    if tb is None:
        return None
    side = glyph.shape[0]
    for _ in range(50):
        y0, x0 = (int(v) for v in rng.integers(0, canvas - side + 1, size=2))
        box = [x0 + tb[0], y0 + tb[1], tb[2], tb[3]]
        if all(not _overlaps(box, b) for b in boxes):
            return y0, x0, box
    return None


def _compose_one(rng, images, labels, pool, canvas, n_objects, names, kind, heldout, want):
    """One scene; ``want`` is a held-out combination to realise (test) or None (train/val)."""
    k = int(rng.integers(n_objects[0], n_objects[1] + 1))
    if want is not None:
        first = [want[0], want[2]]
    else:
        first = []
    chosen_labels = first + [int(v) for v in rng.integers(0, 10, size=k - len(first))]
    canvas_img = np.zeros((canvas, canvas), dtype=np.uint8)
    objects: list[SceneObject] = []
    boxes: list[list[int]] = []
    for i, lab in enumerate(chosen_labels):
        candidates = pool[lab]
        idx = int(candidates[rng.integers(0, len(candidates))])
        size = "large" if rng.random() < 0.5 else "small"
        glyph = _resize(images[idx], SIZES[size])
        placed = _place(rng, canvas, glyph, boxes)
        if placed is None:
            return None
        y0, x0, box = placed
        side = glyph.shape[0]
        region = canvas_img[y0: y0 + side, x0: x0 + side]
        np.maximum(region, glyph, out=region)
        mask = np.zeros((canvas, canvas), dtype=bool)
        mask[y0: y0 + side, x0: x0 + side] = glyph > MASK_THRESHOLD
        objects.append(SceneObject(lab, names[lab], size, box, mask, idx))
        boxes.append(box)
        if i == 1:  # the primary pair must stand in a clear relation
            rel = relation_of(boxes[0], boxes[1])
            if rel is None:
                return None
            combo = _canonical(objects[0].label, rel, objects[1].label)
            if want is not None and combo != want:
                return None
    # no pair of a train/val scene may show a held-out combination
    if want is None:
        for i in range(len(objects)):
            for j in range(i + 1, len(objects)):
                r = relation_of(objects[i].bbox, objects[j].bbox)
                if r is not None and _canonical(objects[i].label, r, objects[j].label) in heldout:
                    return None
    a, b = objects[0], objects[1]
    rel = relation_of(a.bbox, b.bbox)
    if rel in ("right", "below"):  # describe the pair in canonical order
        a, b = b, a
        rel = "left" if rel == "right" else "above"
    left_to_right = [o.name for o in sorted(objects, key=lambda o: (o.bbox[0], o.bbox[1]))]
    caps = captions_for(a.name, a.size, b.name, b.size, rel, left_to_right, kind)
    return Scene(canvas_img, objects, rel, caps, (a.label, rel, b.label))


def compose_scenes(
    n: int,
    images: np.ndarray,
    labels: np.ndarray,
    split: str = "train",
    source: str = "mnist",
    canvas: int = 64,
    n_objects: tuple[int, int] = (2, 4),
    seed: int = 0,
    n_heldout: int = 20,
) -> list[Scene]:
    """``n`` scenes from ``images`` (uint8 N x 28 x 28) and their ``labels``.

    ``split="test"`` realises only held-out combinations; ``"train"``/``"val"`` avoid them
    (use different ``seed``s or image pools for train and val). ``source`` picks the names
    (``"mnist"`` digits or ``"fashion"`` items). The same arguments give the same scenes.
    """
    if canvas < 64:
        raise ValueError(f"compose_scenes: canvas must be >= 64 pixels, got {canvas}")
    if not 2 <= n_objects[0] <= n_objects[1] <= 4:
        raise ValueError(f"compose_scenes: n_objects must lie within 2..4, got {n_objects}")
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"compose_scenes: images must be uint8 N x 28 x 28, got "
                         f"{images.shape} {images.dtype}")
    names, kind = (DIGIT_NAMES, "digits") if source == "mnist" else (FASHION_NAMES, "items")
    labels = np.asarray(labels)
    pool = [np.flatnonzero(labels == c) for c in range(10)]
    if any(len(p) == 0 for p in pool):
        raise ValueError("compose_scenes: every class 0..9 needs at least one image")
    heldout = heldout_combinations(n_heldout, seed)
    wanted = sorted(heldout)
    split_id = {"train": 0, "val": 1, "test": 2}.get(split)
    if split_id is None:
        raise ValueError(f"compose_scenes: split must be train, val or test, got {split!r}")
    rng = np.random.default_rng([seed, split_id])
    scenes: list[Scene] = []
    tries = 0
    while len(scenes) < n:
        tries += 1
        if tries > 200 * n + 1000:
            raise RuntimeError("compose_scenes: could not place objects; use a larger canvas")
        want = wanted[len(scenes) % len(wanted)] if split == "test" else None
        s = _compose_one(rng, images, labels, pool, canvas, n_objects, names, kind, heldout,
                         want)
        if s is not None:
            s.split = split
            scenes.append(s)
    return scenes
