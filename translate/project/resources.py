"""The tool's own data, shipped inside the package and read through
importlib.resources: templates, stylesheets, compiled page catalogues, and
the built-in glossaries and Dari adaptation rules that a project's own
``locales/<key>/`` files override (pandoc's readDataFile: the user's data
first, the packaged default after).

In the repository these files live once, in the top-level ``locales/``;
the build maps that folder into the package as ``translate.locales``
(pyproject.toml, [tool.setuptools.package-dir]), so a wheel and an editable
install see the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

LOCALES_PACKAGE = "translate.locales"


@lru_cache(maxsize=1)
def builtin_locales() -> Path:
    """The packaged locales folder (a real folder: wheels install unzipped)."""
    return Path(str(resources.files(LOCALES_PACKAGE)))


@dataclass(frozen=True)
class DataFile:
    """A data file chosen for a run: the project's own or the built-in one."""

    path: Path
    origin: str  # "project" | "built-in"
    name: str    # how the manifest and messages name it: "locales/ru/glossary.csv" or "built-in ru/glossary.csv"


def locale_file(lang_key: str, filename: str, project_locales: Path | None) -> DataFile | None:
    """``locales/<key>/<filename>`` of the project if it has one, else the
    built-in one, else None. A project file that exists but is not a regular
    file (a dangling link, a folder, a FIFO) is still chosen, so that reading
    it fails loudly instead of silently falling back."""
    if project_locales is not None:
        path = Path(project_locales) / lang_key / filename
        if path.exists() or path.is_symlink():
            return DataFile(path, "project", f"locales/{lang_key}/{filename}")
    path = builtin_locales() / lang_key / filename
    if path.is_file():
        return DataFile(path, "built-in", f"built-in {lang_key}/{filename}")
    return None
