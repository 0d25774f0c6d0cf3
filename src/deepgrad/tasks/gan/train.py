"""The course's alternating GAN updates, with per-epoch checkpoints and a stop on divergence.

Each step, on a batch x of real images and fresh noise z:

    D step:  fake = G(z);  C_D = bce(D(x), 1) + bce(D(fake), 0)     (fake detached: G untouched)
    G step:  C_G = bce(D(fake), 1)                                 (non-saturating; D untouched)

both with Adam (lr 2e-4, beta1 0.5, DCGAN's setting). After every epoch the state (both
networks, both optimizers, deepgrad's generator, the history, the seconds spent) is written
atomically to ``state_<name>.npz``, so a run resumes exactly where it stopped. A step whose
losses are not finite stops training with :class:`GANDiverged`; the state file still holds the
last finished epoch, untouched.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ... import functional as F
from ... import optim
from ...optim.serialization import flatten_state_dict, unflatten_state_dict
from ...random import get_rng, get_rng_state, set_rng_state
from ...tensor import Tensor
from ...train.checkpoint import CheckpointError, atomic_write_npz
from ...train.progbar import Progbar
from ...train.watch import label
from ..contract import TaskError

__all__ = ["GANDiverged", "train_gan", "save_state", "load_state"]


class GANDiverged(TaskError):
    """The losses became NaN or infinite: training stopped, the last good checkpoint is kept."""


def save_state(path: Path, g: Any, d: Any, opt_g: Any, opt_d: Any, meta: dict) -> None:
    arrays = {f"g/{k}": np.asarray(v) for k, v in g.state_dict().items()}
    arrays.update({f"d/{k}": np.asarray(v) for k, v in d.state_dict().items()})
    for tag, opt in (("opt_g", opt_g), ("opt_d", opt_d)):
        arrays.update({f"{tag}/{k}": v for k, v in flatten_state_dict(opt.state_dict()).items()})
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    atomic_write_npz(path, arrays)


def load_state(path: Path) -> dict[str, Any]:
    """``{"g", "d", "opt_g", "opt_d": state dicts, "meta": {...}}`` from :func:`save_state`."""
    try:
        with np.load(path, allow_pickle=False) as z:
            flat = {k: z[k] for k in z.files}
        meta = json.loads(flat.pop("meta").tobytes().decode())
    except (OSError, ValueError, KeyError, EOFError) as e:
        raise CheckpointError(f"{path}: corrupt GAN checkpoint ({e})") from None
    out: dict[str, Any] = {"meta": meta}
    for tag in ("g", "d", "opt_g", "opt_d"):
        part = {k[len(tag) + 1:]: v for k, v in flat.items() if k.startswith(tag + "/")}
        out[tag] = unflatten_state_dict(part) if tag.startswith("opt") else part
    return out


def _finite(model: Any) -> bool:
    return all(np.isfinite(p.data).all() for p in model.parameters())


def train_gan(g: Any, d: Any, x: np.ndarray, *, name: str, out: Path, latent_size: int,
              batch_size: int, lr: float, beta1: float, epochs: int,
              seconds: float | None = None,
              on_epoch: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Train ``g`` against ``d`` on images ``x`` (N x C x H x W in [-1, 1]) for ``epochs``
    epochs, or, with ``seconds``, until that much CPU time (``time.process_time``, all threads;
    so other load on the machine does not shorten the budget) is spent in training steps
    (``epochs`` is then an upper bound). Resumes from ``out/state_<name>.npz`` if it exists.
    Returns ``{"epochs", "steps", "seconds" (wall clock), "cpu_seconds", "history":
    {"d_loss": [...], "g_loss": [...]}}``."""
    label(g, f"{name} generator")  # how a watch of the training names them
    label(d, f"{name} discriminator")
    opt_g = optim.Adam(g.parameters(), lr=lr, betas=(beta1, 0.999))
    opt_d = optim.Adam(d.parameters(), lr=lr, betas=(beta1, 0.999))
    path = out / f"state_{name}.npz"
    meta = {"epoch": -1, "steps": 0, "seconds": 0.0, "cpu_seconds": 0.0,
            "history": {"d_loss": [], "g_loss": []}, "done": False}
    if path.exists():
        st = load_state(path)
        g.load_state_dict(st["g"])
        d.load_state_dict(st["d"])
        opt_g.load_state_dict(st["opt_g"])
        opt_d.load_state_dict(st["opt_d"])
        meta = st["meta"]
        set_rng_state(meta["rng_state"])
        print(f"{name}: resumed after epoch {meta['epoch'] + 1} ({meta['steps']} steps)")
    dtype = np.float32
    n = len(x)
    ones = {b: Tensor(np.ones((b, 1), dtype)) for b in {batch_size, n % batch_size or batch_size}}
    zeros = {b: Tensor(np.zeros((b, 1), dtype)) for b in ones}
    bce = F.binary_cross_entropy_with_logits
    epoch = meta["epoch"] + 1
    while not meta["done"] and epoch < epochs:
        g.train()
        d.train()
        rng = get_rng()
        order = rng.permutation(n)
        steps = -(-n // batch_size)
        bar = Progbar(steps)
        print(f"{name} epoch {epoch + 1}" + (f"/{epochs}" if seconds is None else
                                             f" (budget {seconds:.0f} CPU seconds)"))
        t0, c0 = time.perf_counter(), time.process_time()
        sums = [0.0, 0.0]
        for step in range(steps):
            idx = order[step * batch_size:(step + 1) * batch_size]
            b = len(idx)
            real = Tensor(x[idx])
            z = Tensor(rng.standard_normal((b, latent_size), dtype=dtype))
            opt_d.zero_grad()
            fake = g(z)
            d_loss = bce(d(real), ones[b]) + bce(d(fake.detach()), zeros[b])
            dl, gl = float(d_loss.data), math.nan
            if math.isfinite(dl):  # a NaN loss is never stepped on
                d_loss.backward()
                opt_d.step()
                opt_g.zero_grad()
                g_loss = bce(d(fake), ones[b])
                gl = float(g_loss.data)
                if math.isfinite(gl):
                    g_loss.backward()
                    opt_g.step()
            if not (math.isfinite(dl) and math.isfinite(gl) and _finite(g) and _finite(d)):
                kept = (f"the last good checkpoint, after epoch {epoch}, is kept in {path}"
                        if path.exists() else "no epoch had finished, so there is no checkpoint")
                raise GANDiverged(
                    f"{name}: the GAN diverged at epoch {epoch + 1}, step {step + 1} (D loss "
                    f"{dl}, G loss {gl}): training stopped; {kept}. Try a lower --lr.")
            sums[0] += dl * b
            sums[1] += gl * b
            meta["steps"] += 1
            bar.update(step + 1, {"d_loss": dl, "g_loss": gl})
            if seconds is not None and meta["cpu_seconds"] + time.process_time() - c0 >= seconds:
                meta["done"] = True
                break
        seen = min(n, (step + 1) * batch_size)
        meta["seconds"] += time.perf_counter() - t0
        meta["cpu_seconds"] += time.process_time() - c0
        meta["history"]["d_loss"].append(sums[0] / seen)
        meta["history"]["g_loss"].append(sums[1] / seen)
        bar.finish(step + 1, {"d_loss": sums[0] / seen, "g_loss": sums[1] / seen})
        meta["epoch"] = epoch
        meta["rng_state"] = get_rng_state()
        if on_epoch is not None:
            on_epoch(epoch)
        save_state(path, g, d, opt_g, opt_d, meta)
        epoch += 1
    g.eval()
    d.eval()
    return {"epochs": meta["epoch"] + 1, "steps": meta["steps"], "seconds": meta["seconds"],
            "cpu_seconds": meta["cpu_seconds"], "history": meta["history"]}
