"""deepgrad: the "Introduction to Deep Learning" course as a NumPy deep-learning library.

    import deepgrad as dg
    x = dg.tensor([[1.0, 2.0]], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # array([[2., 4.]], dtype=float32)
"""

from . import (  # noqa: F401  (train binds fit/compile onto Module)
    _malloc,  # noqa: F401  (first: allocator tuning, see _malloc.py)
    _methods,  # noqa: F401  (binds operators onto Tensor)
    functional,  # noqa: F401
    nn,
    optim,
    train,
)
from .creation import *  # noqa: F401,F403
from .dtypes import *  # noqa: F401,F403
from .functional import (  # noqa: F401
    abs,
    argmax,
    argmin,
    argsort,
    bmm,
    cat,
    chunk,
    clamp,
    clip,
    cos,
    einsum,
    exp,
    expand,
    flatten,
    gather,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mm,
    permute,
    relu,
    reshape,
    sigmoid,
    sin,
    softmax,
    sort,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sum,
    tanh,
    topk,
    transpose,
    unsqueeze,
    var,
    where,
)
from .gradcheck import gradcheck  # noqa: F401
from .graph import draw_graph  # noqa: F401
from .random import get_rng_state, manual_seed, set_rng_state  # noqa: F401
from .tensor import (  # noqa: F401
    Tensor,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
    tensor,
)

__version__ = "0.1.0"

_LAZY = ("data", "linear", "models", "tasks", "onnx", "explain")  # imported on first use


def __getattr__(name: str):
    if name == "load_torch_state_dict":  # a PyTorch/safetensors/npz file -> name -> ndarray
        from .data.torch_checkpoint import load_torch_state_dict

        return load_torch_state_dict
    if name in ("save", "load"):  # .safetensors / .npz weights files, never a pickle
        from . import serialization

        return getattr(serialization, name)
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'deepgrad' has no attribute {name!r}")

