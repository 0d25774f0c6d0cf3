"""The week-4 autoencoders: shapes, parameter counts and float64 parity with PyTorch twins of the
same layers (forward, every parameter gradient by name, the input gradient), the covariance form
of the linear autoencoder's loss, construction errors, and a one-batch overfit."""

import numpy as np
import pytest
import torch
import torch.nn as tnn
from benchmarks.workloads.generative import torch_conv_autoencoder

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import models, optim

torch.set_num_threads(1)


def torch_dense_autoencoder(d=784, code=32, hidden=(512, 256)):
    class AE(tnn.Module):
        def __init__(self):
            super().__init__()
            sizes = [d, *hidden]
            enc = [tnn.Flatten()]
            for a, b in zip(sizes[:-1], sizes[1:], strict=True):
                enc += [tnn.Linear(a, b), tnn.ReLU()]
            enc.append(tnn.Linear(sizes[-1], code))
            back = [code, *reversed(sizes[1:])]
            dec = []
            for a, b in zip(back[:-1], back[1:], strict=True):
                dec += [tnn.Linear(a, b), tnn.ReLU()]
            dec += [tnn.Linear(back[-1], d), tnn.Sigmoid(), tnn.Unflatten(1, (1, 28, 28))]
            self.encoder, self.decoder = tnn.Sequential(*enc), tnn.Sequential(*dec)

        def forward(self, x):
            return self.decoder(self.encoder(x))

    return AE()


def copy_to_torch(dg_model, torch_model):
    """deepgrad's weights into the torch twin (names and shapes must agree exactly)."""
    sd = dg_model.state_dict()
    tsd = torch_model.state_dict()
    assert sorted(sd) == sorted(tsd)
    for k, v in sd.items():
        assert tuple(np.shape(v)) == tuple(tsd[k].shape), k
    torch_model.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in sd.items()})


def assert_parity(dg_model, torch_model, x, target=None, forward=None, rtol=1e-10):
    """Float64: outputs, the MSE's gradients of every parameter and of the input."""
    dg_model.double()
    torch_model.double()
    copy_to_torch(dg_model, torch_model)
    target = x if target is None else target
    xd = dg.Tensor(np.asarray(x, np.float64), requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yd = (forward or (lambda m, v: m(v)))(dg_model, xd)
    yt = (forward or (lambda m, v: m(v)))(torch_model, xt)
    np.testing.assert_allclose(yd.data, yt.detach().numpy(), rtol=rtol, atol=1e-12)
    F.mse_loss(yd, dg.Tensor(np.asarray(target, np.float64))).backward()
    torch.nn.functional.mse_loss(yt, torch.tensor(target)).backward()
    tgrads = dict(torch_model.named_parameters())
    for name, p in dg_model.named_parameters():
        np.testing.assert_allclose(p.grad, tgrads[name].grad.numpy(), rtol=1e-8, atol=1e-13,
                                   err_msg=name)
    np.testing.assert_allclose(xd.grad, xt.grad.numpy(), rtol=1e-8, atol=1e-13)


def test_conv_autoencoder_matches_its_torch_twin():
    dg.manual_seed(0)
    m = models.conv_autoencoder((1, 28, 28), 32)
    x = np.random.default_rng(0).random((3, 1, 28, 28))
    assert_parity(m, torch_conv_autoencoder(), x)
    assert m.encode(dg.Tensor(x)).shape == (3, 32)
    assert m.decode(dg.Tensor(np.zeros((2, 32)))).shape == (2, 1, 28, 28)


def test_dense_autoencoder_matches_its_torch_twin():
    dg.manual_seed(1)
    m = models.dense_autoencoder((1, 28, 28), 32)
    x = np.random.default_rng(1).random((4, 1, 28, 28))
    assert_parity(m, torch_dense_autoencoder(), x)
    assert m.num_parameters() == sum(p.numel() for p in torch_dense_autoencoder().parameters())


def test_linear_autoencoder_is_mu_plus_wd_we_centred_x():
    dg.manual_seed(2)
    rng = np.random.default_rng(2)
    m = models.LinearAutoencoder((1, 4, 5), 3)
    m.mean = rng.random(20).astype(np.float32)
    x = rng.random((6, 1, 4, 5))

    class Twin(tnn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = tnn.Linear(20, 3, bias=False)
            self.decoder = tnn.Linear(3, 20, bias=False)
            self.register_buffer("mean", torch.zeros(20))

        def forward(self, v):
            z = self.encoder(v.flatten(1) - self.mean)
            return (self.decoder(z) + self.mean).reshape(-1, 1, 4, 5)

    assert_parity(m, Twin(), x)
    assert m.num_parameters() == 2 * 20 * 3


def test_covariance_loss_is_the_mse_over_the_images_and_its_gradient_too():
    """C(W) from the covariance equals mean |x - x_hat|^2 over the images, value and gradient;
    and gradcheck passes on it in float64."""
    rng = np.random.default_rng(3)
    x = rng.random((50, 1, 3, 4))
    m = models.LinearAutoencoder((1, 3, 4), 2).double()
    flat = x.reshape(50, -1)
    m.mean = flat.mean(0)
    c = flat - flat.mean(0)
    cov = c.T @ c / 50
    m.encoder.weight.data[...] = rng.standard_normal((2, 12))
    m.decoder.weight.data[...] = rng.standard_normal((12, 2))
    loss = m.covariance_loss(dg.Tensor(cov), float(np.trace(cov)))
    loss.backward()
    g_cov = [p.grad.copy() for p in m.parameters()]
    m.zero_grad()
    direct = F.mse_loss(m(dg.Tensor(x)), dg.Tensor(x))
    direct.backward()
    assert float(loss.data) == pytest.approx(float(direct.data), rel=1e-12)
    for a, p in zip(g_cov, m.parameters(), strict=True):
        np.testing.assert_allclose(a, p.grad, rtol=1e-10, atol=1e-14)

    def f(we, wd):
        mm = we @ dg.Tensor(cov)
        return (float(np.trace(cov)) - 2 * (wd * mm.T).sum()
                + ((wd.T @ wd) * (mm @ we.T)).sum()) / 12

    dg.gradcheck(f, m.encoder.weight.data, m.decoder.weight.data)


@pytest.mark.parametrize("build, shape, code, words", [
    (models.conv_autoencoder, (1, 30, 30), 32, ["code size 32", "image size (1, 30, 30)",
                                                "multiples of 4"]),
    (models.conv_autoencoder, (1, 28, 28), 0, ["code size 0", "image size (1, 28, 28)",
                                               "positive integer"]),
    (models.dense_autoencoder, (28, 28), 32, ["code size 32", "image size (28, 28)",
                                              "(channels, height, width)"]),
    (models.LinearAutoencoder, (1, 4, 4), 17, ["code size 17", "image size (1, 4, 4)",
                                               "at most C*H*W = 16"]),
    (models.conv_autoencoder, (3, 32, 32), 2.5, ["code size 2.5", "image size (3, 32, 32)"]),
])
def test_construction_errors_name_the_code_size_and_the_image_size(build, shape, code, words):
    with pytest.raises(ValueError) as e:
        build(shape, code)
    for w in words:
        assert w in str(e.value)


def test_conv_autoencoder_takes_other_sizes_and_channels():
    m = models.conv_autoencoder((3, 32, 32), 16, channels=(8, 16, 32))
    y = m(dg.tensor(np.zeros((2, 3, 32, 32), np.float32)))
    assert y.shape == (2, 3, 32, 32) and y.dtype == np.float32
    assert m.encode(dg.tensor(np.zeros((2, 3, 32, 32), np.float32))).shape == (2, 16)


def test_conv_autoencoder_overfits_one_batch():
    dg.manual_seed(4)
    m = models.conv_autoencoder((1, 28, 28), 16, channels=(8, 16))
    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[:28, :28]
    blobs = [np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 18.0)
             for cy, cx in rng.integers(5, 23, (8, 2))]
    x = dg.tensor(np.stack(blobs)[:, None].astype(np.float32))
    opt = optim.Adam(m.parameters(), lr=3e-3)
    first = None
    for _ in range(200):
        opt.zero_grad()
        loss = F.mse_loss(m(x), x)
        loss.backward()
        opt.step()
        first = first if first is not None else float(loss.data)
    assert float(loss.data) < 0.2 * first
