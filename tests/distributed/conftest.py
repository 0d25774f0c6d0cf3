"""One mpirun for the equivalence and resume tests (each start of MPI and deepgrad costs seconds
on 2 cores): the 2-rank runs of every scenario, the continuation by 2 ranks of checkpoints one
process wrote, and the first epoch of the runs one process continues."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import scenarios  # noqa: E402
from mpi_helpers import scenarios as run_scenarios  # noqa: E402
from scenarios import CONTROL, RESUMED, SAME  # noqa: E402


@pytest.fixture(scope="session")
def two_ranks(tmp_path_factory):
    """The directory of the 2-rank results: <scenario>.npz, resumed_<s>.npz (continuing a
    1-process checkpoint one_<s>.ck.npz to 3 epochs) and two_<s>.ck.npz (1 epoch by 2 ranks)."""
    out = tmp_path_factory.mktemp("two_ranks")
    for name in RESUMED:
        scenarios.run(name, distributed=False, epochs=1, resume=str(out / f"one_{name}.ck.npz"))
    specs = [*SAME, CONTROL]
    specs += [f"{n}:epochs=3,resume={out / f'one_{n}.ck.npz'},tag=resumed_{n}" for n in RESUMED]
    specs += [f"{n}:epochs=1,resume={out / f'two_{n}.ck.npz'},tag=first_{n}" for n in RESUMED]
    done = run_scenarios(2, out, *specs)
    assert done.returncode == 0, done.stderr[-3000:]
    return out
