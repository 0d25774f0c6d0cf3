"""deepgrad.optim: the update rules of week 1, parameter groups, schedules and clipping.

    opt = dg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    for x, y in loader:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

Each optimizer's docstring states its update rule (PyTorch's formulation, related to the
notes' h_t, G_t, m_t and v_t). ``state_dict()`` holds plain numbers and NumPy arrays;
``flatten_state_dict`` makes it ``np.savez``-ready.
"""

from . import lr_scheduler
from .adagrad import AdaGrad, Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .clip import clip_grad_norm_, clip_grad_value_, grad_norm
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .serialization import flatten_state_dict, unflatten_state_dict
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "AdaGrad",
    "RMSprop",
    "Adam",
    "AdamW",
    "Adamax",
    "clip_grad_norm_",
    "clip_grad_value_",
    "grad_norm",
    "flatten_state_dict",
    "unflatten_state_dict",
    "lr_scheduler",
]
