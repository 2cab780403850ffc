"""Inline markup across translation: what the engine sees, and putting marks back.

The engine gets a segment's plain text (soft line breaks as spaces), never
Markdown syntax. Afterwards each mark is projected onto the translation through
the engine's word alignment: a source range maps to the smallest target range
covering every target word aligned to it. Code spans are then restored verbatim.
A range no target word is aligned to (a link in a heading the model rephrased)
is never dropped: it goes on the target word where its start projects, so
every link, code span and emphasis of the source is in every edition
(translate.publishing.checks.structure verifies it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from translate.source.document import Mark, Segment
from translate.translation.engines.base import Alignment, Translation


def engine_text(segment: Segment) -> str:
    """The text an engine translates: same length and offsets as segment.text.
    URLs, footnote references and line breaks are zero-width marks, so no
    Markdown or HTML syntax is in it."""
    return segment.text.replace("\n", " ")


def translate_texts(engine, texts: list[str], progress=None) -> list[Translation]:
    """The engine's translations of ``texts``, in one call. A text with no
    words (a table cell or a paragraph holding only a URL) is not sent: it
    stays as it is."""
    wanted = [i for i, text in enumerate(texts) if text.strip()]
    translated = engine.translate([texts[i] for i in wanted], progress=progress) if wanted else []
    if len(translated) != len(wanted):
        raise RuntimeError(f"engine returned {len(translated)} translations for {len(wanted)} segments")
    if progress is not None and len(wanted) < len(texts):
        progress(len(texts) - len(wanted))
    out = [Translation(text, ()) for text in texts]
    for i, translation in zip(wanted, translated):
        out[i] = translation
    return out


def links_apart(marks) -> tuple[tuple[Mark, ...], list[Mark]]:
    """(``marks`` with no link inside or across another, the links left with
    no words): a link ends where the next one begins. A translation can put
    one link's words inside another's (crossing placeholders from a
    translator, or the alignment's projection); neither HTML nor Markdown
    can nest links (a browser ends the first <a> at the second, CommonMark
    keeps the inner link and writes the outer one as text), so both writers
    are given the same, disjoint links."""
    marks = tuple(marks)
    links = sorted((m for m in marks if m.kind == "link" and m.end > m.start), key=lambda m: (m.start, -m.end))
    cut: dict[int, int] = {}   # id of a link -> its new end
    for first, then in zip(links, links[1:]):
        if then.start < cut.get(id(first), first.end):
            cut[id(first)] = then.start
    if not cut:
        return marks, []
    kept = tuple(Mark(m.kind, m.start, cut[id(m)], m.attrs) if id(m) in cut else m for m in marks
                 if cut.get(id(m), m.end) > m.start)
    return kept, [m for m in marks if id(m) in cut and cut[id(m)] <= m.start]


@dataclass(frozen=True)
class LostMark:
    mark: Mark
    reason: str


def restore(segment: Segment, translation: Translation) -> tuple[Segment, list[LostMark]]:
    """The translated segment with the source's marks projected onto it."""
    target = translation.text
    marks: list[Mark] = []
    code_text: dict[int, str] = {}  # index in marks -> the source's code text
    lost: list[LostMark] = []
    for mark in segment.marks:
        if mark.start == mark.end:
            pos = _project_point(mark.start, translation.alignment, len(segment.text), len(target))
            marks.append(Mark(mark.kind, pos, pos, mark.attrs))
            continue
        span = _project_range(mark.start, mark.end, translation.alignment)
        if span is None and _covers_all(segment.text, mark):
            span = (0, len(target))
        if span is not None:   # an alignment past the text's end (a stage shortened it) is cut to it
            span = (min(span[0], len(target)), min(span[1], len(target)))
        if span is None or span[0] >= span[1] and target.strip():
            word = _word_at(target, _fallback_point(mark.start, translation.alignment, len(segment.text),
                                                    len(target)))
            # code goes in before that word (its text is the source's), anything else on it
            span = (word[0], word[0]) if mark.kind == "code" else word
        if mark.kind == "code":
            code_text[len(marks)] = segment.text[mark.start:mark.end]
        marks.append(Mark(mark.kind, span[0], span[1], mark.attrs))

    # Code is never translated: put the original code text back in its place,
    # right to left so that earlier offsets stay valid.
    text = target
    for index in sorted(code_text, key=lambda i: -marks[i].start):
        text, marks = _splice(text, marks, index, code_text[index])
    marks, wordless = links_apart(marks)
    lost += [LostMark(mark, "its words are those of another link") for mark in wordless]
    return Segment(text, marks, segment.space_after), lost


def _fallback_point(pos: int, alignment: tuple[Alignment, ...], src_len: int, tgt_len: int) -> int:
    """Where ``pos`` falls in the translation: through the alignment, or in
    proportion to the lengths when there is none."""
    if alignment:
        return _project_point(pos, alignment, src_len, tgt_len)
    return round(pos * tgt_len / src_len) if src_len else 0


def _word_at(text: str, pos: int) -> tuple[int, int]:
    """The word of ``text`` that starts at or after ``pos`` (else the last one
    before it); the whole text when it has no word."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    if not words:
        return (0, len(text))
    return next((w for w in words if w[1] > pos), words[-1])


_WORD = re.compile(r"\S+")


def _covers_all(text: str, mark: Mark) -> bool:
    """A mark over the whole sentence (maybe bar punctuation) wraps the whole translation."""
    outside = text[: mark.start] + text[mark.end:]
    return not any(ch.isalnum() for ch in outside)


def _project_range(start: int, end: int, alignment: tuple[Alignment, ...]) -> tuple[int, int] | None:
    hits = [a for a in alignment if a.src_start < end and start < a.src_end]
    if not hits:
        return None
    return min(a.tgt_start for a in hits), max(a.tgt_end for a in hits)


def _project_point(pos: int, alignment: tuple[Alignment, ...], src_len: int, tgt_len: int) -> int:
    after = [a for a in alignment if a.src_start >= pos]
    if after:
        return min(after, key=lambda a: a.src_start).tgt_start
    return tgt_len if pos >= src_len or not alignment else max(a.tgt_end for a in alignment)


def _splice(text: str, marks: list[Mark], index: int, original: str) -> tuple[str, list[Mark]]:
    """Replace the text under marks[index] by ``original``, shifting the other
    marks; a zero-width mark (code placed before a word) gets a space after it."""
    code = marks[index]
    gap = " " if code.start == code.end and code.start < len(text) and not text[code.start].isspace() else ""
    delta = len(original) + len(gap) - (code.end - code.start)
    new_text = text[: code.start] + original + gap + text[code.end:]
    shifted = []
    for i, m in enumerate(marks):
        if i == index:
            shifted.append(Mark(m.kind, m.start, m.start + len(original), m.attrs))
            continue
        s = m.start + delta if m.start >= code.end else m.start
        e = m.end + delta if m.end >= code.end else m.end
        shifted.append(Mark(m.kind, s, e, m.attrs))
    return new_text, shifted
