"""The sweep (issue 20): every public op of deepgrad.functional against PyTorch, in float64,
over the argument combinations PyTorch documents (dims negative and positive, keepdim,
broadcasting, 0-d, empty, non-contiguous and channels-last inputs, every reduction mode):
forward values and dtypes, that the graph is recorded where PyTorch records it, gradients,
refusals where PyTorch refuses, and finite differences on one case per op.

The cases are in sweep_core.py and sweep_nn.py; a new public op without an entry fails
``test_every_public_op_is_swept`` until it gets one (or a reasoned entry in NOT_SWEPT).
"""

import inspect
import types
import warnings

import pytest
import sweep_core
import sweep_nn

import deepgrad.functional as F
from parity64 import _to_torch, same

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
