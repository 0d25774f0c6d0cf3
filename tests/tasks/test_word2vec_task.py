"""The word2vec task: QUICK on a real slice of Brown (one shared run) scored on the real
benchmarks exactly as gensim scores the same vectors; the CLI verbs; the other corpora; bad
input with clear messages; the full config (slow) against the issue's gensim figures."""

import json

import numpy as np
import pytest

from deepgrad.cli import main
from deepgrad.tasks import TaskError, load_run, run_task, word2vec
from deepgrad.tasks.word2vec import Config

NAMES = ["wordsim353_spearman", "simlex999_spearman", "analogy_accuracy", "oov_wordsim353",
         "oov_simlex999", "oov_analogy", "words_per_second"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("w2v") / "run"
    return run_task(word2vec, None, out, quick=True)


def test_quick_run_on_brown_reports_the_issues_metrics(quick_run):
    out, result = quick_run
    m = result.metrics
    assert set(NAMES) <= set(m) and json.loads((out / "metrics.json").read_text()) == m
    for k in ("oov_wordsim353", "oov_simlex999", "oov_analogy"):
        assert 0 < m[k] < 100, k
    assert m["words_per_second"] > 0 and m["vocab_size"] > 1000
    # 430k words, 3 epochs: weak, but the vectors carry meaning (random ones: ~0)
    assert m["wordsim353_spearman"] > 0.05 and m["simlex999_spearman"] > 0.03
    for a in result.artifacts.values():
        assert (out / a).is_file(), a
    info = json.loads((out / "config.json").read_text())
    assert "word_benchmarks/wordsim353.tsv" in info["data"]


def test_evaluation_equals_gensims_on_the_same_vectors(quick_run):
    gensim = pytest.importorskip("gensim")
    from deepgrad.data.word_benchmarks import benchmark_path

    out, result = quick_run
    m = result.metrics
    kv = gensim.models.KeyedVectors.load_word2vec_format(str(out / "vectors.txt"))
    assert kv.index_to_key == load_run(out).index_to_key
    _, ws, ws_oov = kv.evaluate_word_pairs(str(benchmark_path("wordsim353.tsv")))
    _, sl, sl_oov = kv.evaluate_word_pairs(str(benchmark_path("simlex999.txt")))
    acc, sections = kv.evaluate_word_analogies(str(benchmark_path("questions-words.txt")),
                                               restrict_vocab=30000)
    assert m["wordsim353_spearman"] == pytest.approx(ws[0], abs=1e-9)
    assert m["simlex999_spearman"] == pytest.approx(sl[0], abs=1e-9)
    assert m["oov_wordsim353"] == pytest.approx(ws_oov) and m["oov_simlex999"] == \
        pytest.approx(sl_oov)
    assert m["analogy_accuracy"] == pytest.approx(acc, abs=1e-12)
    scored = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
    assert m["analogy_questions"] == scored
    assert m["oov_analogy"] == pytest.approx(100 * (19544 - scored) / 19544)


def test_similar_and_analogy_verbs(quick_run, capsys):
    out, _ = quick_run
    kv = load_run(out)
    assert main(["similar", "Man", "--run", str(out), "--n", "4"]) == 0
    text = capsys.readouterr().out
    expect = [w for w, _ in kv.most_similar("man", topn=4)]
    assert "nearest to 'man'" in text and all(w in text for w in expect)
    assert main(["analogy", "man", "king", "woman", "--run", str(out), "--n", "3"]) == 0
    text = capsys.readouterr().out
    assert "man is to king as woman is to:" in text
    assert all(w in text for w, _ in kv.analogy("man", "king", "woman", topn=3))
    assert main(["similar", "kingg", "--run", str(out)]) == 2
    err = capsys.readouterr().err
    assert "'kingg' is not in the vocabulary" in err and "king" in err.split("close words")[1]


def test_verbs_without_a_run(out_root, capsys):
    assert main(["similar", "man"]) == 2
    assert "no finished run of word2vec" in capsys.readouterr().err


def test_plain_text_corpus(tmp_path):
    rng = np.random.default_rng(0)
    topics = [[f"a{i}" for i in range(6)], [f"b{i}" for i in range(6)]]
    text = "\n".join(" ".join(rng.choice(topics[k % 2], 8)) for k in range(300))
    (tmp_path / "c.txt").write_text(text.upper() + "\n\n")
    cfg = Config(corpus=str(tmp_path / "c.txt"), vector_size=10, window=3, min_count=1,
                 epochs=3, sample=0, workers=1, map_words="a0 a1 b0 b1")
    out, result = run_task(word2vec, cfg, tmp_path / "run")
    kv = load_run(out)
    assert "a0" in kv and "A0" not in kv  # lower-cased
    m = result.metrics
    assert m["vocab_size"] == 12 and m["oov_wordsim353"] == 100.0 and m["oov_analogy"] == 100.0
    assert m["wordsim353_spearman"] is None and m["analogy_accuracy"] is None
    assert (out / "map.png").is_file()


def test_text_corpus_tokens(tmp_path):
    from deepgrad.tasks.word2vec.corpora import read_text_corpus

    (tmp_path / "t.txt").write_text("It was _very_ Good, Sir!\n\n  \nDon't stop.\n")
    assert read_text_corpus(tmp_path / "t.txt") == [["it", "was", "very", "good", "sir"],
                                                    ["don", "t", "stop"]]


def test_austen_corpus_slice(tmp_path):
    pytest.importorskip("rdata")
    cfg = Config(corpus="austen", limit=1500, vector_size=10, window=3, epochs=1,
                 workers=1)
    out, result = run_task(word2vec, cfg, tmp_path / "run")
    assert result.metrics["vocab_size"] > 100
    assert any(k.startswith("janeausten/") for k in json.loads(
        (out / "config.json").read_text())["data"])
    assert "elizabeth" in load_run(out) or "marianne" in load_run(out)


@pytest.mark.parametrize("content, match", [
    (b"", "the file is empty"),
    (b"   \n\n", "the file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a binary file"),
    (b"caf\xe9 au lait\n", "not UTF-8 text"),
    (b"... !!! ???\n", "no words in the file"),
    (b"one two three one\n", r"min_count=5.*'one', 2 times"),
])
def test_bad_corpus_files(tmp_path, content, match):
    p = tmp_path / "corpus.txt"
    p.write_bytes(content)
    with pytest.raises(TaskError, match=match):
        run_task(word2vec, Config(corpus=str(p)), tmp_path / "run")


def test_missing_corpus_and_bad_settings(tmp_path):
    with pytest.raises(TaskError, match="no such file"):
        run_task(word2vec, Config(corpus=str(tmp_path / "nope.txt")), tmp_path / "r1")
    with pytest.raises(TaskError, match="--window must be >= 1"):
        run_task(word2vec, Config(window=0), tmp_path / "r2")


@pytest.mark.slow
def test_full_config_on_brown_reaches_gensims_figures(tmp_path):
    # the issue: gensim 4 on lowercased Brown, this setting, scores 0.25 on WordSim-353 with
    # ~22% of the pairs out of vocabulary, and 3.5% on the analogies (its notebook)
    out, result = run_task(word2vec, Config(), tmp_path / "run")
    m = result.metrics
    assert m["wordsim353_spearman"] >= 0.22
    assert 20 < m["oov_wordsim353"] < 25
    assert m["analogy_accuracy"] > 0.01
