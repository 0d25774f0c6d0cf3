"""Learning-rate schedules (PyTorch's ``torch.optim.lr_scheduler`` protocol).

sched = StepLR(opt, step_size=10, gamma=0.5)
for epoch in range(epochs):
    train_one_epoch(...)      # calls opt.step()
    sched.step()
"""

from .base import LRScheduler
from .cosine import CosineAnnealingLR
from .plateau import ReduceLROnPlateau
from .step import ExponentialLR, MultiStepLR, StepLR
from .warmup import LambdaLR, LinearLR, LinearWarmup

__all__ = [
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "LinearWarmup",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "ReduceLROnPlateau",
]
