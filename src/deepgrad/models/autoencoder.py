"""Autoencoders of week 4: an encoder squeezes an image into a code, a decoder rebuilds it.

    x  ->  encoder  ->  z (code_size numbers)  ->  decoder  ->  x_hat,   C = mean (x_hat - x)^2

Three architectures at the same code size, from simplest to the course's:

- :class:`LinearAutoencoder` (PCA): ``x_hat = mu + W_d W_e (x - mu)``. At the minimum of the
  squared reconstruction error the columns of ``W_d`` span the top ``code_size`` principal
  components of the data (Baldi & Hornik 1989), so PCA is the simplest autoencoder.
- :func:`dense_autoencoder`: fully connected layers with ReLU down to a linear code and back up,
  sigmoid outputs (pixels in [0, 1]).
- :func:`conv_autoencoder`: the course's: (3x3 conv, ReLU, 2x2 max-pool) blocks, a dense code,
  then a dense layer and stride-2 transposed convolutions back to the image, sigmoid outputs.
  The denoising autoencoder is this network trained on noisy inputs (the task does that).

Architectures only (no data, no training). Images are NCHW, ``image_shape = (C, H, W)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import functional as F
from .. import nn
from ..tensor import Tensor

__all__ = ["Autoencoder", "LinearAutoencoder", "dense_autoencoder", "conv_autoencoder",
           "check_code_and_image"]


def check_code_and_image(model: str, image_shape: Any, code_size: Any,
                         divisor: int = 1, at_most_pixels: bool = False,
                         code_name: str = "code size") -> tuple[int, int, int]:
    """Validate ``(C, H, W)`` and the code size for ``model``; the error names both.
    ``code_size=None``: a network without a code (a discriminator), only the image is checked.

    ``divisor``: H and W must be multiples of it (one halving per pooling or stride-2 layer);
    ``at_most_pixels``: the code cannot be longer than C*H*W (a linear code, PCA)."""
    shape = tuple(image_shape) if isinstance(image_shape, Sequence) else None
    what = (f"image size {image_shape!r}" if code_size is None
            else f"{code_name} {code_size!r}, image size {image_shape!r}")
    if (shape is None or len(shape) != 3
            or not all(isinstance(s, int | np.integer) and s >= 1 for s in shape)):
        raise ValueError(f"{model}: {what}: image size must be (channels, height, width) of "
                         f"positive integers")
    if code_size is not None and (isinstance(code_size, bool) or not isinstance(
            code_size, int | np.integer) or code_size < 1):
        raise ValueError(f"{model}: {what}: {code_name} must be a positive integer")
    c, h, w = (int(s) for s in shape)
    if h % divisor or w % divisor:
        raise ValueError(f"{model}: {what}: height and width must be multiples of {divisor} "
                         f"(the architecture halves them {divisor.bit_length() - 1} times); "
                         f"pad or crop the images, or use fewer blocks")
    if at_most_pixels and code_size > c * h * w:
        raise ValueError(f"{model}: {what}: a linear code can have at most C*H*W = {c * h * w} "
                         f"numbers")
    return c, h, w


class Autoencoder(nn.Module):
    """``decoder(encoder(x))``, with ``encode``/``decode`` for codes (retrieval, morphing).

    ``image_shape``: (C, H, W) of the images; ``code_size``: the length of each code."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, image_shape: tuple[int, ...],
                 code_size: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.image_shape = tuple(image_shape)
        self.code_size = int(code_size)

    def encode(self, x: Tensor) -> Tensor:
        """Images N x C x H x W -> codes N x code_size."""
        return self.encoder(x)

    def decode(self, z: Tensor) -> Tensor:
        """Codes N x code_size -> images N x C x H x W."""
        return self.decoder(z)

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    def extra_repr(self) -> str:
        return f"image_shape={self.image_shape}, code_size={self.code_size}"


class LinearAutoencoder(Autoencoder):
    r"""PCA as an autoencoder: ``z = W_e (x - mu)``, ``x_hat = mu + W_d z``.

    ``encoder`` is ``Linear(D, k, bias=False)`` (W_e, k x D), ``decoder`` ``Linear(k, D,
    bias=False)`` (W_d, D x k), D = C*H*W, k = ``code_size``; the buffer ``mean`` (mu, D) is the
    training images' mean, set by whoever trains it. The reconstruction error
    C = 1/(N D) sum_n |x_n - x_hat_n|^2 depends on the data only through the covariance
    S = 1/N sum_n (x_n - mu)(x_n - mu)^T (:meth:`covariance_loss`), and its minima are the
    W_d whose columns span the top k eigenvectors of S."""

    def __init__(self, image_shape: Sequence[int], code_size: int) -> None:
        c, h, w = check_code_and_image("LinearAutoencoder", image_shape, code_size,
                                       at_most_pixels=True)
        d = c * h * w
        super().__init__(nn.Linear(d, code_size, bias=False), nn.Linear(code_size, d, bias=False),
                         (c, h, w), code_size)
        self.register_buffer("mean", np.zeros(d, dtype=np.float32))

    def encode(self, x: Tensor) -> Tensor:
        flat = F.flatten(x, 1)
        return self.encoder(flat - Tensor(self.mean.astype(flat.dtype, copy=False)))

    def decode(self, z: Tensor) -> Tensor:
        flat = self.decoder(z) + Tensor(self.mean.astype(z.dtype, copy=False))
        return F.reshape(flat, (flat.shape[0], *self.image_shape))

    def covariance_loss(self, cov: Tensor, total_variance: float) -> Tensor:
        r"""The mean squared reconstruction error over the training set, from its covariance:

            C = (tr S - 2 tr(W_d W_e S) + tr(W_d^T W_d W_e S W_e^T)) / D

        (expand |(x - mu) - W_d W_e (x - mu)|^2 and average), ``total_variance`` = tr S. The
        same number as averaging over the images, at the cost of k x D x D per step."""
        we, wd = self.encoder.weight, self.decoder.weight
        m = we @ cov  # W_e S, k x D
        d = cov.shape[0]
        return (total_variance - 2 * (wd * m.T).sum()
                + ((wd.T @ wd) * (m @ we.T)).sum()) / d


def dense_autoencoder(image_shape: Sequence[int], code_size: int,
                      hidden: Sequence[int] = (512, 256)) -> Autoencoder:
    """A deep fully connected autoencoder: D -> hidden... -> code (linear) -> reversed hidden
    (ReLU) -> D (sigmoid) -> C x H x W."""
    c, h, w = check_code_and_image("dense_autoencoder", image_shape, code_size)
    sizes = [c * h * w, *hidden]
    enc: list[nn.Module] = [nn.Flatten()]
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        enc += [nn.Linear(a, b), nn.ReLU()]
    enc.append(nn.Linear(sizes[-1], code_size))
    dec: list[nn.Module] = []
    back = [code_size, *reversed(sizes[1:])]
    for a, b in zip(back[:-1], back[1:], strict=True):
        dec += [nn.Linear(a, b), nn.ReLU()]
    dec += [nn.Linear(back[-1], c * h * w), nn.Sigmoid(), nn.Unflatten(1, (c, h, w))]
    return Autoencoder(nn.Sequential(*enc), nn.Sequential(*dec), (c, h, w), code_size)


def conv_autoencoder(image_shape: Sequence[int], code_size: int,
                     channels: Sequence[int] = (32, 64)) -> Autoencoder:
    """The course's convolutional autoencoder.

    Encoder: per entry of ``channels``, conv 3x3 ('same') -> ReLU -> max-pool 2x2, then flatten
    -> Linear -> the code (no activation). Decoder: Linear -> ReLU -> reshape to the last block's
    (channels[-1], H / 2^b, W / 2^b) -> per block, a stride-2 3x3 transposed conv doubling the
    size (padding 1, output_padding 1), ReLU between, sigmoid after the last. H and W must be
    multiples of 2^b (b = len(channels))."""
    b = len(channels)
    if b < 1:
        raise ValueError("conv_autoencoder: channels must name at least one block")
    c, h, w = check_code_and_image("conv_autoencoder", image_shape, code_size, divisor=2 ** b)
    hc, wc = h >> b, w >> b
    enc: list[nn.Module] = []
    cin = c
    for cout in channels:
        enc += [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        cin = cout
    flat = channels[-1] * hc * wc
    enc += [nn.Flatten(), nn.Linear(flat, code_size)]
    dec: list[nn.Module] = [nn.Linear(code_size, flat), nn.ReLU(),
                            nn.Unflatten(1, (channels[-1], hc, wc))]
    outs = [*reversed(channels[:-1]), c]
    cin = channels[-1]
    for i, cout in enumerate(outs):
        dec.append(nn.ConvTranspose2d(cin, cout, 3, stride=2, padding=1, output_padding=1))
        dec.append(nn.ReLU() if i < len(outs) - 1 else nn.Sigmoid())
        cin = cout
    return Autoencoder(nn.Sequential(*enc), nn.Sequential(*dec), (c, h, w), code_size)
