"""Long segments through the post-editing stages in pieces.

A stage's work on one segment grows faster than its length: the glossary
scores each candidate form in the whole sentence, re-decodes the rest of it
after a term, and reads the clause after each repair, once per term. On a
sentence that is fine; a segment of thousands of words (a pasted title, a
summary, a table cell, a paragraph inside one emphasis: the reader cuts long
paragraphs into sentence windows, never these) took minutes, the time growing
with the square of its length.

So a segment longer than ``LONG`` characters goes to the stages in pieces of
at least ``PIECE`` characters, cut where no word alignment crosses: every
source word before the cut produced only target text before it, and every one
after only text after it. The CTranslate2 engine translates such segments in
chunks of at most 256 source pieces (translate.translation.engines.ct2.chunk_bounds),
so its translations have a clean cut at least every chunk. The pieces are
joined again afterwards: the stages' texts in order, the alignment shifted
back to the whole segment's offsets. A segment with no clean cut (an engine
that reorders across the whole of it) goes whole, as before.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, fields, is_dataclass, replace

from translate.translation.engines.base import Alignment, Translation

LONG = 2000    # characters of source: a segment up to this long goes whole
PIECE = 1000   # characters of source: the least a piece holds (but the last)


@dataclass(frozen=True)
class Piece:
    source_start: int
    source_end: int
    translation: Translation   # offsets relative to the piece (source) and its text (target)


def cut(source: str, translation: Translation) -> list[Piece]:
    """``translation`` of ``source`` as pieces; one piece when it is short
    or has no clean cut."""
    whole = [Piece(0, len(source), translation)]
    if len(source) <= LONG or not translation.alignment:
        return whole
    cuts = _cuts(source, translation)
    if not cuts:
        return whole
    pairs = translation.alignment
    order = sorted(range(len(pairs)), key=lambda k: (pairs[k].src_start, pairs[k].src_end))
    rank = {k: position for position, k in enumerate(order)}
    firsts = [first for first, _, _ in cuts]   # sorted position of each later piece's first pair
    bounds = [(0, 0), *((p, q) for _, p, q in cuts), (len(source), len(translation.text))]
    grouped: list[list[Alignment]] = [[] for _ in bounds[:-1]]
    for k, pair in enumerate(pairs):   # each piece keeps its pairs in their order
        grouped[bisect_right(firsts, rank[k])].append(pair)
    pieces = []
    for (p, q), (p_end, q_end), mine in zip(bounds, bounds[1:], grouped):
        shifted = tuple(Alignment(a.src_start - p, a.src_end - p, a.tgt_start - q, a.tgt_end - q) for a in mine)
        pieces.append(Piece(p, p_end, Translation(translation.text[q:q_end], shifted)))
    return pieces


def _cuts(source: str, translation: Translation) -> list[tuple[int, int, int]]:
    """(sorted position of the first pair after the cut, source offset,
    target offset) of each cut: at whitespace on both sides, no pair
    crossing it, each piece at least PIECE source characters long."""
    pairs = sorted(translation.alignment, key=lambda a: (a.src_start, a.src_end))
    text = translation.text
    # suffix[i]: the smallest target start among pairs[i:]
    suffix = [len(text)] * (len(pairs) + 1)
    for i in range(len(pairs) - 1, -1, -1):
        suffix[i] = min(suffix[i + 1], pairs[i].tgt_start)
    cuts: list[tuple[int, int, int]] = []
    last = 0
    source_end = target_end = 0   # the furthest ends among pairs[:i]
    for i in range(1, len(pairs)):
        source_end = max(source_end, pairs[i - 1].src_end)
        target_end = max(target_end, pairs[i - 1].tgt_end)
        p, q = source_end, target_end
        if (p - last >= PIECE and len(source) - p >= PIECE // 2 and p <= pairs[i].src_start
                and q <= suffix[i] and _at_space(source, p) and _at_space(text, q)):
            cuts.append((i, p, q))
            last = p
    return cuts


def _at_space(text: str, pos: int) -> bool:
    return 0 < pos < len(text) and (text[pos].isspace() or text[pos - 1].isspace())


def join(pieces: list[Piece], translations: list[Translation]) -> Translation:
    """The whole segment's translation from its pieces' (as the stages left them)."""
    if len(pieces) == 1:
        return translations[0]
    text: list[str] = []
    pairs: list[Alignment] = []
    at = 0
    for piece, translation in zip(pieces, translations):
        p = piece.source_start
        pairs += [Alignment(a.src_start + p, a.src_end + p, a.tgt_start + at, a.tgt_end + at)
                  for a in translation.alignment]
        text.append(translation.text)
        at += len(translation.text)
    return Translation("".join(text), tuple(pairs))


def join_findings(done: list[tuple[Translation, tuple]]) -> tuple:
    """The findings of a stage over a segment's pieces, as one segment's:
    a finding that locates itself in the stage's text (an adaptation
    Change's ``start`` and ``end``) is shifted to the whole text's offsets."""
    out: list = []
    at = 0
    for translation, findings in done:
        for finding in findings:
            names = {f.name for f in fields(finding)} if is_dataclass(finding) else set()
            if at and {"start", "end"} <= names:
                finding = replace(finding, start=finding.start + at, end=finding.end + at)
            out.append(finding)
        at += len(translation.text)
    return tuple(out)
