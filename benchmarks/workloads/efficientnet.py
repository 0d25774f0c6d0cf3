"""EfficientNet-Lite0 inference at 224 x 224 (issue 11): deepgrad's model against the PyTorch
reference package ``efficientnet-lite-pytorch`` (the same architecture; random weights, as the
time does not depend on them), evaluation mode, under no_grad."""

from __future__ import annotations

import numpy as np

from .base import Workload


def _images(n: int) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((n, 3, 224, 224)).astype(np.float32)


def effnet(lib: str):
    def build(n: int):
        x = _images(n)
        if lib == "torch":
            import torch
            from efficientnet_lite_pytorch import EfficientNet

            model = EfficientNet.from_name("efficientnet-lite0").eval()
            xt = torch.from_numpy(x)

            def step():
                with torch.no_grad():
                    model(xt)

            return step
        import deepgrad as dg
        from deepgrad.models import efficientnet_lite0

        model = efficientnet_lite0().eval()
        xd = dg.tensor(x)

        def step():
            with dg.no_grad():
                model(xd)

        return step

    return build


def effnet_flops(n: int) -> float:
    return n * 2 * 0.385e9  # ~385 M multiply-adds per 224 x 224 image (Lite0)


EFFNET_WORKLOADS = [
    Workload("effnet_b1", "EfficientNet-Lite0 inference 224x224, batch 1", 1, effnet("deepgrad"),
             effnet("torch"), effnet_flops),
    Workload("effnet_b16", "EfficientNet-Lite0 inference 224x224, batch 16", 16,
             effnet("deepgrad"), effnet("torch"), effnet_flops),
]
