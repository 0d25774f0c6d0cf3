"""model.save_weights / load_weights / save and deepgrad.train.load_model (npz, no pickle)."""

import zipfile

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.train import CheckpointError, load_model


def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 5)).astype(np.float32)
    return x, (x[:, 0] - x[:, 1] > 0).astype(np.float32)


def make(seed=0):
    dg.manual_seed(seed)
    return nn.Sequential(nn.Dense(8, activation="relu"), nn.Dense(1, activation="sigmoid"))


def same_weights(a, b):
    for (k, u), (k2, v) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert k == k2
        np.testing.assert_array_equal(u, v, err_msg=k)


def test_save_weights_and_load_weights_into_a_lazy_model(tmp_path):
    x, y = data()
    model = make()
    model.compile("adam", "binary_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "w.weights.npz"
    model.save_weights(path)
    with np.load(path, allow_pickle=False) as z:  # plain arrays only
        assert "model/0.weight" in z.files
    fresh = make(seed=5)  # not built yet: load_weights builds it from the saved shapes
    fresh.load_weights(path)
    same_weights(model, fresh)
    np.testing.assert_array_equal(fresh.predict(x), model.predict(x))
    wrong = nn.Sequential(nn.Dense(3), nn.Dense(1))
    wrong.build((None, 5))
    with pytest.raises((ValueError, RuntimeError), match="shape"):
        wrong.load_weights(path)


@pytest.mark.parametrize("opt", ["adam", "keras_sgd", "torch_rmsprop"])
def test_save_then_load_model_continues_training_exactly(tmp_path, opt):
    x, y = data()
    model = make()

    def optimizer(m):
        if opt == "adam":
            return "adam"
        if opt == "keras_sgd":
            return optim.SGD(learning_rate=0.1, momentum=0.9)
        m.build((None, 5))
        return optim.RMSprop(m.parameters(), lr=0.01, momentum=0.5)

    model.compile(optimizer(model), "binary_crossentropy", metrics=["accuracy", "AUC"])
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "model.npz"
    model.save(path)
    restored = load_model(path, make(seed=3))
    same_weights(model, restored)
    assert type(restored.optimizer) is type(model.optimizer)
    assert restored.optimizer.param_groups[0]["lr"] == model.optimizer.param_groups[0]["lr"]
    assert [m.name for m in restored._compiled["metrics"]] == ["accuracy", "auc"]
    dg.manual_seed(11)
    h1 = model.fit(x, y, epochs=2, verbose=0)
    dg.manual_seed(11)
    h2 = restored.fit(x, y, epochs=2, verbose=0)
    same_weights(model, restored)  # moments and step counts came back too
    assert h1.history == h2.history
    assert str(restored.summary(print_fn=None)) == str(model.summary(print_fn=None))


def test_load_model_custom_objects_and_errors(tmp_path):
    x, y = data()

    def my_loss(out, target):
        return ((out[:, 0] - target) ** 2).mean()

    model = make()
    model.compile(optim.Adam(learning_rate=0.01), my_loss)
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "m.npz"
    model.save(path)
    with pytest.raises(CheckpointError, match="custom_objects"):
        load_model(path, make())
    restored = load_model(path, make(), custom_objects={"my_loss": my_loss})
    assert restored.evaluate(x, y) == pytest.approx(model.evaluate(x, y), rel=1e-6)
    with pytest.raises(TypeError, match="store no architecture"):
        load_model(path)

    class Other(nn.Module):
        pass

    with pytest.raises(CheckpointError, match="holds a Sequential"):
        load_model(path, Other())
    model.save_weights(tmp_path / "w.npz")
    with pytest.raises(CheckpointError, match="load_weights"):
        load_model(tmp_path / "w.npz", make())
    plain = make()
    plain.load_weights(path)  # a full save holds the weights too
    same_weights(plain, model)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        plain.load_weights(bad)
    assert zipfile.is_zipfile(path)


def test_save_of_a_compiled_model_never_trained(tmp_path):
    model = nn.Sequential(nn.Dense(2, input_shape=(3,)))
    model.compile(optim.Adam(learning_rate=0.02), nn.MeanSquaredError(), metrics=["mae"])
    model.save(tmp_path / "m.npz")
    restored = load_model(tmp_path / "m.npz", nn.Sequential(nn.Dense(2, input_shape=(3,))))
    assert restored.optimizer.defaults["lr"] == 0.02 and not restored.optimizer.built
    assert isinstance(restored._compiled["loss"], nn.MeanSquaredError)
