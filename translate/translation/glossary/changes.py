"""Changes to a glossary and what they do to the articles: the one
computation behind `translate glossary diff` and the desk's glossary page.

    term_changes   the terms added, removed and changed between two versions
    affected       the segments of the articles that hold an affected term
    compare        those segments translated once, with exactly the stages
                   publish runs, under the old and then the new glossary
    merge          the old file with only the accepted term changes of the new
    replace_row    one term's row of a file replaced, added or removed

A glossary file is edited as text (its rows), not re-written from parsed
entries: comments, order and quoting of the rows nobody touched stay as they
were, so `git diff` of a saved glossary shows exactly the accepted changes.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from translate.translation import edition as edition_stage
from translate.translation.glossary.csvfile import COLUMNS, parse
from translate.translation.glossary.matching import Glossary
from translate.translation.glossary.normalise import term_key
from translate.translation.glossary.patterns import PatternError, expand
from translate.util.textfile import decode_utf8


@dataclass(frozen=True)
class TermChange:
    kind: str            # "added", "removed", "changed"
    key: str             # the term's key (translate.translation.glossary.term_key of its source)
    text: str            # one line for the listing
    affects_output: bool  # False when only the note changed
    source: str = ""     # the term
    target: str = ""     # its target (the new one of a changed term)
    parts: tuple = ()    # a changed term: (what, old, new) of each cell that changed, for a page to isolate


def term_changes(old: Glossary, new: Glossary) -> list[TermChange]:
    """Every term added, removed or changed from ``old`` to ``new``, added
    first, then removed, then changed, each group by term."""
    old_by = {e.key: e for e in old.entries}
    new_by = {e.key: e for e in new.entries}
    changes = []
    for key, e in new_by.items():
        if key not in old_by:
            changes.append(TermChange("added", key, f"{e.source} → {e.target}", True, e.source, e.target))
    for key, e in old_by.items():
        if key not in new_by:
            changes.append(TermChange("removed", key, f"{e.source} → {e.target}", True, e.source, e.target))
    for key, n in new_by.items():
        o = old_by.get(key)
        if o is None:
            continue
        parts = []
        for name, a, b in (("source forms", o.sources, n.sources), ("target", o.target, n.target),
                           ("forms", o.forms[1:], n.forms[1:]), ("flag", o.flags, n.flags),
                           ("not", o.excludes, n.excludes), ("note", o.note, n.note)):
            if a != b:
                show = (lambda v: "; ".join(v) if isinstance(v, tuple) else v)  # noqa: E731
                parts.append((name, show(a) or "(none)", show(b) or "(none)"))
        if parts:
            only_note = [name for name, _, _ in parts] == ["note"]
            text = f"{n.source}: " + "; ".join(f"{name}: {a} ⇒ {b}" for name, a, b in parts)
            changes.append(TermChange("changed", key, text, not only_note, n.source, n.target, tuple(parts)))
    order = {"added": 0, "removed": 1, "changed": 2}
    return sorted(changes, key=lambda c: (order[c.kind], c.key))


@dataclass(frozen=True)
class Affected:
    """A segment of an article that holds a term of a change."""

    article: object      # whatever names the article for the caller (a path, a slug)
    index: int           # the segment's position in Document.segments()
    text: str            # the text the engine translates (translate.source.inline.engine_text)
    terms: tuple[str, ...]  # the affected terms it holds, by their source


def affected(articles, old: Glossary, new: Glossary, keys: set[str]) -> list[Affected]:
    """The segments of ``articles`` ((article, [engine texts]) pairs) that hold
    a term of ``keys`` as either glossary finds it."""
    found = []
    for article, texts in articles:
        for index, text in enumerate(texts):
            terms = {o.entry.source for g in (old, new) for o in g.find_source(text) if o.entry.key in keys}
            if terms:
                found.append(Affected(article, index, text, tuple(sorted(terms))))
    return found


@dataclass(frozen=True)
class Compared:
    segment: Affected
    before: str          # the final text under the old glossary
    after: str           # ... and under the new one
    before_terms: tuple = ()   # the glossary stage's findings (TermResult) under the old glossary
    after_terms: tuple = ()    # ... and under the new one

    @property
    def differs(self) -> bool:
        return self.before != self.after


def compare(plan, setup, segments: list[Affected], old: Glossary, new: Glossary, engine=None) -> list[Compared]:
    """Translate ``segments`` once (through the memory: usually nothing to
    translate) and run the stages publish runs for ``plan``'s language, with
    the old and then the new glossary. ``engine``: an engine already made for
    ``plan`` (translate.translation.edition.engine_for), else one is made."""
    if not segments:
        return []
    engine = engine or edition_stage.engine_for(plan, setup)
    translations = engine.translate([s.text for s in segments])
    others = [stage for stage in plan.stages if stage.name != "glossary"]
    runs = []
    for glossary in (old, new):
        stages = [stage.bind(engine) for stage in others + [edition_stage.GlossaryStage(glossary)]]
        runs.append(edition_stage.run_stages_many([(s.text, raw) for s, raw in zip(segments, translations)],
                                                  stages))
    return [Compared(s, before.text, after.text, _terms(old_steps), _terms(new_steps))
            for s, (before, old_steps), (after, new_steps) in zip(segments, *runs)]


def _terms(steps) -> tuple:
    """What the glossary stage found in a segment (its TermResults)."""
    return next((step.findings for step in steps if step.stage == "glossary"), ())


# --- editing the file ---------------------------------------------------------------


class GlossaryEditError(ValueError):
    """The file cannot be edited as asked (a row that is not there)."""


def _text(data: bytes) -> str:
    return decode_utf8(data, "glossary", lambda message, hint: GlossaryEditError(f"{message}: {hint}"),
                       binary_check=False)


def _rows(text: str) -> list[tuple[int, int, list[str]]]:
    """(first line, line after it, cells) of every row of a glossary's text;
    the header is the first non-blank one."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, line = [], 1
    for row in reader:
        rows.append((line, reader.line_num + 1, row))
        line = reader.line_num + 1
    return rows


def _header(rows) -> list[str]:
    for _, _, row in rows:
        if any(c.strip() for c in row):
            return [c.strip().lower() for c in row]
    return list(COLUMNS)


def _row_key(columns: list[str], row: list[str]) -> str | None:
    cells = dict(zip(columns, row))
    source = cells.get("source", "").strip()
    if not source or source.startswith("#"):
        return None
    try:
        return term_key(expand(source)[0])
    except (PatternError, IndexError):
        return None


def _line_spans(text: str) -> list[str]:
    """The lines of ``text`` as the csv reader counts them (\n, \r\n or \r ends one)."""
    return io.StringIO(text, newline="").readlines()


def _row_text(columns: list[str], cells: dict, newline: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerow([cells.get(c, "") for c in columns])
    return out.getvalue()


def merge(old: bytes, new: bytes, accepted: set[str]) -> bytes:
    """``old`` with the term changes of ``new`` whose keys are in ``accepted``
    (term_changes' keys) and no other: a changed term's row replaced by the
    new one, a removed term's row dropped, an added one appended."""
    old_text, new_text = _text(old), _text(new)
    old_rows, new_rows = _rows(old_text), _rows(new_text)
    old_columns, new_columns = _header(old_rows), _header(new_rows)
    new_by_key = {}
    for _, _, row in new_rows[1:]:
        key = _row_key(new_columns, row)
        if key is not None:
            new_by_key[key] = dict(zip(new_columns, row))
    newline = "\r\n" if "\r\n" in old_text else "\n"
    lines = _line_spans(old_text)
    out, seen = [], set()
    header_done = False
    for first, after, row in old_rows:
        original = "".join(lines[first - 1:after - 1])
        key = _row_key(old_columns, row) if header_done else None
        header_done = header_done or any(c.strip() for c in row)
        if key is None or key not in accepted:
            out.append(original)
            seen.add(key)
            continue
        seen.add(key)
        if key in new_by_key:   # changed: the new row, in the old file's columns
            out.append(_row_text(old_columns, new_by_key[key], newline))
        # else removed: dropped
    text = "".join(out)
    added = [key for key in new_by_key if key in accepted and key not in seen]
    if added and text and not text.endswith(("\n", "\r")):
        text += newline
    text += "".join(_row_text(old_columns, new_by_key[key], newline) for key in added)
    return text.encode("utf-8")


def replace_row(data: bytes, key: str | None, cells: dict | None) -> bytes:
    """``data`` with the row of term ``key`` replaced by ``cells`` (column ->
    text), removed (``cells`` None), or ``cells`` appended as a new term
    (``key`` None). GlossaryEditError when ``key`` has no row."""
    text = _text(data)
    rows = _rows(text)
    columns = _header(rows)
    for column in cells or {}:
        if cells[column].strip() and column not in columns:
            raise GlossaryEditError(f"the glossary has no {column!r} column: add it to the header line first")
    newline = "\r\n" if "\r\n" in text else "\n"
    if key is None:
        if text and not text.endswith(("\n", "\r")):
            text += newline
        return (text + _row_text(columns, cells or {}, newline)).encode("utf-8")
    lines = _line_spans(text)
    for first, after, row in rows[1:]:
        if _row_key(columns, row) == key:
            middle = "" if cells is None else _row_text(columns, cells, newline)
            return ("".join(lines[:first - 1]) + middle + "".join(lines[after - 1:])).encode("utf-8")
    raise GlossaryEditError(f"no term {key!r} in the glossary: it was changed meanwhile; load the page again")


def row_cells(data: bytes, key: str) -> dict | None:
    """The cells (column -> text) of term ``key``'s row, as written in the file."""
    rows = _rows(_text(data))
    columns = _header(rows)
    for _, _, row in rows[1:]:
        if _row_key(columns, row) == key:
            return dict(zip(columns, row))
    return None


def check(data: bytes, name: str, lang: str) -> Glossary:
    """``data`` parsed and validated as ``lang``'s glossary (GlossaryError lists every problem)."""
    return parse(data, name, lang=lang)
