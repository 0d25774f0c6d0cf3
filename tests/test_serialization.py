"""dg.save / dg.load: .safetensors checked against the safetensors package's own reader and
writer (and PyTorch's tensors through it), .npz against NumPy's; metadata kept, no pickles,
atomic writes, corrupt files refused naming the file."""

import json
import os
import struct
from collections import OrderedDict

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.data.store import CheckpointError

safetensors_numpy = pytest.importorskip("safetensors.numpy", reason="pip install safetensors")
from safetensors import safe_open  # noqa: E402

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def _arrays() -> OrderedDict:
    """One array per dtype (shapes 0-d to 3-d, one empty), in an order that is not sorted."""
    rng = np.random.default_rng(0)
    out = OrderedDict()
    for i, name in enumerate(reversed(DTYPES)):
        shape = [(), (3,), (2, 5), (2, 3, 4)][i % 4]
        if name == "bool":
            a = rng.random(shape) > 0.5
        elif name.startswith(("int", "uint")):
            info = np.iinfo(name)
            a = rng.integers(info.min, info.max, shape, dtype=name, endpoint=True)
        else:
            a = (rng.standard_normal(shape) * 100).astype(name)
        out[f"layer{i}.{name}"] = np.asarray(a)
    out["empty"] = np.zeros((0, 3), np.float32)
    return out


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_round_trip_keeps_order_dtypes_and_metadata(tmp_path, suffix):
    arrays = _arrays()
    meta = {"format": "pt", "epochs": "3", "note": "héllo \"quoted\""}
    path = dg.save(arrays, tmp_path / f"w{suffix}", metadata=meta)
    back = dg.load(path)
    assert isinstance(back, dg.serialization.StateDict)
    assert list(back) == list(arrays)
    for k, a in arrays.items():
        _same(back[k], a)
    assert back.metadata == meta
    again = dg.save(back, tmp_path / f"again{suffix}")  # a StateDict carries its metadata
    assert dg.load(again).metadata == meta
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_our_safetensors_read_by_the_safetensors_package(tmp_path):
    arrays = _arrays()
    path = dg.save(arrays, tmp_path / "w.safetensors", metadata={"k": "v"})
    theirs = safetensors_numpy.load_file(str(path))
    assert set(theirs) == set(arrays)
    for k, a in arrays.items():
        _same(theirs[k], a)
    with safe_open(str(path), framework="numpy") as f:
        assert f.metadata() == {"k": "v"}
    head = path.read_bytes()
    (n,) = struct.unpack("<Q", head[:8])
    assert (8 + n) % 8 == 0 and head[8 + n - 1:8 + n] in (b" ", b"}")  # 8-byte aligned data


def test_our_safetensors_read_by_torch(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    arrays = _arrays()
    path = dg.save(arrays, tmp_path / "w.safetensors")
    theirs = load_file(str(path))
    for k, a in arrays.items():
        t = theirs[k]
        assert t.dtype == getattr(torch, a.dtype.name) and tuple(t.shape) == a.shape
        np.testing.assert_array_equal(t.numpy(), a)


def test_files_of_the_safetensors_package_read_by_dg_load(tmp_path):
    arrays = dict(_arrays())
    path = tmp_path / "theirs.safetensors"
    safetensors_numpy.save_file(arrays, str(path), metadata={"source": "safetensors"})
    back = dg.load(path)
    assert set(back) == set(arrays) and back.metadata == {"source": "safetensors"}
    for k, a in arrays.items():
        _same(back[k], a)


def test_bfloat16_both_ways(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    t = torch.randn(4, 3, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
    path = tmp_path / "bf.safetensors"
    save_file({"w": t}, str(path))
    back = dg.load(path)["w"]  # widened to float32, exactly
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, t.float().numpy())
    ml_dtypes = pytest.importorskip("ml_dtypes")
    ours = dg.save({"w": back.astype(ml_dtypes.bfloat16)}, tmp_path / "ours.safetensors")
    theirs = load_file(str(ours))["w"]
    assert theirs.dtype == torch.bfloat16 and torch.equal(theirs, t)
    with pytest.raises(TypeError, match="bfloat16"):
        dg.save({"w": back.astype(ml_dtypes.bfloat16)}, tmp_path / "bf.npz")


def test_npz_is_numpys_format_and_never_unpickles(tmp_path):
    arrays = _arrays()
    path = dg.save(arrays, tmp_path / "w.npz", metadata={"a": "1"})
    with np.load(path, allow_pickle=False) as z:
        assert z.files == [*arrays, "__metadata__"]
        for k, a in arrays.items():
            _same(z[k], a)
        assert json.loads(str(z["__metadata__"])) == {"a": "1"}
    plain = tmp_path / "plain.npz"
    np.savez(plain, w=np.ones(3, "f4"))
    assert dg.load(plain).metadata == {} and list(dg.load(plain)) == ["w"]
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, w=np.array([{"x": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="pickled.npz"):
        dg.load(pickled)
    bad_meta = tmp_path / "badmeta.npz"
    np.savez(bad_meta, w=np.ones(2), __metadata__=np.array(json.dumps({"a": 1})))
    with pytest.raises(CheckpointError, match="badmeta.npz.*__metadata__"):
        dg.load(bad_meta)


def test_a_model_round_trips_through_both_formats(tmp_path):
    from deepgrad.models import mnist_cnn

    dg.manual_seed(0)
    model = mnist_cnn()
    for suffix in (".safetensors", ".npz"):
        path = dg.save(model.state_dict(), tmp_path / f"cnn{suffix}")
        dg.manual_seed(1)
        other = mnist_cnn()
        other.load_state_dict(dg.load(path))
        for (k, a), (k2, b) in zip(model.state_dict().items(), other.state_dict().items(),
                                   strict=True):
            assert k == k2
            _same(a, b)
    params = dict(model.named_parameters())  # Parameters (Tensors) are accepted as values
    back = dg.load(dg.save(params, tmp_path / "params.safetensors"))
    _same(back["0.weight"], params["0.weight"].data)


def _write_raw(path, header: dict, data: bytes) -> None:
    h = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(h)) + h + data)


def test_corrupt_safetensors_files_are_refused_naming_the_file(tmp_path):
    good = dg.save({"a": np.ones(4, "f4"), "b": np.arange(2)}, tmp_path / "good.safetensors")
    blob = good.read_bytes()
    cases = {
        "short.safetensors": (blob[:5], "truncated"),
        "cut_header.safetensors": (blob[:20], "header length"),
        "cut_data.safetensors": (blob[:-4], "cut_data"),
    }
    for name, (raw, match) in cases.items():
        (tmp_path / name).write_bytes(raw)
        with pytest.raises(CheckpointError, match=match) as e:
            dg.load(tmp_path / name)
        assert name in str(e.value)
    f4 = {"dtype": "F32", "shape": [2]}
    bad = {
        "overlap": ({"x": {**f4, "data_offsets": [0, 8]}, "y": {**f4, "data_offsets": [4, 12]}},
                    12, "overlap"),
        "hole": ({"x": {**f4, "data_offsets": [0, 8]}, "y": {**f4, "data_offsets": [12, 20]}},
                 20, "belong to no entry"),
        "trailing": ({"x": {**f4, "data_offsets": [0, 8]}}, 12, "entries end at byte 8"),
        "size": ({"x": {**f4, "data_offsets": [0, 4]}}, 4, "data_offsets"),
        "dtype": ({"x": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}}, 4, "dtype"),
        "metadata": ({"__metadata__": {"n": 1}, "x": {**f4, "data_offsets": [0, 8]}}, 8,
                     "__metadata__"),
    }
    for name, (header, size, match) in bad.items():
        path = tmp_path / f"{name}.safetensors"
        _write_raw(path, header, bytes(size))
        with pytest.raises(CheckpointError, match=match) as e:
            dg.load(path)
        assert f"{name}.safetensors" in str(e.value)
    dup = tmp_path / "dup.safetensors"
    h = b'{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' \
        b'"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    dup.write_bytes(struct.pack("<Q", len(h)) + h + bytes(4))
    with pytest.raises(CheckpointError, match="dup.safetensors.*duplicate"):
        dg.load(dup)


def test_save_refuses_what_it_cannot_write(tmp_path):
    with pytest.raises(ValueError, match=r"\.safetensors or \.npz.*load_torch_state_dict"):
        dg.save({"a": np.ones(1)}, tmp_path / "w.pt")
    with pytest.raises(ValueError, match="suffix"):
        dg.load(tmp_path / "w")
    with pytest.raises(TypeError, match="model.state_dict()"):
        dg.save(dg.nn.Linear(2, 2), tmp_path / "w.npz")
    with pytest.raises(ValueError, match="reserved"):
        dg.save({"__metadata__": np.ones(1)}, tmp_path / "w.npz")
    with pytest.raises(TypeError, match="'o'.*object"):
        dg.save({"o": np.array([None])}, tmp_path / "w.safetensors")
    with pytest.raises(TypeError, match="strings"):
        dg.save({"a": np.ones(1)}, tmp_path / "w.safetensors", metadata={"epoch": 3})
    with pytest.raises(ValueError, match="'c'.*complex64"):
        dg.save({"c": np.ones(2, np.complex64)}, tmp_path / "w.safetensors")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch, suffix):
    path = dg.save({"a": np.ones(3)}, tmp_path / f"w{suffix}")
    before = path.read_bytes()

    def boom(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        dg.save({"a": np.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
