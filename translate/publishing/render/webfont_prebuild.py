"""The web fonts made ahead of use (translate.publishing.render.webfonts makes them).

Making the eight WOFF2 files a site can reference takes some 17 s (0.5-3.5 s
each), which a new user would wait through on their first publish. So:

- In advance, in the repository:
  ``python -m translate.publishing.render.webfont_prebuild`` makes them from
  the installed font packages (the versions pyproject.toml pins) into
  translate/publishing/render/prebuilt-webfonts/, which the wheel ships.
  webfonts uses such a file only where the installed font file is the one it
  was made from (the name is a hash of the recipe, the repertoire and the font
  file), so another font package version is never given a stale subset.
  ``--check`` says whether the folder holds exactly what the fonts and the
  recipe call for (tests/test_webfont_prebuild.py runs it).
- At run time, before pages are rendered: a publish makes the files it
  needs that are neither shipped nor cached (``pending``) one at a time,
  with progress, in the process that runs the command
  (translate.publishing.run); the render workers then read them from the
  cache instead of each making them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Iterable

from translate.project.languages import ALL, Language
from translate.publishing.render import fonts, webfonts
from translate.util.files import atomic_write


def pending(langs: Iterable[Language]) -> list[fonts.FontFile]:
    """The font files of pages in ``langs`` whose web font would have to be made now."""
    return [file for file in webfonts.page_font_files(langs) if not webfonts.is_made(file)]


def describe(file: fonts.FontFile) -> str:
    """"Noto Serif italic", "Amiri 700": the face, for a progress line."""
    weight = "" if " " in file.weight or file.weight == "400" else f" {file.weight}"
    return f"{file.family}{weight}" + ("" if file.style == "normal" else f" {file.style}")


# --- in advance, in the repository --------------------------------------------------------


def site_font_files() -> list[fonts.FontFile]:
    """Every font file whose web font a page of any edition (or an index of
    all of them) references."""
    return webfonts.page_font_files(ALL.values())


def folder() -> Path:
    """translate/publishing/render/prebuilt-webfonts of this checkout (or install)."""
    return Path(__file__).resolve().parent / webfonts.PREBUILT


def expected() -> dict[str, fonts.FontFile]:
    """{file name in the folder: the font file it is made from}."""
    return {webfonts.prebuilt_file(file).name: file for file in site_font_files()}


def differences() -> list[str]:
    """What the folder lacks or holds in excess, one line each; [] when current."""
    want = expected()
    have = {path.name for path in folder().glob("*.woff2")} if folder().is_dir() else set()
    return ([f"missing {name} ({describe(file)}, {file.path.name})" for name, file in want.items()
             if name not in have]
            + [f"stale {name} (made from no installed font file)" for name in sorted(have - set(want))])


def write() -> list[str]:
    """Make every file the folder should hold and remove the stale ones;
    returns one line per change."""
    want = expected()
    changes = []
    for name, file in want.items():
        target = folder() / name
        if not target.is_file():
            atomic_write(target, webfonts.make_woff2(file))
            changes.append(f"made {name} ({describe(file)}, {file.path.name})")
    for path in sorted(folder().glob("*.woff2")):
        if path.name not in want:
            path.unlink()
            changes.append(f"removed {path.name}")
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m translate.publishing.render.webfont_prebuild",
        description="Make the web fonts the package ships (translate/publishing/render/prebuilt-webfonts) from the "
                    "installed font packages; run after changing a font package version, the repertoire "
                    "or the subsetting recipe, and commit the folder.")
    parser.add_argument("--check", action="store_true", help="only say what is missing or stale; exit 1 if any")
    args = parser.parse_args(argv)
    lines = differences() if args.check else write()
    for line in lines:
        print(line)
    if args.check:
        return 1 if lines else 0
    print(f"{folder()}: {len(expected())} files, current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
