"""deepgrad.distributed in one process (no mpirun): rank 0 of 1, every collective a no-op, and
the pieces that need no communication (sharding, the global batch's dropout rows, SyncBatchNorm
falling back to BatchNorm) checked directly."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import distributed as dist
from deepgrad import nn
from deepgrad.functional import dropout
from deepgrad.random import batch_rows, draw_rows
from deepgrad.train.batches import ArrayBatches


@pytest.fixture(autouse=True)
def _outside_mpirun(monkeypatch):
    for k in ("OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"):
        monkeypatch.delenv(k, raising=False)


def test_one_process_is_rank_zero_of_one_and_collectives_return_their_input():
    w = dist.init()
    assert (w.rank, w.size, w.active) == (0, 1, False)
    assert dist.rank() == 0 and dist.size() == 1 and dist.is_rank_zero()
    a = np.arange(4.0)
    assert w.allreduce_(a) is a and a.tolist() == [0, 1, 2, 3]
    assert w.broadcast_bytes(b"abc") == b"abc"
    assert [p.tolist() for p in w.allgather(np.arange(3))] == [[0, 1, 2]]
    assert w.agree(True) and not w.agree(False)
    p = nn.Parameter(np.ones(3))
    p.grad = np.full(3, 2.0)
    dist.allreduce_gradients([p])
    assert p.grad.tolist() == [2, 2, 2]


def test_under_a_launcher_without_mpi4py_the_error_says_how_to_install(monkeypatch):
    import builtins

    from deepgrad.distributed import world as world_mod

    real_import = builtins.__import__

    def no_mpi4py(name, *a, **k):
        if name.startswith("mpi4py"):
            raise ImportError("no mpi4py")
        return real_import(name, *a, **k)

    monkeypatch.setattr(world_mod, "_world", None)
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    monkeypatch.setattr(builtins, "__import__", no_mpi4py)
    with pytest.raises(dist.DistributedError, match=r"OMPI_COMM_WORLD_SIZE.*pip install"):
        world_mod.init()


def test_a_launcher_s_single_process_needs_no_mpi4py(monkeypatch):
    from deepgrad.distributed import world as world_mod

    monkeypatch.setattr(world_mod, "_world", None)
    monkeypatch.setenv("PMI_SIZE", "1")
    monkeypatch.setenv("PMI_RANK", "0")
    monkeypatch.setitem(__import__("sys").modules, "mpi4py", None)  # importing it would fail
    assert world_mod.init().size == 1


def test_a_bad_timeout_is_refused(monkeypatch):
    from deepgrad.distributed import world as world_mod

    monkeypatch.setenv(dist.TIMEOUT_ENV, "soon")
    with pytest.raises(dist.DistributedError, match="DEEPGRAD_DIST_TIMEOUT.*'soon'"):
        world_mod._timeout(None)
    with pytest.raises(dist.DistributedError, match="> 0"):
        world_mod._timeout(0)


@pytest.mark.parametrize("total,size", [(16, 2), (5, 2), (7, 3), (1, 2), (0, 3)])
def test_shards_tile_the_batch_in_rank_order(total, size):
    parts = [dist.shard_range(total, r, size) for r in range(size)]
    assert [c for _, c in parts] == [len(a) for a in np.array_split(np.arange(total), size)]
    assert [o for o, _ in parts] == [sum(c for _, c in parts[:r]) for r in range(size)]
    with pytest.raises(ValueError, match="rank 3"):
        dist.shard_range(total, 3, 3)


def test_the_sampler_deals_out_the_single_process_global_batches():
    x, y = np.arange(23.0)[:, None], np.arange(23)
    dg.manual_seed(3)
    single = [yb.tolist() for _, yb, _ in ArrayBatches(x, y, 8, True)]
    for size in (1, 2, 3):
        shards = []
        for r in range(size):  # each rank seeded alike draws the same order
            dg.manual_seed(3)
            shards.append(list(dist.DistributedSampler(23, 8, rank=r, size=size)))
        joined = [
            np.concatenate([shards[r][b].indices for r in range(size)]).tolist()
            for b in range(len(single))
        ]
        assert joined == single
        assert all(s.total == len(single[b]) for r in range(size) for b, s in enumerate(shards[r]))
    assert len(dist.DistributedSampler(23, 8, drop_last=True)) == 2


def test_shard_batch_takes_the_rows_of_every_array():
    x, y, w = np.arange(10.0).reshape(5, 2), np.arange(5), np.ones(5)
    part, offset, total = dist.shard_batch(((x, x), y, w), rank=1, size=2)
    assert (offset, total) == (3, 5)
    assert part[0][0].tolist() == x[3:].tolist() and part[1].tolist() == [3, 4]
    with pytest.raises(ValueError, match="5 rows along dim 0"):
        dist.shard_batch((x, np.arange(4)), rank=0, size=2)


def test_dropout_inside_batch_rows_gives_this_rank_the_global_batch_rows():
    x = dg.Tensor(np.ones((6, 5)))
    dg.manual_seed(0)
    whole = dropout(x, 0.5).data
    state_after = dg.random.get_rng_state()
    for offset, rows in ((0, 4), (4, 2)):
        dg.manual_seed(0)
        with batch_rows(offset, rows, 6):
            part = dropout(dg.Tensor(np.ones((rows, 5))), 0.5).data
        np.testing.assert_array_equal(part, whole[offset : offset + rows])
        assert dg.random.get_rng_state() == state_after  # every rank's generator in step
    with batch_rows(0, 4, 6), pytest.raises(ValueError, match=r"shape \(3, 4\).*holds 4 rows"):
        draw_rows((3, 4), lambda s: np.zeros(s), "dropout")
    with pytest.raises(ValueError, match="do not lie"):
        with batch_rows(5, 2, 6):
            pass


def test_sync_batchnorm_alone_is_batchnorm_and_conversion_keeps_the_arrays():
    dg.manual_seed(1)
    model = nn.Sequential(
        nn.Conv2d(2, 3, 3),
        nn.BatchNorm2d(3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(12, 4),
        nn.BatchNorm1d(4),
    )
    ref = nn.Sequential(
        nn.Conv2d(2, 3, 3),
        nn.BatchNorm2d(3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(12, 4),
        nn.BatchNorm1d(4),
    )
    ref.load_state_dict(model.state_dict())
    params = list(model.parameters())
    assert dist.convert_sync_batchnorm(model) is model
    assert [type(m).__name__ for m in model.modules()].count("SyncBatchNorm") == 2
    assert all(a is b for a, b in zip(params, model.parameters(), strict=True))
    assert list(model.state_dict()) == list(ref.state_dict())
    x = np.random.default_rng(0).normal(size=(5, 2, 4, 4)).astype(np.float32)
    np.testing.assert_array_equal(model(dg.Tensor(x)).data, ref(dg.Tensor(x)).data)
    for k, v in ref.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[k], v)
    assert isinstance(dist.convert_sync_batchnorm(nn.BatchNorm1d(3)), dist.SyncBatchNorm)


def test_a_metric_reduced_alone_is_itself():
    from deepgrad.train import AUC

    m = AUC()
    m.update(np.array([0, 1, 1]), np.array([0.2, 0.7, 0.4]))
    assert dist.reduce_metric(m).result() == m.result()


def test_fit_distributed_in_one_process_is_fit():
    def train(distributed):
        dg.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.3), nn.Linear(4, 2))
        model.compile("adam", "cross_entropy", metrics=["accuracy"])
        rng = np.random.default_rng(0)
        x, y = rng.normal(size=(30, 3)).astype(np.float32), rng.integers(0, 2, 30)
        model.fit(
            x, y, batch_size=8, epochs=2, verbose=0, validation_data=(x, y), distributed=distributed
        )
        return model

    a, b = train(False), train(True)
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[k], v)
    assert a.history.history == b.history.history
