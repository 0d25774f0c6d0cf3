"""Run directories: where a task's run puts everything, and how a run is resumed or loaded.

    out/<task>/<YYYYmmdd-HHMMSS>/      (or the directory given as out=)
        config.json    {"task", "config", "seed", "quick", "deepgrad_version", "data", ...}
        metrics.json   a flat {name: number}: the figures the task is judged on
        log.txt        everything the run printed
        ...            the task's own artifacts (weights, plots, tables)

A new run never writes into an existing non-empty directory; ``resume=True`` continues the run
whose directory is given, with the config it was started with. ``config.json`` is written when
the run starts (so an interrupted run can be resumed) and again, with the data's checksums, when
it ends; ``metrics.json`` last, so its presence means the run finished. Every JSON file is
written atomically.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from .contract import Result, TaskError, check_metrics, config_from_dict, config_to_dict
from .registry import get_task

__all__ = ["OUT_ENV", "out_root", "run_task", "load_run", "read_run", "latest_run",
           "finished_run", "Run"]

OUT_ENV = "DEEPGRAD_OUT"


def out_root() -> Path:
    """Where runs go by default: ``$DEEPGRAD_OUT`` if set, else ``./out``."""
    return Path(os.environ.get(OUT_ENV) or "out")


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically (a temporary file in the same directory, then rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj, indent=1, allow_nan=False) + "\n")
    os.replace(tmp, path)


def _read_json(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise TaskError(f"{path}: missing; expected the {what} of a deepgrad run")
    try:
        obj = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TaskError(f"{path}: corrupt {what} ({e})") from None
    if not isinstance(obj, dict):
        raise TaskError(f"{path}: corrupt {what} (expected a JSON object, found "
                        f"{type(obj).__name__})")
    return obj


@dataclasses.dataclass
class Run:
    """A run directory as read back: its task, config, seed and (if it finished) metrics."""

    path: Path
    task: str
    config: Any
    seed: int
    metrics: dict[str, Any] | None
    info: dict[str, Any]


def read_run(path: str | os.PathLike, task: str | None = None) -> Run:
    """Read a run directory; ``task`` (a name) checks it belongs to that task."""

    path = Path(path)
    if not path.is_dir():
        raise TaskError(f"{path}: no such run directory")
    info = _read_json(path / "config.json", "config.json")
    name = info.get("task")
    if task is not None and name != task:
        raise TaskError(f"{path}: a run of task {name!r}, expected a run of {task!r}")
    try:
        module = get_task(str(name))
    except KeyError:
        raise TaskError(f"{path / 'config.json'}: unknown task {name!r}") from None
    cfg = config_from_dict(module.Config, info.get("config"), str(path / "config.json"))
    seed = info.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TaskError(f"{path / 'config.json'}: 'seed' should be an integer, found {seed!r}")
    metrics = None
    if (path / "metrics.json").exists():
        metrics = _read_json(path / "metrics.json", "metrics.json")
    return Run(path, str(name), cfg, seed, metrics, info)


def latest_run(task: str, root: str | os.PathLike | None = None) -> Path | None:
    """The newest finished run of ``task`` under ``root/<task>/`` (by the time it finished)."""
    folder = Path(root if root is not None else out_root()) / task
    done = [p for p in folder.glob("*/metrics.json") if p.is_file()] if folder.is_dir() else []
    if not done:
        return None
    return max(done, key=lambda p: p.stat().st_mtime_ns).parent


def finished_run(task: str, run: str | os.PathLike | None = None) -> Path:
    """``run`` (checked to be a finished run of ``task``), or the latest finished one under
    ``out_root()/<task>/``: what the inference verbs (``deepgrad tag``, ``caption``, ...) use."""
    if run is None:
        run = latest_run(task)
        if run is None:
            raise TaskError(f"no finished run of {task} under {out_root() / task}; run "
                            f"`deepgrad {task}` (or `deepgrad {task} --quick`) first, or give "
                            f"--run DIR")
    if read_run(run, task).metrics is None:
        raise TaskError(f"{run}: the run did not finish (no metrics.json)")
    return Path(run)


def load_run(path: str | os.PathLike | None = None, task: str | None = None) -> Any:
    """The trained thing of a finished run, from its task's ``load`` (for inference).

    ``path`` defaults to the latest run of ``task``."""

    if path is None:
        if task is None:
            raise TaskError("load_run: give a run directory or a task name")
        path = latest_run(task)
        if path is None:
            raise TaskError(f"no finished run of {task} under {out_root() / task}; "
                            f"run `deepgrad {task}` first")
    run = read_run(path, task)
    if run.metrics is None:
        raise TaskError(f"{run.path}: the run did not finish (no metrics.json); "
                        f"resume it with --resume")
    return get_task(run.task).load(run.path)


class _Tee(io.TextIOBase):
    """Write to the terminal and to log.txt (progress-bar redraws kept only once finished)."""

    def __init__(self, stream: Any, log: Any) -> None:
        self.stream, self.log, self.line = stream, log, ""

    def write(self, s: str) -> int:
        self.stream.write(s)
        if self.log.closed:  # someone kept the stream past the run: the terminal only
            return len(s)
        for ch in s:
            if ch == "\r":
                self.line = ""
            elif ch == "\n":
                self.log.write(self.line + "\n")
                self.line = ""
            else:
                self.line += ch
        return len(s)

    def flush(self) -> None:
        self.stream.flush()
        if not self.log.closed:
            self.log.flush()

    def isatty(self) -> bool:
        try:  # the progress bar asks; others may ask after the run (a closed stream)
            return bool(getattr(self.stream, "isatty", lambda: False)())
        except ValueError:
            return False

    def close_line(self) -> None:
        if self.line:
            self.log.write(self.line + "\n")
            self.line = ""


@contextmanager
def _tee_output(path: Path) -> Iterator[None]:
    with open(path, "a", encoding="utf-8") as log:
        out, err = _Tee(sys.stdout, log), _Tee(sys.stderr, log)
        old = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        try:
            yield
        finally:
            sys.stdout, sys.stderr = old
            out.close_line()
            err.close_line()


def _new_dir(task: str, out: str | os.PathLike | None) -> Path:
    if out is None:
        base = out_root() / task / time.strftime("%Y%m%d-%H%M%S")
        path, k = base, 1
        while path.exists():
            k += 1
            path = base.with_name(f"{base.name}-{k}")
    else:
        path = Path(out)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise TaskError(f"{path}: already exists and is not empty; a new run never writes "
                            "into an existing run (choose another --out, or --resume it)")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _version() -> str:
    from .. import __version__

    return __version__


def run_task(task: str | ModuleType, cfg: Any = None, out: str | os.PathLike | None = None,
             *, quick: bool = False, seed: int = 0, resume: bool = False,
             on_layers: Callable[[dict[str, Any]], None] | None = None,
             callbacks: list[Any] | None = None,
             distributed: bool = False) -> tuple[Path, Result]:
    """Run a task in its own run directory and return ``(directory, result)``.

    ``cfg`` defaults to the task's ``Config()`` (or ``QUICK`` with ``quick``). With
    ``resume``, ``out`` is the directory of an earlier run of this task: its config and seed are
    used (a ``cfg`` given too must equal it), and the run continues where it stopped. With
    ``on_layers``, the training is watched (:mod:`deepgrad.train.watch`) and every sample of
    its per-layer statistics goes to ``on_layers(record)``; it computes the same run.
    ``callbacks`` (Keras-style, such as ``deepgrad.train.XRay``) are given to every ``fit`` and
    ``train_epochs`` of the run (:func:`deepgrad.train.callbacks.attached`); their train begin
    and end bracket the whole run (on rank 0 only when distributed). With ``distributed``, the
    training is data-parallel over the ranks of ``mpirun``, rank 0 writing the run
    (:mod:`deepgrad.tasks.ranks`; one process: the same run); config.json records the number of
    ``ranks``."""
    from .. import distributed as dist

    module = get_task(task) if isinstance(task, str) else task
    if not distributed:
        return _run(module, cfg, out, quick, seed, resume, on_layers, callbacks,
                    dist.World(0, 1), False)
    from .ranks import check_distributed

    check_distributed(module)
    return _run(module, cfg, out, quick, seed, resume, on_layers, callbacks, dist.init(),
                True)


def _setup(module: ModuleType, cfg: Any, out: str | os.PathLike | None, quick: bool, seed: int,
           resume: bool, ranks: int | None) -> tuple[Any, int, Path, dict[str, Any]]:
    """The run's config, seed, directory and config.json content (a new run's is written);
    ``ranks``: the number of ranks of a distributed run (None: not asked), kept in "ranks"."""
    name = module.NAME
    if resume:
        if out is None:
            raise TaskError(f"{name}: --resume needs the run directory (--out DIR)")
        run = read_run(out, name)
        if cfg is not None and cfg != run.config:
            changed = [k for k, v in config_to_dict(cfg).items()
                       if getattr(run.config, k) != v]
            raise TaskError(f"{run.path}: was started with another config (differs in "
                            f"{', '.join(changed)}); resume it without changing fields")
        cfg, seed, path = run.config, run.seed, run.path
        info = dict(run.info)
        if ranks is not None or "ranks" in info:
            info["ranks"] = ranks or 1
    else:
        if cfg is None:
            cfg = module.QUICK if quick else module.Config()
        if not isinstance(cfg, module.Config):
            raise TypeError(f"{name}: cfg should be a {module.__name__}.Config, got "
                            f"{type(cfg).__name__}")
        path = _new_dir(name, out)
        info = {"task": name, "config": config_to_dict(cfg), "seed": int(seed),
                "quick": bool(quick), "deepgrad_version": _version(),
                "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "data": {},
                **({} if ranks is None else {"ranks": ranks})}
        write_json(path / "config.json", info)
    return cfg, seed, path, info


def _run(module: ModuleType, cfg: Any, out: str | os.PathLike | None, quick: bool, seed: int,
         resume: bool, on_layers: Callable[[dict[str, Any]], None] | None,
         callbacks: list[Any] | None, world: Any, distributed: bool) -> tuple[Path, Result]:
    from ..random import manual_seed

    name = module.NAME
    ranks = world.size if distributed else None
    if not world.active:
        cfg, seed, path, info = _setup(module, cfg, out, quick, seed, resume, ranks)
        with _tee_output(path / "log.txt"):
            return path, _run_here(module, cfg, seed, path, info, resume, on_layers,
                                   callbacks)
    from .. import distributed as dist
    from .ranks import agree_on_run, stop_all_on_error, workspace

    def setup() -> dict[str, Any]:
        c, s, p, i = _setup(module, cfg, out, quick, seed, resume, ranks)
        return {"config": config_to_dict(c), "seed": s, "path": str(p), "info": i}

    agreed = agree_on_run(setup, world)  # a TaskError here reaches every rank alike
    cfg = config_from_dict(module.Config, agreed["config"], "the run's set-up from rank 0")
    seed, path, info = agreed["seed"], Path(agreed["path"]), agreed["info"]
    parallel = dist.data_parallel(sync_batchnorm=True, private_output=True)
    with stop_all_on_error(world, name), workspace(path, resume, world, name) as here, parallel:
        if world.rank != 0:
            manual_seed(seed)
            return path, module.run(cfg, here, resume=resume)
        with _tee_output(path / "log.txt"):
            print(f"{name}: data-parallel training on {world.size} ranks")
            return path, _run_here(module, cfg, seed, path, info, resume, on_layers,
                                   callbacks)


def _run_here(module: ModuleType, cfg: Any, seed: int, path: Path, info: dict[str, Any],
              resume: bool, on_layers: Callable[[dict[str, Any]], None] | None,
              callbacks: list[Any] | None) -> Result:
    """The task's run in ``path`` (output teed to its log), then config.json and metrics.json."""
    from ..random import manual_seed

    name = module.NAME
    manual_seed(seed)
    t0 = time.perf_counter()
    if resume:
        print(f"resuming {name} in {path}")
    with contextlib.ExitStack() as stack:
        if on_layers is not None:
            from ..train.watch import LayerWatch

            stack.enter_context(LayerWatch(on_layers))
        if callbacks:
            from ..train.callbacks import attached

            stack.enter_context(attached(callbacks))
        result = module.run(cfg, path, resume=resume)
    metrics = check_metrics(result.metrics, name)
    seconds = time.perf_counter() - t0
    info = {**info, "data": {**info.get("data", {}), **result.data},
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "seconds": round(seconds, 1), "artifacts": result.artifacts}
    write_json(path / "config.json", info)
    write_json(path / "metrics.json", metrics)
    _report(name, path, metrics, result.artifacts, seconds, module.HEADLINE)
    return result


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _report(name: str, path: Path, metrics: dict[str, Any], artifacts: dict[str, str],
            seconds: float, headline: str, most: int = 12) -> None:
    print(f"\n{name}: finished in {seconds:.0f} s")
    shown = list(metrics) if len(metrics) <= most else [headline]
    width = max((len(k) for k in shown), default=0)
    for k in shown:
        print(f"  {k:<{width}}  {_fmt(metrics.get(k))}")
    if len(shown) < len(metrics):
        print(f"  ... and {len(metrics) - len(shown)} more figures in metrics.json")
    print(f"  written to {path}/: config.json, metrics.json, log.txt"
          + "".join(f", {a}" for a in artifacts.values()))
