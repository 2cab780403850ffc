"""HTML pages carry their fonts: every character a page shows is drawn by the
WOFF2 files its @font-face rules reference, the files are named by their
content and written once per output folder, listed in the manifest."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont

from translate.cli.main import cli
from translate.source.document import Block, Document, Segment
from translate.translation.engines.base import ModelInfo
from translate.project.languages import ALL
from translate.publishing.render import fonts, webfonts
from translate.publishing.render.html import render_html, render_index

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "source" / "taliban-delisting.md"
PUBLISHED = datetime(2025, 7, 3, 9, 30, tzinfo=timezone.utc)
EDITIONS = [(lang, f"../{key}/t.{key}.html") for key, lang in ALL.items()]
TEXTS = {
    "en": ("Russia removes the Taliban from its terrorist list — “ISIS-K” …",
           "The court cited $4.8 billion, 20% and 573 km on 12 March 2024."),
    "ru": ("Россия исключила «Талибан» из списка террористов",
           "Суд назвал 4,8 млрд долларов, 20 % и 573 км — 12 марта 2024 года; ISIS-K, №\u00a05."),
    "prs": ("روسیه طالبان را از فهرست تروریستان خارج کرد",
            "دادگاه در 12 March 2024 از $4.8 billion، ۲۰٪ و ۵۷۳ کیلومتر مرز با ISIS-K یاد کرد."),
    "ps": ("روسیې طالبان د ترهګرو له لېست څخه وایستل ۍ",
           "محکمې د ښځو، ګډون او ځوانانو په اړه وویل: ۍ ې ئ ړ ږ ښ ځ څ ډ ټ ګ ڼ — 573 km."),
    "kk": ("Ресей «Талибанды» террористер тізімінен шығарды",
           "Жоғарғы сот: ә ғ қ ң ө ұ ү һ і — 4,8 млрд доллар, 573 км."),
}
MODELS = {"ru": ModelInfo("argos", "en→ru 1.9", "1.9"), "kk": ModelInfo("argos", "en→kk 1.1", "1.1"),
          "prs": ModelInfo("multilingual", "nllb-200-distilled-600M", "1"),
          "ps": ModelInfo("multilingual", "m2m100_418M", "1")}
# Drawn by the page but not in its text: list markers of the first two levels.
MARKERS = "•◦"


def doc_for(key: str) -> Document:
    title, sentence = TEXTS[key]
    nested = Block("bullet_list", children=(Block("item", children=(
        Block("paragraph", segments=(Segment(title),)),)),), attrs={"tight": True})
    body = (
        Block("paragraph", segments=(Segment(sentence),)),
        Block("bullet_list", children=(Block("item", children=(
            Block("paragraph", segments=(Segment(sentence),)), nested)),), attrs={"tight": True}),
        Block("code", attrs={"literal": "translate publish --to prs,ps  # → ok\n"}),
    )
    return Document(Segment(title), body, lang=key, slug="t")


def render(key: str) -> str:
    return render_html(doc_for(key), ALL[key], editions=EDITIONS, published=PUBLISHED,
                       original_href=None if key == "en" else "../en/t.en.html", model=MODELS.get(key))


class _Text(HTMLParser):
    """Everything a page shows: text outside <style>, <script> and <head>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "title"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def shown_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return "".join(parser.parts)


def referenced_cmap(page: str, files: dict[str, bytes], prefix: str) -> set[int]:
    """Code points the WOFF2 files a page's @font-face rules reference can draw,
    read back from the files themselves (fontTools decodes WOFF2 with brotli)."""
    urls = re.findall(r'src: url\("([^"]+)"\) format\("woff2"\)', page)
    assert urls, "the page references no web font"
    covered: set[int] = set()
    for url in urls:
        assert url.startswith(prefix)
        data = files[webfonts.FOLDER + "/" + url[len(prefix):]]
        with TTFont(io.BytesIO(data)) as font:
            assert font.flavor == "woff2"
            covered |= set(font.getBestCmap())
    return covered


@pytest.mark.parametrize("key", list(ALL))
def test_every_character_of_an_edition_is_in_the_fonts_it_references(key):
    page = render(key)
    covered = referenced_cmap(page, webfonts.site_files(ALL.values()), "../fonts/")
    text = shown_text(page) + MARKERS
    missing = sorted({ch for ch in text if ord(ch) not in covered and ch not in "\n\t\r"})
    assert missing == [], f"{key}: not in the page's web fonts: {missing}"
    # the stacks name the packaged faces only, before the generic family
    assert '"Pkg Amiri"' in page if ALL[key].direction == "rtl" else '"Pkg Noto Serif"' in page
    assert "Tahoma" not in page and "DejaVu" not in page


def test_the_index_references_the_fonts_of_every_edition():
    rows = [(lang, [(f"{key}/t.{key}.html", 31_200)], PUBLISHED) for key, lang in ALL.items()]
    page = render_index("Russia removes the Taliban", "t", rows, PUBLISHED)
    covered = referenced_cmap(page, webfonts.site_files(ALL.values()), "fonts/")
    missing = sorted({ch for ch in shown_text(page) if ord(ch) not in covered and ch not in "\n\t\r"})
    assert missing == []
    # a size never breaks between number and unit on a narrow screen
    assert ".size { white-space: nowrap; }" in page


def test_font_files_are_woff2_subsets_named_by_their_content():
    files = webfonts.site_files(ALL.values())
    names = [rel.split("/")[1] for rel in files]
    for prefix in ("amiri-400-normal.", "amiri-700-italic.", "noto-serif-100-900-italic.",
                   "noto-sans-100-900-normal.", "source-code-pro-200-900-normal."):
        assert sum(name.startswith(prefix) for name in names) == 1, prefix
    # chrome and code are set upright: no italic file for their faces
    assert not any(name.startswith(("noto-sans-100-900-italic.", "source-code-pro-200-900-italic.")) for name in names)
    for rel, data in files.items():
        assert rel.startswith("fonts/") and rel.endswith(".woff2")
        assert data[:4] == b"wOF2"
        assert rel.split(".")[-2] == hashlib.sha256(data).hexdigest()[:12]
        original = next(f for fam in fonts.PACKAGES for f in fonts.family_files(fam)
                        if rel.split("/")[1].startswith(f"{fam.lower().replace(' ', '-')}-"))
        assert len(data) < original.path.stat().st_size / 3, rel   # a subset, not the whole face
    # the same files for every run: no rewrite, one browser cache for the site
    assert webfonts.site_files(ALL.values()) == files


def test_uncovered_characters_names_what_no_web_font_draws():
    text = "Ресей 漢 ✈ پښتو → ◦"
    assert webfonts.uncovered_characters(text, [ALL["kk"]]) == ["漢", "✈", "پ", "ښ", "ت", "و"]
    assert webfonts.uncovered_characters(text, [ALL["kk"], ALL["ps"]]) == ["漢", "✈"]


def test_model_labels_read_as_names_without_english_words():
    from translate.publishing.render.html import model_label

    assert model_label(ModelInfo("argos", "en→ru 1.9", "1.9")) == "Argos en→ru 1.9"
    assert model_label(ModelInfo("multilingual", "nllb-200-distilled-600M", "1.0")) == "NLLB-200 distilled 600M"
    assert model_label(ModelInfo("multilingual", "m2m100_418M", "1.0")) == "M2M-100 418M"
    page = render("ps")
    footer = page[page.index('<footer class="page-footer">'):]
    assert '<span dir="ltr" lang="en">M2M-100 418M</span>' in footer
    assert "(multilingual)" not in page and "(argos)" not in render("ru")


@pytest.fixture
def models_dir(tmp_path, ru_argos_package):
    folder = tmp_path / "models"
    result = CliRunner().invoke(cli, ["models", "add", str(ru_argos_package), "--models-dir", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_publish_writes_the_fonts_once_and_lists_them(tmp_path, models_dir):
    out = tmp_path / "out"
    args = ["publish", str(ARTICLE), "--to", "ru", "--models-dir", str(models_dir), "--output", str(out),
            "--format", "html"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    folder = out / "taliban-delisting"
    written = sorted(p.relative_to(folder).as_posix() for p in (folder / "fonts").iterdir())
    assert written == sorted(webfonts.site_files([ALL["en"], ALL["ru"]]))
    manifest = json.loads((folder / "manifest.json").read_text())
    sums = (folder / "SHA256SUMS").read_text()
    for rel in written:
        digest = hashlib.sha256((folder / rel).read_bytes()).hexdigest()
        assert manifest["files"][rel] == digest
        assert f"{digest}  {rel}\n" in sums
    for page in [folder / "index.html", *folder.glob("*/*.html")]:
        for url in re.findall(r'url\("([^"]+\.woff2)"\)', page.read_text()):
            assert (page.parent / url).is_file(), (page, url)
    mtimes = {rel: (folder / rel).stat().st_mtime_ns for rel in written}
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert {rel: (folder / rel).stat().st_mtime_ns for rel in written} == mtimes   # nothing rewritten
