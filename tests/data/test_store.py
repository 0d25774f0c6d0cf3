import io

import pytest

from conftest import leftovers, md5
from deepgrad.data.progress import Progress
from deepgrad.data.store import (
    ChecksumError,
    atomic_dir,
    atomic_write,
    copy_verified,
    data_dir,
    md5_file,
)


def test_data_dir_env_and_default(monkeypatch, tmp_path):
    monkeypatch.setenv("DEEPGRAD_DATA", str(tmp_path / "x"))
    assert data_dir() == tmp_path / "x"
    monkeypatch.delenv("DEEPGRAD_DATA")
    assert str(data_dir()).endswith(".deepgrad/data")


def test_atomic_write_success_and_failure(store):
    target = store / "a" / "f.bin"
    with atomic_write(target) as f:
        f.write(b"hello")
    assert target.read_bytes() == b"hello"
    with pytest.raises(RuntimeError), atomic_write(target) as f:
        f.write(b"half")
        raise RuntimeError("crash mid-write")
    assert target.read_bytes() == b"hello"  # the old complete version survives
    assert leftovers(store) == []


def test_atomic_dir_all_or_nothing(store):
    target = store / "corpus"
    with pytest.raises(ValueError), atomic_dir(target) as tmp:
        (tmp / "a").write_text("x")
        raise ValueError
    assert not target.exists() and leftovers(store) == []
    with atomic_dir(target) as tmp:
        (tmp / "a").write_text("x")
    assert (target / "a").read_text() == "x"
    with atomic_dir(target) as tmp:  # replacing a complete folder
        (tmp / "b").write_text("y")
    assert sorted(p.name for p in target.iterdir()) == ["b"]
    assert [p.name for p in store.iterdir()] == ["corpus"]


def test_copy_verified_checks_md5_before_file_appears(store):
    data = b"0123456789" * 1000
    dest = store / "d" / "file"
    with pytest.raises(ChecksumError, match="canonical"):
        copy_verified(io.BytesIO(data), dest, md5(b"other"))
    assert not dest.exists() and leftovers(store) == []
    copy_verified(io.BytesIO(data), dest, md5(data))
    assert dest.read_bytes() == data and md5_file(dest) == md5(data)


def test_progress_bar_draws_to_stream():
    buf = io.StringIO()
    with Progress(100, "step", min_seconds=0, interval=0, stream=buf) as bar:
        for _ in range(10):
            bar.update(10)
    out = buf.getvalue()
    assert "step [" in out and "100%" in out and out.endswith("\n")
    assert Progress(None, "n").line() == "n 0"
