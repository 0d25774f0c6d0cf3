import hashlib

import pytest


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A fresh, empty DEEPGRAD_DATA for one test."""
    root = tmp_path / "store"
    monkeypatch.setenv("DEEPGRAD_DATA", str(root))
    return root


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def leftovers(root):
    """Temporary/partial files left anywhere under ``root``."""
    if not root.exists():
        return []
    return [p for p in root.rglob("*") if ".part" in p.name or p.name.endswith(".tmp")]
