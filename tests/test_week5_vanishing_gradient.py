"""examples/week5_vanishing_gradient.py: the measured gradient per time step and its plot."""

import importlib.util
from pathlib import Path

import numpy as np


def _example():
    path = Path(__file__).parents[1] / "examples" / "week5_vanishing_gradient.py"
    spec = importlib.util.spec_from_file_location("week5_vanishing_gradient", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gradient_vanishes_faster_in_the_vanilla_rnn_and_the_plot_is_written(tmp_path):
    ex = _example()
    out = tmp_path / "vg.png"
    res = ex.main(T=30, T_train=6, hidden=16, steps=20, out=str(out))
    assert out.is_file() and out.stat().st_size > 10_000
    for r in res.values():
        assert r["init"].shape == (30,) and r["trained"].shape == (6,)
        assert np.all(r["init"] > 0)
    rnn, fb1 = res["rnn"], res["lstm_fb1"]
    # the delta from the last step shrinks geometrically on its way back in the vanilla RNN...
    assert rnn["init"][0] < 1e-4 * rnn["init"][-1]
    assert rnn["decay_init"] < 0.8
    # ...and more slowly through the LSTM's cell state with the forget gate near 1
    assert fb1["decay_init"] > rnn["decay_init"] + 0.1
    assert fb1["init"][0] / fb1["init"][-1] > 100 * rnn["init"][0] / rnn["init"][-1]


def test_gradient_norms_are_the_autodiff_of_the_margin():
    """g_t equals a central finite difference of the margin wrt x_t (float64 model)."""
    ex = _example()
    import deepgrad as dg

    dg.manual_seed(0)
    model = ex.Reader("lstm", 4).double()
    x, y = ex.batch(np.random.default_rng(0), 5, 1)
    x = x.astype(np.float64)
    g = ex.gradient_norms(model, x, y)

    def margin(a):
        with dg.no_grad():
            z = model(dg.Tensor(a)).data
        return z[0, 1] - z[0, 0]

    for t in range(5):
        e = np.zeros_like(x)
        e[t, 0, 0] = 1e-6
        fd = (margin(x + e) - margin(x - e)) / 2e-6
        np.testing.assert_allclose(g[t], abs(fd), rtol=1e-5)
