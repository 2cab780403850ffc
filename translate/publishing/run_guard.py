"""Guards of a publish run over several articles: one article's failure is
reported and the others are still published; no article silently replaces
another.

publish_article (translate.cli.publish) calls ``check_targets`` and
``check_not_replacing`` under the article's lock; the per-article loop calls
``unexpected`` for an exception that is no UserError.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from translate.errors import UserError
from translate.project.folder import BUNDLES_FOLDER, FONTS_FOLDER, is_reserved_slug
from translate.project.languages import ALL
from translate.util.files import unwritable
from translate.util.untrusted import display, display_path


class SlugTaken(UserError):
    """Two articles would be published in the same output folder."""


def unexpected(source: Path, err: Exception) -> UserError:
    """A one-line report of an exception nobody foresaw while publishing ``source``.
    Staged files were removed on the way out and nothing of this article was
    renamed into place (article_folder.Article.write renames only after everything
    rendered)."""
    if isinstance(err, RecursionError):
        return UserError(f"{display_path(source)}: the article is nested too deeply to typeset "
                         "(hundreds of emphasis markers, quotes or lists inside each other); "
                         "its published files were left as they were",
                         "flatten the nesting in the article")
    if isinstance(err, MemoryError):
        return UserError(f"{display_path(source)}: out of memory while publishing it; its published files were "
                         "left as they were", "split the article, or close other programs")
    first = str(err).strip().splitlines()
    detail = display(first[0], 160) if first else ""
    return UserError(f"{display_path(source)}: unexpected {type(err).__name__}"
                     f"{': ' + detail if detail else ''} while publishing it; its published files were left "
                     "as they were", "the other articles were still published; please report this with the article")


def check_targets(folder: Path, files: list[Path]) -> None:
    """Refuse, before any translation, when a file this run writes is a folder
    (an ``index.html`` made a folder by hand), or goes in a folder that cannot
    be written (a read-only mount, an immutable folder): the renames would fail."""
    for path in files:
        if path.is_dir() and not path.is_symlink():
            raise UserError(f"{display_path(path)} is a folder, but the article's file of that name goes there; "
                            "nothing was published", "move the folder away")
    for parent in dict.fromkeys(path.parent for path in files):
        problem = unwritable(parent) if parent.is_dir() else None
        if problem is not None:
            raise UserError(f"cannot write {display_path(parent)}: {problem.strerror}; nothing was published, the "
                            "published files were left as they were", "make the folder writable, or choose another "
                            "--output")


def check_slug_not_reserved(source: Path, slug: str, from_file_name: bool) -> None:
    """Refuse, before anything is written, a slug that names one of the site's
    own files or folders (translate.project.folder.SITE_NAMES, a language key):
    the site step would delete or overwrite the article's files, or fail."""
    if is_reserved_slug(slug):
        raise UserError(f"{display_path(source)}: its slug {display(slug)!r} is the name of a file or folder the "
                        f"site writes in the output folder (the language folders {', '.join(ALL)}; index.html, "
                        "feed.atom, publisher.pub, bundles/); nothing was published",
                        "rename the file or set slug: in the front matter" if from_file_name
                        else "change slug: in the front matter")


def check_real_folders(folder: Path, work: Path) -> None:
    """Refuse an article folder, any folder in it (editions, media, fonts),
    or its work folder that is a symbolic link: its files would be written
    wherever it points, outside the output folder."""
    inside = []
    if folder.is_dir() and not folder.is_symlink():
        # links to folders are listed among the folders, not followed (a
        # published file that is a link is replaced by a file, never written through)
        for parent, dirs, _ in os.walk(folder):
            inside += [Path(parent) / name for name in dirs]
    # the site's shared folders beside the articles too: output/fonts/ (every page's web
    # fonts, issue 30) and output/bundles/ (remade after a signed publish)
    shared = (folder.parent / FONTS_FOLDER, folder.parent / BUNDLES_FOLDER)
    refuse_links((folder, *(folder / name for name in (*ALL, "media")), *inside, *shared, work.parent, work))


def refuse_links(paths) -> None:
    """UserError for the first of ``paths`` that is a symbolic link: what is
    published goes only into real folders inside the output folder (the
    article step and the site step check the folders they write into)."""
    for path in paths:
        if path.is_symlink():
            raise UserError(f"{display_path(path)} is a symbolic link (to {display_path(os.readlink(path))}): an "
                            "article's files are written only into real folders inside the output folder; nothing "
                            "was published", "remove the link, or choose another --output")


def check_work_folder(work: Path) -> None:
    """Refuse, before any translation, when output/.work or its article folder is a file."""
    for path in (work.parent, work):
        if path.exists() and not path.is_dir():
            raise UserError(f"{display_path(path)} is a file, but publish keeps its working files (lock, staged "
                            "files) in a folder of that name; nothing was published", "move the file away")


def previous_source(folder: Path) -> str | None:
    """The source file name the last publish in ``folder`` recorded (manifest.json)."""
    try:
        manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
        source = manifest.get("article", {}).get("source")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    return source if isinstance(source, str) else None


def check_not_replacing(folder: Path, source: Path, slug: str, replace: bool) -> None:
    """Refuse to publish ``source`` over an article published from another file
    (two articles with one slug), unless ``replace`` says it is meant."""
    before = previous_source(folder)
    if replace or before is None or before == Path(source).name:
        return
    raise SlugTaken(f"{display_path(source)}: its slug {display(slug)!r} is the slug of the article already "
                    f"published from {display(before)} in {display_path(folder)}; publishing would replace it",
                    "set another slug: in its front matter, or publish with --replace to replace that article "
                    "on purpose")


class SlugsOfRun:
    """Slugs seen so far in one run: two sources with one slug would write
    the same folder, the second silently replacing the first."""

    def __init__(self):
        self.sources: dict[str, Path] = {}

    def claim(self, slug: str, source: Path) -> None:
        first = self.sources.setdefault(slug, Path(source))
        if first != Path(source):
            raise SlugTaken(f"{display_path(source)}: its slug {display(slug)!r} is also the slug of "
                            f"{display_path(first)} in this run; it was not published",
                            "give one of them another slug: in its front matter")
