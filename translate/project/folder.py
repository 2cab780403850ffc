"""The project folder a command works on.

A newsroom keeps its own folder: ``translate.toml``, ``source/`` (articles),
``locales/<key>/`` (its glossaries and Dari adaptation rules, overriding the
built-in ones) and ``output/``. It is found the way git finds a repository:
the nearest ancestor of the current folder that holds ``translate.toml``,
else the current folder itself; ``translate -C DIR`` (or ``--project DIR``)
names it instead. Nothing here depends on where the tool is installed.

Working files that are never distributed (locks, review pages, exports,
staging) live under ``output/.work/``, so ``output/<slug>/`` holds exactly
what is published.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from translate.errors import UserError
from translate.project.languages import ALL

CONFIG_FILE = "translate.toml"
WORK_DIR = ".work"
# What the tool writes at the top of the output folder beside the articles'
# folders: the site (translate.publishing.site: index.html, a folder per
# language with its index and feed.atom, the public key, .site.json), the
# bundles' default folder (translate bundle) and the working files. No slug
# may name one (compared as a case-insensitive file system would): the
# article and the site would overwrite each other's files.
# Folders the site keeps beside the articles: output/bundles/ (translate bundle) and
# output/fonts/, the web fonts every page shares (translate.publishing.render.webfonts.FOLDER)
BUNDLES_FOLDER = "bundles"
FONTS_FOLDER = "fonts"
SITE_NAMES = ("index.html", "feed.atom", "publisher.pub", "publisher.key", ".site.json", BUNDLES_FOLDER, FONTS_FOLDER,
              WORK_DIR)


class ProjectError(UserError):
    """The project folder cannot be used."""


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def config_file(self) -> Path | None:
        """translate.toml when the project has one (else built-in defaults)."""
        path = self.root / CONFIG_FILE
        return path if path.is_file() else None

    @property
    def source_dir(self) -> Path:
        return self.root / "source"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    def articles(self) -> list[Path]:
        """source/*.md, sorted; an error that says what to do when there is none."""
        found = sorted(self.source_dir.glob("*.md")) if self.source_dir.is_dir() else []
        if not found:
            raise ProjectError(f"no articles in {self.source_dir}",
                               "name one (translate publish article.md) or create a project with translate init")
        return found


def is_reserved_slug(slug: str) -> bool:
    """True when ``slug`` names something the tool writes at the top of the
    output folder (SITE_NAMES, a language key)."""
    return slug.casefold() in {name.casefold() for name in (*SITE_NAMES, *ALL)}


def article_work_dir(article_folder: Path) -> Path:
    """output/.work/<slug>/ for the article folder output/<slug>/: its lock,
    staged files and review pages."""
    folder = Path(article_folder)
    return folder.parent / WORK_DIR / folder.name


def find(start: str | Path | None = None) -> Project:
    """The project that ``start`` (default: the current folder) lies in."""
    here = Path(start if start is not None else os.getcwd()).expanduser().absolute()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return Project(folder)
    return Project(here)


def at(folder: str | Path) -> Project:
    """The project named by ``-C DIR``: that folder itself, which must exist."""
    path = Path(folder).expanduser().absolute()
    if not path.is_dir():
        raise ProjectError(f"-C {folder}: no such folder", "give an existing project folder (translate init DIR makes one)")
    return Project(path)
