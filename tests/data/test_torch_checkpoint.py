"""load_torch_state_dict: torch.save files (zip and legacy), safetensors, npz; refusing code."""

import io
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy as np
import pytest

import deepgrad
from deepgrad.data.torch_checkpoint import LEGACY_MAGIC, CheckpointError, load_torch_checkpoint

torch = pytest.importorskip("torch")


def _tensors():
    g = torch.Generator().manual_seed(0)
    base = torch.randn(4, 6, generator=g, dtype=torch.float64)
    return {
        "f64": base,
        "f32": torch.randn(3, 2, generator=g),
        "i64": torch.arange(-3, 7),
        "bool": torch.tensor([True, False, True]),
        "transposed": base.t(),  # non-contiguous view of a shared storage
        "offset": base[1:, 2:],  # storage offset 8, strides (6, 1)
        "strided": base[::2, ::3],
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
        "param": torch.nn.Parameter(torch.ones(2, 2)),
    }


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "legacy"])
def test_torch_save_roundtrip(tmp_path, zipped):
    d = _tensors()
    path = tmp_path / "ckpt.pt"
    torch.save(d, path, _use_new_zipfile_serialization=zipped)
    with open(path, "rb") as f:  # the format asked for really was written
        assert (f.read(2) == b"PK") == zipped
    out = deepgrad.load_torch_state_dict(path)
    assert list(out) == list(d)
    for k, t in d.items():
        ref = t.detach().numpy()
        assert out[k].dtype == ref.dtype, k
        assert out[k].shape == ref.shape, k
        np.testing.assert_array_equal(out[k], ref, err_msg=k)
        assert out[k].flags.c_contiguous


def test_nested_checkpoint_and_wrapped_state_dict(tmp_path):
    path = tmp_path / "wrapped.pt"
    torch.save({"state_dict": {"w": torch.ones(3)}, "epoch": 3}, path)
    np.testing.assert_array_equal(deepgrad.load_torch_state_dict(path)["w"], np.ones(3, "f4"))
    whole = load_torch_checkpoint(path)
    assert whole["epoch"] == 3


def test_big_endian_zip(tmp_path):
    """A zip checkpoint whose byteorder file says big: the raw storages are big-endian."""
    path = tmp_path / "le.pt"
    torch.save({"x": torch.arange(5, dtype=torch.float32)}, path)
    src = zipfile.ZipFile(path)
    big = tmp_path / "be.pt"
    with zipfile.ZipFile(big, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in info.filename and not info.filename.endswith(".pkl"):
                data = np.frombuffer(data, "<f4").astype(">f4").tobytes()
            dst.writestr(info, data)
    np.testing.assert_array_equal(deepgrad.load_torch_state_dict(big)["x"], np.arange(5.0))


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "legacy"])
def test_malicious_pickle_is_refused_and_never_runs(tmp_path, zipped):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"w": torch.ones(2), "x": _Evil(marker)}, path,
               _use_new_zipfile_serialization=zipped)
    assert not marker.exists()
    with pytest.raises(CheckpointError) as e:
        deepgrad.load_torch_state_dict(path)
    msg = str(e.value)
    assert str(path) in msg
    assert os.system.__module__ + ".system" in msg  # the refused global, by name
    assert not marker.exists()


def test_the_payload_is_live(tmp_path):
    """The same payload under plain pickle does run: the refusal test above could fail."""
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(_Evil(marker)))
    assert marker.exists()


def _legacy_file(path, main: bytes, keys=(), raw=b""):
    with open(path, "wb") as f:
        for obj in (LEGACY_MAGIC, 1001, {"little_endian": True}):
            pickle.dump(obj, f, protocol=2)
        f.write(main)
        pickle.dump(list(keys), f, protocol=2)
        f.write(raw)


def test_crafted_builtins_eval_refused(tmp_path):
    marker = tmp_path / "m"
    code = f"open({str(marker)!r}, 'w')".encode()
    # builtins.eval(code) written by hand: GLOBAL, BINUNICODE, TUPLE1, REDUCE, STOP
    main = b"\x80\x02cbuiltins\neval\nX" + struct.pack("<I", len(code)) + code + b"\x85R."
    assert not marker.exists()
    path = tmp_path / "eval.pt"
    _legacy_file(path, main)
    with pytest.raises(CheckpointError, match="builtins.eval"):
        deepgrad.load_torch_state_dict(path)
    assert not marker.exists()


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "legacy"])
def test_truncated_and_corrupt_files(tmp_path, zipped):
    path = tmp_path / "ok.pt"
    torch.save({"w": torch.randn(100, 10)}, path, _use_new_zipfile_serialization=zipped)
    blob = path.read_bytes()
    for cut in (3, len(blob) // 3, len(blob) - 100):
        bad = tmp_path / f"cut{cut}.pt"
        bad.write_bytes(blob[:cut])
        with pytest.raises(CheckpointError, match=str(bad)):
            deepgrad.load_torch_state_dict(bad)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"hello, not a checkpoint")
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint"):
        deepgrad.load_torch_state_dict(junk)
    with pytest.raises(CheckpointError, match="no such file"):
        deepgrad.load_torch_state_dict(tmp_path / "absent.pt")


def test_tensor_outside_its_storage_is_refused(tmp_path):
    """A legacy pickle whose tensor view runs past its 4-element storage."""

    class _Storage:
        pass

    buf = io.BytesIO()

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, _Storage):
                return ("storage", torch.FloatStorage, "0", "cpu", 4, None)
            return None

    class _Rebuild:
        def __reduce__(self):
            return (torch._utils._rebuild_tensor_v2, (_Storage(), 2, (5,), (1,), False, {}))

    P(buf, protocol=2).dump({"w": _Rebuild()})
    path = tmp_path / "bad_view.pt"
    _legacy_file(path, buf.getvalue(), ["0"], struct.pack("<q", 4) + np.ones(4, "f4").tobytes())
    with pytest.raises(CheckpointError, match="storage 0"):
        deepgrad.load_torch_state_dict(path)


def _write_safetensors(path, arrays, tamper=None):
    header, blobs, pos = {"__metadata__": {"format": "pt"}}, [], 0
    codes = {"float32": "F32", "float64": "F64", "int64": "I64", "bool": "BOOL"}
    for k, a in arrays.items():
        raw = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()
        header[k] = {"dtype": codes[a.dtype.name], "shape": list(a.shape),
                     "data_offsets": [pos, pos + len(raw)]}
        blobs.append(raw)
        pos += len(raw)
    if tamper:
        tamper(header)
    h = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def test_safetensors_written_by_hand(tmp_path):
    arrays = {"w": np.arange(6, dtype="f4").reshape(2, 3), "d": np.array([1.5, -2.0]),
              "n": np.array([[3, 4]], dtype="i8"), "m": np.array([True, False])}
    path = tmp_path / "m.safetensors"
    _write_safetensors(path, arrays)
    out = deepgrad.load_torch_state_dict(path)
    assert list(out) == list(arrays)
    for k, a in arrays.items():
        assert out[k].dtype == a.dtype
        np.testing.assert_array_equal(out[k], a)


def test_safetensors_bad_offsets_and_truncation(tmp_path):
    arrays = {"w": np.ones((4, 4), "f4")}
    path = tmp_path / "bad.safetensors"

    def tamper(h):
        h["w"]["data_offsets"] = [0, 80]  # 64 bytes needed

    _write_safetensors(path, arrays, tamper)
    with pytest.raises(CheckpointError, match="data_offsets"):
        deepgrad.load_torch_state_dict(path)
    good = tmp_path / "good.safetensors"
    _write_safetensors(good, arrays)
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(good.read_bytes()[:-10])
    with pytest.raises(CheckpointError, match="cut.safetensors"):
        deepgrad.load_torch_state_dict(cut)


def test_npz_never_unpickles(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, a=np.ones(3, "f4"), b=np.arange(4))
    out = deepgrad.load_torch_state_dict(path)
    np.testing.assert_array_equal(out["b"], np.arange(4))
    obj = tmp_path / "obj.npz"
    np.savez(obj, a=np.array([{"x": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="obj.npz"):
        deepgrad.load_torch_state_dict(obj)


def test_no_torch_import(tmp_path):
    """Loading does not import torch (run in a fresh interpreter)."""
    import subprocess

    path = tmp_path / "c.pt"
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    code = ("import sys, deepgrad; sd = deepgrad.load_torch_state_dict(sys.argv[1]); "
            "assert 'torch' not in sys.modules; print(sd['w'].sum())")
    src = os.path.join(os.path.dirname(deepgrad.__file__), "..")
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2.0"
