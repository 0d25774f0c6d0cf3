"""The captioning task: QUICK (one shared run) writes the issue's metrics, whose BLEU and CIDEr
equal the reference implementations' on the run's own captions; the grammar parser inverts every
paraphrase; the COCO path runs on a fixture of real-format files; bad input gets clear errors;
``deepgrad caption`` captions an image and warns about a photo; the full config (slow) reaches
the targets."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from deepgrad.data.scene_captions import DIGIT_NAMES, FASHION_NAMES, captions_for
from deepgrad.tasks import TaskError, captioning, load_run, run_task
from deepgrad.tasks.captioning import Config
from deepgrad.tasks.captioning.content import content_accuracy, parse_caption
from deepgrad.tasks.captioning.corpus import CaptionData, tokenize_caption

FIGURES = ["val_loss", "next_word_accuracy", "bleu1_beam", "bleu2_beam", "bleu3_beam",
           "bleu4_beam", "bleu4_greedy", "cider_beam", "content_accuracy", "val_bleu4_beam",
           "val_content_accuracy", "test_loss"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("captioning") / "run"
    return run_task(captioning, None, out, quick=True)


def test_quick_run_writes_every_figure_for_both_decoders_and_the_baseline(quick_run):
    out, result = quick_run
    m = result.metrics
    assert json.loads((out / "metrics.json").read_text()) == m
    for k in FIGURES:
        for name in (k, f"{k}_attention", f"{k}_noattention"):
            assert name in m and m[name] is not None, name
    for k in ("bleu4_nn", "cider_nn", "content_accuracy_nn", "val_content_accuracy_nn"):
        assert m[k] is not None, k
    better = "attention" if m["attention_is_better"] else "noattention"
    assert m["bleu4_beam"] == m[f"bleu4_beam_{better}"]
    # two epochs on 300 scenes: far from captioning, but the loss fell below the uniform guess
    assert m["val_loss"] < np.log(m["vocabulary"])
    assert 0 <= m["next_word_accuracy"] <= 1
    for a in result.artifacts.values():
        assert (out / a).is_file(), a
    assert "attention pictures" in result.artifacts


def test_bleu_and_cider_equal_the_references_on_the_runs_own_captions(quick_run):
    """The figures in metrics.json, recomputed by sacrebleu and pycocoevalcap from the captions
    the run wrote (captions_test.jsonl)."""
    sacrebleu = pytest.importorskip("sacrebleu")
    cider_mod = pytest.importorskip("pycocoevalcap.cider.cider")
    out, result = quick_run
    rows = [json.loads(line) for line in (out / "captions_test.jsonl").read_text().splitlines()]
    assert len(rows) == result.metrics["test_images"]
    for tag in ("attention", "noattention", "nn"):
        hyps = [r[f"{tag}_beam"] for r in rows]
        refs = [r["references"] for r in rows]
        k = max(len(r) for r in refs)
        streams = [[r[i] if i < len(r) else "" for r in refs] for i in range(k)]
        bleu = sacrebleu.metrics.BLEU(tokenize="none", smooth_method="none",
                                      effective_order=False).corpus_score(hyps, streams)
        name = "bleu4_nn" if tag == "nn" else f"bleu4_beam_{tag}"
        assert result.metrics[name] == pytest.approx(bleu.score / 100, abs=1e-9), tag
        score, _ = cider_mod.Cider().compute_score(
            {i: refs[i] for i in range(len(rows))}, {i: [hyps[i]] for i in range(len(rows))})
        name = "cider_nn" if tag == "nn" else f"cider_beam_{tag}"
        assert result.metrics[name] == pytest.approx(score, abs=1e-9), tag


@pytest.mark.parametrize("names,kind", [(DIGIT_NAMES, "digits"), (FASHION_NAMES, "items")])
def test_the_parser_reads_every_relational_paraphrase_back(names, kind):
    for a in range(10):
        for b in range(10):
            for rel in ("left", "above"):
                caps = captions_for(names[a], "small", names[b], "large", rel,
                                    [names[a], names[b]], kind)
                got = [parse_caption(tokenize_caption(c), names) for c in caps]
                assert got[:4] == [(a, rel, b)] * 4, caps
                assert got[4] is None  # the count caption states no relation


def test_the_parser_refuses_what_the_grammar_does_not_write():
    for c in ["a seven", "", "a seven to the left of", "a cat to the left of a two",
              "a seven to the left of a two and a three", "two digits a seven and a two"]:
        assert parse_caption(tokenize_caption(c), DIGIT_NAMES) is None, c
    caps = [tokenize_caption("a two to the right of a seven"), tokenize_caption("a seven")]
    assert content_accuracy(caps, [(7, "left", 2), (7, "left", 2)], DIGIT_NAMES) == 0.5
    assert content_accuracy(caps, [(2, "left", 7), (7, "left", 2)], DIGIT_NAMES) == 0.0


def test_the_test_split_shows_only_compositions_never_trained_on(quick_run):
    out, _ = quick_run
    from deepgrad.data.coco import coco_captions

    train = {tuple(r["combination"]) for r in coco_captions(out / "scenes", "train")}
    test = {tuple(r["combination"]) for r in coco_captions(out / "scenes", "test")}
    assert test and not train & test


def test_load_captions_and_the_cli_warns_about_a_photo(quick_run, tmp_path, capsys):
    from deepgrad.cli import main

    out, _ = quick_run
    cap = load_run(out)
    scene = sorted((out / "scenes" / "test2014").glob("*.png"))[0]
    (words, lp), = cap.caption([str(scene)])
    assert all(isinstance(w, str) for w in words) and lp <= 0 and len(words) <= 20
    image, words2, alpha = cap.attention(str(scene))
    assert alpha.shape[1:] == (8, 8) and len(alpha) == len(words2) + 1
    np.testing.assert_allclose(alpha.sum(axis=(1, 2)), 1.0, atol=1e-5)
    from PIL import Image

    photo = tmp_path / "photo.jpg"
    rgb = np.zeros((48, 80, 3), np.uint8)
    rgb[..., 0] = 200
    Image.fromarray(rgb).save(photo)
    code = main(["caption", str(scene), str(photo), "--run", str(out), "--attention-picture",
                 str(tmp_path / "where.png")])
    got = capsys.readouterr()
    assert code == 0 and (tmp_path / "where.png").is_file()
    assert "trained on composed mnist scenes" in got.out and f"{scene}: " in got.out
    assert "80 x 48 colour image" in got.err and "not what is in it" in got.err
    assert main(["caption", str(tmp_path / "missing.png"), "--run", str(out)]) == 2
    assert "missing.png not found" in capsys.readouterr().err
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    assert main(["caption", str(broken), "--run", str(out)]) == 2
    assert "cannot read image" in capsys.readouterr().err


def test_a_vocabulary_from_another_run_is_refused(quick_run, tmp_path):
    out, _ = quick_run
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    v = json.loads((copy / "vocab.json").read_text())
    v["itos"] = v["itos"][:-1]
    (copy / "vocab.json").write_text(json.dumps(v))
    with pytest.raises(TaskError, match=r"vocab.json has \d+ words but weights_\w+.npz was "
                                        r"trained with a vocabulary of \d+"):
        load_run(copy)


def test_a_feature_cache_from_another_encoder_is_refused(quick_run):
    from deepgrad.tasks.captioning.features import FeatureCache

    out, _ = quick_run
    cap = load_run(out)
    files = sorted((out / "scenes" / "val2014").glob("*.png"))
    cache = FeatureCache(out / "features", cap.encoder)
    vec, ann = cache.get("val", files)  # the run's own cache: accepted
    assert len(vec) == len(files) and ann.shape[1:] == (64, 12)
    folder, _ = cache.folder(files)
    meta = json.loads((folder / "meta.json").read_text())
    meta["encoder_digest"] = "0" * 32
    (folder / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(TaskError, match="a cache from another encoder or other images"):
        cache.get("val", files)


def _records(caps: list[str]) -> list[dict]:
    return [{"file": Path("x.png"), "image_id": 7, "captions": caps}]


def test_empty_and_overlong_captions_get_clear_errors():
    with pytest.raises(TaskError, match=r"image 7 caption 1 is empty"):
        CaptionData("train", _records(["a cat", " ... "]), "f.json", 20, "error")
    long = " ".join(["word"] * 25)
    with pytest.raises(TaskError, match=r"image 7 caption 0 has 25 words, more than "
                                        r"max_len=20.*--long-captions"):
        CaptionData("train", _records([long]), "f.json", 20, "error")
    d = CaptionData("train", _records([long, "a dog"]), "f.json", 20, "drop")
    assert d.tokens == [[["a", "dog"]]]
    d = CaptionData("train", _records([long]), "f.json", 20, "truncate")
    assert len(d.tokens[0][0]) == 20


def test_config_is_checked():
    with pytest.raises(TaskError, match="scene-cnn encoder knows only the composed scenes"):
        captioning._check(Config(data="coco"))
    with pytest.raises(TaskError, match="max_objects must be 2..4"):
        captioning._check(Config(max_objects=5))


def _write_coco_fixture(root: Path) -> None:
    """A tiny MS-COCO 2014 folder in the official layout: JPEG photos (skimage's), the
    captions JSON files with several captions per image."""
    from PIL import Image

    skdata = pytest.importorskip("skimage.data")
    photos = [skdata.astronaut(), skdata.chelsea(), skdata.coffee(), skdata.rocket()]
    texts = [["A woman in a space suit smiles.", "An astronaut poses with a flag."],
             ["A cat sits on a table.", "An orange cat looks at the camera."],
             ["A cup of coffee on a saucer.", "A red cup of coffee."],
             ["A rocket on its launch pad.", "A rocket stands against the sky."]]
    (root / "annotations").mkdir(parents=True)
    for split, picks in (("train", [0, 1, 2, 3, 0, 1]), ("val", [2, 3, 1])):
        folder = root / f"{split}2014"
        folder.mkdir()
        images, anns = [], []
        for k, p in enumerate(picks):
            iid = 100 * (split == "val") + k + 1
            name = f"COCO_{split}2014_{iid:012d}.jpg"
            im = Image.fromarray(photos[p]).resize((96, 80))
            if k >= len(photos):
                im = im.transpose(Image.FLIP_LEFT_RIGHT)  # a different image, same captions
            im.save(folder / name, quality=90)
            images.append({"id": iid, "file_name": name, "width": 96, "height": 80})
            for c in texts[p]:
                anns.append({"id": len(anns) + 1 + 1000 * iid, "image_id": iid, "caption": c})
        with open(root / "annotations" / f"captions_{split}2014.json", "w") as f:
            json.dump({"info": {}, "licenses": [], "images": images, "annotations": anns}, f)


def test_the_coco_path_runs_on_real_format_files(tmp_path):
    pytest.importorskip("deepgrad.data.efficientnet_weights")
    from deepgrad.data.store import MissingDataError

    root = tmp_path / "coco"
    _write_coco_fixture(root)
    cfg = Config(data="coco", data_path=str(root), encoder="efficientnet-lite0", image_size=64,
                 train_images=6, val_images=1, test_images=2, epochs=1, min_count=1, hidden=16,
                 embed=8, img_bottleneck=8, logit_bottleneck=8, batch_size=4, beam_width=2)
    try:
        out, result = run_task(captioning, cfg, tmp_path / "run")
    except MissingDataError as e:  # the EfficientNet weights are not in the store
        pytest.skip(str(e))
    m = result.metrics
    assert m["train_images"] == 6 and m["test_images"] == 2
    assert m["content_accuracy"] is None and m["content_accuracy_nn"] is None
    assert m["bleu4_beam"] is not None and m["cider_beam"] is not None
    rows = [json.loads(line) for line in (out / "captions_test.jsonl").read_text().splitlines()]
    assert [Path(r["file"]).parent.name for r in rows] == ["val2014"] * 2
    # val2014 holds coffee, rocket, cat: the first validates, the next two test
    assert rows[0]["references"] == ["a rocket on its launch pad",
                                     "a rocket stands against the sky"]
    assert rows[1]["references"] == ["a cat sits on a table", "an orange cat looks at the camera"]
    info = json.loads((out / "model.json").read_text())
    assert info["encoder"] == "efficientnet-lite0" and info["vector_size"] == 1280
    assert info["annotation_shape"] == [4, 1282]


def test_a_coco_caption_that_is_empty_names_the_file_and_image(tmp_path):
    root = tmp_path / "coco"
    _write_coco_fixture(root)
    path = root / "annotations" / "captions_train2014.json"
    d = json.loads(path.read_text())
    d["annotations"][3]["caption"] = "  "
    path.write_text(json.dumps(d))
    cfg = Config(data="coco", data_path=str(root), encoder="efficientnet-lite0", image_size=64)
    with pytest.raises(TaskError, match=r"MS-COCO 2014 at .*coco \(train\): image 2 caption 1 "
                                        r"is empty"):
        run_task(captioning, cfg, tmp_path / "run")


@pytest.mark.slow
def test_full_config_reaches_the_targets(tmp_path):
    _, result = run_task(captioning, Config(), tmp_path / "run")
    m = result.metrics
    assert m["bleu4_beam"] >= m["bleu4_greedy"], m
    assert m["bleu4_beam"] >= m["bleu4_nn"] + 0.10, m
    assert m["content_accuracy"] >= m["content_accuracy_nn"] + 0.15, m
    assert m["content_accuracy"] >= 0.80, m
    assert m["next_word_accuracy"] > 0.5, m


def test_resumed_after_an_interruption_equals_an_uninterrupted_run(tmp_path, monkeypatch):
    """The power goes off after the no-attention decoder's first epoch (the encoder finished,
    its features cached); the resumed run ends with the uninterrupted run's metrics."""
    import deepgrad.train.epochs as epochs

    cfg = Config(train_images=60, val_images=10, test_images=10, encoder_images=200,
                 encoder_epochs=1, epochs=2, hidden=16, embed=8, img_bottleneck=8,
                 logit_bottleneck=8, attn_size=8, min_count=1, beam_width=2)
    _, whole = run_task(captioning, cfg, tmp_path / "whole", seed=3)
    real, states, written = epochs.save_checkpoint, [], []

    def crash(path, *args, **kwargs):
        real(path, *args, **kwargs)
        if path.name.startswith("state_"):
            states.append(path.name)
            if len(states) == 2:
                raise KeyboardInterrupt

    monkeypatch.setattr(epochs, "save_checkpoint", crash)
    with pytest.raises(KeyboardInterrupt):
        run_task(captioning, cfg, tmp_path / "cut", seed=3)
    assert states == ["state_encoder.npz", "state_noattention.npz"]

    def record(path, *args, **kwargs):
        written.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(epochs, "save_checkpoint", record)
    _, resumed = run_task(captioning, None, tmp_path / "cut", resume=True)
    assert "state_encoder.npz" not in written and written.count("state_noattention.npz") == 1
    assert resumed.metrics == whole.metrics


def test_the_flickr8k_path_runs_on_real_format_files(tmp_path):
    """Flickr8k's official layout: Flickr8k.token.txt ("name.jpg#k<TAB>caption"), the split
    lists and the (misspelled) Flicker8k_Dataset image folder."""
    from PIL import Image

    from deepgrad.data.store import MissingDataError

    skdata = pytest.importorskip("skimage.data")
    root = tmp_path / "flickr8k"
    images = root / "Flicker8k_Dataset"
    images.mkdir(parents=True)
    photos = {"100_a.jpg": skdata.astronaut(), "101_b.jpg": skdata.chelsea(),
              "102_c.jpg": skdata.coffee(), "103_d.jpg": skdata.rocket()}
    lines = []
    for name, im in photos.items():
        Image.fromarray(im).resize((80, 64)).save(images / name)
        for k, c in enumerate([f"A photo called {name[4]} .", f"Something {name[4]} here ."]):
            lines.append(f"{name}#{k}\t{c}")
    text = root / "Flickr8k_text"
    text.mkdir()
    (text / "Flickr8k.token.txt").write_text("\n".join(lines) + "\n")
    (text / "Flickr_8k.trainImages.txt").write_text("100_a.jpg\n101_b.jpg\n")
    (text / "Flickr_8k.devImages.txt").write_text("102_c.jpg\n")
    (text / "Flickr_8k.testImages.txt").write_text("103_d.jpg\n")
    cfg = Config(data="flickr8k", data_path=str(root), encoder="efficientnet-lite0",
                 image_size=64, epochs=1, min_count=1, hidden=16, embed=8, img_bottleneck=8,
                 logit_bottleneck=8, batch_size=2, beam_width=2)
    try:
        out, result = run_task(captioning, cfg, tmp_path / "run")
    except MissingDataError as e:  # the EfficientNet weights are not in the store
        pytest.skip(str(e))
    assert result.metrics["train_images"] == 2 and result.metrics["test_images"] == 1
    row = json.loads((out / "captions_test.jsonl").read_text())
    assert Path(row["file"]).name == "103_d.jpg"
    assert row["references"] == ["a photo called d", "something d here"]


def test_annotations_end_with_each_locations_x_and_y():
    from deepgrad.tasks.captioning.features import with_positions

    ann = np.arange(2 * 6 * 3, dtype=np.float32).reshape(2, 6, 3)  # a 2 x 3 map, row-major
    out = with_positions(ann, 2, 3)
    assert out.shape == (2, 6, 5) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:, :, :3], ann)
    np.testing.assert_array_equal(out[1, :, 3], [-1, 0, 1, -1, 0, 1])  # x: left to right
    np.testing.assert_array_equal(out[1, :, 4], [-1, -1, -1, 1, 1, 1])  # y: top to bottom
    with pytest.raises(ValueError, match="6 annotations for a 3 x 3 map"):
        with_positions(ann, 3, 3)


def test_the_scene_encoders_annotations_are_its_class_scores_then_xy(quick_run):
    out, _ = quick_run
    cap = load_run(out)
    x = cap.inputs(sorted((out / "scenes" / "test2014").glob("*.png"))[:3])
    vec, ann = cap.encoder.encode(x)
    net = cap.encoder.net
    from deepgrad.tensor import Tensor, no_grad

    with no_grad():
        m = net.feature_map(Tensor(x[:, None].astype(np.float32) / np.float32(255)))
    # location (row 2, column 5) of the 8 x 8 map: the classifier's scores read there
    cell = np.asarray(m.data)[:, :, 2, 5] @ np.asarray(net.classifier.weight.data).T
    np.testing.assert_allclose(ann[:, 2 * 8 + 5, :10], cell + net.classifier.bias.data,
                               rtol=1e-5, atol=1e-5)
    assert vec.shape == (3, 2048) and ann.shape == (3, 64, 12)
    np.testing.assert_allclose(ann[0, 2 * 8 + 5, 10:], [-1 + 2 * 5 / 7, -1 + 2 * 2 / 7],
                               rtol=1e-6)
