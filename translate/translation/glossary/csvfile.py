"""Glossary files: reading and validating locales/<key>/glossary.csv.

One UTF-8 CSV per language, one term per line so that ``git diff`` reads as a
list of term changes. The first line is the header; columns (any order):

    source  the English term (required); pattern syntax, see ``patterns``
    target  the form the edition must use (required)
    forms   other accepted target forms: inflections, the abbreviation,
            attested alternatives (Совбез ООН), member forms (талибы)
    flag    target forms that are NOT accepted but worth a reviewer's eye,
            e.g. "Islamic Emirate" where the source says "Taliban"
    not     source phrases that contain the term but are not it
            ("Pakistani Taliban" is another organisation)
    note    why the choice was made, and which outlets were followed

Every problem is reported as "path:line: what is wrong: what to do".
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from pathlib import Path

from translate.errors import UserError
from translate.translation.glossary.matching import Entry, Glossary
from translate.translation.glossary.normalise import term_key
from translate.translation.glossary.patterns import PatternError, expand
from translate.util.textfile import decode_utf8

COLUMNS = ("source", "target", "forms", "flag", "not", "note")
REQUIRED = ("source", "target")

# Scripts that a language's target cells must be written in: a Latin "а" in a
# Cyrillic word, or Kazakh typed in the Latin alphabet, would silently never match.
TARGET_SCRIPTS = {"ru": "CYRILLIC", "kk": "CYRILLIC", "prs": "ARABIC", "ps": "ARABIC"}

# Characters no cell may hold: C0/C1 controls other than tab and line ends
# (an ESC sequence would reach the terminal of whoever runs `glossary check`
# or `glossary diff`) and the bidi embedding, override and isolate controls,
# which make a cell read differently from what it holds.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class GlossaryError(UserError):
    """A glossary that cannot be used. str() is the first problem, one line,
    "path:line: what is wrong and what to fix"; ``problems`` holds all of them."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0], "fix the glossary file (translate glossary check shows every problem)")
        self.problems = list(problems)


def load_for(lang_key: str, locales_dir: Path = Path("locales")) -> Glossary | None:
    """The glossary of one edition language, or None when it has none."""
    path = Path(locales_dir) / lang_key / "glossary.csv"
    if not path.is_file():
        return None
    return load(path, lang=lang_key)


def load(path: Path, lang: str | None = None) -> Glossary:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise GlossaryError([f"{path}: cannot read it ({err.strerror})"]) from None
    return parse(data, str(path), lang=lang, path=path)


def parse(data: bytes, name: str, lang: str | None = None, path: Path | None = None) -> Glossary:
    """Parse and validate glossary bytes; ``name`` prefixes error messages.
    Every problem of the file is collected, then reported at once."""
    checksum = hashlib.sha256(data).hexdigest()

    text = decode_utf8(data, name, lambda message, hint: GlossaryError([f"{message}: {hint}"]),
                       binary_check=False)
    columns, rows = _header(text, name)
    problems: list[tuple[int, str]] = []
    entries: list[Entry] = []
    seen_sources: dict[str, Entry] = {}
    seen_targets: dict[str, Entry] = {}
    script = TARGET_SCRIPTS.get(lang or "")
    for line, row in rows:
        if row[0].lstrip().startswith("#"):
            continue  # a comment line
        entry = _row_entry(line, row, columns, script)
        if isinstance(entry, str):
            problems.append((line, entry))
            continue
        clashes = _clashes(entry, seen_sources, seen_targets)
        if clashes:
            problems += [(line, message) for message in clashes]
            continue
        entries.append(entry)
        for s in entry.sources:
            seen_sources[term_key(s)] = entry
        for f in entry.forms:
            seen_targets[term_key(f)] = entry
    # Flags of one term that another term accepts would flag correct text.
    for entry in entries:
        for f in entry.flags:
            other = seen_targets.get(term_key(f))
            if other is not None and other is not entry:
                problems.append((entry.line, f"flagged form {f!r} is the accepted form of {other.source!r} "
                                             f"(line {other.line}): remove the flag"))
    if problems:
        raise GlossaryError([f"{name}:{line}: {message}" for line, message in sorted(problems, key=lambda p: p[0])])
    return Glossary(tuple(entries), lang=lang, path=path, checksum=checksum)


def _header(text: str, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The columns the header names, and the rows after it (blank rows left
    out); GlossaryError when the header is missing or wrong."""
    rows = [(n, r) for n, r in _rows(text, name) if any(c.strip() for c in r)]
    if not rows:
        raise GlossaryError([f"{name}:1: empty file: the first line must be the header {','.join(COLUMNS)}"])
    (header_line, header), rows = rows[0], rows[1:]
    columns = [c.strip().lower() for c in header]
    unknown = [c for c in columns if c not in COLUMNS]
    missing = [c for c in REQUIRED if c not in columns]
    if unknown or missing or len(set(columns)) != len(columns):
        what = (f"unknown column {unknown[0]!r}" if unknown else
                f"missing column {missing[0]!r}" if missing else "a column is named twice")
        raise GlossaryError([f"{name}:{header_line}: {what}: the header must name columns from "
                             f"{','.join(COLUMNS)} (source and target are required)"])
    return columns, rows


def _row_entry(line: int, row: list[str], columns: list[str], script: str | None) -> Entry | str:
    """The entry one row defines, or what is wrong with the row (a message)."""
    if len(row) != len(columns):
        return f"{len(row)} fields but the header has {len(columns)}: quote a field that contains a comma"
    cells = {c: unicodedata.normalize("NFC", v.strip()) for c, v in zip(columns, row)}
    control = next(((c, m.group()) for c, v in cells.items() if (m := _CONTROL.search(v))), None)
    if control:
        column, char = control
        return (f"the {column} cell contains the control character U+{ord(char):04X} "
                f"({unicodedata.name(char, 'control')}): remove it")
    source, target = cells["source"], cells["target"]
    if not source:
        return "empty source term: fill it in or delete the line"
    if not target:
        return f"empty target term for {source!r}: fill it in or delete the line"
    try:
        sources = expand(source)
        accepted = expand(target)
        if len(accepted) != 1 or accepted[0] != " ".join(target.split()):
            raise PatternError(f"target {target!r} must be one literal form: put variants in 'forms'")
        forms = tuple(accepted + [f for f in expand(cells.get("forms", "")) if f not in accepted])
        flags = tuple(expand(cells.get("flag", "")))
        excludes = tuple(expand(cells.get("not", "")))
    except PatternError as err:
        return f"invalid pattern: {err}"
    # The term itself (forms and flags are alternatives of it, checked as literals).
    wordless = next((f for f in (*sources, forms[0]) if not any(c.isalnum() for c in f)), None)
    if wordless is not None:
        return f"{wordless!r} has no letter or digit: a term is a word or a name; delete the line"
    single = next((f for f in sources if sum(c.isalnum() for c in f) < 2), None)
    if single is not None:   # "a" or "I" would be enforced on every occurrence
        return (f"source term {single!r} is a single letter or digit: it would match it everywhere; "
                "write the whole word or name, or delete the line")
    formula = next((f for f in (*sources, *forms, *flags) if f.startswith("=")), None)
    if formula is not None:
        return (f"{formula!r} starts with '=' like a spreadsheet formula: a term starts with its "
                "first word; remove the '='")
    bad = _wrong_script(sources + list(excludes), "LATIN") or (script and _wrong_script(forms + flags, script))
    if bad:
        form, char, want = bad
        return f"{form!r} contains {unicodedata.name(char, repr(char))!s}: write it in {want.title()} letters"
    return Entry(line, sources[0], tuple(sources), forms[0], forms, flags, cells.get("note", ""), excludes)


def _clashes(entry: Entry, seen_sources: dict[str, Entry], seen_targets: dict[str, Entry]) -> list[str]:
    """Why ``entry`` cannot stand beside the entries before it: a source or
    target form that belongs to another term (the first one found), and each
    form both accepted and flagged."""
    found = []
    for s in entry.sources:
        other = seen_sources.get(term_key(s))
        if other is not None:
            what = "duplicate of" if other.key == entry.key else f"{s!r} is also a source form of"
            found.append(f"{what} line {other.line} ({other.source!r}): keep one entry per term")
            break
    for f in entry.forms:
        other = seen_targets.get(term_key(f))
        if other is not None and not found:
            found.append(f"target form {f!r} is also accepted for {other.source!r} (line {other.line}): "
                         "a form can belong to one term only, or verification cannot tell them apart")
            break
    accepted = {term_key(x) for x in entry.forms}
    found += [f"{f!r} is both accepted and flagged: remove it from one of the two"
              for f in entry.flags if term_key(f) in accepted]
    return found


def _rows(text: str, name: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = []
    line = 1
    try:
        for row in reader:
            rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as err:
        # ``line`` is where the broken row starts (a quote left open runs to the end of the file)
        raise GlossaryError([f"{name}:{line}: {err}: check the quotes on this line"]) from None
    return rows


def _wrong_script(forms, script: str):
    for form in forms:
        for char in form:
            if char.isalpha() and not unicodedata.name(char, "").startswith(script):
                return form, char, script
    return None
