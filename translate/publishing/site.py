"""The site over all published articles: output/index.html (the front page),
one index per language (output/<key>/index.html), one Atom feed per language
(output/<key>/feed.atom), and the web fonts every page shares (output/fonts/).

Everything is read from the articles' output/<slug>/manifest.json files
(titles, deks, bylines, dates per edition, file sizes) and rendered with the
edition pages' templates, stylesheet, fonts and chrome catalogues: every
string a reader sees is in the gettext catalogue of the language it is shown
in. The pages are rendered again only when what they show changed
(``.site.json`` holds the fingerprint of their inputs), and a file whose bytes
would not change is not rewritten. Feeds need absolute links, so without a
``site_url`` there is no feed, and one note says so.

Public API: summary_of(), read_articles(), build_site().
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit
from xml.sax import saxutils

from markupsafe import Markup, escape

from translate.errors import UserError
from translate.project.config import Publication, site_url_problem
from translate.project.languages import ALL, SOURCE, Language
from translate.publishing import run_guard
from translate.publishing.fingerprints import render_assets_digest
from translate.publishing.render import l10n, webfonts
from translate.publishing.render.html import GENERATOR, _environment, edition_notice, font_context, format_names
from translate.source.document import Document, walk
from translate.translation.postedit.human import review_statuses
from translate.util.files import StagedFiles
from translate.util.untrusted import xml_text

STATE_NAME = ".site.json"
PUBLIC_KEY_PAGE = "publisher.pub"
SUMMARY_CHARS = 280
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def summary_of(doc: Document) -> str:
    """What an index or feed says of an edition: the dek (the front matter's
    summary, translated with the article), else the first paragraph's opening
    sentences, up to SUMMARY_CHARS (at least one sentence)."""
    if doc.summary is not None and doc.summary.text.strip():
        return " ".join(doc.summary.text.split())
    for block in walk(doc.blocks):
        if block.kind != "paragraph" or not block.segments:
            continue
        text = ""
        for segment in block.segments:
            sentence = segment.text.replace("\n", " ").strip()
            if text and len(text) + 1 + len(sentence) > SUMMARY_CHARS:
                break
            text = f"{text} {sentence}".strip()
        return text
    return ""


def site_strings(lang: Language) -> dict[str, str]:
    """The site's own strings in ``lang``'s catalogue (the front page shows
    each language's door in that language)."""
    gettext = l10n.translations(lang).gettext
    return {
        "articles": gettext("Articles"),
        "languages": gettext("Other languages"),
        "feed": gettext("Follow new articles (news feed)"),
        "key": gettext("Files are signed with the publisher's key %(fingerprint)s."),
        "key_file": gettext("The publisher's public key"),
        "original": gettext("English original"),
        "editions": gettext("Editions"),
    }


# --- what the pages show -----------------------------------------------------------


@dataclass(frozen=True)
class SiteFile:
    rel: str        # path inside output/<slug>/
    kind: str       # html, pdf, md
    size: int


@dataclass(frozen=True)
class SiteEdition:
    lang: Language
    title: str
    summary: str
    published: datetime          # the article's date
    updated: datetime            # when this edition's text last changed
    issued: datetime             # when this edition first appeared
    files: tuple[SiteFile, ...]
    status: tuple | None         # a translation's (glossary checked, sentences reviewed, all); None: the original
    author: str = ""             # the byline as this edition writes it

    def file(self, kind: str) -> SiteFile | None:
        return next((f for f in self.files if f.kind == kind), None)

    @property
    def reviewed(self) -> bool:
        return self.status is not None and self.status[2] > 0 and self.status[1] >= self.status[2]


@dataclass
class SiteArticle:
    slug: str
    editions: dict[str, SiteEdition] = field(default_factory=dict)   # in ALL order

    @property
    def lead(self) -> SiteEdition:
        """The edition that names the article on the all-languages index."""
        return self.editions.get(SOURCE.key) or next(iter(self.editions.values()))

    @property
    def published(self) -> datetime:
        return self.lead.published

    @property
    def updated(self) -> datetime:
        return max(e.updated for e in self.editions.values())


def read_articles(output_dir: Path) -> list[SiteArticle]:
    """Every article under ``output_dir`` with a readable manifest, newest first
    (ties by slug), with the files its manifest lists that are present and
    their sizes on disk; a folder named like a language key is the site's own."""
    articles = []
    for manifest_path in sorted(Path(output_dir).glob("*/manifest.json")):
        folder = manifest_path.parent
        if folder.name in ALL or folder.name == webfonts.FOLDER:
            continue
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            continue
        if not isinstance(manifest, dict) or not isinstance(manifest.get("editions"), dict):
            continue
        article = _site_article(folder, manifest)
        if article.editions:
            articles.append(article)
    articles.sort(key=lambda a: (-a.published.timestamp(), -a.updated.timestamp(), a.slug))
    return articles


def _site_article(folder: Path, manifest: dict) -> SiteArticle:
    head = manifest.get("article") if isinstance(manifest.get("article"), dict) else {}
    fallback_title = str(head.get("title", folder.name))
    article_date = _parse_time(head.get("published"))
    entries = {k: e for k, e in manifest["editions"].items() if isinstance(e, dict)}
    statuses = review_statuses(entries)
    article = SiteArticle(folder.name)
    for key, lang in ALL.items():
        entry = entries.get(key)
        if entry is None:
            continue
        files = []
        for rel in sorted(entry.get("files", {}), key=_kind_order):
            path = folder / rel
            if path.is_file():
                files.append(SiteFile(rel, path.suffix.lstrip("."), path.stat().st_size))
        if not files:
            continue
        published = _parse_time(entry.get("published")) if entry.get("published") else article_date
        updated = _parse_time(entry.get("updated") or entry.get("published"))
        issued = _parse_time(entry.get("issued")) if entry.get("issued") else updated
        status = None if key == SOURCE.key else statuses.get(key, (bool(entry.get("glossary")), 0, 0))
        article.editions[key] = SiteEdition(
            lang, str(entry.get("title") or fallback_title), str(entry.get("summary") or ""), published,
            updated, issued, tuple(files), status, str(entry.get("author") or ""))
    return article


def _kind_order(rel: str) -> tuple[int, str]:
    return ({".html": 0, ".pdf": 1, ".md": 2}.get(Path(rel).suffix, 3), rel)


def _parse_time(value) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return _EPOCH
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


# --- building ------------------------------------------------------------------------


@dataclass
class SiteResult:
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def build_site(output_dir: Path, site_url: str | None = None, public_key=None,
               publication: Publication | None = None) -> SiteResult:
    """Write output/index.html, output/<key>/index.html, (with ``site_url``)
    output/<key>/feed.atom for every language that has an edition, and the
    web fonts they use in output/fonts/; returns the files written and notes
    for the user. ``public_key`` (a translate.distribution.signing.PublicKey)
    is shown on the index pages with its fingerprint, and published as
    output/publisher.pub. ``publication`` names the site in its mastheads."""

    output_dir = Path(output_dir)
    publication = publication or Publication()
    result = SiteResult()
    if site_url:
        site_url = _check_site_url(site_url)
    articles = read_articles(output_dir)
    state_path = output_dir / STATE_NAME
    state = _load_state(state_path)
    if not articles and not state:
        return result   # nothing published here yet: no site either
    if not site_url:
        result.notes.append("no site_url in translate.toml: Atom feeds need absolute links, none written")
    keys = [key for key in ALL if any(key in a.editions for a in articles)]
    for key in keys:
        clash = output_dir / key / "manifest.json"
        if clash.exists():
            result.notes.append(f"{output_dir / key} is an article's folder: its language index was not written")
    keys = [key for key in keys if not (output_dir / key / "manifest.json").exists()]
    run_guard.refuse_links([output_dir / webfonts.FOLDER, *(output_dir / key for key in keys)])

    key_text = public_key.file_text() if public_key is not None else None
    shown = json.dumps([site_url, key_text, keys, render_assets_digest(), _code_digest(),
                        [publication.names, publication.bylines],
                        [[a.slug, {k: [e.title, e.summary, e.author, e.published.isoformat(), e.updated.isoformat(),
                                       e.issued.isoformat(),
                                       e.status, [(f.rel, f.size) for f in e.files]] for k, e in a.editions.items()}]
                         for a in articles]], ensure_ascii=False, sort_keys=True)
    inputs = hashlib.sha256(shown.encode("utf-8")).hexdigest()
    if state.get("inputs") == inputs and _intact(output_dir, state.get("files", {})):
        return result   # nothing it shows changed
    fonts = webfonts.site_files(ALL.values())

    pages: dict[str, str | bytes] = {
        "index.html": _render_index(articles, keys, public_key, publication),
        **fonts,
    }
    if key_text:
        pages[PUBLIC_KEY_PAGE] = key_text
    for key in keys:
        lang = ALL[key]
        mine = [a for a in articles if key in a.editions]
        pages[f"{key}/index.html"] = _render_language_index(lang, mine, keys, public_key, bool(site_url),
                                                            publication)
        if site_url:
            pages[f"{key}/feed.atom"] = render_feed(lang, mine, site_url, publication)
    digests = {}
    with StagedFiles() as staged:
        for rel, content in pages.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            digests[rel] = hashlib.sha256(data).hexdigest()
            path = output_dir / rel
            if path.is_file() and path.read_bytes() == data:
                continue
            staged.write(path, data)
            result.written.append(path)
        staged.write(state_path, json.dumps({"inputs": inputs, "files": digests}, indent=1) + "\n")
        staged.commit()
    # A page or feed of an earlier build that this one does not make (no
    # site_url any more, a language with no edition left) would go stale: remove it.
    for rel in sorted(set(state.get("files", {})) - set(pages)):
        stale = output_dir / rel
        if stale.is_file() and _is_site_file(rel) and not _font_in_use(output_dir, rel):
            stale.unlink()
            result.notes.append(f"removed {stale}: the site no longer has it")
    return result


def _is_site_file(rel: str) -> bool:
    parts = rel.split("/")
    return (rel in ("index.html", PUBLIC_KEY_PAGE)
            or (len(parts) == 2 and parts[0] in ALL and parts[1] in ("index.html", "feed.atom"))
            or (len(parts) == 2 and parts[0] == webfonts.FOLDER and parts[1].endswith(".woff2")))


def _font_in_use(output_dir: Path, rel: str) -> bool:
    """Whether an article's pages still use the shared font file ``rel``
    (an article published by an older version keeps its fonts)."""
    if not rel.startswith(webfonts.FOLDER + "/"):
        return False
    for manifest_path in Path(output_dir).glob("*/manifest.json"):
        try:
            if rel in json.loads(manifest_path.read_text(encoding="utf-8")).get("fonts", ()):
                return True
        except (OSError, ValueError, RecursionError, AttributeError):
            continue
    return False


def _check_site_url(site_url: str) -> str:
    problem = site_url_problem(site_url)
    if problem:   # the address is not repeated: it may hold a password
        raise UserError(f"site_url: {problem}", "set site_url = \"https://example.org/news/\" in translate.toml")
    return site_url if site_url.endswith("/") else site_url + "/"


def _load_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _intact(output_dir: Path, files: dict) -> bool:
    for rel, digest in files.items():
        path = output_dir / rel
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            return False
    return bool(files)


def _code_digest() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


# --- pages ----------------------------------------------------------------------------


def _href(prefix: str, slug: str, rel: str) -> str:
    return prefix + quote(f"{slug}/{rel}")


def _status_in(edition: SiteEdition) -> str:
    """What an edition is, in its own language (the same sentence as its page's notice)."""
    if edition.status is None:
        return site_strings(edition.lang)["original"]
    glossary_checked, reviewed, total = edition.status
    return edition_notice(edition.lang, glossary_checked, (reviewed, total))


def _render(lang: Language, name: str, prefix: str, publication: Publication, **values) -> str:
    """Render a site template in the edition pages' environment (same
    catalogue, filters, fonts and stylesheet); rows in other languages get
    their dates, sizes, format names and status in their own language."""
    return _environment(lang).get_template(name).render(
        lang=lang, generator=GENERATOR, site_href=_href, status_in=_status_in, prefix=prefix,
        size_in=l10n.format_size, date_in=l10n.format_date, format_names=format_names, updated_in=_updated_in,
        strings_in=site_strings, text=site_strings(lang), publication_name=publication.name(lang.key),
        home_href=prefix + "index.html",
        # Every language's faces: the pages list all editions, each in its own script.
        **font_context(lang, list(ALL.values()), prefix + webfonts.FOLDER + "/"), **values)


def _updated_in(lang: Language, date_html: Markup) -> Markup:
    """"Updated <date>" in ``lang``'s catalogue, around a <time> element."""
    text = escape(l10n.translations(lang).gettext("Updated %(date)s"))
    return text.replace("%(date)s", date_html)


def _key_line(lang: Language, public_key):
    """The sentence naming the key, its fingerprint kept left-to-right in RTL text."""
    if public_key is None:
        return None
    fingerprint = Markup('<span dir="ltr" class="fingerprint">{}</span>').format(public_key.fingerprint)
    return escape(site_strings(lang)["key"]).replace("%(fingerprint)s", fingerprint)


def _render_index(articles: list[SiteArticle], keys: list[str], public_key, publication: Publication) -> str:
    return _render(
        SOURCE, "site_index.html", "", publication, title_text=publication.name(SOURCE.key) or
        site_strings(SOURCE)["articles"], articles=articles, languages=[ALL[k] for k in keys],
        key_line=_key_line(SOURCE, public_key), public_key=public_key)


def _render_language_index(lang: Language, articles: list[SiteArticle], keys: list[str],
                           public_key, has_feed: bool, publication: Publication) -> str:
    return _render(
        lang, "site_language.html", "../", publication, title_text=site_strings(lang)["articles"],
        articles=articles, languages=[ALL[k] for k in keys if k != lang.key], has_feed=has_feed,
        key_line=_key_line(lang, public_key), public_key=public_key)


def render_feed(lang: Language, articles: list[SiteArticle], site_url: str,
                publication: Publication | None = None) -> str:
    """An Atom 1.0 feed of the language's editions, newest first: each entry
    is dated by the article (published) and by its edition's last correction
    (updated), names its author, summarises it with the dek, and links to the
    HTML edition, to the other editions (hreflang alternates) and to the PDF
    (an enclosure with its length)."""
    publication = publication or Publication()
    # XML escaping, not markupsafe's HTML escape (imported as escape above);
    # the text comes from manifests: what XML cannot hold is left out.
    def escape(text: str) -> str:
        return saxutils.escape(xml_text(text))

    def quoteattr(text: str) -> str:
        return saxutils.quoteattr(xml_text(text))

    def iso(value: datetime) -> str:
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    feed_url = f"{site_url}{lang.key}/feed.atom"
    updated = max((a.editions[lang.key].updated for a in articles), default=_EPOCH)
    site_name = publication.name(lang.key) or urlsplit(site_url).netloc
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(lang.html_lang)}>',
           f"  <id>{escape(feed_url)}</id>",
           f"  <title>{escape(site_name)}: {escape(site_strings(lang)['articles'])}</title>",
           f"  <updated>{iso(updated)}</updated>",
           f"  <link rel=\"self\" type=\"application/atom+xml\" href={quoteattr(feed_url)}/>",
           f"  <link rel=\"alternate\" type=\"text/html\" hreflang={quoteattr(lang.html_lang)} "
           f"href={quoteattr(site_url + lang.key + '/index.html')}/>",
           f"  <author><name>{escape(site_name)}</name></author>",
           "  <generator>newsroom-translate</generator>"]
    for article in articles:
        edition = article.editions[lang.key]
        page = edition.file("html") or edition.files[0]
        url = _href(site_url, article.slug, page.rel)
        out += ["  <entry>",
                f"    <id>{escape(url)}</id>",
                f"    <title>{escape(edition.title)}</title>",
                f"    <published>{iso(edition.published)}</published>",
                f"    <updated>{iso(edition.updated)}</updated>",
                f"    <author><name>{escape(edition.author or site_name)}</name></author>",
                f"    <link rel=\"alternate\" type=\"text/html\" hreflang={quoteattr(lang.html_lang)} "
                f"href={quoteattr(url)}/>"]
        for other in article.editions.values():
            other_page = other.file("html")
            if other.lang.key != lang.key and other_page:
                out.append(f"    <link rel=\"alternate\" type=\"text/html\" hreflang={quoteattr(other.lang.html_lang)} "
                           f"href={quoteattr(_href(site_url, article.slug, other_page.rel))}/>")
        pdf = edition.file("pdf")
        if pdf:
            out.append(f"    <link rel=\"enclosure\" type=\"application/pdf\" length=\"{pdf.size}\" "
                       f"href={quoteattr(_href(site_url, article.slug, pdf.rel))}/>")
        if edition.summary:
            out.append(f"    <summary>{escape(edition.summary)}</summary>")
        out.append("  </entry>")
    out.append("</feed>")
    return "\n".join(out) + "\n"
