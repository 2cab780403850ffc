"""The site over all articles: indexes per language and Atom feeds, read back
with feedparser and an HTML parser, built from real `translate publish` runs."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import feedparser
import pytest

import distkit
from translate.distribution import signing
from translate.publishing import site
from translate.project.languages import ALL
from translate.publishing.render import l10n

SITE_URL = "https://news.example.org/dist/"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Two articles with en, prs and ps editions, published by one run (which
    also built the site without a site_url)."""
    work = tmp_path_factory.mktemp("site")
    dirs = distkit.install_model(work)
    second = distkit.second_article(work)
    result = distkit.publish(dirs, [distkit.ARTICLE, second], work / "out", "--format", "html,pdf")
    assert result.exit_code == 0, result.output
    return work / "out", result.output


@pytest.fixture
def out(published, tmp_path):
    return distkit.copy_tree(published[0], tmp_path / "out")


def manifests(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(out.glob("*/manifest.json"))}


def newest_first(out: Path) -> list[str]:
    """The slugs in the order the site must show them, from the manifests."""
    found = manifests(out)
    return sorted(found, key=lambda slug: (-datetime.fromisoformat(found[slug]["editions"]["en"]["published"])
                                           .timestamp(), slug))


class Page(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.root_attrs, self.links, self.text = {}, [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.root_attrs = attrs
        if tag in ("a", "link") and attrs.get("href"):
            self.links.append(attrs)

    def handle_data(self, data):
        self.text.append(data)

    @property
    def body(self) -> str:
        return " ".join(self.text)


def test_publish_builds_the_site_and_says_why_there_is_no_feed(published):
    out, output = published
    assert "note: no site_url in translate.toml: Atom feeds need absolute links, none written" in output
    assert (out / "index.html").is_file()
    assert {p.parent.name for p in out.glob("*/index.html") if p.parent.name in ALL} == {"en", "prs", "ps"}
    assert not list(out.glob("*/feed.atom"))


def test_language_index_lists_every_article_in_its_language_newest_first(out):
    site.build_site(out, SITE_URL)
    found = manifests(out)
    page = (out / "prs" / "index.html").read_text(encoding="utf-8")
    parsed = Page(page)
    assert parsed.root_attrs == {"lang": "fa-AF", "dir": "rtl"}
    titles = [found[slug]["editions"]["prs"]["title"] for slug in newest_first(out)]
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions) and len(titles) == 2
    for slug in found:
        entry = found[slug]["editions"]["prs"]
        assert entry["summary"] and entry["summary"] in parsed.body
        pdf = out / slug / "prs" / f"{slug}.prs.pdf"
        assert l10n.format_size(pdf.stat().st_size, ALL["prs"]) in parsed.body
        assert l10n.format_date(datetime.fromisoformat(entry["published"]), ALL["prs"]) in parsed.body
    # native names of the other languages, and every link leads to a file
    assert "English" in parsed.body and "پښتو" in parsed.body
    # the review status, from the edition pages' catalogue
    checked = all(found[slug]["editions"]["prs"]["glossary"] for slug in found)
    status = ("Machine translation of the English original; key terms checked against our glossary." if checked
              else "Machine translation of the English original.")
    assert parsed.body.count(l10n.translations(ALL["prs"]).gettext(status)) == 2
    for link in parsed.links:
        href = link["href"]
        if href.startswith("http"):
            continue
        assert (out / "prs" / unquote(href)).resolve().is_file(), href


def test_all_languages_index_shows_each_edition_title_and_status(out):
    public = signing.generate().public
    site.build_site(out, None, public)
    page = Page((out / "index.html").read_text(encoding="utf-8"))
    assert page.root_attrs == {"lang": "en", "dir": "ltr"}
    for slug, manifest in manifests(out).items():
        for key in ("en", "prs", "ps"):
            assert manifest["editions"][key]["title"] in page.body
    assert "original" in page.body
    # the public key, its fingerprint and the reader's command; the key itself is published too
    assert public.fingerprint in page.body and f"minisign -Vm SHA256SUMS -P {public.base64()}" in page.body
    assert signing.PublicKey.load(out / "publisher.pub") == public
    prs = Page((out / "prs" / "index.html").read_text(encoding="utf-8"))
    assert public.fingerprint in prs.body and {"href": "../publisher.pub", "dir": "ltr"} in prs.links
    for link in page.links:
        assert (out / unquote(link["href"])).resolve().is_file(), link["href"]


def test_atom_feeds_read_back_without_errors_and_match_the_articles(out):
    site.build_site(out, SITE_URL)
    found = manifests(out)
    for key in ("en", "prs", "ps"):
        feed = feedparser.parse((out / key / "feed.atom").read_bytes())
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.version == "atom10"
        slugs = newest_first(out)
        assert [e.title for e in feed.entries] == [found[s]["editions"][key]["title"] for s in slugs]
        for slug, entry in zip(slugs, feed.entries):
            links = {(link.rel, link.get("hreflang")): link for link in entry.links}
            own = links[("alternate", ALL[key].html_lang)]
            assert own.href == f"{SITE_URL}{slug}/{key}/{slug}.{key}.html"
            # hreflang alternates: every other edition
            others = {lang for rel, lang in links if rel == "alternate"} - {ALL[key].html_lang}
            assert others == {ALL[k].html_lang for k in ("en", "prs", "ps") if k != key}
            pdf = out / slug / key / f"{slug}.{key}.pdf"
            enclosure = links[("enclosure", None)]
            assert enclosure.href.endswith(f"{slug}/{key}/{slug}.{key}.pdf")
            assert int(enclosure.length) == pdf.stat().st_size
            assert entry.summary == found[slug]["editions"][key]["summary"]
            assert entry.published_parsed is not None


def test_nothing_is_rewritten_when_nothing_shown_changed(out):
    first = site.build_site(out, SITE_URL)
    assert first.written
    stamps = {p: p.stat().st_mtime_ns for p in first.written}
    again = site.build_site(out, SITE_URL)
    assert again.written == [] and again.notes == []
    assert {p: p.stat().st_mtime_ns for p in first.written} == stamps


def test_a_changed_manifest_is_shown_and_order_follows_dates(out):
    site.build_site(out, SITE_URL)
    order = newest_first(out)
    # make the newest article the oldest: the site follows
    path = out / order[0] / "manifest.json"
    manifest = json.loads(path.read_text())
    for entry in manifest["editions"].values():
        entry["published"] = (datetime.fromisoformat(entry["published"]) - timedelta(days=30)).isoformat()
    manifest["editions"]["prs"]["title"] = "عنوان تازه"
    path.write_text(json.dumps(manifest, ensure_ascii=False))
    result = site.build_site(out, SITE_URL)
    assert out / "prs" / "index.html" in result.written and out / "prs" / "feed.atom" in result.written
    feed = feedparser.parse((out / "prs" / "feed.atom").read_bytes())
    assert [e.title for e in feed.entries][-1] == "عنوان تازه"
    assert newest_first(out) == list(reversed(order))


def test_without_site_url_earlier_feeds_are_removed(out):
    site.build_site(out, SITE_URL)
    assert (out / "ps" / "feed.atom").is_file()
    result = site.build_site(out, None)
    assert not list(out.glob("*/feed.atom"))
    assert any("no site_url" in note for note in result.notes)


def test_an_output_folder_without_articles_gets_no_site(tmp_path):
    result = site.build_site(tmp_path, SITE_URL)
    assert result.written == [] and not any(tmp_path.iterdir())


def test_a_bad_site_url_is_one_line(out):
    from translate.errors import UserError

    with pytest.raises(UserError) as err:
        site.build_site(out, "news.example.org")
    assert "site_url" in err.value.one_line() and "\n" not in err.value.one_line()


def test_site_files_hold_no_local_paths_or_bidi_controls(out, tmp_path):
    site.build_site(out, SITE_URL, signing.generate().public)
    controls = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f]")
    for path in [out / "index.html", *out.glob("*/index.html"), *out.glob("*/feed.atom")]:
        text = path.read_text(encoding="utf-8")
        assert str(tmp_path) not in text and "/root" not in text and "/home/" not in text
        assert not controls.search(text), path
