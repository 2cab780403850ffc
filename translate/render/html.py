"""HTML writer: a Document becomes a standalone HTML5 page, and the editions
of an article get an index page.

Everything the page shows comes out of Jinja2 templates (translate/templates/)
with autoescaping on; the chrome strings come from the edition's gettext
catalogue, dates and numbers from Babel. Nothing from the document can become
live markup: text is escaped, raw HTML (blocks and inline tags) is dropped,
images not published beside the page (translate.media) become their alt text, and links keep only http(s), mailto and
relative targets.

Public API: render_html(), render_index().
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Iterable, Sequence
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from markupsafe import Markup, escape

from translate import __version__
from translate.document import Document, Segment
from translate.languages import SOURCE, Language
from translate.render import bidi, gfm, l10n

GENERATOR = f"newsroom-translate {__version__}"

SAFE_SCHEMES = ("http", "https", "mailto")

# Browsers drop these from URLs before reading the scheme ("java\tscript:").
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")


def safe_href(href: str | None) -> str | None:
    """``href`` if it is an http(s), mailto or relative link, else None."""
    if not href:
        return None
    cleaned = _URL_IGNORED.sub("", href)
    if not cleaned:
        return None
    scheme = urlsplit(cleaned).scheme.lower()
    if scheme:
        return href.strip() if scheme in SAFE_SCHEMES else None
    # No scheme urlsplit recognises; refuse anything a browser might still
    # read as one (a colon before the first / ? #).
    head = re.split(r"[/?#]", cleaned, maxsplit=1)[0]
    return None if ":" in head else href.strip()


# --- inline markup ---------------------------------------------------------

# Nesting order of ranges that cover the same text: outermost first.
_PRIORITY = {"link": 0, "strong": 1, "em": 2, "s": 3, "image": 4, "code": 5, "isolate": 6}
_TAGS = {"strong": "strong", "em": "em", "s": "s", "code": "code", "image": "span", "isolate": "span",
         "link": "a"}


@dataclass(frozen=True)
class _Range:
    start: int
    end: int
    kind: str
    attrs: tuple[tuple[str, str], ...]

    def sort_key(self):
        return (self.start, -self.end, _PRIORITY[self.kind])


def _open_tag(rng: _Range) -> Markup:
    attrs = "".join(Markup(' {}="{}"').format(name, value) for name, value in rng.attrs)
    return Markup("<{}{}>").format(Markup(_TAGS[rng.kind]), Markup(attrs))


def _close_tag(rng: _Range) -> Markup:
    return Markup("</{}>").format(Markup(_TAGS[rng.kind]))


def _ranges(segment: Segment, direction: str) -> list[_Range]:
    text_len = len(segment.text)
    ranges = []
    for mark in segment.marks:
        start, end = max(0, mark.start), min(text_len, mark.end)
        if start >= end or mark.kind not in _PRIORITY:
            continue
        attrs: list[tuple[str, str]] = []
        if mark.kind == "link":
            href = safe_href(mark.attrs.get("href"))
            if href is None:
                continue  # the text stays, the link goes
            attrs.append(("href", href))
            if mark.attrs.get("title"):
                attrs.append(("title", str(mark.attrs["title"])))
        elif mark.kind == "image":
            # Images are never fetched: the (translated) alt text stands in.
            attrs.append(("class", "image-alt"))
        ranges.append(_Range(start, end, mark.kind, tuple(attrs)))
    for start, end, kind in bidi.runs(segment.text, direction):
        attrs = (("class", "bidi-box"),) if kind == "box" else (("dir", kind),)
        ranges.append(_Range(start, end, "isolate", attrs))
    return ranges


def render_inline(segment: Segment, direction: str = "ltr", media_prefix: str = gfm.PAGE_PREFIX) -> Markup:
    """A segment's text as escaped HTML with its marks as elements, and runs of
    the other writing direction isolated in <span dir="..."> (see
    translate.render.bidi for those and the <span class="bidi-box"> runs).

    Overlapping marks are split so that elements nest; "html" marks (raw inline
    tags) are dropped and "break" marks become <br>; URLs, footnote references
    and published images come from translate.render.gfm (images found at
    ``media_prefix``).
    """
    segment = gfm.atomize_images(segment)
    text = segment.text
    ranges = _ranges(segment, direction)
    breaks: dict[int, int] = {}
    points: dict[int, list[Markup]] = {}
    for mark in segment.marks:
        if mark.kind == "break" and 0 <= mark.start <= len(text):
            breaks[mark.start] = breaks.get(mark.start, 0) + 1
        elif mark.kind in gfm.POINT_KINDS and 0 <= mark.start <= len(text):
            points.setdefault(mark.start, []).append(gfm.point_html(mark, safe_href, media_prefix))
    cuts = sorted({0, len(text), *breaks, *points, *(r.start for r in ranges), *(r.end for r in ranges)})
    out: list[str] = []
    stack: list[_Range] = []
    for pos, nxt in zip(cuts, cuts[1:] + [None]):
        if nxt is None:
            active = []
        else:
            active = sorted((r for r in ranges if r.start <= pos and r.end >= nxt), key=_Range.sort_key)
        keep = 0
        while keep < min(len(stack), len(active)) and stack[keep] is active[keep]:
            keep += 1
        for rng in reversed(stack[keep:]):
            out.append(_close_tag(rng))
        if breaks.get(pos):
            out.append(Markup("<br>\n") * breaks[pos])
        out.extend(points.get(pos, ()))
        for rng in active[keep:]:
            out.append(_open_tag(rng))
        stack = active
        if nxt is not None:
            out.append(escape(text[pos:nxt]))
    return Markup("").join(out)


def render_segments(segments: Sequence[Segment], direction: str, media_prefix: str = gfm.PAGE_PREFIX) -> Markup:
    """The sentences of one block joined by their original spacing."""
    parts = []
    for i, segment in enumerate(segments):
        parts.append(render_inline(segment, direction, media_prefix))
        if i < len(segments) - 1:
            parts.append(escape(segment.space_after or " "))
    return Markup("").join(parts)


# --- pages -----------------------------------------------------------------

@dataclass(frozen=True)
class EditionLink:
    lang: Language
    href: str | None
    current: bool


@lru_cache(maxsize=None)
def _environment(lang: Language) -> Environment:
    env = Environment(
        loader=PackageLoader("translate", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(l10n.translations(lang), newstyle=True)
    # The page's media_prefix (translate.media): "../media/" on the page, another in the PDF's copy.
    env.filters["segments"] = pass_context(lambda ctx, block, direction: render_segments(
        block.segments, direction, ctx.get("media_prefix", gfm.PAGE_PREFIX)))
    env.filters["inline"] = pass_context(lambda ctx, segment, direction="ltr": render_inline(
        segment, direction, ctx.get("media_prefix", gfm.PAGE_PREFIX)))
    env.filters["figure_parts"] = lambda block: dict(zip(block.attrs.get("parts", ()), block.segments))
    env.filters["date"] = lambda value, lg=lang: l10n.format_date(value, lg)
    env.filters["size"] = lambda value, lg=lang: l10n.format_size(value, lg)
    env.filters["number"] = lambda value, lg=lang: l10n.format_number(value, lg)
    env.filters["iso"] = w3c_date
    env.globals.update(counter_style=l10n.counter_style, body_font=_font_stack)
    return env


def w3c_date(value: date | datetime) -> str:
    """A date or time in the W3C profile of ISO 8601 (HTML <time>, PDF metadata)."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


# Local fonts a reader may have for each script; the PDF overrides these with
# the packaged faces (translate.render.fonts).
_WEB_FONTS = {
    "rtl": '"Amiri", "Noto Naskh Arabic", "Noto Sans Arabic", "Vazirmatn", "Tahoma", serif',
    "ltr": '"Noto Serif", "PT Serif", "Georgia", "DejaVu Serif", serif',
    "chrome-rtl": '"Amiri", "Noto Naskh Arabic", "Noto Sans Arabic", "Tahoma", sans-serif',
    "chrome-ltr": '"Noto Sans", "PT Sans", "Helvetica Neue", "Arial", sans-serif',
}


def _font_stack(role: str, direction: str) -> str:
    return _WEB_FONTS[f"chrome-{direction}" if role == "chrome" else direction]


def edition_notice(lang: Language, glossary_checked: bool, reviewed: tuple[int, int] = (0, 0)) -> str:
    """What the edition is (machine, partly reviewed, reviewed), in its language."""
    from translate.postedit.human import notice_text

    return notice_text(l10n.translations(lang).gettext, glossary_checked, *reviewed,
                       number=lambda n: l10n.format_number(n, lang))


def _model_label(model) -> str | None:
    if model is None:
        return None
    if isinstance(model, str):
        return model
    parts = [getattr(model, "name", ""), getattr(model, "version", "")]
    label = " ".join(p for p in parts if p)
    engine = getattr(model, "engine", "")
    return f"{label} ({engine})" if engine and label else (label or engine or None)


def render_html(
    doc: Document,
    lang: Language,
    *,
    editions: Iterable[tuple[Language, str]],
    published: date | datetime,
    original_href: str | None,
    model=None,
    glossary_checked: bool = True,
    author: str | None = None,
    media_prefix: str = gfm.PAGE_PREFIX,
    reviewed: tuple[int, int] = (0, 0),
) -> str:
    """One edition as a standalone HTML5 page (styles inline, no external resources).

    ``lang`` is the edition's language (languages.SOURCE for the English
    original); ``editions`` lists every edition, the original included, as
    (Language, relative href) for the language switcher and the hreflang
    alternates; ``original_href`` links the machine-translation notice to the
    original (None for the original itself, which then gets no notice);
    ``model`` is the engines.base.ModelInfo that translated it (named in the
    footer and the metadata); ``glossary_checked`` says whether the notice may
    claim a glossary check; ``author`` (default: the front matter's author or
    publisher) goes to <meta name="author"> and the PDF's /Author;
    ``media_prefix`` is where the page finds the article's images
    (translate.media: ../media/ for the page, another for the PDF's copy).
    ``reviewed`` is (sentences a translator approved, all sentences): the
    notice says machine translation, partly reviewed, or reviewed.
    """
    links = []
    for edition_lang, href in editions:
        links.append(EditionLink(edition_lang, safe_href(href), edition_lang.key == lang.key))
    if not any(link.current for link in links):
        links.insert(0, EditionLink(lang, None, True))
    x_default = next((link.href for link in links if link.lang.key == SOURCE.key and link.href), None)
    author = author or doc.meta.get("author") or doc.meta.get("publisher")
    template = _environment(lang).get_template("edition.html")
    return template.render(
        doc=doc,
        lang=lang,
        title_text=doc.title.text.replace("\n", " "),
        editions=links,
        x_default=x_default,
        published=published,
        original_href=safe_href(original_href),
        is_translation=lang.key != SOURCE.key,
        notice=edition_notice(lang, glossary_checked, reviewed),
        model_label=_model_label(model),
        author=str(author) if author else None,
        generator=GENERATOR,
        media_prefix=media_prefix,
    )


@dataclass(frozen=True)
class _IndexFile:
    href: str
    kind: str
    size: str


@dataclass(frozen=True)
class _IndexRow:
    lang: Language
    files: tuple[_IndexFile, ...]
    published: str
    published_iso: str
    status: str = ""    # machine translation / partly reviewed / reviewed, in the edition's language


_FILE_KINDS = {".html": "html", ".pdf": "pdf", ".md": "md"}


def render_index(
    title: str,
    slug: str,
    editions_info: Iterable[tuple[Language, Sequence[tuple[str, int]], date | datetime]],
    published: date | datetime,
    statuses: dict[str, tuple[bool, int, int]] | None = None,
) -> str:
    """The index page of an article (output/<slug>/index.html): one row per
    edition with its files, their sizes and its publication date.

    ``editions_info`` holds (Language, [(href relative to the index, size in
    bytes), ...], published) per edition. The page's own chrome is English;
    each row is written in its edition's language, digits and date format.
    ``statuses`` gives per translated edition (glossary checked, sentences
    reviewed, all sentences): the row says what the edition is.
    """
    rows = []
    for edition_lang, files, edition_published in editions_info:
        entries = []
        for href, size in files:
            safe = safe_href(href)
            if safe is None:
                continue
            kind = next((k for ext, k in _FILE_KINDS.items() if href.lower().endswith(ext)), "other")
            entries.append(_IndexFile(safe, kind, l10n.format_size(size, edition_lang)))
        status = (statuses or {}).get(edition_lang.key)
        rows.append(_IndexRow(edition_lang, tuple(entries), l10n.format_date(edition_published, edition_lang),
                              w3c_date(edition_published),
                              edition_notice(edition_lang, status[0], status[1:]) if status else ""))
    template = _environment(SOURCE).get_template("index.html")
    return template.render(
        lang=SOURCE,
        title_text=title,
        slug=slug,
        rows=rows,
        published=published,
        generator=GENERATOR,
    )

