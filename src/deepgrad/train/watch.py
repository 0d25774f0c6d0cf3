"""Watch a training from inside: per-layer statistics, sampled while any loop trains.

    from deepgrad.train import watch

    with watch.watching(print):          # every record goes to the sink (here: printed)
        model.fit(x, y, epochs=2)        # or train_epochs, or a hand-written loop

Off by default. While a :class:`LayerWatch` runs, it sees every ``step()`` of every
``deepgrad.optim`` optimizer through the process-wide step hooks
(:func:`deepgrad.optim.optimizer.register_optimizer_step_pre_hook` and ``..._post_hook``), so
it needs nothing from the loop. For each optimizer it finds, once, the module that owns its
parameters (the smallest live :class:`~deepgrad.nn.Module` holding them all: its
``named_parameters`` names them, ``0.weight``, ``lstm.weight_hh_l0``), and its *layers*: the
modules that own some of those parameters directly, and the activation modules (``ReLU``,
``Tanh`` ...) among them. Then, now and then, one step is *sampled*:

* after a step, forward hooks go on those layers (the step is "armed"); the first forward with
  gradient recording on that runs through a layer records its output's mean, standard deviation
  and fraction of exact zeros, on at most ``2**17`` of its values (whole examples); for a
  ``Sigmoid`` or ``Tanh`` the fraction of its inputs z with |z| > 4 (``saturated``: there
  sigma'(z) < 0.018 for the sigmoid, < 0.0014 for tanh), for a ``ReLU`` or ``ReLU6`` the
  fraction of its units (features along axis 1) that are 0 for every example of the batch
  (``dead``: no gradient reaches their weights);
* before the next step of that optimizer, every parameter's gradient norm ``||g||`` and weight
  norm ``||w||`` are read and the weights copied; after it, the update ratio
  ``||w_new - w_old|| / ||w_old||`` (practitioners aim at about 1e-3 per step);
* the record goes to the sink and the forward hooks come off.

The watch only reads (the arrays it copies are its own), so a watched training computes exactly
what an unwatched one does. A sample is taken at most every ``interval`` seconds per optimizer,
and never sooner than its own cost divided by ``budget`` (1%) after the last one: what the watch
spends stays under 1% of the wall time per optimizer whatever the model's size. With ``every=k``
(and ``interval=0, budget=None``) the steps sampled are instead the k+1-th, 2k+1-th, ... of each
optimizer (the training X-ray, :class:`deepgrad.train.XRay`, samples this way). Finding an
optimizer's module is done once (a scan of the garbage collector's objects, tens of
milliseconds, unless a model already watched holds its parameters); scans beyond the first
0.2 s wait until they fit in the same 1% of the watched time. Between samples its cost is two
dictionary look-ups per step; without a watch ``step()`` checks two
empty dicts and ``Module.__call__`` is untouched. Optimizers over tensors that belong to no
module (the optimization lab's 2-D points) are left out.

A record (the sink gets it as a dict of JSON-able values, floats to 4 significant digits or
``digits``, all of them with ``digits=None``, the non-finite as the strings ``"nan"``, ``"inf"``,
``"-inf"``; ``saturated`` and ``dead`` are None for the layers they do not apply to)::

    {"model": "m1", "label": "Sequential", "step": 120, "time": 3.52, "cost": 0.0021,
     "params": [{"name": "0.weight", "layer": "0", "shape": [32, 1, 3, 3],
                 "grad": 0.0312, "norm": 5.71, "update": 0.00102}, ...],
     "layers": [{"name": "0", "type": "Conv2d", "size": 288, "mean": 0.012, "std": 0.41,
                 "zeros": 0.0, "saturated": None, "dead": None}, ...],
     "omitted": {"layers": 0, "params": 0}}

``label(module, "generator")`` names a model in the records (tasks that train several, such as
the GAN's generator and discriminator, name theirs); otherwise its class name is used.
"""

from __future__ import annotations

import gc
import math
import time
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..nn import activation as _act
from ..nn.module import Module
from ..nn.parameter import Parameter
from ..optim.optimizer import (
    Optimizer,
    register_optimizer_step_post_hook,
    register_optimizer_step_pre_hook,
)
from ..tensor import Tensor, is_grad_enabled

__all__ = ["LayerWatch", "watching", "label", "activation_stats", "unit_stats", "ACTIVATIONS",
           "SATURATION"]

ACTIVATIONS: tuple[type[Module], ...] = (
    _act.ReLU, _act.ReLU6, _act.LeakyReLU, _act.ELU, _act.SELU, _act.Sigmoid, _act.Tanh,
    _act.Softplus, _act.GELU, _act.SiLU,
)
"""Parameter-free modules whose outputs are watched as layers of their own."""

SAMPLE_VALUES = 1 << 17  # activation statistics on at most this many values (whole examples)
SATURATION = 4.0  # a sigmoid or tanh unit is saturated where |z| > SATURATION
_SQUASHING = (_act.Sigmoid, _act.Tanh)
_RECTIFIERS = (_act.ReLU, _act.ReLU6)
FREE_SCAN = 0.2  # seconds of module look-ups (gc scans) before they count against the budget

_LABELS: weakref.WeakKeyDictionary[Module, str] = weakref.WeakKeyDictionary()


def label(module: Module, name: str, replace: bool = True) -> Module:
    """Name ``module`` in a watch's records (``"generator"``); returns the module. With
    ``replace=False`` a name given before stays. Costs one dictionary entry, watched or not."""
    if replace or module not in _LABELS:
        _LABELS[module] = str(name)
    return module


def _num(v: float, digits: int | None = 4) -> float | str:
    """A float as the records carry it: ``digits`` significant digits (None: all), non-finite
    as a string."""
    if math.isfinite(v):
        return float(v) if digits is None else float(f"{v:.{digits}g}")
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def _values(out: Any) -> np.ndarray | None:
    """The array of a forward's output: the output itself, or the first Tensor of a tuple
    (an LSTM's output sequence)."""
    if isinstance(out, tuple | list):
        out = next((o for o in out if isinstance(o, Tensor | np.ndarray)), None)
    if isinstance(out, Tensor):
        out = out.data
    if isinstance(out, np.ndarray) and out.dtype.kind == "f" and out.size:
        return out
    return None


def activation_stats(x: np.ndarray, limit: int = SAMPLE_VALUES) -> dict[str, float]:
    """Mean, standard deviation and fraction of exact zeros of ``x`` (unrounded); beyond
    ``limit`` values, of its first examples (along axis 0) holding at most that many."""
    x = _head(x, limit)
    n = x.size
    return {"mean": float(x.mean()), "std": float(x.std()),
            "zeros": 1.0 - np.count_nonzero(x) / n}


def _head(x: np.ndarray, limit: int) -> np.ndarray:
    """Beyond ``limit`` values, the first examples (along axis 0) holding at most that many."""
    if x.size > limit and x.ndim > 1 and len(x) > 1:
        return x[: max(1, limit // (x.size // len(x)))]
    return x


def unit_stats(module: Module, inputs: Any, x: np.ndarray,
               limit: int = SAMPLE_VALUES) -> dict[str, float]:
    """``saturated`` for a Sigmoid or Tanh: the fraction of its inputs z with |z| > SATURATION;
    ``dead`` for a ReLU or ReLU6 of output ``x``: the fraction of units (features along axis 1)
    that are 0 for every example (and position); both on at most ``limit`` values (the first
    examples). Empty for other modules."""
    if isinstance(module, _SQUASHING):
        z = _values(inputs)
        if z is not None:
            z = _head(z, limit)
            return {"saturated": float(np.count_nonzero(np.abs(z) > SATURATION)) / z.size}
    elif isinstance(module, _RECTIFIERS) and x.ndim >= 2:
        x = _head(x, limit)
        alive = np.any(np.moveaxis(x, 1, 0).reshape(x.shape[1], -1) != 0, axis=1)
        return {"dead": 1.0 - float(np.count_nonzero(alive)) / len(alive)}
    return {}


def _spaced(items: list[Any], n: int) -> list[Any]:
    """At most ``n`` of ``items``, evenly spaced, the first and the last kept."""
    if len(items) <= n:
        return items
    if n <= 1:
        return items[:n]
    idx = sorted({round(i * (len(items) - 1) / (n - 1)) for i in range(n)})
    return [items[i] for i in idx]


@dataclass
class _Layer:
    name: str
    module: Module
    size: int  # parameter values it owns (0 for an activation)
    stats: dict[str, float] | None = None
    handle: Any = None


@dataclass
class _Model:
    """One watched optimizer: its module, its layers and what a sample is gathering."""

    key: str
    label: str
    root: Module
    optimizer: Callable[[], Optimizer | None]  # a weak reference
    params: list[tuple[str, str, Tensor]]  # (dotted name, its layer's name, the parameter)
    layers: list[_Layer]
    omitted: dict[str, int]
    steps: int = 0
    due: float = 0.0
    armed: float | None = None  # when the forward hooks went on
    spent: float = 0.0  # seconds this sample has cost so far
    before: list[tuple[float | None, float, np.ndarray | None]] | None = None


class LayerWatch:
    """The observer (see the module's docstring): ``start()`` and ``stop()``, or ``with``.

    ``sink(record)`` receives each sample; ``interval`` is the least time in seconds between
    two samples of one optimizer, ``budget`` the largest fraction of the time its samples may
    take (None: no limit, every step after the first may be sampled, for tests); ``every``
    (None: any step) samples only steps k+1, 2k+1, ... of each optimizer; at most
    ``max_layers`` layers and ``max_params`` parameter tensors per model (evenly
    spaced through it when it has more) and ``max_models`` models are kept; ``digits``
    significant digits in the records (None: unrounded).
    """

    def __init__(self, sink: Callable[[dict[str, Any]], None], *, interval: float = 0.25,
                 budget: float | None = 0.01, max_layers: int = 64, max_params: int = 128,
                 max_models: int = 8, every: int | None = None,
                 digits: int | None = 4) -> None:
        if interval < 0 or not 0 < (budget or 1) <= 1 or min(max_layers, max_params,
                                                             max_models) < 1:
            raise ValueError(f"LayerWatch: interval must be >= 0, budget in (0, 1] and the "
                             f"maxima >= 1, got {interval}, {budget}, {max_layers}, "
                             f"{max_params}, {max_models}")
        if every is not None and (isinstance(every, bool) or not isinstance(every, int)
                                  or every < 1):
            raise ValueError(f"LayerWatch: every must be a positive int or None, got {every!r}")
        if digits is not None and (not isinstance(digits, int) or digits < 1):
            raise ValueError(f"LayerWatch: digits must be a positive int or None, got {digits!r}")
        self.every, self.digits = every, digits
        self.sink = sink
        self.interval, self.budget = float(interval), budget
        self.max_layers, self.max_params, self.max_models = max_layers, max_params, max_models
        self.unowned = 0  # optimizers whose parameters belong to no module (left out)
        self.samples = 0
        self._seen: weakref.WeakKeyDictionary[Optimizer, _Model | None] = (
            weakref.WeakKeyDictionary())
        self._models: list[_Model] = []  # oldest first, at most max_models
        self._labels: dict[str, int] = {}
        self._count = 0
        self._scanned = 0.0  # seconds spent scanning for modules
        self._handles: list[Any] = []
        self._t0 = 0.0

    # ------------------------------------------------------------------ on / off
    @property
    def active(self) -> bool:
        """Whether the watch's step hooks are registered."""
        return bool(self._handles)

    def start(self) -> LayerWatch:
        """Register the step hooks (a second start does nothing)."""
        if not self._handles:
            self._t0 = time.perf_counter()
            self._handles = [register_optimizer_step_pre_hook(self._pre),
                             register_optimizer_step_post_hook(self._post)]
        return self

    def stop(self) -> None:
        """Unregister the step hooks and every forward hook this watch put on."""
        for h in self._handles:
            h.remove()
        self._handles = []
        for m in self._models:
            self._disarm(m)

    def __enter__(self) -> LayerWatch:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def models(self) -> list[str]:
        """The labels of the models watched so far (at most ``max_models``, oldest first)."""
        return [m.label for m in self._models]

    # ------------------------------------------------------------------ the step hooks
    def _failed(self, e: Exception) -> None:
        self.stop()
        warnings.warn(f"deepgrad.train.watch stopped watching after an error: "
                      f"{type(e).__name__}: {e}", RuntimeWarning, stacklevel=3)

    def _pre(self, opt: Optimizer, args: tuple, kwargs: dict) -> None:
        try:
            if opt not in self._seen:
                self._discover(opt)
            m = self._seen.get(opt)  # None: left out, or its look-up waits
            if m is None:
                return
            m.steps += 1
            if m.armed is not None:
                if args or kwargs:  # a closure computes the gradients inside step: skip it
                    self._disarm(m)
                else:
                    self._read_before(m)
        except Exception as e:  # noqa: BLE001  (a watch never stops a training)
            self._failed(e)

    def _post(self, opt: Optimizer, args: tuple, kwargs: dict) -> None:
        try:
            m = self._seen.get(opt)
            if m is None:
                return
            now = time.perf_counter()
            if m.before is not None:
                self._finish(m)
                now = time.perf_counter()
            if m.armed is None and now >= m.due and (self.every is None
                                                     or m.steps % self.every == 0):
                self._arm(m, now)
            for other in self._models:  # an optimizer no longer stepped: its hooks come off
                if other.armed is not None and now - other.armed > 30.0:
                    self._disarm(other)
        except Exception as e:  # noqa: BLE001
            self._failed(e)

    # ------------------------------------------------------------------ finding the model
    def _discover(self, opt: Optimizer) -> None:
        """The smallest module holding all of ``opt``'s parameters (or, failing that, most
        of them): among the models already watched and their parts first, else among every
        live module (one scan of the garbage collector's objects). The scans have a budget of
        their own (:data:`FREE_SCAN` seconds, then ``budget`` of the watched time): beyond it
        the look-up waits for a later step of that optimizer."""
        params = [p for g in opt.param_groups for p in g["params"]]
        if not any(isinstance(p, Parameter) for p in params):
            self._seen[opt] = None
            self.unowned += 1  # plain tensors (a 2-D point, a linear model's weights)
            return
        ids = {id(p) for p in params}
        best, best_key = None, None
        known = [part for m in self._models for part in m.root.modules()]
        for scan in (False, True):
            if scan:
                now = time.perf_counter()
                if self._scanned > FREE_SCAN + (self.budget or 1.0) * (now - self._t0):
                    return  # not now: asked again at its next step
            # type(o), not isinstance: that would ask lazy proxies (torch's) for __class__
            candidates = (o for o in gc.get_objects() if issubclass(type(o), Module)) \
                if scan else known
            for mod in candidates:
                own = [id(p) for p in mod.parameters()]
                cover = sum(1 for i in own if i in ids)
                if cover:
                    key = (-cover, len(own), sum(1 for _ in mod.modules()))
                    if best_key is None or key < best_key:
                        best, best_key = mod, key
            if scan:
                self._scanned += time.perf_counter() - now
            if best_key is not None and -best_key[0] == len(ids):
                break  # held by a module already known: no scan
        if best is None:
            self._seen[opt] = None
            self.unowned += 1
            return
        model = self._describe(best, params, weakref.ref(opt))
        self._seen[opt] = model
        self._models.append(model)
        while len(self._models) > self.max_models:  # the oldest is watched no more
            old = self._models.pop(0)
            self._disarm(old)
            old_opt = old.optimizer()
            if old_opt is not None:
                self._seen[old_opt] = None

    def _describe(self, root: Module, params: list[Tensor],
                  optimizer: Callable[[], Optimizer | None]) -> _Model:
        ids = {id(p) for p in params}
        order: dict[int, int] = {}
        named: dict[int, str] = {}
        for n, p in root.named_parameters():
            if id(p) in ids:
                order[id(p)], named[id(p)] = len(order), n
        layers: list[_Layer] = []
        owner: dict[int, str] = {}
        for name, mod in root.named_modules():
            own = [p for p in mod._parameters.values() if p is not None and id(p) in ids]
            if own:
                layers.append(_Layer(name, mod, sum(p.data.size for p in own)))
                owner.update((id(p), name) for p in own)
            elif not mod._modules and isinstance(mod, ACTIVATIONS):
                layers.append(_Layer(name, mod, 0))
        with_params = [ly for ly in layers if ly.size]
        if len(with_params) >= self.max_layers:
            kept = _spaced(with_params, self.max_layers)
        else:
            kept = with_params + _spaced([ly for ly in layers if not ly.size],
                                         self.max_layers - len(with_params))
        position = {id(ly): i for i, ly in enumerate(layers)}
        kept.sort(key=lambda ly: position[id(ly)])
        entries = [(named.get(id(p), f"param{i}"), owner.get(id(p), ""), p)
                   for i, p in enumerate(params)]
        entries.sort(key=lambda e: order.get(id(e[2]), len(order)))
        params_kept = _spaced(entries, self.max_params)
        base = _LABELS.get(root) or type(root).__name__
        n = self._labels[base] = self._labels.get(base, 0) + 1
        self._count += 1
        return _Model(key=f"m{self._count}", label=base if n == 1 else f"{base} #{n}",
                      root=root, optimizer=optimizer, params=params_kept, layers=kept,
                      omitted={"layers": len(layers) - len(kept),
                               "params": len(entries) - len(params_kept)})

    # ------------------------------------------------------------------ one sample
    def _arm(self, m: _Model, now: float) -> None:
        m.armed, m.before, m.spent = now, None, 0.0
        for ly in m.layers:
            ly.stats = None
            ly.handle = ly.module.register_forward_hook(self._forward_hook(m, ly))

    @staticmethod
    def _forward_hook(m: _Model, ly: _Layer) -> Callable[..., None]:
        def hook(module: Module, inputs: Any, output: Any) -> None:
            if ly.stats is None and is_grad_enabled():  # the first training forward
                t = time.perf_counter()
                x = _values(output)
                if x is not None:
                    ly.stats = {**activation_stats(x), **unit_stats(module, inputs, x)}
                m.spent += time.perf_counter() - t
        return hook

    def _disarm(self, m: _Model) -> None:
        m.armed, m.before = None, None
        for ly in m.layers:
            if ly.handle is not None:
                ly.handle.remove()
                ly.handle = None

    def _read_before(self, m: _Model) -> None:
        t = time.perf_counter()
        before = []
        for _, _, p in m.params:
            g, w = p.grad, p.data
            gn = float(np.linalg.norm(g)) if g is not None else None
            before.append((gn, float(np.linalg.norm(w)), w.copy() if g is not None else None))
        m.before = before
        m.spent += time.perf_counter() - t

    def _finish(self, m: _Model) -> None:
        t = time.perf_counter()
        params = []
        for (name, layer, p), (gn, wn, old) in zip(m.params, m.before or [], strict=True):
            update = None
            if old is not None and wn > 0:
                update = _num(float(np.linalg.norm(p.data - old)) / wn, self.digits)
            params.append({"name": name, "layer": layer, "shape": list(p.data.shape),
                           "grad": None if gn is None else _num(gn, self.digits),
                           "norm": _num(wn, self.digits), "update": update})
        layers = []
        for ly in m.layers:
            row: dict[str, Any] = {"name": ly.name, "type": type(ly.module).__name__,
                                   "size": ly.size, "mean": None, "std": None, "zeros": None,
                                   "saturated": None, "dead": None}
            if ly.stats is not None:
                row.update({k: _num(v, self.digits) for k, v in ly.stats.items()})
            layers.append(row)
        self._disarm(m)
        end = time.perf_counter()
        cost = m.spent + (end - t)
        m.due = end + max(self.interval, cost / self.budget if self.budget else 0.0)
        self.samples += 1
        self.sink({"model": m.key, "label": m.label, "step": m.steps,
                   "time": round(end - self._t0, 2), "cost": _num(cost, self.digits),
                   "params": params,
                   "layers": layers, "omitted": dict(m.omitted)})


def watching(sink: Callable[[dict[str, Any]], None], **options: Any) -> LayerWatch:
    """A started-on-entry :class:`LayerWatch`: ``with watching(sink): train()``."""
    return LayerWatch(sink, **options)
