"""The benchmark workloads, each written once for deepgrad and once for PyTorch.

A workload's ``deepgrad(batch)`` / ``torch(batch)`` builds the model and data and returns a
``step()`` callable (a training step = forward + backward + optimizer update, unless the
description says otherwise). Imports happen inside, so a worker only loads its own library.
"""

from __future__ import annotations

from .base import Workload
from .captioning import CAPTIONING_WORKLOADS
from .efficientnet import EFFNET_WORKLOADS
from .generative import GENERATIVE_WORKLOADS
from .models import MODEL_WORKLOADS
from .ops import OP_WORKLOADS
from .segmentation import SEGMENTATION_WORKLOADS
from .tagger import TAGGER_WORKLOADS
from .zoo import ZOO_WORKLOADS

WORKLOADS: dict[str, Workload] = {w.name: w for w in OP_WORKLOADS + MODEL_WORKLOADS
                                 + GENERATIVE_WORKLOADS + ZOO_WORKLOADS + EFFNET_WORKLOADS
                                 + TAGGER_WORKLOADS + SEGMENTATION_WORKLOADS
                                 + CAPTIONING_WORKLOADS}

__all__ = ["WORKLOADS", "Workload"]
