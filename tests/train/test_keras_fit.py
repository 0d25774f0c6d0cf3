"""compile/fit/evaluate/predict behave like Keras (issue 23): Keras losses pair (N, 1) outputs
with (N,) labels, 'accuracy' is chosen as Keras chooses it, optimizers made Keras' way are
bound by fit, predict takes the loaders fit takes, the learning rate is in the history."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.data import DataLoader
from deepgrad.optim.lr_scheduler import StepLR
from deepgrad.train import LearningRateScheduler


@pytest.fixture(scope="module")
def cancer():
    x, y = load_breast_cancer(return_X_y=True)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    sc = StandardScaler().fit(xtr)
    f = np.float32
    return sc.transform(xtr).astype(f), ytr.astype(f), sc.transform(xte).astype(f), yte.astype(f)


def test_binary_crossentropy_with_flat_labels_trains_and_reports_true_accuracy(cancer):
    xtr, ytr, xte, yte = cancer
    assert ytr.shape == (len(xtr),)  # labels (N,), the model's output (N, 1)
    dg.manual_seed(0)
    model = nn.Sequential(nn.Dense(1, activation="sigmoid"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"], lr=0.01)
    hist = model.fit(xtr, ytr, epochs=15, batch_size=32, verbose=0)
    p = model.predict(xte)
    assert p.shape == (len(xte), 1)
    true_acc = float(np.mean((p[:, 0] > 0.5) == yte))
    assert true_acc >= 0.9
    loss, acc = model.evaluate(xte, yte)
    assert acc == pytest.approx(true_acc, abs=1e-12)
    eps = 1e-7
    q = np.clip(p[:, 0].astype(np.float64), eps, 1 - eps)
    assert loss == pytest.approx(-np.mean(yte * np.log(q) + (1 - yte) * np.log(1 - q)), rel=1e-4)
    assert 0.9 <= hist.history["accuracy"][-1] <= 1.0


def test_mse_with_flat_targets_fits_and_reports_the_true_mse():
    x, y = load_diabetes(return_X_y=True)
    x = StandardScaler().fit_transform(x).astype(np.float32)
    y = ((y - y.mean()) / y.std()).astype(np.float32)  # (N,)
    a = np.c_[x, np.ones(len(x))].astype(np.float64)
    optimum = np.mean((a @ np.linalg.lstsq(a, y, rcond=None)[0] - y) ** 2)
    dg.manual_seed(0)
    model = nn.Sequential(nn.Dense(1))
    model.compile(optimizer="adam", loss="mse", lr=0.05)
    model.fit(x, y, epochs=40, batch_size=32, verbose=0)
    pred = model.predict(x)
    true_mse = float(np.mean((pred[:, 0].astype(np.float64) - y) ** 2))
    assert model.evaluate(x, y) == pytest.approx(true_mse, rel=1e-5)
    assert true_mse <= 1.05 * optimum  # the N x N broadcast stalls far above the optimum


def _fit_and_accuracy(model, loss, x, y, metrics=("accuracy",)):
    model.compile("sgd", loss=loss, metrics=list(metrics), lr=0.3)
    model.fit(x, y, epochs=10, verbose=0)
    return model.evaluate(x, y, return_dict=True), model.predict(x)


def test_accuracy_float_column_targets_sigmoid_output():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 3)).astype(np.float32)
    y = (x[:, :1] + 0.3 * x[:, 1:2] > 0).astype(np.float32)  # (N, 1) floats
    dg.manual_seed(0)
    res, p = _fit_and_accuracy(nn.Sequential(nn.Dense(1, activation="sigmoid")),
                               "binary_crossentropy", x, y)
    assert res["accuracy"] == pytest.approx(np.mean((p > 0.5) == y), abs=1e-12)
    assert res["accuracy"] > 0.9


def test_accuracy_thresholds_logits_at_zero_with_a_logits_loss():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 3)).astype(np.float32)
    y = (x[:, 0] - 0.5 > 0).astype(np.float32)
    for loss in ("bce_with_logits", nn.BinaryCrossentropy(from_logits=True)):
        dg.manual_seed(0)
        model = nn.Sequential(nn.Dense(1))
        yy = y[:, None] if loss == "bce_with_logits" else y  # PyTorch's loss wants equal shapes
        res, z = _fit_and_accuracy(model, loss, x, yy)
        assert res["accuracy"] == pytest.approx(np.mean((z[:, 0] > 0) == y), abs=1e-12)
        assert res["accuracy"] != pytest.approx(np.mean((z[:, 0] > 0.5) == y), abs=1e-3)


def test_accuracy_sparse_and_categorical_targets():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((240, 4)).astype(np.float32)
    labels = np.argmax(x[:, :3], 1)
    for target in (labels, labels[:, None], np.eye(3, dtype=np.float32)[labels]):
        loss = ("categorical_crossentropy" if target.ndim == 2 and target.shape[1] == 3
                else "sparse_categorical_crossentropy")
        dg.manual_seed(0)
        model = nn.Sequential(nn.Dense(3, activation="softmax"))
        res, p = _fit_and_accuracy(model, loss, x, target)
        assert res["accuracy"] == pytest.approx(np.mean(p.argmax(1) == labels), abs=1e-12)
    model.compile("sgd", loss="categorical_crossentropy",
                  metrics=["categorical_accuracy", "acc", "AUC"])
    res = model.evaluate(x, np.eye(3, dtype=np.float32)[labels], return_dict=True)
    assert res["categorical_accuracy"] == res["acc"]
    from sklearn.metrics import roc_auc_score

    onehot = np.eye(3)[labels]
    assert res["auc"] == pytest.approx(roc_auc_score(onehot.ravel(), p.ravel()), abs=1e-12)


def test_explicit_keras_metric_names_in_history():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((100, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    dg.manual_seed(0)
    model = nn.Sequential(nn.Dense(2, activation="softmax"))
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy"], lr=0.05)
    hist = model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y))
    assert {"sparse_categorical_accuracy", "val_sparse_categorical_accuracy"} <= set(hist.history)
    model2 = nn.Sequential(nn.Dense(1, activation="sigmoid"))
    model2.compile("adam", "binary_crossentropy", metrics=["binary_accuracy", "AUC"])
    hist = model2.fit(x, y.astype(np.float32), epochs=2, verbose=0)
    assert {"binary_accuracy", "auc"} <= set(hist.history)


def test_predict_takes_the_loaders_fit_takes():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((70, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    dg.manual_seed(0)
    model = nn.Sequential(nn.Dense(4, activation="relu"), nn.Dense(1, activation="sigmoid"))
    model.compile("adam", "binary_crossentropy")
    model.fit(DataLoader((x, y), batch_size=16, shuffle=True), epochs=1, verbose=0)
    want = model.predict(x)
    for data in (DataLoader((x, y), batch_size=16), DataLoader(x, batch_size=16),
                 [(x[:30],), (x[30:],)], ((x[i:i + 8], y[i:i + 8]) for i in range(0, 70, 8))):
        np.testing.assert_allclose(model.predict(data), want, rtol=1e-6)
    assert model.evaluate(DataLoader((x, y), batch_size=16)) == pytest.approx(
        model.evaluate(x, y), rel=1e-6)
    with pytest.raises(TypeError, match="predict: x must be"):
        model.predict(3.0)


def test_keras_made_optimizer_is_bound_by_fit_and_matches_pytorch_form():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([1.0, -2.0, 0.5], np.float32)

    def make():
        dg.manual_seed(0)
        return nn.Sequential(nn.Dense(4, activation="tanh", input_shape=(3,)), nn.Dense(1))

    keras = make()
    opt = optim.SGD(learning_rate=0.05, momentum=0.9, nesterov=True)
    keras.compile(optimizer=opt, loss="mse")
    with pytest.raises(RuntimeError, match="no parameters"):
        opt.step()
    keras.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    assert keras.optimizer is opt and opt.param_groups[0]["params"][0] is keras[0].weight

    torch_style = make()
    topt = optim.SGD(torch_style.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    loss_fn = nn.MeanSquaredError()
    for _ in range(2):
        for i in range(0, 64, 16):
            topt.zero_grad()
            loss_fn(y[i:i + 16], torch_style(dg.tensor(x[i:i + 16]))).backward()
            topt.step()
    for a, b in zip(keras.parameters(), torch_style.parameters(), strict=True):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("cls", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax"])
def test_every_optimizer_compiles_keras_style(cls):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((32, 2)).astype(np.float32)
    y = x.sum(1)
    dg.manual_seed(0)
    model = nn.Sequential(nn.Dense(1))
    model.compile(optimizer=getattr(optim, cls)(learning_rate=0.01), loss="mse")
    hist = model.fit(x, y, epochs=2, verbose=0)
    assert hist.history["lr"] == [0.01, 0.01] == hist.history["learning_rate"]


def test_history_records_the_learning_rate_of_each_epoch():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((32, 2)).astype(np.float32)
    y = x.sum(1)
    dg.manual_seed(0)
    model = nn.Sequential(nn.Dense(1))
    model.compile("sgd", "mse", lr=0.1)
    hist = model.fit(x, y, epochs=3, verbose=0,
                     callbacks=[LearningRateScheduler(lambda e, lr: 0.1 * 0.5**e)])
    assert hist.history["lr"] == pytest.approx([0.1, 0.05, 0.025])
    assert hist.history["learning_rate"] == hist.history["lr"]

    class StepEachEpoch(dg.train.Callback):  # a PyTorch scheduler stepped at each epoch's end
        def on_train_begin(self, logs=None):
            self.sched = StepLR(self.model.optimizer, step_size=1, gamma=0.1)

        def on_epoch_end(self, epoch, logs=None):
            self.sched.step()

    model.compile(optim.SGD(learning_rate=1.0), "mse")
    hist = model.fit(x, y, epochs=3, verbose=0, callbacks=[StepEachEpoch()])
    assert hist.history["lr"] == pytest.approx([1.0, 0.1, 0.01])


def test_compile_rejects_options_for_an_optimizer_instance():
    model = nn.Sequential(nn.Dense(1))
    with pytest.raises(TypeError, match="optimizer given by name"):
        model.compile(optim.Adam(learning_rate=0.1), "mse", lr=0.2)


def test_optimizer_name_with_learning_rate_and_class_weight_with_a_keras_loss():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((40, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)  # (N,) labels, (N, 1) output
    dg.manual_seed(0)
    model = nn.Sequential(nn.Dense(1, activation="sigmoid"))
    model.compile("sgd", "binary_crossentropy", learning_rate=0.0)
    p = model.predict(x)[:, 0].astype(np.float64)
    hist = model.fit(x, y, batch_size=40, epochs=1, shuffle=False, verbose=0,
                     class_weight={0: 1.0, 1: 3.0})
    assert model.optimizer.param_groups[0]["lr"] == 0.0
    q = np.clip(p, 1e-7, 1 - 1e-7)
    per_sample = -(y * np.log(q) + (1 - y) * np.log(1 - q))
    w = np.where(y == 1, 3.0, 1.0)
    assert hist.history["loss"][0] == pytest.approx(np.sum(w * per_sample) / len(y), rel=1e-5)
