"""Faults never hang a data-parallel run: when rank 1 raises, is killed, or hangs in the middle
of epoch 2, rank 0 stops with a clear message (the raising rank's error, mpirun's report of the
killed rank, or the watchdog naming the collective it waited in), mpirun exits with an error,
and the checkpoint written after epoch 1 is intact: it loads, and holds the weights one process
has after one epoch. The subprocess timeout is the bound: a hang fails the test."""

import numpy as np
import pytest
import scenarios
from mpi_helpers import scenarios as run_scenarios

from deepgrad.train import load_checkpoint

EXPECTED = {
    "raise": "rank 1 of 2 stopped on RuntimeError: scenario: rank 1 fails on purpose",
    "kill": "exited on\nsignal 9",
    "hang": "rank 0 of 2 waited",
}


@pytest.fixture(scope="module")
def after_one_epoch():
    return scenarios.run("mlp64", distributed=False, epochs=1)


@pytest.mark.parametrize("fault", ["raise", "kill", "hang"])
def test_a_failing_rank_stops_every_rank_and_the_checkpoint_survives(
    tmp_path, fault, after_one_epoch
):
    ck = tmp_path / "state.npz"
    done = run_scenarios(
        2,
        tmp_path,
        f"mlp64:fault={fault},resume={ck}",
        env={"DEEPGRAD_DIST_TIMEOUT": "3"},
        timeout=90,
    )
    said = done.stdout + done.stderr
    assert done.returncode != 0
    assert " ".join(EXPECTED[fault].split()) in " ".join(said.split()), said[-3000:]
    if fault == "hang":
        assert "allreduce of gradients" in said and "timeout 3 s" in said
    assert not (tmp_path / "mlp64.npz").exists()  # the run did not finish
    state = load_checkpoint(ck)
    assert state["epoch"] == 0
    for k, v in state["model"].items():
        np.testing.assert_allclose(v, after_one_epoch[f"model/{k}"], rtol=0, atol=1e-12)
