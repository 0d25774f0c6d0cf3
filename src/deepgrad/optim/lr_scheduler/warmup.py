"""Multiplicative and linear schedules: LambdaLR, LinearLR, LinearWarmup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..optimizer import Optimizer
from .base import LRScheduler

__all__ = ["LambdaLR", "LinearLR", "LinearWarmup"]


class LambdaLR(LRScheduler):
    """``lr = base_lr * lr_lambda(epoch)``; one function, or one per parameter group.

    The functions are not part of ``state_dict()``; pass the same ones when resuming.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, list | tuple):
            if len(lr_lambda) != n:
                raise ValueError(f"LambdaLR: expected {n} lr_lambdas, got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [
            b * float(f(self.last_epoch))
            for f, b in zip(self.lr_lambdas, self.base_lrs, strict=True)
        ]


class LinearLR(LRScheduler):
    """Scale the rate linearly from ``start_factor`` to ``end_factor`` over ``total_iters``.

    ``lr = base_lr * (start + (end - start) * min(epoch, total_iters) / total_iters)``,
    computed from the current rate as PyTorch does. With ``end_factor=1`` this is a warmup.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not 0.0 < start_factor <= 1.0:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if not 0.0 <= end_factor <= 1.0:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        if int(total_iters) < 1:
            raise ValueError(f"LinearLR: total_iters must be >= 1, got {total_iters}")
        self.start_factor = float(start_factor)
        self.end_factor = float(end_factor)
        self.total_iters = int(total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = self._lrs()
        t, s, e, n = self.last_epoch, self.start_factor, self.end_factor, self.total_iters
        if t == 0:
            return [lr * s for lr in lrs]
        if self._is_initial or t > n:
            return lrs
        ratio = 1.0 + (e - s) / (n * s + (t - 1) * (e - s))
        return [lr * ratio for lr in lrs]

    def _closed_form(self) -> list[float]:
        t, s, e, n = self.last_epoch, self.start_factor, self.end_factor, self.total_iters
        return [b * (s + (e - s) * min(n, t) / n) for b in self.base_lrs]


class LinearWarmup(LRScheduler):
    """Linear warmup, then (optionally) another schedule.

    For ``epoch < warmup_steps``:
    ``lr = base_lr * (start_factor + (1 - start_factor) * epoch / warmup_steps)``; from
    ``warmup_steps`` on the rate is ``base_lr``, or, with ``after=``, that scheduler takes over
    counting its own epochs from 0 (PyTorch's ``SequentialLR([LinearLR(...), after],
    milestones=[warmup_steps])``). Build ``after`` on the same optimizer *before* this one.
    Usually stepped once per batch.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        warmup_steps: int,
        start_factor: float = 0.0,
        after: LRScheduler | None = None,
        last_epoch: int = -1,
    ) -> None:
        if int(warmup_steps) < 1:
            raise ValueError(f"LinearWarmup: warmup_steps must be >= 1, got {warmup_steps}")
        if not 0.0 <= start_factor <= 1.0:
            raise ValueError(f"LinearWarmup: start_factor must be in [0, 1], got {start_factor}")
        if after is not None and after.optimizer is not optimizer:
            raise ValueError("LinearWarmup: `after` must schedule the same optimizer")
        self.warmup_steps = int(warmup_steps)
        self.start_factor = float(start_factor)
        self.after = after
        if after is not None and last_epoch == -1:  # undo the step `after` took when built
            for group in optimizer.param_groups:
                group["lr"] = group["initial_lr"]
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return self._closed_form()

    def _closed_form(self) -> list[float]:
        t, n, s = self.last_epoch, self.warmup_steps, self.start_factor
        if t < n:
            return [b * (s + (1.0 - s) * t / n) for b in self.base_lrs]
        after = self.after
        if after is None:
            return list(self.base_lrs)
        if t == n or self._is_initial:
            after.last_epoch = t - n
            values = after._closed_form()
            after._set(values)
            return values
        after.step()
        return after.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        sd = {k: v for k, v in super().state_dict().items() if k != "after"}
        if self.after is not None:
            sd["after"] = self.after.state_dict()
        return sd

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        sd = dict(state_dict)
        after_sd = sd.pop("after", None)
        super().load_state_dict(sd)
        if after_sd is not None:
            if self.after is None:
                raise ValueError("LinearWarmup.load_state_dict: saved with `after`, built without")
            self.after.load_state_dict(after_sd)
