"""The typefaces of each edition, taken from PyPI font packages (fontpkg-*)
so that no system font is assumed.

Arabic-script editions are set in Amiri, a Naskh face: with WeasyPrint 70,
faces that build dotted letters from shared base and dot glyphs (Noto Sans
Arabic) get a broken ToUnicode map (Kozea/WeasyPrint#2841) and lose letters
from the PDF text layer; Amiri's precomposed letters come back whole (see
translate.publishing.render.textlayer and docs/rendering.md for the figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import fontpkg

from translate.project.languages import Language
from translate.util import heavy


class FontMissing(Exception):
    """A font package is not installed; the message names the package."""


# Font package family names (fontpkg) -> PyPI distribution, for error messages.
PACKAGES = {
    "Amiri": "fontpkg-amiri",
    "Noto Serif": "fontpkg-noto-serif",
    "Noto Sans": "fontpkg-noto-sans",
    "Noto Sans Arabic": "fontpkg-noto-sans-arabic",
    "Source Code Pro": "fontpkg-source-code-pro",
}

# Each role lists font package families, first choice first; later ones only
# supply characters the first lacks (Latin names in Dari text come from Amiri,
# which has Latin letters of its own). Source Code Pro sets code and, last in
# every stack, draws the arrows and bullets the text faces lack (→ in "en→ru",
# ◦ of nested lists): with no system font to fall back on, each character the
# pages use must be in one of these.
MONO = "Source Code Pro"
_ARABIC_SCRIPT = ("Amiri", "Noto Serif", MONO)


def roles(lang: Language) -> dict[str, tuple[str, ...]]:
    """The edition's typefaces: "body" for the text, "chrome" for headers,
    footers and labels, "mono" for code."""
    if lang.direction == "rtl":
        return {"body": _ARABIC_SCRIPT, "chrome": _ARABIC_SCRIPT, "mono": (MONO, "Amiri", "Noto Serif")}
    return {"body": ("Noto Serif", MONO), "chrome": ("Noto Sans", "Noto Serif", MONO),
            "mono": (MONO, "Noto Sans")}


def css_family(family: str) -> str:
    """The name a font package family gets in our @font-face rules: distinct
    from system font names, so that fontconfig never substitutes a system copy."""
    return f"Pkg {family}"


@dataclass(frozen=True)
class FontFile:
    family: str      # the package's family name, e.g. "Amiri"
    path: Path
    weight: str      # "400", or a range "100 900" for variable fonts
    style: str       # "normal" or "italic"


@lru_cache(maxsize=None)
def family_files(family: str) -> tuple[FontFile, ...]:
    """Every font file of an installed font package family."""

    try:
        fam = fontpkg.family(family)
    except fontpkg.FontpkgError:
        package = PACKAGES.get(family, "the fontpkg package for " + family)
        raise FontMissing(f"font {family!r} is not installed: pip install {package}") from None
    files = []
    for entry in fam.files:
        if entry.variable and entry.wght_min is not None:
            weight = f"{entry.wght_min} {entry.wght_max}"
        else:
            weight = str(entry.weight or 400)
        files.append(FontFile(fam.name, Path(entry.path).resolve(), weight, entry.style))
    missing = [f.path for f in files if not f.path.is_file()]
    if missing or not files:
        raise FontMissing(f"font {family!r} is incomplete ({missing[0] if missing else 'no files'}): "
                          f"reinstall {PACKAGES.get(family, family)}")
    return tuple(files)


def families(lang: Language) -> list[str]:
    """Every font package family the edition uses, without duplicates."""
    return list(dict.fromkeys(f for stack in roles(lang).values() for f in stack))


def font_files(lang: Language) -> list[FontFile]:
    """The files of every family the edition uses."""
    seen: dict[Path, FontFile] = {}
    for family in families(lang):
        for file in family_files(family):
            seen.setdefault(file.path, file)
    return list(seen.values())


def font_dirs(lang: Language) -> list[Path]:
    """Folders the PDF renderer may read fonts from."""
    return sorted({f.path.parent for f in font_files(lang)})


def pdf_font_name(family: str) -> str:
    """The prefix of the name WeasyPrint gives an embedded font of ``family``
    ("Pkg-Noto-Serif", then "-Bold"...; pdffonts adds a subset tag "ABCDEF+")."""
    return css_family(family).replace(" ", "-")


@lru_cache(maxsize=None)
def family_cmap(family: str) -> frozenset[int]:
    """Code points every style of a family can draw (bold headings need them too)."""
    TTFont = heavy.fonttools_ttlib().TTFont
    covered: frozenset[int] | None = None
    for file in family_files(family):
        with TTFont(file.path, lazy=True) as font:
            cmap = frozenset(font.getBestCmap() or {})
        covered = cmap if covered is None else covered & cmap
    return covered or frozenset()
