"""``deepgrad.decode``: one decoding module for every generator (names, seq2seq, captions).

A model is decoded through its step function ``step(tokens, state) -> (log_probs, state)``
(``tokens``: the last token of each of B sequences; see :mod:`deepgrad.decode.common`)::

    from deepgrad import decode
    out = decode.greedy(step, start=np.full(B, BOS), state=s0, max_len=20, end=EOS)
    out = decode.sample(step, start, s0, max_len=20, end=EOS, temperature=0.8, top_k=5)
    out = decode.beam_search(step, start, s0, max_len=20, end=EOS, beam_width=5)
    out.tokens, out.lengths, out.log_prob, out.sequences()

Greedy, temperature sampling, top-k sampling and beam search with length normalization; all
batched, all on NumPy arrays (the model's step may compute with Tensors; decoding runs under
``no_grad``).
"""

from .beam import beam_search, length_normalized
from .common import Decoded, Step, reorder_state
from .sampling import greedy, sample

__all__ = ["greedy", "sample", "beam_search", "length_normalized", "Decoded", "Step",
           "reorder_state"]
