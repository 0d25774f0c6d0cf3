import gzip

import numpy as np
import pytest

from deepgrad.data import DataError, read_idx, write_idx
from deepgrad.data.idx import parse_idx


@pytest.mark.parametrize("name", ["x-idx3-ubyte", "x-idx3-ubyte.gz"])
def test_roundtrip_plain_and_gz(tmp_path, name):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    p = write_idx(tmp_path / name, a)
    raw = p.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == name.endswith(".gz")
    b = read_idx(p)
    assert b.dtype == np.uint8 and b.shape == (2, 3, 4) and np.array_equal(a, b)


def test_header_is_big_endian_idx(tmp_path):
    p = write_idx(tmp_path / "l", np.array([1, 2, 3], dtype=np.uint8))
    assert p.read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3])
    f = write_idx(tmp_path / "f", np.array([1.5], dtype=np.float32))
    assert read_idx(f).dtype == np.float32 and read_idx(f)[0] == 1.5


def test_truncated_and_corrupt_files_give_clear_errors(tmp_path):
    a = np.zeros((5, 28, 28), np.uint8)
    raw = write_idx(tmp_path / "a", a).read_bytes()
    (tmp_path / "t").write_bytes(raw[:-10])
    with pytest.raises(DataError, match="truncated"):
        read_idx(tmp_path / "t")
    (tmp_path / "m").write_bytes(b"\x12\x34" + raw[2:])
    with pytest.raises(DataError, match="not an IDX file"):
        read_idx(tmp_path / "m")
    gz = gzip.compress(raw)
    (tmp_path / "t.gz").write_bytes(gz[: len(gz) // 2])
    with pytest.raises(DataError, match="gzip"):
        read_idx(tmp_path / "t.gz")
    with pytest.raises(DataError, match="unknown IDX type"):
        parse_idx(bytes([0, 0, 0x42, 1, 0, 0, 0, 0]))
