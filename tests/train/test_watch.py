"""deepgrad.train.watch: per-layer statistics equal to what they measure, off by default, no
hooks left behind, and a watched training computing exactly what an unwatched one does."""

import json
import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import functional as F
from deepgrad import nn, optim
from deepgrad.optim import optimizer as optimizer_module
from deepgrad.train import watch
from deepgrad.train.epochs import train_epochs

# a watch that stopped after an error would pass many tests silently: make that an error
pytestmark = pytest.mark.filterwarnings("error:deepgrad.train.watch stopped:RuntimeWarning")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((32, 6)).astype(np.float32)
Y = RNG.integers(0, 3, 32)


def _model(seed=1):
    dg.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))


def _every_step(records, **kw):
    """A watch sampling as often as it can: every step after the first."""
    return watch.LayerWatch(records.append, interval=0.0, budget=None, **kw)


def _no_hooks_anywhere(*models):
    assert not optimizer_module._step_pre_hooks and not optimizer_module._step_post_hooks
    for m in models:
        for mod in m.modules():
            assert not mod._forward_hooks and not mod._forward_pre_hooks, mod


def _train(model, steps, before_step=None):
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(1, steps + 1):
        loss = F.cross_entropy(model(X), Y)
        opt.zero_grad()
        loss.backward()
        if before_step is not None:
            before_step(step, model)
        opt.step()
    return opt


def test_the_records_equal_the_gradients_weights_and_activations_they_describe():
    model, records, seen = _model(), [], {}

    def before_step(step, m):  # what the watch should have read at this step
        with dg.no_grad():  # a forward without a graph: the watch takes no statistics from it
            h0 = m[0](X).data
            h1 = m[1](dg.tensor(h0)).data
            h2 = m[2](dg.tensor(h1)).data
        seen[step] = {
            "grads": {n: np.linalg.norm(p.grad) for n, p in m.named_parameters()},
            "weights": {n: p.data.copy() for n, p in m.named_parameters()},
            "acts": {"0": h0, "1": h1, "2": h2}}

    with _every_step(records) as w:
        _train(model, 6, before_step)
    assert w.samples == len(records) == 5  # steps 2..6: the first one finds the model
    names = {"0.weight", "0.bias", "2.weight", "2.bias"}
    after = {n: p.data for n, p in model.named_parameters()}
    for rec in records:
        json.dumps(rec)  # JSON as it is
        assert rec["model"] == "m1" and rec["label"] == "Sequential"
        step = rec["step"]
        ref = seen[step]
        params = {p["name"]: p for p in rec["params"]}
        assert set(params) == names
        for name, p in params.items():
            assert p["layer"] == name.split(".")[0]
            assert p["shape"] == list(ref["weights"][name].shape)
            assert p["grad"] == pytest.approx(ref["grads"][name], rel=1e-3)
            w_old = ref["weights"][name]
            assert p["norm"] == pytest.approx(np.linalg.norm(w_old), rel=1e-3)
            w_new = seen[step + 1]["weights"][name] if step + 1 in seen else after[name]
            ratio = np.linalg.norm(w_new - w_old) / np.linalg.norm(w_old)
            assert p["update"] == pytest.approx(ratio, rel=1e-3)
        layers = {ly["name"]: ly for ly in rec["layers"]}
        assert [(ly["name"], ly["type"], ly["size"]) for ly in rec["layers"]] == [
            ("0", "Linear", 6 * 16 + 16), ("1", "ReLU", 0), ("2", "Linear", 16 * 3 + 3)]
        for name, out in ref["acts"].items():
            assert layers[name]["mean"] == pytest.approx(out.mean(), rel=1e-3, abs=1e-6)
            assert layers[name]["std"] == pytest.approx(out.std(), rel=1e-3)
            assert layers[name]["zeros"] == pytest.approx(np.mean(out == 0), abs=1e-4)
        assert layers["1"]["zeros"] > 0.1 and layers["0"]["zeros"] == 0  # dead ReLU units
    _no_hooks_anywhere(model)


def test_off_by_default_nothing_is_hooked_or_recorded():
    model, records = _model(), []
    unstarted = watch.LayerWatch(records.append)
    _no_hooks_anywhere(model)
    _train(model, 3)
    _no_hooks_anywhere(model)
    assert records == [] and unstarted.samples == 0 and not unstarted.active


def test_stopping_mid_sample_leaves_no_hook_behind():
    model, records = _model(), []
    w = _every_step(records).start()
    assert len(optimizer_module._step_pre_hooks) == 1
    _train(model, 2)  # step 2 is sampled and step 3's forward hooks are on now
    assert any(m._forward_hooks for m in model.modules())
    w.stop()
    _no_hooks_anywhere(model)
    _train(model, 2)
    assert len(records) == 1 and not w.active


def test_a_watched_training_computes_exactly_what_an_unwatched_one_does():
    plain = _model()
    _train(plain, 8)
    watched, records = _model(), []
    with _every_step(records):
        _train(watched, 8)
    assert len(records) == 7
    for (n, a), (_, b) in zip(plain.named_parameters(), watched.named_parameters(),
                              strict=True):
        np.testing.assert_array_equal(a.data, b.data, err_msg=n)


def test_samples_are_spaced_by_interval_and_budget():
    model, records = _model(), []
    with watch.LayerWatch(records.append, interval=3600.0):
        _train(model, 20)
    assert len(records) == 1  # the first sample at once, the next one an hour later


def test_each_model_of_a_loop_that_trains_two_is_labelled():
    dg.manual_seed(2)
    g = watch.label(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 6)), "generator")
    d = watch.label(nn.Sequential(nn.Linear(6, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1)),
                    "discriminator")
    opt_g, opt_d = optim.Adam(g.parameters(), lr=1e-3), optim.Adam(d.parameters(), lr=1e-3)
    z = RNG.standard_normal((16, 4)).astype(np.float32)
    real = RNG.standard_normal((16, 6)).astype(np.float32)
    ones, zeros = np.ones((16, 1), np.float32), np.zeros((16, 1), np.float32)
    bce = F.binary_cross_entropy_with_logits
    records = []
    with _every_step(records):
        for _ in range(4):
            fake = g(z)
            d_loss = bce(d(real), ones) + bce(d(fake.detach()), zeros)
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            g_loss = bce(d(fake), ones)
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
    by = {}
    for r in records:
        by.setdefault(r["label"], r)
    assert set(by) == {"generator", "discriminator"}
    assert by["generator"]["model"] != by["discriminator"]["model"]
    assert [p["name"] for p in by["discriminator"]["params"]] == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    assert [ly["type"] for ly in by["generator"]["layers"]] == ["Linear", "Tanh", "Linear"]
    assert all(ly["std"] is not None for r in records for ly in r["layers"])
    _no_hooks_anywhere(g, d)


def test_fit_and_train_epochs_are_watched_with_real_names(tmp_path):
    dg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                          nn.Linear(4 * 6 * 6, 3))
    x = RNG.standard_normal((24, 1, 6, 6)).astype(np.float32)
    records = []
    with _every_step(records):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, Y[:24], epochs=2, batch_size=8, verbose=0)
        lstm = nn.LSTM(3, 5)
        train_epochs(lstm, lambda rng: [RNG.standard_normal((4, 2, 3)).astype(np.float32)
                                        for _ in range(3)],
                     lambda m, b: (m(b)[0] ** 2).mean(), lambda m: 0.0, epochs=1, lr=1e-2,
                     state_path=tmp_path / "s.npz", best_path=tmp_path / "b.npz",
                     name="tagger")
    labels = {r["label"] for r in records}
    assert labels == {"Sequential", "tagger"}
    fit = next(r for r in records if r["label"] == "Sequential")
    assert [p["name"] for p in fit["params"]] == ["0.weight", "0.bias", "3.weight", "3.bias"]
    assert [ly["name"] for ly in fit["layers"]] == ["0", "1", "3"]
    rnn = next(r for r in records if r["label"] == "tagger")
    assert [p["name"] for p in rnn["params"]] == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert rnn["layers"][0]["name"] == "" and rnn["layers"][0]["std"] is not None


def test_optimizers_of_plain_tensors_are_left_out():
    p = dg.tensor(np.ones(2, np.float32), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    records = []
    with _every_step(records) as w:
        for _ in range(3):
            loss = (p * p).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert records == [] and w.unowned == 1 and w.models == []


def test_large_models_are_bounded_evenly():
    dg.manual_seed(0)
    model = nn.Sequential(*[m for _ in range(10) for m in (nn.Linear(4, 4), nn.ReLU())])
    records = []
    with _every_step(records, max_layers=4, max_params=5):
        opt = optim.SGD(model.parameters(), lr=0.01)
        for _ in range(2):
            loss = (model(X[:, :4]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    rec = records[0]
    assert [ly["name"] for ly in rec["layers"]] == ["0", "6", "12", "18"]
    assert len(rec["params"]) == 5 and rec["params"][0]["name"] == "0.weight"
    assert rec["params"][-1]["name"] == "18.bias"
    assert rec["omitted"] == {"layers": 16, "params": 15}


def test_a_failing_sink_stops_the_watch_not_the_training():
    model = _model()

    def sink(record):
        raise OSError("the pipe is gone")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with watch.LayerWatch(sink, interval=0.0, budget=None):
            _train(model, 4)
    assert any("stopped watching" in str(c.message) for c in caught)
    _no_hooks_anywhere(model)


def test_non_finite_values_are_named():
    assert watch._num(float("nan")) == "nan" and watch._num(float("-inf")) == "-inf"
    assert watch._num(0.000123456) == 0.0001235
    stats = watch.activation_stats(np.arange(300_000, dtype=np.float32).reshape(3, -1),
                                   limit=150_000)
    assert stats["mean"] == pytest.approx(49_999.5)  # the first example only


def test_the_global_step_hooks():
    p = dg.tensor(np.ones(2, np.float32), requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    calls = []
    pre = optimizer_module.register_optimizer_step_pre_hook(
        lambda o, a, k: calls.append(("pre", o, p.data.copy())))
    post = optimizer_module.register_optimizer_step_post_hook(
        lambda o, a, k: calls.append(("post", o, p.data.copy())))
    p.grad = np.ones(2, np.float32)
    opt.step()
    pre.remove()
    post.remove()
    opt.step()
    assert [c[0] for c in calls] == ["pre", "post"] and all(c[1] is opt for c in calls)
    assert calls[0][2].tolist() == [1, 1] and calls[1][2].tolist() == [0.5, 0.5]
    assert p.data.tolist() == [0, 0]
    _no_hooks_anywhere()


def test_beyond_max_models_the_oldest_is_watched_no_more():
    first, second, records = _model(1), _model(2), []
    with _every_step(records, max_models=1) as w:
        opt1 = _train(first, 2)  # sampled at step 2, and armed again for a third
        assert any(m._forward_hooks for m in first.modules())
        _train(second, 2)
        assert w.models == ["Sequential #2"]
        assert not any(m._forward_hooks for m in first.modules())  # its hooks came off
        loss = F.cross_entropy(first(X), Y)
        opt1.zero_grad()
        loss.backward()
        opt1.step()  # not sampled any more
    assert [r["label"] for r in records] == ["Sequential", "Sequential #2"]
    _no_hooks_anywhere(first, second)


def test_module_look_ups_over_their_budget_wait_for_a_later_step():
    model, records = _model(), []
    with _every_step(records) as w:
        w._scanned = 1e9  # as if it had scanned for ages: the look-up must wait
        opt = _train(model, 3)
        assert records == [] and w.models == [] and w.unowned == 0
        w._scanned = 0.0
        for _ in range(3):
            loss = F.cross_entropy(model(X), Y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert w.models == ["Sequential"] and len(records) == 2
