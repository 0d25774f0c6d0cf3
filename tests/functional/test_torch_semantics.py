"""Issue 20 part 1: where deepgrad uses a PyTorch name, a call PyTorch accepts gives PyTorch's
result (forward and gradients, float64), and a call it refuses is refused.

Each test names the item of the issue it proves; the table-driven sweep over every public op
is in test_sweep.py.
"""

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
import deepgrad.functional as F
from parity.float64 import Const, same


def rnd(*shape, seed=0, scale=1.0):
    return np.asarray(np.random.default_rng(seed).standard_normal(shape) * scale)


INF = math.inf


# ------------------------------------------------------------------------ norm: torch.norm's p
@pytest.mark.parametrize("p", ["fro", 1, 2, INF, -INF, 0, 3, 0.5, 1.5, -1, None])
@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1), (0,), (-1, 0), ()])
@pytest.mark.parametrize("keepdim", [False, True])
def test_norm_follows_torch_norm(p, dim, keepdim):
    same(F.norm, torch.norm, [rnd(3, 4)], p=p, dim=dim, keepdim=keepdim)


def test_norm_positional_p_is_p_not_dim():
    x = rnd(3, 4)
    same(lambda t: F.norm(t, 1), lambda t: torch.norm(t, 1), [x])  # the bug
    same(lambda t: F.norm(t, 1, 1), lambda t: torch.norm(t, 1, 1), [x])
    same(lambda t: F.norm(t, 2, 0, True), lambda t: torch.norm(t, 2, 0, True), [x])
    same(lambda t: t.norm(INF, 1), lambda t: t.norm(INF, 1), [x])


@pytest.mark.parametrize("p", [1, 2, INF, -INF, 0, 3, 0.5, 1.5, -1, "fro"])
def test_norm_gradients_at_zeros_and_ties(p):
    x = np.array([[0.0, 2.0, -2.0], [0.0, 0.0, 0.0]])
    same(F.norm, torch.norm, [x], p=p, dim=1)
    same(F.norm, torch.norm, [x], p=p)


@pytest.mark.parametrize("p", [1, 2, 3, 0.5, "fro"])
def test_norm_gradcheck(p):
    same(F.norm, torch.norm, [rnd(3, 4, seed=1)], p=p, dim=1, gradcheck=True)


@pytest.mark.parametrize("dim", [None, (0, 1), (1, 2), (-1, 0)])
def test_nuclear_norm(dim):
    x = rnd(3, 4) if dim is None else rnd(2, 3, 4)
    if dim == (-1, 0) or dim is None:
        x = rnd(3, 4)
    same(F.norm, torch.norm, [x], p="nuc", dim=dim, gradcheck=True)
    same(F.norm, torch.norm, [x], p="nuc", dim=dim, keepdim=True)


def test_norm_refusals_match_torch():
    for kw in [dict(p="nuc"), dict(p="fro", dim=(0, 1, 2)), dict(p="nuc", dim=1), dict(p="bad")]:
        same(F.norm, torch.norm, [rnd(2, 3, 4)], **kw)  # torch raises: so must deepgrad
    with pytest.raises(RuntimeError, match="2-D input"):
        F.norm(dg.tensor(rnd(2, 3, 4)), "nuc")
    same(F.norm, torch.norm, [np.zeros((0, 3))], p=INF)
    same(F.norm, torch.norm, [np.zeros((0, 3))], p=INF, dim=1)
    same(F.norm, torch.norm, [np.zeros((0, 3))], p=2)


def test_norm_dtype_and_0d():
    x = rnd(3, 4).astype(np.float32)
    out = F.norm(dg.tensor(x), dtype=np.float64)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.item(), torch.norm(torch.from_numpy(x), dtype=torch.float64))
    same(F.norm, torch.norm, [np.array(-3.0)], p=1, dim=0)
    same(F.norm, torch.norm, [np.array(-3.0)])


# ------------------------------------------------------------------------ clamp / clip bounds
CLAMP_X = np.array([0.5, -2.0, 3.0, 1.0, 1.0, 2.0, 0.0])
CLAMP_LO = np.array([1.0, -3.0, 0.0, 1.0, 2.0, 0.0, 0.0])  # ties, lo > hi, lo == hi ...
CLAMP_HI = np.array([2.0, -2.5, 2.0, 0.5, 1.0, 2.0, 0.0])


@pytest.mark.parametrize("fn", [F.clamp, F.clip])
def test_clamp_tensor_bounds_get_torchs_gradients(fn):
    same(fn, torch.clamp, [CLAMP_X, CLAMP_LO, CLAMP_HI])
    same(lambda x, lo: fn(x, min=lo), lambda x, lo: torch.clamp(x, min=lo), [CLAMP_X, CLAMP_LO])
    same(lambda x, hi: fn(x, max=hi), lambda x, hi: torch.clamp(x, max=hi), [CLAMP_X, CLAMP_HI])


def test_clamp_tensor_bounds_broadcast():
    x = rnd(3, 4)
    same(F.clamp, torch.clamp, [x, rnd(4, seed=1) - 0.5, rnd(3, 1, seed=2) + 0.5])
    same(F.clamp, torch.clamp, [rnd(4), rnd(2, 4, seed=1) - 1, rnd(2, 1, seed=2) + 1])
    same(lambda a, lo: a.clamp(lo), lambda a, lo: a.clamp(lo), [x, np.array(0.1)])
    same(F.clamp, torch.clamp, [x, Const(np.zeros(4)), Const(np.ones((3, 1)))])
    same(F.clamp, torch.clamp, [rnd(3), rnd(2, 3, seed=3), None])


def test_clamp_number_bounds():
    x = np.array([0.0, 1.0, 0.5, -3.0, 4.0])
    same(F.clamp, torch.clamp, [x], min=0.0, max=1.0)
    same(F.clamp, torch.clamp, [x], min=2.0, max=1.0)  # min > max: all max, no gradient
    same(F.clamp, torch.clamp, [x], max=0.5)
    same(F.clamp, torch.clamp, [x])  # neither bound: both refuse


# ------------------------------------------------------------------------ sign
def test_sign_takes_part_in_backward_with_zero_gradient():
    x = np.array([-2.0, 0.0, 3.0])
    same(F.sign, torch.sign, [x])
    same(lambda t: t * F.sign(t), lambda t: t * torch.sign(t), [x])
    t = dg.tensor(x, requires_grad=True)
    out = F.sign(t)
    assert out.requires_grad
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, np.zeros(3))


# ------------------------------------------------------------------------ alpha of add/sub
@pytest.mark.parametrize("alpha", [1, 2, -0.5, 0])
def test_add_sub_alpha(alpha):
    a, b = rnd(3, 4), rnd(4, seed=1)
    same(F.add, torch.add, [a, b], alpha=alpha)
    same(F.sub, torch.sub, [a, b], alpha=alpha)
    same(lambda x: F.sub(x, 2.0, alpha=alpha), lambda x: torch.sub(x, 2.0, alpha=alpha), [a])
    same(lambda x, y: x.add(y, alpha=alpha), lambda x, y: x.add(y, alpha=alpha), [a, b])
    same(lambda x, y: x.sub(y, alpha=alpha), lambda x, y: x.sub(y, alpha=alpha), [a, b])


def test_add_alpha_is_keyword_only_as_torch():
    with pytest.raises(TypeError):
        F.add(dg.tensor(1.0), dg.tensor(1.0), 3)
    with pytest.raises(TypeError):
        F.sub(dg.tensor(1.0), dg.tensor(1.0), 3)


# ------------------------------------------------------------------------ var / std correction
@pytest.mark.parametrize("fn", ["var", "std"])
@pytest.mark.parametrize("correction", [None, 0, 1, 2, 0.5, 5, 7])
@pytest.mark.parametrize("dim", [None, 1, (0, 1), -1])
def test_var_std_correction(fn, correction, dim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns when correction >= n (inf results)
        same(getattr(F, fn), getattr(torch, fn), [rnd(5, 4)], dim=dim, correction=correction)
        same(getattr(F, fn), getattr(torch, fn), [rnd(5, 4)], dim=dim, correction=correction,
             keepdim=True)


@pytest.mark.parametrize("fn", ["var", "std"])
def test_var_std_legacy_unbiased_forms(fn):
    x = rnd(5, 4)
    d, t = getattr(F, fn), getattr(torch, fn)
    same(lambda a: d(a, True), lambda a: t(a, True), [x])
    same(lambda a: d(a, False), lambda a: t(a, False), [x])
    same(lambda a: d(a, 1, False), lambda a: t(a, 1, False), [x])
    same(lambda a: d(a, 1, True, True), lambda a: t(a, 1, True, True), [x])
    same(lambda a: d(a, None, True), lambda a: t(a, None, True), [x])
    same(lambda a: d(a, dim=0, unbiased=False), lambda a: t(a, dim=0, unbiased=False), [x])
    same(lambda a: d(a, 1, 0), lambda a: t(a, 1, 0), [x])  # torch refuses an int here
    same(lambda a: d(a, 1, True, correction=0), lambda a: t(a, 1, True, correction=0), [x])


def test_std_of_constant_gets_zero_gradient():
    same(F.std, torch.std, [np.ones((3, 4))], dim=1)
    same(F.var, torch.var, [np.ones(1)])  # n = correction: nan, nan gradient


# ------------------------------------------------------------------------ 0-d reductions
REDUCTIONS = ["sum", "mean", "amax", "amin", "logsumexp", "var", "std", "norm"]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dim", [0, -1, (0,), (), 1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions_over_dim_0_or_minus_1_of_a_0d_tensor(name, dim, keepdim):
    kw = dict(keepdim=keepdim)
    if name == "norm":
        kw["p"] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(getattr(F, name), getattr(torch, name), [np.array(-2.0)], dim=dim, **kw)


@pytest.mark.parametrize("name", ["max", "min", "argmax", "argmin"])
@pytest.mark.parametrize("dim", [0, -1, 1, (0,)])
def test_max_min_arg_over_a_0d_tensor(name, dim):
    same(getattr(F, name), getattr(torch, name), [np.array(-2.0)], dim=dim)
    same(getattr(F, name), getattr(torch, name), [np.array(-2.0)], dim=dim, keepdim=True)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, -1])
def test_softmax_of_a_0d_tensor(name, dim):
    same(getattr(F, name), getattr(torch, name), [np.array(-2.0)], dim=dim)


# ------------------------------------------------------------------------ zero-size tensors
EMPTY = [(0,), (0, 3), (3, 0), (2, 0, 4)]


@pytest.mark.parametrize("shape", EMPTY)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_of_zero_size_tensors(shape, name):
    for dim in range(-len(shape), len(shape)):
        same(getattr(F, name), getattr(TF, name), [np.zeros(shape)], dim=dim)


@pytest.mark.parametrize("shape", EMPTY)
@pytest.mark.parametrize("name", REDUCTIONS + ["max", "min", "argmax", "argmin"])
def test_reductions_of_zero_size_tensors(shape, name):
    """Sum 0, mean/var NaN, logsumexp -inf; max/argmax/inf-norm over nothing refuse (both)."""
    fd, ft = getattr(F, name), getattr(torch, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name != "logsumexp":  # (torch.logsumexp needs a dim)
            same(fd, ft, [np.zeros(shape)])
        for dim in list(range(-len(shape), len(shape))) + [(0, -1)]:
            if name in ("max", "min", "argmax", "argmin") and isinstance(dim, tuple):
                continue
            same(fd, ft, [np.zeros(shape)], dim=dim)
            same(fd, ft, [np.zeros(shape)], dim=dim, keepdim=True)


# ------------------------------------------------------------------------ cat
def test_cat_skips_legacy_empty_tensors():
    a, b = rnd(2, 3), rnd(2, 1, seed=1)
    e = np.zeros(0)
    same(lambda *t: F.cat(t, 1), lambda *t: torch.cat(t, 1), [e, a, e, b])
    same(lambda *t: F.cat(t, 0), lambda *t: torch.cat(t, 0), [e, a])
    same(lambda *t: F.cat(t, -1), lambda *t: torch.cat(t, -1), [a, e])
    same(lambda *t: F.cat(t), lambda *t: torch.cat(t), [e, e])
    same(lambda *t: F.cat(t, 0), lambda *t: torch.cat(t, 0), [np.zeros((2, 0)), a])  # refused
    same(lambda *t: F.cat(t, 1), lambda *t: torch.cat(t, 1), [np.zeros((2, 0)), a])
    same(lambda *t: F.cat(t, 0), lambda *t: torch.cat(t, 0), [np.array(1.0), np.array(2.0)])


# ------------------------------------------------------------------------ unbatched convs
@pytest.mark.parametrize(
    "name,x,w,kw",
    [
        ("conv2d", (3, 6, 5), (4, 3, 3, 3), dict(padding=1)),
        ("conv2d", (4, 6, 5), (6, 2, 3, 2), dict(stride=2, groups=2)),
        ("conv1d", (3, 7), (4, 3, 3), dict(padding="same", dilation=2)),
        ("conv1d", (4, 7), (2, 2, 2), dict(stride=2, groups=2)),
        ("conv_transpose2d", (3, 4, 5), (3, 2, 3, 3), dict(stride=2, output_padding=1)),
        ("conv_transpose1d", (4, 6), (4, 3, 3), dict(stride=2, padding=1, groups=2)),
    ],
)
def test_unbatched_convolutions(name, x, w, kw):
    same(getattr(F, name), getattr(TF, name), [rnd(*x), rnd(*w, seed=1), rnd(w[0] if "transpose"
         not in name else w[1] * kw.get("groups", 1), seed=2)], **kw)
    same(getattr(F, name), getattr(TF, name), [rnd(*x), rnd(*w, seed=1)], gradcheck=True, **kw)


@pytest.mark.parametrize("name,x,w", [("conv2d", (0, 3, 5, 5), (4, 3, 3, 3)),
                                      ("conv1d", (0, 3, 5), (4, 3, 3)),
                                      ("conv_transpose2d", (0, 3, 5, 5), (3, 4, 3, 3)),
                                      ("conv_transpose1d", (0, 3, 5), (3, 4, 3))])
def test_convolutions_of_an_empty_batch(name, x, w):
    same(getattr(F, name), getattr(TF, name), [np.zeros(x), rnd(*w), rnd(4, seed=1)])


# ------------------------------------------------------------------------ gather
@pytest.mark.parametrize(
    "x,dim,index",
    [
        (np.array(3.0), 0, np.array(0)),
        (np.array(3.0), -1, np.array([0, 0])),
        (np.array([3.0, 4.0]), 0, np.array(1)),
        (np.array([3.0, 4.0]), 0, np.array([1, 1, 0])),
        (rnd(3, 4), 1, np.array([[1], [2]])),  # index smaller than x outside dim
        (rnd(3, 4), -1, np.array([[1, 3, 3]] * 3)),
        (rnd(3, 4), 0, np.array([[2, 0, 1, 1]])),
        (rnd(3, 4), 1, np.zeros((3, 0), np.int64)),
        (rnd(3, 4), 1, np.array([[1]] * 4)),  # larger outside dim: refused
        (rnd(3, 4), 1, np.array([[-1]] * 3)),  # negative: refused
        (rnd(3, 4), 1, np.array([[4]] * 3)),  # out of range: refused
        (rnd(3, 4), 1, np.array([1, 2])),  # ranks differ: refused
        (rnd(2, 3, 4), 1, np.array([[[0, 2], [1, 1]]])),
    ],
)
def test_gather(x, dim, index):
    same(F.gather, torch.gather, [x, dim, index])


# ------------------------------------------------------------------------ cosine_similarity
@pytest.mark.parametrize(
    "s1,s2,dim",
    [((3,), (3,), 0), ((3,), (3,), -1), ((3,), (3,), 1), ((), (), 0), ((), (), -1),
     ((), (), 1), ((2, 3), (3,), 1), ((2, 3), (3,), 0), ((1, 3), (2, 1), 0), ((), (3,), 0)],
)
def test_cosine_similarity_on_0d_and_1d(s1, s2, dim):
    same(F.cosine_similarity, TF.cosine_similarity, [rnd(*s1), rnd(*s2, seed=1)], dim=dim)


def test_cosine_similarity_default_dim_on_1d_is_refused():
    same(F.cosine_similarity, TF.cosine_similarity, [rnd(3), rnd(3, seed=1)])


# ------------------------------------------------------------------------ binary losses on 0-d
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_on_0d(reduction):
    p, t = np.array(0.3), np.array(0.8)
    same(F.binary_cross_entropy, TF.binary_cross_entropy, [p, t], reduction=reduction)
    same(F.binary_cross_entropy, TF.binary_cross_entropy, [p, t, Const(np.array(2.0))],
         reduction=reduction)
    same(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
         [np.array(-0.7), t], reduction=reduction)
    same(lambda x, t, w, pw: F.binary_cross_entropy_with_logits(x, t, w, pos_weight=pw,
                                                                 reduction=reduction),
         lambda x, t, w, pw: TF.binary_cross_entropy_with_logits(x, t, w, pos_weight=pw,
                                                                  reduction=reduction),
         [np.array(-0.7), t, Const(np.array(1.5)), Const(np.array(2.0))])


def test_bce_with_logits_pos_weight_tensor_on_0d():
    same(lambda x, t, pw: F.binary_cross_entropy_with_logits(x, t, pos_weight=pw),
         lambda x, t, pw: TF.binary_cross_entropy_with_logits(x, t, pos_weight=pw),
         [np.array(0.3), np.array(1.0), Const(np.array(2.0))])


# ------------------------------------------------------------------------ batch_norm, empty batch
@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 4), (0, 3, 2, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_on_an_empty_batch(shape, training):
    rm, rv = np.zeros(3), np.ones(3)
    same(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=training),
         lambda x, w, b: TF.batch_norm(x, torch.zeros(3, dtype=torch.float64),
                                       torch.ones(3, dtype=torch.float64), w, b,
                                       training=training),
         [np.zeros(shape), rnd(3), rnd(3, seed=1)])
    np.testing.assert_array_equal(rm, np.zeros(3))  # running statistics untouched (as torch)
    np.testing.assert_array_equal(rv, np.ones(3))
    same(lambda x: F.batch_norm(x, None, None, training=True),
         lambda x: TF.batch_norm(x, None, None, training=True), [np.zeros(shape)])


def test_batch_norm_layer_on_an_empty_batch():
    layer = dg.nn.BatchNorm2d(3)
    tl = torch.nn.BatchNorm2d(3)
    out = layer(dg.tensor(np.zeros((0, 3, 4, 4), np.float32), requires_grad=True))
    tout = tl(torch.zeros(0, 3, 4, 4))
    assert out.shape == tuple(tout.shape)
    np.testing.assert_array_equal(layer.running_mean.data, tl.running_mean.numpy())
    np.testing.assert_array_equal(layer.running_var.data, tl.running_var.numpy())


# ------------------------------------------------------------------------ conv_transpose geometry
@pytest.mark.parametrize(
    "kw",
    [
        dict(stride=1, dilation=2, output_padding=1, groups=2),
        dict(stride=1, dilation=2, output_padding=1),
        dict(stride=2, dilation=3, output_padding=2, groups=2, padding=1),
        dict(stride=(1, 2), dilation=(3, 3), output_padding=(2, 1), groups=2),
    ],
)
def test_conv_transpose2d_groups_dilation_output_padding(kw):
    x, w, b = rnd(2, 4, 5, 4), rnd(4, 3, 3, 2, seed=1), rnd(3 * kw.get("groups", 1), seed=2)
    same(F.conv_transpose2d, TF.conv_transpose2d, [x, w, b], **kw)
    same(F.conv_transpose2d, TF.conv_transpose2d, [x, w], gradcheck=True, **kw)


def test_conv_transpose1d_dilation_output_padding():
    kw = dict(stride=2, dilation=3, output_padding=2, groups=2)
    same(F.conv_transpose1d, TF.conv_transpose1d, [rnd(1, 4, 5), rnd(4, 3, 3, seed=1)],
         gradcheck=True, **kw)


# ------------------------------------------------------------------------ the rest of the sweep's
# "missing arguments": inplace flags, sparse flags, torch's recurrent forms
@pytest.mark.parametrize(
    "name,args",
    [("relu", ()), ("leaky_relu", (0.2,)), ("elu", (0.5,)), ("silu", ()), ("dropout", (0.0,)),
     ("dropout", (1.0,)), ("dropout2d", (1.0,))],
)
def test_inplace_flag_writes_into_the_input(name, args):
    fd, ft = getattr(F, name), getattr(TF, name)
    x = rnd(2, 3, 4)

    def run_dg(a):
        b = a * 1.0  # a non-leaf: in place is allowed
        out = fd(b, *args, inplace=True)
        assert out is b
        return b

    def run_torch(a):
        b = a * 1.0
        out = ft(b, *args, inplace=True)
        assert out is b
        return b

    same(run_dg, run_torch, [x])
    same(lambda a: fd(a, *args, inplace=True), lambda a: ft(a, *args, inplace=True), [x])  # leaf


def test_sparse_gradients_are_refused_clearly():
    w = dg.tensor(rnd(4, 3), requires_grad=True)
    with pytest.raises(NotImplementedError, match="sparse=True"):
        F.embedding(np.array([0, 1]), w, sparse=True)
    with pytest.raises(NotImplementedError, match="sparse_grad"):
        F.gather(w, 1, np.zeros((4, 1), np.int64), sparse_grad=True)
    same(lambda x: F.gather(x, 1, dg.Tensor(np.zeros((4, 1), np.int64)), sparse_grad=False),
         lambda x: torch.gather(x, 1, torch.zeros(4, 1, dtype=torch.long), sparse_grad=False),
         [rnd(4, 3)])


def test_torch_argument_names_work_as_keywords():
    x, y = rnd(3, 4), rnd(3, 4, seed=1)
    same(lambda a, b: F.add(input=a, other=b, alpha=2), lambda a, b: torch.add(input=a, other=b,
         alpha=2), [x, y])
    same(lambda a: F.sum(input=a, dim=1), lambda a: torch.sum(input=a, dim=1), [x])
    same(lambda a: F.pow(input=a, exponent=2), lambda a: torch.pow(input=a, exponent=2), [x])
    same(lambda a: F.transpose(input=a, dim0=0, dim1=1),
         lambda a: torch.transpose(input=a, dim0=0, dim1=1), [x])
    same(lambda a: F.split(tensor=a, split_size_or_sections=2, dim=1),
         lambda a: torch.split(tensor=a, split_size_or_sections=2, dim=1), [x])
    same(lambda a: F.reshape(input=a, shape=(4, 3)), lambda a: torch.reshape(input=a,
         shape=(4, 3)), [x])
    same(lambda a: F.permute(a, dims=(1, 0)), lambda a: torch.permute(a, dims=(1, 0)), [x])
    same(lambda a, b: F.where(condition=a > 0, input=a, other=b),
         lambda a, b: torch.where(condition=a > 0, input=a, other=b), [x, y])


def test_recurrent_ops_refuse_torchs_flat_parameter_form():
    x, h = dg.tensor(rnd(5, 2, 3)), dg.tensor(rnd(2, 4))
    with pytest.raises(TypeError, match="one layer in one direction"):
        F.lstm(x, (h, h), [dg.tensor(rnd(16, 3)), dg.tensor(rnd(16, 4))], False, 1, 0.0, False,
               False, False)
    with pytest.raises(TypeError, match="form is not supported"):
        F.gru(x, [h], [dg.tensor(rnd(12, 3))], False, 1, 0.0, False, False)
    with pytest.raises(TypeError, match="torch.lstm_cell"):
        F.lstm_cell(dg.tensor(rnd(2, 3)), (h, h, h), dg.tensor(rnd(16, 3)), dg.tensor(rnd(16, 4)))
