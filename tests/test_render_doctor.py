"""`translate doctor`: fonts, catalogues, web fonts, PDF fonts and tags, and the
text layer of published editions."""

from __future__ import annotations

from datetime import datetime, timezone

from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from translate.cli.main import cli
from translate.source.document import Block, Document, Segment
from translate.project.languages import ALL
from translate.publishing.render.html import render_html
from translate.publishing.render.pdf import render_pdf
from translate.publishing.render.webfonts import site_files

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
    for rel, data in site_files([lang]).items():   # the site's shared fonts, beside the article folder
        (folder.parent / rel).parent.mkdir(exist_ok=True)
        (folder.parent / rel).write_bytes(data)
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
    # the check stage publish runs, on the published files
    for check in ("glyphs", "text-layer", "layout"):
        assert result.output.count(f"{check} check passed") == 2


def test_doctor_names_characters_the_fonts_lack_and_fails(tmp_path):
    article = tmp_path / "t"
    publish(article, "kk", sentence="Ресей 漢 ✈ тізімі.", pdf=False)
    result = doctor(article / "kk" / "t.kk.html")
    assert result.exit_code == 1
    assert "glyphs: t.kk.html:" in result.output
    assert "U+6F22 CJK UNIFIED IDEOGRAPH-6F22" in result.output and "U+2708" in result.output


def test_doctor_fails_below_the_text_layer_threshold(tmp_path):
    article = tmp_path / "t"
    publish(article, "ps")
    html = article / "ps" / "t.ps.html"
    # the page now claims text the PDF does not have
    html.write_text(html.read_text(encoding="utf-8").replace("</article>", "<p>" + "ښځې " * 40 + "</p></article>"),
                    encoding="utf-8")
    result = doctor(article)
    assert result.exit_code == 1
    assert "text-layer: t.ps.pdf page 1: pdftotext reads" in result.output
    assert "text-layer: t.ps.pdf page 1: pypdf reads" in result.output


def test_doctor_explains_a_folder_without_editions(tmp_path):
    result = doctor(tmp_path)
    assert result.exit_code == 1
    assert "no editions in" in result.output and "Traceback" not in result.output


def rewrite_pdf(path, change):
    """Apply ``change(writer)`` to the PDF at ``path`` in place."""
    writer = PdfWriter(clone_from=PdfReader(path))
    change(writer)
    with open(path, "wb") as handle:
        writer.write(handle)


def test_doctor_checks_pdf_fonts_tags_and_web_fonts(tmp_path):
    article = tmp_path / "t"
    publish(article, "ps")
    result = doctor(article)
    assert result.exit_code == 0, result.output
    assert "PDF tagged, /Lang ps, /Direction /R2L" in result.output
    assert "PDF fonts: Pkg-Amiri" in result.output and "web fonts:" in result.output


def test_doctor_fails_on_a_system_font_in_the_pdf(tmp_path):
    article = tmp_path / "t"
    publish(article, "kk")

    def embed_system_font(writer):
        font = next(iter(writer.pages[0]["/Resources"]["/Font"].values())).get_object()
        font[NameObject("/BaseFont")] = NameObject("/XKQQSR+DejaVu-Sans")

    rewrite_pdf(article / "kk" / "t.kk.pdf", embed_system_font)
    result = doctor(article)
    assert result.exit_code == 1
    assert "embeds fonts that are not packaged: DejaVu-Sans" in result.output


def test_doctor_fails_on_an_untagged_pdf_without_reading_order(tmp_path):
    article = tmp_path / "t"
    publish(article, "ps")

    def untag(writer):
        for key in ("/StructTreeRoot", "/ViewerPreferences", "/MarkInfo"):
            writer._root_object.pop(NameObject(key), None)

    rewrite_pdf(article / "ps" / "t.ps.pdf", untag)
    result = doctor(article)
    assert result.exit_code == 1
    assert "not tagged" in result.output and "no /Direction /R2L" in result.output


def test_doctor_fails_when_a_web_font_file_is_missing(tmp_path):
    article = tmp_path / "t"
    publish(article, "kk", pdf=False)
    next((article.parent / "fonts").glob("noto-serif-*-normal.*.woff2")).unlink()
    result = doctor(article)
    assert result.exit_code == 1
    assert "web font file(s) missing" in result.output
