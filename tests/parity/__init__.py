"""The tests' one home for comparing deepgrad with its references (PyTorch, finite differences).

- :mod:`parity.ops`: ``check(dg_fn, torch_fn, inputs)`` runs one computation in both libraries
  and compares the forward values and every input's gradient, then ``dg.gradcheck`` in float64;
  ``randn`` and ``away_from_kinks`` make its inputs.
- :mod:`parity.float64`: ``same(dg_fn, torch_fn, inputs)``, the float64 side-by-side of one call
  in either memory layout: values, dtypes, errors raised, gradients.
- :mod:`parity.modules`: copy a torch module's weights into a deepgrad module and compare
  outputs and gradients (``copy_weights``, ``check_model``).
- :mod:`parity.models`: twin models trained side by side (dropout masks replayed in torch,
  optimizers, tolerances per dtype).
- :mod:`parity.optim`: identical parameters and gradient sequences for both libraries'
  optimizers.
- :mod:`parity.zoo`: realistic weights for the zoo's torch twins, loading them into deepgrad,
  comparing logits.
"""

from .ops import away_from_kinks, check, randn  # noqa: F401
