"""The review of one edition: what the engine wrote, what the glossary changed.

Two views of an EditionRecord: ``review_text`` for the terminal (click colours,
right-to-left text wrapped in Unicode isolates so that it reads correctly
inside left-to-right labels) and ``review_html`` for a standalone page.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass

import click
from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from translate.project.languages import ALL, Language
from translate.publishing.render.html import model_label
from translate.translation.memory import translator_name
from translate.translation.records import EditionRecord, SegmentRecord, TermReport
from translate.util.untrusted import display

STATUS_LABELS = {
    "already-right": "already right",
    "derived": "derived word",
    "applied": "placed",
    "missing": "term missing",
    "not-applied": "could not apply",
}
_STATUS_STYLE = {"already-right": ("✓", "green"), "derived": ("✓", "green"), "applied": ("✎", "yellow"),
                 "missing": ("✗", "red"), "not-applied": ("✗", "red")}

# Unicode isolates: the terminal's bidi algorithm lays out an RTL run on its
# own, so labels and punctuation around it stay where they are.
RLI, PDI = "\u2067", "\u2069"
FSI = "\u2068"   # first strong isolate: text whose direction its first letter decides (a note mixing scripts)

_TOKENS = re.compile(r"\s+|\w+(?:[-'’]\w+)*|[^\w\s]")


@dataclass(frozen=True)
class TermCounts:
    total: int
    already_right: int
    applied: int
    not_applied: int
    derived: int = 0
    missing: int = 0
    flagged: int = 0

    @property
    def in_context(self) -> int:
        """Occurrences that stand in the text: kept, derived or placed in context."""
        return self.already_right + self.derived + self.applied

    @property
    def placed_share(self) -> float:
        """Share of term occurrences that stand in the final text as the glossary says."""
        return self.in_context / self.total if self.total else 1.0


def term_counts(record: EditionRecord) -> TermCounts:
    terms = [t for s in record.segments for t in s.terms]
    counts = Counter(t.status for t in terms)
    return TermCounts(len(terms), counts["already-right"], counts["applied"], counts["not-applied"],
                      counts["derived"], counts["missing"], sum(1 for t in terms if t.review))


def unplaced(record: EditionRecord) -> list[tuple[int, TermReport]]:
    """(segment index, report) of every term that does not stand in the text:
    missing in the machine translation, or not applied."""
    return [(seg.index, t) for seg in record.segments for t in seg.terms if not t.in_context]


# SequenceMatcher's time grows with the cube of a repetitive text's length (a
# 400-word segment with a glossary change every third word: 5 s; 1,000 words:
# 108 s): a longer text (a title of thousands of words is one segment) is
# compared a window of at most this many tokens at a time.
DIFF_WINDOW = 200   # tokens: words, and the spaces and signs between them


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """SequenceMatcher's opcodes turning ``a`` into ``b``; past DIFF_WINDOW
    tokens, the common start and end, then the rest window by window (each
    window's opcodes turn its part of ``a`` into its part of ``b``, so their
    sequence turns ``a`` into ``b``)."""
    if len(a) <= DIFF_WINDOW and len(b) <= DIFF_WINDOW:
        return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    ops = [("equal", 0, start, 0, start)] if start else []
    i, j = start, start
    while i < end_a and j < end_b:
        if end_a - i <= DIFF_WINDOW and end_b - j <= DIFF_WINDOW:
            i2, j2 = end_a, end_b
        else:   # the same share of what is left on each side, then the nearest place both texts agree
            scale = DIFF_WINDOW / max(end_a - i, end_b - j)
            i2, j2 = i + max(1, int((end_a - i) * scale)), j + max(1, int((end_b - j) * scale))
            j2 = next((k for k in sorted(range(max(j + 2, j2 - 16), min(end_b, j2 + 16) + 1), key=lambda k: abs(k - j2))
                       if b[k - 2:k] == a[i2 - 2:i2]), j2)
        window = difflib.SequenceMatcher(None, a[i:i2], b[j:j2], autojunk=False).get_opcodes()
        ops += [(op, i + x1, i + x2, j + y1, j + y2) for op, x1, x2, y1, y2 in window]
        i, j = i2, j2
    if i < end_a:
        ops.append(("delete", i, end_a, j, j))
    if j < end_b:
        ops.append(("insert", i, i, j, end_b))
    if end_a < len(a):
        ops.append(("equal", end_a, len(a), end_b, len(b)))
    joined: list[tuple[str, int, int, int, int]] = []
    for op in ops:   # windows meet inside a run of equal words: one run again
        if joined and op[0] == joined[-1][0] == "equal":
            joined[-1] = ("equal", joined[-1][1], op[2], joined[-1][3], op[4])
        else:
            joined.append(op)
    return joined


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(op, text) runs that turn ``old`` into ``new`` word by word; op is
    "equal", "delete" or "insert". Whitespace tokens keep the texts exact."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    opcodes = _opcodes(a, b)
    # A space between two changes joins them: "[-a b-]{+c d+}" reads better
    # than "[-a-]{+c+} [-b-]{+d+}".
    merged: list[tuple[str, int, int, int, int]] = []
    for k, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal" and 0 < k < len(opcodes) - 1 and all(t.isspace() for t in a[i1:i2]):
            op = "replace"
        if op != "equal" and merged and merged[-1][0] != "equal":
            merged[-1] = ("replace", merged[-1][1], i2, merged[-1][3], j2)
        else:
            merged.append((op, i1, i2, j1, j2))
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in merged:
        if op == "equal":
            runs.append(("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            runs.append(("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            runs.append(("insert", "".join(b[j1:j2])))
    return [r for r in runs if r[1]]


def _language(lang: Language | str) -> Language:
    return lang if isinstance(lang, Language) else ALL[lang]


def _isolate(text: str, lang: Language) -> str:
    return f"{RLI}{text}{PDI}" if lang.direction == "rtl" else text


def _term_lines(term: TermReport, lang: Language, indent: str) -> list[str]:
    mark, colour = _STATUS_STYLE.get(term.status, ("?", "white"))
    label = STATUS_LABELS.get(term.status, term.status)
    line = (click.style(f"{mark} {label:<15}", fg=colour, bold=not term.in_context)
            + f" {term.source_term} → {_isolate(term.target_term, lang)}")
    if term.found and term.found != term.target_term:
        line += f" (as {_isolate(term.found, lang)})"
    if term.detail:
        line += click.style(f" — {_mixed(term.detail, lang)}", dim=True)
    lines = [line]
    choice = choice_text(term)
    if choice:
        lines.append(indent + click.style(f"why: {_mixed(choice, lang)}", dim=True))
    if term.review:
        lines.append(indent + click.style(f"review: {_mixed(term.review, lang)}", fg="red", bold=True))
    if term.note:
        lines.append(indent + click.style(f"note: {_mixed(term.note, lang)}", dim=True))
    return lines


def _mixed(text: str, lang: Language) -> str:
    """English prose quoting right-to-left words: isolated as a whole, its
    direction taken from its first letter (FSI), so an English sentence stays
    one; left-to-right editions need no isolate."""
    return f"{FSI}{text}{PDI}" if text and lang.direction == "rtl" else text


def choice_text(term: TermReport) -> str:
    """Why the form that stands there was chosen, in words ("agrees with the
    instrumental «с» governs", "the model preferred it clearly over …");
    nothing for a form the engine wrote right."""
    if term.status == "already-right":
        return ""
    if term.reason:
        return term.reason
    if term.status != "applied" or not term.runner_up:
        return ""
    # the form itself, isolated (it may be right-to-left inside this English
    # line) and as written: repr() would print a ZWNJ as "\\u200c"
    return f"chosen over «{FSI}{term.runner_up}{PDI}»"


def _styled_diff(old: str, new: str) -> str:
    parts = []
    for op, text in word_diff(old, new):
        if op == "delete":
            parts.append(click.style(f"[-{text}-]", fg="red", strikethrough=True))
        elif op == "insert":
            parts.append(click.style(f"{{+{text}+}}", fg="green", bold=True))
        else:
            parts.append(text)
    return "".join(parts)


def review_text(record: EditionRecord, lang: Language | str) -> str:
    """The review for a terminal: a summary, then every segment."""
    lang = _language(lang)
    counts = term_counts(record)
    model = record.model
    lines = [
        click.style(f"Review of the {lang.english_name} ({lang.key}) edition", bold=True)
        + f" — model {model.engine} {model.name} {model.version}",
        _summary(counts),
        "",
    ]
    width = len(str(len(record.segments)))
    for seg in record.segments:
        lines += _segment_lines(seg, lang, width, len(record.segments))
    missing = [(i, t) for i, t in unplaced(record) if t.status == "missing"]
    failed = [(i, t) for i, t in unplaced(record) if t.status != "missing"]
    for title, group in (("Terms missing in the machine translation ({}): nothing was appended, add each where "
                          "it belongs", missing), ("Terms that could not be placed ({}):", failed)):
        if group:
            lines.append(click.style(title.format(len(group)), fg="red", bold=True))
            lines += [f"  segment {i + 1}: {t.source_term} → {_isolate(t.target_term, lang)} — "
                      f"{_mixed(t.review or t.detail, lang)}" for i, t in group]
    return "\n".join(lines) + "\n"


def _summary(counts: TermCounts) -> str:
    if not counts.total:
        return "No glossary term occurs in this article (or the language has no glossary)."
    text = (f"Glossary terms: {counts.total} occurrences — placed in context {counts.in_context} "
            f"({counts.already_right} already right, {counts.derived} derived words kept, {counts.applied} placed); "
            f"missing in the machine translation {counts.missing}; could not apply {counts.not_applied} "
            f"({counts.placed_share:.0%} placed)")
    if counts.flagged:
        text += f"; {counts.flagged} flagged for review"
    return text


def _segment_lines(seg: SegmentRecord, lang: Language, width: int, total: int) -> list[str]:
    label = lambda name: click.style(f"  {name:<9}", fg="cyan")  # noqa: E731
    lines = [click.style(f"── segment {seg.index + 1:>{width}}/{total} ", bold=True) + "─" * 20,
             label("source") + seg.source,
             label("raw") + _isolate(seg.raw.text, lang)]
    if seg.adapted != seg.raw.text:
        lines.append(label("adapted") + _isolate(_styled_diff(seg.raw.text, seg.adapted), lang))
    if seg.human is not None:   # a translator's approved text: published as written
        lines.append(label("human") + _isolate(seg.final, lang)
                     + click.style(f" (approved by {translator_name(seg.human.translator)}, "
                                   f"{display(seg.human.approved[:10])})", fg="magenta"))
    elif seg.final != seg.adapted:
        lines.append(label("final") + _isolate(seg.final, lang))
        lines.append(label("glossary") + _isolate(_styled_diff(seg.adapted, seg.final), lang))
    else:
        lines.append(label("final") + click.style("(unchanged by the glossary)", dim=True))
    for i, term in enumerate(seg.terms):
        first, *more = _term_lines(term, lang, " " * 30)
        lines += [label("terms" if i == 0 else "") + first, *more]
    lines.append("")
    return lines


def review_html(record: EditionRecord, lang: Language | str, source_title: str) -> str:
    """A standalone HTML page (no external files) with the same content."""

    lang = _language(lang)

    def run(op: str, text: str) -> Markup:
        tag = {"delete": "del", "insert": "ins"}.get(op)
        return Markup(f"<{tag}>{escape(text)}</{tag}>") if tag else escape(text)

    env = Environment(loader=PackageLoader("translate", "templates"), autoescape=True)
    template = env.get_template("review.html")
    segments = [
        {
            "record": seg,
            "adaptation": word_diff(seg.raw.text, seg.adapted) if seg.adapted != seg.raw.text else None,
            "glossary": word_diff(seg.adapted, seg.final) if seg.final != seg.adapted and seg.human is None
            else None,
        }
        for seg in record.segments
    ]
    missing = [(i, t) for i, t in unplaced(record) if t.status == "missing"]
    failed = [(i, t) for i, t in unplaced(record) if t.status != "missing"]
    return template.render(
        title=source_title, lang=lang, record=record, segments=segments, missing=missing, failed=failed,
        summary=_summary(term_counts(record)), labels=STATUS_LABELS, run=run, choice=choice_text,
        model=model_label(record.model),
        attrs=Markup(f'lang="{escape(lang.html_lang)}" dir="{escape(lang.direction)}"'),
    )
