import io
import pickle
import tarfile

import numpy as np
import pytest
from py2pickle import dumps_py2

from deepgrad.data import DataError, MissingDataError, cifar10, cifar100
from deepgrad.data.safe_pickle import load_restricted

RNG = np.random.default_rng(0)


def _batch(n, key=b"labels", classes=10, extra=None):
    d = {b"batch_label": b"training batch 1 of 5",
         key: [int(v) for v in RNG.integers(0, classes, n)],
         b"data": RNG.integers(0, 256, (n, 3072), dtype=np.uint8),
         b"filenames": [b"img_%d.png" % i for i in range(n)]}
    d.update(extra or {})
    return d


def _tar(path, members):
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def _cifar10_python(folder):
    batches = {f"data_batch_{i}": _batch(3) for i in range(1, 6)}
    batches["test_batch"] = _batch(2)
    members = {f"cifar-10-batches-py/{k}": dumps_py2(v) for k, v in batches.items()}
    members["cifar-10-batches-py/batches.meta"] = dumps_py2(
        {b"label_names": [b"airplane"], b"num_cases_per_batch": 10000, b"num_vis": 3072})
    folder.mkdir(parents=True, exist_ok=True)
    return _tar(folder / "cifar-10-python.tar.gz", members), batches


def test_cifar10_python_tarball(tmp_path):
    tgz, batches = _cifar10_python(tmp_path)
    (xtr, ytr), (xte, yte) = cifar10(tmp_path, verify=False)
    assert xtr.shape == (15, 3, 32, 32) and xtr.dtype == np.uint8 and ytr.dtype == np.int64
    assert xte.shape == (2, 3, 32, 32) and yte.tolist() == batches["test_batch"][b"labels"]
    first = batches["data_batch_1"][b"data"][0]
    assert np.array_equal(xtr[0, 0].ravel(), first[:1024])  # channel-planar red plane
    (xl, _), _ = cifar10(tgz, channels_last=True, verify=False)
    assert xl.shape == (15, 32, 32, 3) and np.array_equal(xl[0, :, :, 2].ravel(), first[2048:])


def test_cifar10_extracted_folder_and_binary(tmp_path):
    py = tmp_path / "py" / "cifar-10-batches-py"
    py.mkdir(parents=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (py / name).write_bytes(dumps_py2(_batch(2)))
    (xtr, _), _ = cifar10(tmp_path / "py")
    assert xtr.shape == (10, 3, 32, 32)
    binf = tmp_path / "bin" / "cifar-10-batches-bin"
    binf.mkdir(parents=True)
    recs = {}
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        labels = RNG.integers(0, 10, 2, dtype=np.uint8)
        pix = RNG.integers(0, 256, (2, 3072), dtype=np.uint8)
        recs[name] = (labels, pix)
        (binf / name).write_bytes(np.concatenate([labels[:, None], pix], 1).tobytes())
    (xtr, ytr), (xte, yte) = cifar10(tmp_path / "bin")
    assert ytr[:2].tolist() == recs["data_batch_1.bin"][0].tolist()
    assert np.array_equal(xte.reshape(2, -1), recs["test_batch.bin"][1])
    (binf / "test_batch.bin").write_bytes((binf / "test_batch.bin").read_bytes()[:-7])
    with pytest.raises(DataError, match="truncated"):
        cifar10(tmp_path / "bin")


def test_cifar100_python_and_binary(tmp_path):
    fine = {b"fine_labels": [1, 99, 5], b"coarse_labels": [0, 19, 3]}
    tr = _batch(3, b"fine_labels", 100, extra=fine)
    te = _batch(1, b"fine_labels", 100, extra={b"fine_labels": [7], b"coarse_labels": [2]})
    _tar(tmp_path / "cifar-100-python.tar.gz", {"cifar-100-python/train": dumps_py2(tr),
                                                 "cifar-100-python/test": dumps_py2(te)})
    (_, ytr), (_, yte) = cifar100(tmp_path, verify=False)
    assert ytr.tolist() == [1, 99, 5] and yte.tolist() == [7]
    (_, ytr), _ = cifar100(tmp_path, label_mode="coarse", verify=False)
    assert ytr.tolist() == [0, 19, 3]
    b = tmp_path / "b" / "cifar-100-binary"
    b.mkdir(parents=True)
    rec = np.concatenate([np.array([[4, 44]], np.uint8), np.zeros((1, 3072), np.uint8)], 1)
    (b / "train.bin").write_bytes(rec.tobytes())
    (b / "test.bin").write_bytes(rec.tobytes())
    assert cifar100(tmp_path / "b")[0][1].tolist() == [44]
    assert cifar100(tmp_path / "b", label_mode="coarse")[0][1].tolist() == [4]


def test_restricted_unpickler_refuses_other_globals():
    evil = pickle.dumps({"data": print}, protocol=2)
    with pytest.raises(DataError, match=r"refusing to unpickle global .*print"):
        load_restricted(evil, "evil")

    class Boom:
        def __reduce__(self):
            import os
            return (os.system, ("echo pwned",))

    with pytest.raises(DataError, match="refusing"):
        load_restricted(pickle.dumps(Boom(), protocol=2), "boom")
    # Python 3's own protocol-2 bytes go through _codecs.encode: not in the official files
    with pytest.raises(DataError, match="_codecs"):
        load_restricted(pickle.dumps({b"a": b"b"}, protocol=2))


def test_truncated_pickle_and_archive(tmp_path):
    good = dumps_py2(_batch(2))
    with pytest.raises(DataError, match="truncated"):
        load_restricted(good[: len(good) // 2], "half")
    tgz, _ = _cifar10_python(tmp_path / "t")
    raw = tgz.read_bytes()
    tgz.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match="corrupt or truncated"):
        cifar10(tmp_path / "t", verify=False)


def test_official_archive_md5_checked(tmp_path):
    _cifar10_python(tmp_path)
    with pytest.raises(DataError, match="MD5"):
        cifar10(tmp_path)  # a fixture is not the official archive


def test_missing_cifar_names_file_and_folder(store):
    with pytest.raises(MissingDataError) as e:
        cifar10()
    assert "cifar-10-python.tar.gz" in str(e.value) and str(store / "cifar10") in str(e.value)
