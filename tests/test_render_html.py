"""HTML editions: language and direction, links between editions, locale data,
inline markup, bidi isolation, and nothing from a document ever live."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translate.source.document import Block, Document, Mark, Segment
from translate.translation.engines.base import ModelInfo
from translate.project.languages import ALL, SOURCE, TARGETS
from translate.publishing.render.html import render_html, render_index, render_inline, safe_href

PUBLISHED = datetime(2025, 7, 3, 9, 30, tzinfo=timezone.utc)
EDITIONS = [(lang, f"../{key}/taliban-delisting.{key}.html") for key, lang in ALL.items()]
TEMPLATES = Path(__file__).resolve().parent.parent / "translate" / "templates"

TEXTS = {
    "en": ("Russia removes the Taliban from its terrorist list",
           "Russia's Supreme Court has removed the Taliban from its list of terrorist organizations."),
    "ru": ("Россия исключила «Талибан» из списка террористов",
           "Верховный суд России исключил «Талибан» из списка террористических организаций."),
    "prs": ("روسیه طالبان را از فهرست تروریستان خارج کرد",
            "دادگاه عالی روسیه طالبان را از فهرست سازمان‌های تروریستی خارج کرد."),
    "ps": ("روسیې طالبان د ترهګرو له لېست څخه وایستل",
           "د روسیې سترې محکمې طالبان د ترهګرو سازمانونو له لېست څخه وایستل."),
    "kk": ("Ресей «Талибанды» террористер тізімінен шығарды",
           "Ресейдің Жоғарғы соты «Талибанды» террористік ұйымдар тізімінен алып тастады."),
}


def doc_for(key: str, *blocks: Block) -> Document:
    title, sentence = TEXTS[key]
    body = blocks or (Block("paragraph", segments=(Segment(sentence),)),)
    return Document(Segment(title), tuple(body), lang=key, slug="taliban-delisting")


def render(key: str, doc: Document | None = None, **kwargs) -> str:
    lang = ALL[key]
    options = dict(editions=EDITIONS, published=PUBLISHED,
                   original_href=None if key == "en" else "../en/taliban-delisting.en.html")
    options.update(kwargs)
    return render_html(doc or doc_for(key), lang, **options)


class Page(HTMLParser):
    """Every element of a page, checked for nesting as it is parsed."""

    VOID = {"meta", "link", "br", "hr", "img", "input"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()
        assert self.stack == [], f"unclosed elements: {self.stack}"

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        if "style" not in self.stack:
            self.text.append(data)

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    @property
    def body_text(self) -> str:
        return "".join(self.text)


@pytest.mark.parametrize("key", list(ALL))
def test_every_edition_has_its_language_direction_and_links(key):
    lang = ALL[key]
    html = render(key)
    assert html.startswith("<!DOCTYPE html>")
    page = Page(html)
    root = page.find("html")[0]
    assert root == {"lang": lang.html_lang, "dir": lang.direction}
    # hreflang alternates for every edition, the original as x-default
    alternates = {a["hreflang"]: a["href"] for a in page.find("link", rel="alternate")}
    assert alternates == {**{l.html_lang: href for l, href in EDITIONS},
                          "x-default": "../en/taliban-delisting.en.html"}
    # the switcher names each edition in its own language, marks the current one
    switcher = [a for t, a in page.elements if t == "a" and "hreflang" in a and "class" not in a]
    assert [a["lang"] for a in switcher] == [l.html_lang for l, _ in EDITIONS]
    assert [a["dir"] for a in switcher] == [l.direction for l, _ in EDITIONS]
    current = [a for a in switcher if a.get("aria-current") == "page"]
    assert len(current) == 1 and current[0]["hreflang"] == lang.html_lang
    for name in ("English", "Русский", "دری", "پښتو", "Қазақ тілі"):
        assert name in page.body_text
    assert TEXTS[key][1] in page.body_text
    assert page.find("title") and page.find("h1")


@pytest.mark.parametrize("key", list(TARGETS))
def test_translations_carry_the_notice_in_their_language_and_link_the_original(key):
    page = Page(render(key, model=ModelInfo("argos", "translate-en_ru", "1.9")))
    notice = {
        "ru": "Машинный перевод английского оригинала",
        "prs": "ترجمه ماشینی متن اصلی انگلیسی",
        "ps": "د انګلیسي اصلي متن ماشیني ژباړه",
        "kk": "Ағылшын тіліндегі түпнұсқаның машиналық аудармасы",
    }[key]
    assert notice in page.body_text
    assert page.find("a", href="../en/taliban-delisting.en.html", hreflang="en", **{"class": "original"})
    # the model as a reader can look it up, with no English word in the chrome
    assert "Argos en→ru 1.9" in page.body_text and "(argos)" not in page.body_text
    assert page.find("meta", name="translation-model")[0]["content"] == "Argos en→ru 1.9"


def test_the_original_has_no_translation_notice():
    html = render("en")
    assert "Machine translation" not in html
    assert 'class="original"' not in html


def test_notice_does_not_claim_a_glossary_check_without_one():
    html = render("ru", glossary_checked=False)
    assert "Машинный перевод английского оригинала." in html
    assert "глоссари" not in html


@pytest.mark.parametrize("key, date", [
    ("en", "July 3, 2025"),
    ("ru", "3 июля 2025"),
    ("prs", "۳ جولای ۲۰۲۵"),     # Afghan month names, Extended Arabic-Indic digits
    ("ps", "۳ جولای ۲۰۲۵"),
    ("kk", "2025 ж. 3 шілде"),
])
def test_publication_date_in_the_editions_locale(key, date):
    page = Page(render(key))
    assert date in page.body_text.replace("\u202f", " ")
    assert page.find("time", datetime="2025-07-03T09:30:00+00:00")
    assert page.find("meta", name="dcterms.created")[0]["content"] == "2025-07-03T09:30:00+00:00"


def test_ordered_lists_count_in_the_editions_digits():
    items = tuple(Block("list_item", children=(Block("paragraph", segments=(Segment(t),), attrs={"hidden": True}),))
                  for t in ("یک", "دو"))
    html = render("prs", doc_for("prs", Block("ordered_list", children=items, attrs={"tight": True, "start": 3})))
    page = Page(html)
    assert page.find("ol", start="3")
    assert "list-style-type: persian" in html
    assert "list-style-type: decimal" in render("ru")


def test_styles_use_logical_properties_so_rtl_mirrors():
    css = (TEMPLATES / "edition.css").read_text()
    physical = re.findall(r"(?:margin|padding|border)-(?:left|right)|text-align:\s*right|float:\s*(?:left|right)", css)
    assert physical == []
    assert "margin-inline" in css and "padding-inline-start" in css and "text-align: start" in css


@pytest.mark.parametrize("text, isolated", [
    ("گروه داعش خراسان (ISIS-K) مسئول است.", ["ISIS-K"]),
    ("ولایت Wilayat Khorasan (ISIS-K) است.", ["Wilayat Khorasan (ISIS-K)"]),
    ("شیوع COVID-19 در سال 2021 و نرخ 1,234.5 بود.", ["COVID-19", "2021", "1,234.5"]),
    ("تاریخ ۱۴۰۴/۴/۱۲ است.", ["۱۴۰۴/۴/۱۲"]),
])
def test_left_to_right_runs_in_rtl_text_are_isolated(text, isolated):
    html = render_inline(Segment(text), "rtl")
    assert re.findall(r'<span dir="ltr"(?: lang="en")?>(.*?)</span>', html) == isolated
    # Latin runs are English words of the original (a screen reader switches voice); numbers are not
    assert all(('lang="en"' in tag) == bool(re.search("[A-Za-z]", run))
               for tag, run in re.findall(r'(<span dir="ltr"[^>]*>)(.*?)</span>', html))
    assert re.sub(r"<[^>]+>", "", html) == text


def test_rtl_runs_in_ltr_text_are_isolated_and_ltr_text_is_left_alone():
    assert render_inline(Segment("Талибан (طالبان) и Россия"), "ltr") == \
        'Талибан (<span dir="rtl">طالبان</span>) и Россия'
    assert render_inline(Segment("ISIS-K in 2021"), "ltr") == "ISIS-K in 2021"


def test_guillemets_in_rtl_text_get_a_box_of_their_own():
    html = render_inline(Segment("برای «همکاری» با کابل"), "rtl")
    assert html == 'برای <span class="bidi-box">«</span>همکاری<span class="bidi-box">»</span> با کابل'


def test_marks_become_nested_elements_even_when_they_overlap():
    text = "Moscow and Kabul signed a deal"
    segment = Segment(text, (
        Mark("strong", 0, 16),                     # "Moscow and Kabul"
        Mark("em", 11, 23),                        # "Kabul signed", crosses the strong
        Mark("link", 24, 30, {"href": "https://example.org/deal", "title": 'the "deal"'}),
        Mark("code", 7, 10),
        Mark("break", 23, 23, {"markup": "\\"}),
    ))
    html = render_inline(segment, "ltr")
    Page(html)  # well nested
    assert html == ('<strong>Moscow <code>and</code> <em>Kabul</em></strong><em> signed</em><br>\n'
                    ' <a href="https://example.org/deal" title="the &#34;deal&#34;">a deal</a>')


@pytest.mark.parametrize("href, kept", [
    ("https://example.org/a?b=1", True),
    ("http://example.org", True),
    ("mailto:desk@example.org", True),
    ("../ru/article.ru.html", True),
    ("#section", True),
    ("javascript:alert(1)", False),
    ("JaVaScRiPt:alert(1)", False),
    ("java\tscript:alert(1)", False),
    (" \x01javascript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ("vbscript:msgbox", False),
    ("file:///etc/passwd", False),
    ("javascript&colon;alert(1)", True),   # no scheme: a relative URL, harmless
    ("", False),
])
def test_only_http_mailto_and_relative_links_survive(href, kept):
    assert (safe_href(href) is not None) == kept


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)><iframe src="https://evil.example"></iframe>'


def test_nothing_from_the_document_becomes_live_markup():
    text = f"Before {HOSTILE} after, see the map and the link."
    img_at, link_at = text.index("map"), text.index("link")
    segment = Segment(text, (
        Mark("html", 6, 6, {"raw": "<script>alert(2)</script>"}),
        Mark("image", img_at, img_at + 3, {"src": "http://127.0.0.1:9/tracker.png"}),
        Mark("link", link_at, link_at + 4, {"href": "javascript:alert(3)"}),
        Mark("link", 0, 6, {"href": 'https://ok.example/" onmouseover="alert(4)'}),
    ))
    doc = Document(
        Segment(f"Title {HOSTILE}"),
        (Block("paragraph", segments=(segment,)),
         Block("html", attrs={"literal": '<iframe src="https://evil.example"></iframe><script>alert(5)</script>'}),
         Block("code", attrs={"literal": "</code><script>alert(6)</script>", "info": ""}),
         Block("heading", segments=(Segment("<b onclick=alert(7)>Heading</b>"),), attrs={"level": 2})),
        meta={"author": '"><script>alert(8)</script>'},
    )
    for key in ("en", "prs"):
        page = Page(render(key, doc))
        tags = {tag for tag, _ in page.elements}
        assert not tags & {"script", "iframe", "img", "object", "embed", "b"}
        for tag, attrs in page.elements:
            assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
            for name in ("href", "src"):
                value = (attrs.get(name) or "").lower()
                assert not value.startswith(("javascript:", "data:", "vbscript:", "file:")), (tag, attrs)
        # the hostile text is shown as text, the link text and image alt stay
        assert HOSTILE in page.body_text and "alert(6)" in page.body_text
        assert "alert(5)" not in page.body_text       # raw HTML blocks are dropped
        assert page.find("span", **{"class": "image-alt"})
        assert page.find("a", href='https://ok.example/" onmouseover="alert(4)')
        assert page.find("meta", name="author")[0]["content"] == '"><script>alert(8)</script>'


def test_markdown_article_renders_without_live_markup():
    from translate.source.markdown_reader import read_markdown

    doc = read_markdown(
        "---\ntitle: A *test*\nslug: t\n---\n\n"
        "Read [this](javascript:alert(1)) and [that](https://example.org) with <span onclick=x>raw</span>.\n\n"
        "<div><script>alert(2)</script></div>\n\n![alt text](http://127.0.0.1:9/x.png)\n"
    )
    page = Page(render_html(doc, SOURCE, editions=EDITIONS, published=PUBLISHED, original_href=None))
    assert page.find("a", href="https://example.org")
    assert not any(tag in ("script", "img", "div") for tag, _ in page.elements)
    assert not any(a.get("onclick") for _, a in page.elements)
    assert "alt text" in page.body_text and "this" in page.body_text


def test_index_lists_each_edition_with_localised_sizes_and_dates():
    rows = [(ALL[key], [(f"{key}/t.{key}.html", 7210), (f"{key}/t.{key}.pdf", 28_123)], PUBLISHED)
            for key in ("en", "ru", "prs", "kk")]
    page = Page(render_index("Taliban Not Terrorists", "t", rows, PUBLISHED))
    assert page.find("html")[0] == {"lang": "en", "dir": "ltr"}
    text = page.body_text
    for expected in ("7.2 kB", "28 kB", "7,2 кБ", "۷٫۲ کیلوبایت", "۲۸ کیلوبایت", "3 июля 2025", "۳ جولای ۲۰۲۵",
                     "2025 ж. 3 шілде", "Русский", "دری", "Қазақ тілі", "Files and sizes"):
        assert expected in text.replace("\u202f", " ")
    assert page.find("tr", lang="fa-AF", dir="rtl")
    assert page.find("a", href="prs/t.prs.pdf", hreflang="fa-AF")


_ALPHABET = "abc XYZ داعشپښ۱۲ 12 «»()[]<>&\"'.-,،\n"


@st.composite
def segments(draw):
    text = draw(st.text(alphabet=_ALPHABET, max_size=40))
    marks = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))
        kind = draw(st.sampled_from(["em", "strong", "s", "code", "link", "image", "break", "html"]))
        if kind in ("break", "html"):
            end = start
        attrs = {"href": draw(st.sampled_from(["https://x.example/a", "javascript:x", "../a.html"]))} \
            if kind == "link" else {"raw": "<script>"} if kind == "html" else {}
        marks.append(Mark(kind, start, end, attrs))
    return Segment(text, tuple(marks))


@settings(max_examples=200, deadline=None)
@given(segment=segments(), direction=st.sampled_from(["ltr", "rtl"]))
def test_inline_rendering_always_nests_and_keeps_the_text(segment, direction):
    html = str(render_inline(segment, direction))
    page = Page("<p>" + html.replace("<br>\n", "<br>") + "</p>")   # asserts proper nesting
    assert page.body_text == segment.text
    assert {tag for tag, _ in page.elements} <= {"p", "em", "strong", "s", "code", "a", "span", "br"}
    assert all(not a.get("href", "").startswith("javascript") for _, a in page.elements)
