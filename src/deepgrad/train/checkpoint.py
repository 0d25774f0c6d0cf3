"""Checkpoints: weights, optimizer state, epoch, RNG state and history in one ``.npz`` file.

Only plain arrays are stored (``np.savez``; loaded with ``allow_pickle=False``, so loading never
unpickles anything). The file is written to a temporary file in the same directory, flushed to
disk and renamed over the target (``os.replace``), so a crash never leaves a half-written
checkpoint and the previous one survives a failed write.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..optim.serialization import flatten_state_dict, unflatten_state_dict
from ..random import get_rng_state, set_rng_state

__all__ = ["save_checkpoint", "load_checkpoint", "CheckpointError", "atomic_write_npz",
           "save_training_state", "load_training_state"]

FORMAT = "deepgrad-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupt, truncated or from an incompatible model."""


def atomic_write_npz(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` to ``path`` as .npz atomically (temp file + fsync + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def save_checkpoint(
    path: str | os.PathLike,
    model: Any,
    optimizer: Any = None,
    epoch: int = 0,
    rng_state: dict | None = None,
    history: dict | None = None,
    extra: dict | None = None,
) -> Path:
    """Save everything needed to resume training exactly after ``epoch`` (0-based, completed)."""
    arrays: dict[str, np.ndarray] = {}
    for name, value in model.state_dict().items():
        arrays["model/" + name] = np.asarray(value)
    if optimizer is not None:
        for k, v in flatten_state_dict(optimizer.state_dict()).items():
            arrays["optimizer/" + k] = v
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "epoch": int(epoch),
        "rng_state": rng_state,
        "history": history or {},
        "extra": extra or {},
    }
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    return atomic_write_npz(path, arrays)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint: ``{"model": state_dict, "optimizer": state or None, "epoch", ...}``."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as z:
            flat = {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as e:
        raise CheckpointError(
            f"checkpoint {path} is corrupt or truncated ({type(e).__name__}: {e}); "
            "it cannot be loaded"
        ) from None
    if "meta" not in flat:
        raise CheckpointError(f"checkpoint {path} has no 'meta' entry: not a deepgrad checkpoint")
    try:
        meta = json.loads(flat.pop("meta").tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"checkpoint {path}: unreadable metadata ({e})") from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path}: format {meta.get('format')!r} is not {FORMAT}")
    model = {k[6:]: v for k, v in flat.items() if k.startswith("model/")}
    opt_flat = {k[10:]: v for k, v in flat.items() if k.startswith("optimizer/")}
    return {
        "model": model,
        "optimizer": unflatten_state_dict(opt_flat) if opt_flat else None,
        "epoch": meta["epoch"],
        "rng_state": meta.get("rng_state"),
        "history": meta.get("history", {}),
        "extra": meta.get("extra", {}),
    }


def save_training_state(model: Any, path: str | os.PathLike, epoch: int,
                        weights_only: bool = False) -> Path:
    """Checkpoint the model, its optimizer, the epoch, deepgrad's RNG state and the history."""
    hist = model.__dict__.get("history")
    return save_checkpoint(
        path, model, None if weights_only else model.__dict__.get("optimizer"), epoch,
        rng_state=get_rng_state(), history=hist.history if hist is not None else {},
    )


def load_training_state(model: Any, path: str | os.PathLike) -> int:
    """Restore what ``save_training_state`` wrote; returns the epoch that had completed."""
    ckpt = load_checkpoint(path)
    model.load_state_dict(ckpt["model"])
    opt = model.__dict__.get("optimizer")
    if opt is not None and ckpt["optimizer"] is not None:
        opt.load_state_dict(ckpt["optimizer"])
    if ckpt["rng_state"] is not None:
        set_rng_state(ckpt["rng_state"])
    model.__dict__["_restored_history"] = ckpt["history"]
    return int(ckpt["epoch"])
