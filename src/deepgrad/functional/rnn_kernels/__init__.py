"""Forward and backward through time for whole sequences, on NumPy arrays (no graph).

``functional/rnn.py`` wraps these kernels as single graph nodes. Each kernel runs the time loop
in NumPy and returns the outputs with a ``backward`` closure (backpropagation through time,
BPTT) written right beside the forward. What makes them fast:

* the input-to-hidden product ``x W_ih^T + b`` is computed for all T*N rows before the loop
  (forward), and its gradients ``dC/dx = dG W_ih``, ``dC/dW_ih = dG^T x`` after it (backward);
* only ``h W_hh^T`` (forward) and ``dG W_hh`` (backward) stay inside the loop; the
  hidden-to-hidden weight gradient ``dC/dW_hh = sum_t dG_t^T h_{t-1}`` is computed after it,
  over all steps at once;
* gate-major layout: the gates live in buffers shaped (G, T, N, H), so in every step each gate
  is one contiguous (N, H) block (elementwise NumPy on strided column blocks of an (N, G*H)
  array was 2-4x slower); ``h W_hh^T`` is a batched matmul straight into that layout;
  the LSTM's backward writes each step's last gate product into a time-major (T, N, 4H) dG,
  so ``dG W_hh`` is one GEMM per step and the weight gradients after the loop are plain 2-D
  GEMMs (faster than the per-gate batched ones at T=50, N=64, H=256, 2 threads);
* ``sigmoid(a) = 0.5 tanh(a/2) + 0.5``: the sigmoid gates' weight rows are pre-scaled by 1/2, so
  one ``tanh`` call activates every gate of a step; the LSTM's gates are reordered inside the
  kernel to (i, f, o, g) so that the three sigmoid gates come first;
* preallocated buffers updated in place (``out=``), float32 kept throughout.

With the JIT on (``deepgrad._jit``; float32/float64) each sequence kernel runs a compiled path
instead, with the same equations and results: time-major (T, N, G*H) gate rows in PyTorch's
gate order, per step the GEMM ``h W_hh^T`` in NumPy (``W_hh^T`` copied once per call,
``_jit_layout.py``) and ONE compiled kernel for the gates and the state update, and in backward
one kernel for the gate gradients dG (and dc_prev) before the GEMM ``dG W_hh``
(``_jit_gates.py``). The cells use the same kernels at batch 1.

Shapes: ``x`` (T, N, F), states (N, H), ``w_ih`` (G*H, F), ``w_hh`` (G*H, H), biases (G*H,),
with PyTorch's gate order (LSTM i, f, g, o; GRU r, z, n). ``mask`` is None or (T, N, 1) of 0/1
in x's dtype: where it is 0 the step is skipped, the state carried over unchanged and the
output is 0 (PyTorch's packed sequences). ``reverse`` runs the loop from t = T-1 down to 0.
"""

from .elman import rnn_forward
from .gru import gru_forward
from .lstm import lstm_forward

__all__ = ["lstm_forward", "gru_forward", "rnn_forward"]
