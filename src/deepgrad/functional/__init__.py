"""Differentiable ops, named after ``torch.nn.functional`` (import as ``F``), NCHW layout.

Each family lives in its own module with forward and backward side by side.
"""

from ._arrays import plain_namespace as _plain_namespace  # noqa: E402
from ._arrays import wrap_namespace as _wrap_namespace  # noqa: E402
from .activation import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .clamp import clamp, clip  # noqa: F401
from .conv import *  # noqa: F401,F403
from .conv_transpose import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .einsum import einsum  # noqa: F401
from .interpolate import *  # noqa: F401,F403
from .linear import linear  # noqa: F401
from .loss import *  # noqa: F401,F403
from .loss_others import *  # noqa: F401,F403
from .math import (  # noqa: F401
    abs,
    add,
    bmm,
    cast,
    cos,
    div,
    exp,
    log,
    matmul,
    maximum,
    minimum,
    mm,
    mul,
    neg,
    pow,
    reciprocal,
    sign,
    sin,
    sqrt,
    square,
    sub,
    where,
)
from .norm import *  # noqa: F401,F403
from .pnorm import norm  # noqa: F401
from .pool import *  # noqa: F401,F403
from .reduce import (  # noqa: F401
    amax,
    amin,
    argmax,
    argmin,
    logsumexp,
    max,
    mean,
    min,
    std,
    sum,
    var,
)
from .relu6 import hardtanh, relu6  # noqa: F401
from .rnn import *  # noqa: F401,F403
from .shape import (  # noqa: F401
    cat,
    chunk,
    concatenate,
    expand,
    flatten,
    gather,
    pad,
    permute,
    repeat,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
    unsqueeze,
    view,
)
from .sort import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403

plain = _plain_namespace(globals())  # the same ops unwrapped, for layers (always given Tensors)
_wrap_namespace(globals(), __name__)  # NumPy arrays given to an op are constants (_arrays.py)
