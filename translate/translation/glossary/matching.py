"""Finding terms: glossary entries, and their occurrences in a source text or
in a translation.

Source side: the text is folded (``normalise.fold_source``: dashes, dotted
abbreviations, British spellings); words match at word boundaries, a space
or a hyphen between the words of a term are interchangeable (drug-trafficking,
de-facto); abbreviations (ISIS, UN) match in capitals only, and hyphenated
ones also in title case (Isis-K). A term inside a hyphenated compound does not
count: "anti-Taliban", "pro-Russia", "Russia-Ukraine" name something else; a
lower-case continuation ("Taliban-led") still mentions the term. The ``not``
column lists longer phrases that contain the term but are not it ("Pakistani
Taliban"). One span is claimed by the longest term only.

Target side: every accepted form (listed or generated, see ``forms``),
compared after ``normalise.fold``; in Arabic script a ZWNJ, a space or nothing
between two parts are the same spelling (سازمان‌های = سازمان های = سازمانهای),
and an ezafe -ی after a final vowel letter belongs to the word (روسیه‌ی).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from translate.translation.glossary import forms as term_forms
from translate.translation.glossary.normalise import FOLD_TABLE, fold, fold_source, fold_text, term_key

ARABIC_SCRIPT = {"prs", "ps"}


@dataclass(frozen=True)
class Entry:
    line: int
    source: str                 # canonical source term (first form of the cell)
    sources: tuple[str, ...]    # every source form
    target: str
    forms: tuple[str, ...]      # accepted target forms, target first
    flags: tuple[str, ...]      # alternatives to flag in review
    note: str = ""
    excludes: tuple[str, ...] = ()   # source phrases containing the term that are not it

    @property
    def key(self) -> str:
        return term_key(self.source)


@dataclass(frozen=True)
class Occurrence:
    entry: Entry
    start: int
    end: int
    text: str


def is_abbreviation(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return sum(c.isupper() for c in letters) >= 2 and not any(c.islower() for c in letters)


def _source_word(word: str, hyphenated: bool) -> str:
    pattern = re.escape(word)
    if not is_abbreviation(word):
        return pattern
    if hyphenated and len(word) >= 3:
        return f"(?-i:{pattern}|{re.escape(word.title())})"
    return f"(?-i:{pattern})"


def _source_body(form: str) -> str:
    folded = fold_source(form)[0]
    hyphenated = "-" in folded
    words = [w for w in re.split(r"[\s-]+", folded) if w]
    return r"[\s-]+".join(_source_word(w, hyphenated) for w in words)


def compile_source(forms: tuple[str, ...]) -> re.Pattern | None:
    if not forms:
        return None
    bodies = sorted({_source_body(f) for f in forms}, key=len, reverse=True)  # longest first
    # Not after "anti-" or "Russia-"; not before "-Ukraine"; "Taliban-led" counts.
    return re.compile(rf"(?<!\w)(?<!\w-)(?:{'|'.join(bodies)})(?!\w)(?!-(?-i:[A-Z]))", re.IGNORECASE)


# Characters that separate words in a target form: any whitespace, and in
# Arabic script the ZWNJ too (گروه‌ها, گروه ها and گروهها are one spelling).
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_SEPARATOR = "\x00"
_TARGET_TABLE = {**FOLD_TABLE, **{ord(c): _SEPARATOR for c in _SPACES}}
_ARABIC_TARGET_TABLE = {**_TARGET_TABLE, 0x200C: _SEPARATOR}
_SEPARATORS = re.compile(_SEPARATOR + "+")


def _target_body(form: str, arabic: bool) -> str:
    """The regex body of one target form: folded letters, escaped, with any
    run of separators matching any whitespace (Arabic script: or none)."""
    # One translate call per table, not a Python loop per character: a Kazakh
    # or Russian glossary has thousands of generated forms to compile.
    marked = form.translate(_ARABIC_TARGET_TABLE if arabic else _TARGET_TABLE)
    words = _SEPARATORS.split(marked.lstrip(_SEPARATOR))
    body = (r"\s*" if arabic else r"\s+").join(map(re.escape, words))
    if arabic and fold_text(form)[-1:] in ("ه", "ا", "و"):
        body += "(?:ی)?"      # ezafe: روسیه‌ی, آسیای
    return body


def compile_target(forms: tuple[str, ...], lang: str | None) -> re.Pattern | None:
    """One alternation of literal forms (regex syntax in a form is escaped:
    the compiled pattern is always a plain list of literals)."""
    if not forms:
        return None
    arabic = lang in ARABIC_SCRIPT
    bodies = sorted({_target_body(f, arabic) for f in forms}, key=len, reverse=True)
    # In a translation a hyphenated word is one word: ИГИЛ-К is not ИГИЛ.
    return re.compile(rf"(?<!\w)(?<!\w-)(?:{'|'.join(bodies)})(?!\w)(?!-\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Glossary:
    entries: tuple[Entry, ...]
    lang: str | None = None
    path: Path | None = None
    checksum: str = ""

    # The patterns are compiled on first use: generating a Russian or Kazakh
    # glossary's inflections and compiling them is most of loading it, and a
    # publish that carries every edition over (only the file's checksum
    # matters then) never matches anything.
    @functools.cached_property
    def _source_patterns(self) -> tuple:
        return tuple(compile_source(e.sources) for e in self.entries)

    @functools.cached_property
    def _exclude_patterns(self) -> tuple:
        return tuple(compile_source(e.excludes) for e in self.entries)

    @functools.cached_property
    def _target_patterns(self) -> tuple:
        return tuple(compile_target(self.accepted(e), self.lang) for e in self.entries)

    @functools.cached_property
    def _flag_patterns(self) -> tuple:
        return tuple(compile_target(e.flags, self.lang) for e in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def accepted(self, entry: Entry) -> tuple[str, ...]:
        """Every form that counts as correct for ``entry`` in this language."""
        return term_forms.accepted(entry.forms, self.lang)

    def candidates(self, entry: Entry) -> list[term_forms.Candidate]:
        """What a repair may place for ``entry``: listed forms first, then generated ones."""
        return term_forms.repair_candidates(entry.forms, self.lang)

    def entry(self, source: str) -> Entry | None:
        """The entry that has ``source`` as one of its source forms."""
        key = term_key(source)
        return next((e for e in self.entries if key in {term_key(s) for s in e.sources}), None)

    def find_source(self, text: str) -> list[Occurrence]:
        """Source term occurrences, non-overlapping (longest wins), in text order."""
        folded, origin = fold_source(text)
        excluded = [(m.start(), m.end()) for p in self._exclude_patterns if p is not None
                    for m in p.finditer(folded)]
        spans = [(m.start(), m.end(), entry) for entry, p in zip(self.entries, self._source_patterns)
                 if p is not None for m in p.finditer(folded)
                 if not any(s <= m.start() and m.end() <= e for s, e in excluded)]
        return _claim(spans, origin, text)

    def find_target(self, text: str) -> list[Occurrence]:
        """Accepted target forms in a translation, non-overlapping, in text order."""
        return _find(self.entries, self._target_patterns, text)

    def find_flags(self, text: str) -> list[Occurrence]:
        return _find(self.entries, self._flag_patterns, text)


def _find(entries, patterns, text: str) -> list[Occurrence]:
    folded, origin = fold(text)
    spans = [(m.start(), m.end(), entry) for entry, p in zip(entries, patterns)
             if p is not None for m in p.finditer(folded)]
    return _claim(spans, origin, text)


def _claim(spans, origin: list[int], text: str) -> list[Occurrence]:
    """Each span of text goes to the longest match; among equals the earlier one."""
    candidates = [(origin[s], origin[e - 1] + 1, entry) for s, e, entry in spans if e > s]
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    chosen: list[Occurrence] = []
    for start, end, entry in candidates:
        if all(end <= o.start or start >= o.end for o in chosen):
            chosen.append(Occurrence(entry, start, end, text[start:end]))
    return sorted(chosen, key=lambda o: o.start)
