"""state_dict round trips: through np.savez without pickle, resuming bit-identically."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim
from parity.optim import SHAPES, grad_sequence, make_params

OPTS = {
    "sgd_nesterov": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
    "adagrad": lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01),
    "rmsprop": lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "adam": lambda p: optim.Adam(p, lr=0.01, amsgrad=True),
    "adamw": lambda p: optim.AdamW(p, lr=0.01),
    "adamax": lambda p: optim.Adamax(p, lr=0.01),
}


def _apply(params: list[dg.Tensor], row: list) -> None:
    for p, g in zip(params, row, strict=True):
        p.grad = None if g is None else g.copy()


@pytest.mark.parametrize("name", sorted(OPTS))
def test_resume_from_npz_is_identical(name: str, tmp_path) -> None:
    make = OPTS[name]
    grads = grad_sequence(7, "float32")
    # uninterrupted run
    ref, _ = make_params("float32")
    opt = make([{"params": ref[:2]}, {"params": ref[2:], "lr": 0.003}])
    for row in grads:
        _apply(ref, row)
        opt.step()
    # interrupted after 3 steps: save params + optimizer to npz, rebuild everything, go on
    run, _ = make_params("float32")
    opt = make([{"params": run[:2]}, {"params": run[2:], "lr": 0.003}])
    for row in grads[:3]:
        _apply(run, row)
        opt.step()
    flat = optim.flatten_state_dict(opt.state_dict())
    flat.update({f"param/{i}": p.data for i, p in enumerate(run)})
    np.savez(tmp_path / "ckpt.npz", **flat)
    with np.load(tmp_path / "ckpt.npz", allow_pickle=False) as f:
        loaded = {k: f[k] for k in f.files}
    resumed = [dg.Tensor(loaded.pop(f"param/{i}"), requires_grad=True) for i in range(len(run))]
    opt2 = make([{"params": resumed[:2]}, {"params": resumed[2:], "lr": 0.5}])
    opt2.load_state_dict(optim.unflatten_state_dict(loaded))
    assert opt2.param_groups[1]["lr"] == 0.003
    for row in grads[3:]:
        _apply(resumed, row)
        opt2.step()
    for a, b in zip(ref, resumed, strict=True):
        assert b.data.dtype == np.float32
        np.testing.assert_array_equal(a.data, b.data)


def test_state_dict_is_a_copy_and_plain() -> None:
    params, _ = make_params("float64")
    opt = optim.Adam(params, lr=0.1)
    for row in grad_sequence(2, "float64"):
        _apply(params, row)
        opt.step()
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 1, 2, 3]
    assert sd["state"][0]["step"] == 2 and sd["state"][1]["step"] == 1  # param 1 skipped once
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}  # no scratch buffers
    assert sd["param_groups"][0]["params"] == [0, 1, 2, 3]
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999)
    before = sd["state"][0]["exp_avg"].copy()
    _apply(params, grad_sequence(1, "float64", seed=9)[0])
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], before)  # not aliased


def test_flatten_roundtrip_types() -> None:
    nested = {
        "a": 1,
        "b": 2.5,
        "c": True,
        "d": None,
        "e": "min",
        "f": (0.9, 0.99),
        "g": [1.0, 2.0],
        "h": {3: {"x": np.arange(4.0)}},
        "i": {},
    }
    back = optim.unflatten_state_dict(optim.flatten_state_dict(nested))
    assert back["a"] == 1 and isinstance(back["a"], int)
    assert back["b"] == 2.5 and back["c"] is True and back["d"] is None and back["e"] == "min"
    assert back["f"] == (0.9, 0.99) and back["g"] == [1.0, 2.0] and back["i"] == {}
    np.testing.assert_array_equal(back["h"][3]["x"], np.arange(4.0))
    with pytest.raises(TypeError, match="function"):
        optim.flatten_state_dict({"f": len})


def test_load_state_dict_rejects_mismatch() -> None:
    params, _ = make_params("float32")
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    _apply(params, grad_sequence(1, "float32")[0])
    opt.step()
    sd = opt.state_dict()
    other = optim.SGD(params[:2], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="parameter group 0 has 2 parameters"):
        other.load_state_dict(sd)
    wrong = [dg.Tensor(np.zeros((2, 2), "float32"), requires_grad=True) for _ in SHAPES]
    with pytest.raises(ValueError, match="shape"):
        optim.SGD(wrong, lr=0.1).load_state_dict(sd)
