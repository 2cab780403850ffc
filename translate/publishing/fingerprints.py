"""Fingerprints of the tool itself: what in the installed package can change
a published file. An edition made with the same fingerprints (and the same
inputs) is not made again; publishing and the site index both use them."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources as importlib_resources
from pathlib import Path

from translate import __version__
from translate.project import resources


def _package_files_digest(suffixes: tuple[str, ...], *folders: str, seed: str = "") -> str:
    """SHA-256 over the names and bytes of the package's files under
    ``folders`` (package-relative) with one of ``suffixes``."""
    digest = hashlib.sha256(seed.encode())
    package = Path(str(importlib_resources.files("translate")))
    for folder in folders:
        root = package / folder if folder else package
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(package)
            if rel.parts[0] == "locales" or "__pycache__" in rel.parts:
                continue  # the data files are read below, wherever the install put them
            if path.is_file() and path.suffix in suffixes:
                digest.update(rel.as_posix().encode())
                digest.update(path.read_bytes())
    locales = resources.builtin_locales()
    for path in sorted(locales.rglob("*")):
        if path.is_file() and path.suffix in suffixes:
            digest.update(("locales/" + path.relative_to(locales).as_posix()).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def render_assets_digest() -> str:
    """Templates, stylesheets, compiled catalogues, the render code and the web
    fonts it ships: a change to any of them re-renders every edition (a
    glossary edit does not)."""
    return _package_files_digest((".html", ".css", ".py", ".mo", ".woff2"), "templates", "publishing/render")


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Every file of the tool that can change an edition: code, templates,
    catalogues, and the built-in adaptation and glossary data."""
    return _package_files_digest((".py", ".html", ".css", ".mo", ".csv"), "", seed=__version__)
