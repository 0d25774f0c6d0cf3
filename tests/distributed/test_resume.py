"""Resuming across rank counts: a checkpoint written by one process is continued by 2 ranks,
and one written by 2 ranks by one process, each ending where an uninterrupted single-process
run ends (float64, 1e-12): the checkpoint's weights, optimizer state, generator state and
history are the same whatever the number of ranks that wrote it."""

import numpy as np
import pytest
import scenarios
from mpi_helpers import scenarios as run_scenarios

NAMES = ["dropout64", "syncbn64"]  # the generator's state matters; BatchNorm's buffers too


def _check(name: str, resumed: dict) -> None:
    whole = scenarios.run(name, distributed=False, epochs=3)
    assert sorted(whole) == sorted(resumed)
    for k, v in whole.items():
        np.testing.assert_allclose(resumed[k], v, rtol=0, atol=1e-12, err_msg=f"{name}: {k}")


def test_one_process_checkpoint_continued_by_two_ranks(tmp_path):
    for name in NAMES:
        scenarios.run(name, distributed=False, epochs=1, resume=str(tmp_path / f"{name}.ck.npz"))
    specs = [f"{n}:epochs=3,resume={tmp_path / f'{n}.ck.npz'},tag={n}" for n in NAMES]
    done = run_scenarios(2, tmp_path, *specs)
    assert done.returncode == 0, done.stderr[-3000:]
    for name in NAMES:
        _check(name, dict(np.load(tmp_path / f"{name}.npz")))


def test_two_rank_checkpoint_continued_by_one_process(tmp_path):
    specs = [f"{n}:epochs=1,resume={tmp_path / f'{n}.ck.npz'},tag={n}" for n in NAMES]
    done = run_scenarios(2, tmp_path, *specs)
    assert done.returncode == 0, done.stderr[-3000:]
    for name in NAMES:
        resumed = scenarios.run(
            name, distributed=False, epochs=3, resume=str(tmp_path / f"{name}.ck.npz")
        )
        _check(name, resumed)


@pytest.mark.parametrize("name", NAMES)
def test_the_checkpoints_hold_what_resuming_needs(tmp_path, name):
    from deepgrad.train import load_checkpoint

    path = tmp_path / "ck.npz"
    scenarios.run(name, distributed=False, epochs=1, resume=str(path))
    ck = load_checkpoint(path)
    assert ck["epoch"] == 0 and ck["rng_state"] is not None and ck["optimizer"] is not None
