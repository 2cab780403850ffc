"""Reading Markdown as editors write it: wrapped paragraphs, GFM, raw HTML,
headings, front matter, and the images an article names (translate.source.media)."""

from __future__ import annotations

import os
import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image

from identity_engine import IdentityEngine
from translate.source.document import walk
from translate.project.languages import TARGETS
from translate.source.markdown_reader import SourceError, read_markdown
from translate.publishing.render.markdown import write_markdown
from translate.source.media import MAX_IMAGE_BYTES, MediaError, prepare
from translate.translation.edition import translate_document
from translate.publishing.render.html import render_html
from translate.project.languages import SOURCE
from datetime import datetime, timezone


def doc_of(body: str, front: str = "title: T\n"):
    return read_markdown(f"---\n{front}---\n{body}")


def texts(doc) -> list[str]:
    return [s.text for s in doc.segments()[1:]]


# --- line breaks -------------------------------------------------------------------

def test_the_issue_example_translates_as_whole_sentences():
    doc = doc_of("talks on a\nnew corridor. They\nadded it.\n")
    assert texts(doc) == ["talks on a new corridor.", "They added it."]


SENTENCE_WORD = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=1, max_size=9)


@st.composite
def paragraph(draw):
    sentences = []
    for _ in range(draw(st.integers(1, 5))):
        words = draw(st.lists(SENTENCE_WORD, min_size=2, max_size=14))
        sentences.append(" ".join([words[0].capitalize(), *words[1:]]) + draw(st.sampled_from([".", "!", "?"])))
    return " ".join(sentences)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraph(), st.integers(8, 100))
def test_a_paragraph_gives_the_same_segments_however_it_is_wrapped(text, width):
    one_line = texts(doc_of(text + "\n"))
    wrapped = "\n".join(textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False))
    assert texts(doc_of(wrapped + "\n")) == one_line


def test_a_hard_break_is_a_line_break_inside_the_sentence_not_a_boundary():
    doc = doc_of("First line.\\\nSecond line of the same paragraph.\n")
    [segment] = doc.blocks[0].segments
    assert segment.text == "First line. Second line of the same paragraph."
    assert [m.kind for m in segment.marks] == ["break"]
    page = render_html(doc, SOURCE, editions=[], published=datetime(2026, 1, 1, tzinfo=timezone.utc),
                       original_href=None)
    assert "First line.<br>" in page
    assert "First line.\\\nSecond line" in write_markdown(doc)


# --- GFM -----------------------------------------------------------------------------

def test_table_cells_are_segments_and_pipes_round_trip():
    doc = doc_of("| Name | Code |\n|:-:|--:|\n| one *x* | `a\\|b` |\n|  | <https://x.org> |\n")
    table = doc.blocks[0]
    assert table.kind == "table" and table.attrs["align"] == ("center", "right")
    rows = table.children
    assert [r.attrs["header"] for r in rows] == [True, False, False]
    assert [len(c.segments) for r in rows for c in r.children] == [1, 1, 1, 1, 0, 1]
    assert rows[1].children[1].segments[0].text == "a|b"
    again = read_markdown(write_markdown(doc))
    assert again.blocks == doc.blocks


def test_urls_and_footnote_refs_never_reach_the_engine_and_come_back():
    doc = doc_of("See <https://x.org/a_b> and https://y.org/c_d or www.z.org now.[^1]\n\n"
                 "https://only.example.org\n\n[^1]: A note.\n")
    engine = IdentityEngine()
    translated, _, lost = translate_document(doc, TARGETS["ru"], engine)
    sent = [t for call in engine.calls for t in call]
    assert "See  and  or  now." in sent and not any("http" in t or "www" in t for t in sent)
    assert "" not in sent  # a paragraph that is only a URL is not sent at all
    written = write_markdown(translated)
    assert "<https://x.org/a_b>" in written and "https://y.org/c_d" in written and "www.z.org" in written
    assert "[^1]" in written and "[^1]: A note." in written
    assert read_markdown(written).blocks == doc.blocks


# --- raw HTML -------------------------------------------------------------------------

def test_raw_html_is_dropped_and_warned_with_its_line():
    doc = doc_of("Before <span class=x>kept text</span> after.\n\n<!-- secret -->\n\n"
                 "A <script>\nalert('x')\n</script> b <style>p{}</style>.\n\n<div>\nblock\n</div>\n",
                 front="title: T\nslug: s\n")
    assert texts(doc) == ["Before kept text after.", "A  b ."]
    assert [(w.line, w.message.split(" left out")[0]) for w in doc.warnings] == [
        (5, "a <span> element"), (7, "an HTML comment"), (9, "a <script> element"), (11, "a <style> element"),
        (13, "a <div> element")]
    written = write_markdown(doc)
    assert "<" not in written.split("---", 2)[2] and "alert" not in written


# --- headings ---------------------------------------------------------------------------

def test_a_first_heading_repeating_the_title_is_dropped_and_levels_are_ranked():
    doc = doc_of("#  rail  TALKS\n\nText.\n\n### A\n\n###### B\n\n## C\n\n> #### D\n",
                 front="title: Rail talks\n")
    headings = [b for b in walk(doc.blocks) if b.kind == "heading"]
    assert [(b.attrs["level"], b.attrs["rank"]) for b in headings] == [(3, 1), (6, 2), (2, 1), (4, 2)]
    page = render_html(doc, SOURCE, editions=[], published=datetime(2026, 1, 1, tzinfo=timezone.utc),
                       original_href=None)
    assert [page.count(f"<h{n}>") for n in range(1, 7)] == [1, 2, 2, 0, 0, 0]
    assert "### A" in write_markdown(doc) and "###### B" in write_markdown(doc)


def test_a_heading_that_differs_from_the_title_stays():
    doc = doc_of("# Another heading\n\nText.\n", front="title: Rail talks\n")
    assert doc.blocks[0].kind == "heading"


# --- front matter ------------------------------------------------------------------------

def test_front_matter_fields_are_read_and_normalised():
    doc = doc_of("Text.\n", front="title: T\nauthor: A. Writer\ndate: 2026-11-28\nsummary: >\n  A dek\n  on two lines.\n"
                 "tags: rail, trade\ncanonical: https://example.org/a\n")
    assert doc.meta["author"] == "A. Writer" and doc.meta["date"] == date(2026, 11, 28)
    assert doc.summary.text == "A dek on two lines." and doc.segments()[1] == doc.summary
    assert doc.meta["tags"] == ["rail", "trade"]
    assert read_markdown(write_markdown(doc)).meta == {**doc.meta, "lang": "en"}


@pytest.mark.parametrize("front,message", [
    ("date: next week\n", "front matter line 3: date must be a date like 2026-11-30"),
    ("date: 2026-13-01\n", "front matter line 3: not a real date"),
    ("canonical: example.org/a\n", "front matter line 3: canonical must be the article's full web address"),
    ("canonical: javascript:alert(1)\n", "canonical must be"),
    ("tags: {a: 1}\n", "front matter line 3: tags must be a list of words"),
    ("author: [a, b]\n", "front matter line 3: author must be one line of text"),
    ("summary: {x: y}\n", "summary must be one line of text"),
])
def test_bad_front_matter_fields_are_clear_one_line_errors(front, message):
    with pytest.raises(SourceError, match=message) as info:
        doc_of("Text.\n", front="title: T\n" + front)
    assert "\n" not in str(info.value)


# --- images ---------------------------------------------------------------------------------

def article(folder: Path, body: str) -> Path:
    path = folder / "a.md"
    path.write_text(f"---\ntitle: T\n---\n{body}\n")
    return path


def png(path: Path, size=(8, 6)) -> Path:
    Image.new("RGB", size, (200, 10, 10)).save(path)
    return path


def test_local_images_are_published_under_a_content_hash(tmp_path):
    png(tmp_path / "map.png")
    (tmp_path / "img").mkdir()
    png(tmp_path / "img" / "map.png", size=(4, 4))
    source = article(tmp_path, '![Map](map.png "Route")\n\nText ![small](img/map.png) here.')
    doc, files = prepare(read_markdown(source.read_text()), source)
    assert len(files) == 2 and len({f.name for f in files}) == 2
    figure = doc.blocks[0]
    assert figure.attrs["media"].startswith("map.") and figure.attrs["src"] == "../media/" + figure.attrs["media"]
    assert (figure.attrs["width"], figure.attrs["height"]) == (8, 6)
    written = write_markdown(doc)
    assert f"![Map](../media/{figure.attrs['media']} \"Route\")" in written


def test_a_file_url_is_no_image_at_all(tmp_path):
    # markdown-it's link validation refuses file: (and javascript:) targets:
    # the construct stays literal text, and nothing is read
    source = article(tmp_path, "![alt](file:///etc/passwd)")
    doc, files = prepare(read_markdown(source.read_text()), source)
    assert files == () and [b.kind for b in doc.blocks] == ["paragraph"]
    assert not doc.blocks[0].segments[0].marks


def test_a_remote_image_becomes_a_link_and_is_never_fetched(tmp_path):
    source = article(tmp_path, '![Delegates](https://img.example.org/d.jpg "In Tashkent")')
    doc, files = prepare(read_markdown(source.read_text()), source)
    assert files == ()
    assert [b.kind for b in doc.blocks] == ["paragraph", "paragraph"]
    assert doc.blocks[0].segments[0].marks[0].attrs["href"] == "https://img.example.org/d.jpg"
    assert "[Delegates](https://img.example.org/d.jpg)" in write_markdown(doc)


@pytest.mark.parametrize("src,message", [
    ("data:image/png;base64,AAAA", "a data: address is never read"),
    ("/etc/hosts", "an absolute path is never read"),
    ("../outside.png", "is outside the article's folder"),
    ("link.png", "is outside the article's folder"),
])
def test_images_outside_the_folder_are_never_read_but_warned(tmp_path, src, message):
    folder = tmp_path / "article"
    folder.mkdir()
    png(tmp_path / "outside.png")
    os.symlink(tmp_path / "outside.png", folder / "link.png")
    source = article(folder, f"Text.\n\n![the alt]({src})\n\nAn ![inline one]({src}) too.")
    doc, files = prepare(read_markdown(source.read_text()), source)
    assert files == ()
    assert [(w.line, message in w.message) for w in doc.warnings] == [(6, True), (8, True)]  # each, once
    assert [b.kind for b in doc.blocks] == ["paragraph", "paragraph", "paragraph"]
    assert not any(s.marks for b in doc.blocks for s in b.segments)
    written = write_markdown(doc)
    assert "the alt" in written and "inline one" in written and src not in written


@pytest.mark.parametrize("src,message", [
    ("missing.png", "no such file"),
    ("notes.png", "is not a PNG, JPEG, GIF or WebP image"),
    ("big.png", "over the limit"),
])
def test_images_that_cannot_be_published_are_clear_errors(tmp_path, src, message):
    folder = tmp_path / "article"
    folder.mkdir()
    (folder / "notes.png").write_text("not an image")
    with open(folder / "big.png", "wb") as handle:
        handle.truncate(MAX_IMAGE_BYTES + 1)
    source = article(folder, f"Text.\n\n![alt]({src})")
    with pytest.raises(MediaError, match=message) as info:
        prepare(read_markdown(source.read_text()), source)
    assert str(info.value).startswith(f"{source}:6: image ")
    assert "\n" not in str(info.value)
