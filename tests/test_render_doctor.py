"""`translate doctor`: fonts, catalogues, and the text layer of published editions."""

from __future__ import annotations

from datetime import datetime, timezone

from click.testing import CliRunner

from translate.cli import cli
from translate.document import Block, Document, Segment
from translate.languages import ALL
from translate.render.html import render_html
from translate.render.pdf import render_pdf

PUBLISHED = datetime(2025, 7, 3, tzinfo=timezone.utc)
TEXTS = {
    "ps": ("طالبان نور ترهګر نه دي", "د روسیې سترې محکمې طالبان د ترهګرو سازمانونو له لېست څخه وایستل."),
    "kk": ("«Талибан» енді террорист емес", "Ресейдің Жоғарғы соты «Талибанды» террористік ұйымдар тізімінен алып тастады."),
}


def publish(folder, key, sentence=None, pdf=True):
    lang = ALL[key]
    title, text = TEXTS[key]
    doc = Document(Segment(title), (Block("paragraph", segments=(Segment(sentence or text),)),), lang=key, slug="t")
    html = render_html(doc, lang, editions=[], published=PUBLISHED, original_href="../en/t.en.html")
    (folder / key).mkdir(parents=True, exist_ok=True)
    (folder / key / f"t.{key}.html").write_text(html, encoding="utf-8")
    if pdf:
        (folder / key / f"t.{key}.pdf").write_bytes(render_pdf(html, lang=lang, title=title, published=PUBLISHED))


def doctor(*args):
    return CliRunner().invoke(cli, ["doctor", *map(str, args)])


def test_doctor_without_arguments_checks_fonts_and_catalogues():
    result = doctor()
    assert result.exit_code == 0, result.output
    for line in ("font Amiri", "font Noto Serif", "catalogue prs", "catalogue kk"):
        assert line in result.output


def test_doctor_reports_each_edition_of_an_article(tmp_path):
    article = tmp_path / "t"
    publish(article, "ps")
    publish(article, "kk")
    result = doctor(article)
    assert result.exit_code == 0, result.output
    assert "t/ps" in result.output and "t/kk" in result.output
    assert result.output.count("text layer pdftotext 100.0%  pypdf 100.0%") == 2


def test_doctor_names_characters_the_fonts_lack_and_fails(tmp_path):
    article = tmp_path / "t"
    publish(article, "kk", sentence="Ресей 漢 ✈ тізімі.", pdf=False)
    result = doctor(article / "kk" / "t.kk.html")
    assert result.exit_code == 1
    assert "U+6F22 CJK UNIFIED IDEOGRAPH-6F22" in result.output and "U+2708" in result.output
    assert "no t.kk.pdf" in result.output


def test_doctor_fails_below_the_text_layer_threshold(tmp_path):
    article = tmp_path / "t"
    publish(article, "ps")
    html = article / "ps" / "t.ps.html"
    # the page now claims text the PDF does not have
    html.write_text(html.read_text(encoding="utf-8").replace("</article>", "<p>" + "ښځې " * 40 + "</p></article>"),
                    encoding="utf-8")
    result = doctor(article)
    assert result.exit_code == 1
    assert "text layer below 99%" in result.output


def test_doctor_explains_a_folder_without_editions(tmp_path):
    result = doctor(tmp_path)
    assert result.exit_code == 1
    assert "no editions in" in result.output and "Traceback" not in result.output
