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
from .efficientnet import EfficientNetLite, efficientnet_lite0
from .mlp import mlp

__all__ = ["mlp", "mnist_cnn", "cifar_cnn", "Autoencoder", "LinearAutoencoder",
           "dense_autoencoder", "conv_autoencoder", "check_code_and_image", "dcgan_generator",
           "dcgan_discriminator", "dense_generator", "dense_discriminator",
           "EfficientNetLite", "efficientnet_lite0"]
