"""The model zoo: the course's networks, built from ``deepgrad.nn`` layers."""

from .alexnet import AlexNet, alexnet
from .autoencoder import (
    Autoencoder,
    LinearAutoencoder,
    check_code_and_image,
    conv_autoencoder,
    dense_autoencoder,
)
from .captioner import AttentionCaptionDecoder, CaptionDecoder, SceneEncoder
from .char_rnn import CharRNN
from .cnn import cifar_cnn, mnist_cnn
from .dcgan import dcgan_discriminator, dcgan_generator, dense_discriminator, dense_generator
from .efficientnet import EfficientNetLite, efficientnet_lite0
from .inception import BasicConv2d, Inception, InceptionNet, inception_block, inception_net
from .keyed_vectors import KeyedVectors, UnknownWordError
from .lenet import LeNet5, lenet5
from .mlp import mlp
from .ngram import KneserNeyLM
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50
from .seq2seq import Attention, Seq2Seq
from .vgg import VGG, vgg11, vgg16
from .word2vec import Word2Vec

__all__ = ["mlp", "mnist_cnn", "cifar_cnn", "Autoencoder", "LinearAutoencoder",
           "dense_autoencoder", "conv_autoencoder", "check_code_and_image", "dcgan_generator",
           "dcgan_discriminator", "dense_generator", "dense_discriminator",
           # the CNN zoo (issue 11)
           "lenet5", "LeNet5", "alexnet", "AlexNet", "vgg11", "vgg16", "VGG", "inception_block",
           "Inception", "BasicConv2d", "inception_net", "InceptionNet", "resnet18", "resnet34",
           "resnet50", "ResNet", "BasicBlock", "Bottleneck", "EfficientNetLite",
           "efficientnet_lite0",
           # word embeddings (issue 14)
           "Word2Vec", "KeyedVectors", "UnknownWordError",
           # sequences (issue 15)
           "CharRNN", "KneserNeyLM", "Seq2Seq", "Attention",
           # captioning (issue 16)
           "CaptionDecoder", "AttentionCaptionDecoder", "SceneEncoder"]
