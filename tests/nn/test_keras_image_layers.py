"""Keras' image layers (channels-last) against PyTorch on transposed data, in float64.

The reference side builds Keras' semantics from PyTorch primitives and Keras' documented
rules: NHWC -> NCHW, kernel (kH, kW, in, out) -> (out, in, kH, kW), TF 'same' padding
(total = max((ceil(n / s) - 1) s + k_eff - n, 0), floor(total / 2) before, the rest after),
average pooling divided by the count of real elements, Conv2DTranspose cropped as Keras' JAX
backend pads. Output shapes are checked against Keras' output-length formulas.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
import deepgrad.nn as nn

torch.set_num_threads(1)


def _tf_same(n: int, k_eff: int, s: int) -> tuple[int, int]:
    out = math.ceil(n / s)
    total = max((out - 1) * s + k_eff - n, 0)
    return total // 2, total - total // 2


def _nchw(x: torch.Tensor, fmt: str) -> torch.Tensor:
    return x.permute(0, 3, 1, 2) if fmt == "channels_last" else x


def _back(y: torch.Tensor, fmt: str) -> torch.Tensor:
    return y.permute(0, 2, 3, 1) if fmt == "channels_last" else y


def _spatial(shape: tuple, fmt: str) -> tuple[int, int]:
    return (shape[1], shape[2]) if fmt == "channels_last" else (shape[2], shape[3])


def _compare(layer, x: np.ndarray, reference, params: dict[str, np.ndarray]) -> None:
    """Same forward as ``reference(xt, **torch_params)`` and same gradients for x and params."""
    xd = dg.Tensor(x, requires_grad=True)
    yd = layer(xd)
    xt = torch.from_numpy(x.copy()).requires_grad_()
    tp = {k: torch.from_numpy(v.copy()).requires_grad_() for k, v in params.items()}
    yt = reference(xt, **tp)
    assert yd.shape == tuple(yt.shape)
    assert yd.dtype == x.dtype
    np.testing.assert_allclose(yd.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    r = np.random.default_rng(7).standard_normal(yd.shape)
    (yd * dg.Tensor(r)).sum().backward()
    (yt * torch.from_numpy(r)).sum().backward()
    np.testing.assert_allclose(xd.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad, tp[name].grad.numpy(), rtol=1e-10, atol=1e-12)


def _x(shape: tuple, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def _image(n: int, h: int, w: int, c: int, fmt: str, seed: int = 0) -> np.ndarray:
    return _x((n, h, w, c) if fmt == "channels_last" else (n, c, h, w), seed)


# ------------------------------------------------------------------ Conv2D
CONV_CASES = [
    # h, w, cin, filters, kernel, strides, padding, dilation, groups
    (7, 8, 3, 4, 3, 1, "valid", 1, 1),
    (7, 8, 3, 4, 3, 1, "same", 1, 1),
    (7, 8, 3, 4, 3, 2, "same", 1, 1),  # odd H, even W with stride 2
    (8, 8, 2, 3, 3, 2, "same", 1, 1),  # even: total padding 1 -> all of it bottom/right
    (9, 6, 2, 3, (2, 4), (3, 2), "same", 1, 1),  # even kernels, mixed strides
    (7, 7, 4, 6, 3, 1, "same", 2, 2),  # dilation, groups
    (9, 10, 2, 2, (3, 1), (2, 3), "valid", 1, 1),
]


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
@pytest.mark.parametrize("h,w,cin,filters,k,s,padding,d,groups", CONV_CASES)
def test_conv2d_matches_torch(fmt, h, w, cin, filters, k, s, padding, d, groups) -> None:
    layer = nn.Conv2D(filters, k, strides=s, padding=padding, data_format=fmt,
                      dilation_rate=d, groups=groups, activation="tanh")
    x = _image(2, h, w, cin, fmt)
    layer.build(x.shape, np.float64)
    kernel, bias = layer.get_weights()
    kh, kw = kernel.shape[:2]
    assert kernel.shape == (kh, kw, cin // groups, filters)  # Keras' layout
    sh, sw = (s, s) if isinstance(s, int) else s

    def reference(xt, weight, bias):
        xn = _nchw(xt, fmt)
        if padding == "same":
            (t, b), (lft, r) = (_tf_same(n, d * (kk - 1) + 1, ss)
                                for n, kk, ss in zip((h, w), (kh, kw), (sh, sw), strict=True))
            xn = TF.pad(xn, (lft, r, t, b))
        y = TF.conv2d(xn, weight, bias, (sh, sw), 0, d, groups)
        return torch.tanh(_back(y, fmt))

    _compare(layer, x, reference, {"weight": kernel.transpose(3, 2, 0, 1), "bias": bias})
    # Keras' documented output length: valid floor((n - k_eff) / s) + 1, same ceil(n / s)
    out_hw = [
        (n - (d * (kk - 1) + 1)) // ss + 1 if padding == "valid" else math.ceil(n / ss)
        for n, kk, ss in zip((h, w), (kh, kw), (sh, sw), strict=True)
    ]
    y = layer(dg.Tensor(x))
    assert _spatial(y.shape, fmt) == tuple(out_hw)
    assert layer.compute_output_shape(x.shape) == y.shape


def test_conv2d_same_stride2_pads_bottom_right() -> None:
    """Hand-computed: 5x5 ones, 2x2 ones kernel, stride 2, 'same': 3x3 output, and the one row
    and column of padding sit at the bottom and right (so the last row/column sees less)."""
    layer = nn.Conv2D(1, 2, strides=2, padding="same", use_bias=False, input_shape=(5, 5, 1))
    layer.set_weights([np.ones((2, 2, 1, 1))])
    y = layer(dg.Tensor(np.ones((1, 5, 5, 1), dtype=np.float32))).data[0, :, :, 0]
    np.testing.assert_array_equal(y, [[4, 4, 2], [4, 4, 2], [2, 2, 1]])


def test_conv2d_float32_gradcheck_and_dtype() -> None:
    layer = nn.Conv2D(3, 3, strides=2, padding="same")
    x = np.random.default_rng(1).standard_normal((2, 5, 6, 2)).astype(np.float32)
    y = layer(dg.Tensor(x))
    assert y.dtype == np.float32 and layer.weight.dtype == np.float32
    layer64 = nn.Conv2D(3, 3, strides=2, padding="same", dtype=np.float64)
    dg.gradcheck(lambda t: layer64(t), x.astype(np.float64))


def test_conv2d_weights_api_and_init() -> None:
    layer = nn.Conv2D(16, (3, 5), input_shape=(10, 12, 4))
    assert layer.built and layer.weight.shape == (16, 4, 3, 5)
    assert layer.kernel.shape == (3, 5, 4, 16)
    assert np.all(layer.bias.data == 0)  # Keras' bias_initializer='zeros'
    limit = math.sqrt(6 / (4 * 15 + 16 * 15))  # glorot_uniform, fans of (kh, kw, in, out)
    assert np.abs(layer.weight.data).max() <= limit
    assert np.abs(layer.weight.data).max() > 0.8 * limit
    k = np.random.default_rng(0).standard_normal((3, 5, 4, 16))
    layer.set_weights([k, np.arange(16.0)])
    np.testing.assert_array_equal(layer.get_weights()[0], k.astype(np.float32))
    np.testing.assert_array_equal(layer.weight.data, k.transpose(3, 2, 0, 1).astype(np.float32))
    with pytest.raises(ValueError, match="kernel shape"):
        layer.set_weights([np.zeros((3, 3, 4, 16)), np.zeros(16)])
    lazy = nn.Conv2D(16, (3, 5))
    lazy.set_weights([k, np.zeros(16)])  # builds from the kernel
    assert lazy.in_channels == 4


def test_conv2d_state_dict_builds_lazy_layer() -> None:
    a = nn.Conv2D(4, 3, input_shape=(6, 6, 2))
    b = nn.Conv2D(4, 3)
    b.load_state_dict(a.state_dict())
    x = dg.Tensor(np.random.default_rng(0).standard_normal((1, 6, 6, 2)).astype(np.float32))
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_conv2d_errors_name_layer_and_layout() -> None:
    layer = nn.Conv2D(4, 3)
    layer(dg.Tensor(np.zeros((1, 8, 8, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match=r"Conv2D: expected 3 input channels.*got 8.*"
                       r"data_format='channels_first'"):
        layer(dg.Tensor(np.zeros((1, 3, 8, 8), dtype=np.float32)))
    with pytest.raises(ValueError, match=r"4-D input \(batch, height, width, channels\)"):
        layer(dg.Tensor(np.zeros((8, 8, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match="too small"):
        nn.Conv2D(2, 5)(dg.Tensor(np.zeros((1, 3, 3, 1), dtype=np.float32)))
    with pytest.raises(ValueError, match="data_format"):
        nn.Conv2D(2, 3, data_format="NHWC")
    with pytest.raises(ValueError, match="padding"):
        nn.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="dilation_rate > 1"):
        nn.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="groups"):
        nn.Conv2D(3, 3, groups=2)


def test_pytorch_conv2d_channel_error_mentions_channels_last() -> None:
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(ValueError, match=r"Conv2d: expected 3 input channels, got 28 .*"
                       r"channels-last \(NHWC\).*data_format='channels_last'"):
        conv(dg.Tensor(np.zeros((1, 28, 28, 3), dtype=np.float32)))


# ------------------------------------------------------------------ Conv2DTranspose
def _jax_pads(k: int, s: int, d: int, padding: str, op: int | None) -> tuple[int, int]:
    """Keras' padding of the stride-dilated input (its JAX backend), as documented there."""
    ke = (k - 1) * d + 1
    if padding == "valid":
        op = max(ke, s) - ke if op is None else op
        return ke - 1, ke - 1 + op
    total = s + ke - 2 if op is None else ke + ke % 2 - 2 + op
    left = min(total // 2 + total % 2, ke - 1)
    return left, total - left


TRANSPOSE_CASES = [
    # h, w, cin, filters, kernel, strides, padding, output_padding, dilation
    (3, 4, 2, 3, 3, 2, "same", None, 1),
    (3, 4, 2, 3, 3, 2, "valid", None, 1),
    (4, 3, 2, 3, 2, 2, "same", None, 1),
    (3, 3, 2, 2, 1, 3, "valid", None, 1),  # kernel < stride: output grows by the stride
    (3, 3, 2, 2, 1, 2, "same", None, 1),
    (3, 4, 2, 3, 3, 2, "same", 1, 1),
    (3, 4, 2, 3, (3, 4), (3, 2), "valid", (2, 1), 1),
    (4, 4, 2, 2, 3, 1, "same", None, 2),
    (5, 3, 1, 2, (4, 3), (2, 3), "same", (0, 2), 1),
]


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
@pytest.mark.parametrize("h,w,cin,filters,k,s,padding,op,d", TRANSPOSE_CASES)
def test_conv2d_transpose_matches_torch(fmt, h, w, cin, filters, k, s, padding, op, d) -> None:
    layer = nn.Conv2DTranspose(filters, k, strides=s, padding=padding, output_padding=op,
                               data_format=fmt, dilation_rate=d, dtype=np.float64)
    x = _image(2, h, w, cin, fmt, seed=3)
    layer.build(x.shape, np.float64)
    kernel, bias = layer.get_weights()
    kh, kw = kernel.shape[:2]
    assert kernel.shape == (kh, kw, filters, cin)  # Keras' transposed-kernel layout
    sh, sw = (s, s) if isinstance(s, int) else s
    oph, opw = (op, op) if op is None or isinstance(op, int) else op

    def reference(xt, weight, bias):
        full = TF.conv_transpose2d(_nchw(xt, fmt), weight, None, (sh, sw), dilation=d)
        crops = []
        for kk, ss, oo in zip((kh, kw), (sh, sw), (oph, opw), strict=True):
            left, right = _jax_pads(kk, ss, d, padding, oo)
            ke = (kk - 1) * d + 1
            crops.append((ke - 1 - left, ke - 1 - right))
        # a negative crop extends the output with zeros (the bias is added after)
        pad = [max(-c, 0) for pair in reversed(crops) for c in pair]
        full = TF.pad(full, pad)
        (t, b), (lft, r) = ((max(a, 0), max(c, 0)) for a, c in crops)
        y = full[:, :, t: full.shape[2] - b, lft: full.shape[3] - r] + bias.view(1, -1, 1, 1)
        return _back(y, fmt)

    _compare(layer, x, reference, {"weight": kernel.transpose(3, 2, 0, 1), "bias": bias})
    out_hw = []  # Keras' documented output length
    for n, kk, ss, oo in zip((h, w), (kh, kw), (sh, sw), (oph, opw), strict=True):
        ke = (kk - 1) * d + 1
        if padding == "valid":
            out_hw.append((n - 1) * ss + ke + (max(ke, ss) - ke if oo is None else oo))
        else:
            out_hw.append(n * ss if oo is None else (n - 1) * ss + ke % 2 + oo)
    y = layer(dg.Tensor(x))
    assert _spatial(y.shape, fmt) == tuple(out_hw)
    assert layer.compute_output_shape(x.shape) == y.shape


def test_conv2d_transpose_same_stride2_by_hand() -> None:
    """2x2 ones, 3x3 ones kernel, stride 2, 'same': the transpose of the 'same' conv of a 4x4
    image (padded 0 top, 1 bottom), so output row r receives input rows i with 2i <= r <= 2i+2:
    counts [1, 1, 2, 1] per axis."""
    layer = nn.Conv2DTranspose(1, 3, strides=2, padding="same", use_bias=False)
    layer.set_weights([np.ones((3, 3, 1, 1))])
    y = layer(dg.Tensor(np.ones((1, 2, 2, 1), dtype=np.float32))).data[0, :, :, 0]
    c = np.array([1, 1, 2, 1])
    np.testing.assert_array_equal(y, np.outer(c, c))


def test_conv2d_transpose_is_adjoint_of_conv2d_same() -> None:
    """<Conv2D(x), y> = <x, Conv2DTranspose(y)> with the same kernel, 'same', stride 2."""
    rng = np.random.default_rng(0)
    k = rng.standard_normal((3, 3, 2, 4))
    conv = nn.Conv2D(4, 3, strides=2, padding="same", use_bias=False, dtype=np.float64)
    conv.set_weights([k])
    tconv = nn.Conv2DTranspose(2, 3, strides=2, padding="same", use_bias=False, dtype=np.float64)
    tconv.set_weights([k])  # Keras' transposed layout (kh, kw, filters=2, in=4) is the same array
    x = rng.standard_normal((1, 6, 6, 2))
    y = rng.standard_normal((1, 3, 3, 4))
    lhs = (conv(dg.Tensor(x)).data * y).sum()
    rhs = (x * tconv(dg.Tensor(y)).data).sum()
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)


def test_conv2d_transpose_errors() -> None:
    with pytest.raises(ValueError, match="output_padding must be < strides"):
        nn.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    layer = nn.Conv2DTranspose(2, 3)
    layer(dg.Tensor(np.zeros((1, 4, 4, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match="Conv2DTranspose: expected 3 input channels"):
        layer(dg.Tensor(np.zeros((1, 4, 4, 5), dtype=np.float32)))


# ------------------------------------------------------------------ pooling
POOL_CASES = [
    # h, w, pool, strides, padding
    (6, 7, 2, None, "valid"),
    (7, 7, 2, None, "same"),
    (7, 8, 3, 2, "same"),  # odd and even sizes with stride 2
    (8, 8, 3, 2, "same"),
    (6, 9, (2, 3), (1, 2), "same"),
    (5, 5, 3, 1, "same"),  # symmetric padding
    (9, 7, 3, (2, 3), "valid"),
]


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
@pytest.mark.parametrize("h,w,pool,strides,padding", POOL_CASES)
def test_max_pooling2d_matches_torch(fmt, h, w, pool, strides, padding) -> None:
    layer = nn.MaxPooling2D(pool, strides, padding, data_format=fmt)
    x = _image(2, h, w, 3, fmt)
    ph, pw = (pool, pool) if isinstance(pool, int) else pool
    s = (ph, pw) if strides is None else ((strides,) * 2 if isinstance(strides, int) else strides)

    def reference(xt):
        xn = _nchw(xt, fmt)
        if padding == "same":
            (t, b), (lft, r) = (_tf_same(n, k, ss) for n, k, ss in zip((h, w), (ph, pw), s,
                                                                       strict=True))
            xn = TF.pad(xn, (lft, r, t, b), value=-math.inf)
        return _back(TF.max_pool2d(xn, (ph, pw), s), fmt)

    _compare(layer, x, reference, {})
    out = [(n - k) // ss + 1 if padding == "valid" else math.ceil(n / ss)
           for n, k, ss in zip((h, w), (ph, pw), s, strict=True)]
    assert _spatial(layer(dg.Tensor(x)).shape, fmt) == tuple(out)


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
@pytest.mark.parametrize("h,w,pool,strides,padding", POOL_CASES)
def test_average_pooling2d_matches_torch(fmt, h, w, pool, strides, padding) -> None:
    layer = nn.AveragePooling2D(pool, strides, padding, data_format=fmt)
    x = _image(2, h, w, 3, fmt)
    ph, pw = (pool, pool) if isinstance(pool, int) else pool
    s = (ph, pw) if strides is None else ((strides,) * 2 if isinstance(strides, int) else strides)

    def reference(xt):
        # Keras: the window sum divided by the window sum of an all-ones image (real elements)
        xn = _nchw(xt, fmt)
        ones = torch.ones_like(xn)
        if padding == "same":
            (t, b), (lft, r) = (_tf_same(n, k, ss) for n, k, ss in zip((h, w), (ph, pw), s,
                                                                       strict=True))
            xn, ones = TF.pad(xn, (lft, r, t, b)), TF.pad(ones, (lft, r, t, b))
        total = TF.avg_pool2d(xn, (ph, pw), s, divisor_override=1)
        count = TF.avg_pool2d(ones, (ph, pw), s, divisor_override=1)
        return _back(total / count, fmt)

    _compare(layer, x, reference, {})


def test_average_pooling_same_excludes_padding_by_hand() -> None:
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    y = nn.AveragePooling2D(2, 2, "same")(dg.Tensor(x)).data[0, :, :, 0]
    # windows rows {0,1},{2} x cols {0,1},{2}: the padded row/column is not counted
    np.testing.assert_allclose(y, [[(0 + 1 + 3 + 4) / 4, (2 + 5) / 2], [(6 + 7) / 2, 8]])


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling(fmt, keepdims) -> None:
    x = _image(2, 4, 5, 3, fmt)
    axes = (1, 2) if fmt == "channels_last" else (2, 3)
    _compare(nn.GlobalAveragePooling2D(fmt, keepdims), x,
             lambda t: t.mean(dim=axes, keepdim=keepdims), {})
    _compare(nn.GlobalMaxPooling2D(fmt, keepdims), x,
             lambda t: t.amax(dim=axes, keepdim=keepdims), {})
    out = nn.GlobalAveragePooling2D(fmt, keepdims)(dg.Tensor(x))
    assert out.shape == nn.GlobalAveragePooling2D(fmt, keepdims).compute_output_shape(x.shape)
    assert out.shape == ((2, 3) if not keepdims else
                         ((2, 1, 1, 3) if fmt == "channels_last" else (2, 3, 1, 1)))


def test_pooling_errors() -> None:
    with pytest.raises(ValueError, match="MaxPooling2D: the input shape .* too small"):
        nn.MaxPooling2D(3)(dg.Tensor(np.zeros((1, 2, 2, 1))))
    with pytest.raises(ValueError, match=r"AveragePooling2D: expected a 4-D input"):
        nn.AveragePooling2D()(dg.Tensor(np.zeros((4, 4, 1))))
    with pytest.raises(ValueError, match="padding"):
        nn.MaxPooling2D(padding="full")


# ------------------------------------------------------------------ UpSampling2D
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
@pytest.mark.parametrize("size", [2, (2, 3), (3, 1)])
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_upsampling2d(fmt, size, interpolation) -> None:
    x = _image(2, 3, 4, 2, fmt)
    fh, fw = (size, size) if isinstance(size, int) else size
    layer = nn.UpSampling2D(size, fmt, interpolation)

    def reference(xt):
        xn = _nchw(xt, fmt)
        if interpolation == "nearest":  # Keras repeats rows and columns
            y = xn.repeat_interleave(fh, dim=2).repeat_interleave(fw, dim=3)
        else:  # Keras' bilinear resize with half-pixel centres
            y = TF.interpolate(xn, size=(3 * fh, 4 * fw), mode="bilinear", align_corners=False)
        return _back(y, fmt)

    _compare(layer, x, reference, {})
    assert layer(dg.Tensor(x)).shape == layer.compute_output_shape(x.shape)


def test_upsampling_errors() -> None:
    with pytest.raises(ValueError, match="interpolation"):
        nn.UpSampling2D(interpolation="bicubic")


# ------------------------------------------------------------------ in a model
def test_keras_cnn_summary_and_training_step() -> None:
    dg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2D(8, 3, padding="same", activation="relu", input_shape=(12, 12, 1)),
        nn.MaxPooling2D(),
        nn.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
        nn.Conv2DTranspose(4, 3, strides=2, padding="same"),
        nn.UpSampling2D(),
        nn.AveragePooling2D(3, 2, padding="same"),
        nn.GlobalAveragePooling2D(),
        nn.Dense(3),
    )
    s = model.summary(print_fn=None)
    assert [row.output_shape for row in s.layers] == [
        (None, 12, 12, 8), (None, 6, 6, 8), (None, 3, 3, 8), (None, 6, 6, 4),
        (None, 12, 12, 4), (None, 6, 6, 4), (None, 4), (None, 3),
    ]
    assert s.layers[0].params == 3 * 3 * 1 * 8 + 8
    assert s.layers[3].params == 3 * 3 * 8 * 4 + 4
    assert s.layers[0].receptive_field == (3.0, 3.0)
    assert s.layers[6].receptive_field == "global"
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 12, 12, 1)).astype(np.float32)
    y = rng.integers(0, 3, 16)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", learning_rate=0.01)
    first = model.evaluate(x, y)
    model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert model.evaluate(x, y) < 0.7 * first
