"""The model zoo: the course's networks, built from ``deepgrad.nn`` layers."""

from .autoencoder import (
    Autoencoder,
    LinearAutoencoder,
    check_code_and_image,
    conv_autoencoder,
    dense_autoencoder,
)
from .char_rnn import CharRNN
from .cnn import cifar_cnn, mnist_cnn
from .dcgan import dcgan_discriminator, dcgan_generator, dense_discriminator, dense_generator
from .mlp import mlp
from .ngram import KneserNeyLM
from .seq2seq import Attention, Seq2Seq

__all__ = ["mlp", "mnist_cnn", "cifar_cnn", "Autoencoder", "LinearAutoencoder",
           "dense_autoencoder", "conv_autoencoder", "check_code_and_image", "dcgan_generator",
           "dcgan_discriminator", "dense_generator", "dense_discriminator", "CharRNN",
           "KneserNeyLM",
           "Seq2Seq", "Attention"]
