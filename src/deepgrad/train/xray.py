"""The training X-ray: why a network stops learning, layer by layer, as JSON and one figure.

    xray = XRay("runs/xray.json")             # and runs/xray.png
    model.fit(x, y, epochs=5, callbacks=[xray])
    run_task(mnist, cfg, out, callbacks=[XRay(out / "xray.json")])   # any course task

For every layer of every model being trained, per epoch (``freq="epoch"``: the mean over the
epoch's sampled steps) or every k optimizer steps (``freq=k``: that step's values):

* ``mean``, ``std``: of the layer's output (a Linear's z, an activation's a);
* ``saturated`` (Sigmoid, Tanh): the fraction of inputs z with |z| > 4, where sigma'(z) is
  below 0.018 (sigmoid) or 0.0014 (tanh), so BP2's factor sigma'(z^l) all but stops delta;
* ``dead`` (ReLU, ReLU6): the fraction of units that are 0 for every example of the batch;
  their sigma' is 0 for all of them, so their incoming weights get no gradient at all;
* ``grad_norm``: ||dC/dtheta|| over the layer's parameters (weights and bias), read before the
  update; across layers it shows gradients vanishing (or exploding) toward the input;
* ``update_ratio``: ||theta_new - theta_old|| / ||theta_old|| of one step (about 1e-3 is
  healthy; for plain SGD it is lr ||g|| / ||theta||), and ``weight_norm`` ||theta||.

The numbers come from :class:`deepgrad.train.watch.LayerWatch` (the optimizer's step hooks and
forward hooks on the layers; reading only, so a training computes exactly the same with or
without the X-ray), sampling the steps ``every``, 2 ``every``, ... after the first. It needs
nothing from the loop: ``fit``, ``train_epochs`` and a task's own loop are all seen; the
epochs come from the callback hooks (a loop without them gives one row per layer at the end).
As a context manager (``with XRay(path, freq=50): my_loop()``) it works without callbacks.

The JSON (written atomically after every epoch and at the end): ``{"freq", "every",
"saturation", "rows": [{"model", "label", "epoch", "step", "samples", "layer", "type",
"mean", "std", "saturated", "dead", "grad_norm", "weight_norm", "update_ratio"}, ...]}``, one
row per layer and epoch (or sampled step); a value that does not apply is null. The figure
(matplotlib, the ``extras`` extra; skipped with one warning without it) has a panel per
statistic and a line per layer, coloured from the input (dark) to the output (light),
normalization layers (BatchNorm's gamma and beta) dashed.
"""

from __future__ import annotations

import io
import json
import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .callbacks import Callback
from .watch import SATURATION, LayerWatch

__all__ = ["XRay", "STATISTICS", "plot_xray"]

STATISTICS = ("mean", "std", "saturated", "dead", "grad_norm", "update_ratio")
_TITLES = {
    "mean": "activation mean",
    "std": "activation std",
    "saturated": f"saturated sigmoid/tanh units (|z| > {SATURATION:g})",
    "dead": "dead ReLUs (0 for the whole batch)",
    "grad_norm": "gradient norm ||dC/dW||",
    "update_ratio": "update ratio ||dW|| / ||W||",
}
_NONE = {"saturated": "no Sigmoid or Tanh layer", "dead": "no ReLU layer"}


def _finite(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and math.isfinite(v) else None


def _json_value(v: float | None) -> float | str | None:
    if v is None or math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def layer_values(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One LayerWatch record -> ``{layer: {type, mean, std, saturated, dead, grad_norm,
    weight_norm, update_ratio}}``; a layer's parameters combine as
    ||g|| = sqrt(sum ||g_p||^2), ratio = sqrt(sum (ratio_p ||theta_p||)^2) / ||theta||."""
    out: dict[str, dict[str, Any]] = {}
    for ly in record["layers"]:
        out[ly["name"]] = {
            "type": ly["type"],
            **{k: _finite(ly.get(k)) for k in ("mean", "std", "saturated", "dead")},
            "grad_norm": None,
            "weight_norm": None,
            "update_ratio": None,
        }
    sums: dict[str, list[float]] = {}
    for p in record["params"]:
        g, w, u = _finite(p["grad"]), _finite(p["norm"]), _finite(p["update"])
        if g is None or w is None or p["layer"] not in out:
            continue
        s = sums.setdefault(p["layer"], [0.0, 0.0, 0.0, 0.0])  # g^2, w^2, (u w)^2, have u
        s[0] += g * g
        s[1] += w * w
        if u is not None:
            s[2] += (u * w) ** 2
            s[3] = 1.0
    for name, (g2, w2, d2, have_u) in sums.items():
        row = out[name]
        row["grad_norm"], row["weight_norm"] = math.sqrt(g2), math.sqrt(w2)
        row["update_ratio"] = math.sqrt(d2) / math.sqrt(w2) if have_u and w2 > 0 else None
    return out


class XRay(Callback):
    """The training X-ray (see the module docstring): ``XRay(path="xray.json", freq="epoch",
    every=1, plot=True)``. ``path``: the JSON file (None: keep the rows in ``self.rows``
    only); ``freq``: ``"epoch"`` or a number of steps k (then ``every`` is k); ``every``: sample
    one step in ``every``; ``plot``: also draw the figure (True: beside the JSON, ``.png``; or
    a path)."""

    def __init__(
        self,
        path: str | os.PathLike | None = "xray.json",
        freq: str | int = "epoch",
        every: int = 1,
        plot: bool | str | os.PathLike = True,
    ) -> None:
        if freq != "epoch" and (isinstance(freq, bool) or not isinstance(freq, int) or freq < 1):
            raise ValueError(f"XRay: freq must be 'epoch' or a number of steps >= 1, got {freq!r}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"XRay: every must be an int >= 1, got {every!r}")
        self.path = None if path is None else Path(path)
        self.freq = freq
        self.every = freq if isinstance(freq, int) else every
        if plot is True:
            self.plot_path = None if self.path is None else self.path.with_suffix(".png")
        else:
            self.plot_path = Path(plot) if plot else None
        self.rows: list[dict[str, Any]] = []
        self._pending: list[dict[str, Any]] = []
        self._epoch: int | None = None
        self._watch: LayerWatch | None = None
        self._warned = False

    # ------------------------------------------------------------------ on / off
    def start(self) -> XRay:
        """Start watching (``on_train_begin`` does it; a second start does nothing)."""
        if self._watch is None:
            self._watch = LayerWatch(
                self._sample, interval=0.0, budget=None, every=self.every, digits=None
            ).start()
        return self

    def stop(self) -> None:
        """Stop watching, turn what was sampled since the last epoch into rows, write."""
        if self._watch is not None:
            self._watch.stop()
            self._watch = None
        self._flush(self._epoch)
        self.write()

    def __enter__(self) -> XRay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ the callback hooks
    def on_train_begin(self, logs: dict | None = None) -> None:
        self.start()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._flush(self._epoch)  # steps between two epochs (none in fit)
        self._epoch = epoch

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._flush(epoch)
        self._epoch = None
        self.write()

    def on_train_end(self, logs: dict | None = None) -> None:
        self.stop()

    # ------------------------------------------------------------------ rows
    def _sample(self, record: dict[str, Any]) -> None:
        if self.freq == "epoch":
            self._pending.append(record)
        else:
            self._rows_of([record], self._epoch)

    def _flush(self, epoch: int | None) -> None:
        pending, self._pending = self._pending, []
        if pending:
            by_model: dict[str, list[dict[str, Any]]] = {}
            for r in pending:
                by_model.setdefault(r["model"], []).append(r)
            for records in by_model.values():
                self._rows_of(records, epoch)

    def _rows_of(self, records: list[dict[str, Any]], epoch: int | None) -> None:
        """Rows of one model from its records: each layer's statistics averaged over them."""
        values = [layer_values(r) for r in records]
        last = records[-1]
        for name in values[-1]:
            row: dict[str, Any] = {
                "model": last["model"],
                "label": last["label"],
                "epoch": epoch,
                "step": last["step"],
                "samples": len(records),
                "layer": name,
                "type": values[-1][name]["type"],
            }
            for key in (*STATISTICS, "weight_norm"):
                seen = [v[name][key] for v in values if name in v and v[name][key] is not None]
                row[key] = float(np.mean(seen)) if seen else None
            self.rows.append(row)

    def series(self, statistic: str, model: str | None = None) -> dict[str, list[float | None]]:
        """``{layer: [value per row]}`` of one statistic (for one model's key or label; the
        first model by default), in the order the rows came."""
        if statistic not in (*STATISTICS, "weight_norm"):
            raise ValueError(
                f"XRay.series: statistic must be one of {STATISTICS} or "
                f"weight_norm, got {statistic!r}"
            )
        rows = [
            r
            for r in self.rows
            if model is None
            and r["model"] == self.rows[0]["model"]
            or model in (r["model"], r["label"])
        ]
        out: dict[str, list[float | None]] = {}
        for r in rows:
            out.setdefault(r["layer"], []).append(r[statistic])
        return out

    def to_dict(self) -> dict[str, Any]:
        """What the JSON file holds."""
        rows = [
            {k: _json_value(v) if isinstance(v, float) else v for k, v in r.items()}
            for r in self.rows
        ]
        return {"freq": self.freq, "every": self.every, "saturation": SATURATION, "rows": rows}

    def write(self) -> None:
        """Write the JSON and the figure (atomically) where they were asked for."""
        from ..data.store import atomic_write

        if self.path is not None:
            text = json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n"
            with atomic_write(self.path) as f:
                f.write(text.encode())
        if self.plot_path is not None and self.rows:
            try:
                plot_xray(self.to_dict(), self.plot_path)
            except ImportError as e:
                if not self._warned:
                    warnings.warn(f"XRay: {e}; the figure is not drawn", stacklevel=2)
                    self._warned = True


def plot_xray(data: dict[str, Any] | str | os.PathLike, path: str | os.PathLike) -> Path:
    """Draw an X-ray (``XRay.to_dict()`` or its JSON file) to ``path``, atomically: a panel
    per statistic, a line per layer (its models' layers from input to output, dark to
    light), against the epoch (``freq="epoch"``) or the step."""
    try:
        import matplotlib
    except ImportError as e:
        raise ImportError("plot_xray needs matplotlib: pip install 'deepgrad[extras]'") from e
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from ..data.store import atomic_write

    if not isinstance(data, dict):
        data = json.loads(Path(data).read_text())
    rows = data["rows"]
    by_epoch = data["freq"] == "epoch" and all(r["epoch"] is not None for r in rows)
    several = len({r["model"] for r in rows}) > 1
    lines: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        lines.setdefault((r["model"], r["layer"]), []).append(r)
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    for ax, stat in zip(axes.ravel(), STATISTICS, strict=True):
        shown = [
            (key, rs)
            for key, rs in lines.items()
            if any(isinstance(r[stat], int | float) for r in rs)
        ]
        if stat in ("mean", "std"):  # the activations' outputs when there are any
            acts = [
                (k, rs)
                for k, rs in shown
                if rs[0]["grad_norm"] is None and rs[0]["weight_norm"] is None
            ]
            shown = acts or shown
        colours = plt.cm.viridis(np.linspace(0.0, 0.9, max(len(shown), 1)))
        for colour, ((_, layer), rs) in zip(colours, shown, strict=False):
            xs = [r["epoch"] + 1 if by_epoch else r["step"] for r in rs]
            ys = [r[stat] if isinstance(r[stat], int | float) else np.nan for r in rs]
            name = f"{rs[0]['label']}/{layer}" if several else layer
            ax.plot(
                xs,
                ys,
                marker="o" if len(xs) < 30 else None,
                ms=3,
                color=colour,
                linestyle="--" if "Norm" in rs[0]["type"] else "-",
                label=f"{name} {rs[0]['type']}",
            )
        if stat in ("grad_norm", "update_ratio") and shown:
            positive = [
                r[stat]
                for _, rs in shown
                for r in rs
                if isinstance(r[stat], int | float) and r[stat] > 0
            ]
            if positive:
                ax.set_yscale("log")
        if not shown:
            ax.text(
                0.5,
                0.5,
                _NONE.get(stat, "no data"),
                ha="center",
                va="center",
                transform=ax.transAxes,
                color="gray",
            )
        elif len(shown) <= 32:
            ax.legend(fontsize=7 if len(shown) <= 12 else 5.5, ncol=1 + (len(shown) - 1) // 8)
        if stat in ("saturated", "dead"):
            ax.set_ylim(-0.03, 1.03)
        ax.set_title(_TITLES[stat], fontsize=10)
        ax.set_xlabel("epoch" if by_epoch else "step")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    buf = io.BytesIO()
    fig.savefig(buf, format=path.suffix.lstrip(".").lower() or "png", dpi=90)
    plt.close(fig)
    with atomic_write(path) as f:
        f.write(buf.getvalue())
    return path
