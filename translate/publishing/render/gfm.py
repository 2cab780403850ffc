"""HTML of the inline constructs that are not text ranges: URLs (autolinks,
bare URLs), footnote references and inline images.

translate.publishing.render.html calls these from render_inline; the block-level
constructs (tables, figures, footnotes) are in templates/_blocks.html.
"""

from __future__ import annotations

import re
from dataclasses import replace

from markupsafe import Markup, escape

from translate.source.document import Mark, Segment
from translate.source.media import PAGE_PREFIX  # noqa: F401 (the default where pages find images)

# Zero-width marks this module writes (a "break" is written by render_inline).
POINT_KINDS = ("url", "footnote_ref", "img")


def atomize_images(segment: Segment) -> Segment:
    """The segment with each published image (a mark with attrs "media") cut
    out of the text and put back as a zero-width "img" mark whose alt is that
    text, so that the page shows the picture instead of its alt text. Marks
    inside an image are dropped; the others are shifted."""
    images = sorted((m for m in segment.marks if m.kind == "image" and m.attrs.get("media")),
                    key=lambda m: m.start)
    if not images:
        return segment
    text, marks = segment.text, [m for m in segment.marks if not (m.kind == "image" and m.attrs.get("media"))]
    for image in reversed(images):  # right to left: earlier offsets stay valid
        start, end = image.start, image.end
        width = end - start
        shifted = []
        for m in marks:
            if m.start == m.end and start < m.start < end:
                continue  # a point inside the alt text
            if m.start < m.end and start <= m.start and m.end <= end and m.kind != "isolate":
                continue  # emphasis inside the alt text
            s = m.start - width if m.start >= end else min(m.start, start)
            e = m.end - width if m.end >= end else min(m.end, start)
            shifted.append(Mark(m.kind, s, e, m.attrs))
        alt = text[start:end]
        text = text[:start] + text[end:]
        marks = shifted + [Mark("img", start, start, {**image.attrs, "alt": alt})]
    return replace(segment, text=text, marks=tuple(marks))


# Where a printed address may break: after "/" (not inside "//"), before
# ". - ? # & = _", as the Chicago Manual of Style breaks URLs: a line never
# ends in a dot that reads as a full stop, nor in a hyphen that pdftotext
# would take for a hyphenated word and drop from the text layer. Pango
# breaks after "/" and "-" by itself, so each piece between the places is
# kept whole (print.css: .url-piece { white-space: nowrap }).
_URL_BREAK = re.compile(r"(?<=[^/]/)(?=[^/])|(?<=[^/.])(?=[.?#&=_-])")


def breakable_url(url: str) -> Markup:
    """``url`` escaped for the PDF's page: its pieces, each unbreakable, with a
    <wbr> at each place a line may break (no character is added to the text)."""
    parts = [part for part in _URL_BREAK.split(url) if part]
    return Markup("<wbr>").join(Markup('<span class="url-piece">{}</span>').format(part) for part in parts)


def printed_address(href: str) -> Markup:
    """What the PDF prints after a link's text: its address, after a space
    (in the paragraph's direction, so that it sets the address off on the
    correct side in right-to-left text too), in a left-to-right box of its own."""
    return Markup(' <span class="print-url" dir="ltr">({})</span>').format(breakable_url(href))


def point_html(mark: Mark, safe_href, media_prefix: str, number=str, printed: bool = False) -> Markup:
    """A zero-width mark as HTML; ``safe_href`` vets link targets, ``number``
    writes a footnote's number in the edition's digits; ``printed`` (the
    PDF's page) lets long URLs break at / . - ?."""
    if mark.kind == "url":
        href = safe_href(mark.attrs.get("href"))
        shown = mark.attrs.get("text") or mark.attrs.get("href") or ""
        shown_html = breakable_url(shown) if printed else escape(shown)
        if href is None:
            return Markup('<span dir="ltr">{}</span>').format(shown_html)
        # dir="ltr" isolates the URL inside right-to-left text; its text is its
        # address, so the PDF prints no address after it
        return Markup('<a href="{}" dir="ltr" class="url">{}</a>').format(href, shown_html)
    if mark.kind == "footnote_ref":
        n, sub = int(mark.attrs.get("n", 0)), int(mark.attrs.get("sub", 0))
        return Markup('<sup class="footnote-ref"><a href="#fn-{0}" id="fnref-{0}-{1}">{2}</a></sup>').format(
            n, sub, number(n))
    if mark.kind == "img":
        return Markup('<img src="{}" alt="{}" width="{}" height="{}"{}>').format(
            media_prefix + mark.attrs["media"], mark.attrs.get("alt", ""), int(mark.attrs.get("width", 0)),
            int(mark.attrs.get("height", 0)),
            Markup(' title="{}"').format(mark.attrs["title"]) if mark.attrs.get("title") else "")
    return Markup("")
