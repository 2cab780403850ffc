"""Test sets and reference translations for `translate evaluate`: read and
checked (size, encoding, one unit per line or per Markdown block, the
reference's language really being the one it is given for).

A Markdown article is aligned with its translated reference by block (title,
summary, each heading, paragraph, list item, table cell, figure), not by
sentence: translators merge and split sentences, but keep the article's blocks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from translate.errors import UserError
from translate.project.languages import SOURCE, TARGETS, Language
from translate.source.article import open_article
from translate.source.document import Block, Document, Segment, walk
from translate.source.inline import engine_text
from translate.source.markdown_reader import CONTROLS, SourceError, read_markdown
from translate.translation import edition
from translate.util.textfile import decode_utf8, read_user_file

TEXT, MARKDOWN = "text", "markdown"
# Wider than one article: FLORES-200 devtest is 1012 lines, some 200 KB a language.
MAX_TEST_FILE_BYTES = 16 << 20

# Letters only one language of a script pair writes: a Kazakh text has them
# (і, қ, ә alone are some 8% of its letters), a Russian text has none; Pashto
# and Dari likewise. The script check alone cannot tell rus_Cyrl from kaz_Cyrl.
LANGUAGE_LETTERS = {
    "kk": set("әғқңөұүһіӘҒҚҢӨҰҮҺІ"),
    "ps": set("ټډړږښګڼۍېځڅ"),
}
MIN_LANGUAGE_LETTERS_SHARE = 0.01


class EvaluationError(UserError):
    """A source or reference that cannot be evaluated."""


# --- reading ---------------------------------------------------------------------------------


def file_kind(path: Path) -> str:
    return MARKDOWN if Path(path).suffix.lower() in (".md", ".markdown") else TEXT


def _read_text(path: Path) -> str:
    """A test file's text: it exists, is UTF-8, not empty, not too big."""

    path = Path(path)
    raw = read_user_file(path, MAX_TEST_FILE_BYTES, EvaluationError, what="a test file",
                         too_large_hint="evaluate on a test set of a few thousand segments")
    if not raw.strip():
        raise EvaluationError(f"{path}: the file is empty", "give one segment a line (or a Markdown article)")

    return decode_utf8(raw, str(path), EvaluationError)


def read_lines(path: Path) -> list[str]:
    """One segment a line, as FLORES ships it; control and bidi override
    characters removed as the Markdown reader removes them from articles."""

    text = _read_text(path)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the final line end
    out = []
    for number, line in enumerate(lines, start=1):
        line = CONTROLS.sub("", line.rstrip("\r")).strip()
        if not line:
            raise EvaluationError(f"{path}:{number}: an empty line",
                                  "each line is one segment, aligned with the same line of the source and "
                                  "of every reference: remove the empty line or fill it")
        out.append(line)
    return out


@dataclass(frozen=True)
class TestSet:
    """What is translated: a Document, and the units scores are counted on."""

    path: Path
    kind: str                                 # TEXT or MARKDOWN
    doc: Document
    units: tuple[tuple[int, ...], ...]        # per unit: its indexes in doc.segments()
    labels: tuple[str, ...]                   # per unit: "line 3", "paragraph 4"
    sources: tuple[str, ...]                  # per unit: the English text

    def texts(self, segment_texts: list[str]) -> list[str]:
        """Per unit, the texts of its segments joined as the source joins them
        (a Markdown block's sentences)."""
        return _joined(self.units, segment_texts, [s.space_after for s in self.doc.segments()])


def _joined(units, texts: list[str], separators: list[str]) -> list[str]:
    """Each unit's segment texts with the whitespace that separates them in the
    block, as one line (a soft line break is a space), as the writers join them."""
    return [" ".join("".join(texts[i] + separators[i] for i in unit).split()) for unit in units]


def _markdown_units(doc: Document) -> tuple[list[tuple[int, ...]], list[str]]:
    """The article's blocks that hold text, in reading order, as segment indexes."""
    units, kinds = [(0,)], ["title"]
    if doc.summary is not None:
        units.append((1,))
        kinds.append("summary")
    next_index = len(units)
    for block in walk(doc.blocks):
        if block.segments:
            units.append(tuple(range(next_index, next_index + len(block.segments))))
            kinds.append(block.kind.replace("_", " "))
            next_index += len(block.segments)
    for _ in doc.tooltips:
        units.append((next_index,))
        kinds.append("link title")
        next_index += 1
    assert next_index == len(doc.segments())
    return units, kinds


def _numbered(kinds: list[str]) -> list[str]:
    seen: Counter = Counter()
    labels = []
    for kind in kinds:
        seen[kind] += 1
        labels.append(kind if kind in ("title", "summary") else f"{kind} {seen[kind]}")
    return labels


def _lines_document(lines: list[str], slug: str) -> Document:
    """Plain lines as a Document (title = line 1), never parsed as Markdown:
    a FLORES line holding "*" or "#" is text."""
    return Document(title=Segment(lines[0]),
                    blocks=tuple(Block("paragraph", (Segment(line),)) for line in lines[1:]), slug=slug)


def read_test_set(path: Path) -> TestSet:
    """The source: a text file (one segment a line) or a Markdown article read as publish reads it."""

    path = Path(path)
    if file_kind(path) == TEXT:
        lines = read_lines(path)
        doc = _lines_document(lines, path.stem)
        units = [(i,) for i in range(len(lines))]
        labels = [f"line {i + 1}" for i in range(len(lines))]
    else:
        doc = open_article(path).doc
        units, kinds = _markdown_units(doc)
        labels = _numbered(kinds)
    test_set = TestSet(path, file_kind(path), doc, tuple(units), tuple(labels), ())
    sources = test_set.texts([engine_text(s) for s in doc.segments()])
    check_language(SOURCE, sources, path, "--src")
    return replace(test_set, sources=tuple(sources))


def _line_of(text: str, snippet: str) -> int | None:
    at = text.find(snippet[:30]) if snippet else -1
    return text[:at].count("\n") + 1 if at >= 0 else None


def read_reference(path: Path, lang: Language, test_set: TestSet) -> list[str]:
    """The reference translation of ``test_set`` into ``lang``, one text per unit."""

    path = Path(path)
    if file_kind(path) != test_set.kind:
        raise EvaluationError(
            f"{path}: a {file_kind(path)} reference for a {test_set.kind} source ({test_set.path.name})",
            "give a text file for a text source (one line per source line), a Markdown article for a Markdown one")
    if test_set.kind == TEXT:
        texts = read_lines(path)
        if len(texts) != len(test_set.units):
            raise EvaluationError(
                f"{path}: {len(texts)} lines, but the source {test_set.path.name} has {len(test_set.units)}",
                "a reference has exactly one line per source line, in the same order")
    else:
        text = _read_text(path)
        try:
            doc = read_markdown(text, slug="reference")
        except SourceError as err:
            raise EvaluationError(f"{path}: {err}") from None
        units, kinds = _markdown_units(doc)
        segments = doc.segments()
        texts = _joined(units, [s.text for s in segments], [s.space_after for s in segments])
        source_kinds = [label.rsplit(" ", 1)[0] if label[-1].isdigit() else label for label in test_set.labels]
        for n, (kind, source_kind) in enumerate(zip(kinds, source_kinds)):
            if kind != source_kind:
                line = _line_of(text, texts[n])
                where = f"{path}:{line}" if line else str(path)
                raise EvaluationError(
                    f"{where}: block {n + 1} is a {kind} where the source has a {source_kind} "
                    f"({test_set.labels[n]})", "the reference must keep the source's blocks in the same order")
        if len(kinds) != len(source_kinds):
            raise EvaluationError(
                f"{path}: {len(kinds)} blocks with text, but the source {test_set.path.name} has {len(source_kinds)}",
                "the reference must keep the source's title, headings, paragraphs and list items")
    check_language(lang, texts, path, f"--ref {lang.key}")
    return texts


def check_language(lang: Language, texts: list[str], path: Path, option: str) -> None:
    """EvaluationError when ``texts`` are not written in ``lang``: another
    script, or a sibling language of the same script (Russian for Kazakh,
    Dari for Pashto and the other way round)."""
    census = edition.script_census(texts)
    letters = sum(census.values())
    if letters < edition.MIN_LETTERS_TO_JUDGE:
        return
    share = census.get(lang.script, 0) / letters
    hint = f"{option} must name the {lang.english_name} file ({lang.nllb_code})"
    if share < edition.MIN_SCRIPT_SHARE:
        found = max(census, key=census.get).title()
        raise EvaluationError(f"{path}: mostly {found} letters, only {share:.0%} {lang.script.title()}: "
                              f"not {lang.english_name}", hint)
    for key, marker in LANGUAGE_LETTERS.items():
        other = TARGETS[key]
        if other.script != lang.script:
            continue
        marker_share = sum(c in marker for text in texts for c in text) / census[lang.script]
        if key == lang.key and marker_share < MIN_LANGUAGE_LETTERS_SHARE:
            raise EvaluationError(f"{path}: none of the letters only {lang.english_name} writes "
                                  f"({' '.join(sorted(marker)[:6])} ...): this is not {lang.english_name}", hint)
        if key != lang.key and marker_share >= MIN_LANGUAGE_LETTERS_SHARE:
            raise EvaluationError(f"{path}: {marker_share:.0%} of its letters are {other.english_name} letters "
                                  f"({' '.join(sorted(marker)[:6])} ...): this is {other.english_name}, "
                                  f"not {lang.english_name}", hint)
