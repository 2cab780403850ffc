"""HTML writer: a Document becomes a standalone HTML5 page, and the editions
of an article get an index page.

Everything the page shows comes out of Jinja2 templates (translate/templates/)
with autoescaping on; the chrome strings come from the edition's gettext
catalogue, dates and numbers from Babel. Nothing from the document can become
live markup: text is escaped, raw HTML (blocks and inline tags) is dropped,
images not published beside the page (translate.source.media) become their alt text, and links keep only http(s), mailto and
relative targets.

Public API: render_html(), render_index().
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Iterable, Sequence
from urllib.parse import quote, urljoin

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from markupsafe import Markup, escape

from translate import __version__
from translate.project.config import Publication
from translate.project.languages import SOURCE, Language
from translate.publishing.render import bidi, fonts, gfm, l10n, webfonts
from translate.source.document import Document, Segment, walk
from translate.translation.postedit.human import notice_text
from translate.util import untrusted

GENERATOR = f"newsroom-translate {__version__}"

# The site's root (output/) seen from an edition page, output/<slug>/<key>/<slug>.<key>.html,
# and the site's web fonts (output/fonts/, translate.publishing.render.webfonts).
SITE_FROM_EDITION = "../../"
FONTS_FROM_EDITION = SITE_FROM_EDITION + "fonts/"

SAFE_SCHEMES = untrusted.SAFE_SCHEMES


def safe_href(href: str | None) -> str | None:
    """``href`` if it is an http(s), mailto or relative link, else None
    (translate.util.untrusted.safe_link: the rule the Markdown reader applies too)."""
    return untrusted.safe_link(href)


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


def _ranges(segment: Segment, text: str, direction: str) -> list[_Range]:
    text_len = len(text)
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
    for start, end, kind in bidi.runs(text, direction):
        if kind == "box":
            attrs: tuple[tuple[str, str], ...] = (("class", "bidi-box"),)
        elif kind == "ltr" and _LATIN.search(text, start, end):
            # Latin words in a translation come from the English original
            # (names, acronyms): a screen reader reads them in English.
            attrs = (("dir", kind), ("lang", SOURCE.html_lang))
        else:
            attrs = (("dir", kind),)
        ranges.append(_Range(start, end, "isolate", attrs))
    return ranges


_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


def render_inline(segment: Segment, direction: str = "ltr", media_prefix: str = gfm.PAGE_PREFIX, *,
                  number=str, printed: bool = False) -> Markup:
    """A segment's text as escaped HTML with its marks as elements, and runs of
    the other writing direction isolated in <span dir="..."> (see
    translate.publishing.render.bidi for those and the <span class="bidi-box"> runs).

    A number and its unit are bound by a no-break space (bidi.bind_units).
    Overlapping marks are split so that elements nest; "html" marks (raw inline
    tags) are dropped and "break" marks become <br>; URLs, footnote references
    and published images come from translate.publishing.render.gfm (images found at
    ``media_prefix``; footnote numbers written by ``number``, in the edition's
    digits). ``printed`` is the PDF's page: each external link's address is
    printed after its text, once (gfm.printed_address), and URLs may break
    at / . - ?.
    """
    segment = gfm.atomize_images(segment)
    # A no-break space binds each number to its unit (same length: the marks' offsets hold).
    text = bidi.bind_units(segment.text)
    ranges = _ranges(segment, text, direction)
    breaks: dict[int, int] = {}
    points: dict[int, list[Markup]] = {}
    for mark in segment.marks:
        if mark.kind == "break" and 0 <= mark.start <= len(text):
            breaks[mark.start] = breaks.get(mark.start, 0) + 1
        elif mark.kind in gfm.POINT_KINDS and 0 <= mark.start <= len(text):
            points.setdefault(mark.start, []).append(gfm.point_html(mark, safe_href, media_prefix, number, printed))
        elif printed and mark.kind == "link" and 0 <= mark.start < mark.end <= len(text):
            href = safe_href(mark.attrs.get("href"))
            shown = " ".join(text[mark.start:mark.end].split())
            if href and href.lower().startswith(("http:", "https:")) and shown != href:
                points.setdefault(mark.end, []).append(gfm.printed_address(href))
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


def render_segments(segments: Sequence[Segment], direction: str, media_prefix: str = gfm.PAGE_PREFIX,
                    **options) -> Markup:
    """The sentences of one block joined by their original spacing (``options``: render_inline's)."""
    parts = []
    for i, segment in enumerate(segments):
        parts.append(render_inline(segment, direction, media_prefix, **options))
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
    # The page's media_prefix (translate.source.media): "../media/" on the page, another in the PDF's
    # copy, which also prints link addresses (``printed``).
    def options(ctx) -> dict:
        return {"number": lambda n: l10n.format_number(n, lang), "printed": bool(ctx.get("printed"))}

    env.filters["segments"] = pass_context(lambda ctx, block, direction: render_segments(
        block.segments, direction, ctx.get("media_prefix", gfm.PAGE_PREFIX), **options(ctx)))
    env.filters["inline"] = pass_context(lambda ctx, segment, direction="ltr": render_inline(
        segment, direction, ctx.get("media_prefix", gfm.PAGE_PREFIX), **options(ctx)))
    env.filters["printed_address"] = gfm.printed_address
    env.filters["figure_parts"] = lambda block: dict(zip(block.attrs.get("parts", ()), block.segments))
    env.filters["date"] = lambda value, lg=lang: l10n.format_date(value, lg)
    env.filters["size"] = lambda value, lg=lang: l10n.format_size(value, lg)
    env.filters["number"] = lambda value, lg=lang: l10n.format_number(value, lg)
    env.filters["iso"] = w3c_date
    env.globals.update(counter_style=l10n.counter_style)
    return env


def w3c_date(value: date | datetime) -> str:
    """A date or time in the W3C profile of ISO 8601 (HTML <time>, PDF metadata)."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


_GENERIC = {"body": "serif", "chrome": "sans-serif", "mono": "monospace"}


def font_stacks(lang: Language, page_langs: Sequence[Language] = ()) -> dict[str, str]:
    """CSS font-family values per role ("body", "chrome", "mono") of a page in
    ``lang`` that also shows text in ``page_langs`` (the index page: every
    edition's): the edition's packaged faces first, then those of the other
    languages, then the generic family."""
    extra = webfonts.page_families([lang, *page_langs])
    stacks = {}
    for role, families in fonts.roles(lang).items():
        ordered = list(dict.fromkeys([*families, *extra]))
        stacks[role] = ", ".join(f'"{fonts.css_family(f)}"' for f in ordered) + f", {_GENERIC[role]}"
    return stacks


def edition_notice(lang: Language, glossary_checked: bool, reviewed: tuple[int, int] = (0, 0)) -> str:
    """What the edition is (machine, partly reviewed, reviewed), in its language."""

    return notice_text(l10n.translations(lang).gettext, glossary_checked, *reviewed,
                       number=lambda n: l10n.format_number(n, lang))


def font_context(lang: Language, page_langs: Sequence[Language], fonts_href: str | None) -> dict:
    langs = list(dict.fromkeys([lang, *page_langs]))
    faces = webfonts.font_face_css(webfonts.page_fonts(langs), fonts_href) if fonts_href is not None else ""
    return {"font_faces": faces, "font_stacks": font_stacks(lang, page_langs)}


# Display names of multilingual model families: "nllb-200-distilled-600M" ->
# "NLLB-200 distilled 600M", "m2m100_418M" -> "M2M-100 418M".
_MODEL_FAMILIES = ((re.compile(r"^nllb-?(\d+)[-_]?", re.I), "NLLB-{}"), (re.compile(r"^m2m-?(\d+)[-_]?", re.I), "M2M-{}"))


_ARGOS_PACKAGE = re.compile(r"^translate-([a-z]{2,3})_([a-z]{2,3})$")
_DIGEST = re.compile(r"^(sha256:)?[0-9a-f]{12,}$", re.I)


def model_label(model) -> str | None:
    """The translation model as a reader can look it up: "Argos en→ru 1.9",
    "NLLB-200 distilled 600M". A proper name, shown as is in every edition."""
    if model is None:
        return None
    if isinstance(model, str):
        return model or None
    engine = getattr(model, "engine", "") or ""
    name = (getattr(model, "name", "") or "").strip()
    version = (getattr(model, "version", "") or "").strip()
    if _DIGEST.match(version):
        version = ""   # a fingerprint of the weights is for the manifest, not for readers
    if engine == "argos":
        # Argos packages are named by their pair, sometimes with the version ("en→ru 1.9").
        pair = name[: -len(version)].strip() if version and name.endswith(version) else name
        package = _ARGOS_PACKAGE.match(pair)   # the index's package name, "translate-en_ru"
        if package:
            pair = f"{package.group(1)}→{package.group(2)}"
        return " ".join(part for part in ("Argos", pair, version) if part)
    for pattern, display in _MODEL_FAMILIES:
        match = pattern.match(name)
        if match:
            rest = name[match.end():].replace("-", " ").replace("_", " ").strip()
            return " ".join(part for part in (display.format(match.group(1)), rest) if part)
    return " ".join(part for part in (name, version) if part) or None


def absolute_url(site_url: str | None, page_path: str, href: str | None) -> str | None:
    """``href`` (relative to the page at ``page_path`` under the site root)
    as an absolute URL on ``site_url``; None without a site URL or link."""
    if not site_url or not href:
        return None
    base = site_url.rstrip("/") + "/" + page_path.lstrip("/")
    return safe_href(urljoin(base, href))


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
    site_url: str | None = None,
    fonts_href: str | None = FONTS_FROM_EDITION,
    modified: date | datetime | None = None,
    corrected: bool = False,
    publication: Publication | None = None,
    printed: bool = False,
) -> str:
    """One edition as an HTML5 page (styles inline; its only external
    resources are the web fonts and images, see translate.publishing.render.webfonts).

    ``lang`` is the edition's language (languages.SOURCE for the English
    original); ``editions`` lists every edition, the original included, as
    (Language, relative href) for the language switcher and the hreflang
    alternates; ``original_href`` links the machine-translation notice to the
    original (None for the original itself, which then gets no notice);
    ``model`` is the engines.base.ModelInfo that translated it (named in the
    colophon); ``glossary_checked`` says whether the notice may claim a
    glossary check; ``author`` (default: the front matter's author, as the
    publication's bylines write it in this edition) goes to the byline,
    <meta name="author"> and the PDF's /Author; ``media_prefix`` is where the
    page finds the article's images (translate.source.media: ../media/ for the
    page, another for the PDF's copy). ``reviewed`` is (sentences a translator
    approved, all sentences): the notice says machine translation, partly
    reviewed, or reviewed. ``published`` is the article's date; ``modified``
    when this edition's text last changed, and ``corrected`` whether that was
    after it first appeared (the page then says "Updated"). ``site_url`` is
    the address the output folder is published at: links to the original, the
    other editions (hreflang) and the page itself (canonical, sharing
    metadata) become absolute, so that they work in a PDF shared alone and for
    the sites a link is shared on. ``fonts_href`` is where the site's web font
    files are, relative to the page (output/fonts/); None leaves the
    @font-face rules out. ``publication`` names the publication in the
    masthead and the metadata. ``printed`` makes the page the PDF typesets:
    every external link's address printed after it
    (translate.publishing.render.gfm.printed_address).
    """
    publication = publication or Publication()
    links = []
    for edition_lang, href in editions:
        links.append(EditionLink(edition_lang, safe_href(href), edition_lang.key == lang.key))
    if not any(link.current for link in links):
        links.insert(0, EditionLink(lang, None, True))
    page_path = f"{quote(doc.slug)}/{lang.key}/{quote(doc.slug)}.{lang.key}.html"
    if site_url:
        links = [EditionLink(link.lang, absolute_url(site_url, page_path, link.href) or link.href, link.current)
                 for link in links]
    author = author or doc.meta.get("author") or doc.meta.get("publisher")
    author = publication.byline(str(author), lang.key) if author else None
    original = safe_href(original_href)
    template = _environment(lang).get_template("edition.html")
    return template.render(
        doc=doc,
        lang=lang,
        title_text=doc.title.text.replace("\n", " "),
        editions=links,
        x_default=next((link.href for link in links if link.lang.key == SOURCE.key and link.href), None),
        published=published,
        modified=modified or published,
        corrected=corrected,
        original_href=absolute_url(site_url, page_path, original) or original,
        is_translation=lang.key != SOURCE.key,
        notice=edition_notice(lang, glossary_checked, reviewed),
        glossary_checked=glossary_checked,
        model_label=model_label(model),
        author=author,
        generator=GENERATOR,
        media_prefix=media_prefix,
        publication_name=publication.name(lang.key),
        home_href=SITE_FROM_EDITION + "index.html",
        language_index_href=f"{SITE_FROM_EDITION}{lang.key}/index.html",
        **_sharing(doc, lang, site_url, page_path, media_prefix, published=published,
                   modified=modified or published, author=author, publisher=publication.name(lang.key)),
        printed=printed,
        # The language switcher names every edition in its own script.
        **font_context(lang, [link.lang for link in links], fonts_href),
    )


def _sharing(doc: Document, lang: Language, site_url: str | None, page_path: str, media_prefix: str, *,
             published, modified, author: str | None, publisher: str) -> dict:
    """What a page tells the sites it is shared on and search engines: its
    address (absolute only with a site_url), the canonical one, the first
    image, and the schema.org NewsArticle as JSON-LD."""
    url = absolute_url(site_url, page_path, f"{quote(doc.slug)}.{lang.key}.html")
    own_canonical = lang.key == SOURCE.key and doc.meta.get("canonical")
    image = first_image(doc, media_prefix)
    image_url = absolute_url(site_url, page_path, image) if image else None
    article = news_article(doc, lang, published=published, modified=modified, author=author, publisher=publisher,
                           url=url, image=image_url or image)
    return {"canonical": safe_href(doc.meta.get("canonical")) if own_canonical else url, "page_url": url,
            "image_url": image_url, "json_ld": json_ld(article)}


def first_image(doc: Document, media_prefix: str) -> str | None:
    """The address of the article's first published image (the one sharing cards show)."""
    for block in walk(doc.blocks):
        if block.kind == "figure" and block.attrs.get("media"):
            return media_prefix + quote(block.attrs["media"])
    return None


def news_article(doc: Document, lang: Language, *, published, modified, author: str | None, publisher: str,
                 url: str | None, image: str | None) -> dict:
    """schema.org NewsArticle of an edition (search engines' and sharing sites' reading)."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": " ".join(doc.title.text.split()),
        "inLanguage": lang.html_lang,
        "datePublished": w3c_date(published),
        "dateModified": w3c_date(modified),
    }
    if doc.summary is not None:
        data["description"] = " ".join(doc.summary.text.split())
    if author:
        data["author"] = {"@type": "Person" if author != publisher else "Organization", "name": author}
    elif publisher:
        data["author"] = {"@type": "Organization", "name": publisher}
    if publisher:
        data["publisher"] = {"@type": "Organization", "name": publisher}
    if image:
        data["image"] = [image]
    if url:
        data["url"] = url
        data["mainEntityOfPage"] = url
    return data


def json_ld(data: dict) -> Markup:
    """JSON for a <script type="application/ld+json">: "<" written as \\u003c, so
    no text in it can close the script element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


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
    kind_names: dict = None   # "html" -> "Web page"... in the edition's language (format_names)


_FILE_KINDS = {".html": "html", ".pdf": "pdf", ".md": "md"}


def format_names(lang: Language) -> dict[str, str]:
    """What each published format is called in the edition's language: a
    reader of the Dari index reads «صفحهٔ وب», not "HTML"."""
    gettext = l10n.translations(lang).gettext
    return {"html": gettext("Web page"), "pdf": gettext("PDF"), "md": gettext("Markdown text")}


def render_index(
    title: str,
    slug: str,
    editions_info: Iterable[tuple[Language, Sequence[tuple[str, int]], date | datetime]],
    published: date | datetime,
    statuses: dict[str, tuple[bool, int, int]] | None = None,
    fonts_href: str | None = "../fonts/",
    publication: Publication | None = None,
) -> str:
    """The index page of an article (output/<slug>/index.html): one row per
    edition with its files, their sizes and its publication date.

    ``editions_info`` holds (Language, [(href relative to the index, size in
    bytes), ...], published) per edition. The page's own chrome is English;
    each row is written in its edition's language, digits and date format.
    ``statuses`` gives per translated edition (glossary checked, sentences
    reviewed, all sentences): the row says what the edition is.
    ``fonts_href``: where the site's web font files are, relative to the index.
    ``published`` is the article's date; each row's date when that edition's
    text last changed.
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
                              edition_notice(edition_lang, status[0], status[1:]) if status else "",
                              format_names(edition_lang)))
    template = _environment(SOURCE).get_template("index.html")
    return template.render(
        lang=SOURCE,
        title_text=title,
        slug=slug,
        rows=rows,
        published=published,
        generator=GENERATOR,
        publication_name=(publication or Publication()).name(SOURCE.key),
        home_href="../index.html",
        **font_context(SOURCE, [row.lang for row in rows], fonts_href),
    )

