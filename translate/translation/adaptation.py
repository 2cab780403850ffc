"""Afghan Dari adaptation: Iranian Persian spelling, words and month names
rewritten as Afghan Dari outlets write them.

Argos has no Dari package and M2M-100 has no Dari code: both write Iranian
Persian ("fa"). When such a model produces the Dari edition, this stage applies
the reviewable list in locales/prs/adaptation.csv (آمریکا → امریکا,
دانشگاه → پوهنتون, آوریل → اپریل, ...). An NLLB-200 model writing prs_Arab
needs none of it, so it is not applied there (``needed``).

It runs after the engine and before the glossary, so glossary terms win over it.
Like the glossary's ``enforce`` it returns the new Translation with its word
alignment shifted to the new text, plus a list of what changed, for the review.

Matching: whole words (a term inside a longer word is left alone), compared
after the glossary's folding (ي/ی, ك/ک, ة/ه, zero-width non-joiner, tatweel,
short vowels), so دانشگاه‌ها, دانشگاهها and دانشگاه ها all match دانشگاه. Common
suffixes attached without a space (ها، های، ی، یی، ...) stay with the word:
دانشگاه‌ها → پوهنتون‌ها. A rule with a ``source_hint`` applies only when the
English source segment contains that word (several: separated by ';'): مه is
"May" in a date but "fog" otherwise; اوت is "August" or a football "out".

What it never does (each would corrupt a word): turn an ezafe -ی after a
vowel into the adjective ending -یی (آمریکای لاتین stays امریکای لاتین); glue
a suffix to a letter that joins without a ZWNJ (شفاخانه‌ها, not شفاخانهها);
rewrite a vocabulary word that carries a derivational ending its Afghan
replacement cannot take (هواپیمایی is an airline, not طیاره‌یی; آلمانی,
دانشجویان): such words are left as the engine wrote them.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
from dataclasses import dataclass, replace
from pathlib import Path

from translate.errors import UserError
from translate.project.resources import builtin_locales
from translate.translation.engines.base import Alignment, Translation
from translate.translation.glossary.normalise import fold
from translate.util.textfile import decode_utf8

COLUMNS = ("iranian", "afghan", "kind", "source_hint", "note", "unless")
# solar-month: an Iranian solar month name (فروردین -> حمل); it fires only next to
# a number or after ماه, since several are also words (تیر arrow, مهر seal).
KINDS = ("spelling", "vocabulary", "month", "solar-month")
# Codes of models that write Iranian Persian when asked for Persian/Dari.
IRANIAN_PERSIAN_CODES = frozenset({"fa", "pes_Arab", "fas", "per", "pes"})

# Inflectional suffixes written joined to a noun (after folding removed any
# ZWNJ), longest first so that "های" is not read as "ها" + a new word.
_SUFFIXES = ("ییهای", "ییها", "ییان", "هایشان", "هایش", "هایی", "های", "ها", "یان", "ان", "یی", "ای", "اش", "شان",
             "تان", "مان", "ی", "ش")
_VOWEL_ENDINGS = ("ا", "و")
_HAMZA_ABOVE = "\u0654"
_ZWNJ = "\u200c"
# Letters that do not join the next one: after them a suffix needs no ZWNJ.
_NON_JOINING = set("اآأإدذرزژوۀ")
# Plural and possessive endings any noun takes: safe after any replacement.
_SAFE_SUFFIXES = {"ها", "های", "هایی", "هایش", "هایشان", "اش", "شان", "تان", "مان"}


class AdaptationError(UserError):
    """The adaptation data cannot be used: "file:line: what is wrong"."""


@dataclass(frozen=True)
class Rule:
    iranian: str
    afghan: str
    kind: str
    source_hint: str = ""
    note: str = ""
    line: int = 0
    unless: str = ""        # words that, right after the term, keep it (مدرسه دینی is a madrasa); ';' between


@dataclass(frozen=True)
class Change:
    """One rewrite, for the review: ``before`` as the engine wrote it became
    ``after`` at [start, end) of the adapted text."""

    before: str
    after: str
    start: int
    end: int
    kind: str
    note: str


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]
    version: str            # sha256 of the CSV, for the manifest
    path: Path | None = None
    name: str = "adaptation.csv"   # how messages name the file

    @functools.cached_property
    def _order(self) -> list[int]:
        # Longest first: the regex alternation takes the first alternative that fits.
        return sorted(range(len(self.rules)), key=lambda i: -len(_key(self.rules[i].iranian)))

    @functools.cached_property
    def _pattern(self) -> re.Pattern:
        return _compile(self.rules, self._order)


def needed(choice) -> bool:
    """True when the Dari edition comes from a model writing Iranian Persian.

    ``choice`` is a translate.project.config.EngineChoice (anything with ``lang.key``
    and ``target_code``)."""
    return choice.lang.key == "prs" and choice.target_code in IRANIAN_PERSIAN_CODES


@functools.lru_cache(maxsize=4)
def load(path: Path | None = None) -> Rules:
    """The rules in ``path`` (default: the built-in locales/prs/adaptation.csv)."""
    path = Path(path) if path is not None else builtin_locales() / "prs" / "adaptation.csv"
    try:
        data = path.read_bytes()
    except OSError as err:
        raise AdaptationError(f"{path}: cannot read it ({err.strerror})") from None
    return parse(data, str(path), path)


def parse(data: bytes, name: str = "adaptation.csv", path: Path | None = None) -> Rules:
    """Rules from CSV bytes: a header naming the columns, one rule a line;
    lines starting with # are comments."""

    text = decode_utf8(data, name, AdaptationError)
    rows = [(number, row) for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)
            if row and not row[0].lstrip().startswith("#") and any(cell.strip() for cell in row)]
    if not rows:
        raise AdaptationError(f"{name}: no header line; expected {','.join(COLUMNS)}")
    header_line, header = rows[0]
    header = [cell.strip() for cell in header]
    missing = [col for col in ("iranian", "afghan", "kind") if col not in header]
    if missing:
        raise AdaptationError(f"{name}:{header_line}: header lacks {', '.join(missing)}; "
                              f"expected {','.join(COLUMNS)}")
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for number, row in rows[1:]:
        if len(row) > len(header):
            raise AdaptationError(f"{name}:{number}: {len(row)} cells but {len(header)} columns; "
                                  "quote cells that contain commas")
        cells = {col: (row[i].strip() if i < len(row) else "") for i, col in enumerate(header)}
        iranian, afghan, kind = cells["iranian"], cells["afghan"], cells["kind"]
        if not iranian or not afghan:
            raise AdaptationError(f"{name}:{number}: iranian and afghan must both be given")
        if kind not in KINDS:
            raise AdaptationError(f"{name}:{number}: kind {kind!r} is not one of {', '.join(KINDS)}")
        key = _key(iranian)
        if key == _key(afghan):
            raise AdaptationError(f"{name}:{number}: {iranian!r} and {afghan!r} are the same after normalisation")
        if key in seen:
            raise AdaptationError(f"{name}:{number}: {iranian!r} is already a rule on line {seen[key]}")
        seen[key] = number
        rules.append(Rule(iranian, afghan, kind, cells.get("source_hint", ""), cells.get("note", ""), number,
                          cells.get("unless", "")))
    return Rules(tuple(rules), hashlib.sha256(data).hexdigest(), path, name)


def adapt(rules: Rules | None, source_text: str,
          translation: Translation) -> tuple[Translation, tuple[Change, ...]]:
    """Rewrite Iranian Persian forms in ``translation`` as Afghan Dari
    (``rules``: None for the built-in list; same shape as glossary.enforce).

    ``source_text`` is the English segment (for rules with a source_hint).
    Returns the new translation, its alignment moved to the new offsets (a
    pair that touched a rewritten word now spans the rewritten word), and the
    changes in text order."""
    rules = rules if rules is not None else load()
    text = translation.text
    folded, origin = fold(text)
    edits: list[tuple[int, int, str, Rule]] = []   # start, end in text; replacement
    for match in rules._pattern.finditer(folded):
        rule = rules.rules[next(i for i in rules._order if match.group(f"r{i}") is not None)]
        if rule.source_hint and not _mentions(source_text, rule.source_hint):
            continue
        if (rule.kind == "solar-month" or rule.kind == "month" and rule.source_hint) and not _next_to_number(
                folded, match.start(), match.end()):
            continue   # مه غلیظ is fog even in a sentence that also names May; تیر is also an arrow
        if rule.unless and _followed_by(folded, match.end(), rule.unless):
            continue   # مدرسه دینی is a madrasa, not a school (مکتب)
        start, end = origin[match.start("term")], origin[match.end("term") - 1] + 1
        suffix = match.group("suffix") or ""
        fitted = _with_suffix(rule, suffix, glued=suffix != "" and text[end:end + 1] not in (_ZWNJ, " "))
        if fitted is None:
            continue   # a derived word its Afghan replacement cannot take: leave it
        after, consumed = fitted
        if consumed:
            end = origin[match.end("suffix") - 1] + 1
        elif text[end:end + 1] == _HAMZA_ABOVE and not after.endswith("ه"):
            end += 1   # ژانویهٔ: the ezafe mark belongs to the final ه that is replaced
        edits.append((start, end, after, rule))
    if not edits:
        return translation, ()

    pieces, changes, shift, last = [], [], 0, 0
    for start, end, after, rule in edits:
        pieces += [text[last:start], after]
        changes.append(Change(text[start:end], after, start + shift, start + shift + len(after), rule.kind, rule.note))
        shift += len(after) - (end - start)
        last = end
    pieces.append(text[last:])
    spans = [(start, end, len(after)) for start, end, after, _ in edits]
    alignment = tuple(
        Alignment(a.src_start, a.src_end, _move(a.tgt_start, spans, start=True), _move(a.tgt_end, spans, start=False))
        for a in translation.alignment
    )
    return Translation("".join(pieces), alignment), tuple(changes)


def _with_suffix(rule: Rule, suffix: str, glued: bool) -> tuple[str, bool] | None:
    """(replacement for the term, whether it also replaces the suffix), or
    None when the ending cannot be carried over without corrupting the word.
    ``glued``: the suffix follows the term without a ZWNJ or space."""
    after = rule.afghan
    if not suffix:
        return after, False
    iranian = _key(rule.iranian)
    # Only a plural or possessive ending is written after a ZWNJ (شفاخانه‌ها);
    # after a joining consonant, ی and ان are glued: ولایتی, قرغزستانی, محصلان.
    joiner = _ZWNJ if glued and after[-1] not in _NON_JOINING and (after[-1] == "ه" or suffix in _SAFE_SUFFIXES) \
        else ""
    if rule.kind == "spelling" and after[-1] == iranian[-1]:
        return after, False          # same last letter: the ending fits as before (امریکایی, امریکایی‌ها)
    if " " in after:
        # فرودگاه‌های -> میدان‌های هوایی: a plural goes on the head noun, the first word.
        if suffix in ("ها", "های"):
            head, rest = after.split(" ", 1)
            return f"{head}{_ZWNJ if head[-1] not in _NON_JOINING else ''}{suffix} {rest}", True
        return None
    if suffix in _SAFE_SUFFIXES:
        return after + joiner, False  # شفاخانه‌ها
    if iranian[-1] in "اوه" and suffix == "ی":
        if iranian[-1] == "ه" and glued:
            # دانشگاهی (glued, no ZWNJ): the adjective, پوهنتونی; an ezafe after ه is written ‌ی or ۀ.
            return _adjective(after), True
        # آمریکای لاتین: an ezafe after a vowel, never the adjective ending -یی.
        if after[-1] in "اوه":
            return after + (_ZWNJ if after[-1] == "ه" else "") + "ی", True
        return after, True
    if suffix == "ی" and iranian[-1] not in "اویه" and after[-1] not in "یه":
        # ارتشی -> اردویی: after a vowel the suffix ی is written یی.
        return (after + "یی", True) if after[-1] in _VOWEL_ENDINGS else (after + "ی", True)
    if suffix in ("ان", "یان") and after[-1] not in "اوهی":
        return after + "ان", True     # دانشجویان -> محصلان, مهندسان -> انجنیران
    return None


def _adjective(word: str) -> str:
    """The adjective in -ی of an Afghan word: پوهنتون -> پوهنتونی, اردو -> اردویی."""
    if word[-1] in _VOWEL_ENDINGS:
        return word + "یی"
    if word[-1] == "ه":
        return word + _ZWNJ + "یی"
    return word + "ی"


def _move(pos: int, spans: list[tuple[int, int, int]], *, start: bool) -> int:
    """Where offset ``pos`` of the old text lands in the new one. An offset
    inside a rewritten word snaps to the word's edge (a start to its start, an
    end to its end), so an aligned pair covers the whole new word."""
    shift = 0
    for old_start, old_end, new_len in spans:
        if pos <= old_start:
            break
        if pos < old_end:
            return old_start + shift + (0 if start else new_len)
        shift += new_len - (old_end - old_start)
    return pos + shift


_NUMBER = re.compile(r"\d")


def _next_to_number(text: str, start: int, end: int) -> bool:
    """A number next to the word, or «ماه» before it (ماه اوت: the month of August)."""
    before = text[:start].split()[-1:]
    after = text[end:].split()[:1]
    return any(_NUMBER.search(w) for w in before + after) or before == ["ماه"]


def _followed_by(text: str, end: int, words: str) -> bool:
    nxt = text[end:].split()[:1]
    return bool(nxt) and any(nxt[0] == _key(w) for w in words.split(";") if w.strip())


def _mentions(source_text: str, hint: str) -> bool:
    """Case matters: "May" the month, not "may" the verb. ';' separates
    alternatives; one written !word blocks the rule where the English has it
    (مدرسه is a school, but not where the English says madrasa)."""
    hints = [h.strip() for h in hint.split(";") if h.strip()]
    found = lambda h: re.search(rf"(?<!\w){re.escape(h)}(?!\w)", source_text, re.IGNORECASE if h.islower() else 0)  # noqa: E731
    if any(found(h[1:]) for h in hints if h.startswith("!")):
        return False
    wanted = [h for h in hints if not h.startswith("!")]
    return not wanted or any(found(h) for h in wanted)


def _key(term: str) -> str:
    return " ".join(fold(term)[0].split())


def _compile(rules: tuple[Rule, ...], order: list[int]) -> re.Pattern:
    """One alternation over all rules in ``order`` (longest first, so وزارت
    دادگستری wins over a rule for دادگستری), each in a group r<index>, on folded text."""
    space = r"\s*"  # folding removed ZWNJ: نخست‌وزیر may arrive as one word
    alternatives = "|".join(
        f"(?P<r{i}>" + space.join(re.escape(word) for word in _key(rules[i].iranian).split()) + ")" for i in order
    )
    suffixes = "|".join(re.escape(s) for s in _SUFFIXES)
    # \w covers Arabic letters and digits: a term glued to other letters is another word.
    return re.compile(rf"(?<!\w)(?P<term>{alternatives})(?P<suffix>{suffixes})?(?!\w)")


def without_glossary_terms(rules: Rules, glossary) -> Rules:
    """``rules`` less those that decide a term the glossary decides (see
    ``glossary_conflicts``): one source of truth per term, the glossary."""
    keep = tuple(rule for rule in rules.rules if not _conflict(rule, glossary))
    return rules if len(keep) == len(rules.rules) else replace(rules, rules=keep)


def _conflict(rule: Rule, glossary) -> str:
    accepted = [t for t in glossary.find_target(rule.iranian) if t.end - t.start == len(rule.iranian)]
    if accepted:
        return (f"rewrites {rule.iranian!r}, which the glossary accepts for {accepted[0].entry.source!r}: remove "
                "the rule, the glossary decides that term")
    flagged = glossary.find_flags(rule.afghan)
    if flagged:
        return (f"writes {rule.afghan!r}, which the glossary flags for {flagged[0].entry.source!r}: make the rule "
                "write the glossary's form")
    return ""


def glossary_conflicts(rules: Rules, glossary) -> list[str]:
    """Rules that decide what the glossary decides (one source of truth per
    term): a rule that rewrites a form the glossary accepts, or writes one it
    flags. "adaptation.csv:line: what is wrong: what to do" each."""
    if glossary is None:
        return []
    name = rules.path.name if rules.path is not None else rules.name
    return [f"{name}:{rule.line}: {why}" for rule in rules.rules if (why := _conflict(rule, glossary))]
