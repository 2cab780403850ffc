"""A published PDF as the checks read it, each reading made once:

- its text as each extractor gives it (poppler's pdftotext, pypdf), per page;
- where each word lies on its page (pdftotext -bbox);
- its link annotations, in order (web addresses and the footnotes' internal links);
- the kinds of its structure elements (WeasyPrint tags H2, Table, TR, TD, L, LI...);
- the glyphs its fonts lack: WeasyPrint gives a font with missing glyphs a
  "Custom" encoding (its CMap WP-Encod-0) that sends those codes to glyph 0,
  the box readers see; the font's ToUnicode map says which characters they are.
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cached_property

from translate.publishing.render.textlayer import SUBSET_TAG, extract_text
from translate.util import heavy


@dataclass
class LaidPage:
    """One page: its size and its words (text, x0, y0, x1, y1), in points from the bottom left."""

    number: int
    width: float
    height: float
    words: list = field(default_factory=list)


@dataclass
class MissingGlyph:
    char: str
    font: str
    pages: list[int]


_CID_CHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*(\d+)")
_BF_CHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


class Pdf:
    def __init__(self, data: bytes):
        self.data = data

    @cached_property
    def reader(self):
        return heavy.pypdf().PdfReader(io.BytesIO(self.data))

    def text(self, extractor: str) -> str | None:
        """The whole text as ``extractor`` gives it (None: not installed)."""
        if extractor not in self._texts:
            self._texts[extractor] = extract_text(self.data, extractor)
        return self._texts[extractor]

    @cached_property
    def _texts(self) -> dict:
        return {}

    def pages(self, extractor: str) -> list[str] | None:
        """Each page's text as ``extractor`` gives it (None: not installed)."""
        if extractor == "pypdf":
            return [page.extract_text() or "" for page in self.reader.pages]
        text = self.text(extractor)
        return None if text is None else text.split("\f")[: len(self.reader.pages)]

    @cached_property
    def page_texts(self) -> list[str]:
        """pdftotext's text of each page (pypdf's when poppler is missing)."""
        return self.pages("pdftotext") or self.pages("pypdf")

    @cached_property
    def links(self) -> list[tuple[int, str]]:
        """(page, target) of each link, in order: a web address, or "#name" for an
        internal one. A link broken over lines has an annotation per piece: one
        run of pieces with the same target is one link."""
        found: list[tuple[int, str]] = []
        for number, page in enumerate(self.reader.pages, 1):
            last = None
            for annot in page.get("/Annots") or []:
                annot = annot.get_object()
                if annot.get("/Subtype") != "/Link":
                    continue
                action = annot.get("/A")
                action = action.get_object() if action is not None else {}
                target = action.get("/URI") if action.get("/URI") is not None else annot.get("/Dest")
                if target is None and action.get("/D") is not None:
                    target = action.get("/D")
                target = str(target) if target is not None else ""
                target = target if action.get("/URI") is not None else "#" + target.lstrip("/")
                if target != last:
                    found.append((number, target))
                last = target
        return found

    @cached_property
    def destinations(self) -> set[str]:
        """The names internal links can go to (the footnotes' and references' ids)."""
        return {str(name).lstrip("/") for name in self.reader.named_destinations}

    @cached_property
    def tags(self) -> list[str]:
        """The structure elements' kinds (/S without the slash), depth first."""
        root = self.reader.trailer["/Root"]
        if "/StructTreeRoot" not in root:
            return []
        out: list[str] = []
        pending = [root["/StructTreeRoot"].get_object().get("/K")]
        while pending:
            node = pending.pop()
            node = node.get_object() if hasattr(node, "get_object") else node
            if isinstance(node, list):
                pending.extend(reversed(node))
            elif hasattr(node, "get") and node.get("/S") is not None:
                out.append(str(node["/S"]).lstrip("/"))
                if node.get("/K") is not None:
                    pending.append(node["/K"])
        return out

    @cached_property
    def font_names(self) -> list[str]:
        """The embedded fonts' names without their subset tag ("Pkg-Amiri-Bold")."""
        self.missing_glyphs   # noqa: B018 - reads the fonts
        return sorted(self._font_names)

    @cached_property
    def missing_glyphs(self) -> list[MissingGlyph]:
        """Characters drawn with glyph 0 (a box), by font, with the pages using that font."""
        found: dict[tuple[str, str], MissingGlyph] = {}
        self._font_names: set[str] = set()
        for number, page in enumerate(self.reader.pages, 1):
            fonts = (page.get("/Resources") or {}).get("/Font") or {}
            for ref in fonts.values():
                font = ref.get_object()
                name = SUBSET_TAG.sub("", str(font.get("/BaseFont", "")).lstrip("/"))
                self._font_names.add(name)
                for char in _notdef_chars(font):
                    entry = found.setdefault((name, char), MissingGlyph(char, name, []))
                    if number not in entry.pages:
                        entry.pages.append(number)
        return list(found.values())

    @cached_property
    def layout(self) -> list[LaidPage] | None:
        """Every page's words, where they lie (poppler's pdftotext -bbox; None
        when it is not installed)."""
        exe = shutil.which("pdftotext")
        if exe is None:
            return None
        result = subprocess.run([exe, "-bbox", "-enc", "UTF-8", "-", "-"], input=self.data, capture_output=True,
                                timeout=120, check=False)
        if result.returncode != 0:
            raise ValueError(f"pdftotext could not read the PDF: {result.stderr.decode(errors='replace').strip()}")
        pages: list[LaidPage] = []
        for line in result.stdout.decode("utf-8", errors="replace").splitlines():
            page = _PAGE.search(line)
            if page:
                pages.append(LaidPage(len(pages) + 1, float(page.group(1)), float(page.group(2))))
                continue
            word = _WORD.search(line)
            if word and pages:
                x0, top, x1, bottom = (float(word.group(i)) for i in range(1, 5))
                height = pages[-1].height
                pages[-1].words.append((html.unescape(word.group(5)), x0, height - bottom, x1, height - top))
        return pages


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)"')
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>')


def _notdef_chars(font) -> list[str]:
    """The characters a WeasyPrint font draws with glyph 0 (see the module's docstring)."""
    encoding = font.get("/Encoding")
    encoding = encoding.get_object() if encoding is not None else None
    if encoding is None or not hasattr(encoding, "get_data") or "/ToUnicode" not in font:
        return []
    codes = [code for code, cid in _CID_CHAR.findall(encoding.get_data()) if int(cid) == 0]
    if not codes:
        return []
    to_unicode = {int(code, 16): text for code, text in _BF_CHAR.findall(font["/ToUnicode"].get_object().get_data())}
    out = []
    for code in codes:
        text = to_unicode.get(int(code, 16))
        if text:
            out.append(bytes.fromhex(text.decode()).decode("utf-16-be", errors="replace"))
    return out
