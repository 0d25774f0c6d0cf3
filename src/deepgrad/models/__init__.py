"""The model zoo: the course's networks, built from ``deepgrad.nn`` layers."""

from .autoencoder import (
    Autoencoder,
    LinearAutoencoder,
    check_code_and_image,
    conv_autoencoder,
    dense_autoencoder,
)
from .cnn import cifar_cnn, mnist_cnn
from .dcgan import dcgan_discriminator, dcgan_generator, dense_discriminator, dense_generator
from .keyed_vectors import KeyedVectors, UnknownWordError
from .mlp import mlp
from .word2vec import Word2Vec

__all__ = ["mlp", "mnist_cnn", "cifar_cnn", "Autoencoder", "LinearAutoencoder",
           "dense_autoencoder", "conv_autoencoder", "check_code_and_image", "dcgan_generator",
           "dcgan_discriminator", "dense_generator", "dense_discriminator", "Word2Vec",
           "KeyedVectors", "UnknownWordError"]
