"""A small arithmetic expression (``"x*y + sin(x)"``) built as deepgrad ops, for walking.

Only numbers, variable names, ``+ - * / **``, unary minus and the functions in
:data:`FUNCTIONS` are accepted (the text is parsed with :mod:`ast`, never evaluated), so
``deepgrad explain walk`` can take an expression from the command line safely.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

import numpy as np

from .. import functional as F
from ..tensor import Tensor

__all__ = ["build_expression", "FUNCTIONS"]

FUNCTIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "sin": F.sin,
    "cos": F.cos,
    "exp": F.exp,
    "log": F.log,
    "tanh": F.tanh,
    "sigmoid": F.sigmoid,
    "relu": F.relu,
    "sqrt": F.sqrt,
    "abs": F.abs,
}
_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def build_expression(text: str, values: Mapping[str, float]) -> tuple[Tensor, dict[str, Tensor]]:
    """The expression's output tensor (float64) and its variables ``{name: leaf tensor}``
    (each requiring grad, valued from ``values``); a ValueError names what is not allowed."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ValueError(f"expression {text!r}: not a valid expression ({e.msg})") from None
    leaves: dict[str, Tensor] = {}

    def build(node: ast.AST) -> Tensor | float:
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
        ):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise ValueError(f"expression {text!r}: {node.id} is a function: {node.id}(...)")
            if node.id not in values:
                raise ValueError(
                    f"expression {text!r}: no value for {node.id!r} (give {node.id}=NUMBER)"
                )
            if node.id not in leaves:
                leaves[node.id] = Tensor(np.float64(values[node.id]), requires_grad=True)
            return leaves[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](build(node.left), build(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = build(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FUNCTIONS
            and len(node.args) == 1
            and not node.keywords
        ):
            arg = build(node.args[0])
            if not isinstance(arg, Tensor):
                arg = Tensor(np.float64(arg))
            return FUNCTIONS[node.func.id](arg)
        raise ValueError(
            f"expression {text!r}: {ast.unparse(node)!r} is not allowed; use "
            f"numbers, variables, + - * / **, and {', '.join(FUNCTIONS)}"
        )

    out = build(tree.body)
    if not isinstance(out, Tensor) or not out.requires_grad:
        raise ValueError(f"expression {text!r}: it has no variable to differentiate")
    unused = sorted(set(values) - set(leaves))
    if unused:
        raise ValueError(f"expression {text!r}: {', '.join(unused)} does not appear in it")
    return out, leaves
