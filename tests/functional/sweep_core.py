"""Sweep table, part 1: arithmetic, reductions, shapes and activations (see test_sweep.py)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as TF
from sweep_case import LAYOUTS, Case, away, dims_of, grid, pos, rnd

import deepgrad.functional as F
from parity.float64 import Const

SHAPES = [(), (5,), (3, 4), (2, 3, 4), (0,), (2, 0)]
PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((0, 3), (3,)),
         ((3,), ())]
INF = float("inf")


def _unary(name, gen=rnd, th=None, kwargs=({},)):
    th = th or getattr(torch, name, None) or getattr(TF, name)
    ins = [[gen(*s)] for s in SHAPES]
    return grid(name, getattr(F, name), th, ins, kwargs, gradcheck_first=False) + grid(
        name, getattr(F, name), th, [[gen(3, 4, seed=1)]], kwargs, LAYOUTS[1:]
    ) + grid(name, getattr(F, name), th, [[gen(2, 3, seed=2)]], kwargs[:1])


def elementwise() -> list[Case]:
    out = []
    for name, gen in [("exp", rnd), ("log", pos), ("sqrt", pos), ("abs", away), ("sin", rnd),
                      ("cos", rnd), ("neg", rnd), ("reciprocal", away), ("square", rnd),
                      ("sign", rnd), ("sigmoid", rnd), ("tanh", rnd), ("relu", away),
                      ("silu", rnd)]:
        out += _unary(name, gen)
    out += _unary("leaky_relu", away, kwargs=({}, {"negative_slope": 0.2}))
    out += _unary("elu", away, kwargs=({}, {"alpha": 0.5}))
    out += _unary("relu6", away)
    out += _unary("hardtanh", away, kwargs=({}, {"min_val": -0.5, "max_val": 2.0}))
    out += _unary("softplus", rnd, kwargs=({}, {"beta": 2.0, "threshold": 1.0}))
    out += _unary("gelu", rnd, kwargs=({}, {"approximate": "tanh"}))
    x = np.array([-1.0, 0.0, 1.0])  # at the kinks: PyTorch's one-sided choices
    for name in ["relu", "abs", "leaky_relu", "elu", "sign", "relu6", "hardtanh"]:
        out.append(Case(name, getattr(F, name), getattr(torch, name, None) or getattr(TF, name),
                        [x], note="kink"))
    return out


def binary() -> list[Case]:
    out = []
    ops = [("add", lambda a: a, {}), ("sub", lambda a: a, {}), ("mul", lambda a: a, {}),
           ("div", lambda a: a, {}), ("maximum", lambda a: a, {}), ("minimum", lambda a: a, {}),
           ("pow", np.abs, {})]
    for name, fix, _ in ops:
        ins = []
        for sa, sb in PAIRS:
            a, b = rnd(*sa), (away(*sb, seed=1) if name == "div" else rnd(*sb, seed=1))
            ins.append([fix(a) + (0.5 if name == "pow" else 0), b])
        out += grid(name, getattr(F, name), getattr(torch, name), ins)
        out += grid(name, getattr(F, name), getattr(torch, name),
                    [[fix(rnd(3, 4)) + 0.5, away(3, 4, seed=1)]], layouts=LAYOUTS[1:],
                    gradcheck_first=False)
        out.append(Case(name, getattr(F, name), getattr(torch, name),
                        [fix(rnd(3, 4)) + 0.5, 2.0], note="scalar",
                        extension="a number as the second operand (torch.maximum/minimum want "
                        "a tensor)" if name in ("maximum", "minimum") else ""))
    for alpha in [2, -0.5]:
        for name in ["add", "sub"]:
            out += grid(name, getattr(F, name), getattr(torch, name), [[rnd(3, 4), rnd(4, seed=1)],
                        [rnd(3, 4), 3.0]], [{"alpha": alpha}], gradcheck_first=False)
    for mode in ["trunc", "floor", "bad"]:
        out += grid("div", F.div, torch.div, [[rnd(3, 4, scale=3), away(4, seed=1)],
                                              [np.array([7, -7, 5]), np.array([2, 2, -3])]],
                    [{"rounding_mode": mode}], gradcheck_first=False)
    ties = [np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0, 3.0])]
    out += [Case(n, getattr(F, n), getattr(torch, n), ties, note="ties")
            for n in ("maximum", "minimum")]
    zeros = [np.array([0.0, 0.0, 2.0, 2.0]), np.array([0.0, 2.0, 0.0, 1.5])]
    out.append(Case("pow", F.pow, torch.pow, zeros, note="zeros"))
    out.append(Case("pow", lambda e: F.pow(2.0, e), lambda e: torch.pow(2.0, e), [rnd(3)],
                    note="rpow"))
    out += [Case("pow", F.pow, torch.pow, [np.array([0.0, 1.0, 2.0]), p], note="scalar")
            for p in (0, 1, 2, 0.5, -1)]
    for sa, sb in [((3, 4), (4, 5)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                   ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((0, 4), (4, 3)),
                   ((3, 0), (0, 2))]:
        out += grid("matmul", F.matmul, torch.matmul, [[rnd(*sa), rnd(*sb, seed=1)]],
                    layouts=(None, "transposed"))
    out += grid("matmul", F.matmul, torch.matmul, [[rnd(), rnd(3)]], gradcheck_first=False)
    cond = np.array([[True, False, True, False]])
    for sa, sb in [((3, 4), (3, 4)), ((3, 1), (4,)), ((), (3, 4))]:
        out += grid("where", F.where, torch.where, [[cond, rnd(*sa), rnd(*sb, seed=1)]])
    out.append(Case("where", F.where, torch.where, [cond, rnd(3, 4), 0.0], note="scalar"))
    return out


def clamps() -> list[Case]:
    out = []
    for name in ["clamp", "clip"]:
        fd, ft = getattr(F, name), getattr(torch, name)
        x = rnd(3, 4)
        out += grid(name, fd, ft, [[x]], [{"min": -0.5, "max": 0.5}, {"min": 0.0},
                                          {"max": 0.1}, {"min": 1.0, "max": -1.0}, {}],
                    layouts=LAYOUTS)
        out += grid(name, fd, ft, [[x, rnd(4, seed=1) - 0.5, rnd(3, 1, seed=2) + 0.5],
                                   [x, rnd(3, 4, seed=1), rnd(3, 4, seed=2)],
                                   [rnd(4), rnd(2, 4, seed=1), None], [x, None, rnd(4)],
                                   [x, Const(np.zeros(4)), Const(np.ones((3, 1)))],
                                   [np.array(0.3), rnd(2, seed=1), rnd(2, seed=2) + 2]])
        out.append(Case(name, fd, ft, [x, 0.0, rnd(4, seed=3)], extension="a number and a tensor "
                        "bound together (torch wants both of one kind)"))
        out.append(Case(name, fd, ft, [np.array([0.0, 1.0, 0.5, 2.0])], {"min": 0.0,
                                                                          "max": 1.0}, note="tie"))
    return out


def casts() -> list[Case]:
    out = []
    for dt, tdt in [(np.float32, torch.float32), (np.float64, torch.float64),
                    (np.int64, torch.int64)]:
        out += grid("cast", lambda x, d=dt: F.cast(x, d), lambda x, d=tdt: x.to(d),
                    [[rnd(3, 4)], [rnd()], [rnd(0, 2)]], gradcheck_first=dt == np.float64)
    return out


# ------------------------------------------------------------------------------ reductions
RED_INPUTS = [rnd(3, 4), rnd(2, 3, 4, seed=1), rnd(5, seed=2), np.array(1.5)]
EMPTY_INPUTS = [np.zeros((0, 3)), np.zeros((2, 0, 3)), np.zeros(0)]


# reductions whose PyTorch form refuses keepdim without a dim (deepgrad reduces all, keeps dims)
KEEP_NEEDS_DIM = {"sum", "mean", "max", "min", "logsumexp"}


def _red(name, th, extra=({},), dims=True, empty=True, ties=False, tuples=True):
    fd = getattr(F, name)
    out = []
    for x in RED_INPUTS + (EMPTY_INPUTS if empty else []):
        for d in dims_of(x.ndim, tuples) if dims else [None]:
            for keep in (False, True):
                for e in extra:
                    k = dict(e)
                    if d is not None:
                        k["dim"] = d
                    if d is not None or keep:
                        k["keepdim"] = keep
                    ext = ""
                    if d is None and name == "logsumexp":
                        ext = "logsumexp without a dim reduces every dim (torch needs dim)"
                    elif d is None and keep and (name in KEEP_NEEDS_DIM or "unbiased" in k):
                        ext = "keepdim without a dim keeps every dim as size 1"
                    elif d == () and name == "logsumexp":
                        ext = "dim=() reduces every dim, as torch.sum (torch.logsumexp fails)"
                    # PyTorch's var/std backward takes n = 1 for dim=() (its forward reduces
                    # all): deepgrad keeps the true gradient, checked by finite differences
                    bug = d == () and name in ("var", "std")
                    out += grid(name, fd, th, [[x]], [k], gradcheck_first=bug, extension=ext,
                                grad=not bug)
    next(c for c in out if not c.extension and c.grad).gradcheck = True
    out += grid(name, fd, th, [[rnd(3, 4, seed=5)]], [dict(e, dim=1) for e in extra]
                if dims else list(extra), layouts=LAYOUTS[1:], gradcheck_first=False)
    if ties:
        t = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
        out += grid(name, fd, th, [[t]], [{}, {"dim": 1}, {"dim": 0}], gradcheck_first=False)
    return out


def reductions() -> list[Case]:
    out = []
    out += _red("sum", torch.sum)
    out += _red("mean", torch.mean)
    out += _red("amax", torch.amax, ties=True)
    out += _red("amin", torch.amin, ties=True)
    out += _red("logsumexp", torch.logsumexp, empty=True)
    out += _red("max", torch.max, tuples=False, ties=True)
    out += _red("min", torch.min, tuples=False, ties=True)
    out += _red("argmax", torch.argmax, tuples=False, ties=True)
    out += _red("argmin", torch.argmin, tuples=False, ties=True)
    out += _red("var", torch.var, extra=({}, {"correction": 0}, {"correction": 2.5}))
    out += _red("std", torch.std, extra=({}, {"correction": 0}, {"unbiased": False}))
    out += _red("norm", torch.norm, extra=({}, {"p": 1}, {"p": INF}, {"p": -INF}, {"p": 0},
                                           {"p": 3}, {"p": 0.5}))
    out += grid("norm", F.norm, torch.norm, [[rnd(3, 4)], [rnd(2, 3, 4)]],
                [{"p": "nuc", "dim": (0, 1)}, {"p": "nuc", "dim": (-1, 0), "keepdim": True}])
    return out


# ------------------------------------------------------------------------------ shapes
def shapes() -> list[Case]:
    x = rnd(2, 3, 4)
    out = []
    for shape in [(6, 4), (-1,), (4, -1, 2), (24,), (2, 3, 4, 1)]:
        out += grid("reshape", F.reshape, torch.reshape, [[x, shape]], layouts=LAYOUTS)
        out += grid("view", lambda t, s: F.view(t, s), lambda t, s: t.view(s), [[x, shape]])
    out += grid("reshape", F.reshape, torch.reshape, [[rnd(), (1, 1)], [np.zeros((0, 3)), (3, 0)]])
    for d0, d1 in [(0, 1), (-1, 0), (1, -1), (2, 2)]:
        out += grid("transpose", F.transpose, torch.transpose, [[x, d0, d1]], layouts=LAYOUTS)
    out += grid("transpose", F.transpose, torch.transpose, [[rnd(3), 0, -1], [rnd(), 0, 0],
                                                            [rnd(3), 0, 1]])
    out.append(Case("transpose", F.transpose, torch.transpose, [x],
                    extension="the dims default to (-2, -1) (torch needs both)"))
    for dims in [(2, 0, 1), (0, 1, 2), (-1, -3, -2)]:
        out += grid("permute", F.permute, torch.permute, [[x, dims]], layouts=LAYOUTS)
    out += grid("permute", F.permute, torch.permute, [[x, (0, 0, 1)], [rnd(), ()]])
    for s, e in [(0, -1), (1, 2), (0, 1), (-2, -1), (2, 1)]:
        out += grid("flatten", F.flatten, torch.flatten, [[x, s, e]], layouts=LAYOUTS[:2])
    out += grid("flatten", F.flatten, torch.flatten, [[rnd()]])
    y = rnd(1, 3, 1, 2)
    for d in [None, 0, 2, -2, 1, (0, 2), (1, 3)]:
        args = [y] if d is None else [y, d]
        out += grid("squeeze", F.squeeze, torch.squeeze, [args], layouts=LAYOUTS[:2])
    out += grid("squeeze", F.squeeze, torch.squeeze, [[rnd(), 0], [rnd(1), -1]])
    for d in [0, 2, -1, -4, 3, 4]:
        out += grid("unsqueeze", F.unsqueeze, torch.unsqueeze, [[x, d]])
    out += grid("unsqueeze", F.unsqueeze, torch.unsqueeze, [[rnd(), 0], [rnd(), -1]])
    ex = lambda t, *s: t.expand(*s)  # noqa: E731
    out += grid("expand", F.expand, ex, [[rnd(3, 1), 2, 3, 4], [rnd(3, 1), -1, 5],
                                         [rnd(), 2, 2], [rnd(3), -1, 3], [rnd(3, 1), 3, 2]])
    rp = lambda t, *r: t.repeat(*r)  # noqa: E731
    out += grid("repeat", F.repeat, rp, [[rnd(2, 3), 2, 1], [rnd(2, 3), 1, 2, 3], [rnd(), 2, 3],
                                         [rnd(3), 0], [rnd(2, 3), 2]])
    for name in ["cat", "concatenate"]:
        fd, ft = getattr(F, name), getattr(torch, name)
        for d in [0, 1, -1, -2, 2]:
            out += grid(name, fd, ft,
                        [[[rnd(2, 3), rnd(2, 3, seed=1)], d], [[rnd(2, 3), rnd(1, 3, seed=1)], d],
                         [[rnd(2, 3), rnd(2, 1, seed=1)], d]], layouts=LAYOUTS[:2])
        out += grid(name, fd, ft,
                    [[[np.zeros(0), rnd(2, 3)], 1], [[rnd(2, 3), np.zeros(0)], 0],
                     [[np.zeros(0), np.zeros(0)], 0], [[rnd(3)], 0], [[rnd(), rnd()], 0],
                     [[np.zeros((2, 0)), rnd(2, 3)], 1]])
    out += grid("concatenate", F.concatenate, torch.concatenate,
                [[[rnd(2, 3), rnd(2, 1, seed=1)]]], [{"axis": 1}, {"axis": -1}])
    for d in [0, 1, 2, -1, -3, 3]:
        out += grid("stack", lambda ts, dim: F.stack(ts, dim), lambda ts, dim: torch.stack(ts, dim),
                    [[[rnd(2, 3), rnd(2, 3, seed=1)], d]])
    out += grid("stack", lambda ts, dim: F.stack(ts, dim), lambda ts, dim: torch.stack(ts, dim),
                [[[rnd(), rnd()], 0], [[rnd(2), rnd(3)], 0]])
    for args in [(2, 0), (2, 1), (3, -1), ([1, 2], 1), ([0, 2, 0], 0), (5, 1), (0, 0)]:
        out += grid("split", F.split, torch.split, [[rnd(2, 3), *args]])
    out += grid("split", F.split, torch.split, [[np.zeros(0), 2]])
    for args in [(2, 0), (2, 1), (3, -1), (4, 1), (1, 0)]:
        out += grid("chunk", F.chunk, torch.chunk, [[rnd(3, 5), *args]])
    out += grid("chunk", F.chunk, torch.chunk, [[np.zeros(0), 3], [rnd(3), 0]])
    idx2 = np.array([[0, 2, 2], [1, 0, 1]])
    out += grid("gather", F.gather, torch.gather,
                [[rnd(2, 3), 1, idx2], [rnd(3, 3), 0, idx2], [rnd(2, 4), -1, idx2],
                 [rnd(), 0, np.array(0)], [rnd(3), 0, np.array([2, 0, 0, 1])],
                 [rnd(3, 4), 1, np.array([[1], [3]])], [rnd(3, 4), 1, np.array([[-1]])],
                 [rnd(3, 4), 1, np.array([[4]])]], layouts=LAYOUTS[:2])
    return out + pads()


def pads() -> list[Case]:
    out = []
    x3 = rnd(2, 3, 4)
    for p in [(1, 2), (0, 1, 2, 0), (1, 1, 1, 1, 1, 1), (-1, 2), (2, -1, -1, 1), (0, 0)]:
        out += grid("pad", F.pad, TF.pad, [[x3, p]], layouts=LAYOUTS[:2])
        out += grid("pad", F.pad, TF.pad, [[x3, p]], [{"value": 2.5}], gradcheck_first=False)
    for mode in ["reflect", "replicate", "circular"]:
        for p in [(1, 2), (2, 1, 1, 0)]:
            out += grid("pad", F.pad, TF.pad, [[rnd(2, 3, 4), p]], [{"mode": mode}],
                        layouts=LAYOUTS[:2])
            ext = "" if len(p) == 4 else "any rank (torch: 2-D/3-D for one padded dim)"
            out += grid("pad", F.pad, TF.pad, [[rnd(1, 2, 3, 4), p]], [{"mode": mode}],
                        layouts=LAYOUTS[:2], extension=ext, gradcheck_first=False)
    out += grid("pad", F.pad, TF.pad, [[rnd(4), (1, 1)], [rnd(2, 3), (1, 1, 1, 1, 1, 1)],
                                       [rnd(4), (-3, -2)]])
    return out


# ------------------------------------------------------------------------------ softmax family
def softmaxes() -> list[Case]:
    out = []
    for name in ["softmax", "log_softmax"]:
        fd, ft = getattr(F, name), getattr(TF, name)
        for x in [rnd(3, 4), rnd(2, 3, 4), rnd(5), np.array(0.7), np.zeros((0, 3)),
                  np.zeros((2, 0))]:
            for d in range(-max(x.ndim, 1), max(x.ndim, 1)):
                out += grid(name, fd, ft, [[x]], [{"dim": d}], gradcheck_first=x.ndim == 2)
        out += grid(name, fd, ft, [[rnd(3, 4)]], [{"dim": 1}], layouts=LAYOUTS[1:],
                    gradcheck_first=False)
        out += grid(name, fd, ft, [[rnd(3, 4)]], [{"dim": 2}])
        out += grid(name, fd, ft, [[np.array([[1e30, -1e30, 0.0], [-INF, 0.0, 1.0]])]],
                    [{"dim": 1}], gradcheck_first=False)
    return out


def orders() -> list[Case]:
    """sort / argsort / topk: every dim, both directions, 0-d and empty, ties when stable."""
    out = []
    for shape in [(5,), (3, 4), (2, 3, 4), ()]:
        dims = list(range(-len(shape), len(shape))) or [0, -1]
        for d in dims:
            for desc in (False, True):
                out += grid("sort", F.sort, torch.sort, [[rnd(*shape)]],
                            [{"dim": d, "descending": desc}], layouts=LAYOUTS)
                out += grid("argsort", F.argsort, torch.argsort, [[rnd(*shape)]],
                            [{"dim": d, "descending": desc}], gradcheck_first=False)
            n = shape[d] if shape else 1
            for k in sorted({0, 1, n}):
                for largest in (True, False):
                    out += grid("topk", F.topk, torch.topk, [[rnd(*shape), k]],
                                [{"dim": d, "largest": largest}], layouts=LAYOUTS)
    ties = np.array([[2.0, 1.0, 2.0, 0.0, 1.0], [3.0, 3.0, 3.0, 1.0, 3.0]])
    for desc in (False, True):
        out += grid("sort", F.sort, torch.sort, [[ties]],
                    [{"stable": True, "descending": desc, "dim": 1}], gradcheck_first=False)
        out += grid("argsort", F.argsort, torch.argsort, [[ties]],
                    [{"stable": True, "descending": desc}], gradcheck_first=False)
    out += grid("sort", F.sort, torch.sort, [[np.zeros((2, 0))]], [{"dim": 1}, {"dim": 0}],
                gradcheck_first=False)
    return out


def products() -> list[Case]:
    """mm, bmm and einsum's forms (implicit output, ellipsis, broadcasting, traces)."""
    out = grid("mm", F.mm, torch.mm, [[rnd(3, 4), rnd(4, 2, seed=1)],
                                      [rnd(3, 0), rnd(0, 2, seed=1)]], layouts=LAYOUTS)
    out += grid("bmm", F.bmm, torch.bmm, [[rnd(2, 3, 4), rnd(2, 4, 5, seed=1)]],
                layouts=LAYOUTS)
    out += grid("mm", F.mm, torch.mm, [[rnd(3), rnd(3, 2, seed=1)]], gradcheck_first=False)
    for eq, shapes in [("ij,jk->ik", [(3, 4), (4, 2)]), ("ij,jk", [(3, 4), (4, 2)]),
                       ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("i,i->", [(4,), (4,)]),
                       ("i,j->ij", [(3,), (4,)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
                       ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]), ("ij->ji", [(3, 4)]),
                       ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
                       ("ij,ij->", [(3, 4), (1, 4)]), ("iji->j", [(2, 3, 2)])]:
        ins = [eq] + [rnd(*sh, seed=k) for k, sh in enumerate(shapes)]
        out += grid("einsum", F.einsum, torch.einsum, [ins])
    return out


def table() -> list[Case]:
    return (elementwise() + binary() + clamps() + casts() + reductions() + shapes()
            + softmaxes() + orders() + products() + promotion())


# ------------------------------------------------------------------------------ type promotion
def promotion() -> list[Case]:
    """PyTorch's result types: integers in float ops give float32, int64 + float32 is float32,
    a 0-d float64 tensor or a Python float does not widen a float32 tensor."""
    i64, i32, b = np.array([[1, 2], [3, 4]]), np.array([[1, -2], [3, 4]], np.int32), \
        np.array([[True, False], [True, True]])
    f32 = rnd(2, 2, seed=1).astype(np.float32)
    f32_0d, f64_0d, i64_0d = np.array(1.5, np.float32), np.array(2.5), np.array(3)
    out = []
    for name in ["add", "sub", "mul", "div", "maximum", "minimum"]:
        fd, ft = getattr(F, name), getattr(torch, name)
        for pair in [(i64, f32), (f32, i64), (i32, i64), (b, i64), (b, b), (f32, f64_0d),
                     (i64, f64_0d), (i64, f32_0d), (i64_0d, f32_0d), (f32, rnd(2, 2))]:
            if name == "sub" and pair[0].dtype == bool:
                continue  # (torch refuses bool subtraction; deepgrad's error is NumPy's)
            out.append(Case(name, fd, ft, list(pair), rtol=1e-6, atol=1e-6, note="promote"))
        for num in (2, 1.5, True) if name not in ("maximum", "minimum") else ():
            if name != "sub" or num is not True:
                out += [Case(name, fd, ft, [x, num], rtol=1e-6, atol=1e-6, note="promote")
                        for x in (i64, f32, b)]
    out += [Case("pow", F.pow, torch.pow, [x, e], rtol=1e-6, atol=1e-6, note="promote")
            for x, e in [(i64, 0.5), (i64, 2), (f32, 2), (np.abs(f32), np.abs(rnd(2, 2))),
                         (i64, f32)]]
    for name in ["exp", "log", "sqrt", "sin", "cos", "reciprocal", "abs", "neg", "square",
                 "sign", "sigmoid", "tanh"]:
        fd = getattr(F, name)
        ft = getattr(torch, name)
        out += [Case(name, fd, ft, [x], rtol=1e-6, atol=1e-6, note="promote")
                for x in (i64, np.abs(f32) + 0.5)]
    for name in ["relu", "leaky_relu", "elu", "silu", "gelu", "softplus", "softmax", "log_softmax"]:
        kw = {"dim": 1} if "softmax" in name else {}
        out.append(Case(name, getattr(F, name), getattr(TF, name), [f32], kw, rtol=1e-5,
                        atol=1e-6, note="f32"))
    for name in ["sum", "mean", "amax", "var", "std", "norm", "logsumexp"]:
        out.append(Case(name, getattr(F, name), getattr(torch, name), [f32], {"dim": 1},
                        rtol=1e-5, atol=1e-6, note="f32"))
    out += [Case("clamp", F.clamp, torch.clamp, [i64], kw, note="promote")
            for kw in ({"min": 2}, {"min": 1.5}, {"max": 2.5, "min": 0})]
    out.append(Case("where", F.where, torch.where, [b, i64, 1.5], note="promote"))
    out.append(Case("where", F.where, torch.where, [b, f32, i64], note="promote"))
    for name in ["cat", "stack"]:
        out.append(Case(name, getattr(F, name), getattr(torch, name), [[i64, f32]],
                        note="promote"))
        out.append(Case(name, getattr(F, name), getattr(torch, name), [[b, i32]], note="promote"))
    return out
