"""COCO instances as arrays (deepgrad.data.coco_dense) on tiny COCO-format fixtures written
here: polygons and RLE masks, category ids mapped to classes, letterboxing of other sizes, and
clear errors for missing masks, boxes, images and unsupported formats; composed scenes read
back exactly."""

import json

import numpy as np
import pytest
from PIL import Image

from deepgrad.data.coco import rle_encode
from deepgrad.data.coco_dense import coco_dense, letterbox
from deepgrad.data.scenes import compose_scenes
from deepgrad.data.scenes_coco import write_scenes_coco
from deepgrad.data.scenes_single import compose_single, write_single_coco
from deepgrad.data.store import DataError, MissingDataError


def _write(root, images, annotations, categories=None, split="train"):
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    (root / f"{split}2014").mkdir(exist_ok=True)
    meta = []
    for i, (name, arr) in enumerate(images, start=1):
        Image.fromarray(arr).save(root / f"{split}2014" / name)
        meta.append({"id": i, "file_name": name, "height": arr.shape[0], "width": arr.shape[1]})
    cats = categories or [{"id": 3, "name": "cat"}, {"id": 7, "name": "dog"}]
    d = {"images": meta, "annotations": annotations, "categories": cats}
    (root / "annotations" / f"instances_{split}2014.json").write_text(json.dumps(d))
    return root


def _square_mask(h, w, y0, y1, x0, x1):
    m = np.zeros((h, w), bool)
    m[y0:y1, x0:x1] = True
    return m


def test_polygons_and_rle_become_labels_with_categories_in_id_order(tmp_path):
    img = np.zeros((8, 8), np.uint8)
    rle = rle_encode(_square_mask(8, 8, 5, 8, 0, 2))
    anns = [{"id": 1, "image_id": 1, "category_id": 7, "bbox": [0, 5, 2, 3], "segmentation": rle},
            {"id": 2, "image_id": 1, "category_id": 3, "bbox": [1, 1, 3, 2],
             "segmentation": [[1, 1, 3, 1, 3, 2, 1, 2]]}]
    d = coco_dense(_write(tmp_path, [("a.png", img)], anns), "train", size=8)
    assert d.classes == ["background", "cat", "dog"]
    want = np.zeros((8, 8), np.uint8)
    want[5:8, 0:2] = 2  # dog (id 7) is class 2
    want[1:3, 1:4] = 1  # the polygon, outline included
    np.testing.assert_array_equal(d.labels[0], want)
    assert d.objects[0] == [(2, [0.0, 5.0, 2.0, 3.0]), (1, [1.0, 1.0, 3.0, 2.0])]


def test_other_sizes_are_letterboxed_and_boxes_scaled(tmp_path):
    img = np.full((16, 32), 200, np.uint8)
    mask = _square_mask(16, 32, 0, 16, 16, 32)
    anns = [{"id": 1, "image_id": 1, "category_id": 3, "bbox": [16, 0, 16, 16],
             "segmentation": rle_encode(mask)}]
    d = coco_dense(_write(tmp_path, [("wide.jpg", img)], anns), "train", size=8)
    assert d.scales == [0.25]
    assert (d.images[0, :4] > 150).all() and (d.images[0, 4:] == 0).all()  # padded below
    np.testing.assert_array_equal(d.labels[0, :4, 4:], 1)
    assert d.labels[0, :4, :4].sum() == 0 and d.labels[0, 4:].sum() == 0
    assert d.objects[0] == [(1, [4.0, 0.0, 4.0, 4.0])]
    same, s = letterbox(np.ones((8, 8), np.uint8), 8)
    assert s == 1.0 and same.shape == (8, 8)


@pytest.mark.parametrize("ann, message", [
    ({"bbox": [0, 0, 2, 2]}, "annotation 1 has no 'segmentation'"),
    ({"bbox": [0, 0, 2, 2], "segmentation": {"counts": "abc", "size": [8, 8]}},
     "compressed .*RLE is not supported"),
    ({"bbox": [0, 0, 2, 2], "segmentation": {"counts": [64], "size": [4, 4]}},
     "RLE size \\[4, 4\\] differs from its image's 8 x 8"),
    ({"bbox": [0, 0, 2], "segmentation": [[0, 0, 1, 0, 1, 1]]}, "bbox .* is not \\[x,y,w,h\\]"),
    ({"bbox": [0, 0, 0, 2], "segmentation": [[0, 0, 1, 0, 1, 1]]}, "empty box"),
    ({"bbox": [0, 0, 2, 2], "segmentation": [[0, 0]]}, "neither polygons"),
])
def test_bad_annotations_are_named(tmp_path, ann, message):
    a = {"id": 1, "image_id": 1, "category_id": 3, **ann}
    root = _write(tmp_path, [("a.png", np.zeros((8, 8), np.uint8))], [a])
    with pytest.raises(DataError, match=message):
        coco_dense(root, "train", size=8)


def test_boxes_only_need_no_masks_and_missing_files_are_named(tmp_path):
    anns = [{"id": 1, "image_id": 1, "category_id": 3, "bbox": [0, 0, 2, 2]}]
    root = _write(tmp_path, [("a.png", np.zeros((8, 8), np.uint8))], anns)
    d = coco_dense(root, "train", size=8, masks=False)
    assert d.labels.sum() == 0 and d.objects[0] == [(1, [0.0, 0.0, 2.0, 2.0])]
    (root / "train2014" / "a.png").unlink()
    with pytest.raises(MissingDataError, match="image .*a.png listed in the annotations"):
        coco_dense(root, "train", size=8, masks=False)
    with pytest.raises(MissingDataError, match="instances_val2014.json not found"):
        coco_dense(root, "val", size=8)


def test_size_disagreeing_with_the_annotations_is_an_error(tmp_path):
    root = _write(tmp_path, [("a.png", np.zeros((8, 8), np.uint8))], [])
    p = root / "annotations" / "instances_train2014.json"
    d = json.loads(p.read_text())
    d["images"][0]["height"] = 9
    p.write_text(json.dumps(d))
    with pytest.raises(DataError, match="annotations say 9 x 8, the file is 8 x 8"):
        coco_dense(root, "train", size=8)


def _digits(n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28), np.uint8)
    for i in range(n):  # a filled rectangle per image, of random size: a glyph stand-in
        h, w = rng.integers(8, 20, 2)
        x[i, 4:4 + h, 6:6 + w] = 200
    return x, np.arange(n) % 10


def test_composed_scenes_read_back_exactly(tmp_path):
    x, y = _digits()
    write_scenes_coco(tmp_path / "s", x, y, x, y, n_train=6, n_val=0, n_test=0)
    d = coco_dense(tmp_path / "s", "train", size=64)
    scenes = compose_scenes(6, x, y, split="train")
    for k, s in enumerate(scenes):
        np.testing.assert_array_equal(d.images[k], s.image)
        np.testing.assert_array_equal(d.labels[k], s.semantic_mask())
        assert [b for _, b in d.objects[k]] == [o.bbox for o in s.objects]
    assert d.classes[1:4] == ["zero", "one", "two"]


def test_one_object_scenes_have_exact_boxes(tmp_path):
    x, y = _digits()
    scenes = compose_single(20, x, y, "test", sides=(16, 40))
    for s in scenes:
        (o,) = s.objects
        ys, xs = np.nonzero(s.image > 64)
        assert o.bbox == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
    write_single_coco(tmp_path / "one", x, y, x, y, n_train=5, n_val=2, n_test=3)
    d = coco_dense(tmp_path / "one", "test", size=64, masks=False)
    assert len(d) == 3 and all(len(o) == 1 for o in d.objects)
    assert [o[0][1] for o in d.objects] == [s.objects[0].bbox for s in scenes[:3]]
    with pytest.raises(ValueError, match="sides must satisfy"):
        compose_single(2, x, y, sides=(4, 80))
