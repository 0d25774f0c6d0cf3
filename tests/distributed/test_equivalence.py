"""The proof of data-parallel training: 2 ranks under mpirun end with the parameters (and the
history) of one process trained on the same global batches, to 1e-12 in float64 and 1e-5 in
float32: Adam and SGD with momentum, dropout (masks of the global batch), SyncBatchNorm, an
iterable of batches with noise drawn per batch, and global batches that split unevenly (the
last one: 3 + 2 rows). Plain BatchNorm (per-rank statistics) is the control: it must differ."""

import numpy as np
import pytest
import scenarios
from scenarios import CONTROL, SAME

TOL = {"64": 1e-12, "32": 1e-5}


def _worst(a: dict, b: dict) -> tuple[float, str]:
    assert sorted(a) == sorted(b)
    return max(
        (float(np.max(np.abs(a[k].astype(np.float64) - b[k].astype(np.float64)), initial=0.0)), k)
        for k in a
    )


@pytest.mark.parametrize("name", SAME)
def test_two_ranks_train_the_single_process_model(two_ranks, name):
    two = dict(np.load(two_ranks / f"{name}.npz"))
    worst, key = _worst(scenarios.reference(name), two)
    assert worst <= TOL[name[-2:]], f"{name}: {key} differs by {worst:.3g}"
    assert len(two["history/loss"]) == 3 and np.isfinite(two["history/val_accuracy"]).all()


def test_per_rank_batchnorm_is_not_the_single_process_computation(two_ranks):
    one = scenarios.reference(CONTROL)
    two = dict(np.load(two_ranks / f"{CONTROL}.npz"))
    worst, _ = _worst(
        {k: v for k, v in one.items() if k.startswith("model/")},
        {k: v for k, v in two.items() if k.startswith("model/")},
    )
    assert worst > 1e-6  # the comparison above can tell two computations apart
