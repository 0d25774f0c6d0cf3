"""Differentiable ops, named after ``torch.nn.functional`` (import as ``F``), NCHW layout.

Each family lives in its own module with forward and backward side by side.
"""

from .math import (  # noqa: F401
    abs, add, cast, clamp, clip, cos, div, exp, log, matmul, maximum, minimum, mul, neg, pow,
    reciprocal, sign, sin, sqrt, square, sub, where,
)
from .reduce import (  # noqa: F401
    amax, amin, argmax, argmin, logsumexp, max, mean, min, norm, std, sum, var,
)
from .shape import (  # noqa: F401
    cat, chunk, concatenate, expand, flatten, gather, pad, permute, repeat, reshape, split,
    squeeze, stack, transpose, unsqueeze, view,
)
