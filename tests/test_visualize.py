"""deepgrad.visualize on cases with known answers, and Grad-CAM against a PyTorch reference."""

import numpy as np
import pytest
import torch

from deepgrad import nn
from deepgrad import visualize as vis


def _linear():
    m = nn.Sequential(nn.Flatten(), nn.Linear(12, 3))
    return m


def test_saliency_of_a_linear_model_is_its_weights():
    m = _linear()
    x = np.random.default_rng(0).normal(size=(2, 3, 2, 2)).astype(np.float32)
    g, smap = vis.saliency(m, x, target=[1, 2])
    w = np.asarray(m[1].weight.data)
    np.testing.assert_allclose(g[0], w[1].reshape(3, 2, 2), rtol=1e-6)
    np.testing.assert_allclose(g[1], w[2].reshape(3, 2, 2), rtol=1e-6)
    np.testing.assert_allclose(smap[0], np.abs(w[1].reshape(3, 2, 2)).max(axis=0), rtol=1e-6)


def test_maximal_stimulus_of_a_linear_score_is_w_over_2_l2():
    m = _linear()
    x = vis.maximal_stimulus(m, 0, (3, 2, 2), steps=300, lr=0.1, l2=0.5)
    w = np.asarray(m[1].weight.data)[0].reshape(3, 2, 2)
    np.testing.assert_allclose(x, w / (2 * 0.5), rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="target 5 does not index"):
        vis.maximal_stimulus(m, 5, (3, 2, 2), steps=1)


def _cnn():
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1),
                         nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 5))


def _torch_twin(m):
    t = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(),
                            torch.nn.Conv2d(4, 6, 3, padding=1), torch.nn.ReLU(),
                            torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                            torch.nn.Linear(6, 5))
    t.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in m.state_dict().items()})
    return t


def _torch_grad_cam(t, layer, x, target):
    """Grad-CAM as Selvaraju et al. define it, with torch's hooks."""
    seen = {}

    def keep(mod, inputs, output):
        output.retain_grad()
        seen["a"] = output

    h = layer.register_forward_hook(keep)
    out = t(x)
    h.remove()
    out[torch.arange(len(x)), target].sum().backward()
    a, g = seen["a"], seen["a"].grad
    cam = torch.relu((g.mean(dim=(2, 3), keepdim=True) * a).sum(1, keepdim=True))
    cam = torch.nn.functional.interpolate(cam, size=x.shape[2:], mode="bilinear",
                                          align_corners=False)[:, 0]
    top = cam.flatten(1).max(1).values.clamp_min(1e-30)[:, None, None]
    return (cam / top).detach().numpy()


def test_grad_cam_equals_the_reference_with_torch():
    m = _cnn()
    x = np.random.default_rng(1).normal(size=(3, 3, 8, 8)).astype(np.float32)
    target = np.array([0, 3, 4])
    ours = vis.grad_cam(m, "2", x, target)
    t = _torch_twin(m)
    ref = _torch_grad_cam(t, t[2], torch.tensor(x), torch.tensor(target))
    assert ours.shape == (3, 8, 8)
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-5)


def test_grad_cam_finds_the_only_bright_object():
    # one filter that passes brightness through, pooled to the class score: the map is the image
    m = nn.Sequential(nn.Conv2d(1, 1, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                      nn.Linear(1, 2))
    m[0].weight.data[...] = 1.0
    m[0].bias.data[...] = 0.0
    m[4].weight.data[...] = np.array([[1.0], [-1.0]], np.float32)
    x = np.zeros((1, 1, 16, 16), np.float32)
    x[0, 0, 10:14, 2:6] = 1.0
    cam = vis.grad_cam(m, m[0], x, 0)[0]
    r, c = np.unravel_index(cam.argmax(), cam.shape)
    assert 10 <= r < 14 and 2 <= c < 6
    assert cam[:8].max() == 0  # nothing where there is nothing
    # for the other class the evidence counts against: ReLU leaves an empty map
    assert vis.grad_cam(m, m[0], x, 1).max() == 0


def test_filters_and_feature_maps(tmp_path):
    m = _cnn()
    grid = vis.filters(m, save=tmp_path / "f.png")
    assert grid.ndim == 3 and grid.shape[2] == 3 and 0 <= grid.min() and grid.max() <= 1
    assert (tmp_path / "f.png").is_file()
    x = np.random.default_rng(2).normal(size=(3, 8, 8)).astype(np.float32)
    maps = vis.feature_maps(m, "1", x, save=tmp_path / "maps.png")
    m.eval()
    first = np.asarray(m[1](m[0](x[None])).data)[0]
    np.testing.assert_allclose(maps, first, rtol=1e-6)
    with pytest.raises(ValueError, match="no layer named 'conv9'.*its layers include"):
        vis.feature_maps(m, "conv9", x)
    with pytest.raises(ValueError, match="not N x C x h x w"):
        vis.grad_cam(m, "6", x, 0)
