"""Run the course notebooks top to bottom and report how long each took.

    DEEPGRAD_QUICK=1 python tools/run_notebooks.py                # every notebook, quick mode
    python tools/run_notebooks.py week2_neural_networks --out DIR  # full mode, one notebook

Each notebook runs in a kernel whose working directory is ``--out`` (default: a temporary
directory), so its runs go to ``--out/out/`` unless ``DEEPGRAD_OUT`` says otherwise. With
``--out`` the executed notebooks are kept there (``<name>.ipynb``) and every figure they showed
is written as ``<name>-<cell>-<k>.png`` for looking at. Needs nbclient and nbformat (the
``test`` extra) and ipykernel.
"""

from __future__ import annotations

import argparse
import base64
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def execute(path: Path, workdir: Path, timeout: int = 3600):
    """The executed notebook (an nbformat node), the seconds it took and the CPU seconds its
    kernel used (user + system: on a machine shared with other jobs, closer than the wall time
    to what it takes alone)."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    )
    t0, cpu0 = time.perf_counter(), _children_cpu()
    client.execute()  # the kernel has exited (and been waited for) when this returns
    return nb, time.perf_counter() - t0, _children_cpu() - cpu0


def export_figures(nb, name: str, folder: Path) -> list[Path]:
    """Every PNG the notebook showed, as files."""
    written = []
    for i, cell in enumerate(nb.cells):
        for k, out in enumerate(cell.get("outputs", [])):
            png = out.get("data", {}).get("image/png")
            if png:
                target = folder / f"{name}-{i:02d}-{k}.png"
                target.write_bytes(base64.b64decode(png))
                written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="notebook names (default: all)")
    ap.add_argument("--out", type=Path, help="keep the executed notebooks and figures here")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = ap.parse_args(argv)
    import nbformat

    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.names:
        paths = [p for p in paths if p.stem in args.names]
        missing = set(args.names) - {p.stem for p in paths}
        if missing:
            print(f"no such notebook: {', '.join(sorted(missing))}", file=sys.stderr)
            return 2
    workdir = args.out or Path(tempfile.mkdtemp(prefix="deepgrad-notebooks-"))
    workdir.mkdir(parents=True, exist_ok=True)
    total = total_cpu = 0.0
    for path in paths:
        nb, seconds, cpu = execute(path, workdir, args.timeout)
        total, total_cpu = total + seconds, total_cpu + cpu
        print(f"{path.stem}: {seconds:.1f} s (kernel CPU {cpu:.1f} s)", flush=True)
        if args.out:
            nbformat.write(nb, args.out / path.name)
            export_figures(nb, path.stem, args.out)
    load = os.getloadavg()[0]
    print(f"all: {total:.1f} s (kernel CPU {total_cpu:.1f} s; load average now {load:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
