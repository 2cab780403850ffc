"""An installed model sent to a machine that does not share the file system
(a Ray worker: translate.publishing.cluster), and checked there before use.

The sending side reads the model's folder once (``pack``): its files, and
the folder's fingerprint, a SHA-256 over every file's relative path and
bytes (the weights, the tokenizer, the configuration: whatever can change a
translation). The receiving side keeps a copy per fingerprint in its own
cache folder (``receive``), written under a temporary name, checked and only
then renamed into place, so a worker killed while copying leaves no folder
that looks complete. A copy that is there already is checked again before
each use: a folder whose fingerprint is not the one sent, whatever changed
it, is refused with ModelMismatch, never loaded.

No Ray here: ``receive`` takes a function that returns the files, called
only when the copy is missing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from translate.project.user_folders import APP
from translate.translation.models.store import ModelError

# Where a worker keeps the models it received, per fingerprint.
CACHE_ENV = "TRANSLATE_CLUSTER_MODELS"


class ModelMismatch(ModelError):
    """A worker's copy of a model is not the model the run was asked to use."""


@dataclass(frozen=True)
class Shipment:
    """What a worker needs to get and check one model folder."""

    name: str                 # the model's folder name, for messages
    fingerprint: str          # folder_fingerprint of the sender's folder
    files: object = None      # what ``fetch`` is given to get {relative path: bytes-like}
    size: int = 0
    paths: tuple[str, ...] = field(default_factory=tuple)


def _files(folder: Path) -> list[tuple[str, Path]]:
    return sorted((path.relative_to(folder).as_posix(), path) for path in folder.rglob("*") if path.is_file())


def folder_fingerprint(folder: Path) -> str:
    """SHA-256 over the relative path and bytes of every file of ``folder``."""
    digest = hashlib.sha256()
    for rel, path in _files(Path(folder)):
        digest.update(rel.encode() + b"\0")
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def pack(folder: Path, *, mapped: Callable[[Path], object] | None = None) -> tuple[Shipment, dict]:
    """The shipment of ``folder`` (without ``files``) and its files, each as
    ``mapped(path)`` (e.g. a read-only memory map, which a sender can hand to
    an object store without a copy in its own memory) or its bytes."""
    folder = Path(folder)
    files = {rel: mapped(path) if mapped else path.read_bytes() for rel, path in _files(folder)}
    size = sum(path.stat().st_size for _, path in _files(folder))
    return Shipment(folder.name, folder_fingerprint(folder), size=size, paths=tuple(files)), files


def cache_root() -> Path:
    """$TRANSLATE_CLUSTER_MODELS, else <user cache>/newsroom-translate/cluster-models."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / APP / "cluster-models"


def receive(shipment: Shipment, fetch: Callable[[object], Mapping[str, object]],
            root: Path | None = None) -> Path:
    """The verified local copy of the shipped model: the one in the cache,
    else written from ``fetch(shipment.files)``. ModelMismatch when a copy's
    fingerprint is not the shipment's."""
    root = Path(root) if root is not None else cache_root()
    folder = root / shipment.fingerprint
    if not folder.is_dir() and _write(shipment, fetch(shipment.files), root, folder):
        return folder   # checked before it was renamed into place
    found = folder_fingerprint(folder)
    if found != shipment.fingerprint:
        raise ModelMismatch(
            f"the copy of model {shipment.name} on worker {socket.gethostname()} ({folder}) has fingerprint "
            f"{found[:16]}, not {shipment.fingerprint[:16]} as the run's: it was refused, nothing was translated "
            "with it", f"remove {folder} on that machine and run again")
    return folder


def _write(shipment: Shipment, files: Mapping[str, object], root: Path, folder: Path) -> bool:
    """Write and check the copy; False when another worker of this machine
    put one in place first (the caller checks that one)."""
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=f".{shipment.fingerprint[:16]}.", suffix=".tmp"))
    try:
        for rel, data in files.items():
            target = staging / rel
            if rel.startswith("/") or ".." in Path(rel).parts or not target.resolve().is_relative_to(staging.resolve()):
                raise ModelMismatch(f"model {shipment.name} was sent with a file outside its folder ({rel!r})",
                                    "reinstall the model on the machine that runs the command")
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(memoryview(data))
                handle.flush()
                os.fsync(handle.fileno())
        if folder_fingerprint(staging) != shipment.fingerprint:
            raise ModelMismatch(f"model {shipment.name} arrived damaged on worker {socket.gethostname()} "
                                "(its fingerprint differs from the sender's)", "run again")
        try:
            os.rename(staging, folder)
        except OSError:
            if not folder.is_dir():
                raise
            return False
        return True
    finally:
        shutil.rmtree(staging, ignore_errors=True)
