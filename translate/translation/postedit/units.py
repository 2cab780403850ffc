"""Segments as translation units, and the placeholder notation for inline marks.

A translator never sees Markdown. Each inline mark of a source segment gets a
number (1, 2, ... in the order of ``Segment.marks``) and stands in the text as
a placeholder:

    {1}...{/1}   a mark over a range of text: emphasis, strong, strike-through,
                 a link, an image's alt text; the text between is translated
    {2/}         a standalone mark: inline code (its text is never translated
                 and comes back verbatim), a line break, raw inline HTML
    {{ and }}    a literal brace

"Read the {1}sanctions list{/1} of the {2/}." is a unit source; the
translator writes the same placeholders around (or at) the matching words of
the translation, in any order. Attributes (a link's target, the code text)
are never in the text: they come back from the source mark with the same
number, so a translator cannot change where a link points. The notation is
the PO form; XLIFF writes the same placeholders as <pc>/<ph> elements and
TMX as <bpt>/<ept>/<ph>, and both read back into this notation.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from translate.errors import UserError
from translate.source.document import Block, Document, Mark, Segment
from translate.source.inline import links_apart
from translate.source.markdown_reader import CONTROLS

# Marks whose text is translated: the placeholder pair wraps it.
PAIRED_KINDS = ("em", "strong", "s", "link", "image")

_LABELS = {"em": "emphasis", "strong": "strong emphasis", "s": "strike-through", "link": "link",
           "image": "image (its description)", "code": "code, kept as is", "html": "inline HTML",
           "break": "line break"}


class PlaceholderError(UserError):
    """A translation whose placeholders cannot be put back."""


# --- tokens ----------------------------------------------------------------

@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Open:
    number: int


@dataclass(frozen=True)
class Close:
    number: int


@dataclass(frozen=True)
class Single:
    number: int


Token = Text | Open | Close | Single

_NOTATION = re.compile(r"\{\{|\}\}|\{(/?)(\d{1,4})(/?)\}")


def is_paired(mark: Mark) -> bool:
    return mark.kind in PAIRED_KINDS and mark.end > mark.start


@dataclass(frozen=True)
class Placeholder:
    number: int
    kind: str
    paired: bool
    label: str      # what it stands for, for the translator: "link to https://..."
    code: str = ""  # the verbatim text of a code placeholder

    @property
    def notation(self) -> str:
        return f"{{{self.number}}}…{{/{self.number}}}" if self.paired else f"{{{self.number}/}}"


def placeholders(segment: Segment) -> tuple[Placeholder, ...]:
    out = []
    for number, mark in enumerate(segment.marks, 1):
        label = _LABELS.get(mark.kind, mark.kind)
        code = ""
        if mark.kind == "link" and mark.attrs.get("href"):
            label += f" to {mark.attrs['href']}"
        elif mark.kind == "code":
            code = segment.text[mark.start:mark.end]
            label += f": {code}"
        out.append(Placeholder(number, mark.kind, is_paired(mark), label, code))
    return tuple(out)


def tokens_of(segment: Segment, numbers: list[int] | None = None) -> list[Token]:
    """The segment as text and placeholder tokens. ``numbers[i]`` is the
    placeholder number of ``segment.marks[i]`` (default: i + 1)."""
    numbers = numbers or list(range(1, len(segment.marks) + 1))
    text = segment.text.replace("\n", " ")
    events: list[tuple[int, int, int, Token]] = []   # (pos, order, tiebreak, token)
    skip: list[tuple[int, int]] = []
    for number, mark in zip(numbers, segment.marks):
        start, end = max(0, mark.start), min(len(text), mark.end)
        if is_paired(mark):
            # at one position: closes (inner first), then singles, then opens (outer first)
            events.append((end, 0, -start, Close(number)))
            events.append((start, 2, -end, Open(number)))
        else:
            events.append((start, 1, number, Single(number)))
            if mark.kind == "code" and end > start:
                skip.append((start, end))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    out: list[Token] = []
    pos = 0
    for at, _, _, token in events:
        at = max(at, pos)
        out.extend(_text_tokens(text, pos, at, skip))
        pos = max(pos, at)
        out.append(token)
        if isinstance(token, Single):
            pos = max(pos, next((e for s, e in skip if s == at), pos))
    out.extend(_text_tokens(text, pos, len(text), skip))
    return out


def _text_tokens(text: str, start: int, end: int, skip) -> list[Token]:
    if not any(s < end and start < e for s, e in skip):   # most text: no code span to leave out
        chunk = text[start:end]
    else:
        chunk = "".join(ch for i, ch in enumerate(text[start:end], start) if not any(s <= i < e for s, e in skip))
    return [Text(chunk)] if chunk else []


def to_notation(tokens: list[Token]) -> str:
    parts = []
    for token in tokens:
        if isinstance(token, Text):
            parts.append(token.text.replace("{", "{{").replace("}", "}}"))
        elif isinstance(token, Open):
            parts.append(f"{{{token.number}}}")
        elif isinstance(token, Close):
            parts.append(f"{{/{token.number}}}")
        else:
            parts.append(f"{{{token.number}/}}")
    return "".join(parts)


def clean_notation(notation: str) -> str:
    """A translator's text without the control and bidi-override characters
    that the Markdown reader removes from sources too: nothing a translator's
    tool (or a TMX from elsewhere) slips in reaches a published file."""

    return CONTROLS.sub("", notation)


def parse_notation(notation: str) -> list[Token]:
    """Tokens of a notation string. A brace that is no placeholder is kept as
    text (translators do type braces); ``{{``/``}}`` are literal braces."""
    out: list[Token] = []
    pos = 0
    buffer = []
    for match in _NOTATION.finditer(notation):
        buffer.append(notation[pos:match.start()])
        pos = match.end()
        whole = match.group(0)
        if whole in ("{{", "}}"):
            buffer.append(whole[0])
            continue
        closing, number, single = match.group(1), int(match.group(2)), match.group(3)
        if closing and single:
            buffer.append(whole)
            continue
        if buffer and "".join(buffer):
            out.append(Text("".join(buffer)))
        buffer = []
        out.append(Close(number) if closing else Single(number) if single else Open(number))
    buffer.append(notation[pos:])
    if "".join(buffer):
        out.append(Text("".join(buffer)))
    return out


def notation_of(segment: Segment) -> str:
    """A source segment in the notation: what a unit's source reads."""
    return to_notation(tokens_of(segment))


def target_notation(source: Segment, target: Segment) -> str:
    """A translated segment (marks projected from ``source`` by the pipeline)
    in the notation, numbered like the source's placeholders. The pipeline
    keeps the source's marks in order and drops the ones it could not place,
    so each target mark is the next source mark of the same kind."""
    numbers: list[int] = []
    next_source = 0
    for mark in target.marks:
        while next_source < len(source.marks) and (
                source.marks[next_source].kind != mark.kind
                or _identity(source.marks[next_source]) != _identity(mark)):
            next_source += 1
        if next_source >= len(source.marks):
            break
        numbers.append(next_source + 1)
        next_source += 1
    kept = Segment(target.text, target.marks[:len(numbers)], target.space_after)
    return to_notation(tokens_of(kept, numbers))


def _identity(mark: Mark) -> dict:
    """A mark's attributes without its title, which is translated (Document.tooltips)."""
    return {key: value for key, value in mark.attrs.items() if key != "title"}


@dataclass(frozen=True)
class PlaceholderCheck:
    segment: Segment                 # the translation with the source's marks put back
    dropped: tuple[int, ...] = ()    # placeholders of the source missing from the translation
    moved: bool = False              # placeholders in another order than in the source


def apply_notation(source: Segment, notation: str) -> PlaceholderCheck:
    """The translation ``notation`` of ``source`` as a Segment with marks.

    Raises PlaceholderError for what cannot be put back (a placeholder the
    source does not have, one used twice, an opening without its closing, a
    pair written as a standalone); reports dropped and reordered ones."""
    marks_by_number = dict(enumerate(source.marks, 1))
    text_parts: list[str] = []
    length = 0
    opened: dict[int, int] = {}
    seen: list[int] = []
    marks: list[tuple[int, Mark]] = []
    for token in parse_notation(clean_notation(notation)):
        if isinstance(token, Text):
            text_parts.append(token.text)
            length += len(token.text)
            continue
        number = token.number
        mark = marks_by_number.get(number)
        if mark is None:
            raise PlaceholderError(f"placeholder {{{number}}} is not in the English source "
                                   f"(it has {_count(len(source.marks))})")
        shown = "{%d}…{/%d}" % (number, number) if is_paired(mark) else "{%d/}" % number
        if isinstance(token, Open | Single) and number in seen:
            raise PlaceholderError(f"placeholder {shown} is used twice")
        if is_paired(mark) != (not isinstance(token, Single)):
            raise PlaceholderError(f"placeholder {{{number}}} must be written {shown}")
        if isinstance(token, Open):
            opened[number] = length
            seen.append(number)
        elif isinstance(token, Close):
            if number not in opened:
                raise PlaceholderError(f"{{/{number}}} closes a placeholder that was not opened before it")
            start = opened.pop(number)
            marks.append((number, Mark(mark.kind, start, length, mark.attrs)))
        else:
            seen.append(number)
            if mark.kind == "code":
                code = source.text[mark.start:mark.end]
                marks.append((number, Mark("code", length, length + len(code), mark.attrs)))
                text_parts.append(code)
                length += len(code)
            else:
                marks.append((number, Mark(mark.kind, length, length, mark.attrs)))
    if opened:
        number = next(iter(opened))
        raise PlaceholderError(f"{{{number}}} is opened but never closed with {{/{number}}}")
    marks.sort(key=lambda item: item[0])   # source order: as the pipeline keeps them
    apart, wordless = links_apart(m for _, m in marks)
    # a link whose words all went to another link (crossing placeholders) is dropped: said so
    gone = {number for number, m in marks if any(m is w for w in wordless)}
    seen = [n for n in seen if n not in gone]
    dropped = tuple(n for n in marks_by_number if n not in seen)
    kept = [n for n in marks_by_number if n in seen]
    segment = Segment("".join(text_parts), apart, source.space_after)
    return PlaceholderCheck(segment, dropped, moved=seen != kept)


def segment_of(notation: str) -> Segment:
    """The segment a unit source in the notation stands for (its text, a mark
    per placeholder), for checking a translation whose article is not at
    hand (a TMX unit). PlaceholderError when the notation is not one
    ``notation_of`` writes: a number used twice, a pair not closed, numbers
    other than 1 to N."""
    parts: list[str] = []
    length = 0
    opened: dict[int, int] = {}
    marks: dict[int, Mark] = {}
    for token in parse_notation(clean_notation(notation)):
        if isinstance(token, Text):
            parts.append(token.text)
            length += len(token.text)
        elif isinstance(token, Close):
            if token.number not in opened:
                raise PlaceholderError(f"the English closes {{/{token.number}}} without opening it")
            marks[token.number] = Mark("em", opened.pop(token.number), length)
        elif token.number in marks or token.number in opened:
            raise PlaceholderError(f"the English has placeholder {{{token.number}}} twice")
        elif isinstance(token, Open):
            opened[token.number] = length
        else:
            marks[token.number] = Mark("html", length, length)
    if opened or sorted(marks) != list(range(1, len(marks) + 1)):
        raise PlaceholderError("the English's placeholders are not {1} to {N}, each once (and each pair closed)")
    return Segment("".join(parts), tuple(marks[n] for n in sorted(marks)))


def _count(n: int) -> str:
    return "no placeholders" if n == 0 else f"placeholders {{1}} to {{{n}}}" if n > 1 else "only {1}"


# --- units -----------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    block: str       # "title", "heading", "paragraph", "list_item > paragraph", ...
    heading: str     # the nearest heading above (the title for the first blocks)
    position: int    # 1-based index of the segment in the article
    total: int

    def describe(self) -> str:
        where = f"sentence {self.position} of {self.total}, {self.block}"
        return f"{where}, under \"{self.heading}\"" if self.heading and self.block != "title" else where


@dataclass(frozen=True)
class SourceUnit:
    """What the article says a unit is: checked against a returned file."""

    id: str
    source: str                     # the English in the notation
    segment: Segment
    context: Context
    placeholders: tuple[Placeholder, ...]


@dataclass(frozen=True)
class Unit:
    """One segment as a translator gets it."""

    id: str
    source: str                     # English, in the notation
    target: str                     # current target: approved human text, a suggestion, or machine
    machine: str                    # raw machine output (plain text)
    state: str                      # "machine", "human" or "suggestion"
    context: Context
    placeholders: tuple[Placeholder, ...] = ()
    terms: tuple[str, ...] = ()     # the glossary's report, one line per term
    translator: str = ""            # who approved it (human, suggestion)
    approved: str = ""              # when (ISO 8601)
    previous_source: str = ""       # suggestion: the English it was a translation of

    @property
    def fuzzy(self) -> bool:
        return self.state != "human"


@dataclass(frozen=True)
class Export:
    slug: str
    lang: str                       # project key
    units: tuple[Unit, ...]
    source_name: str = ""           # the article file's name, for the translator's information


@dataclass(frozen=True)
class ReturnedUnit:
    """One unit as read back from a translator's file."""

    id: str
    source: str
    target: str
    fuzzy: bool
    line: int = 0                   # where it is in the file (0: unknown)


@dataclass(frozen=True)
class Returned:
    path: str
    slug: str
    lang: str
    translator: str
    units: tuple[ReturnedUnit, ...] = field(default_factory=tuple)
    format: str = ""


def unit_id(slug: str, source: str, occurrence: int) -> str:
    """Stable across exports: the article, the English and which occurrence of it."""
    digest = hashlib.sha256(f"{slug}\n{source}".encode()).hexdigest()[:12]
    return f"{digest}-{occurrence}"


def source_units(doc: Document) -> list[SourceUnit]:
    """Every segment of the article as a unit source, in reading order."""
    located = list(_locate(doc))
    total = len(located)
    seen: dict[str, int] = {}
    units = []
    for position, (segment, block, heading) in enumerate(located, 1):
        source = notation_of(segment)
        seen[source] = seen.get(source, 0) + 1
        units.append(SourceUnit(unit_id(doc.slug, source, seen[source]), source, segment,
                                Context(block, heading, position, total), placeholders(segment)))
    return units


def _locate(doc: Document):
    """(segment, block path, nearest heading) for each segment of doc.segments()."""
    title = doc.title.text.replace("\n", " ")
    yield doc.title, "title", title
    if doc.summary is not None:   # the dek: doc.segments() has it right after the title
        yield doc.summary, "summary", title
    heading = [title]

    def visit(blocks: tuple[Block, ...], path: tuple[str, ...]):
        for block in blocks:
            kind = " > ".join((*path, block.kind))
            for segment in block.segments:
                yield segment, kind, heading[0]
            if block.kind == "heading":
                heading[0] = " ".join(s.text.replace("\n", " ") for s in block.segments)
            yield from visit(block.children, (*path, block.kind))

    yield from visit(doc.blocks, ())
    for segment in doc.tooltips:
        yield segment, "link title (tooltip)", heading[0]
