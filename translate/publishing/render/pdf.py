"""PDF writer: an edition's HTML page typeset on A4 by WeasyPrint.

The print stylesheet (translate/templates/print.css) adds the packaged fonts,
a running header with the article title, page numbers in the edition's digits
("Page X of Y" from the gettext catalogue), the machine-translation notice in
the footer and the address of every external link after its text. WeasyPrint
may read nothing but those fonts: AssetFetcher refuses network URLs, data:
URLs and every file outside the font packages and the templates folder, so
that nothing in an article can make the renderer fetch; and its fontconfig
sees only the font packages' folders (private_fontconfig), so that a character
the packaged fonts lack prints as a box and is caught, instead of being drawn
silently with a system font.

The PDF is tagged (PDF/UA-1: structure tree, /Lang, the title shown in the
window) and a right-to-left edition declares its reading order
(/ViewerPreferences /Direction /R2L).

Public API: render_pdf().
"""

from __future__ import annotations

import atexit
import io
import logging
import mimetypes
import os
import re
import shutil
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname
from xml.sax.saxutils import escape as xml_escape

import pydyf
import weasyprint
from jinja2 import Environment, PackageLoader
from weasyprint.draw import text as draw_text
from weasyprint.formatting_structure import boxes
from weasyprint.pdf import tags
from weasyprint.text.ffi import pango
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from translate.project.languages import SOURCE, Language
from translate.publishing.render import bidi, fonts, l10n, page
from translate.publishing.render.html import GENERATOR, edition_notice, w3c_date
from translate.util import heavy

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

log = logging.getLogger(__name__)


class RefusedResource(ValueError):
    """A URL the PDF renderer may not read."""


class AssetFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that reads local files under ``allowed_dirs``
    only, and records every URL it refused in ``refused``."""

    def __init__(self, allowed_dirs, media: dict[str, bytes] | None = None):
        super().__init__(timeout=1, allowed_protocols=("file",), allow_redirects=False)
        self.allowed_dirs = tuple(Path(d).resolve() for d in allowed_dirs)
        self.media = dict(media or {})  # the article's checked images (translate.source.media), by URL
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url in self.media:
            mime, _ = mimetypes.guess_type(url)
            return URLFetcherResponse(url, self.media[url], {"Content-Type": mime or "application/octet-stream"})
        try:
            path = self._allowed_path(url)
        except RefusedResource:
            self.refused.append(url)
            raise
        mime, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime or "application/octet-stream"})

    def _allowed_path(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedResource(f"not fetched (only packaged fonts are): {url[:200]}")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not any(path.is_relative_to(root) for root in self.allowed_dirs) or not path.is_file():
            raise RefusedResource(f"not fetched (outside the package's assets): {url[:200]}")
        return path


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: quotes, backslashes, control characters
    and ``<>&`` escaped, so that no title can end the string, the rule or the
    <style> element that carries it."""
    out = []
    for ch in text:
        if ch in '"\\<>&' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"%\((page|pages)\)s")


def page_label_content(template: str, counter_style: str = "decimal") -> str:
    """A CSS ``content`` value for a "Page %(page)s of %(pages)s" string, with
    the numbers as counters in ``counter_style`` (the edition's digits: CSS
    counters cannot format numbers through Babel)."""
    parts = []
    pos = 0
    for match in _PLACEHOLDER.finditer(template):
        if match.start() > pos:
            parts.append(css_string(template[pos:match.start()]))
        parts.append(f"counter({match.group(1)}, {counter_style})")
        pos = match.end()
    if pos < len(template):
        parts.append(css_string(template[pos:]))
    return " ".join(parts) or f"counter(page, {counter_style})"


@dataclass(frozen=True)
class _Face:
    css_family: str
    url: str
    weight: str
    style: str


def _weights(file: fonts.FontFile) -> tuple[str, ...]:
    # WeasyPrint 70 rejects weight ranges in @font-face ("100 900"): a variable
    # font is declared once per weight the stylesheets use, and WeasyPrint
    # instantiates it at that weight when it embeds it.
    if " " in file.weight:
        low, high = (int(w) for w in file.weight.split())
        return tuple(str(w) for w in (400, 700) if low <= w <= high)
    return (file.weight,)


def _stack(families: tuple[str, ...]) -> str:
    return ", ".join(css_string(fonts.css_family(f)) for f in families)


# The running header is one line of small type: a title longer than this is
# cut at a word and ends in "…". (It is typeset on every page: the whole of a
# title of thousands of words made a PDF's time grow with its square.)
RUNNING_TITLE_CHARS = 100


def running_title(title: str) -> str:
    """The title as the running header shows it: one line, at most
    RUNNING_TITLE_CHARS characters, cut after a word where it can be."""
    shown = ""
    for word in re.finditer(r"\S+", title):
        joined = f"{shown} {word.group()}" if shown else word.group()
        if len(joined) > RUNNING_TITLE_CHARS:
            if len(shown) < RUNNING_TITLE_CHARS // 2:   # a very long word: cut inside it
                shown = joined[:RUNNING_TITLE_CHARS]
            return shown.rstrip(" ,;:.-–—") + "…"
        shown = joined
    return shown


_ENV = Environment(loader=PackageLoader("translate", "templates"), autoescape=False,
                   trim_blocks=True, lstrip_blocks=True)


def print_stylesheet(lang: Language, title: str, published: date | datetime | None = None,
                     glossary_checked: bool = True, reviewed: tuple[int, int] = (0, 0)) -> str:
    """The edition's print CSS (fonts, page boxes, typography)."""
    gettext = l10n.translations(lang).gettext
    page_label = gettext("Page %(page)s of %(pages)s")
    if lang.key == SOURCE.key:
        footer = gettext("Published %(date)s") % {"date": l10n.format_date(published, lang)} if published else ""
    else:
        footer = edition_notice(lang, glossary_checked, reviewed)
    faces = [_Face(fonts.css_family(f.family), f.path.as_uri(), weight, f.style)
             for f in fonts.font_files(lang) for weight in _weights(f)]
    stacks = fonts.roles(lang)
    rtl = lang.direction == "rtl"
    return _ENV.get_template("print.css").render(
        faces=faces,
        body_stack=_stack(stacks["body"]),
        chrome_stack=_stack(stacks["chrome"]),
        mono_stack=_stack(stacks["mono"]),
        running_header=css_string(bidi.isolate_plain(running_title(title), lang.direction)),
        footer_note=css_string(footer),
        page_label=page_label_content(page_label, l10n.counter_style(lang)),
        start_side="right" if rtl else "left",
        end_side="left" if rtl else "right",
        # Amiri's letters are small on their body and tall: a larger size and
        # more leading give Arabic script the colour of the Latin editions.
        body_size="12.5pt" if rtl else "11pt",
        line_height="1.75" if rtl else "1.5",
        chrome_size="9pt" if rtl else "7.5pt",
        page_margin=page.css_margin(),
    )


def _tag_element_languages() -> None:
    """Give each structure element whose HTML element has a ``lang`` (Latin
    runs in Dari and Pashto text, see html.render_inline) that /Lang, so that
    a screen reader switches voice. WeasyPrint 70 writes /Lang for the
    document only; this wraps its private tree builder, which calls itself
    through the module name, and leaves the tree as it is if that changes."""
    build = getattr(tags, "_build_box_tree", None)
    if build is None or getattr(build, "_sets_lang", False):
        return

    def build_with_lang(box, parent, *args):
        element_tag = getattr(box, "element_tag", None)
        own = (getattr(box, "element", None) is not None and element_tag not in ("html", "body")
               and not isinstance(box, (boxes.PageBox, boxes.MarginBox)))
        lang = box.element.get("lang") if own else None
        for element in build(box, parent, *args):
            if lang and "Lang" not in element:
                element["Lang"] = pydyf.String(lang)
            yield element

    build_with_lang._sets_lang = True
    tags._build_box_tree = build_with_lang


_tag_element_languages()

# The zero-width non-joiner, which Dari and Pashto spell with (راه‌آهن).
ZWNJ = "\u200c"
# Characters whose glyph is empty and zero-width in the packaged faces, and
# which articles do not hold: one of them stands in for a ZWNJ (below).
_INVISIBLE = (0xFEFF, 0x200B)


def _joiner_glyphs(stream, line, layout_text: str) -> None:
    """Pango lays a zero-width non-joiner out as its "empty glyph", which
    WeasyPrint leaves out of the PDF, so that copy and paste, search and
    screen readers read راه‌آهن as راهآهن. Each such glyph of ``line`` becomes
    an empty glyph of the font (that of U+FEFF: the font's own ZWNJ glyph is
    a visible mark in Amiri), mapped to the ZWNJ in the text layer."""
    text = None
    run = line.runs[0] if line.runs != draw_text.ffi.NULL else draw_text.ffi.NULL
    while run != draw_text.ffi.NULL:
        glyph_item = run.data
        run = run.next
        glyphs = glyph_item.glyphs
        for i in range(glyphs.num_glyphs):
            info = glyphs.glyphs[i]
            if info.glyph != pango.PANGO_GLYPH_EMPTY or info.geometry.width != 0:
                continue
            text = text if text is not None else layout_text.encode()
            start = glyph_item.item.offset + glyphs.log_clusters[i]
            if text[start:start + 3] != ZWNJ.encode():
                continue
            font, _ = stream.add_font(glyph_item.item.analysis.font)
            glyph = _empty_glyph(font)
            if glyph is not None and font.to_unicode.setdefault(glyph, ZWNJ) == ZWNJ:
                info.glyph = glyph


def _empty_glyph(font) -> int | None:
    """The id of a glyph of a WeasyPrint font that draws nothing (its file, read once)."""
    if font.hash not in _EMPTY:
        ttfont = heavy.fonttools_ttlib().TTFont(io.BytesIO(font.file_content), fontNumber=font.index, lazy=True)
        cmap = ttfont.getBestCmap() or {}
        glyf = ttfont["glyf"] if "glyf" in ttfont else None
        names = [cmap[code] for code in _INVISIBLE if code in cmap]
        empty = [name for name in names if glyf is None or glyf[name].numberOfContours == 0]
        _EMPTY[font.hash] = ttfont.getGlyphID(empty[0]) if empty else None
    return _EMPTY[font.hash]


_EMPTY: dict[str, int | None] = {}


def _keep_joiners_in_text_layer() -> None:
    """Wrap WeasyPrint 70's line drawing (looked up through its module at
    each call) so that joiners reach the text layer (_joiner_glyphs); left as
    it is if that function changes."""
    original = getattr(draw_text, "draw_first_line", None)
    if original is None or getattr(original, "_keeps_joiners", False):
        return

    def draw_first_line(stream, textbox, *args):
        # as the original does first: setting it again then changes nothing,
        # and the line it lays out is the one changed here
        pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
        line, _ = textbox.pango_layout.get_first_line()
        _joiner_glyphs(stream, line, textbox.pango_layout.text)
        return original(stream, textbox, *args)

    draw_first_line._keeps_joiners = True
    draw_text.draw_first_line = draw_first_line


_keep_joiners_in_text_layer()

_FONTCONFIG_LOCK = threading.Lock()


@lru_cache(maxsize=None)
def _fontconfig_file(font_dirs: tuple[Path, ...]) -> Path:
    """A fonts.conf that lists ``font_dirs`` and nothing else (no system or
    user font folders, no include of the system configuration), with a
    private cache folder; removed when the process ends."""
    folder = Path(tempfile.mkdtemp(prefix="translate-fontconfig-"))
    atexit.register(shutil.rmtree, folder, True)
    dirs = "".join(f"  <dir>{xml_escape(str(d))}</dir>\n" for d in font_dirs)
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig>\n{dirs}  <cachedir>{xml_escape(str(folder / 'cache'))}</cachedir>\n</fontconfig>\n",
        encoding="utf-8")
    return config


@contextmanager
def private_fontconfig(lang: Language):
    """Within the block, fontconfig configurations created (FcInitLoadConfigAndFonts
    reads FONTCONFIG_FILE each time) see the edition's font packages only."""
    path = _fontconfig_file(tuple(fonts.font_dirs(lang)))
    with _FONTCONFIG_LOCK:
        before = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = str(path)
        try:
            yield path
        finally:
            if before is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = before


def _viewer_preferences(lang: Language):
    """A WeasyPrint finisher: the window shows the document title, and a
    right-to-left edition reads (and pages) from right to left."""
    def finish(document, pdf):
        preferences = pdf.catalog.get("ViewerPreferences") or pydyf.Dictionary()
        preferences["DisplayDocTitle"] = "true"
        if lang.direction == "rtl":
            preferences["Direction"] = "/R2L"
        pdf.catalog["ViewerPreferences"] = preferences
    return finish


def render_pdf(
    html: str,
    *,
    base_url: str | None = None,
    lang: Language,
    title: str,
    published: date | datetime,
    modified: date | datetime | None = None,
    glossary_checked: bool = True,
    media: dict[str, bytes] | None = None,
    reviewed: tuple[int, int] = (0, 0),
) -> bytes:
    """Typeset an edition's page (from render_html) as a tagged A4 PDF (PDF/UA-1).

    ``base_url`` resolves relative links (they are never fetched); ``title``
    goes to the running header and the PDF /Title; ``lang`` gives /Lang, the
    fonts, the page-number digits and the reading direction; ``published``
    (the article's date) the /CreationDate, ``modified`` (when the edition's
    text last changed; default: published) the /ModDate and the fonts' stamps. Fonts are embedded (subset). Resources other than the
    packaged fonts are not read: WeasyPrint logs a warning for each and
    leaves it out; the exception is ``media``, the article's images checked
    by translate.source.media, served from memory by their URLs in the page. The
    link to the original appears only when render_html made it absolute (it
    was given a site_url).
    """
    fetcher = AssetFetcher([*fonts.font_dirs(lang), TEMPLATES_DIR], media)
    with private_fontconfig(lang):
        font_config = FontConfiguration()
    # As the page's last <style>, not as a WeasyPrint user stylesheet: user
    # rules lose to the page's own (author) rules in the cascade.
    style = f"<style>\n{print_stylesheet(lang, title, published, glossary_checked, reviewed)}</style>\n"
    html, found = _HEAD_END.subn(lambda match: style + match.group(0), html, count=1)
    if not found:
        html = style + html
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        font_config=font_config, pdf_variant="pdf/ua-1")
    if fetcher.refused:
        log.info("PDF %s: %d resource(s) not fetched", lang.key, len(fetcher.refused))
    metadata = document.metadata
    metadata.title = " ".join(title.split())
    metadata.lang = lang.html_lang
    # /CreationDate: the article's date (the page's dcterms.created); /ModDate: its last correction
    metadata.modified = w3c_date(modified or published)
    metadata.created = w3c_date(published)
    metadata.generator = f"{GENERATOR} (WeasyPrint {weasyprint.__version__})"
    metadata.attachments = []   # <link rel=attachment> would embed files
    with _font_timestamps(modified or published):
        return document.write_pdf(pdf_variant="pdf/ua-1", finisher=_viewer_preferences(lang))


@contextmanager
def _font_timestamps(published: date | datetime):
    """fontTools stamps each embedded font subset's 'head' table with the time
    it is written, unless SOURCE_DATE_EPOCH names one (reproducible-builds):
    the same page rendered a second later was another PDF, and a signed
    edition could not be rebuilt byte for byte. The publication time is used,
    as for /CreationDate; a SOURCE_DATE_EPOCH the user set wins."""
    if os.environ.get("SOURCE_DATE_EPOCH") is not None:
        yield
        return
    moment = published if isinstance(published, datetime) else datetime.combine(published, time(), timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    os.environ["SOURCE_DATE_EPOCH"] = str(max(0, int(moment.timestamp())))
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
