import json
import tarfile

import numpy as np
import pytest

from conftest import leftovers
from deepgrad.data import (
    DataError,
    MissingDataError,
    coco_captions,
    coco_instances,
    flickr8k,
    flowers102,
    image_folder,
    lfw,
    rle_decode,
    rle_encode,
    sklearn_dataset,
)

Image = pytest.importorskip("PIL.Image")


def _png(path, color, size=(6, 5)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (size[1], size[0]), color).save(path)


def _coco(root, split="val"):
    (root / "annotations").mkdir(parents=True)
    _png(root / f"{split}2014" / f"COCO_{split}2014_000000000042.jpg", (255, 0, 0))
    caps = {"info": {}, "licenses": [],
            "images": [{"id": 42, "file_name": f"COCO_{split}2014_000000000042.jpg",
                        "width": 5, "height": 6}],
            "annotations": [{"id": 1, "image_id": 42, "caption": "A red square."},
                            {"id": 2, "image_id": 42, "caption": "Something red."}]}
    (root / "annotations" / f"captions_{split}2014.json").write_text(json.dumps(caps))
    mask = np.zeros((6, 5), bool)
    mask[1:3, 2:4] = True
    inst = {"images": caps["images"], "categories": [{"id": 3, "name": "square"}],
            "annotations": [{"id": 7, "image_id": 42, "category_id": 3, "bbox": [2, 1, 2, 2],
                             "area": 4, "iscrowd": 0, "segmentation": rle_encode(mask)}]}
    (root / "annotations" / f"instances_{split}2014.json").write_text(json.dumps(inst))
    return mask


def test_coco_captions_and_instances(tmp_path):
    mask = _coco(tmp_path)
    recs = coco_captions(tmp_path, "val")
    assert len(recs) == 1 and recs[0]["captions"] == ["A red square.", "Something red."]
    assert recs[0]["file"].is_file() and recs[0]["width"] == 5
    recs, cats = coco_instances(tmp_path, "val")
    obj = recs[0]["objects"][0]
    assert cats == {3: "square"} and obj["bbox"] == [2, 1, 2, 2]
    assert np.array_equal(rle_decode(obj["segmentation"]), mask)


def test_coco_errors(tmp_path, store):
    with pytest.raises(MissingDataError, match="captions_train2014.json"):
        coco_captions()
    _coco(tmp_path)
    p = tmp_path / "annotations" / "captions_val2014.json"
    p.write_text(p.read_text()[:50])
    with pytest.raises(DataError, match="not valid JSON"):
        coco_captions(tmp_path, "val")
    p.write_text(json.dumps({"images": [], "annotations": [{"id": 1, "image_id": 9,
                                                            "caption": "x"}]}))
    with pytest.raises(DataError, match="missing image"):
        coco_captions(tmp_path, "val")


def test_flickr8k_token_file_and_splits(tmp_path):
    lines = [f"{n}.jpg#{i}\tcaption {n} {i}" for n in ("a", "b") for i in range(5)]
    (tmp_path / "Flickr8k.token.txt").write_text("\n".join(lines) + "\n")
    (tmp_path / "Flickr_8k.trainImages.txt").write_text("b.jpg\n")
    recs = flickr8k(tmp_path)
    assert len(recs) == 2 and len(recs[0]["captions"]) == 5
    assert recs[0]["file"].name == "a.jpg" and recs[0]["file"].parent.name == "Flicker8k_Dataset"
    assert [r["file"].name for r in flickr8k(tmp_path, "train")] == ["b.jpg"]
    (tmp_path / "Flickr8k.token.txt").write_text("a.jpg caption without tab\n")
    with pytest.raises(DataError, match="Flickr8k.token.txt:1"):
        flickr8k(tmp_path)
    with pytest.raises(MissingDataError, match="Flickr8k.token.txt"):
        flickr8k(tmp_path / "nowhere")


def test_image_folder(tmp_path):
    _png(tmp_path / "cat" / "1.png", (255, 0, 0))
    _png(tmp_path / "cat" / "2.png", (0, 255, 0))
    _png(tmp_path / "dog" / "1.png", (0, 0, 255))
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    x, y, classes = image_folder(tmp_path)
    assert x.shape == (3, 6, 5, 3) and x.dtype == np.uint8
    assert y.tolist() == [0, 0, 1] and classes == ["cat", "dog"]
    assert x[2, 0, 0].tolist() == [0, 0, 255]
    xc, _, _ = image_folder(tmp_path, size=(4, 4), channels_first=True)
    assert xc.shape == (3, 3, 4, 4)
    (tmp_path / "dog" / "bad.png").write_bytes(b"\x89PNG truncated")
    with pytest.raises(DataError, match="bad.png"):
        image_folder(tmp_path)


def test_lfw_folder_and_tarball(tmp_path, store):
    src = tmp_path / "src" / "lfw"
    for person, n in (("Ann_A", 2), ("Bob_B", 1)):
        for i in range(n):
            _png(src / person / f"{person}_{i + 1:04d}.jpg", (10 * i, 0, 0))
    x, y, names = lfw(tmp_path / "src")
    assert x.shape == (3, 6, 5, 3) and names == ["Ann_A", "Bob_B"]
    x, y, names = lfw(tmp_path / "src", min_faces_per_person=2)
    assert names == ["Ann_A"] and y.tolist() == [0, 0]
    (store / "lfw").mkdir(parents=True)
    with tarfile.open(store / "lfw" / "lfw.tgz", "w:gz") as tf:
        tf.add(src, arcname="lfw")
    paths, y, _ = lfw(load=False)
    assert len(paths) == 3 and (store / "lfw" / "lfw" / "Bob_B").is_dir()
    assert leftovers(store) == []


def test_lfw_corrupt_tarball_leaves_nothing(store):
    (store / "lfw").mkdir(parents=True)
    (store / "lfw" / "lfw.tgz").write_bytes(b"\x1f\x8b\x08\x00 broken")
    with pytest.raises(DataError, match="corrupt or truncated"):
        lfw()
    assert not (store / "lfw" / "lfw").exists() and leftovers(store) == []


def test_flowers102(tmp_path):
    from scipy.io import savemat

    jpg = tmp_path / "src" / "jpg"
    for i in range(1, 5):
        _png(jpg / f"image_{i:05d}.jpg", (i * 40, 0, 0))
    with tarfile.open(tmp_path / "102flowers.tgz", "w:gz") as tf:
        tf.add(jpg, arcname="jpg")
    savemat(tmp_path / "imagelabels.mat", {"labels": np.array([[1, 102, 5, 1]])})
    savemat(tmp_path / "setid.mat", {"trnid": np.array([[1, 3]]), "valid": np.array([[2]]),
                                     "tstid": np.array([[4]])})
    x, y = flowers102(tmp_path, "train")
    assert x.shape == (2, 6, 5, 3) and y.tolist() == [0, 4]
    assert flowers102(tmp_path, "val", load=False)[1].tolist() == [101]
    with pytest.raises(MissingDataError, match="imagelabels.mat"):
        flowers102(tmp_path / "src")


def test_sklearn_sets():
    pytest.importorskip("sklearn")
    x, y = sklearn_dataset("digits")
    assert x.shape == (1797, 64) and x.dtype == np.float32 and y.dtype == np.int64
    x, y = sklearn_dataset("diabetes")
    assert y.dtype == np.float32
    with pytest.raises(KeyError, match="unknown set"):
        sklearn_dataset("mnist")
