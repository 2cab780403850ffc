"""One edition, sentence by sentence, as the desk shows it.

For each sentence: the English (its glossary terms marked, each with its
note), the machine output, what publish prints after the Afghan Dari
adaptation and the glossary, the approved human text, the word diff from the
machine output to what is published, each term's status in words ("missing in
the MT output" when the engine did not write it), and for a sentence whose
English was edited after approval, the old approved text as a suggestion with
the word diff of the English change.

What is published is worked out as publish works it out: the machine
edition from translate.translation.edition, and for an approved sentence
translate.translation.postedit.human.Approved.apply (the person's text, its
markup put back, checked but not changed by the glossary).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from translate.desk.workspace import EditionRow, Workspace, english_digest
from translate.errors import UserError
from translate.project.languages import Language
from translate.publishing.article_folder import previous_editions
from translate.publishing.render.html import model_label
from translate.source import inline
from translate.translation.postedit.human import Approved
from translate.translation.postedit.units import (
    PlaceholderError,
    apply_notation,
    notation_of,
    placeholders,
    target_notation,
)
from translate.translation.review import choice_text, word_diff


@dataclass
class Term:
    source: str              # the glossary's source term
    target: str              # the glossary's target term
    status: str              # "already-right", "applied", "not-applied"
    why: str                 # the status in words
    note: str = ""           # the glossary's note on the term
    missing_in_mt: bool = False   # the engine did not write an accepted form

    @property
    def anchor(self) -> str:
        """The id of the term's note on the page."""
        return "note-" + hashlib.sha256(self.source.encode("utf-8")).hexdigest()[:10]


@dataclass
class Suggestion:
    """The approved translation of this sentence's earlier English."""

    text: str                # in the notation, for the editor
    plain: str               # as a reader sees it
    english_diff: list       # word_diff(old English, new English)
    translator: str
    approved: str


@dataclass
class Sentence:
    number: int                          # 1-based
    english: list                        # (text, note or None) runs: glossary terms marked
    english_notation: str                # the English with placeholders ("" when it has no markup)
    placeholders: list[str]              # what each placeholder stands for
    machine: str                         # the engine's output
    final: str                           # after adaptation and glossary (machine)
    printed: list                        # (text, marked) runs of what publish prints
    printed_text: str
    approved: object = None              # translate.translation.memory.HumanTranslation
    approved_text: str = ""
    diff: list = field(default_factory=list)      # machine -> printed, word by word
    terms: list[Term] = field(default_factory=list)
    human_check: list[Term] = field(default_factory=list)   # the glossary's check of the approved text
    editor: str = ""                     # the text the editor starts from (notation)
    version: str = ""                    # the stored translation's version ("" for none)
    english_digest: str = ""
    suggestion: Suggestion | None = None
    base: str = ""                       # names the machine translation it shows

    @property
    def state(self) -> str:
        return "approved" if self.approved is not None else "stale" if self.suggestion else "machine"

    @property
    def fingerprint(self) -> str:
        """Names everything the sentence shows: its part of a page is rendered once for it."""
        old = self.suggestion
        return "|".join((self.base, self.version, old.approved + old.text if old else ""))


@dataclass
class EditionView:
    slug: str
    title: str
    lang: Language
    row: EditionRow
    sentences: list[Sentence]
    model: str = ""                      # the model, as the page names it
    problem: str = ""                    # why there is no machine translation (missing model, failed check)
    fix: str = ""

    @property
    def notes(self) -> list[tuple[str, str, str, str]]:
        """(anchor, source, target, note) of each glossary term of the edition
        that has a note: the page lists them once, each term links to its own."""
        found = {}
        for sentence in self.sentences:
            for term in (*sentence.terms, *sentence.human_check):
                if term.note:
                    found.setdefault(term.anchor, (term.anchor, term.source, term.target, term.note))
        return sorted(found.values(), key=lambda n: n[1].lower())


def edition_view(ws: Workspace, slug: str, key: str, only: int | None = None) -> EditionView:
    """The edition ``key`` of article ``slug``, sentence by sentence (``only``:
    just that sentence, 1-based, as a save sends it back)."""
    article = ws.find(slug)
    lang = ws.language(key)
    doc = article.doc
    plan = ws.plans()[key]
    machine, machine_key, problem, fix = None, f"{article.sha256}:{key}:none", "", ""
    if isinstance(plan, UserError):
        problem, fix = getattr(plan, "reason", None) or str(plan), plan.hint
    else:
        try:
            machine, machine_key = ws.machine(article, plan), ws.machine_key(article, plan)
        except UserError as err:
            problem, fix = str(err), err.hint
    glossary = None if isinstance(plan, UserError) else plan.glossary
    sources = ws.sources_of(article)
    # What depends on the machine translation alone is worked out once per translation.
    base = ws.memo(("sentences", machine_key), lambda: _machine_sentences(article, sources, machine, glossary,
                                                                         machine_key))
    approved = ws.memory().human_for(lang.key, sources)
    stale = ws.stale(lang.key, doc.slug, sources, approved)
    human = Approved(lang.key, approved)
    segments = doc.segments()
    sentences = []
    for index, sentence in enumerate(base):
        if only is not None and index != only - 1:
            continue
        if sources[index] in approved or index in stale:
            record = machine.record.segments[index] if machine is not None else None
            sentence = replace(sentence, terms=list(sentence.terms))
            _add_approved(sentence, human, index, segments[index], record, glossary)
            _add_suggestion(sentence, stale.get(index), segments[index], sources[index])
        sentences.append(sentence)
    published = previous_editions(ws.options.output_dir / doc.slug).get(lang.key)
    row = ws.edition_row(doc.slug, lang, plan, sources, published, approved, stale)
    return EditionView(doc.slug, doc.title.text.replace("\n", " "), lang, row, sentences,
                       model=model_label(machine.record.model) if machine is not None else "",
                       problem=problem, fix=fix)


def _machine_sentences(article, sources: list[str], machine, glossary, machine_key: str) -> list[Sentence]:
    segments = article.doc.segments()
    machine_segments = machine.doc.segments() if machine is not None else None
    notes = {e.source: e.note for e in glossary.entries} if glossary is not None else {}
    sentences = []
    for index, segment in enumerate(segments):
        record = machine.record.segments[index] if machine is not None else None
        sentence = _sentence(index, segment, sources[index], record, glossary, notes)
        sentence.base = f"{machine_key}:{index}"
        if machine_segments is not None:
            sentence.editor = target_notation(segment, machine_segments[index])
        sentences.append(sentence)
    return sentences


def _sentence(index: int, segment, source: str, record, glossary, notes: dict) -> Sentence:
    text = inline.engine_text(segment)
    # The glossary stage has looked for terms already: a sentence where it
    # found none (most of them) is not searched again.
    searched = glossary is not None and (record is None or record.terms)
    english = runs(text, [(o.start, o.end, f"glossary term: {o.entry.source} → {o.entry.target}")
                          for o in (glossary.find_source(text) if searched else [])])
    sentence = Sentence(index + 1, english, source if segment.marks else "",
                        [f"{p.notation} {p.label}" for p in placeholders(segment)],
                        record.raw.text if record else "", record.final if record else "", [], "",
                        english_digest=english_digest(source))
    if record is not None:
        sentence.terms = [_term(t, notes, machine=True) for t in record.terms]
    _set_printed(sentence, sentence.final, glossary if searched else None)
    return sentence


def _set_printed(sentence: Sentence, text: str, glossary) -> None:
    """What publish prints, its glossary terms marked, and the word diff from the machine output."""
    sentence.printed_text = text
    found = glossary.find_target(text) if glossary is not None and text else []
    sentence.printed = runs(text, [(o.start, o.end, True) for o in found])
    if not sentence.machine:
        sentence.diff = []
    elif text == sentence.machine:
        sentence.diff = [("equal", text)]
    else:
        sentence.diff = word_diff(sentence.machine, text)


def _add_approved(sentence: Sentence, human: Approved, index: int, segment, record, glossary) -> None:
    stored = human.by_source.get(notation_of(segment))
    if stored is None:
        return
    raw = record.raw if record is not None else None
    applied = human.apply(index, segment, inline.engine_text(segment), raw, glossary) if raw is not None else None
    sentence.approved = stored
    sentence.version = stored.version
    sentence.editor = stored.target
    if applied is not None:
        text = applied[1].final
        notes = {e.source: e.note for e in glossary.entries} if glossary is not None else {}
        sentence.human_check = [_term(t, notes, machine=False) for t in applied[1].terms]
    else:
        try:
            text = apply_notation(segment, stored.target).segment.text.replace("\n", " ")
        except PlaceholderError:
            text = stored.target
    sentence.approved_text = text
    _set_printed(sentence, text, glossary)


def _add_suggestion(sentence: Sentence, old, segment, source: str) -> None:
    if old is None or sentence.approved is not None:
        return
    try:
        plain = apply_notation(segment, old.target).segment.text
    except PlaceholderError:
        return   # its placeholders do not fit the new sentence (as translate export decides)
    sentence.suggestion = Suggestion(old.target, plain, word_diff(old.source, source), old.translator,
                                     old.approved)


def _term(term, notes: dict, machine: bool) -> Term:
    """A term's status in words: what the engine wrote, what the glossary
    placed and why, or why it could not."""
    found = f" as «{term.found}»" if term.found and term.found != term.target_term else ""
    if not machine:
        why = (f"in the approved text{found}" if term.status == "already-right"
               else "not in the approved text: the glossary does not change a person's text")
    elif term.status == "already-right":
        why = f"the machine translation already has it{found}"
    elif term.status == "applied":
        why = f"the glossary placed «{term.found or term.target_term}»"
        choice = choice_text(term)
        if choice:
            why += f" ({choice})"
    else:
        why = "the glossary could not place it: the reviewer decides"
    if term.detail:
        why += f" ({term.detail})"
    return Term(term.source_term, term.target_term, term.status, why, notes.get(term.source_term, ""),
                missing_in_mt=machine and term.status != "already-right")


def runs(text: str, spans: list[tuple[int, int, object]]) -> list[tuple[str, object]]:
    """``text`` cut into (piece, value) runs: value for the pieces inside
    ``spans`` (start, end, value; not overlapping), None elsewhere."""
    out, pos = [], 0
    for start, end, value in sorted(spans, key=lambda s: s[0]):
        if start < pos:
            continue
        if start > pos:
            out.append((text[pos:start], None))
        out.append((text[start:end], value))
        pos = end
    if pos < len(text):
        out.append((text[pos:], None))
    return out
