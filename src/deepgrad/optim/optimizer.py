"""Optimizer: the base class of every update rule in ``deepgrad.optim``.

An optimizer holds *parameter groups* (PyTorch's ``param_groups``): a list of dicts, each with
its ``"params"`` (leaf :class:`deepgrad.Tensor` objects) and its own hyperparameters (``lr``,
``momentum``, ...; missing ones come from the optimizer's defaults). ``step()`` reads every
parameter's gradient ``p.grad`` (a NumPy array; ``None`` means "no gradient, skip it") and
updates ``p.data`` in place. Per-parameter state (momentum buffers h_t, AdaGrad's G_t, Adam's
m_t and v_t, the step count t) lives in ``optimizer.state[p]``.

``state_dict()`` is PyTorch's layout, made of plain Python numbers, tuples, lists and NumPy
arrays only (no pickled objects)::

    {"state": {0: {"step": 3, "exp_avg": array, ...}, ...},
     "param_groups": [{"lr": 0.001, ..., "params": [0, 1, 2]}, ...]}

Keras' form ``Adam(learning_rate=1e-3)`` (``learning_rate`` is an alias of ``lr``) creates an
optimizer *without* parameters; ``model.compile(optimizer=...)`` + ``fit`` (or ``build(params)``)
binds the model's, and ``step()`` before that raises. The other hyperparameters keep PyTorch's
names and defaults (``eps``, ``betas``, ``alpha``, ...).

Parameters are numbered in the order they appear across the groups. Use
:func:`deepgrad.optim.flatten_state_dict` to turn it into one flat ``{str: ndarray}`` dict for
``np.savez`` (loadable with ``allow_pickle=False``).

Process-wide step hooks (PyTorch's ``torch.optim.optimizer.register_optimizer_step_pre_hook``
and ``..._post_hook``) run around every ``step()`` of every optimizer: ``hook(optimizer, args,
kwargs)``. They are how an observer (``deepgrad.train.watch``) sees a training it did not
write. Without any hook registered ``step()`` pays one check of two empty dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from ..tensor import Tensor, enable_grad

__all__ = ["Optimizer", "required", "resolve_lr", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]


class _Required:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()  # marks a hyperparameter with no default (as torch.optim.optimizer.required)

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]

# process-wide hooks around every Optimizer.step (id -> hook), empty unless someone watches
_step_pre_hooks: dict[int, Callable[..., Any]] = {}
_step_post_hooks: dict[int, Callable[..., Any]] = {}


def register_optimizer_step_pre_hook(hook: Callable[..., Any]) -> Any:
    """Run ``hook(optimizer, args, kwargs)`` before every optimizer's ``step()`` (PyTorch's
    global step pre-hook): the gradients are there, the weights not yet updated. A non-None
    return must be a new ``(args, kwargs)`` for ``step``. Returns a handle whose ``remove()``
    unregisters the hook."""
    from ..nn.module import RemovableHandle  # here: nn imports optim's clipping at import

    handle = RemovableHandle(_step_pre_hooks)
    _step_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook: Callable[..., Any]) -> Any:
    """Run ``hook(optimizer, args, kwargs)`` after every optimizer's ``step()`` (PyTorch's
    global step post-hook): the weights are updated. Returns a removable handle."""
    from ..nn.module import RemovableHandle

    handle = RemovableHandle(_step_post_hooks)
    _step_post_hooks[handle.id] = hook
    return handle


class Optimizer:
    """Base class: parameter groups, per-parameter state, ``zero_grad`` and ``state_dict``.

    Subclasses define ``_update_group(group)`` (the update rule for one group) and may define
    ``_check_group(group)`` to validate its hyperparameters.
    """

    def __init__(self, params: ParamsT | None, defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        self.defaults: dict[str, Any] = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if params is None:  # Keras' style: the parameters come later (compile/fit or build)
            self._check_group(dict(self.defaults))
            return
        if isinstance(params, int | float) and not isinstance(params, bool):
            raise TypeError(
                f"{name}: the first argument is the parameters (PyTorch's order), got the number "
                f"{params!r}; for Keras' form write {name}(learning_rate={params!r})"
            )
        self._add_groups(params)

    @property
    def built(self) -> bool:
        """Whether the optimizer has parameters (Keras' ``optimizer.built``)."""
        return bool(self.param_groups)

    def build(self, params: ParamsT) -> Optimizer:
        """Bind the parameters of an optimizer made without them (``Adam(learning_rate=1e-3)``),
        as Keras' ``optimizer.build(var_list)``; ``model.fit`` calls it with the model's."""
        if self.param_groups:
            raise RuntimeError(
                f"{type(self).__name__}.build: the optimizer already has parameters; "
                "create one optimizer per model"
            )
        self._add_groups(params)
        return self

    def _add_groups(self, params: ParamsT) -> None:
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of dicts (parameter groups), "
                f"got a single Tensor; wrap it in a list"
            )
        if isinstance(params, dict):
            raise TypeError(f"{name}: params must be a list of dicts, got a single dict")
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group ``{"params": [...], **hyperparameters}`` (defaults fill the rest)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: expected a dict, got {type(param_group)}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError(f"{name}.add_param_group: the group has no 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                f"{name}: parameters must be an ordered collection (list/tuple), not a set; "
                f"the order must be the same on every run for state_dict() to work"
            )
        params = list(params)
        seen: set[int] = set()
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name}: params[{i}] must be a deepgrad.Tensor, got {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: params[{i}] is not a leaf tensor (it was computed by an op); "
                    f"optimize the tensor you created with requires_grad=True instead"
                )
            if p.data.dtype.kind != "f":
                raise TypeError(
                    f"{name}: params[{i}] has dtype {p.data.dtype}; only floating point "
                    f"tensors can be optimized"
                )
            if id(p) in seen:
                raise ValueError(f"{name}: params[{i}] appears twice in the same group")
            seen.add(id(p))
        for other in self.param_groups:
            for q in other["params"]:
                if id(q) in seen:
                    raise ValueError(
                        f"{name}: some parameters appear in more than one parameter group"
                    )
        group["params"] = params
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(
                    f"{name}: parameter group didn't specify a value of required "
                    f"hyperparameter {key!r}"
                )
            group.setdefault(key, default)
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's hyperparameters (subclasses raise ValueError with the name)."""
        _check_nonneg(self, group, "lr")

    # ------------------------------------------------------------------ gradients
    def _require_params(self, what: str) -> None:
        if not self.param_groups:
            name = type(self).__name__
            raise RuntimeError(
                f"{name}.{what}: the optimizer has no parameters (it was created without them, "
                f"Keras' way); pass it to model.compile(optimizer=...) and call fit, call "
                "optimizer.build(model.parameters()), or create it as "
                f"{name}(model.parameters(), ...)"
            )

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (``None``), or fill it with zeros in place."""
        self._require_params("zero_grad")
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif g.flags.writeable:
                    g.fill(0)
                else:
                    p.grad = np.zeros_like(p.data)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient.

        ``closure`` (optional) re-evaluates the model and returns the loss; it is called
        (with gradient recording on) before the update and its result is returned.
        """
        if _step_pre_hooks or _step_post_hooks:  # someone watches (deepgrad.train.watch)
            return self._hooked_step(closure)
        return self._step(closure)

    def _step(self, closure: Callable[[], Any] | None = None) -> Any:
        self._require_params("step")
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _hooked_step(self, closure: Callable[[], Any] | None) -> Any:
        args: tuple[Any, ...] = () if closure is None else (closure,)
        kwargs: dict[str, Any] = {}
        for hook in list(_step_pre_hooks.values()):
            res = hook(self, args, kwargs)
            if res is not None:
                args, kwargs = res
        loss = self._step(*args, **kwargs)
        for hook in list(_step_post_hooks.values()):
            hook(self, args, kwargs)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} does not define its update rule")

    def _with_grads(
        self, group: dict[str, Any], new_state: Callable[[np.ndarray], dict[str, Any]]
    ) -> Iterator[tuple[Tensor, np.ndarray, np.ndarray, dict[str, Any]]]:
        """``(p, g, w, st)`` for each parameter of ``group`` that has a gradient: ``g`` checked
        against ``w = p.data`` (shape and dtype), ``st`` its state, made by ``new_state(w)`` on
        first use (when ``p.data`` must also be writeable, since updates are in place)."""
        state = self.state
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            w = p.data
            if g.shape != w.shape or g.dtype != w.dtype:
                self._bad_grad(p, g)
            st = state.get(p)
            if st is None:
                self._check_writeable(p)
                st = state[p] = new_state(w)
            yield p, g, w, st

    def _check_writeable(self, p: Tensor) -> None:
        if not p.data.flags.writeable:
            raise ValueError(
                f"{type(self).__name__}.step: parameter of shape {p.data.shape} is read-only "
                f"(a broadcast view or a frozen array); optimizers update p.data in place"
            )

    def _bad_grad(self, p: Tensor, g: Any) -> None:
        name = type(self).__name__
        if not isinstance(g, np.ndarray):
            raise TypeError(f"{name}.step: p.grad must be a NumPy array, got {type(g).__name__}")
        if g.shape != p.data.shape:
            raise ValueError(
                f"{name}.step: gradient shape {g.shape} does not match parameter shape "
                f"{p.data.shape}"
            )
        raise TypeError(
            f"{name}.step: gradient dtype {g.dtype} does not match parameter dtype "
            f"{p.data.dtype} (cast the gradient; no silent promotion)"
        )

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [...]}`` with copies of the arrays.

        Only plain numbers, tuples/lists, strings and NumPy arrays appear; entries of the
        per-parameter state whose name starts with ``_`` (scratch buffers) are left out.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = ids
            groups.append(packed)
        state: dict[int, dict[str, Any]] = {}
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state.get(p)
                if not st:
                    continue
                state[index[id(p)]] = {
                    k: (v.copy() if isinstance(v, np.ndarray) else v)
                    for k, v in st.items()
                    if not k.startswith("_")
                }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and per-parameter state saved by :meth:`state_dict`.

        Accepts the output of :func:`unflatten_state_dict` and PyTorch's optimizer state
        dicts too (tensors are converted with ``np.asarray``). Arrays are copied and cast to
        each parameter's dtype.
        """
        name = type(self).__name__
        if "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError(
                f"{name}.load_state_dict: expected keys 'state' and 'param_groups', got "
                f"{sorted(state_dict)}"
            )
        saved_groups = list(state_dict["param_groups"])
        if saved_groups:
            self._require_params("load_state_dict")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state dict has {len(saved_groups)} parameter "
                f"groups, the optimizer has {len(self.param_groups)}"
            )
        for saved in saved_groups:
            if _plain(saved.get("maximize", False)):
                raise ValueError(f"{name}.load_state_dict: maximize=True is not supported")
        id_to_param: dict[int, Tensor] = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups, strict=True)):
            saved_ids = [int(x) for x in np.asarray(saved["params"]).reshape(-1)]
            if len(saved_ids) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} has {len(group['params'])} "
                    f"parameters but the saved group has {len(saved_ids)}"
                )
            id_to_param.update(zip(saved_ids, group["params"], strict=True))
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, saved_st in state_dict["state"].items():
            k = int(key)
            if k not in id_to_param:
                raise ValueError(f"{name}.load_state_dict: state for unknown parameter {k}")
            p = id_to_param[k]
            st: dict[str, Any] = {}
            for sk, v in saved_st.items():
                if sk == "step":
                    st[sk] = int(round(float(np.asarray(v))))
                elif v is None:
                    st[sk] = None
                else:
                    arr = np.asarray(v)
                    if arr.ndim == 0 and arr.shape != p.data.shape:
                        st[sk] = arr.item()
                        continue
                    if arr.shape != p.data.shape:
                        raise ValueError(
                            f"{name}.load_state_dict: state {sk!r} of parameter {k} has shape "
                            f"{arr.shape}, the parameter has shape {p.data.shape}"
                        )
                    st[sk] = np.array(arr, dtype=p.data.dtype, copy=True)
            new_state[p] = st
        for group, saved in zip(self.param_groups, saved_groups, strict=True):
            for hk, hv in saved.items():
                if hk == "params":
                    continue
                group[hk] = _plain(hv)
        self.state = new_state


def _plain(v: Any) -> Any:
    """0-d arrays back to Python numbers, 1-d arrays back to tuples (betas)."""
    if isinstance(v, np.ndarray):
        return v.item() if v.ndim == 0 else tuple(v.tolist())
    if isinstance(v, np.generic):
        return v.item()
    return v


def _check_nonneg(opt: Optimizer, group: dict[str, Any], key: str) -> None:
    v = group[key]
    try:
        ok = float(v) >= 0.0
    except (TypeError, ValueError):
        raise TypeError(
            f"{type(opt).__name__}: {key} must be a number, got {type(v).__name__}"
        ) from None
    if not ok:
        raise ValueError(f"{type(opt).__name__}: invalid {key} {v} (expected >= 0)")


def _check_beta(opt: Optimizer, group: dict[str, Any], key: str, index: int | None = None) -> None:
    v = group[key] if index is None else group[key][index]
    label = key if index is None else f"{key}[{index}]"
    if not 0.0 <= float(v) < 1.0:
        raise ValueError(f"{type(opt).__name__}: invalid {label} {v} (expected 0 <= {label} < 1)")


def _check_adam_group(opt: Optimizer, group: dict[str, Any]) -> None:
    """The hyperparameter checks shared by the Adam family (lr, eps, weight_decay, betas)."""
    for key in ("lr", "eps", "weight_decay"):
        _check_nonneg(opt, group, key)
    if len(group["betas"]) != 2:
        raise ValueError(f"{type(opt).__name__}: betas must be a pair, got {group['betas']}")
    _check_beta(opt, group, "betas", 0)
    _check_beta(opt, group, "betas", 1)


def resolve_lr(opt_name: str, lr: float, learning_rate: float | None, default: float) -> float:
    """``learning_rate`` (Keras' name) is an alias of ``lr`` (PyTorch's): it replaces ``lr`` when
    ``lr`` is left at its default; both given with different values is an error."""
    if learning_rate is None:
        return lr
    if lr != default and lr != learning_rate:
        raise TypeError(
            f"{opt_name}: got lr={lr!r} and learning_rate={learning_rate!r}; they are the same "
            "hyperparameter (PyTorch's and Keras' name), give one"
        )
    return learning_rate
