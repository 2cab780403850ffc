"""PDF editions: A4 pages with embedded packaged fonts, metadata, page numbers
in the edition's digits, and a renderer that fetches nothing."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader

from localserver import QuietHandler, serving
from translate.source.document import Block, Document, Mark, Segment
from translate.project.languages import ALL
from translate.publishing.render import fonts
from translate.publishing.render.html import render_html
from translate.publishing.render.pdf import (
    AssetFetcher, RefusedResource, css_string, page_label_content, render_pdf,
)
from translate.publishing.render.textlayer import letters

PUBLISHED = datetime(2025, 7, 3, 9, 30, tzinfo=timezone.utc)
EDITIONS = [(lang, f"../{key}/taliban-delisting.{key}.html") for key, lang in ALL.items()]

ARTICLES = {
    "en": ("Taliban Not Terrorists: Russia Opens Door for Cooperation",
           "Russia's Foreign Ministry said the decision paves the way for a “full-fledged partnership” with "
           "Kabul, particularly against the Afghan branch of ISIS known as Wilayat Khorasan (ISIS-K)."),
    "ru": ("«Талибан» больше не террористы: Россия открывает дверь для сотрудничества",
           "МИД России заявил, что это решение открывает путь к «полноценному партнёрству» с Кабулом, "
           "прежде всего в борьбе с афганским филиалом ИГИЛ, известным как «Вилаят Хорасан» (ISIS-K)."),
    "prs": ("طالبان دیگر تروریست نیستند: روسیه راه همکاری را باز می‌کند",
            "وزارت امور خارجه روسیه اعلام کرد که این تصمیم راه را برای «همکاری همه‌جانبه» با کابل، "
            "به‌ویژه در مبارزه با شاخه افغانستانی داعش که به ولایت خراسان (ISIS-K) معروف است، هموار می‌سازد."),
    "ps": ("طالبان نور ترهګر نه دي: روسیه د همکارۍ لاره پرانیزي",
           "د روسیې د بهرنیو چارو وزارت وویل چې دا پرېکړه له کابل سره، په ځانګړي ډول د داعش د افغان څانګې "
           "چې د ولایت خراسان (ISIS-K) په نوم یادېږي، پر وړاندې د «بشپړې همکارۍ» لاره هواروي."),
    "kk": ("«Талибан» енді террорист емес: Ресей ынтымақтастыққа есік ашады",
           "Ресей СІМ бұл шешім Кабулмен, әсіресе ИШИМ-нің «Уилаят Хорасан» (ISIS-K) деп аталатын ауғандық "
           "бөлімшесіне қарсы күресте «толыққанды серіктестікке» жол ашатынын мәлімдеді."),
}

PAGE_LABELS = {   # page 1 of 2, as pdftotext reads the footer
    "en": "Page 1 of 2",
    "ru": "Страница 1 из 2",
    "prs": "صفحه ۱ از ۲",
    "ps": "مخ ۱ له ۲",
    "kk": "2 беттің 1-беті",
}


def article(key: str) -> Document:
    title, paragraph = ARTICLES[key]
    first_word = paragraph.index(" ")
    blocks = [Block("paragraph", segments=(Segment(paragraph, (Mark("strong", 0, first_word),)),))
              for _ in range(12)]   # long enough for two pages
    return Document(Segment(title), tuple(blocks), lang=key, slug="taliban-delisting",
                    meta={"author": "Newsroom Desk"})


@pytest.fixture(scope="module")
def pdfs():
    out = {}
    for key, lang in ALL.items():
        doc = article(key)
        html = render_html(doc, lang, editions=EDITIONS, published=PUBLISHED,
                           original_href=None if key == "en" else "../en/taliban-delisting.en.html")
        out[key] = render_pdf(html, lang=lang, title=doc.title.text, published=PUBLISHED)
    return out


def pdftotext(data: bytes) -> str:
    exe = shutil.which("pdftotext")
    assert exe, "pdftotext is missing: apt-get install poppler-utils"
    return subprocess.run([exe, "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def embedded_fonts(reader: PdfReader) -> list[tuple[str, bool]]:
    found = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            found[str(font["/BaseFont"])] = "/FontFile2" in descriptor or "/FontFile3" in descriptor
    return sorted(found.items())


@pytest.mark.parametrize("key", list(ALL))
def test_pdf_pages_metadata_and_fonts(pdfs, key):
    lang = ALL[key]
    reader = PdfReader(io.BytesIO(pdfs[key]))
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)   # A4 in points
    meta = reader.metadata
    assert meta.title == ARTICLES[key][0]
    assert meta.author == "Newsroom Desk"
    assert meta.creator.startswith("newsroom-translate") and "WeasyPrint" in meta.creator
    assert meta.creation_date == PUBLISHED
    assert reader.trailer["/Root"]["/Lang"] == lang.html_lang
    # only the packaged faces, all embedded: no system font crept in
    faces = embedded_fonts(reader)
    assert faces and all(embedded for _, embedded in faces)
    names = [name.split("+", 1)[1] for name, _ in faces]
    assert all(name.startswith("Pkg-") for name in names), names
    expected = "Pkg-Amiri" if lang.direction == "rtl" else "Pkg-Noto-Serif"
    assert any(name.startswith(expected) for name in names)


@pytest.mark.parametrize("key", list(ALL))
def test_pdf_has_the_text_header_and_page_numbers_in_the_editions_digits(pdfs, key):
    # pdftotext moves spaces around the digits of right-to-left lines:
    # compare letters and digits only
    pages = [letters(page) for page in pdftotext(pdfs[key]).split("\f")]
    label = PAGE_LABELS[key]
    assert letters(label) in pages[0]
    second = label.replace("1", "2", 1 if key != "kk" else 0).replace("۱", "۲")
    assert letters(second if key != "kk" else "2 беттің 2-беті") in pages[1]
    # the running header repeats the title from page 2 on; page 1 has it as <h1>
    title = letters(ARTICLES[key][0])
    assert pages[1].startswith(title)
    if key != "en":
        assert letters({"ru": "Машинный перевод", "prs": "ترجمه ماشینی", "ps": "ماشیني ژباړه",
                        "kk": "машиналық аудармасы"}[key]) in pages[1]
    assert letters(ARTICLES[key][1]) in pages[0]


def text_lines(data: bytes, page: int = 1) -> list[tuple[float, float, str]]:
    """(left edge, right edge, text) of each line on a page, from pdftotext -bbox-layout."""
    exe = shutil.which("pdftotext")
    assert exe, "pdftotext is missing: apt-get install poppler-utils"
    layout = subprocess.run([exe, "-f", str(page), "-l", str(page), "-bbox-layout", "-", "-"], input=data,
                            capture_output=True, check=True).stdout.decode()
    lines = re.findall(r'<line xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>(.*?)</line>', layout, re.S)
    return [(float(x0), float(x1), " ".join(re.findall(r">([^<]+)</word>", words))) for x0, x1, words in lines]


@pytest.mark.parametrize("key", ["prs", "ru"])
def test_rtl_pages_mirror_ltr_pages(pdfs, key):
    """Dari lines share their right edge and the page number sits bottom left;
    Russian lines share their left edge and the page number sits bottom right."""
    start, end = (527.2, 68.0) if key == "prs" else (68.0, 527.2)   # 24 mm side margins on A4
    lines = text_lines(pdfs[key])
    body, footer = lines[:-2], lines[-2:]

    def edge(line, x):
        return line[1] if x > 300 else line[0]

    flush = [line for line in body if abs(edge(line, start) - start) < 1]
    assert len(flush) >= 0.8 * len(body)
    assert not [line for line in body if abs(edge(line, end) - end) < 1 and abs(edge(line, start) - start) > 1]
    label = letters(PAGE_LABELS[key])   # -bbox-layout lists words in visual order
    page_label = next(line for line in footer if label in letters(line[2]) or label[::-1] in letters(line[2]))
    assert abs(edge(page_label, end) - end) < 1


def test_page_label_follows_the_translations_word_order():
    assert page_label_content("%(pages)s беттің %(page)s-беті", "decimal") == \
        'counter(pages, decimal) " беттің " counter(page, decimal) "-беті"'
    assert page_label_content("صفحه %(page)s از %(pages)s", "persian") == \
        '"صفحه " counter(page, persian) " از " counter(pages, persian)'


def test_css_strings_cannot_break_out():
    assert css_string('a"b\\c\nd') == '"a\\22 b\\5c c\\a d"'


class CanaryHandler(QuietHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(b"\x89PNG\r\n\x1a\n")



@pytest.fixture
def canary():
    CanaryHandler.requests = []
    with serving(CanaryHandler) as base:
        yield base, CanaryHandler.requests


PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c4890000000d49444154789c6360f8cf"
    "c0f01f0005000201d3b5a3f00000000049454e44ae426082")


def test_renderer_fetches_nothing_but_packaged_fonts(canary, tmp_path):
    base, requests = canary
    outside = tmp_path / "photo.png"
    outside.write_bytes(PNG_1PX)
    html = f"""<!DOCTYPE html><html lang="en"><head><title>t</title>
<link rel="stylesheet" href="{base}/style.css">
<link rel="attachment" href="{base}/attachment.bin">
<link rel="attachment" href="{outside.as_uri()}">
<style>@import url("{base}/import.css");
@font-face {{ font-family: X; src: url("{base}/font.ttf"); }}
body {{ background: url("{base}/background.png"); font-family: X; }}</style></head>
<body><p>Text</p>
<img src="{base}/image.png"><img src="file:///etc/passwd"><img src="{outside.as_uri()}">
<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNg+M8AAAUAAgHTtaPwAAAAAElFTkSuQmCC">
<object data="{base}/object.svg"></object><embed src="{base}/embed.svg"><iframe src="{base}/frame.html"></iframe>
<svg><image href="{base}/svg-image.png" width="10" height="10"/></svg>
</body></html>"""
    title = f'Title"; }} @import url("{base}/title.css"); a {{ x: "</style><img src="{base}/title.png">'
    pdf = render_pdf(html, base_url=str(tmp_path) + "/", lang=ALL["en"], title=title, published=PUBLISHED)
    assert requests == [] and base.connections_made() == 0
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == " ".join(title.split())
    assert "/Names" not in reader.trailer["/Root"]        # no embedded files
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject", {})
        assert not [x for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]


def test_fetcher_allows_package_fonts_only(tmp_path):
    font = fonts.family_files("Amiri")[0].path
    fetcher = AssetFetcher([font.parent])
    assert fetcher.fetch(font.as_uri()).read()[:4] in (b"\x00\x01\x00\x00", b"true", b"OTTO")
    escape = font.parent.as_uri() + "/../../../../../../etc/passwd"
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    for url in (escape, secret.as_uri(), "file:///etc/passwd", "http://127.0.0.1:9/x",
                "data:text/plain,hi", f"file://remote.example{font}"):
        with pytest.raises(RefusedResource):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 6


def test_the_same_page_rendered_at_another_moment_is_the_same_pdf(monkeypatch):
    """fontTools stamps embedded font subsets with the clock unless
    SOURCE_DATE_EPOCH is set: the renderer sets it to the publication time for
    the write, and leaves the environment as it found it."""
    import os

    import fontTools.misc.timeTools as timetools

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    html = '<!DOCTYPE html><html lang="ru"><head><title>t</title></head><body><p>Москва и Кабул</p></body></html>'
    pdfs = []
    for clock in (1_700_000_000.0, 1_800_000_000.0):
        monkeypatch.setattr(timetools.time, "time", lambda clock=clock: clock)
        pdfs.append(render_pdf(html, lang=ALL["ru"], title="t", published=PUBLISHED))
        assert "SOURCE_DATE_EPOCH" not in os.environ
    assert pdfs[0] == pdfs[1]
    # a value the user set is kept, and used
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    assert render_pdf(html, lang=ALL["ru"], title="t", published=PUBLISHED) != pdfs[0]
    assert os.environ["SOURCE_DATE_EPOCH"] == "1600000000"
