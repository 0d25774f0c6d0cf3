"""deepgrad.nn: the layer system (PyTorch-style modules with Keras-style conveniences).

    import deepgrad.nn as nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    model.load_state_dict({k: v.numpy() for k, v in torch_model.state_dict().items()})

Keras users: ``nn.Sequential(nn.Dense(256, activation='relu'), nn.Dense(10))`` infers input sizes
at the first call; Keras' image layers (``Conv2D``, ``MaxPooling2D``, ``AveragePooling2D``,
``GlobalAveragePooling2D``, ``Conv2DTranspose``, ``UpSampling2D``) take channels-last images
(``data_format='channels_last'``) beside the NCHW ``Conv2d``/``MaxPool2d``;
``nn.get_loss('sparse_categorical_crossentropy')``; ``model.summary(shape)``.
"""

from .. import functional  # noqa: F401  (nn.functional, as in torch.nn.functional)
from . import init, utils  # noqa: F401
from .activation import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .containers import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .embedding import *  # noqa: F401,F403
from .keras_conv import *  # noqa: F401,F403
from .keras_pool import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .module import *  # noqa: F401,F403
from .norm import *  # noqa: F401,F403
from .pool import *  # noqa: F401,F403
from .recurrent import *  # noqa: F401,F403
from .regularizers import *  # noqa: F401,F403
from .summary import summary  # noqa: F401
from .upsample import *  # noqa: F401,F403
