"""What every course application (a *task*) provides, and how its config becomes flags and JSON.

A task is a module in ``deepgrad.tasks`` with::

    NAME = "mnist"                       # the CLI name: deepgrad mnist ...
    WEEK = 2                             # where the course builds it
    SUMMARY = "classify handwritten digits with the course's CNN (or MLP)"
    HEADLINE = "test_accuracy"           # the metric the task is judged on (deepgrad tasks)

    @dataclass
    class Config:                        # defaults reproduce the course's setting
        epochs: int = param(6, "passes over the training images")
        model: Literal["mlp", "cnn"] = param("cnn", "the architecture")

    QUICK = Config(epochs=1, ...)        # seconds long, on real data: what tests and --quick run

    def run(cfg: Config, out: Path, resume: bool = False) -> Result: ...
    def load(out: Path) -> Any: ...     # the trained thing, for inference

``run`` obtains its data, trains, evaluates and writes its artifacts into ``out`` (an empty
directory made for it, or the directory of an interrupted run when ``resume`` is true); the
runner (:mod:`deepgrad.tasks.rundir`) writes ``config.json``, ``metrics.json`` and ``log.txt``
around it. Callbacks reach a task without a parameter of its own: ``run_task(...,
callbacks=[...])`` attaches them (:func:`deepgrad.train.callbacks.attached`) to every ``fit``
and ``train_epochs`` inside ``run``, and observers built on the optimizers' step hooks (the
X-ray, :class:`deepgrad.train.XRay`; :mod:`deepgrad.train.watch`) see a task's own loop too.
Optional: ``predict(predictor, inputs: list[str]) -> list[str]`` for ``deepgrad predict TASK
INPUT...``; ``DISTRIBUTED = True`` when the training goes through ``fit``, so that
``mpirun -n P deepgrad TASK --distributed`` trains data-parallel (:mod:`deepgrad.tasks.ranks`).

A config field's type is one of ``int``, ``float``, ``str``, ``bool``, a ``Literal`` of strings,
or one of these ``| None``; :func:`param` gives it its default and one line of meaning (the
``--help`` text).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["TaskError", "Result", "param", "FieldSpec", "config_fields", "config_to_dict",
           "config_from_dict", "parse_value", "check_metrics"]


class TaskError(Exception):
    """A task cannot be run or loaded as asked: the message names what was expected and found."""


@dataclass
class Result:
    """What ``run`` returns: the figures the task is judged on and the files it wrote.

    ``metrics``: a flat ``{name: number}`` (``None`` for a figure that has no value, e.g. a
    method that never reached the tolerance), written as ``metrics.json``. ``artifacts``:
    ``{what: path relative to out}`` (weights, plots, tables). ``data``: ``{file: md5}`` of the
    data read, recorded in ``config.json``."""

    metrics: dict[str, float | int | None]
    artifacts: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)


def param(default: Any, help: str) -> Any:
    """A config field with its default and its one line of meaning (shown by ``--help``)."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class FieldSpec:
    """One config field as the CLI and JSON see it."""

    name: str
    type: Any  # int, float, str or bool
    choices: tuple[str, ...] | None
    optional: bool
    default: Any
    help: str

    def type_name(self) -> str:
        base = "{" + ",".join(self.choices) + "}" if self.choices else self.type.__name__
        return base + (" or none" if self.optional else "")


_SCALARS = (int, float, str, bool)


def _spec(cls: type, f: dataclasses.Field, hint: Any) -> FieldSpec:
    optional = False
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            raise TypeError(f"{cls.__module__}.Config.{f.name}: unsupported type {hint!r}")
        hint, optional = rest[0], True
    choices = None
    if typing.get_origin(hint) is Literal:
        choices = typing.get_args(hint)
        if not all(isinstance(c, str) for c in choices):
            raise TypeError(f"{cls.__module__}.Config.{f.name}: Literal choices must be strings")
        hint = str
    if hint not in _SCALARS:
        raise TypeError(f"{cls.__module__}.Config.{f.name}: type {hint!r} is not one of "
                        "int, float, str, bool, a Literal of strings, or one of these | None")
    if f.default is dataclasses.MISSING:
        raise TypeError(f"{cls.__module__}.Config.{f.name}: every field needs a default")
    help_text = f.metadata.get("help")
    if not help_text:
        raise TypeError(f"{cls.__module__}.Config.{f.name}: give it a help line with param()")
    return FieldSpec(f.name, hint, choices, optional, f.default, help_text)


def config_fields(cls: type) -> list[FieldSpec]:
    """The fields of a task's ``Config`` dataclass, checked to be CLI- and JSON-able."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = typing.get_type_hints(cls)
    return [_spec(cls, f, hints[f.name]) for f in dataclasses.fields(cls)]


def parse_value(spec: FieldSpec, text: str) -> Any:
    """A command-line string -> the field's value; ValueError says what was expected."""
    if spec.optional and text.lower() in ("none", "null"):
        return None
    if spec.choices is not None:
        if text not in spec.choices:
            raise ValueError(f"{spec.name}: expected one of {', '.join(spec.choices)}, "
                             f"got {text!r}")
        return text
    if spec.type is bool:
        low = text.lower()
        if low in ("true", "yes", "1", "on"):
            return True
        if low in ("false", "no", "0", "off"):
            return False
        raise ValueError(f"{spec.name}: expected true or false, got {text!r}")
    try:
        value = spec.type(text)
    except ValueError:
        raise ValueError(f"{spec.name}: expected {spec.type_name()}, got {text!r}") from None
    if spec.type is float and not math.isfinite(value):
        raise ValueError(f"{spec.name}: expected a finite number, got {text!r}")
    return value


def _check_value(spec: FieldSpec, value: Any, where: str) -> Any:
    if value is None and spec.optional:
        return None
    ok = (isinstance(value, bool) if spec.type is bool
          else isinstance(value, int | float) and not isinstance(value, bool)
          if spec.type is float
          else isinstance(value, spec.type) and not isinstance(value, bool))
    if spec.choices is not None and value not in spec.choices:
        ok = False
    if not ok:
        raise TaskError(f"{where}: field {spec.name!r} should be {spec.type_name()}, "
                        f"found {value!r}")
    return float(value) if spec.type is float else value


def config_to_dict(cfg: Any) -> dict[str, Any]:
    """The config as a JSON-able ``{field: value}``."""
    return {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg)}


def config_from_dict(cls: type, values: dict[str, Any], where: str) -> Any:
    """Rebuild a ``Config`` from JSON, checking every field's name and type (``where`` names
    the file in the error)."""
    if not isinstance(values, dict):
        raise TaskError(f"{where}: 'config' should be an object, found {type(values).__name__}")
    specs = {s.name: s for s in config_fields(cls)}
    unknown = sorted(set(values) - set(specs))
    if unknown:
        raise TaskError(f"{where}: unknown config field(s) {', '.join(unknown)}; "
                        f"{cls.__module__} has {', '.join(specs)}")
    return cls(**{k: _check_value(specs[k], v, where) for k, v in values.items()})


def check_metrics(metrics: Any, task: str) -> dict[str, float | int | None]:
    """Metrics must be a flat ``{str: number or None}`` with finite numbers."""
    if not isinstance(metrics, dict):
        raise TypeError(f"task {task}: Result.metrics should be a dict, got "
                        f"{type(metrics).__name__}")
    out: dict[str, float | int | None] = {}
    for k, v in metrics.items():
        if not isinstance(k, str):
            raise TypeError(f"task {task}: metric names must be strings, got {k!r}")
        if v is not None:
            if isinstance(v, bool) or not isinstance(v, int | float) and not hasattr(v, "item"):
                raise TypeError(f"task {task}: metric {k!r} should be a number, got {v!r}")
            v = v.item() if hasattr(v, "item") else v
            if not math.isfinite(v):
                raise TypeError(f"task {task}: metric {k!r} is {v} (write None for no value)")
        out[k] = v
    return out
