import importlib
import io
import tarfile

import pytest

from conftest import leftovers, md5
from deepgrad.data import DataError, names
from deepgrad.data.names import read_census_names

names_mod = importlib.import_module("deepgrad.data.names")

MALE = "JAMES          3.318  3.318      1\nJOHN           3.271  6.589      2\n"
FEMALE = "MARY           2.629  2.629      1\nJEAN           0.1    2.729      2\n"


def test_read_census_names(tmp_path):
    (tmp_path / "dist.male.first").write_text(MALE)
    (tmp_path / "dist.female.first").write_text(FEMALE)
    assert read_census_names(tmp_path / "dist.male.first") == [("James", 3.318), ("John", 3.271)]
    assert names(tmp_path) == [("James", "male"), ("John", "male"), ("Mary", "female"),
                               ("Jean", "female")]
    (tmp_path / "dist.male.first").write_text("JAMES 3.3\n")
    with pytest.raises(DataError, match=r"dist.male.first:1"):
        names(tmp_path)


def _sdist(path, files):
    with tarfile.open(path, "w:gz") as tf:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"names-0.3.0/names/{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def test_obtain_from_sdist(store, tmp_path, monkeypatch):
    files = {"dist.male.first": MALE, "dist.female.first": FEMALE, "dist.all.last": "SMITH 1 1 1\n"}
    sdist = _sdist(tmp_path / "names-0.3.0.tar.gz", files)
    monkeypatch.setattr(names_mod, "pip_download", lambda spec, dest, sdist=False: sdist_path)
    sdist_path = sdist
    monkeypatch.setattr(names_mod, "NAMES_FILES", {k: md5(v.encode()) for k, v in files.items()})
    assert len(names()) == 4
    assert (store / "names" / "dist.all.last").is_file()


def test_obtain_bad_checksum_writes_nothing(store, tmp_path, monkeypatch):
    files = {"dist.male.first": MALE, "dist.female.first": FEMALE, "dist.all.last": "X 1 1 1\n"}
    sdist = _sdist(tmp_path / "names-0.3.0.tar.gz", files)
    monkeypatch.setattr(names_mod, "pip_download", lambda spec, dest, sdist=False: sdist_path)
    sdist_path = sdist
    with pytest.raises(DataError, match="MD5"):
        names()
    assert not (store / "names" / "dist.male.first").exists() and leftovers(store) == []


@pytest.mark.slow
def test_real_names():
    if not names_mod._present():
        pytest.skip("names not in the store (run `deepgrad data get names`)")
    n = names()
    assert len(n) > 5000 and len({x for x, _ in n}) == 5163
    assert n[0] == ("James", "male") and ("Mary", "female") in n
