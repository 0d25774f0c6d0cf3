"""Uploaded images: at most 10 MB, PNG or JPEG only, decoded by Pillow under a pixel limit.

The format is read from the file's own bytes (never from its name or declared type); anything
Pillow does not recognize as PNG or JPEG is refused with 415, an image over
:data:`MAX_PIXELS` with 413 before its pixels are decoded, a truncated or corrupt one with 400.
"""

from __future__ import annotations

import io
import warnings

from .errors import LabError

__all__ = ["MAX_UPLOAD_BYTES", "MAX_PIXELS", "decode_image"]

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 4096 * 4096
FORMATS = ("PNG", "JPEG")


def decode_image(data: bytes, mode: str = "L"):  # -> PIL.Image.Image
    """The upload ``data`` as a decoded Pillow image in ``mode`` (a :class:`LabError`
    otherwise)."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_UPLOAD_BYTES:
        raise LabError(413, f"the image is {len(data)} bytes; at most {MAX_UPLOAD_BYTES}")
    if not data:
        raise LabError(400, "the upload is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=FORMATS)
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise LabError(413, f"the image is {w} x {h} pixels; at most {MAX_PIXELS} "
                                    "pixels")
            im.load()
            return im.convert(mode)
    except UnidentifiedImageError:
        raise LabError(415, "not a PNG or JPEG image") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LabError(413, f"the image has too many pixels (at most {MAX_PIXELS})") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise LabError(400, f"the image cannot be decoded ({e})") from None
