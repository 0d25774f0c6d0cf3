"""What the course notebooks (``notebooks/*.ipynb``) share: their first cell and their task runs.

    import deepgrad.notebook as nb
    nb.start("week2_neural_networks")      # quick or full mode, how long it takes, inline plots
    run = nb.run("mnist", model="mlp")      # a run of the task, or the latest one of this config
    run.metrics["test_accuracy"]; run.show("curves"); clf = run.load()

Quick mode is switched on by the environment variable ``DEEPGRAD_QUICK=1`` (read when the
notebook starts): every task then starts from its ``QUICK`` config, seconds long on the real
data, as ``deepgrad TASK --quick`` does; in full mode from the task's default ``Config()``, the
course's setting. ``run`` keeps the notebook's own choices (``model="mlp"``) in both modes, and
``quick_sizes`` only in quick mode: where a notebook shrinks a task below its QUICK config to
keep the notebooks' test run short, the sizes are visible in the cell that asks for them.

A run is reused rather than retrained when a finished run of the same task with the same config
and seed is found under the run root (``$DEEPGRAD_OUT``, else ``./out``): re-running a notebook
top to bottom costs the training once. ``fresh=True`` trains again anyway.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .tasks import get_task, read_run, run_task
from .tasks.contract import TaskError, config_fields
from .tasks.rundir import out_root

__all__ = [
    "QUICK_ENV",
    "TIMES",
    "Timing",
    "TaskRun",
    "quick_mode",
    "start",
    "config",
    "run",
    "find_run",
    "show_image",
    "format_duration",
]

QUICK_ENV = "DEEPGRAD_QUICK"


@dataclass(frozen=True)
class Timing:
    """How long a notebook takes top to bottom, as measured (seconds), and where each figure
    comes from (the machine, or the README's recorded full runs of its tasks)."""

    quick: float
    full: float | None
    quick_source: str
    full_source: str


# Measured top to bottom with tools/run_notebooks.py on the project's 2-core AMD EPYC
# (2026-12-04), a machine shared with other jobs (load average 6-8): quick mode as the kernel's
# CPU time, which is what the notebook needs on an idle 2-core laptop (the wall time there is
# given too); full mode as wall time where the notebook was run fully, otherwise the sum of its
# tasks' full-run times recorded in the README.
_Q = "kernel CPU time measured on a shared 2-core AMD EPYC, wall {} s there"
_F = "measured top to bottom on a shared 2-core AMD EPYC"
_R = "not run as a notebook: the sum of its tasks' full runs in the README, {}"
TIMES: dict[str, Timing] = {
    "week1_optimization": Timing(6.6, 26.1, _Q.format(17), _F),
    "week2_neural_networks": Timing(5.0, 33.2, _Q.format(13), _F + "; the MLP 98.46%"),
    "week3_cnn": Timing(9.4, 357.8, _Q.format(20), _F + "; the CNN 99.40%"),
    "week3_transfer_dense": Timing(
        11.9,
        2 * 3600 + 2569 + 496,
        _Q.format(24),
        _R.format("transfer about 2 h, segmentation 2,569 s, localization 496 s"),
    ),
    "week4_unsupervised": Timing(
        14.3,
        1409 + 6016 + 154,
        _Q.format(29),
        _R.format("autoencoder 1,409 s, gan 6,016 s, word2vec 154 s"),
    ),
    "week5_sequences": Timing(
        6.0,
        1255.8,
        _Q.format(11),
        _F + " at load average 10-14 (the kernel's CPU time 489 s); char LSTM 1.846 nats a "
        "character, tagger 98.08%, dates 100%",
    ),
    "week6_captioning": Timing(
        8.0,
        2781.9,
        _Q.format(17),
        _F + " at load average 8-14; attention BLEU-4 0.962, CIDEr-D 2.93, content 0.820",
    ),
}


def quick_mode() -> bool:
    """Whether ``DEEPGRAD_QUICK`` asks for quick mode (``1``/``true``/``yes``/``on``; unset,
    empty, ``0``/``false``/``no``/``off`` mean full mode; anything else is a ValueError)."""
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(
        f"{QUICK_ENV}={os.environ[QUICK_ENV]!r}: expected 1 (quick mode) or 0 (full mode)"
    )


def format_duration(seconds: float) -> str:
    """``75 -> '1 min 15 s'``, ``1256 -> '21 min'``, ``5400 -> '1 h 30 min'``: a duration for
    people (seconds below 10 minutes, minutes below an hour)."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 600:
        m, s = divmod(s, 60)
        return f"{m} min {s} s" if s else f"{m} min"
    if s < 3570:
        return f"{round(s / 60)} min"
    h, rest = divmod(s, 3600)
    m = round(rest / 60)
    if m == 60:
        h, m = h + 1, 0
    return f"{h} h {m} min" if m else f"{h} h"


def _inline_plots() -> str:
    """Figures inline under IPython; elsewhere matplotlib keeps its backend (a script)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return (
            'matplotlib is missing: the figures need it (pip install -e ".[notebooks]", '
            "or pip install matplotlib)"
        )
    ipython = _ipython()
    if ipython is not None:
        ipython.run_line_magic("matplotlib", "inline")
        return "figures inline"
    return "figures through matplotlib's default backend (not running under IPython)"


@contextmanager
def _keep_backend() -> Iterator[None]:
    """Tasks switch matplotlib to Agg to write their PNGs; afterwards the notebook's figures
    must be inline again."""
    before = sys.modules["matplotlib"].get_backend() if "matplotlib" in sys.modules else None
    try:
        yield
    finally:
        if "matplotlib" in sys.modules:
            import matplotlib

            if before is not None and matplotlib.get_backend() != before:
                ipython = _ipython()
                if ipython is not None and "inline" in before:
                    ipython.run_line_magic("matplotlib", "inline")
                else:
                    import matplotlib.pyplot as plt

                    plt.switch_backend(before)


def _ipython() -> Any:
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    return get_ipython()


def start(notebook: str) -> bool:
    """The first cell of every notebook: reads quick mode, says how long this notebook takes on
    a 2-core laptop in both modes, switches figures inline. Returns whether quick mode is on."""
    quick = quick_mode()
    timing = TIMES.get(notebook)
    mode = (
        f"quick mode ({QUICK_ENV}=1): every task with its QUICK config, seconds long; its "
        "figures show the pipeline working, far from what the full runs reach (see README.md)"
        if quick
        else f"full mode: every task with the course's config ({QUICK_ENV}=1 for quick mode)"
    )
    print(f"{notebook}: {mode}")
    if timing is None:
        print("  not yet timed")
    else:
        print(
            f"  on a 2-core laptop: quick mode about {format_duration(timing.quick)} "
            f"({timing.quick_source})"
        )
        full = "not measured" if timing.full is None else f"about {format_duration(timing.full)}"
        print(f"                      full mode {full} ({timing.full_source})")
    print(
        f"  runs go to {out_root().resolve()}/<task>/ ($DEEPGRAD_OUT moves them); a finished "
        "run of the same config is reused, not retrained"
    )
    print(f"  {_inline_plots()}")
    return quick


def config(task: str, *, quick_sizes: dict[str, Any] | None = None, **fields: Any) -> Any:
    """The task's config for this notebook: ``QUICK`` in quick mode, else ``Config()``, with
    ``fields`` set in both modes and ``quick_sizes`` set in quick mode only."""
    module = get_task(task)
    quick = quick_mode()
    names = [s.name for s in config_fields(module.Config)]
    for key in [*fields, *(quick_sizes or {})]:
        if key not in names:
            raise TaskError(
                f"{module.NAME}: no config field {key!r}; its fields are {', '.join(names)}"
            )
    cfg = dataclasses.replace(module.QUICK if quick else module.Config(), **fields)
    if quick and quick_sizes:
        cfg = dataclasses.replace(cfg, **quick_sizes)
    return cfg


@dataclass
class TaskRun:
    """A finished run of a task: where it is, its config, metrics and artifacts."""

    task: str
    path: Path
    config: Any
    metrics: dict[str, Any]
    artifacts: dict[str, str]
    seconds: float | None
    reused: bool
    _predictor: Any = field(default=None, repr=False)

    def file(self, name: str) -> Path:
        """An artifact's path, by its name in ``artifacts`` or its file name."""
        rel = self.artifacts.get(name, name)
        path = self.path / rel
        if not path.is_file():
            raise TaskError(
                f"{self.path}: no artifact {name!r}; this run has "
                f"{', '.join(self.artifacts) or 'none'}"
            )
        return path

    def show(self, *names: str, width: int | None = None) -> None:
        """Show the run's pictures inline (artifact names or file names)."""
        for name in names:
            show_image(self.file(name), width=width)

    def load(self) -> Any:
        """The trained thing (the task's ``load``), loaded once."""
        if self._predictor is None:
            with _keep_backend():
                self._predictor = get_task(self.task).load(self.path)
        return self._predictor


def show_image(path: str | os.PathLike, width: int | None = None) -> None:
    """A PNG/JPEG inline under IPython; its path printed elsewhere."""
    if _ipython() is None:
        print(f"[picture: {path}]")
        return
    from IPython.display import Image, display

    display(Image(filename=str(path), width=width))


def _print_metrics(metrics: dict[str, Any], headline: str, most: int = 12) -> None:
    shown = list(metrics) if len(metrics) <= most else [headline]
    width = max((len(k) for k in shown), default=0)
    for k in shown:
        v = metrics.get(k)
        print(f"  {k:<{width}}  {v:.4g}" if isinstance(v, float) else f"  {k:<{width}}  {v}")
    if len(shown) < len(metrics):
        print(f"  ... and {len(metrics) - len(shown)} more in run.metrics")


def find_run(
    task: str, cfg: Any, seed: int = 0, root: str | os.PathLike | None = None
) -> Path | None:
    """The newest finished run of ``task`` under ``root/<task>/`` with this config and seed."""
    module = get_task(task)
    folder = Path(root if root is not None else out_root()) / module.NAME
    if not folder.is_dir():
        return None
    found = []
    for done in folder.glob("*/metrics.json"):
        try:
            r = read_run(done.parent, module.NAME)
        except TaskError:
            continue  # a corrupt or foreign directory is not a run to reuse
        if r.metrics is not None and r.seed == seed and r.config == cfg:
            found.append((done.stat().st_mtime_ns, done.parent))
    return max(found)[1] if found else None


def run(
    task: str,
    *,
    quick_sizes: dict[str, Any] | None = None,
    seed: int = 0,
    fresh: bool = False,
    **fields: Any,
) -> TaskRun:
    """Run ``task`` with this notebook's config (see :func:`config`), or reuse the newest
    finished run of the same config and seed; its output (the task's log) is printed."""
    module = get_task(task)
    cfg = config(task, quick_sizes=quick_sizes, **fields)
    path = None if fresh else find_run(task, cfg, seed)
    reused = path is not None
    if path is None:
        with _keep_backend():
            path, _ = run_task(module, cfg, quick=quick_mode(), seed=seed)
    else:
        print(f"{module.NAME}: reusing {path} (same config and seed; fresh=True trains again)")
    r = read_run(path, module.NAME)
    assert r.metrics is not None
    if reused:
        _print_metrics(r.metrics, module.HEADLINE)
    return TaskRun(
        module.NAME,
        Path(path),
        r.config,
        r.metrics,
        dict(r.info.get("artifacts") or {}),
        r.info.get("seconds"),
        reused,
    )
