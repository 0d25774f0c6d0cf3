"""Compiled per-time-step gate kernels of the recurrent ops (private; Numba via deepgrad._jit).

A recurrent step is one GEMM (``h W_hh^T`` forward, ``dG W_hh`` backward) plus the gate
nonlinearities and the state update, which NumPy runs as ~10 (forward) to ~20 (backward)
separate passes over (N, H) blocks. Each kernel here is that elementwise part of one step as a
single loop. The GEMMs and everything outside the time loop stay in NumPy (``lstm.py``,
``gru.py``, ``elman.py``, ``cells.py``), and those files keep their NumPy paths for when the
JIT is off.

Layout: gate pre-activations and gate gradients are (N, G*H) rows in PyTorch's gate order
(LSTM i, f, g, o; GRU r, z, n); states (N, H); ``m`` (N,) is the step's mask row (0: the step
is skipped for that sequence). Every kernel works in the arrays' dtype (float32 stays float32:
constants are made with ``dtype.type``).

Activations. ``sigmoid(a) = 0.5 tanh(a / 2) + 0.5``. Numba calls libm's scalar ``tanh`` (no
vectorized math library here), ~40x slower than NumPy's SIMD ``tanh``; so in float32 ``tanh`` is
Eigen's clamped rational approximation (odd degree-13 / even degree-6 polynomial; |error| <=
3.5e-7, at most 6 ulp near +-1, where NumPy's float32 tanh is within 1.4 ulp), which LLVM
vectorizes. float64 keeps ``math.tanh`` (~1 ulp; the gradchecks and the tight parity tests run
there). :func:`tanh` dispatches on the argument's type at compile time (a Numba ``overload``
registered by :func:`ready`, which must run before the first kernel call; it imports Numba, so
``import deepgrad`` stays NumPy-only).
"""

from __future__ import annotations

import math

import numpy as np

from ..._jit import jit

__all__ = [
    "DTYPES",
    "ready",
    "tanh",
    "lstm_step_forward",
    "lstm_step_backward",
    "gru_step_forward",
    "gru_step_backward",
    "rnn_step_forward",
    "rnn_step_backward",
]

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))  # the dtypes the kernels are used for

# Eigen's float32 tanh (ptanh_float): tanh(x) = x P(x^2) / Q(x^2) on [-c, c], +-1 beyond
_CLAMP = np.float32(7.90531110763549805)
_A = [
    np.float32(c)
    for c in (
        4.89352455891786e-03,
        6.37261928875436e-04,
        1.48572235717979e-05,
        5.12229709037114e-08,
        -8.60467152213735e-11,
        2.00018790482477e-13,
        -2.76076847742355e-16,
    )
]
_B = [
    np.float32(c)
    for c in (
        4.89352518554385e-03,
        2.26843463243900e-03,
        1.18534705686654e-04,
        1.19825839466702e-06,
    )
]
_A1, _A3, _A5, _A7, _A9, _A11, _A13 = _A
_B0, _B2, _B4, _B6 = _B


def _tanh_f32(v):  # noqa: ANN001, ANN202 (compiled for float32 only)
    v = _CLAMP if v > _CLAMP else v
    v = -_CLAMP if v < -_CLAMP else v
    x2 = v * v
    p = _A13
    p = p * x2 + _A11
    p = p * x2 + _A9
    p = p * x2 + _A7
    p = p * x2 + _A5
    p = p * x2 + _A3
    p = p * x2 + _A1
    q = _B6
    q = q * x2 + _B4
    q = q * x2 + _B2
    q = q * x2 + _B0
    return v * p / q


def tanh(v: float) -> float:
    """tanh inside the kernels: Eigen's rational approximation for float32, else math.tanh."""
    return math.tanh(v)


_READY = False


def ready() -> None:
    """Register the compile-time dispatch of :func:`tanh` (imports Numba; idempotent)."""
    global _READY
    if _READY:
        return
    from numba import types
    from numba.extending import overload

    @overload(tanh)
    def _tanh_overload(v):  # noqa: ANN001, ANN202
        if v == types.float32:
            return _tanh_f32
        return lambda v: math.tanh(v)

    _READY = True


# ------------------------------------------------------------------------------------ LSTM


@jit
def lstm_step_forward(a, hw, b, m, h, c, h1, c1, tc):  # noqa: ANN001, ANN201
    """One LSTM step, in place on ``a``: pre-activations a + hw + b (N, 4H) become
    (sigma(i), sigma(f), tanh(g), sigma(o)); c1 = f c + i g; tc = tanh(c1); h1 = o tc.
    Rows with m = 0 carry (h, c) and leave ``a`` undefined."""
    N, H = h.shape
    dt = a.dtype.type
    half = dt(0.5)
    bi, bf, bg, bo = b[:H], b[H : 2 * H], b[2 * H : 3 * H], b[3 * H :]
    for n in range(N):
        hp, cp, hn, cn = h[n], c[n], h1[n], c1[n]
        if m[n] == 0:
            for j in range(H):
                hn[j] = hp[j]
                cn[j] = cp[j]
            continue
        ai, af, ag, ao = a[n, :H], a[n, H : 2 * H], a[n, 2 * H : 3 * H], a[n, 3 * H :]
        wi, wf, wg, wo = hw[n, :H], hw[n, H : 2 * H], hw[n, 2 * H : 3 * H], hw[n, 3 * H :]
        t1 = tc[n]
        for j in range(H):
            i = half * tanh(half * (ai[j] + wi[j] + bi[j])) + half
            f = half * tanh(half * (af[j] + wf[j] + bf[j])) + half
            g = tanh(ag[j] + wg[j] + bg[j])
            o = half * tanh(half * (ao[j] + wo[j] + bo[j])) + half
            ai[j] = i
            af[j] = f
            ag[j] = g
            ao[j] = o
            cc = f * cp[j] + i * g
            t = tanh(cc)
            cn[j] = cc
            t1[j] = t
            hn[j] = o * t


@jit
def lstm_step_backward(dh, dout, m, act, tc, c, dc, dg):  # noqa: ANN001, ANN201
    """One LSTM step backward. dh' = dh + dout; dc' = dc + dh' o (1 - tc^2);
    dG = (dc' g i (1-i), dc' c f (1-f), dc' i (1-g^2), dh' tc o (1-o)); dc <- dc' f.
    Rows with m = 0: dG = 0, dc unchanged (the caller carries dh)."""
    N, H = dh.shape
    dt = dg.dtype.type
    one = dt(1.0)
    zero = dt(0.0)
    for n in range(N):
        drow = dg[n]
        if m[n] == 0:
            for k in range(4 * H):
                drow[k] = zero
            continue
        si, sf, sg, so = act[n, :H], act[n, H : 2 * H], act[n, 2 * H : 3 * H], act[n, 3 * H :]
        di, df, dgg, do = dg[n, :H], dg[n, H : 2 * H], dg[n, 2 * H : 3 * H], dg[n, 3 * H :]
        dhn, don, tcn, cn, dcn = dh[n], dout[n], tc[n], c[n], dc[n]
        for j in range(H):
            d = dhn[j] + don[j]
            i = si[j]
            f = sf[j]
            g = sg[j]
            o = so[j]
            t = tcn[j]
            dcc = dcn[j] + d * o * (one - t * t)
            di[j] = dcc * g * i * (one - i)
            df[j] = dcc * cn[j] * f * (one - f)
            dgg[j] = dcc * i * (one - g * g)
            do[j] = d * t * o * (one - o)
            dcn[j] = dcc * f


# ------------------------------------------------------------------------------------- GRU


@jit
def gru_step_forward(a, hw, b_hn, m, h, act, hn, h1):  # noqa: ANN001, ANN201
    """One GRU step. a (N, 3H): x-side pre-activations (r, z parts with both biases);
    hw (N, 3H) = h W_hh^T. act = (r, z, n) with r, z = sigma(a + hw), hn = hw_n + b_hn,
    n = tanh(a_n + r hn); h1 = n + z (h - n). Rows with m = 0 carry h."""
    N, H = h.shape
    dt = a.dtype.type
    half = dt(0.5)
    for n in range(N):
        hp, hq = h[n], h1[n]
        if m[n] == 0:
            for j in range(H):
                hq[j] = hp[j]
            continue
        ar, az, an = a[n, :H], a[n, H : 2 * H], a[n, 2 * H :]
        wr, wz, wn = hw[n, :H], hw[n, H : 2 * H], hw[n, 2 * H :]
        sr, sz, sn = act[n, :H], act[n, H : 2 * H], act[n, 2 * H :]
        hnn = hn[n]
        for j in range(H):
            r = half * tanh(half * (ar[j] + wr[j])) + half
            z = half * tanh(half * (az[j] + wz[j])) + half
            u = wn[j] + b_hn[j]
            v = tanh(an[j] + r * u)
            sr[j] = r
            sz[j] = z
            sn[j] = v
            hnn[j] = u
            hq[j] = v + z * (hp[j] - v)


@jit
def gru_step_backward(dh, dout, m, act, hn, h, dgx, dgh):  # noqa: ANN001, ANN201
    """One GRU step backward. dh' = dh + dout; dn = dh' (1-z)(1-n^2); dz = dh' (h-n) z (1-z);
    dr = dn hn r (1-r); dgx = (dr, dz, dn) (x side), dgh = (dr, dz, dn r) (h side);
    dh <- dh' z (the caller adds dgh W_hh). Rows with m = 0: dgx = dgh = 0, dh unchanged."""
    N, H = dh.shape
    dt = dgx.dtype.type
    one = dt(1.0)
    zero = dt(0.0)
    for n in range(N):
        gx, gh = dgx[n], dgh[n]
        if m[n] == 0:
            for k in range(3 * H):
                gx[k] = zero
                gh[k] = zero
            continue
        sr, sz, sn = act[n, :H], act[n, H : 2 * H], act[n, 2 * H :]
        xr, xz, xn = dgx[n, :H], dgx[n, H : 2 * H], dgx[n, 2 * H :]
        hr, hz, hnb = dgh[n, :H], dgh[n, H : 2 * H], dgh[n, 2 * H :]
        dhn, don, hnn, hp = dh[n], dout[n], hn[n], h[n]
        for j in range(H):
            d = dhn[j] + don[j]
            r = sr[j]
            z = sz[j]
            v = sn[j]
            dn = d * (one - z) * (one - v * v)
            dz = d * (hp[j] - v) * z * (one - z)
            dr = dn * hnn[j] * r * (one - r)
            xr[j] = dr
            xz[j] = dz
            xn[j] = dn
            hr[j] = dr
            hz[j] = dz
            hnb[j] = dn * r
            dhn[j] = d * z


# ----------------------------------------------------------------------------------- Elman


@jit
def rnn_step_forward(a, hw, m, h, h1, relu):  # noqa: ANN001, ANN201
    """One Elman step: h1 = act(a + hw), act = relu if ``relu`` else tanh. Rows with m = 0
    carry h."""
    N, H = h.shape
    zero = a.dtype.type(0.0)
    for n in range(N):
        hp, hq, an, wn = h[n], h1[n], a[n], hw[n]
        if m[n] == 0:
            for j in range(H):
                hq[j] = hp[j]
        elif relu:
            for j in range(H):
                v = an[j] + wn[j]
                hq[j] = zero if v < zero else v  # NaN stays NaN
        else:
            for j in range(H):
                hq[j] = tanh(an[j] + wn[j])


@jit
def rnn_step_backward(dh, dout, m, h1, dg, relu):  # noqa: ANN001, ANN201
    """One Elman step backward: dg = (dh + dout) act'(h1) with tanh' = 1 - h1^2,
    relu' = [h1 > 0]. Rows with m = 0: dg = 0 (the caller carries dh)."""
    N, H = dh.shape
    one = dg.dtype.type(1.0)
    zero = dg.dtype.type(0.0)
    for n in range(N):
        gn, dhn, don, hq = dg[n], dh[n], dout[n], h1[n]
        if m[n] == 0:
            for j in range(H):
                gn[j] = zero
        elif relu:
            for j in range(H):
                d = dhn[j] + don[j]  # loaded outside the select: a select of loads
                gn[j] = d if hq[j] > zero else zero  # would stop the vectorizer
        else:
            for j in range(H):
                v = hq[j]
                gn[j] = (dhn[j] + don[j]) * (one - v * v)
