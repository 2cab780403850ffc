"""The check stage (translate.publishing.checks): publish says "ok" only for an
edition that was checked.

A hold-out style article (tests/articles/checks/checks.md: footnotes, a link
in a heading, a link with a title, a javascript: link, a 120-character URL in
a table cell) is published in five languages with tiny real models, Dari and
Kazakh partly from human translations imported through PO (zero-width
non-joiners, Persian and Kazakh numbers, a long unbreakable Kazakh word):
every edition passes every check and `translate doctor` agrees. Then each
check is made to fail on a deliberately broken page (a font without the
glyph, a dropped link, an overflowing table, a face with a broken text
layer, a near-empty last page): publish exits 1 naming it, keeps the
previous edition, --accept publishes it and records that, and doctor names
the same finding on the published files.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from click.testing import CliRunner

from translate.cli.main import cli
from translate.project.languages import ALL
from translate.publishing.checks import CHECKS
from translate.publishing.checks.pdfpages import Pdf
from translate.publishing.render import fonts, pdf as pdf_writer
from translate.publishing.render.html import render_inline
from translate.source import inline
from translate.source.document import Mark, Segment
from translate.translation.engines.argos import ArgosEngine

ARTICLE = Path(__file__).resolve().parent / "articles" / "checks" / "checks.md"
KEYS = ("en", "ru", "prs", "ps", "kk")
LONG_URL = ("https://documents.example.org/corridor/2026/financing-agreement/annex-4/"
            "northern-section-termez-mazar-kabul-route-v2.pdf")
TOOLTIP = "Statement of the ministry of transport"

# Approved human translations, in the PO notation ({1}…{/1} a link, {1/} code or a footnote reference).
HUMAN = {
    "prs": {
        "Rail Corridor Financing Agreed in Termez": "توافق بر تمویل دهلیز راه‌آهن در ترمز",
        "The agreement covers 4.8 billion dollars until 2026, according to the {1}ministry's statement{/1}.":
            "به اساس {1}اعلامیهٔ وزارت{/1}، این توافق‌نامه ۴٫۸ میلیارد دالر را تا سال ۲۰۲۶ در بر می‌گیرد.",
        "Route with {1/} and a {2}public map{/2}": "مسیر با {1/} و یک {2}نقشهٔ عمومی{/2}",
        "Northern section": "بخش شمالی",
        "The cost estimate dates from 2026.": "برآورد هزینه‌ها مربوط به سال ۲۰۲۶ است.",
        "The Afghan network uses the 1520 mm gauge.": "شبکهٔ راه‌آهن افغانستان از خط ۱۵۲۰ ملی‌متری استفاده می‌کند.",
        TOOLTIP: "اعلامیهٔ وزارت ترانسپورت",
    },
    "kk": {
        "Rail Corridor Financing Agreed in Termez": "Термезде теміржол дәлізін қаржыландыру келісілді",
        "The agreement covers 4.8 billion dollars until 2026, according to the {1}ministry's statement{/1}.":
            "{1}Министрліктің мәлімдемесіне{/1} сәйкес, келісім 2026 жылға дейін 4,8 миллиард долларды қамтиды.",
        "Route with {1/} and a {2}public map{/2}": "{1/} өлшемі бар бағыт және {2}ашық карта{/2}",
        "Northern section": "Солтүстіктеміржолтасымалдаушыларыныңқауымдастығыныңучаскесі",
        "The cost estimate dates from 2026.": "Шығын сметасы 2026 жылғы.",
        "The Afghan network uses the 1520 mm gauge.": "Ауғанстан желісі 1520 мм жолтабанын пайдаланады.",
        TOOLTIP: "Көлік министрлігінің мәлімдемесі",
    },
}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def install_models(folder: Path, argos_package_factory, keys=("ru", "prs", "ps", "kk")) -> None:
    for key in keys:
        result = run("models", "add", argos_package_factory(to_code=key), "--models-dir", folder)
        assert result.exit_code == 0, result.output


def options(root: Path) -> list:
    return ["--models-dir", root / "models", "--engine", "prs=argos:prs", "--engine", "ps=argos:ps",
            "--engine", "kk=argos:kk", "--cache", root / "memory.sqlite3"]


@pytest.fixture(scope="module")
def published(tmp_path_factory, argos_package_factory):
    """The article published in five languages after the Dari and Kazakh human
    translations were imported; every text the engines were given; the PO files."""
    root = tmp_path_factory.mktemp("checks")
    install_models(root / "models", argos_package_factory)
    (root / "source").mkdir()
    article = root / "source" / "checks.md"
    shutil.copy(ARTICLE, article)
    exported = {}
    for key, translations in HUMAN.items():
        result = run("export", article, "--to", key, "-o", root / "po", *options(root))
        assert result.exit_code == 0, result.output + result.stderr
        path = root / "po" / f"checks.{key}.po"
        exported[key] = path.read_text(encoding="utf-8")
        catalogue = polib.pofile(str(path))
        done = set()
        for entry in catalogue:
            if entry.msgid in translations:
                entry.msgstr = translations[entry.msgid]
                entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
                done.add(entry.msgid)
        assert done == set(translations), set(translations) - done
        catalogue.save(str(path))
        result = run("import", path, "--translator", "Farida Ahmadi", "--source", article,
                     "--cache", root / "memory.sqlite3")
        assert result.exit_code == 0, result.output + result.stderr
    seen: list[str] = []
    original = ArgosEngine.translate

    def spy(self, texts, progress=None):
        seen.extend(texts)
        return original(self, texts, progress=progress)

    mp = pytest.MonkeyPatch()
    mp.setattr(ArgosEngine, "translate", spy)
    try:
        result = run("publish", article, "--output", root / "out", "--jobs", "1", *options(root))
    finally:
        mp.undo()
    return {"root": root, "folder": root / "out" / "checks", "result": result, "seen": seen, "po": exported}


def file(folder: Path, key: str, ext: str) -> Path:
    return folder / key / f"checks.{key}.{ext}"


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


# --- every edition passes, and doctor agrees ----------------------------------------------------


def test_every_edition_passes_every_check_in_five_languages(published):
    result, folder = published["result"], published["folder"]
    assert result.exit_code == 0, result.output + result.stderr
    for key in KEYS:
        assert re.search(rf"^  {key} +ok ", result.output, re.M), result.output
    manifest = json.loads((folder / "manifest.json").read_text())
    for key in KEYS:
        assert manifest["editions"][key]["checks"] == {"passed": sorted(CHECKS), "accepted": []}
    # the human translations were published: Dari and Kazakh say so
    assert "Farida Ahmadi" in json.dumps(manifest["editions"]["prs"]["review"], ensure_ascii=False)


def test_doctor_agrees_with_publish(published):
    result = run("doctor", published["folder"])
    assert result.exit_code == 0, result.output
    for check in CHECKS:
        assert result.output.count(f"{check} check passed (html, md, pdf)") == len(KEYS)


# --- the defects of issue 27, each checked on the published files ----------------------------------


def test_the_link_in_the_heading_is_in_every_edition_and_format(published):
    folder = published["folder"]
    for key in KEYS:
        html = file(folder, key, "html").read_text()
        heading = re.search(r"<h2>(.*?)</h2>", html).group(1)
        assert '<a href="https://example.org/h">' in heading and "gauge-1520" in heading, (key, heading)
        md_heading = next(line for line in file(folder, key, "md").read_text().splitlines() if line.startswith("## "))
        assert "](https://example.org/h)" in md_heading and "`gauge-1520`" in md_heading, (key, md_heading)
        targets = [target for _, target in Pdf(file(folder, key, "pdf").read_bytes()).links]
        assert targets.count("https://example.org/h") == 1, (key, targets)


def test_a_links_title_is_translated_and_exported(published):
    folder = published["folder"]
    for key in ("prs", "kk"):
        html = file(folder, key, "html").read_text()
        assert f'title="{HUMAN[key][TOOLTIP]}"' in html
        assert f'"{HUMAN[key][TOOLTIP]}")' in file(folder, key, "md").read_text()
        assert f'msgid "{TOOLTIP}"' in published["po"][key]
    for key in ("ru", "ps"):
        title = re.search(r'<a href="https://news.example.org/statement" title="([^"]*)"',
                          file(folder, key, "html").read_text()).group(1)
        assert title and title != TOOLTIP
    assert TOOLTIP in published["seen"]


def test_a_javascript_link_is_dropped_to_its_text_with_a_warning(published):
    result, folder = published["result"], published["folder"]
    warning = next(line for line in result.stderr.splitlines() if "javascript" in line)
    assert f"{published['root'] / 'source' / 'checks.md'}:16:" in warning and "left out, its text kept" in warning
    assert "Readers can click here for nothing at all." in published["seen"]
    assert not any("javascript" in text or "alert" in text or "](" in text for text in published["seen"])
    for key in KEYS:
        for ext in ("md", "html"):
            assert "javascript" not in file(folder, key, ext).read_text(), (key, ext)
        assert "javascript" not in pdftotext(file(folder, key, "pdf"))
    for po in published["po"].values():
        assert "javascript" not in po and "msgid \"Readers can click here for nothing at all.\"" in po
    assert "Readers can click here for nothing at all." in file(folder, "en", "html").read_text()


def test_footnotes_have_packaged_glyphs_locale_digits_and_an_inline_mirrored_back_link(published):
    folder = published["folder"]
    for key in KEYS:
        html = file(folder, key, "html").read_text()
        assert "\u21a9" not in html and "\ufe0e" not in html
        refs = re.findall(r'<sup class="footnote-ref"><a href="#fn-\d" id="fnref-\d-0">(.*?)</a></sup>', html)
        assert refs == (["۱", "۲"] if key in ("prs", "ps") else ["1", "2"]), (key, refs)
        arrow = "\u2192" if ALL[key].direction == "rtl" else "\u2190"
        backs = re.findall(r'<li id="fn-\d">\s*<p>[^\n]*? <a class="footnote-back" href="#fnref-\d-0" '
                           rf'role="doc-backlink">{arrow}</a></p>', html)
        assert len(backs) == 2, key   # inside the note's paragraph: on its last line, not a line of its own


def test_each_address_is_printed_once_and_long_ones_break_where_readers_expect(published):
    folder = published["folder"]
    for key in KEYS:
        text = re.sub(r"[\s\u202a-\u202e]", "", pdftotext(file(folder, key, "pdf")))
        assert text.count("https://example.org/rail") == 1, key              # the autolink: its text is its address
        assert text.count("https://example.org/h") == 1, key                 # a link: its address, once
        assert text.count("https://news.example.org/statement") == 1, key
        # the 120-character address in a table cell: whole in the text layer (a line
        # ends after "/" or before "." or "-", never in a hyphen pdftotext would drop)
        assert text.count(LONG_URL) == 1, key
    lines = [line.strip() for line in pdftotext(file(folder, "kk", "pdf")).splitlines()
             if "financing" in line or "termez" in line or "documents" in line]
    assert len(lines) >= 2 and all(not line.endswith("-") for line in lines), lines


def test_the_printed_address_is_set_off_by_a_space_on_the_right_side():
    segment = Segment("نقشهٔ عمومی", (Mark("link", 0, 11, {"href": "https://example.org/h"}),))
    html = render_inline(segment, "rtl", printed=True)
    assert '</a> <span class="print-url" dir="ltr">(' in html and html.endswith(")</span>")
    assert "".join(re.findall(r'<span class="url-piece">([^<]*)</span>', html)) == "https://example.org/h"
    assert html.count("<wbr>") == 2                           # before ".org", after "org/"
    assert "print-url" not in render_inline(segment, "rtl")   # the HTML page prints no addresses


def test_zwnj_and_numbers_read_back_from_the_pdf(published):
    folder = published["folder"]
    path = file(folder, "prs", "pdf")
    layer = pdftotext(path)
    for word in ("راه\u200cآهن", "توافق\u200cنامه", "می\u200cگیرد", "۲۰۲۶", "۴٫۸", "۱۵۲۰"):
        assert word in layer, word
    assert "راه\u200cآهن" in Pdf(path.read_bytes()).text("pypdf")
    assert "2026" in pdftotext(file(folder, "kk", "pdf")) and "4,8" in pdftotext(file(folder, "kk", "pdf"))


def test_the_long_kazakh_word_and_the_long_url_stay_inside_the_page(published):
    folder = published["folder"]
    pdf = Pdf(file(folder, "kk", "pdf").read_bytes())
    words = [w for page in pdf.layout for w in page.words]
    assert any(w[0].startswith("Солтүстік") for w in words)
    assert all(w[3] <= pdf.layout[0].width - 24 * 72 / 25.4 + 1.5 for w in words)


# --- each check fails on a broken page: publish exits 1 naming it, doctor agrees ------------------


@pytest.fixture
def small(tmp_path, argos_package_factory):
    """A project with the article, a ru and a prs model, published once (the previous editions)."""
    install_models(tmp_path / "models", argos_package_factory, ("ru", "prs"))
    (tmp_path / "source").mkdir()
    shutil.copy(ARTICLE, tmp_path / "source" / "checks.md")
    return tmp_path


def publish(root: Path, *extra, to="ru"):
    return run("publish", root / "source" / "checks.md", "--to", to, "--output", root / "out", "--jobs", "1",
               "--models-dir", root / "models", "--engine", "prs=argos:prs", "--no-cache", *extra)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused_then_accepted(root: Path, check: str, key: str, expect: str, to="ru", accept=()):
    """Publish a broken page: refused (exit 1, named, the previous files kept);
    then with --accept (published, recorded); then doctor names the same finding.
    The article gets a new sentence first: the pages are made again."""
    article = root / "source" / "checks.md"
    article.write_text(article.read_text().replace("at all.", "at all. The talks go on."), encoding="utf-8")
    before = {ext: digest(file(root / "out" / "checks", key, ext)) for ext in ("md", "html", "pdf")}
    result = publish(root, to=to)
    assert result.exit_code == 1, result.output
    line = next(line for line in result.output.splitlines() if re.match(rf"^  {key} +failed ", line))
    assert f"not published: {check}: checks.{key}." in line and expect in line, line   # the cause comes first
    assert f"--accept {check}" in result.output
    assert {ext: digest(file(root / "out" / "checks", key, ext)) for ext in ("md", "html", "pdf")} == before
    finding = line.split("not published: ", 1)[1].split("; the edition of", 1)[0]

    accepted = publish(root, *(arg for name in (check, *accept) for arg in ("--accept", name)), to=to)
    assert accepted.exit_code == 0, accepted.output
    manifest = json.loads((root / "out" / "checks" / "manifest.json").read_text())
    assert finding in manifest["editions"][key]["checks"]["accepted"]
    assert check not in manifest["editions"][key]["checks"]["passed"]

    doctor = run("doctor", root / "out" / "checks" / key / f"checks.{key}.pdf")
    assert doctor.exit_code == 1 and finding in doctor.output, doctor.output


def test_a_character_no_font_has_fails_the_glyphs_check(small):
    assert publish(small).exit_code == 0
    article = small / "source" / "checks.md"
    article.write_text(article.read_text().replace("for nothing", "for nothing ✈"), encoding="utf-8")
    # the font with a missing glyph gets a "Custom" encoding pypdf misreads: the text layer fails too
    refused_then_accepted(small, "glyphs", "en", "U+2708 AIRPLANE", accept=("text-layer",))


def test_a_dropped_link_fails_the_structure_check(small, monkeypatch):
    assert publish(small).exit_code == 0
    restore = inline.restore

    def losing_links(segment, translation):
        done, lost = restore(segment, translation)
        return Segment(done.text, tuple(m for m in done.marks if m.kind != "link"), done.space_after), lost

    monkeypatch.setattr(inline, "restore", losing_links)
    refused_then_accepted(small, "structure", "ru", "link to 'https://example.org/h' missing")


@pytest.mark.parametrize("css, expect", [
    # an overflowing table: its cells may not wrap
    (".table-scroll td, .table-scroll th, .table-scroll a { white-space: nowrap; overflow-wrap: normal; }",
     "pt past the right edge of the text area"),
    # the colophon alone on the last page
    (".page-footer { break-before: page; }", "near-empty last page"),
], ids=["overflowing-table", "near-empty-page"])
def test_a_broken_layout_fails_the_layout_check(small, monkeypatch, css, expect):
    assert publish(small).exit_code == 0
    stylesheet = pdf_writer.print_stylesheet
    monkeypatch.setattr(pdf_writer, "print_stylesheet", lambda *a, **k: stylesheet(*a, **k) + "\n" + css + "\n")
    # text that runs off the page is missing from the text layer too
    refused_then_accepted(small, "layout", "ru", expect, accept=("text-layer",))


def test_a_face_with_a_broken_text_layer_fails_the_text_layer_check(small, monkeypatch):
    assert publish(small, to="prs").exit_code == 0
    # Noto Sans Arabic loses dotted letters from the text layer (Kozea/WeasyPrint#2841)
    monkeypatch.setattr(fonts, "_ARABIC_SCRIPT", ("Noto Sans Arabic", "Noto Serif", fonts.MONO))
    refused_then_accepted(small, "text-layer", "prs", "pdftotext reads", to="prs")
