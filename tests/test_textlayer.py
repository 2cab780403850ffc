"""The PDF text layer: what copy and paste, search and screen readers get.

One real sentence per edition goes through render_html and render_pdf; both
pdftotext and pypdf must give back at least 99% of its letters, in order.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timezone

import pytest

from translate.source.document import Block, Document, Segment
from translate.project.languages import ALL
from translate.publishing.render import fonts
from translate.publishing.render.html import render_html
from translate.publishing.render.pdf import render_pdf
from translate.publishing.render.textlayer import (
    describe, extract_text, font_coverage, letters, recovered_share, text_layer_share,
)

PUBLISHED = datetime(2025, 7, 3, tzinfo=timezone.utc)

SENTENCES = {
    "en": "Russia's Supreme Court has removed the Taliban from its list of terrorist organizations, opening "
          "the way to a “full-fledged partnership” with Kabul against ISIS-K, which it had banned in 2003.",
    "ru": "Верховный суд России исключил «Талибан» из списка террористических организаций, открыв путь к "
          "«полноценному партнёрству» с Кабулом в борьбе с ИГИЛ-К (ISIS-K), запрещённым ещё в 2003 году.",
    "prs": "دادگاه عالی روسیه طالبان را از فهرست سازمان‌های تروریستی خارج کرد و این تصمیم راه را برای "
           "«همکاری همه‌جانبه» با کابل در مبارزه با قاچاق مواد مخدر و شاخه افغانستانی داعش (ISIS-K) هموار می‌سازد.",
    "ps": "د روسیې سترې محکمې طالبان د ترهګرو سازمانونو له لېست څخه وایستل، او دا پرېکړه د مخدره توکو د "
          "قاچاق او د داعش خراسان (ISIS-K) پر وړاندې د «بشپړې همکارۍ» لاره هواروي؛ ګڼ هېوادونه بیا هم اندېښنه لري.",
    "kk": "Ресейдің Жоғарғы соты «Талибанды» террористік ұйымдар тізімінен алып тастады, бұл шешім есірткі "
          "саудасына және ИШИМ-Хорасан (ISIS-K) тобына қарсы күресте «толыққанды серіктестікке» жол ашады.",
}

# The first words of each right-to-left sentence, as a reader types them.
RTL_OPENINGS = {"prs": "دادگاه عالی روسیه طالبان", "ps": "د روسیې سترې محکمې طالبان"}


def render_sentence(key: str) -> bytes:
    lang = ALL[key]
    doc = Document(Segment("—"), (Block("paragraph", segments=(Segment(SENTENCES[key]),)),), lang=key, slug="s")
    html = render_html(doc, lang, editions=[], published=PUBLISHED, original_href=None)
    return render_pdf(html, lang=lang, title="—", published=PUBLISHED)


@pytest.fixture(scope="module")
def pdfs():
    return {key: render_sentence(key) for key in ALL}


@pytest.mark.parametrize("key", list(ALL))
def test_both_extractors_recover_the_sentence(pdfs, key):
    shares = text_layer_share(pdfs[key], SENTENCES[key])
    assert shares["pdftotext"] is not None, "pdftotext is missing: apt-get install poppler-utils"
    assert shares["pdftotext"] >= 0.99, shares
    assert shares["pypdf"] >= 0.99, shares


@pytest.mark.parametrize("key", list(RTL_OPENINGS))
@pytest.mark.parametrize("extractor", ["pdftotext", "pypdf"])
def test_rtl_text_comes_out_in_logical_order(pdfs, key, extractor):
    text = extract_text(pdfs[key], extractor)
    plain = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")  # bidi marks, ZWNJ
    opening = RTL_OPENINGS[key]
    assert opening in plain
    assert opening[::-1] not in plain
    # the Latin name sits between the same words as in the source
    before, after = SENTENCES[key].split("(ISIS-K)")
    got = letters(plain)
    assert letters(before[-12:]) + "ISISK" + letters(after[:8]) in got


def test_the_measure_catches_a_broken_tounicode_map(monkeypatch):
    """Noto Sans Arabic builds dotted letters from shared glyphs and loses
    letters in WeasyPrint 70 (Kozea/WeasyPrint#2841): the reason for Amiri."""
    monkeypatch.setattr(fonts, "_ARABIC_SCRIPT", ("Noto Sans Arabic", "Noto Serif"))
    shares = text_layer_share(render_sentence("prs"), SENTENCES["prs"])
    assert shares["pdftotext"] < 0.9


def test_recovered_share_counts_letters_in_order():
    text = "دادگاه عالی روسیه"
    assert recovered_share(text, text) == 1.0
    # spacing, punctuation, ZWNJ and bidi controls do not count
    assert recovered_share("می‌سازد، (ISIS-K).", "\u202bمیسازد ISIS K\u202c") == 1.0
    assert recovered_share(text, text[::-1]) < 0.3           # visual order is not reading order
    assert recovered_share(text, "دادگاه") == pytest.approx(6 / 15)
    assert recovered_share("", "anything") == 1.0


@pytest.mark.parametrize("key", list(ALL))
def test_fonts_cover_every_sentence(key):
    assert font_coverage(SENTENCES[key], ALL[key]) == []


def test_font_coverage_names_what_is_missing():
    missing = font_coverage("漢字 and ✈ ok\u200c\u2066", ALL["prs"])   # controls are never drawn
    assert missing == ["漢", "字", "✈"]
    assert describe("漢") == "U+6F22 CJK UNIFIED IDEOGRAPH-6F22 (漢)"
    assert font_coverage("Ә ә Ғ ғ Қ қ Ң ң Ө ө Ұ ұ Ү ү Һ һ І і", ALL["kk"]) == []
    assert font_coverage("ټ ډ ړ ږ ښ ګ ڼ ې ۍ ئ څ ځ", ALL["ps"]) == []
