"""Quotation marks as each edition's readers expect them.

Russian, Kazakh, Dari and Pashto news sites quote with «…» (Russian and
Kazakh nest „…“ inside); English uses “…” and ‘…’. Models and authors write
whatever they were trained on or typed: straight "…", English “…”, German
„…“. Every edition's text is set in its own marks when it is written (all
writers get the same document), outside code, which is printed as written.

A double quote opens or closes by what stands around it, as typographers'
"smart quotes" decide: after a space, an opening bracket or dash, or at the
start of a block, it opens; otherwise it closes. Depth is counted across a
block's sentences, so a quotation that runs over two sentences keeps its
outer marks and one inside it gets the inner ones. Each mark is one
character replaced by one, so the marks of the document keep their offsets.
"""

from __future__ import annotations

from dataclasses import replace

from translate.source.document import Block, Document, Segment

# (outer open, outer close, inner open, inner close)
QUOTES = {
    "en": ("“", "”", "‘", "’"),
    "ru": ("«", "»", "„", "“"),
    "kk": ("«", "»", "„", "“"),
    "prs": ("«", "»", "“", "”"),
    "ps": ("«", "»", "“", "”"),
}
_DOUBLE = set('"“”„«»‟')
_OPENING_CONTEXT = set(" \t\n\u00a0([{<—–-/\u200f\u200e")


def localise_quotes(doc: Document, lang_key: str) -> Document:
    """``doc`` with every double quotation mark outside code in the marks of
    the edition ``lang_key`` (a language without a table is left as it is)."""
    quotes = QUOTES.get(lang_key)
    if quotes is None:
        return doc
    title = _segments((doc.title,), quotes)[0]
    summary = None if doc.summary is None else _segments((doc.summary,), quotes)[0]
    return replace(doc, title=title, summary=summary, blocks=tuple(_block(b, quotes) for b in doc.blocks))


def _block(block: Block, quotes: tuple[str, str, str, str]) -> Block:
    segments = _segments(block.segments, quotes) if block.segments else block.segments
    return replace(block, segments=segments, children=tuple(_block(c, quotes) for c in block.children))


def _segments(segments: tuple[Segment, ...], quotes: tuple[str, str, str, str]) -> tuple[Segment, ...]:
    depth = 0
    out = []
    before = ""   # the character before the segment: the previous one's last, or its space_after
    for index, segment in enumerate(segments):
        code = _code_positions(segment)
        chars = list(segment.text)
        for i, ch in enumerate(chars):
            if ch not in _DOUBLE or i in code:
                continue
            prev = chars[i - 1] if i else before
            nxt = chars[i + 1] if i + 1 < len(chars) else (segment.space_after or " ")
            if _opens(ch, prev, nxt):
                chars[i] = quotes[0] if depth % 2 == 0 else quotes[2]
                depth += 1
            else:
                depth = max(depth - 1, 0)
                chars[i] = quotes[1] if depth % 2 == 0 else quotes[3]
        text = "".join(chars)
        out.append(segment if text == segment.text else replace(segment, text=text))
        before = (segment.space_after or " ")[-1] if segment.space_after or index < len(segments) - 1 else ""
    return tuple(out)


def _opens(ch: str, prev: str, nxt: str) -> bool:
    """Whether a double quote opens: « „ always do, » ” never; straight " and
    “ (an English opener, a German and Russian closer) by what surrounds them."""
    if ch in "«„‟":
        return True
    if ch in "»”":
        return False
    return (prev == "" or prev in _OPENING_CONTEXT) and not (nxt == "" or nxt.isspace())


def _code_positions(segment: Segment) -> set[int]:
    return {i for mark in segment.marks if mark.kind == "code" for i in range(mark.start, mark.end)}
