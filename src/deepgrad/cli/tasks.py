"""The task commands, generated from ``deepgrad.tasks.TASKS``.

    deepgrad tasks                                  # every task: week, what it does, last result
    deepgrad TASK [--field value ...] [--quick] [--out DIR] [--seed N] [--resume] [--xray FILE]
    mpirun -n P deepgrad TASK --distributed ...     # data-parallel over P ranks (fit's tasks)
    deepgrad TASK --help                            # every field: type, default, meaning
    deepgrad demo                                   # the flagship: deepgrad mnist
    deepgrad predict TASK INPUT... [--run DIR]      # a trained run on new inputs

Each ``Config`` field is a flag (``batch_size`` -> ``--batch-size``) whose value is checked by
its type; a flag not given keeps the config's value (``Config()``'s, or ``QUICK``'s with
``--quick``). A task's errors (a run directory that is missing, of another task, corrupt or
already used) print one line and exit with 2, as argparse does for a wrong flag.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["add_task_commands", "add_task_parser"]

_METAVAR = {int: "N", float: "X", str: "TEXT", bool: "{true,false}"}


def _first_paragraph(doc: str | None) -> str:
    return (doc or "").strip().split("\n\n")[0].replace("\n", " ")


def _type(spec: Any) -> Any:
    from deepgrad.tasks.contract import parse_value

    def parse(text: str) -> Any:
        try:
            return parse_value(spec, text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    parse.__name__ = spec.type_name()  # argparse names it in "invalid ... value"
    return parse


def add_task_parser(sub: argparse._SubParsersAction, module: ModuleType,
                    aliases: tuple[str, ...] = ()) -> argparse.ArgumentParser:
    """``deepgrad NAME ...`` for one task module: a flag per Config field, plus the common ones."""
    from deepgrad.tasks.contract import config_fields

    p = sub.add_parser(
        module.NAME, aliases=list(aliases), help=module.SUMMARY, allow_abbrev=False,
        description=_first_paragraph(module.__doc__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"Runs go to {Path('out') / module.NAME}/<timestamp>/ (config.json, metrics.json, "
               "log.txt and the task's artifacts); the headline figure is "
               f"{module.HEADLINE}.")
    fields = p.add_argument_group("config (each defaults to the course's setting)")
    quick = {s.name: getattr(module.QUICK, s.name) for s in config_fields(module.Config)}
    for spec in config_fields(module.Config):
        q = quick[spec.name]
        shown_q = "" if q == spec.default else f"; --quick: {q}"
        fields.add_argument(
            "--" + spec.name.replace("_", "-"), dest=spec.name, type=_type(spec),
            default=argparse.SUPPRESS, metavar=_METAVAR[spec.type] if not spec.choices
            else "{" + ",".join(spec.choices) + "}",
            help=f"{spec.help} (default: {spec.default}{shown_q})")
    run = p.add_argument_group("run")
    run.add_argument("--quick", action="store_true",
                     help="the seconds-long config on real data (what the tests run)")
    run.add_argument("--out", metavar="DIR", default=None,
                     help=f"the run directory (default: out/{module.NAME}/<timestamp>); must "
                          "not exist or be empty, unless --resume")
    run.add_argument("--seed", type=int, default=None, help="seed of deepgrad's generator "
                     "(default: 0)")
    run.add_argument("--resume", action="store_true",
                     help="continue the interrupted run in --out DIR (default: the latest "
                          "unfinished run of this task), with the config it was started with")
    run.add_argument("--xray", metavar="FILE", default=None,
                     help="write the training X-ray (deepgrad.train.XRay: per layer and epoch "
                          "activation mean/std, saturated and dead units, gradient norms, "
                          "update ratios) to FILE (JSON) and its figure beside it (.png)")
    run.add_argument("--distributed", action="store_true",
                     help="data-parallel training over the ranks of mpirun (mpirun -n P "
                          f"deepgrad {module.NAME} --distributed; the distributed extra); "
                          "rank 0 writes the run" + ("" if getattr(module, "DISTRIBUTED", False)
                                                     else f" (not for {module.NAME}: it trains "
                                                          "with its own loop)"))
    p.set_defaults(func=_run_command, task=module.NAME)
    return p


def _latest_unfinished(task: str) -> Path | None:
    from deepgrad.tasks.rundir import out_root

    folder = out_root() / task
    runs = [c.parent for c in folder.glob("*/config.json")
            if not (c.parent / "metrics.json").exists()] if folder.is_dir() else []
    return max(runs, key=lambda p: p.stat().st_mtime_ns) if runs else None


def _fail(name: str, message: str) -> int:
    print(f"deepgrad {name}: error: {message}", file=sys.stderr)
    return 2


def _run_command(args: argparse.Namespace) -> int:
    from deepgrad.data import DataError
    from deepgrad.distributed import DistributedError
    from deepgrad.tasks import TaskError, get_task, read_run, run_task

    module = get_task(args.task)
    given = {k: v for k, v in vars(args).items()
             if k in {f.name for f in dataclasses.fields(module.Config)}}
    callbacks = []
    if args.xray:
        from deepgrad.train import XRay

        callbacks.append(XRay(args.xray))
    try:
        if args.resume:
            out = args.out or _latest_unfinished(module.NAME)
            if out is None:
                return _fail(module.NAME, f"--resume: no unfinished run under "
                                          f"out/{module.NAME}/; give its directory with --out")
            saved = read_run(out, module.NAME)
            if args.quick:
                return _fail(module.NAME, "--resume takes the config the run was started "
                                          "with; drop --quick")
            if args.seed is not None and args.seed != saved.seed:
                return _fail(module.NAME, f"--resume: the run was started with seed "
                                          f"{saved.seed}, not {args.seed}")
            cfg = dataclasses.replace(saved.config, **given)
            run_task(module, cfg, out, resume=True, callbacks=callbacks,
                     distributed=args.distributed)
        else:
            base = module.QUICK if args.quick else module.Config()
            cfg = dataclasses.replace(base, **given)
            run_task(module, cfg, args.out, quick=args.quick,
                     seed=0 if args.seed is None else args.seed, callbacks=callbacks,
                     distributed=args.distributed)
    except TaskError as e:
        return _fail(module.NAME, str(e))
    except DataError as e:
        print(f"deepgrad {module.NAME}: {e}", file=sys.stderr)
        return 1
    except DistributedError as e:
        return _fail(module.NAME, str(e))
    return 0


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _tasks_command(args: argparse.Namespace) -> int:
    """``deepgrad tasks``: name, week, what it does, the headline figure of its latest run."""
    from deepgrad.tasks import TASKS, latest_run, read_run

    rows = []
    for name, module in sorted(TASKS.items(), key=lambda kv: (kv[1].WEEK, kv[0])):
        last, where = "never run", ""
        path = latest_run(name)
        if path is not None:
            try:
                metrics = read_run(path, name).metrics or {}
                last = f"{module.HEADLINE} {_fmt(metrics.get(module.HEADLINE))}"
                where = str(path)
            except Exception as e:  # a corrupt run should not hide the table
                last = f"unreadable run ({type(e).__name__})"
        rows.append((name, str(module.WEEK), module.SUMMARY, last, where))
    head = ("task", "week", "what it does", "latest run", "")
    w = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    print("  ".join(f"{h:<{w[i]}}" for i, h in enumerate(head[:4])))
    for r in rows:
        print("  ".join(f"{c:<{w[i]}}" for i, c in enumerate(r[:4])) + (f"  {r[4]}" if r[4]
                                                                          else ""))
    print("\nrun one: deepgrad TASK [--quick]; its flags: deepgrad TASK --help")
    return 0


def _predict_command(args: argparse.Namespace) -> int:
    from deepgrad.tasks import TaskError, get_task, load_run

    module = get_task(args.task)
    try:
        predictor = load_run(args.run, module.NAME)
        for line in module.predict(predictor, args.inputs):
            print(line)
    except TaskError as e:
        return _fail(f"predict {module.NAME}", str(e))
    return 0


def add_task_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``deepgrad tasks``, one command per task (``demo`` = ``mnist``), ``predict``."""
    from deepgrad.tasks import TASKS

    t = sub.add_parser("tasks", help="list the course's tasks and their latest results")
    t.set_defaults(func=_tasks_command)
    for name, module in TASKS.items():
        add_task_parser(sub, module, aliases=("demo",) if name == "mnist" else ())
    can_predict = [n for n, m in TASKS.items() if hasattr(m, "predict")]
    p = sub.add_parser("predict", help="a trained run on new inputs (" + ", ".join(can_predict)
                       + ")")
    p.add_argument("task", choices=can_predict)
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="e.g. image files")
    p.add_argument("--run", metavar="DIR", default=None,
                   help="the run directory (default: the latest finished run of the task)")
    p.set_defaults(func=_predict_command)
