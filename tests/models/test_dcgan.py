"""The week-4 GANs: DCGAN and dense generator/discriminator against PyTorch twins of the same
layers in float64 (train-mode batch norm, every parameter gradient by name, the input gradient,
running statistics), construction errors, and the benchmark twins' shapes."""

import numpy as np
import pytest
import torch
import torch.nn as tnn
from benchmarks.workloads.generative import torch_dcgan

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import models

torch.set_num_threads(1)


def copy_to_torch(dg_model, torch_model):
    sd, tsd = dg_model.state_dict(), torch_model.state_dict()
    assert sorted(sd) == sorted(tsd)
    for k, v in sd.items():
        assert tuple(np.shape(v)) == tuple(tsd[k].shape), k
    torch_model.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in sd.items()})


def run_both(dg_model, torch_model, x, target):
    """Train-mode forward, BCE-with-logits (or MSE) backward, in float64, compared."""
    dg_model.double().train()
    torch_model.double().train()
    copy_to_torch(dg_model, torch_model)
    xd = dg.Tensor(np.asarray(x, np.float64), requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yd, yt = dg_model(xd), torch_model(xt)
    np.testing.assert_allclose(yd.data, yt.detach().numpy(), rtol=1e-9, atol=1e-11)
    if yd.shape[1:] == (1,):
        F.binary_cross_entropy_with_logits(yd, dg.Tensor(np.asarray(target, np.float64))).backward()
        tnn.functional.binary_cross_entropy_with_logits(yt, torch.tensor(target)).backward()
    else:
        F.mse_loss(yd, dg.Tensor(np.asarray(target, np.float64))).backward()
        tnn.functional.mse_loss(yt, torch.tensor(target)).backward()
    tp = dict(torch_model.named_parameters())
    for name, p in dg_model.named_parameters():
        np.testing.assert_allclose(p.grad, tp[name].grad.numpy(), rtol=1e-7, atol=1e-12,
                                   err_msg=name)
    np.testing.assert_allclose(xd.grad, xt.grad.numpy(), rtol=1e-7, atol=1e-12)
    tsd = torch_model.state_dict()
    for k, v in dg_model.state_dict().items():  # BatchNorm running statistics moved alike
        np.testing.assert_allclose(np.asarray(v, np.float64), tsd[k].double().numpy(),
                                   rtol=1e-9, atol=1e-12, err_msg=k)


def test_dcgan_generator_and_discriminator_match_their_torch_twins():
    dg.manual_seed(0)
    rng = np.random.default_rng(0)
    g, d = models.dcgan_generator((1, 28, 28), 100), models.dcgan_discriminator((1, 28, 28))
    tg, td = torch_dcgan()
    z = rng.standard_normal((5, 100))
    run_both(g, tg, z, rng.random((5, 1, 28, 28)) * 2 - 1)
    x = rng.random((5, 1, 28, 28)) * 2 - 1
    run_both(d, td, x, (rng.random((5, 1)) > 0.5).astype(np.float64))
    out = g.float().eval()(dg.tensor(z.astype(np.float32)))
    assert out.shape == (5, 1, 28, 28) and out.dtype == np.float32
    assert np.abs(out.data).max() <= 1  # tanh


def test_the_refined_dcgan_generator_matches_its_torch_twin():
    dg.manual_seed(2)
    rng = np.random.default_rng(2)
    g = models.dcgan_generator((1, 28, 28), 100, refine=True)
    tg, _ = torch_dcgan(refine=True)
    assert g.num_parameters() == sum(p.numel() for p in tg.parameters())
    z = rng.standard_normal((4, 100))
    run_both(g, tg, z, rng.random((4, 1, 28, 28)) * 2 - 1)
    kinds = [type(m).__name__ for m in g]
    assert kinds.count("Conv2d") == 3 and kinds.count("ConvTranspose2d") == 2


def test_dense_gan_matches_its_torch_twin():
    dg.manual_seed(1)
    rng = np.random.default_rng(1)
    g = models.dense_generator((1, 28, 28), 16, hidden=(32, 64))
    tg = tnn.Sequential(tnn.Linear(16, 32), tnn.ReLU(), tnn.Linear(32, 64), tnn.ReLU(),
                        tnn.Linear(64, 784), tnn.Tanh(), tnn.Unflatten(1, (1, 28, 28)))
    run_both(g, tg, rng.standard_normal((4, 16)), rng.random((4, 1, 28, 28)))
    d = models.dense_discriminator((1, 28, 28), hidden=(64, 32))
    td = tnn.Sequential(tnn.Flatten(), tnn.Linear(784, 64), tnn.LeakyReLU(0.2),
                        tnn.Linear(64, 32), tnn.LeakyReLU(0.2), tnn.Linear(32, 1))
    run_both(d, td, rng.random((4, 1, 28, 28)), np.ones((4, 1)))


def test_dcgan_for_other_image_sizes():
    g = models.dcgan_generator((3, 32, 32), 64, channels=(128, 64, 32))
    d = models.dcgan_discriminator((3, 32, 32), channels=(32, 64, 128))
    im = g(dg.tensor(np.zeros((2, 64), np.float32)))
    assert im.shape == (2, 3, 32, 32) and d(im).shape == (2, 1)


@pytest.mark.parametrize("call, words", [
    (lambda: models.dcgan_generator((1, 30, 30), 100), ["latent size 100", "(1, 30, 30)",
                                                        "multiples of 4"]),
    (lambda: models.dcgan_generator((1, 28, 28), 0), ["latent size 0", "positive integer"]),
    (lambda: models.dcgan_discriminator((1, 27, 27)), ["image size (1, 27, 27)",
                                                       "multiples of 4"]),
    (lambda: models.dense_generator((784,), 100), ["latent size 100", "image size (784,)"]),
])
def test_construction_errors_name_code_and_image_size(call, words):
    with pytest.raises(ValueError) as e:
        call()
    for w in words:
        assert w in str(e.value)
