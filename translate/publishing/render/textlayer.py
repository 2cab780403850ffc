"""Checks of what a reader's tools get out of an edition: the share of its
letters that PDF text extractors recover, and the characters our fonts lack.

The text layer is what copy and paste, search and screen readers use. A face
whose glyphs WeasyPrint maps back to the wrong characters (Kozea/WeasyPrint#2841)
looks right on paper and reads wrong everywhere else, so it is measured here,
with poppler's pdftotext and with pypdf.

It also reads what a PDF declares for assistive technology and which fonts
it embeds (pdf_structure), so that `translate doctor` can check a published
PDF as a reader's tools see it.

Public API: text_layer_share(), font_coverage(), extract_text(), letters(),
pdf_structure(), foreign_fonts().
"""

from __future__ import annotations

import difflib
import io
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

from translate.project.languages import Language
from translate.publishing.render import fonts
from translate.util import heavy

EXTRACTORS = ("pdftotext", "pypdf")


def letters(text: str) -> str:
    """The letters, combining marks and digits of ``text`` in order (NFC):
    what a text layer must give back. Whitespace, punctuation and format
    characters (bidi controls, ZWNJ) are left out: extractors differ in how
    they space and place them without losing any reading matter."""
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LMN")


def _pdf_bytes(pdf: bytes | str | Path) -> bytes:
    if isinstance(pdf, (bytes, bytearray)):
        return bytes(pdf)
    return Path(pdf).read_bytes()


def extract_text(pdf: bytes | str | Path, extractor: str) -> str | None:
    """The PDF's text as ``extractor`` ("pdftotext" or "pypdf") reads it, or
    None when that extractor is not installed."""
    data = _pdf_bytes(pdf)
    if extractor == "pdftotext":
        exe = shutil.which("pdftotext")
        if exe is None:
            return None
        result = subprocess.run([exe, "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                                timeout=120, check=False)
        if result.returncode != 0:
            raise ValueError(f"pdftotext could not read the PDF: {result.stderr.decode(errors='replace').strip()}")
        return result.stdout.decode("utf-8", errors="replace")
    if extractor == "pypdf":
        reader = heavy.pypdf().PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    raise ValueError(f"unknown extractor {extractor!r}: use one of {', '.join(EXTRACTORS)}")


def recovered_share(expected: str, extracted: str) -> float:
    """Share of the letters of ``expected`` found in ``extracted`` in the same
    order (matching blocks of a longest-common-subsequence style alignment)."""
    want, got = letters(expected), letters(extracted)
    if not want:
        return 1.0
    matcher = difflib.SequenceMatcher(None, want, got, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(want)


def text_layer_share(pdf: bytes | str | Path, expected_text: str,
                     extractors: tuple[str, ...] = EXTRACTORS) -> dict[str, float | None]:
    """Per extractor, the share (0..1) of the letters of ``expected_text``
    that it recovers from ``pdf`` (bytes or a path), in reading order;
    None for an extractor that is not installed (pdftotext: poppler-utils).

    >>> text_layer_share(pdf_bytes, "دادگاه عالی روسیه ...")   # doctest: +SKIP
    {'pdftotext': 1.0, 'pypdf': 0.997}
    """
    data = _pdf_bytes(pdf)
    shares: dict[str, float | None] = {}
    for extractor in extractors:
        text = extract_text(data, extractor)
        shares[extractor] = None if text is None else recovered_share(expected_text, text)
    return shares


def _ignorable(ch: str) -> bool:
    # Controls and format characters (bidi controls, ZWNJ, ZWJ, soft hyphen)
    # are never drawn with a glyph; line breaks and tabs are layout.
    return unicodedata.category(ch) in ("Cc", "Cf")


def font_coverage(text: str, lang: Language) -> list[str]:
    """The distinct characters of ``text`` that none of the edition's fonts
    can draw, in order of first appearance (empty when all are covered).

    A missing character would be drawn with a system font or as a box.
    """
    covered: set[int] = set()
    for family in fonts.families(lang):
        covered |= fonts.family_cmap(family)
    missing: dict[str, None] = {}
    for ch in text:
        if ch not in missing and not _ignorable(ch) and ord(ch) not in covered:
            missing[ch] = None
    return list(missing)


def describe(ch: str) -> str:
    """"U+0652 ARABIC SUKUN (ْ)": how a report names a character."""
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'UNNAMED')} ({ch})"


SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")


def pdf_structure(pdf: bytes | str | Path) -> dict:
    """What a PDF declares for readers' tools, as pypdf reads it:
    {"tagged": structure tree and /MarkInfo /Marked true, "lang": /Lang,
    "direction": /ViewerPreferences /Direction ("R2L", "L2R" or None),
    "display_doc_title": bool, "title": /Title, "fonts": sorted embedded font
    names without their subset tag ("Pkg-Amiri-Bold"), "element_langs": the
    /Lang values of structure elements (foreign runs)}."""
    reader = heavy.pypdf().PdfReader(io.BytesIO(_pdf_bytes(pdf)))
    root = reader.trailer["/Root"]
    mark_info = root.get("/MarkInfo") or {}
    preferences = root.get("/ViewerPreferences") or {}
    direction = preferences.get("/Direction")
    names: set[str] = set()
    for page in reader.pages:
        fonts_dict = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts_dict.values():
            font = ref.get_object()
            for item in (font, *(d.get_object() for d in font.get("/DescendantFonts") or [])):
                if "/BaseFont" in item:
                    names.add(SUBSET_TAG.sub("", str(item["/BaseFont"]).lstrip("/")))
    element_langs: set[str] = set()
    pending = [root["/StructTreeRoot"].get_object()] if "/StructTreeRoot" in root else []
    while pending:
        node = pending.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            pending.extend(node)
        elif hasattr(node, "get"):
            if "/Lang" in node and node.get("/Type") == "/StructElem":
                element_langs.add(str(node["/Lang"]))
            if node.get("/K") is not None:
                pending.append(node["/K"])
    return {
        "tagged": "/StructTreeRoot" in root and bool(mark_info.get("/Marked")),
        "element_langs": sorted(element_langs),
        "lang": str(root["/Lang"]) if "/Lang" in root else None,
        "direction": str(direction).lstrip("/") if direction is not None else None,
        "display_doc_title": bool(preferences.get("/DisplayDocTitle")),
        "title": (reader.metadata or {}).get("/Title"),
        "fonts": sorted(names),
    }


def foreign_fonts(font_names: list[str]) -> list[str]:
    """The embedded font names (from pdf_structure) that are none of the
    packaged families: a system font the renderer must not have used."""
    prefixes = [fonts.pdf_font_name(family) for family in fonts.PACKAGES]
    return [name for name in font_names
            if not any(name == prefix or name.startswith(prefix + "-") for prefix in prefixes)]
