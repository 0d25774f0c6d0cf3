"""Sweep table, part 2: layers' ops (linear, conv, pool, norm, dropout, embedding, distance,
recurrent) against torch.nn.functional / torch (see test_sweep.py)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as TF
from sweep_case import LAYOUTS, Case, grid, pos, rnd

import deepgrad.functional as F
from parity.float64 import Const

CL = (None, "channels_last", "transposed")


def linear() -> list[Case]:
    w, b = rnd(4, 3, seed=1), rnd(4, seed=2)
    out = grid("linear", F.linear, TF.linear, [[rnd(5, 3), w, b], [rnd(3), w, b], [rnd(2, 5, 3), w],
                                               [rnd(0, 3), w, b], [rnd(5, 2), w, b]],
               layouts=LAYOUTS)
    return out


def convs() -> list[Case]:
    out = []
    for kw in [{}, {"stride": 2}, {"padding": 1}, {"padding": (1, 2), "stride": (2, 1)},
               {"dilation": 2}, {"groups": 2}, {"padding": "same"}, {"padding": "valid"},
               {"padding": "same", "dilation": 2}, {"stride": 2, "padding": "same"}]:
        out += grid("conv2d", F.conv2d, TF.conv2d,
                    [[rnd(2, 4, 7, 6), rnd(6, 4 // kw.get("groups", 1), 3, 2, seed=1),
                      rnd(6, seed=2)], [rnd(4, 7, 6), rnd(6, 4 // kw.get("groups", 1), 3, 2,
                                                         seed=1)]], [kw], layouts=CL)
        out += grid("conv1d", F.conv1d, TF.conv1d,
                    [[rnd(2, 4, 9), rnd(6, 4 // kw.get("groups", 1), 3, seed=1), rnd(6, seed=2)],
                     [rnd(4, 9), rnd(6, 4 // kw.get("groups", 1), 3, seed=1)]],
                    [{k: (v[0] if isinstance(v, tuple) else v) for k, v in kw.items()}],
                    layouts=(None, "transposed"))
    out += grid("conv2d", F.conv2d, TF.conv2d, [[np.zeros((0, 3, 5, 5)), rnd(2, 3, 3, 3)],
                                                [rnd(1, 3, 2, 2), rnd(2, 3, 3, 3)],
                                                [rnd(1, 3, 5, 5), rnd(2, 2, 3, 3)]],
                gradcheck_first=False)
    for kw in [{}, {"stride": 2}, {"stride": 2, "padding": 1, "output_padding": 1},
               {"groups": 2}, {"dilation": 2}, {"stride": 1, "dilation": 2, "output_padding": 1},
               {"stride": (2, 1), "padding": (0, 1), "groups": 2}]:
        g = kw.get("groups", 1)
        out += grid("conv_transpose2d", F.conv_transpose2d, TF.conv_transpose2d,
                    [[rnd(2, 4, 4, 5), rnd(4, 3, 3, 2, seed=1), rnd(3 * g, seed=2)],
                     [rnd(4, 4, 5), rnd(4, 3, 3, 2, seed=1)]], [kw], layouts=CL)
        out += grid("conv_transpose1d", F.conv_transpose1d, TF.conv_transpose1d,
                    [[rnd(2, 4, 6), rnd(4, 3, 3, seed=1), rnd(3 * g, seed=2)],
                     [rnd(4, 6), rnd(4, 3, 3, seed=1)]],
                    [{k: (v[0] if isinstance(v, tuple) else v) for k, v in kw.items()}],
                    layouts=(None, "transposed"))
    out += grid("conv_transpose2d", F.conv_transpose2d, TF.conv_transpose2d,
                [[np.zeros((0, 4, 3, 3)), rnd(4, 2, 3, 3)]], [{"stride": 2, "output_padding": 1}],
                gradcheck_first=False)
    return out


def pools() -> list[Case]:
    out = []
    x4, x3 = rnd(2, 3, 7, 6), rnd(3, 7, 6, seed=1)
    for kw in [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
               {"kernel_size": (3, 2), "stride": (2, 1)}, {"kernel_size": 3, "ceil_mode": True,
                                                           "stride": 2},
               {"kernel_size": 2, "dilation": 2}, {"kernel_size": 2, "return_indices": True},
               {"kernel_size": 3, "padding": 2}]:
        out += grid("max_pool2d", F.max_pool2d, TF.max_pool2d, [[x4], [x3]], [kw], layouts=CL)
    ties = np.zeros((1, 1, 4, 4))
    out.append(Case("max_pool2d", F.max_pool2d, TF.max_pool2d, [ties], {"kernel_size": 2,
                    "return_indices": True}, note="ties"))
    for kw in [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
               {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
               {"kernel_size": 3, "stride": 2, "ceil_mode": True},
               {"kernel_size": 2, "divisor_override": 3}, {"kernel_size": (2, 3), "stride": 1}]:
        out += grid("avg_pool2d", F.avg_pool2d, TF.avg_pool2d, [[x4], [x3]], [kw], layouts=CL)
    for size in [1, 3, (2, 4), (None, 2), (7, 6), (4, 5)]:
        out += grid("adaptive_avg_pool2d", F.adaptive_avg_pool2d, TF.adaptive_avg_pool2d,
                    [[x4, size], [x3, size]], layouts=CL)
        out += grid("adaptive_avg_pool2d", F.adaptive_avg_pool2d, TF.adaptive_avg_pool2d,
                    [[np.zeros((0, 3, 7, 6)), size]], gradcheck_first=False)
    empty = np.zeros((0, 3, 6, 6))
    out += grid("max_pool2d", F.max_pool2d, TF.max_pool2d, [[empty, 2]],
                [{}, {"return_indices": True}], gradcheck_first=False)
    out += grid("avg_pool2d", F.avg_pool2d, TF.avg_pool2d, [[empty, 2]], gradcheck_first=False)
    for kw in [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1}]:
        y, idx = TF.max_pool2d(torch.from_numpy(x4), return_indices=True, **kw)
        ins = [[y.numpy(), idx.numpy()]]
        out += grid("max_unpool2d", F.max_unpool2d, TF.max_unpool2d, ins, [kw])
        out += grid("max_unpool2d", F.max_unpool2d, TF.max_unpool2d, ins,
                    [dict(kw, output_size=x4.shape[-2:])], gradcheck_first=False)
    return out


def _bn(training, with_stats=True):
    def d(x, rm, rv, w, b, **kw):
        out = F.batch_norm(x, rm, rv, w, b, training=training, **kw)
        return (out, rm, rv) if rm is not None else out

    def t(x, rm, rv, w, b, **kw):
        out = TF.batch_norm(x, rm, rv, w, b, training=training, **kw)
        return (out, rm, rv) if rm is not None else out

    return d, t


def norms() -> list[Case]:
    out = []
    for training in (True, False):
        d, t = _bn(training)
        for shape in [(4, 3), (4, 3, 5), (2, 3, 4, 5), (0, 3, 2)]:
            stats = [Const(rnd(3, scale=0.1)), Const(pos(3))]
            for w, b in [(rnd(3, seed=1), rnd(3, seed=2)), (None, None), (rnd(3, seed=1), None)]:
                out += grid("batch_norm", d, t, [[rnd(*shape, seed=3), *stats, w, b]],
                            [{}, {"momentum": 0.3, "eps": 1e-3}], layouts=CL,
                            gradcheck_first=not training and w is not None and shape[0] > 0)
            # (gradcheck in training mode without running statistics, which it would update)
            if training:
                out += grid("batch_norm", d, t, [[rnd(*shape, seed=3), None, None,
                                                  rnd(3, seed=1), rnd(3, seed=2)]],
                            gradcheck_first=shape[0] > 0)
        out += grid("batch_norm", d, t, [[rnd(1, 3), Const(np.zeros(3)), Const(np.ones(3)),
                                          None, None]])
    d, t = _bn(True)
    out += grid("batch_norm", d, t, [[rnd(4, 3, 2), None, None, rnd(3), None]])
    for shape, ns in [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((2, 3, 4), 4), ((0, 3), (3,)),
                      ((2, 3), (2, 3))]:
        nsh = (ns,) if isinstance(ns, int) else ns
        ext = "an int normalized_shape, as nn.LayerNorm" if isinstance(ns, int) else ""
        out += grid("layer_norm", F.layer_norm, TF.layer_norm,
                    [[rnd(*shape), ns, rnd(*nsh, seed=1), rnd(*nsh, seed=2)], [rnd(*shape), ns]],
                    [{}, {"eps": 1e-3}], layouts=LAYOUTS[:2], extension=ext,
                    gradcheck_first=not ext)
    out += grid("layer_norm", F.layer_norm, TF.layer_norm, [[rnd(2, 3), (4,)]])
    for shape, g in [((2, 4, 3), 2), ((2, 6, 2, 2), 3), ((3, 4), 4), ((2, 4, 3), 1), ((0, 4), 2),
                     ((2, 4, 3), 3)]:
        c = shape[1]
        out += grid("group_norm", F.group_norm, TF.group_norm,
                    [[rnd(*shape), g, rnd(c, seed=1), rnd(c, seed=2)], [rnd(*shape), g]],
                    layouts=CL)
    return out


def dropouts() -> list[Case]:
    """Random masks cannot be compared with PyTorch's; the deterministic settings can (the
    masks' statistics are tested in test_misc.py)."""
    out = []
    for name in ["dropout", "dropout2d"]:
        fd, ft = getattr(F, name), getattr(TF, name)
        for x in [rnd(2, 3, 4, 5), rnd(2, 3, 4)]:
            out += grid(name, fd, ft, [[x]], [{"p": 0.0}, {"p": 0.5, "training": False},
                                              {"p": 1.0}, {"p": 1.5}, {"p": -0.1}],
                        layouts=CL, gradcheck_first=False)
    out += grid("dropout", F.dropout, TF.dropout, [[rnd()], [np.zeros((0, 2))]], [{"p": 1.0}],
                gradcheck_first=False)
    return out


def sparse() -> list[Case]:
    w = rnd(6, 3)
    idx = np.array([[0, 2, 2], [5, 1, 0]])
    out = grid("embedding", F.embedding, TF.embedding,
               [[idx, w], [np.array(3), w], [np.zeros((0,), np.int64), w], [np.array([6]), w]],
               [{}, {"padding_idx": 2}, {"padding_idx": -1}, {"scale_grad_by_freq": True}])
    out += grid("embedding", F.embedding, TF.embedding, [[idx, w * 3]],
                [{"max_norm": 1.0}, {"max_norm": 2.0, "norm_type": 1.0}], gradcheck_first=False)
    out += grid("one_hot", F.one_hot, TF.one_hot,
                [[np.array([0, 2, 1])], [np.array([[1], [3]])], [np.array(2)],
                 [np.zeros(0, np.int64)], [np.array([-1])]],
                [{}, {"num_classes": 5}, {"num_classes": 2}], gradcheck_first=False)
    return out


def distances() -> list[Case]:
    out = []
    for s1, s2, dim in [((4, 3), (4, 3), 1), ((4, 3), (3,), -1), ((4, 3), (4, 3), 0),
                        ((2, 1, 3), (4, 3), 2), ((3,), (3,), 0), ((), (), 0), ((4, 3), (4, 3), 2)]:
        out += grid("cosine_similarity", F.cosine_similarity, TF.cosine_similarity,
                    [[rnd(*s1), rnd(*s2, seed=1)]], [{"dim": dim}, {"dim": dim, "eps": 0.5}],
                    layouts=LAYOUTS[:2])
    out += grid("cosine_similarity", F.cosine_similarity, TF.cosine_similarity,
                [[np.zeros((2, 3)), rnd(2, 3)]], gradcheck_first=False)
    return out


def _params(kind, F_=3, H=4, bias=True, seed=1):
    g = {"lstm": 4, "gru": 3}.get(kind, 1)
    ws = [rnd(g * H, F_, seed=seed, scale=0.5), rnd(g * H, H, seed=seed + 1, scale=0.5)]
    return ws + ([rnd(g * H, seed=seed + 2), rnd(g * H, seed=seed + 3)] if bias else [])


def _th_seq(kind):
    fn = getattr(torch, kind)

    def run(x, *args, reverse=False):
        n = 2 if kind == "lstm" else 1
        states, ws = args[:n], args[n:]
        st = [s[None] for s in states]
        if reverse:
            x = x.flip(0)
        res = fn(x, tuple(st) if kind == "lstm" else st[0], tuple(ws), len(ws) == 4, 1, 0.0,
                 False, False, False)
        out = res[0].flip(0) if reverse else res[0]
        return (out,) + tuple(r[0] for r in res[1:])

    return run


def recurrent() -> list[Case]:
    out = []
    for kind in ["lstm", "gru", "rnn_tanh", "rnn_relu"]:
        n = 2 if kind == "lstm" else 1
        for bias in (True, False):
            states = [rnd(2, 4, seed=5 + k) for k in range(n)]
            out += grid(kind, getattr(F, kind), _th_seq(kind),
                        [[rnd(5, 2, 3), *states, *_params(kind, bias=bias)]],
                        [{}, {"reverse": True}], gradcheck_first=bias)
        cell = f"{kind}_cell"
        tcell = getattr(torch, cell)
        for bias in (True, False):
            ps = _params(kind, bias=bias)
            if kind == "lstm":
                out += grid(cell, F.lstm_cell, lambda x, h, c, *w, f=tcell: f(x, [h, c], *w),
                            [[rnd(2, 3), rnd(2, 4, seed=5), rnd(2, 4, seed=6), *ps]],
                            gradcheck_first=bias)
                out += grid(cell, lambda x, hc, *w: F.lstm_cell(x, hc, *w), tcell,
                            [[rnd(2, 3), [rnd(2, 4, seed=5), rnd(2, 4, seed=6)], *ps]],
                            gradcheck_first=False, note="torch-form")
            else:
                out += grid(cell, getattr(F, cell), tcell, [[rnd(2, 3), rnd(2, 4, seed=5), *ps]],
                            gradcheck_first=bias)
    mask = np.array([[1, 1], [1, 0], [0, 0]], dtype=bool)
    out += grid("lengths_to_mask", F.lengths_to_mask,
                lambda n, total_length=None: torch.arange(
                    int(n.max()) if total_length is None else total_length)[:, None] < n[None],
                [[np.array([2, 1])], [np.array([3, 0, 1])]], [{}, {"total_length": 4}],
                gradcheck_first=False)
    assert F.lengths_to_mask(np.array([2, 1]), 3).tolist() == mask.tolist()
    return out


def resize() -> list[Case]:
    """interpolate / upsample*: every mode and rank, size or scale, align_corners, layouts."""
    out = []
    x3, x4, x5 = rnd(2, 3, 5), rnd(2, 3, 5, 4, seed=1), rnd(1, 2, 3, 4, 3, seed=2)
    for x, modes in ((x3, ["nearest", "nearest-exact", "linear", "area"]),
                     (x4, ["nearest", "nearest-exact", "bilinear", "area"]),
                     (x5, ["nearest", "trilinear"])):
        lay = CL if x.ndim == 4 else (None,)
        for mode in modes:
            kws = [{"size": 7}, {"scale_factor": 2.0}, {"scale_factor": 0.6},
                   {"scale_factor": 1.7, "recompute_scale_factor": True}]
            if mode in ("linear", "bilinear", "trilinear"):
                kws += [{**k, "align_corners": True} for k in kws[:2]]
            for kw in kws:
                if mode == "area" and "recompute_scale_factor" in kw:
                    continue
                out += grid("interpolate", F.interpolate, TF.interpolate, [[x]],
                            [{"mode": mode, **kw}], layouts=lay)
    out += grid("upsample", F.upsample, TF.upsample, [[x4]],
                [{"scale_factor": 2}, {"size": (7, 9), "mode": "bilinear"}])
    out += grid("upsample_nearest", F.upsample_nearest, TF.upsample_nearest, [[x4]],
                [{"scale_factor": 3}, {"size": (6, 5)}])
    out += grid("upsample_bilinear", F.upsample_bilinear, TF.upsample_bilinear, [[x4]],
                [{"scale_factor": 2}, {"size": (3, 7)}])
    return out


def attention() -> list[Case]:
    """scaled_dot_product_attention: batched / unbatched, masks (bool, float), causal, scale."""
    q, k, v = rnd(2, 3, 4, 5), rnd(2, 3, 6, 5, seed=1), rnd(2, 3, 6, 7, seed=2)
    keep = np.random.default_rng(0).random((4, 6)) > 0.3
    keep[:, 0] = True  # every query sees a key
    out = grid("scaled_dot_product_attention", F.scaled_dot_product_attention,
               TF.scaled_dot_product_attention,
               [[q, k, v], [q[0], k[0], v[0]], [q, k, v, keep], [q, k, v, rnd(4, 6, seed=3)],
                [q[0], k[0], v[0], keep]],
               [{}, {"scale": 0.3}])
    sq = rnd(2, 3, 6, 5, seed=4)
    out += grid("scaled_dot_product_attention", F.scaled_dot_product_attention,
                TF.scaled_dot_product_attention, [[sq, k, v]], [{"is_causal": True}])
    return out


def table() -> list[Case]:
    from sweep_loss import table as losses

    return (linear() + convs() + pools() + norms() + dropouts() + sparse() + distances()
            + recurrent() + resize() + attention() + losses())

