"""The sweep (issue 20): every public op of deepgrad.functional against PyTorch, in float64,
over the argument combinations PyTorch documents (dims negative and positive, keepdim,
broadcasting, 0-d, empty, non-contiguous and channels-last inputs, every reduction mode):
forward values and dtypes, that the graph is recorded where PyTorch records it, gradients,
refusals where PyTorch refuses, and finite differences on one case per op; every third case
again in float32 (dtypes stay float32).

The cases are in sweep_core.py and sweep_nn.py; a new public op without an entry fails
``test_every_public_op_is_swept`` until it gets one (or a reasoned entry in NOT_SWEPT).
"""

import inspect
import re
import types
import warnings

import pytest
import sweep_core
import sweep_nn
import torch
import torch.nn.functional as TF
from sweep_case import as_float32

import deepgrad.functional as F
from parity.float64 import _to_torch, same

CASES = sweep_core.table() + sweep_nn.table()


def to_torch(inputs):
    return [_to_torch(x, None) for x in inputs]


# public names of deepgrad.functional that are not ops with a PyTorch counterpart to sweep
NOT_SWEPT: dict[str, str] = {}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_sweep(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both libraries warn on the edge cases swept here
        if case.extension and _refused(case.th, to_torch(case.inputs), case.kwargs):
            return  # PyTorch refuses, deepgrad may answer: a documented extension
        same(case.dg, case.th, case.inputs, layout=case.layout, gradcheck=case.gradcheck,
             grad=case.grad, rtol=case.rtol, atol=case.atol, **case.kwargs)


FLOAT32 = [c for c in CASES[::3] if c.grad and not c.extension]


@pytest.mark.parametrize("case", FLOAT32, ids=[c.id for c in FLOAT32])
def test_sweep_float32(case):
    """Every third case again in float32: float32 stays float32 through forward and backward
    (no silent float64 promotion), values within float32 rounding of PyTorch's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(case.dg, case.th, [as_float32(x) for x in case.inputs], layout=case.layout,
             rtol=2e-4, atol=2e-5, **case.kwargs)


def _refused(fn, inputs, kwargs) -> bool:
    try:
        fn(*inputs, **kwargs)
    except Exception:
        return True
    return False


def public_ops() -> set[str]:
    return {
        n for n, v in vars(F).items()
        if not n.startswith("_") and callable(v) and not isinstance(v, types.ModuleType)
        and not inspect.isclass(v)
    }


def test_every_public_op_is_swept():
    swept = {c.op for c in CASES}
    missing = public_ops() - swept - set(NOT_SWEPT)
    assert not missing, f"public ops of deepgrad.functional with no sweep entry: {sorted(missing)}"
    stale = (swept | set(NOT_SWEPT)) - public_ops()
    assert not stale, f"sweep entries for names deepgrad.functional does not have: {sorted(stale)}"


# PyTorch argument names deepgrad does not take, and why (docs/torch_semantics.md)
NOT_TAKEN = {
    "out": "no out= tensors: results are new tensors",
    "size_average": "legacy, deprecated in PyTorch: use reduction=",
    "reduce": "legacy, deprecated in PyTorch: use reduction=",
    "_stacklevel": "PyTorch-internal warning plumbing",
}


def _torch_names(fn, name: str) -> list[str]:
    """The argument names of a torch function: its signature, or for a builtin the signature
    lines of its docstring (every overload)."""
    try:
        return [p for p in inspect.signature(fn).parameters if p not in ("args", "kwargs")]
    except (TypeError, ValueError):
        pass
    names: list[str] = []
    for m in re.finditer(rf"^\s*(?:torch\.)?{name}\((.*?)\)\s*(?:->|$)", fn.__doc__ or "", re.M):
        sig = m.group(1)
        while "[" in sig:  # drop type annotations' brackets (Optional[Union[int, List[int]]])
            sig = re.sub(r"\[[^\[\]]*\]", "", sig)
        for part in sig.split(","):
            n = re.split(r"[:=\s\[]", part.strip().lstrip("*").strip())[0]
            if n.isidentifier() and n not in names:
                names.append(n)
    return names


def test_torch_argument_names_are_accepted():
    """Every argument name of the PyTorch function an op is named after is a parameter of the
    deepgrad op (so keyword calls work), except the reasoned NOT_TAKEN."""
    bad = {}
    for name in sorted(public_ops()):
        t = getattr(TF, name, None) or getattr(torch, name, None)
        if t is None or name in ("lstm", "gru", "rnn_tanh", "rnn_relu"):  # other signatures
            continue
        params = {k: p for k, p in inspect.signature(getattr(F, name)).parameters.items()
                  if p.kind != p.VAR_POSITIONAL}  # (*args cannot be passed by keyword)
        missing = [n for n in _torch_names(t, name) if n not in params and n not in NOT_TAKEN]
        if missing:
            bad[name] = missing
    assert not bad, f"PyTorch argument names deepgrad's ops do not take: {bad}"
