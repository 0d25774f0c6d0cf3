"""Training: Keras-style fit/evaluate/predict on every Module, callbacks, metrics, checkpoints.

Importing this package binds ``compile``, ``fit``, ``evaluate``, ``predict``, ``save``,
``save_weights`` and ``load_weights`` onto ``deepgrad.nn.Module`` (the layers know nothing of
training; training knows the layers).
"""

from . import accuracy, auc, callbacks, metrics, tensorboard, watch, xray  # noqa: F401
from .accuracy import (  # noqa: F401
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
)
from .auc import AUC, roc_auc_score  # noqa: F401
from .callbacks import (  # noqa: F401
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    LearningRateScheduler,
    ModelCheckpoint,
    PlotCurves,
    ReduceLROnPlateau,
    TerminateOnNaN,
    attached,
    plot_history,
)
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint  # noqa: F401
from .fit import compile, evaluate, fit, load_training_state, predict, save_training_state
from .masked import masked_accuracy, masked_correct  # noqa: F401
from .progbar import Progbar  # noqa: F401
from .saving import load_model, load_weights, save, save_weights  # noqa: F401
from .tensorboard import TensorBoard  # noqa: F401
from .xray import XRay, plot_xray  # noqa: F401


def _bind() -> None:
    from ..nn.module import Module

    Module.compile = compile
    Module.fit = fit
    Module.evaluate = evaluate
    Module.predict = predict
    Module.save_training_state = save_training_state
    Module.load_training_state = load_training_state
    Module.save = save
    Module.save_weights = save_weights
    Module.load_weights = load_weights


_bind()
