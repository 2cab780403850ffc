"""Pages and a site a reader trusts (issue 30): the article's own date
everywhere and "Updated" after a correction, Afghan solar hijri dates,
localised quotation marks, no English chrome in translated pages and bundle
READMEs, sharing metadata and JSON-LD, the masthead and the links home, one
shared fonts folder, the review status on every index, bundles kept current.

The article is published through the CLI with a tiny real NLLB-shaped model;
a translator's correction comes in through a PO file, as in a newsroom."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import click
import polib
import pytest
from click.testing import CliRunner
from PIL import Image

from translate.cli.main import cli
from translate.distribution import signing
from translate.project.languages import ALL
from translate.publishing import article_editions
from translate.publishing.render import calendar, l10n
from translate.publishing.render.html import json_ld
from translate.publishing.render.typography import localise_quotes
from translate.source.document import Block, Document, Mark, Segment

SITE_URL = "https://news.example.org/editions/"
PASS = {"TRANSLATE_SIGNING_PASSPHRASE": "site phrase"}
FIRST = datetime(2026, 1, 10, 9, 30, tzinfo=timezone.utc)
CORRECTED = datetime(2026, 2, 3, 16, 0, tzinfo=timezone.utc)

ARTICLE = """---
title: "Russia removes the Taliban from its list of terrorist groups"
slug: delisting
date: 2025-07-04
author: Newsroom Staff
summary: "Moscow calls it a step towards a \\"full-fledged partnership\\" with Kabul."
---

Russia's Supreme Court removed the Taliban from the country's list of terrorist organizations.

![A map of the region](map.png "The region")

The Foreign Ministry said the decision opens the way to a "full-fledged partnership" with Kabul.
"""

CONFIG = f"""site_url = "{SITE_URL}"

[languages]
ru = {{ engine = "multilingual" }}

[publication]
name = {{ en = "Kabul Monitor", ru = "Кабульский обозреватель", prs = "دیده‌بان کابل", ps = "د کابل څارونکی", kk = "Кабул шолушысы" }}
bylines = {{ "Newsroom Staff" = {{ ru = "Редакция", prs = "گروه خبر", ps = "د خبرونو ډله", kk = "Редакция" }} }}
"""

# What a reader of a translated page must not meet in English or as a file or
# tool name (code and commands are shown as code, and are not chrome).
ENGLISH_CHROME = ["Published", "Updated", "Editions", "Translation model", "Read the original", "Articles",
                  "Other languages", "original", "Machine translation", "Home", "Web page", "HTML", "PDF",
                  "Markdown", "Atom", "publisher.pub", "minisign", "Newsroom Staff", "sha256", "Files are signed",
                  "How to check"]


def run(*args, env=None):
    return CliRunner().invoke(cli, [*map(str, args)], catch_exceptions=False, env=env)


@pytest.fixture
def project(tmp_path, multilingual_model_factory, monkeypatch):
    from translate.translation.models.multilingual import MultilingualStore

    store = tmp_path / "models"
    MultilingualStore(store).add(multilingual_model_factory(family="nllb"))
    root = tmp_path / "newsroom"
    (root / "source").mkdir(parents=True)
    (root / "source" / "delisting.md").write_text(ARTICLE, encoding="utf-8")
    Image.new("RGB", (64, 40), (120, 90, 60)).save(root / "source" / "map.png")
    (root / "translate.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("TRANSLATE_MODELS_DIR", str(store))
    monkeypatch.setenv("TRANSLATE_MEMORY", str(tmp_path / "memory.sqlite3"))
    monkeypatch.setenv("TRANSLATE_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.chdir(root)
    return root


def publish_at(moment: datetime, monkeypatch, *args):
    monkeypatch.setattr(article_editions, "now", lambda: moment)
    result = run("publish", "--format", "md,html,pdf", *args, env=PASS)
    assert result.exit_code == 0, result.output
    return result.output


def correct_dari(project: Path, tmp_path: Path) -> list[str]:
    """A translator approves every Dari sentence with text of their own (PO)."""
    work = tmp_path / "work"
    result = run("export", "source/delisting.md", "--to", "prs", "-o", work)
    assert result.exit_code == 0, result.output
    po_path = work / "delisting.prs.po"
    catalogue = polib.pofile(str(po_path))
    catalogue.metadata["Last-Translator"] = "Farida Ahmadi"
    texts = []
    for number, entry in enumerate(e for e in catalogue if e.msgid):
        # the translator's words around the sentence's placeholders ({1}…{/1}, {2/}), kept in order
        words = re.sub(r"(?:(?!\{/?\d+/?\})[^{}])+", "واژه ", entry.msgid)
        entry.msgstr = f"{words} جملهٔ اصلاح‌شدهٔ شمارهٔ {number + 1}".strip()
        entry.flags = [f for f in entry.flags if f != "fuzzy"]
        texts.append(entry.msgstr)
    catalogue.save(str(po_path))
    result = run("import", po_path, "--source", "source/delisting.md", "--translator", "Farida Ahmadi")
    assert result.exit_code == 0, result.output
    assert f"{len(texts)} stored" in result.output, result.output
    return texts


class Page(HTMLParser):
    """Text outside code, <meta> values, links, JSON-LD and @font-face URLs of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.text, self.meta, self.links, self.json_ld = [], {}, [], []
        self._skip, self._script = 0, None
        self.root = {}
        self.font_urls = re.findall(r'url\("([^"]+\.woff2)"\)', html)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.root = attrs
        if tag in ("code", "pre", "style"):
            self._skip += 1
        if tag == "script":
            self._script = attrs.get("type")
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta[key] = attrs.get("content")
        if tag in ("a", "link") and attrs.get("href"):
            self.links.append(attrs)

    def handle_endtag(self, tag):
        if tag in ("code", "pre", "style"):
            self._skip -= 1
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script == "application/ld+json":
            self.json_ld.append(json.loads(data))
        elif not self._skip and self._script is None:
            self.text.append(data)

    @property
    def body(self) -> str:
        return " ".join(" ".join(self.text).split())


def page(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def edition_page(root: Path, key: str) -> Page:
    return page(root / "output" / "delisting" / key / f"delisting.{key}.html")


# --- calendars and dates -------------------------------------------------------------------


@pytest.mark.parametrize("gregorian, solar", [
    # Nowruz and the last day of the year, from the published Iranian/Afghan calendar tables
    (date(2021, 3, 20), (1399, 12, 30)),   # 1399 was a leap year: 30 Hoot
    (date(2021, 3, 21), (1400, 1, 1)),
    (date(2023, 3, 21), (1402, 1, 1)),
    (date(2024, 3, 19), (1402, 12, 29)),   # 1402 was not: 29 Hoot
    (date(2024, 3, 20), (1403, 1, 1)),
    (date(2025, 3, 20), (1403, 12, 30)),   # 1403 was a leap year
    (date(2025, 3, 21), (1404, 1, 1)),
    (date(2025, 7, 4), (1404, 4, 13)),     # 13 Saratan 1404
    (date(2025, 12, 22), (1404, 10, 1)),   # 1 Jadi (winter solstice)
    (date(2026, 3, 21), (1405, 1, 1)),
])
def test_solar_hijri_dates_match_the_published_tables(gregorian, solar):
    assert calendar.solar_hijri(gregorian) == solar


def test_each_edition_writes_the_date_as_its_press_does():
    day = date(2025, 7, 4)
    assert l10n.format_date(day, ALL["en"]) == "July 4, 2025"
    assert l10n.format_date(day, ALL["ru"]) == "4 июля 2025"
    assert l10n.format_date(day, ALL["kk"]) == "2025 жылғы 4 шілде"
    # Afghan month names (not Tir, the Iranian one), the Gregorian date beside, Persian digits
    assert l10n.format_date(day, ALL["prs"]) == "۱۳ سرطان ۱۴۰۴ (۴ جولای ۲۰۲۵)"
    assert l10n.format_date(day, ALL["ps"]) == "۱۳ چنګاښ ۱۴۰۴ (۴ جولای ۲۰۲۵)"
    assert "تیر" not in l10n.format_date(day, ALL["prs"])


# --- quotation marks -------------------------------------------------------------------------


def _doc(*texts: str, marks=()) -> Document:
    segments = tuple(Segment(t, marks if i == len(texts) - 1 else (), space_after=" ") for i, t in enumerate(texts))
    return Document(title=Segment('A "title"'), blocks=(Block("paragraph", segments),))


def test_quotes_become_each_languages_marks_across_sentences_and_nested():
    second = 'We will see." Then run "x" here.'
    code = Mark("code", second.index('run "x"'), second.index('run "x"') + len('run "x"'))
    doc = _doc('He said: "It is a “partnership” now.', second, marks=(code,))
    ru = localise_quotes(doc, "ru")
    assert ru.title.text == "A «title»"
    assert [s.text for s in ru.blocks[0].segments] == [
        "He said: «It is a „partnership“ now.", 'We will see.» Then run "x" here.']
    prs = localise_quotes(doc, "prs")
    assert prs.blocks[0].segments[0].text == "He said: «It is a “partnership” now."
    en = localise_quotes(doc, "en")
    assert en.blocks[0].segments[0].text == "He said: “It is a ‘partnership’ now."
    # one character for one: every mark keeps its offsets, and code its text
    assert en.blocks[0].segments[1].marks == (code,)
    assert en.blocks[0].segments[1].text[code.start:code.end] == 'run "x"'


def test_a_russian_closing_quote_after_a_word_closes():
    doc = _doc("Он сказал „да“ и ушёл.")
    assert localise_quotes(doc, "ru").blocks[0].segments[0].text == "Он сказал «да» и ушёл."


# --- the published site --------------------------------------------------------------------


@pytest.fixture
def published(project, monkeypatch):
    output = publish_at(FIRST, monkeypatch)
    return project, output


def test_every_page_and_feed_dates_the_article_by_its_own_date(published):
    root, _ = published
    for key in ALL:
        p = edition_page(root, key)
        assert l10n.format_date(date(2025, 7, 4), ALL[key]) in p.body, key
        assert l10n.format_date(FIRST, ALL[key]) not in p.body, "the run's date is not the article's"
        assert p.meta["dcterms.created"].startswith("2025-07-04")
        assert p.meta["article:published_time"].startswith("2025-07-04")
        (article,) = p.json_ld
        assert article["datePublished"].startswith("2025-07-04")
    feed = (root / "output" / "prs" / "feed.atom").read_text(encoding="utf-8")
    assert "<published>2025-07-04T00:00:00Z</published>" in feed
    language_index = page(root / "output" / "prs" / "index.html")
    assert l10n.format_date(date(2025, 7, 4), ALL["prs"]) in language_index.body
    front = page(root / "output" / "index.html")
    assert "July 4, 2025" in front.body


def test_a_correction_dates_its_edition_updated_and_never_re_dates_the_article(published, monkeypatch, tmp_path):
    root, _ = published
    before = {key: (root / "output" / "delisting" / key / f"delisting.{key}.html").read_bytes() for key in ALL}
    texts = correct_dari(root, tmp_path)
    publish_at(CORRECTED, monkeypatch)
    prs = edition_page(root, "prs")
    assert "جملهٔ اصلاح‌شدهٔ شمارهٔ 3" in prs.body and len(texts) >= 3
    assert l10n.format_date(date(2025, 7, 4), ALL["prs"]) in prs.body            # still published then
    updated = l10n.translations(ALL["prs"]).gettext("Updated %(date)s") % {
        "date": l10n.format_date(CORRECTED, ALL["prs"])}
    assert updated in prs.body
    assert prs.meta["dcterms.modified"].startswith("2026-02-03")
    assert prs.json_ld[0]["dateModified"].startswith("2026-02-03")
    assert prs.json_ld[0]["datePublished"].startswith("2025-07-04")
    # the other editions are not touched, and say nothing of an update
    for key in ("en", "ru", "ps", "kk"):
        path = root / "output" / "delisting" / key / f"delisting.{key}.html"
        assert path.read_bytes() == before[key], key
    # the feeds: published stays, updated moves for the corrected edition only
    prs_feed = (root / "output" / "prs" / "feed.atom").read_text(encoding="utf-8")
    assert "<published>2025-07-04T00:00:00Z</published>" in prs_feed
    assert "<updated>2026-02-03T16:00:00Z</updated>" in prs_feed
    ru_feed = (root / "output" / "ru" / "feed.atom").read_text(encoding="utf-8")
    assert "<updated>2026-01-10T09:30:00Z</updated>" in ru_feed and "2026-02-03" not in ru_feed
    # the review status on both indexes, in Dari
    reviewed = l10n.translations(ALL["prs"]).gettext("Translation of the English original, reviewed by a translator.")
    assert reviewed in page(root / "output" / "prs" / "index.html").body
    assert reviewed in page(root / "output" / "index.html").body
    # the dek, the byline and the author in the feed
    assert "<author><name>گروه خبر</name></author>" in prs_feed
    assert "<summary>" in prs_feed


def test_dari_and_pashto_pages_show_the_solar_hijri_date(published):
    root, _ = published
    assert "۱۳ سرطان ۱۴۰۴" in edition_page(root, "prs").body
    assert "۱۳ چنګاښ ۱۴۰۴" in edition_page(root, "ps").body


def test_no_english_chrome_on_translated_pages_indexes_and_feeds(published):
    root, _ = published
    for key in ("ru", "prs", "ps", "kk"):
        pages = {f"{key} edition": edition_page(root, key), f"{key} index": page(root / "output" / key / "index.html")}
        for name, p in pages.items():
            found = [word for word in ENGLISH_CHROME if re.search(rf"\b{re.escape(word)}\b", p.body)]
            assert not found, f"{name}: {found}\n{p.body}"
        assert ALL[key].native_name in pages[f"{key} edition"].body


def test_the_english_chrome_check_sees_an_english_label():
    p = Page('<html><body><p>Опубликовано</p><a href="x.pdf">PDF</a><code>minisign -V</code></body></html>')
    assert [w for w in ENGLISH_CHROME if re.search(rf"\b{re.escape(w)}\b", p.body)] == ["PDF"]


def test_sharing_metadata_and_json_ld(published):
    root, _ = published
    for key in ALL:
        p = edition_page(root, key)
        url = f"{SITE_URL}delisting/{key}/delisting.{key}.html"
        assert p.meta["og:url"] == url
        assert {"rel": "canonical", "href": url} in p.links
        assert p.meta["og:title"] and p.meta["og:description"] and p.meta["og:type"] == "article"
        assert p.meta["og:image"].startswith(SITE_URL + "delisting/media/")
        assert p.meta["twitter:card"] == "summary_large_image"
        # every alternate is absolute
        alternates = [link for link in p.links if link.get("rel") == "alternate"]
        assert {link["hreflang"] for link in alternates} >= {lang.html_lang for lang in ALL.values()}
        assert all(link["href"].startswith(SITE_URL) for link in alternates)
        (article,) = p.json_ld
        required = {"@context", "@type", "headline", "datePublished", "dateModified", "author", "inLanguage",
                    "image", "publisher"}
        assert required <= set(article), required - set(article)
        assert article["@type"] == "NewsArticle" and article["inLanguage"] == ALL[key].html_lang
        assert article["image"][0] == p.meta["og:image"]
        assert article["headline"] == " ".join(p.meta["og:title"].split())
    assert edition_page(root, "prs").json_ld[0]["author"]["name"] == "گروه خبر"
    assert edition_page(root, "en").json_ld[0]["author"]["name"] == "Newsroom Staff"


def test_a_script_in_the_title_cannot_leave_the_json_ld(project, monkeypatch):
    source = project / "source" / "delisting.md"
    source.write_text(ARTICLE.replace('title: "Russia', 'title: "</script><script>alert(1)</script> Russia'),
                      encoding="utf-8")
    publish_at(FIRST, monkeypatch, "--to", "ru")
    html = (project / "output" / "delisting" / "en" / "delisting.en.html").read_text(encoding="utf-8")
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    # the reader drops raw HTML from the title (issue 33); what is left is the headline
    assert json.loads(block)["headline"].endswith("Russia removes the Taliban from its list of terrorist groups")
    assert "<" not in block and html.count("<script") == 1
    # and whatever text reaches the JSON-LD, "<" is escaped so that it cannot end the element
    hostile = "</script><script>alert(1)</script> & <!--"
    written = json_ld({"headline": hostile})
    assert "<" not in written and ">" not in written and json.loads(written)["headline"] == hostile


def test_masthead_links_home_and_to_the_language_index_and_fonts_are_shared(published):
    root, _ = published
    out = root / "output"
    pages = [out / "index.html", out / "delisting" / "index.html",
             *(out / key / "index.html" for key in ALL),
             *(out / "delisting" / key / f"delisting.{key}.html" for key in ALL)]
    assert not (out / "delisting" / "fonts").exists(), "one fonts folder for the site"
    assert list((out / "fonts").glob("*.woff2"))
    for path in pages:
        p = page(path)
        assert p.font_urls, f"{path} has no web fonts"
        for url in p.font_urls:
            assert (path.parent / unquote(url)).resolve().is_file(), (path, url)
            assert (path.parent / unquote(url)).resolve().parent == (out / "fonts").resolve()
        home = [link for link in p.links if link.get("rel") == "home"]
        assert home and (path.parent / home[0]["href"]).resolve() == (out / "index.html").resolve(), path
    for key in ALL:
        p = edition_page(root, key)
        names = {link["href"] for link in p.links}
        assert f"../../{key}/index.html" in names
        assert l10n.translations(ALL[key]).gettext("All articles in this language") in p.body
    assert "دیده‌بان کابل" in edition_page(root, "prs").body
    assert "Kabul Monitor" in page(out / "index.html").body


def test_bundles_are_rebuilt_after_a_correction_or_refused_as_stale(published, monkeypatch, tmp_path):
    root, _ = published
    keys = tmp_path / "keys"
    signing.new_key_pair(keys, PASS["TRANSLATE_SIGNING_PASSPHRASE"], opslimit=32768, memlimit=16777216)
    publish_at(FIRST, monkeypatch, "--sign")
    result = run("bundle", "delisting", "--to", "prs,ps")
    assert result.exit_code == 0, result.output
    bundle = root / "output" / "bundles" / "delisting.prs.zip"
    with zipfile.ZipFile(bundle) as archive:
        readme = archive.read("delisting.prs/README.txt").decode("utf-8")
        old_pdf = archive.read("delisting.prs/prs/delisting.prs.pdf")
    # the README speaks Dari; commands stay on lines of their own
    prose = "\n".join(line for line in readme.splitlines() if not line.startswith("    "))
    assert not [w for w in ENGLISH_CHROME if re.search(rf"\b{re.escape(w)}\b", prose)], prose
    correct_dari(root, tmp_path)
    # published again without signing: the bundle cannot be made again, and says so
    output = publish_at(CORRECTED, monkeypatch)
    assert "bundle delisting.prs.zip: stale" in output
    result = run("verify", bundle)
    assert result.exit_code == 1 and "stale" in result.output, result.output
    # signed: the bundle is rebuilt with the corrected PDF, and verifies
    output = publish_at(CORRECTED, monkeypatch, "--sign")
    assert "bundle delisting.prs.zip: rebuilt" in output
    with zipfile.ZipFile(bundle) as archive:
        new_pdf = archive.read("delisting.prs/prs/delisting.prs.pdf")
    assert new_pdf != old_pdf
    assert new_pdf == (root / "output" / "delisting" / "prs" / "delisting.prs.pdf").read_bytes()
    result = run("verify", bundle)
    assert result.exit_code == 0, result.output


def test_the_dek_goes_to_translators_with_its_own_machine_translation(project, tmp_path):
    """The summary is a sentence of the edition like any other: exported once,
    after the title, and each unit carries its own sentence's machine output
    (a dek used to be left out, and every unit got the previous sentence's)."""
    result = run("export", "source/delisting.md", "--to", "prs", "-o", tmp_path / "work")
    assert result.exit_code == 0, result.output
    entries = [e for e in polib.pofile(str(tmp_path / "work" / "delisting.prs.po")) if e.msgid]
    assert entries[1].msgid.startswith("Moscow calls it a step")
    def machine(entry) -> str:   # the comment, wrapped over several lines by the PO writer
        text = entry.comment.split("machine translation:", 1)[1]
        return " ".join(text.split("\nterm ", 1)[0].split())

    comment = {e.msgid: machine(e) for e in entries}
    # what the engine wrote for each English sentence, as `translate review` shows it
    result = run("review", "source/delisting.md", "--to", "prs")
    assert result.exit_code == 0, result.output
    lines = click.unstyle(result.output).splitlines()
    raw_of = {}
    for first, second in zip(lines, lines[1:]):
        if first.startswith("  source ") and second.startswith("  raw "):
            raw_of[first[len("  source "):].strip()] = second[len("  raw "):].strip().strip("\u2067\u2069")
    assert len(comment) == 6 and set(comment) <= set(raw_of)
    assert {source: comment[source] for source in comment} == {source: raw_of[source] for source in comment}


# --- in a real browser -------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Wider than the viewport: the page scrolls sideways (a phone's reader must drag it).
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def overflow(browser, path: Path, width: int) -> int:
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        return page.evaluate(OVERFLOW)
    finally:
        page.close()


def test_front_page_indexes_and_articles_fit_a_phone_and_a_desktop(published, browser):
    root, _ = published
    out = root / "output"
    pages = [out / "index.html", out / "prs" / "index.html", out / "ps" / "index.html", out / "kk" / "index.html",
             out / "delisting" / "index.html", out / "delisting" / "prs" / "delisting.prs.html",
             out / "delisting" / "kk" / "delisting.kk.html"]
    for width in (390, 1280):
        wide = {str(p.relative_to(out)): overflow(browser, p, width) for p in pages}
        assert not {name: px for name, px in wide.items() if px > 0}, f"sideways scroll at {width} px: {wide}"


def test_the_scroll_check_sees_a_page_wider_than_the_screen(browser, tmp_path):
    wide = tmp_path / "wide.html"
    wide.write_text('<!DOCTYPE html><html><body><table><tr><td style="white-space:nowrap">'
                    + "word " * 200 + "</td></tr></table></body></html>", encoding="utf-8")
    assert overflow(browser, wide, 390) > 0
