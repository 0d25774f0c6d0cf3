"""LRScheduler: the base class of the learning-rate schedules (PyTorch's protocol).

A scheduler owns nothing but a few numbers: on construction it records each group's
``initial_lr`` (``base_lrs``) and takes step 0; each ``step()`` (once per epoch, after
``optimizer.step()``) advances ``last_epoch`` and writes the new ``lr`` into every parameter
group. Schedules are *chainable* as in PyTorch: most compute the new rate from the group's
current ``lr``, so two schedulers on one optimizer multiply, and a rate changed by hand persists.
"""

from __future__ import annotations

from typing import Any

from ..optimizer import Optimizer

__all__ = ["LRScheduler"]


class LRScheduler:
    """Base class: ``step()``, ``get_last_lr()``, ``state_dict()`` / ``load_state_dict()``."""

    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected a deepgrad.optim.Optimizer, got "
                f"{type(optimizer).__name__}"
            )
        if not optimizer.param_groups:
            raise RuntimeError(
                f"{type(self).__name__}: {type(optimizer).__name__} has no parameters yet (made "
                "Keras' way, without them); create the scheduler after fit has bound them or "
                "after optimizer.build(model.parameters())"
            )
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param_groups[{i}] has no 'initial_lr'; "
                        f"resuming with last_epoch={last_epoch} needs the optimizer state loaded"
                    )
        self.base_lrs: list[float] = [float(g["initial_lr"]) for g in optimizer.param_groups]
        self.last_epoch = int(last_epoch)
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:  # pragma: no cover - abstract
        """The rates for ``self.last_epoch`` (already advanced)."""
        raise NotImplementedError

    def _closed_form(self) -> list[float]:
        """The rates at ``last_epoch`` from ``base_lrs`` alone (used by ``step(epoch)``)."""
        return self.get_lr()

    def _lrs(self) -> list[float]:
        return [float(g["lr"]) for g in self.optimizer.param_groups]

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to ``epoch``) and set every group's ``lr``."""
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = int(epoch)
            values = self._closed_form()
        self._set(values)

    def _set(self, values: list[float]) -> None:
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = float(lr)
        self._last_lr = self._lrs()

    def get_last_lr(self) -> list[float]:
        """The rates set by the most recent ``step()``."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer and functions: numbers and lists of numbers."""
        return {
            k: (list(v) if isinstance(v, list) else v)
            for k, v in self.__dict__.items()
            if k != "optimizer" and not callable(v) and not _holds_functions(v)
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (tuples/arrays become lists)."""
        for k, v in state_dict.items():
            if hasattr(v, "tolist") and not isinstance(v, int | float | bool):
                v = v.tolist()
            if isinstance(v, tuple):
                v = list(v)
            if k in ("base_lrs", "_last_lr") and not isinstance(v, list):
                v = [v]
            self.__dict__[k] = v


def _holds_functions(v: Any) -> bool:
    return isinstance(v, list | tuple) and any(callable(x) for x in v)
