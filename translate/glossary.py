"""Glossaries: the organisation's key terms, enforced in every edition.

One UTF-8 CSV per language, locales/<key>/glossary.csv, one term per line so
that ``git diff`` reads as a list of term changes. The first line is the header;
columns (any order, names as below):

    source  the English term (required)
    target  the form the edition must use (required)
    forms   other accepted target forms: inflections, the abbreviation
    flag    target forms that are NOT accepted but worth a reviewer's eye,
            e.g. "Islamic Emirate" where the source says "Taliban"
    note    why the choice was made

source, forms and flag take a small pattern syntax that always expands to a
finite list of literal forms (so matching is plain alternation of literals: no
backtracking blow-up, no timeouts needed):

    Талибан{|а|у|ом|е}                   -> Талибан, Талибана, Талибану, ...
    Верховн{ый суд|ого суда} {России|РФ} -> every combination
    terrorist organization{|s}; ...      -> ';' separates independent forms

Matching rules. Source: word boundaries, spaces match any run of whitespace,
case-insensitive except abbreviation words (two or more capitals, no lower
case: ISIS, ISIS-K, UN), which must match exactly. Overlapping terms: the
longest match wins (ISIS-K over ISIS). Target: case-insensitive, compared after
folding letter variants (ي/ی, ك/ک, ة/ه, ё/е), removing ZWNJ, tatweel and
Arabic short-vowel marks, so گروه‌ها matches گروهها.

Enforcement (why verify-and-repair): CTranslate2 has no lexical constraints,
and placeholder tokens marked in the source do not survive SentencePiece
models reliably (small models mangle or drop them). So the engine translates
the plain source; then, per source term occurrence, the target is checked for
an accepted form (preferably where the word alignment from CTranslate2's
attention points); if none is there, the aligned target words are replaced by
the glossary term; if the engine produced nothing aligned to the term, the term
is inserted next to the translation of the neighbouring source words. Every
occurrence gets a TermReport, and "not-applied" ones are never silent.
"""

from __future__ import annotations

from translate.errors import UserError

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from translate.engines.base import Alignment, Translation
from translate.records import TermReport

COLUMNS = ("source", "target", "forms", "flag", "note")
REQUIRED = ("source", "target")
MAX_EXPANSIONS = 64      # per form item: a typo in braces should not make 10^6 forms
MAX_FORM_LENGTH = 200

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


# ---------------------------------------------------------------------------
# Normalisation for comparison

_FOLD = {
    "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
    "\u0649": "\u06cc",  # alef maksura -> Persian yeh
    "\u0643": "\u06a9",  # Arabic kaf -> keheh
    "\u0629": "\u0647",  # teh marbuta -> heh
    "\u06c0": "\u0647",  # heh with yeh above (ezafe) -> heh
    "\u0451": "\u0435",  # ё -> е
    "\u0401": "\u0415",  # Ё -> Е
    "\u00a0": " ", "\u202f": " ", "\u2009": " ",
    "\u2019": "'", "\u2018": "'", "\u02bc": "'",
    "\u2010": "-", "\u2011": "-",
}
_DROP = {"\u200c", "\u200d", "\u0640", "\u00ad", "\u200e", "\u200f"}  # ZWNJ, ZWJ, tatweel, soft hyphen, marks


def _fold_char(c: str) -> str:
    if c in _FOLD:
        return _FOLD[c]
    if c in _DROP:
        return ""
    o = ord(c)
    if 0x064B <= o <= 0x065F or o == 0x0670 or 0x06D6 <= o <= 0x06ED:
        return ""  # Arabic short vowels and Quranic marks: optional in running text
    if 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFF:
        return unicodedata.normalize("NFKC", c)  # presentation forms -> letters
    return c


def fold(text: str) -> tuple[str, list[int]]:
    """``text`` folded for comparison, and for each folded character (plus
    one past the end) the index in ``text`` it came from."""
    out: list[str] = []
    origin: list[int] = []
    for i, c in enumerate(text):
        f = _fold_char(c)
        out.append(f)
        origin.extend([i] * len(f))
    origin.append(len(text))
    return "".join(out), origin


def term_key(term: str) -> str:
    """Identity of a term for duplicates and conflicts: folded, case-folded,
    whitespace collapsed."""
    return " ".join(fold(unicodedata.normalize("NFC", term))[0].casefold().split())


# ---------------------------------------------------------------------------
# The pattern syntax: literal text with {a|b} groups, items separated by ';'

class PatternError(ValueError):
    pass


def expand(cell: str) -> list[str]:
    """Every literal form a cell stands for, in order, without duplicates."""
    forms: list[str] = []
    for item in cell.split(";"):
        item = item.strip()
        if not item:
            continue
        for form in _expand_item(item):
            form = " ".join(form.split())
            if not form:
                raise PatternError(f"{item!r} can expand to an empty form")
            if len(form) > MAX_FORM_LENGTH:
                raise PatternError(f"{item!r} expands to a form longer than {MAX_FORM_LENGTH} characters")
            if form not in forms:
                forms.append(form)
    return forms


def _expand_item(item: str) -> list[str]:
    parts: list[list[str]] = []
    i = 0
    while i < len(item):
        c = item[i]
        if c == "{":
            close = item.find("}", i + 1)
            if close < 0:
                raise PatternError(f"unclosed '{{' in {item!r}: add the '}}'")
            inner = item[i + 1:close]
            if "{" in inner:
                raise PatternError(f"nested '{{' in {item!r}: groups cannot be nested")
            if not inner.strip("|").strip():
                raise PatternError(f"empty group '{{{inner}}}' in {item!r}: list the endings, e.g. {{|а|у}}")
            parts.append(inner.split("|"))
            i = close + 1
        elif c == "}":
            raise PatternError(f"'}}' without '{{' in {item!r}")
        elif c == "|":
            raise PatternError(f"'|' outside braces in {item!r}: separate whole forms with ';'")
        else:
            j = i
            while j < len(item) and item[j] not in "{}|":
                j += 1
            parts.append([item[i:j]])
            i = j
    total = 1
    for alternatives in parts:
        total *= len(alternatives)
        if total > MAX_EXPANSIONS:
            raise PatternError(
                f"{item!r} expands to more than {MAX_EXPANSIONS} forms: split it into items separated by ';'"
            )
    results = [""]
    for alternatives in parts:
        results = [r + a for r in results for a in alternatives]
    return results


# ---------------------------------------------------------------------------
# The glossary

@dataclass(frozen=True)
class Entry:
    line: int
    source: str                 # canonical source term (first form of the cell)
    sources: tuple[str, ...]    # every source form
    target: str
    forms: tuple[str, ...]      # accepted target forms, target first
    flags: tuple[str, ...]      # alternatives to flag in review
    note: str = ""

    @property
    def key(self) -> str:
        return term_key(self.source)


@dataclass(frozen=True)
class Occurrence:
    entry: Entry
    start: int
    end: int
    text: str


def _words_pattern(form: str, exact_abbreviations: bool) -> str:
    words = []
    for word in form.split():
        pattern = re.escape(word)
        if exact_abbreviations and _is_abbreviation(word):
            pattern = f"(?-i:{pattern})"
        words.append(pattern)
    return r"\s+".join(words)


def _is_abbreviation(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return sum(c.isupper() for c in letters) >= 2 and not any(c.islower() for c in letters)


def _compile(forms: tuple[str, ...], source: bool) -> re.Pattern | None:
    if not forms:
        return None
    folded = sorted({fold(f)[0] for f in forms}, key=len, reverse=True)  # longest first
    body = "|".join(_words_pattern(f, source) for f in folded)
    if source:
        # "Taliban-inspired" and "Russia-Ukraine" mention the term.
        return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
    # In a translation a hyphenated word is one word: ИГИЛ-К is not ИГИЛ.
    return re.compile(rf"(?<!\w)(?<!\w-)(?:{body})(?!\w)(?!-\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Glossary:
    entries: tuple[Entry, ...]
    lang: str | None = None
    path: Path | None = None
    checksum: str = ""
    _source_patterns: tuple = field(default=(), repr=False, compare=False)
    _target_patterns: tuple = field(default=(), repr=False, compare=False)
    _flag_patterns: tuple = field(default=(), repr=False, compare=False)

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "_source_patterns", tuple(_compile(e.sources, True) for e in self.entries))
        set_(self, "_target_patterns", tuple(_compile(e.forms, False) for e in self.entries))
        set_(self, "_flag_patterns", tuple(_compile(e.flags, False) for e in self.entries))

    def __len__(self) -> int:
        return len(self.entries)

    def entry(self, source: str) -> Entry | None:
        """The entry that has ``source`` as one of its source forms."""
        key = term_key(source)
        return next((e for e in self.entries if key in {term_key(s) for s in e.sources}), None)

    def find_source(self, text: str) -> list[Occurrence]:
        """Source term occurrences, non-overlapping (longest wins), in text order."""
        return _find(self.entries, self._source_patterns, text)

    def find_target(self, text: str) -> list[Occurrence]:
        """Accepted target forms in a translation, non-overlapping, in text order."""
        return _find(self.entries, self._target_patterns, text)

    def find_flags(self, text: str) -> list[Occurrence]:
        return _find(self.entries, self._flag_patterns, text)


def _find(entries, patterns, text: str) -> list[Occurrence]:
    folded, origin = fold(text)
    candidates = []
    for entry, pattern in zip(entries, patterns):
        if pattern is None:
            continue
        for m in pattern.finditer(folded):
            start, end = origin[m.start()], origin[m.end() - 1] + 1
            candidates.append((start, end, entry))
    # Longest match wins; among equals the earlier one.
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    chosen: list[Occurrence] = []
    for start, end, entry in candidates:
        if all(end <= o.start or start >= o.end for o in chosen):
            chosen.append(Occurrence(entry, start, end, text[start:end]))
    return sorted(chosen, key=lambda o: o.start)


# ---------------------------------------------------------------------------
# Loading and validation

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
    """Parse and validate glossary bytes; ``name`` prefixes error messages."""
    checksum = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise GlossaryError([
            f"{name}:{line}: not UTF-8 (byte 0x{data[err.start]:02x}): save the file as UTF-8"
        ]) from None
    problems: list[tuple[int, str]] = []
    entries: list[Entry] = []

    def problem(line: int, message: str) -> None:
        problems.append((line, message))

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

    seen_sources: dict[str, Entry] = {}
    seen_targets: dict[str, Entry] = {}
    script = TARGET_SCRIPTS.get(lang or "")
    for line, row in rows:
        if row[0].lstrip().startswith("#"):
            continue  # a comment line
        if len(row) != len(columns):
            problem(line, f"{len(row)} fields but the header has {len(columns)}: "
                          "quote a field that contains a comma")
            continue
        cells = {c: unicodedata.normalize("NFC", v.strip()) for c, v in zip(columns, row)}
        control = next(((c, m.group()) for c, v in cells.items() if (m := _CONTROL.search(v))), None)
        if control:
            column, char = control
            problem(line, f"the {column} cell contains the control character U+{ord(char):04X} "
                          f"({unicodedata.name(char, 'control')}): remove it")
            continue
        source, target = cells["source"], cells["target"]
        if not source:
            problem(line, "empty source term: fill it in or delete the line")
            continue
        if not target:
            problem(line, f"empty target term for {source!r}: fill it in or delete the line")
            continue
        try:
            sources = expand(source)
            accepted = expand(target)
            if len(accepted) != 1 or accepted[0] != " ".join(target.split()):
                raise PatternError(f"target {target!r} must be one literal form: put variants in 'forms'")
            forms = tuple(accepted + [f for f in expand(cells.get("forms", "")) if f not in accepted])
            flags = tuple(expand(cells.get("flag", "")))
        except PatternError as err:
            problem(line, f"invalid pattern: {err}")
            continue
        # The term itself (forms and flags are alternatives of it, checked as literals).
        wordless = next((f for f in (*sources, forms[0]) if not any(c.isalnum() for c in f)), None)
        if wordless is not None:
            problem(line, f"{wordless!r} has no letter or digit: a term is a word or a name; delete the line")
            continue
        single = next((f for f in sources if sum(c.isalnum() for c in f) < 2), None)
        if single is not None:   # issue 20: "a" or "I" would be enforced on every occurrence
            problem(line, f"source term {single!r} is a single letter or digit: it would match it everywhere; "
                          "write the whole word or name, or delete the line")
            continue
        formula = next((f for f in (*sources, *forms, *flags) if f.startswith("=")), None)
        if formula is not None:
            problem(line, f"{formula!r} starts with '=' like a spreadsheet formula: a term starts with its "
                          "first word; remove the '='")
            continue
        bad = _wrong_script(sources, "LATIN") or (script and _wrong_script(forms + flags, script))
        if bad:
            form, char, want = bad
            problem(line, f"{form!r} contains {unicodedata.name(char, repr(char))!s}: "
                          f"write it in {want.title()} letters")
            continue
        entry = Entry(line, sources[0], tuple(sources), forms[0], forms, flags, cells.get("note", ""))
        clash = False
        for s in sources:
            other = seen_sources.get(term_key(s))
            if other is not None:
                what = "duplicate of" if other.key == entry.key else f"{s!r} is also a source form of"
                problem(line, f"{what} line {other.line} ({other.source!r}): keep one entry per term")
                clash = True
                break
        for f in forms:
            other = seen_targets.get(term_key(f))
            if other is not None and not clash:
                problem(line, f"target form {f!r} is also accepted for {other.source!r} (line {other.line}): "
                              "a form can belong to one term only, or verification cannot tell them apart")
                clash = True
                break
        for f in flags:
            if term_key(f) in {term_key(x) for x in forms}:
                problem(line, f"{f!r} is both accepted and flagged: remove it from one of the two")
                clash = True
        if clash:
            continue
        entries.append(entry)
        for s in sources:
            seen_sources[term_key(s)] = entry
        for f in forms:
            seen_targets[term_key(f)] = entry
    # Flags of one term that another term accepts would flag correct text.
    for entry in entries:
        for f in entry.flags:
            other = seen_targets.get(term_key(f))
            if other is not None and other is not entry:
                problem(entry.line, f"flagged form {f!r} is the accepted form of {other.source!r} "
                                    f"(line {other.line}): remove the flag")
    if problems:
        raise GlossaryError([f"{name}:{line}: {message}" for line, message in sorted(problems, key=lambda p: p[0])])
    return Glossary(tuple(entries), lang=lang, path=path, checksum=checksum)


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


# ---------------------------------------------------------------------------
# Enforcement

def enforce(glossary: Glossary | None, source_text: str,
            translation: Translation) -> tuple[Translation, tuple[TermReport, ...]]:
    """Make every source term occurrence read as the glossary says.

    Returns the repaired translation (alignment shifted so that it indexes the
    new text, each repaired term's source aligned to the placed term) and one
    report per source occurrence, in source order.
    """
    if glossary is None:
        return translation, ()
    occurrences = glossary.find_source(source_text)
    if not occurrences:
        return translation, ()
    work = _Work(translation.text, list(translation.alignment))
    found = glossary.find_target(work.text)
    raw_flags = glossary.find_flags(work.text)

    # 1. Accepted forms already in place: first where the alignment points,
    #    then, in order, any remaining form of the same term.
    matched: dict[int, int] = {}
    for i, occ in enumerate(occurrences):
        spans = work.aligned_spans(occ.start, occ.end)
        for j, t in enumerate(found):
            if j not in matched.values() and t.entry is occ.entry and any(
                    s < t.end and t.start < e for s, e in spans):
                matched[i] = j
                break
    for i, occ in enumerate(occurrences):
        for j, t in enumerate(found):
            if i not in matched and j not in matched.values() and t.entry is occ.entry:
                matched[i] = j
    # Accepted forms of any term are never overwritten by a repair.
    for t in found:
        work.protect(t.start, t.end)

    # 2. Repair the rest, in source order.
    reports = []
    for i, occ in enumerate(occurrences):
        notes = []
        if i in matched:
            status, placed, replaced = "already-right", found[matched[i]].text, ""
        else:
            status, placed, replaced, detail = _repair(work, occ)
            notes.append(detail)
        # The engine chose a flagged alternative, e.g. "Islamic Emirate" for "Taliban".
        notes += [f"the engine wrote the flagged alternative {f.text!r}"
                  for f in raw_flags if f.entry is occ.entry and f.text in replaced]
        reports.append([occ, status, placed, notes])

    # 3. Flagged alternatives still in the final text: for the reviewer.
    for f in glossary.find_flags(work.text):
        report = next((r for r in reports if r[0].entry is f.entry), None)
        if report is not None:
            report[3].append(f"flagged alternative {f.text!r} is still in the text: review it")
    terms = tuple(TermReport(occ.entry.source, occ.entry.target, status, placed, "; ".join(notes))
                  for occ, status, placed, notes in reports)
    return Translation(work.text, tuple(work.alignment)), terms


_LETTER = re.compile(r"\w")


def _word_char(c: str) -> bool:
    # Combining marks and ZWNJ are inside Arabic-script words (گروه‌ها, طَالِبَان).
    return c.isalnum() or c == "\u200c" or unicodedata.category(c) in ("Mn", "Mc")


def _word_start(text: str, pos: int) -> int:
    """Start of the word around ``pos``; hyphen or apostrophe between letters joins (ИГИЛ-К)."""
    while pos > 0 and (_word_char(text[pos - 1]) or (
            text[pos - 1] in "-'’" and pos > 1 and _word_char(text[pos - 2])
            and pos < len(text) and _word_char(text[pos]))):
        pos -= 1
    return pos


def _word_end(text: str, pos: int) -> int:
    while pos < len(text) and (_word_char(text[pos]) or (
            text[pos] in "-'’" and pos > 0 and _word_char(text[pos - 1])
            and pos + 1 < len(text) and _word_char(text[pos + 1]))):
        pos += 1
    return pos


class _Work:
    """A translation being edited: text, alignment and protected spans move together."""

    def __init__(self, text: str, alignment: list[Alignment]):
        self.text = text
        self.alignment = alignment
        self.protected: list[tuple[int, int]] = []

    def protect(self, start: int, end: int) -> None:
        self.protected.append((start, end))

    def aligned_spans(self, src_start: int, src_end: int) -> list[tuple[int, int]]:
        """Target spans aligned to source [src_start, src_end) that hold a letter."""
        return sorted({(a.tgt_start, a.tgt_end) for a in self.alignment
                       if a.src_start < src_end and src_start < a.src_end and a.tgt_start < a.tgt_end
                       and _LETTER.search(self.text, a.tgt_start, a.tgt_end)})

    def splice(self, start: int, end: int, new: str, src: tuple[int, int], placed: tuple[int, int]) -> None:
        """Replace text[start:end] by ``new``. Offsets after it shift; other
        source words aligned only inside the replaced text lose their pair;
        the term's source ``src`` is aligned to ``placed`` (offsets in the new text)."""
        delta = len(new) - (end - start)
        new_end = start + len(new)

        def move_start(p: int) -> int:
            return p if p < start else start if p < end else p + delta

        def move_end(p: int) -> int:
            return p if p <= start else new_end if p <= end else p + delta

        moved = []
        for a in self.alignment:
            shares_term = a.src_start < src[1] and src[0] < a.src_end
            if shares_term and src[0] <= a.src_start and a.src_end <= src[1]:
                continue  # the term's own pairs: replaced below
            if not shares_term and start <= a.tgt_start and a.tgt_end <= end and a.tgt_start < a.tgt_end:
                continue  # a word that no longer exists
            new_start = move_start(a.tgt_start)
            new_stop = new_start if a.tgt_start == a.tgt_end else max(new_start, move_end(a.tgt_end))
            moved.append(Alignment(a.src_start, a.src_end, new_start, new_stop))
        moved.append(Alignment(src[0], src[1], *placed))
        self.alignment = moved
        self.protected = [(move_start(s), move_end(e)) for s, e in self.protected]
        self.text = self.text[:start] + new + self.text[end:]

    def free(self, start: int, end: int) -> list[tuple[int, int]]:
        """Parts of [start, end) outside protected spans."""
        parts = [(start, end)]
        for ps, pe in self.protected:
            parts = [piece for s, e in parts for piece in (
                [(s, e)] if pe <= s or ps >= e else [(s, min(e, ps)), (max(s, pe), e)])
                if piece[1] > piece[0]]
        return parts

    def clusters(self, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Aligned spans grown to whole words and joined when only spaces or
        punctuation separate them: each cluster is one contiguous rendering."""
        clusters: list[list[int]] = []
        for s, e in sorted((_word_start(self.text, s), _word_end(self.text, e)) for s, e in spans):
            if clusters and not _LETTER.search(self.text, clusters[-1][1], max(s, clusters[-1][1])):
                clusters[-1][1] = max(clusters[-1][1], e)
            else:
                clusters.append([s, e])
        return [(s, e) for s, e in clusters]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop spaces and punctuation at both edges: they belong to the sentence."""
    while start < end and not _word_char(text[start]):
        start += 1
    while end > start and not _word_char(text[end - 1]):
        end -= 1
    return start, end


def _sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip()
    return not before or before[-1] in ".!?"


def _repair(work: _Work, occ: Occurrence) -> tuple[str, str, str, str]:
    """Place the term; returns (status, placed text, replaced text, detail)."""
    form = occ.entry.target
    src = (occ.start, occ.end)
    spans = work.aligned_spans(occ.start, occ.end)
    pieces = [_trim(work.text, fs, fe) for cs, ce in work.clusters(spans) for fs, fe in work.free(cs, ce)]
    pieces = [(s, e) for s, e in pieces if e > s]
    if pieces:
        # The longest contiguous rendering is the term's translation; other
        # scattered words aligned to it stay, and the reviewer is told.
        start, end = max(pieces, key=lambda p: (p[1] - p[0], -p[0]))
        replaced = work.text[start:end]
        if _sentence_start(work.text, start) and replaced[:1].isupper():
            form = form[:1].upper() + form[1:]
        work.splice(start, end, form, src, (start, start + len(form)))
        work.protect(start, start + len(form))
        detail = f"replaced {replaced!r}"
        left = [p for p in pieces if p != (start, end)]
        if left:
            detail += f"; {len(left)} more word group(s) aligned to it left in place"
        return "applied", form, replaced, detail
    if not work.alignment and _LETTER.search(work.text):
        return ("not-applied", "", "",
                "no accepted form in the text and no word alignment from the engine to place it")
    # Nothing usable aligned to the term (the engine dropped it, or its words
    # already stand for another term): insert it where its neighbours landed.
    if spans:
        anchor = max(e for s, e in spans)
        reason = "its aligned words already stand for another term"
    else:
        anchor = _neighbour_position(work, occ)
        reason = "nothing in the engine's output was aligned to it"
    for s, e in work.protected:
        if s < anchor < e:
            anchor = e
    anchor = _word_end(work.text, anchor) if anchor and _word_char(work.text[anchor - 1]) else anchor
    if _sentence_start(work.text, anchor):
        form = form[:1].upper() + form[1:]
    before = " " if anchor > 0 and not work.text[anchor - 1].isspace() else ""
    after = " " if anchor < len(work.text) and not work.text[anchor].isspace() else ""
    start = anchor + len(before)
    work.splice(anchor, anchor, before + form + after, src, (start, start + len(form)))
    work.protect(start, start + len(form))
    return "applied", form, "", f"inserted: {reason}; check that the sentence reads well"


def _neighbour_position(work: _Work, occ: Occurrence) -> int:
    """Where the translation of the source words just before the term ends
    (or, for a term at the start, where the words after it begin)."""
    before = [a for a in work.alignment if a.src_end <= occ.start and a.tgt_end > a.tgt_start]
    if before:
        nearest = max(a.src_end for a in before)
        return max(a.tgt_end for a in before if a.src_end == nearest)
    after = [a for a in work.alignment if a.src_start >= occ.end and a.tgt_end > a.tgt_start]
    if after:
        nearest = min(a.src_start for a in after)
        return min(a.tgt_start for a in after if a.src_start == nearest)
    return len(work.text)
