"""Web fonts of the HTML pages: the packaged faces (translate.publishing.render.fonts),
subset with fontTools to the characters the site's editions are written in
and compressed to WOFF2, so that a page looks the same in a browser that has
no Pashto, Dari or Cyrillic font of its own.

The subset is one repertoire for the whole site (SITE_REPERTOIRE: the Latin,
Cyrillic and Arabic letters of our five languages, digits, the punctuation,
currency signs, arrows and bullets the pages use), not the text of one page.
So every page of every article references the same files, whose names carry a
hash of their content: a page rendered by an earlier run still finds its
fonts, and a browser caches them once for the site. A character outside the
repertoire falls back to the reader's own fonts; `translate doctor` reports
it (uncovered_characters). Making the files takes seconds (subsetting,
pinning the width axis of the variable faces, WOFF2's Brotli compression:
17 s for a site's eight), so the package ships them made in advance from the
font packages it pins (PREBUILT, made by
translate.publishing.render.webfont_prebuild); a file the package lacks
(another font package version, a changed recipe) is made once and kept in a
cache folder (user_folders.font_cache_dir) between runs.

Public API: page_fonts(), font_face_css(), site_files(), uncovered_characters(),
FOLDER; for making the files ahead of use: page_font_files(), web_font(),
is_made(), make_woff2(), prebuilt_file(), PREBUILT.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources as importlib_resources
from typing import Iterable

from translate.project import user_folders
from translate.project.folder import FONTS_FOLDER
from translate.project.languages import Language
from translate.publishing.render import fonts
from translate.util import heavy
from translate.util.files import atomic_write

# Folder of the font files inside the output folder: output/fonts/, shared by every page.
FOLDER = FONTS_FOLDER


def _ranges(*spans: tuple[int, int]) -> frozenset[int]:
    return frozenset(cp for low, high in spans for cp in range(low, high + 1))


SITE_REPERTOIRE = _ranges(
    (0x0020, 0x007E),   # Basic Latin
    (0x00A0, 0x017F),   # Latin-1 Supplement, Latin Extended-A (names in every edition)
    (0x0218, 0x021B),   # Romanian comma-below letters
    (0x02BC, 0x02BC), (0x02C6, 0x02C7), (0x02DA, 0x02DC),
    (0x0300, 0x0301), (0x0306, 0x0306), (0x0308, 0x0308),   # combining marks used with Cyrillic (й, ё) and Latin
    (0x0400, 0x04FF),   # Cyrillic: Russian and Kazakh
    (0x0600, 0x06FF),   # Arabic: Dari and Pashto, Arabic-Indic digits
    (0x2000, 0x200F),   # spaces, ZWNJ/ZWJ, LRM/RLM
    (0x2010, 0x2027),   # dashes, quotes, bullets, ellipsis
    (0x202F, 0x203A),   # narrow no-break space, per mille, primes, angle quotes
    (0x2044, 0x2044), (0x20A0, 0x20C0),   # fraction slash, currency signs (₽ ₸ € ...)
    (0x2116, 0x2116), (0x2122, 0x2122),   # № ™
    (0x2190, 0x2193),   # arrows ("en→ru")
    (0x2212, 0x2212),   # minus sign
    (0x25AA, 0x25AB), (0x25CF, 0x25CF), (0x25E6, 0x25E6),   # list bullets ▪ ● ◦
    (0xFEFF, 0xFEFF),
)


@dataclass(frozen=True)
class WebFont:
    family: str          # the package family, e.g. "Amiri"
    weight: str          # "400", or a range "100 900" for a variable font
    style: str           # "normal" or "italic"
    name: str            # file name, with a hash of its content
    data: bytes          # the WOFF2 file
    unicodes: frozenset[int]   # code points it draws


def _slug(family: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", family.lower()).strip("-")


# Bump when the subsetting below changes: cached files of the old recipe are
# then not used.
_RECIPE = "1"

# The files made in advance, named like the cache's (_cache_key), in this
# package's data: used only where the installed font file is the one they were
# made from, so a different font package version never gets a stale subset.
PREBUILT = "prebuilt-webfonts"

# Families that pages set upright only (chrome and code): no italic file.
_UPRIGHT_ONLY = {"Noto Sans", fonts.MONO}


@lru_cache(maxsize=None)
def _cache_key(file: fonts.FontFile) -> str:
    digest = hashlib.sha256(_RECIPE.encode())
    digest.update(",".join(map(str, sorted(SITE_REPERTOIRE))).encode())
    digest.update(file.path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=None)
def web_font(file: fonts.FontFile) -> WebFont:
    """The web font of one font package file: shipped, cached, else made now."""
    TTFont = heavy.fonttools_ttlib().TTFont
    cached = user_folders.font_cache_dir() / f"{_cache_key(file)}.woff2"
    try:
        data = _prebuilt(file) or cached.read_bytes()
        with TTFont(io.BytesIO(data)) as font:
            unicodes = frozenset(font.getBestCmap() or {})
    except Exception:   # not cached yet, or a damaged cache file: make it again
        data = make_woff2(file)
        with TTFont(io.BytesIO(data)) as font:
            unicodes = frozenset(font.getBestCmap() or {})
        try:
            atomic_write(cached, data)
        except OSError:
            pass  # a read-only cache only costs time
    weight = file.weight.replace(" ", "-")
    name = f"{_slug(file.family)}-{weight}-{file.style}.{hashlib.sha256(data).hexdigest()[:12]}.woff2"
    return WebFont(file.family, file.weight, file.style, name, data, unicodes)


def prebuilt_file(file: fonts.FontFile):
    """Where the package keeps ``file``'s web font made in advance (it may not be there)."""
    return importlib_resources.files(__package__) / PREBUILT / f"{_cache_key(file)}.woff2"


def _prebuilt(file: fonts.FontFile) -> bytes | None:
    """``file``'s web font as the package ships it, or None."""
    shipped = prebuilt_file(file)
    return shipped.read_bytes() if shipped.is_file() else None


def is_made(file: fonts.FontFile) -> bool:
    """Whether ``file``'s web font is shipped or cached: using it costs no making."""
    cached = user_folders.font_cache_dir() / f"{_cache_key(file)}.woff2"
    return prebuilt_file(file).is_file() or cached.is_file()


def make_woff2(file: fonts.FontFile) -> bytes:
    """``file`` cut down to SITE_REPERTOIRE, as WOFF2: made now, which takes seconds."""
    subset, instancer = heavy.fonttools_subset(), heavy.fonttools_instancer()
    TTFont = heavy.fonttools_ttlib().TTFont
    # recalcTimestamp=False: the same input gives the same bytes (and file name).
    with TTFont(file.path, recalcTimestamp=False) as font:
        wanted = SITE_REPERTOIRE & set(font.getBestCmap() or {})
        options = subset.Options()
        options.layout_features = ["*"]      # Arabic shaping, kerning, ligatures
        options.name_IDs = ["*"]             # keep the licence and names
        options.notdef_outline = True
        options.flavor = "woff2"
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=wanted)
        subsetter.subset(font)
        axes = {axis.axisTag for axis in font["fvar"].axes} if "fvar" in font else set()
        if "wdth" in axes:
            # Only the weight axis is used: pinning the width halves the file.
            # In place: copying the font first took a third of the time.
            font = instancer.instantiateVariableFont(font, {"wdth": 100}, inplace=True)
        font.flavor = "woff2"
        buffer = io.BytesIO()
        font.save(buffer)
    return buffer.getvalue()


def page_families(langs: Iterable[Language]) -> list[str]:
    """Every packaged family a page showing text in ``langs`` references."""
    return list(dict.fromkeys(f for lang in langs for f in fonts.families(lang)))


def page_font_files(langs: Iterable[Language]) -> list[fonts.FontFile]:
    """The font package files whose web fonts a page showing text in ``langs`` references."""
    return [file for family in page_families(langs) for file in fonts.family_files(family)
            if file.style == "normal" or family not in _UPRIGHT_ONLY]


def page_fonts(langs: Iterable[Language]) -> list[WebFont]:
    """The web font files of a page that shows text in ``langs`` (an edition:
    its language; the index page: every edition's)."""
    return [web_font(file) for file in page_font_files(langs)]


def font_face_css(web_fonts: Iterable[WebFont], href_prefix: str) -> str:
    """@font-face rules for ``web_fonts``, their files under ``href_prefix``
    (e.g. "../fonts/"), named as fonts.css_family() names them."""
    rules = []
    for font in web_fonts:
        rules.append(
            "@font-face {\n"
            f'  font-family: "{fonts.css_family(font.family)}";\n'
            f'  src: url("{href_prefix}{font.name}") format("woff2");\n'
            f"  font-weight: {font.weight};\n"
            f"  font-style: {font.style};\n"
            f"  unicode-range: {unicode_range(font.unicodes)};\n"
            "  font-display: swap;\n"
            "}\n")
    return "".join(rules)


def unicode_range(code_points: Iterable[int]) -> str:
    """A CSS unicode-range value ("U+20-7E, U+A0-17F, ..."): a browser then
    downloads a fallback face only for a page that has characters it draws."""
    spans: list[list[int]] = []
    for cp in sorted(code_points):
        if spans and cp == spans[-1][1] + 1:
            spans[-1][1] = cp
        else:
            spans.append([cp, cp])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in spans)


def site_files(langs: Iterable[Language]) -> dict[str, bytes]:
    """The font files an output folder with editions in ``langs`` needs:
    {"fonts/<name>": WOFF2 bytes}. The same for every run and article, so
    writing them again changes nothing."""
    return {f"{FOLDER}/{font.name}": font.data for font in page_fonts(langs)}


def uncovered_characters(text: str, langs: Iterable[Language]) -> list[str]:
    """Characters of ``text`` that no web font of the page draws (in order of
    first appearance): a browser without fonts of its own shows them as boxes."""
    covered: set[int] = set()
    for font in page_fonts(langs):
        covered |= font.unicodes
    missing: dict[str, None] = {}
    for ch in text:
        if ch in missing or ord(ch) in covered or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            continue
        missing[ch] = None
    return list(missing)
