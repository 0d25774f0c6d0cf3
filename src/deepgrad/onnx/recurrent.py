"""ONNX for the recurrent layers: LSTM, GRU and RNN as ONNX's own LSTM, GRU and RNN ops.

deepgrad keeps PyTorch's gate order in its stacked weights (``weight_ih_l{k}`` is (G*H, F)):
LSTM (i, f, g, o), GRU (r, z, n). ONNX orders them LSTM (i, o, f, c) and GRU (z, r, h), so the
H-row blocks are permuted: LSTM [0, 3, 1, 2], GRU [1, 0, 2]. PyTorch's GRU applies the reset
gate after the hidden-to-hidden product, n = tanh(W_in x + b_in + r * (W_hn h + b_hn)): ONNX's
``linear_before_reset=1``. ONNX's bias input is [W_b, R_b] (the input and hidden biases side by
side). One ONNX node per layer, both directions in it (``direction="bidirectional"``); between
layers its output (T, D, N, H) becomes (T, N, D*H), the next layer's input; h_n (and c_n)
concatenate the layers' final states, (num_layers * D, N, H) as deepgrad gives them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import nn
from .trace import Call, ExportError, describe

__all__ = ["RECURRENT", "GATE_ORDER"]

GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}
_ONNX_OP = {"LSTM": "LSTM", "GRU": "GRU", "RNN_TANH": "RNN", "RNN_RELU": "RNN"}


def _reorder(a: np.ndarray, order: list[int], hidden: int) -> np.ndarray:
    """Permute the H-row gate blocks of a stacked weight or bias."""
    return np.concatenate([a[k * hidden:(k + 1) * hidden] for k in order], axis=0)


def _recurrent(ctx, call: Call) -> list[str]:
    m = call.module
    where = describe(call.path, m)
    args = list(call.args) + [None] * (4 - len(call.args))
    x_t = args[0]
    hx = call.kwargs.get("hx", args[1])
    if call.kwargs.get("lengths", args[2]) is not None or call.kwargs.get(
            "mask", args[3]) is not None:
        raise ExportError(f"cannot export {where} called with lengths or mask: the export "
                          "runs whole sequences (pad and mask outside the model)")
    if x_t.ndim != 3:
        raise ExportError(f"cannot export {where} on an unbatched input of shape "
                          f"{tuple(x_t.shape)}: give it a batch dimension")
    g = ctx.g
    mode, H, L = m.mode, m.hidden_size, m.num_layers
    D = 2 if m.bidirectional else 1
    order = GATE_ORDER[mode]
    G = len(order)
    prefix = f"{call.path}." if call.path else ""
    x = ctx.name(x_t)
    if m.batch_first:
        x = g.op("Transpose", [x], perm=[1, 0, 2])
    states = [] if hx is None else [ctx.name(s) for s in
                                    (hx if isinstance(hx, tuple | list) else [hx])]
    finals: list[list[str]] = [[] for _ in range(2 if mode == "LSTM" else 1)]
    for layer in range(L):
        ws, rs, bs = [], [], []
        for direction in range(D):
            w_ih, w_hh, b_ih, b_hh = m._weights(layer, direction)
            ws.append(_reorder(w_ih.data, order, H))
            rs.append(_reorder(w_hh.data, order, H))
            if b_ih is None:
                bs.append(np.zeros(2 * G * H, w_ih.dtype))
            else:
                bs.append(np.concatenate([_reorder(b_ih.data, order, H),
                                          _reorder(b_hh.data, order, H)]))
        inputs = [x, g.weight(f"{prefix}onnx.W_l{layer}", np.stack(ws)),
                  g.weight(f"{prefix}onnx.R_l{layer}", np.stack(rs)),
                  g.weight(f"{prefix}onnx.B_l{layer}", np.stack(bs))]
        if states:
            lo, hi = layer * D, (layer + 1) * D
            sl = [g.const([lo], np.int64, "starts"), g.const([hi], np.int64, "ends"),
                  g.const([0], np.int64, "axes")]
            inputs += [""] + [g.op("Slice", [s, *sl]) for s in states]
        attrs: dict = {"hidden_size": H,
                       "direction": "bidirectional" if D == 2 else "forward"}
        if mode == "GRU":
            attrs["linear_before_reset"] = 1
        elif mode.startswith("RNN"):
            attrs["activations"] = ["Relu" if mode == "RNN_RELU" else "Tanh"] * D
        outs = g.op(_ONNX_OP[mode], inputs, outputs=1 + len(finals),
                    name=f"{_ONNX_OP[mode].lower()}_l{layer}", **attrs)
        y = g.op("Transpose", [outs[0]], perm=[0, 2, 1, 3])  # (T, D, N, H) -> (T, N, D, H)
        x = g.op("Reshape", [y, g.const([0, 0, -1], np.int64, "shape")])
        for k, f in enumerate(finals):
            f.append(outs[1 + k])
    out = g.op("Transpose", [x], perm=[1, 0, 2]) if m.batch_first else x
    states_out = [f[0] if L == 1 else g.op("Concat", f, axis=0) for f in finals]
    return [out, *states_out]


RECURRENT: dict[type, Callable] = {nn.LSTM: _recurrent, nn.GRU: _recurrent, nn.RNN: _recurrent}
