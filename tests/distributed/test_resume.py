"""Resuming across rank counts: a checkpoint written by one process is continued by 2 ranks,
and one written by 2 ranks by one process, each ending where an uninterrupted single-process
run ends (float64, 1e-12): the checkpoint's weights, optimizer state, generator state and
history are the same whatever the number of ranks that wrote it."""

import numpy as np
import pytest
import scenarios
from scenarios import RESUMED

from deepgrad.train import load_checkpoint


def _same(name: str, resumed: dict) -> None:
    whole = scenarios.reference(name)
    assert sorted(whole) == sorted(resumed)
    for k, v in whole.items():
        np.testing.assert_allclose(resumed[k], v, rtol=0, atol=1e-12, err_msg=f"{name}: {k}")


@pytest.mark.parametrize("name", RESUMED)
def test_one_process_checkpoint_continued_by_two_ranks(two_ranks, name):
    _same(name, dict(np.load(two_ranks / f"resumed_{name}.npz")))


@pytest.mark.parametrize("name", RESUMED)
def test_two_rank_checkpoint_continued_by_one_process(two_ranks, name, tmp_path):
    ck = tmp_path / "ck.npz"
    ck.write_bytes((two_ranks / f"two_{name}.ck.npz").read_bytes())
    first = load_checkpoint(ck)
    assert first["epoch"] == 0 and first["rng_state"] is not None and first["optimizer"]
    _same(name, scenarios.run(name, distributed=False, epochs=3, resume=str(ck)))
