"""The model zoo: the course's networks, built from ``deepgrad.nn`` layers."""

from .cnn import cifar_cnn, mnist_cnn
from .mlp import mlp

__all__ = ["mlp", "mnist_cnn", "cifar_cnn"]
