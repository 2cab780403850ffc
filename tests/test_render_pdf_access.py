"""PDFs anyone can read: tagged (PDF/UA-1) with their language and reading
direction, packaged fonts only (a character they lack is caught, never drawn
with a system font), visible links whose address is printed, code in a
monospace face, and numbers kept with their units in right-to-left text."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from translate.source.document import Block, Document, Mark, Segment
from translate.project.languages import ALL
from translate.publishing.render import fonts
from translate.publishing.render.html import render_html
from translate.publishing.render.pdf import render_pdf
from translate.publishing.render.textlayer import extract_text, foreign_fonts, pdf_structure

PUBLISHED = datetime(2025, 7, 3, 9, 30, tzinfo=timezone.utc)
EDITIONS = [(lang, f"../{key}/t.{key}.html") for key, lang in ALL.items()]
SITE = "https://news.example.org/articles"
# The phrases that must read left to right, whole, inside Dari and Pashto text.
PHRASES = ("$4.8 billion", "20%", "573 km", "12 March 2024")
SENTENCES = {
    "prs": "دادگاه در 12 March 2024 از $4.8 billion تجارت، 20% رشد و 573 km مرز با ISIS-K یاد کرد.",
    "ps": "محکمې په 12 March 2024 کې د $4.8 billion سوداګرۍ، 20% ودې او 573 km پولې یادونه وکړه.",
    "ru": "Суд упомянул $4.8 billion → 20% и 573 км.",
    "en": "The court cited $4.8 billion → 20% and 573 km on 12 March 2024.",
    "kk": "Сот $4.8 billion → 20% және 573 км туралы айтты.",
}
TITLES = {"prs": "روسیه طالبان را از فهرست خارج کرد", "ps": "روسیې طالبان له لېست څخه وایستل",
          "ru": "Россия исключила «Талибан»", "en": "Russia removes the Taliban", "kk": "Ресей «Талибанды» шығарды"}


def doc_for(key: str, extra: str = "") -> Document:
    link = Segment("Report: UN", marks=(Mark("link", 8, 10, {"href": "https://un.example.org/report"}),))
    nested = Block("bullet_list", children=(Block("item", children=(
        Block("paragraph", segments=(Segment(TITLES[key]),)),)),), attrs={"tight": True})
    body = (
        Block("paragraph", segments=(Segment(SENTENCES[key] + extra),)),
        Block("paragraph", segments=(link,)),
        Block("bullet_list", children=(Block("item", children=(
            Block("paragraph", segments=(Segment(TITLES[key]),)), nested)),), attrs={"tight": True}),
        Block("code", attrs={"literal": "translate publish --to prs\n"}),
    )
    return Document(Segment(TITLES[key]), body, lang=key, slug="t")


def pdf_for(key: str, site_url: str | None = SITE, extra: str = "") -> bytes:
    lang = ALL[key]
    # printed=True: the page the PDF writer typesets (translate.publishing.writers.Page.pdf_html)
    html = render_html(doc_for(key, extra), lang, editions=EDITIONS, published=PUBLISHED,
                       original_href=None if key == "en" else "../en/t.en.html", site_url=site_url, printed=True)
    return render_pdf(html, lang=lang, title=TITLES[key], published=PUBLISHED)


@pytest.fixture(scope="module")
def pdfs():
    return {key: pdf_for(key) for key in ALL}


@pytest.mark.parametrize("key", list(ALL))
def test_pdf_is_tagged_with_language_direction_and_title(pdfs, key):
    found = pdf_structure(pdfs[key])
    assert found["tagged"]
    assert found["lang"] == ALL[key].html_lang
    assert found["direction"] == ("R2L" if ALL[key].direction == "rtl" else None)
    assert found["display_doc_title"] and found["title"] == TITLES[key]
    # Latin runs of Dari and Pashto text are tagged English: a screen reader switches voice
    assert found["element_langs"] == (["en"] if ALL[key].direction == "rtl" else [])


@pytest.mark.parametrize("key", list(ALL))
def test_pdf_embeds_packaged_fonts_only_with_code_in_the_monospace_face(pdfs, key):
    found = pdf_structure(pdfs[key])["fonts"]
    assert foreign_fonts(found) == []
    # "→" (en→ru, the sentences) and "◦" (nested bullets) come from a packaged face too
    assert any(name.startswith(fonts.pdf_font_name(fonts.MONO)) for name in found)


def test_foreign_fonts_names_system_fonts():
    assert foreign_fonts(["Pkg-Amiri", "Pkg-Noto-Serif-Bold", "DejaVu-Sans", "Pkg-Amiri-Bold"]) == ["DejaVu-Sans"]


def test_a_character_no_packaged_font_has_is_not_drawn_with_a_system_font():
    # A snowman is in DejaVu Sans (on this machine's system), in no packaged font.
    found = pdf_structure(pdf_for("kk", extra=" ☃"))["fonts"]
    assert foreign_fonts(found) == [], found


@pytest.mark.parametrize("key", ["prs", "ps"])
@pytest.mark.parametrize("extractor", ["pdftotext", "pypdf"])
def test_numbers_stay_with_their_units_in_rtl_text(pdfs, key, extractor):
    text = extract_text(pdfs[key], extractor)
    assert text is not None
    flat = re.sub(r"[\s\u200e\u200f\u202a-\u202e]+", " ", text)
    for phrase in PHRASES:
        assert phrase in flat, (extractor, phrase, flat[:400])
    # ... and in the order the sentence gives them
    positions = [flat.index(phrase) for phrase in ("12 March 2024", "$4.8 billion", "20%", "573 km")]
    assert positions == sorted(positions)


@pytest.mark.parametrize("key", ["prs", "ps"])
def test_html_keeps_each_phrase_in_one_isolated_run_with_a_no_break_space(key):
    html = render_html(doc_for(key), ALL[key], editions=EDITIONS, published=PUBLISHED, original_href=None)
    runs = re.findall(r'<span dir="ltr"(?: lang="en")?>(.*?)</span>', html)
    assert "$4.8\u00a0billion" in runs and "573\u00a0km" in runs and "12\u00a0March 2024" in runs and "20%" in runs
    assert "ISIS-K" not in SENTENCES[key] or '<span dir="ltr" lang="en">ISIS-K</span>' in html


def test_external_links_print_their_address_and_the_original_is_absolute(pdfs):
    text = re.sub(r"\s+", " ", extract_text(pdfs["ru"], "pypdf"))
    assert "(https://un.example.org/report)" in text
    assert f"({SITE}/t/en/t.en.html)" in text


def test_without_a_site_url_the_pdf_leaves_the_relative_original_link_out():
    data = pdf_for("ru", site_url=None)
    text = extract_text(data, "pypdf")
    assert "t.en.html" not in text
    # the notice itself is still there
    assert "Машинный перевод" in text or "машинный перевод" in text.lower()
