"""The pos-tagger task: its data pipeline on a tiny corpus written in Brown's format, the whole
run on that corpus (fast), the QUICK config on the real Brown corpus (default suite), an
interrupted and resumed run against an uninterrupted one (QUICK and tiny), and the course's full
setting with its targets (slow)."""

import json
from collections import Counter

import numpy as np
import pytest

from deepgrad.cli import main
from deepgrad.tasks import TaskError, get_task, load_run, run_task
from deepgrad.tasks.pos_tagger import Config, Tagger
from deepgrad.tasks.pos_tagger.corpus import (
    IGNORE,
    Encoder,
    make_batches,
    most_frequent_tag_baseline,
    split_sentences,
    tokenize,
)
from deepgrad.train.checkpoint import load_checkpoint

pos = get_task("pos-tagger")

_TEMPLATES = [
    "The/at {n}/nn {v}/vbd a/at {a}/jj {n}/nn ./.",
    "A/at {a}/jj {n}/nn {v}/vbd quickly/rb ./.",
    "He/pps {v}/vbd the/at {n}/nn and/cc the/at {n}/nn ./.",
    "She/pps was/bedz n't/* {a}/jj ,/, he/pps said/vbd ./.",
    "{N}/np {v}/vbd three/cd {n}/nns in/in the/at {n}/nn ./.",
]
_NOUNS = ["dog", "cat", "house", "river", "jury", "city", "car", "tree"]
_VERBS = ["saw", "took", "found", "liked", "made"]
_ADJS = ["old", "big", "green", "quiet"]


@pytest.fixture
def tiny_brown(tmp_path):
    """120 sentences in two Brown files (tab-indented, one sentence per line, word/tag)."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "brown"
    folder.mkdir()
    for fid in ("ca01", "cp01"):
        lines = []
        for _ in range(60):
            t = _TEMPLATES[rng.integers(len(_TEMPLATES))]
            lines.append("\t" + t.format(n=rng.choice(_NOUNS), v=rng.choice(_VERBS),
                                         a=rng.choice(_ADJS), N=rng.choice(["Fulton", "Rome"])))
        (folder / fid).write_text("\n\n" + "\n\n".join(lines) + "\n")
    (folder / "cats.txt").write_text("ca01 news\ncp01 romance\n")
    return folder


def _sents():
    return [[("the", "DET"), ("dog", "NOUN"), ("ran", "VERB")],
            [("a", "DET"), ("dog", "NOUN")],
            [("cats", "NOUN"), ("ran", "VERB"), ("far", "ADV"), ("away", "ADV")]]


def test_batches_are_time_major_right_padded_and_index_the_distinct_words():
    enc = Encoder.build(_sents(), max_words=3)
    assert enc.words[:2] == ["<pad>", "<unk>"] and len(enc.words) == 5
    assert enc.words[2:] == ["dog", "ran", "a"]  # by count, ties alphabetically
    b = next(make_batches(enc, _sents(), 3, chars=True))
    assert b.words.shape == b.tags.shape == (4, 3)
    assert b.order.tolist() == [1, 0, 2]  # sorted by length for evaluation
    assert b.lengths.tolist() == [2, 3, 4]
    assert (b.tags == IGNORE).sum() == 3 and (b.words[b.tags == IGNORE] == 0).all()
    np.testing.assert_array_equal(b.mask, np.arange(4)[:, None] < b.lengths[None])
    assert b.words[0, 2] == 1  # "cats" is outside the 3-word vocabulary
    # every real position's word_index points at that word's characters
    for t in range(4):
        for n in range(3):
            if b.mask[t, n]:
                word = _sents()[b.order[n]][t][0]
                u = b.word_index[t, n]
                chars = b.chars[: b.char_lengths[u], u]
                assert "".join(enc.chars[c] for c in chars) == word
    assert len(set(b.word_index[b.mask].tolist())) == b.chars.shape[1] == 7  # distinct words
    assert b.tags[0, 0] == enc.tag_id["DET"]


def test_long_words_keep_prefix_and_suffix_and_unknown_characters_are_unk():
    enc = Encoder(["x"], list("abcdefghijklmnopqrstuvwxyz"))
    ids = enc.encode_chars("internationalization")  # 20 characters: kept whole
    assert len(ids) == 20
    ids = enc.encode_chars("antidisestablishmentarianism")
    assert "".join(enc.chars[i] for i in ids) == "antidisest" + "ntarianism"
    assert enc.encode_chars("é") == [1]


def test_empty_sentence_is_refused():
    enc = Encoder.build(_sents())
    with pytest.raises(ValueError, match="empty sentence"):
        list(make_batches(enc, [[]], 2, chars=False))


def test_split_is_sklearns_and_baseline_is_most_frequent_tag():
    sents = [[(f"w{i}", "NOUN")] for i in range(20)]
    train, test = split_sentences(sents)
    from sklearn.model_selection import train_test_split

    a, b = train_test_split(sents, test_size=0.25, random_state=42)
    assert train == a and test == b and len(test) == 5
    train = [[("run", "VERB"), ("run", "NOUN"), ("run", "VERB"), ("the", "DET")]]
    test = [[("run", "VERB"), ("the", "DET"), ("zzz", "VERB"), ("run", "NOUN")]]
    # run -> VERB (2 of 3), the -> DET, unseen -> VERB (most frequent overall): 3 of 4 right
    assert most_frequent_tag_baseline(train, test) == 0.75


def test_tokenize():
    assert tokenize("The jury said, \"it's 3.5 percent\"; isn't it?") == [
        "The", "jury", "said", ",", '"', "it's", "3.5", "percent", '"', ";", "isn't", "it", "?"]


def test_run_on_a_tiny_brown_corpus_and_tag_from_the_cli(tiny_brown, tmp_path, capsys):
    out = tmp_path / "run"
    cfg = Config(epochs=4, batch_size=8, lr=1e-2, embedding_dim=16, hidden_size=16,
                 char_embedding_dim=8, char_hidden_size=8, data_path=str(tiny_brown))
    _, result = run_task(pos, cfg, out)
    m = result.metrics
    for kind in ("simple_rnn", "bilstm", "char_bilstm"):
        assert 0 <= m[f"test_accuracy_{kind}"] <= 1
        assert f"oov_accuracy_{kind}" in m
    best = ("simple_rnn", "bilstm", "char_bilstm")[m["best_model"]]
    assert m["test_accuracy"] == m[f"test_accuracy_{best}"]
    assert (out / "best_model.txt").read_text().strip() == best
    assert 0.5 < m["baseline_accuracy"] <= 1
    assert max(m[f"test_accuracy_{k}"] for k in ("bilstm", "char_bilstm")) > 0.8, m
    assert json.loads((out / "metrics.json").read_text()) == m
    for a in result.artifacts.values():
        assert (out / a).is_file()
    tagger = load_run(out)
    assert isinstance(tagger, Tagger)
    tagged = tagger.tag("The dog saw a big cat .")
    assert [w for w, _ in tagged] == ["The", "dog", "saw", "a", "big", "cat", "."]
    assert {t for _, t in tagged} <= set(pos.UNIVERSAL_TAGS)
    # an unseen long word, unknown characters, a sentence longer than any seen: all tagged
    long = " ".join(["the dog saw a cat ."] * 12) + " Zürich"
    assert len(tagger.tag(long)) == 73
    with pytest.raises(TaskError, match="empty"):
        tagger.tag("   ")
    capsys.readouterr()
    assert main(["tag", "The dog saw a big cat .", "--run", str(out), "--model", "bilstm"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("The/") and len(line.split()) == 7
    assert main(["tag", "", "--run", str(out)]) == 2
    assert "empty" in capsys.readouterr().err
    assert main(["tag", "x", "--run", str(tmp_path / "nowhere")]) == 2


def test_bad_models_field_is_refused(tiny_brown, tmp_path):
    with pytest.raises(TaskError, match="models must be"):
        run_task(pos, Config(models="bilstm,gru", data_path=str(tiny_brown)), tmp_path / "r")


def test_quick_on_the_brown_corpus(tmp_path):
    _, result = run_task(pos, pos.QUICK, tmp_path / "quick")
    m = result.metrics
    from deepgrad.data import brown_corpus

    test = split_sentences([s for s in brown_corpus()[:600] if s])[1]
    majority = Counter(t for s in test for _, t in s).most_common(1)[0][1] / m["test_tokens"]
    for kind in ("simple_rnn", "bilstm", "char_bilstm"):
        assert m[f"test_accuracy_{kind}"] > majority + 0.1, (kind, m, majority)
    assert m["test_oov_tokens"] > 0 and m["oov_accuracy"] is not None


@pytest.mark.slow
def test_full_course_setting_reaches_the_targets(tmp_path):
    _, result = run_task(pos, Config(), tmp_path / "full")
    m = result.metrics
    assert m["test_accuracy_simple_rnn"] > 0.94, m
    assert m["test_accuracy_bilstm"] > 0.96, m
    assert m["test_accuracy"] >= 0.970, m
    assert m["test_accuracy"] > m["baseline_accuracy"], m


def _run_cut_and_resume(monkeypatch, cfg, out, crash_after, seed):
    """Run ``cfg`` in ``out``, stopping it (KeyboardInterrupt) right after state file number
    ``crash_after`` is written; resume it; return the resumed Result and the files the resumed
    run wrote."""
    import deepgrad.train.epochs as epochs

    real, states, written = epochs.save_checkpoint, [], []

    def crash(path, *args, **kwargs):
        real(path, *args, **kwargs)
        if path.name.startswith("state_"):
            states.append(path.name)
            if len(states) == crash_after:
                raise KeyboardInterrupt

    monkeypatch.setattr(epochs, "save_checkpoint", crash)
    with pytest.raises(KeyboardInterrupt):
        run_task(pos, cfg, out, seed=seed)

    def record(path, *args, **kwargs):
        written.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(epochs, "save_checkpoint", record)
    _, result = run_task(pos, None, out, resume=True)
    monkeypatch.setattr(epochs, "save_checkpoint", real)
    return result, states, written


def _without_timings(m):
    return {k: v for k, v in m.items() if not k.startswith("epoch_seconds_")}


def test_quick_resumed_after_an_interruption_equals_an_uninterrupted_run(tmp_path, monkeypatch):
    # QUICK: simple_rnn, bilstm, char_bilstm, 2 epochs each; the power goes off after bilstm's
    # first epoch (the third state file written): simple_rnn is finished, bilstm half done
    _, whole = run_task(pos, pos.QUICK, tmp_path / "whole", seed=7)
    cut = tmp_path / "cut"
    resumed, states, written = _run_cut_and_resume(monkeypatch, pos.QUICK, cut, 3, seed=7)
    assert states == ["state_simple_rnn.npz"] * 2 + ["state_bilstm.npz"]
    assert "state_simple_rnn.npz" not in written  # the finished model is not trained again
    assert written.count("state_bilstm.npz") == 1 and written.count("state_char_bilstm.npz") == 2
    assert _without_timings(resumed.metrics) == _without_timings(whole.metrics)
    assert json.loads((cut / "metrics.json").read_text()) == resumed.metrics
    for kind in ("simple_rnn", "bilstm", "char_bilstm"):  # the very same best weights
        a = load_checkpoint(tmp_path / "whole" / f"{kind}.npz")["model"]
        b = load_checkpoint(cut / f"{kind}.npz")["model"]
        for name in a:
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"{kind} {name}")
    assert load_run(cut).tag("The old man the boat .") == load_run(tmp_path / "whole").tag(
        "The old man the boat .")


def test_resume_between_two_models_on_a_tiny_corpus(tiny_brown, tmp_path, monkeypatch):
    # interrupted right after simple_rnn's last epoch, before bilstm has a state file; ties in
    # validation accuracy are likely on 31 validation words: the first best epoch is kept
    cfg = Config(models="simple_rnn,bilstm", epochs=3, batch_size=16, lr=3e-2, embedding_dim=8,
                 hidden_size=8, dropout=0.5, data_path=str(tiny_brown))
    _, whole = run_task(pos, cfg, tmp_path / "whole", seed=1)
    resumed, _, written = _run_cut_and_resume(monkeypatch, cfg, tmp_path / "cut", 3, seed=1)
    assert written.count("state_bilstm.npz") == 3 and "state_simple_rnn.npz" not in written
    assert _without_timings(resumed.metrics) == _without_timings(whole.metrics)
    assert "simple_rnn: trained earlier" in (tmp_path / "cut" / "log.txt").read_text()


def test_duplicate_models_are_refused(tiny_brown, tmp_path):
    with pytest.raises(TaskError, match="each at most once"):
        run_task(pos, Config(models="bilstm,bilstm", data_path=str(tiny_brown)), tmp_path / "r")
