"""The segmentation encoder-decoders and the localizer: float64 parity with PyTorch twins
(outputs, every parameter gradient by name, the input gradient), that max unpooling really
puts values back at the encoder's argmax positions, shapes and construction errors, and a
one-batch overfit."""

import numpy as np
import pytest
import torch
from benchmarks.workloads.segmentation import torch_segnet

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import optim
from deepgrad.models.localizer import localizer
from deepgrad.models.segnet import segnet

torch.set_num_threads(1)


def copy_to_torch(dg_model, torch_model):
    sd = {k: v for k, v in dg_model.state_dict().items() if "num_batches" not in k}
    tsd = {k: v for k, v in torch_model.state_dict().items() if "num_batches" not in k}
    assert sorted(sd) == sorted(tsd)
    for k, v in sd.items():
        assert tuple(np.shape(v)) == tuple(tsd[k].shape), k
    torch_model.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in sd.items()},
                                strict=False)


@pytest.mark.parametrize("upsampling,convs", [("unpool", 1), ("transposed", 1), ("unpool", 2),
                                              ("transposed", 3)])
@pytest.mark.parametrize("train", [True, False])
def test_segnet_matches_its_torch_twin_in_float64(upsampling, convs, train):
    rng = np.random.default_rng(3)
    m = segnet(5, (4, 8), upsampling, convs=convs).double()
    t = torch_segnet(5, (4, 8), upsampling, convs=convs).double()
    for p in m.parameters():  # not the initial BN ones/zeros: make every parameter matter
        p.data[...] = rng.standard_normal(p.data.shape) * 0.5
    copy_to_torch(m, t)
    m.train(train)
    t.train(train)
    x = rng.standard_normal((2, 1, 16, 12))
    y = rng.integers(0, 5, (2, 16, 12))
    xd, xt = dg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_d, out_t = m(xd), t(xt)
    assert out_d.shape == (2, 5, 16, 12)
    np.testing.assert_allclose(out_d.data, out_t.detach().numpy(), rtol=1e-9, atol=1e-11)
    F.cross_entropy(out_d, dg.Tensor(y)).backward()
    torch.nn.functional.cross_entropy(out_t, torch.tensor(y)).backward()
    tg = dict(t.named_parameters())
    for name, p in m.named_parameters():
        np.testing.assert_allclose(p.grad, tg[name].grad.numpy(), rtol=1e-7, atol=1e-12,
                                   err_msg=name)
    np.testing.assert_allclose(xd.grad, xt.grad.numpy(), rtol=1e-7, atol=1e-12)


def test_unpool_decoder_puts_values_at_the_pooling_argmax():
    x = dg.Tensor(np.random.default_rng(0).standard_normal((1, 2, 8, 8)))
    pooled, idx = F.max_pool2d(x, 2, return_indices=True)
    up = F.max_unpool2d(pooled, idx, 2).data
    nz = up != 0
    assert nz.sum() == pooled.data.size  # one value per 2x2 window, at its maximum
    np.testing.assert_array_equal(up[nz], x.data[nz])
    windows = x.data.reshape(1, 2, 4, 2, 4, 2).max(axis=(3, 5))
    np.testing.assert_array_equal(np.sort(up[nz]), np.sort(windows.ravel()))


def test_parameter_counts_differ_only_by_the_transposed_convs():
    a, b = segnet(11, (16, 32, 64), "unpool"), segnet(11, (16, 32, 64), "transposed")
    extra = sum(c * c * 4 + c for c in (64, 32, 16))
    assert b.num_parameters() - a.num_parameters() == extra


def test_construction_and_input_errors_are_clear():
    with pytest.raises(ValueError, match="upsampling must be one of unpool, transposed"):
        segnet(11, (8,), "bilinear")
    with pytest.raises(ValueError, match=r"convs \(3x3 convs per block\) must be >= 1, got 0"):
        segnet(11, (8,), convs=0)
    with pytest.raises(ValueError, match="multiples of 4.*pad the image"):
        segnet(3, (4, 8))(dg.Tensor(np.zeros((1, 1, 10, 12), np.float32)))
    with pytest.raises(ValueError, match="size 60 must be a multiple of 16"):
        localizer(10, 60)
    with pytest.raises(ValueError, match="expected N x C x 64 x 64.*letterbox"):
        localizer(10, 64)(dg.Tensor(np.zeros((1, 1, 32, 32), np.float32)))


def test_localizer_outputs_scores_and_a_box_in_the_unit_square():
    m = localizer(7, 32, widths=(4, 8))
    logits, box = m(dg.Tensor(np.random.default_rng(0).random((3, 1, 32, 32), np.float32)))
    assert logits.shape == (3, 7) and box.shape == (3, 4)
    assert ((box.data > 0) & (box.data < 1)).all() and box.data.dtype == np.float32


@pytest.mark.parametrize("upsampling", ["unpool", "transposed"])
def test_segnet_overfits_one_batch(upsampling):
    dg.manual_seed(0)  # the initialization: this test does not depend on the tests before it
    rng = np.random.default_rng(1)
    x = rng.random((4, 1, 16, 16), np.float32)
    y = (x[:, 0] > 0.5).astype(np.int64) + (x[:, 0] > 0.8)  # 3 classes from the pixel value
    m = segnet(3, (8, 16), upsampling)
    opt = optim.Adam(m.parameters(), lr=1e-2)
    # unpooling's sparse maps need more steps than 120 (seeds 0-4 at 120: eval accuracy
    # 0.917-0.966; at 300: 0.984-1.0)
    for _ in range(300):
        opt.zero_grad()
        loss = F.cross_entropy(m(dg.Tensor(x)), dg.Tensor(y))
        loss.backward()
        opt.step()
    m.eval()
    with dg.no_grad():
        acc = (m(dg.Tensor(x)).data.argmax(1) == y).mean()
    assert loss.item() < 0.25 and acc > 0.95
