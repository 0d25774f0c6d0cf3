"""Reading a training's printed progress back (deepgrad.web.progress)."""

from deepgrad.web.progress import MAX_POINTS, ProgressReader


def test_fit_style_epochs_steps_and_the_loss_curve():
    r = ProgressReader()
    r.feed("Epoch 1/2\n")
    for step, loss in ((3, 1.5), (6, 1.2)):
        r.feed(f"\r {step}/10 [==>....] - ETA: 2s - 20ms/step - loss: {loss:.4f}")
    r.feed("\r10/10 [=====] - 1s 20ms/step - loss: 1.0000 - val_loss: 0.9000\n")
    r.feed("Epoch 2/2\n 5/10 [==>....] - ETA: 2s - 20ms/step - loss: 8.0e-01")
    s = r.state()
    assert (s["phase"], s["epoch"], s["epochs"], s["step"], s["steps"]) == ("training", 2, 2,
                                                                             5, 10)
    assert s["fraction"] == 0.75 and s["values"] == {"loss": 0.8}  # "ETA: 2s" is no value
    assert s["curves"] == {"training": [[0.3, 1.5], [0.6, 1.2], [1.0, 1.0], [1.5, 0.8]]}
    assert s["epoch_figures"] == [{"phase": "training", "epoch": 1,
                                   "values": {"loss": 1.0, "val_loss": 0.9}}]
    assert s["lines"] == ["Epoch 1/2", "10/10 [=====] - 1s 20ms/step - loss: 1.0000 - "
                          "val_loss: 0.9000", "Epoch 2/2"]  # the redraws are not kept
    assert s["line"].startswith(" 5/10")


def test_several_models_get_a_curve_each():
    r = ProgressReader()
    for name in ("simple_rnn", "bilstm"):
        for k in (1, 2):
            r.feed(f"{name} epoch {k}/2 (lr 1.00e-03)\n")
            r.feed(f"4/4 [====] - 0s 1ms/step - loss: {1 / k:.4f} - val: 0.5000\n")
    r.feed("Epoch 1/1\n1/1 [=] - 0s 1ms/step - loss: 0.1\n")
    r.feed("Epoch 1/1\n1/1 [=] - 0s 1ms/step - loss: 0.2\n")  # fit again: another model
    assert list(r.state()["curves"]) == ["simple_rnn", "bilstm", "training", "training (2)"]
    assert r.state()["curves"]["bilstm"] == [[1.0, 1.0], [2.0, 0.5]]


def test_other_output_and_long_runs_are_kept_bounded():
    r = ProgressReader(keep_lines=5)
    r.feed("".join(f"line {i}\n" for i in range(50)) + "nan and 3/x [ not a bar\n")
    assert len(r.lines) == 5 and r.state()["curves"] == {} and r.state()["fraction"] is None
    r.feed("Epoch 1/1\n")
    for step in range(1, 4 * MAX_POINTS):
        r.feed(f"\r{step}/{4 * MAX_POINTS} [=] - ETA: 1s - 1ms/step - loss: {1 / step}")
    curve = r.state()["curves"]["training"]
    assert len(curve) <= MAX_POINTS and curve[0][0] < 0.01 and curve[-1][0] > 0.99
