"""The publishing side of post-editing: approved human text wins over the engine.

``approved_for`` finds, for one article and language, the human translations
in the memory whose English is exactly a segment's source. The pipeline asks
``Approved.apply`` for each segment: a segment with an approved translation
is published as the translator wrote it (its inline marks put back from the
source), with no glossary repair; the glossary still checks it, so the
review shows a term the translator did not use. ``summary`` and
``notice_text`` say what an edition is: machine translation, partly
reviewed, or reviewed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from translate.project import user_folders
from translate.source.document import Document, Segment
from translate.translation.engines.base import Translation
from translate.translation.memory import (
    HumanTranslation,
    TranslationMemory,
    TranslationMemoryError,
    translator_name,
)
from translate.translation.postedit.units import PlaceholderError, apply_notation, notation_of
from translate.translation.records import EditionRecord, SegmentRecord, Step, TermReport


@dataclass
class Approved:
    """Approved human translations for the segments of one article in one language."""

    lang: str
    by_source: dict[str, HumanTranslation] = field(default_factory=dict)
    warning: str = ""   # why none could be read (a damaged memory): the run goes on with machine text

    def __len__(self) -> int:
        return len(self.by_source)

    def digest(self) -> str:
        """Changes whenever an approved translation that applies changes: part
        of an edition's fingerprint, so that an import is published."""
        material = sorted((h.source, h.target, h.translator) for h in self.by_source.values())
        return hashlib.sha256(json.dumps(material, ensure_ascii=False).encode()).hexdigest()

    def seal(self, pre: str) -> str:
        """An edition's fingerprint of inputs (publish's ``pre``) with these translations in it."""
        if not self.by_source:
            return pre
        return hashlib.sha256(f"{pre}\n{self.digest()}".encode()).hexdigest()

    def apply(self, index: int, segment: Segment, source_text: str, raw: Translation,
              glossary=None) -> tuple[Segment, SegmentRecord] | None:
        """The published segment and its record when ``segment`` has an
        approved translation; None to let the engine's text stand."""
        human = self.by_source.get(notation_of(segment))
        if human is None:
            return None
        try:
            placed = apply_notation(segment, human.target).segment
        except PlaceholderError:
            return None   # imported elsewhere with broken placeholders: the machine text stands
        text = placed.text.replace("\n", " ")
        # No stage changes a person's text: the glossary only says what it finds.
        steps = (Step("glossary", text, check_terms(glossary, source_text, text)),) if glossary is not None else ()
        record = SegmentRecord(index, source_text, raw, text, steps, human=human)
        return placed, record


def approved_for(doc: Document, lang: str, memory: TranslationMemory | None = None) -> Approved:
    """The approved translations that apply to ``doc``'s segments. Without a
    memory (publish --no-cache) the default memory file is read, if it exists:
    human translations are not a cache that --no-cache bypasses."""
    return approved_for_sources([notation_of(s) for s in doc.segments()], lang, memory)


def approved_for_sources(sources: list[str], lang: str, memory: TranslationMemory | None = None) -> Approved:
    """approved_for, given the article's segments in notation (``notation_of``):
    what an unchanged re-publish (translate.publishing.unchanged) looks up without
    reading the Markdown again."""
    if memory is None:
        if not user_folders.memory_file().is_file():
            return Approved(lang)
        try:
            memory = TranslationMemory()
        except TranslationMemoryError:
            return Approved(lang)
    try:
        return Approved(lang, memory.human_for(lang, sources))
    except TranslationMemoryError as err:
        # As for the machine cache: a memory that cannot be read does not stop
        # the run, and the summary says what was not used.
        return Approved(lang, warning=f"approved human translations not read: {err.one_line()}")


def check_terms(glossary, source_text: str, text: str) -> tuple[TermReport, ...]:
    """The glossary's verdict on a human translation, without changing it:
    each source term is "already-right" when an accepted form stands in the
    text, else "not-applied" (the reviewer decides)."""
    if glossary is None:
        return ()
    occurrences = glossary.find_source(source_text)
    if not occurrences:
        return ()
    found = glossary.find_target(text)
    flags = glossary.find_flags(text)
    used: set[int] = set()
    reports = []
    for occ in occurrences:
        match = next((j for j, t in enumerate(found) if j not in used and t.entry is occ.entry), None)
        notes = [f"flagged alternative {f.text!r} is in the human translation: review it"
                 for f in flags if f.entry is occ.entry]
        if match is not None:
            used.add(match)
            reports.append(TermReport(occ.entry.source, occ.entry.target, "already-right", found[match].text,
                                      "; ".join(notes)))
        else:
            notes.insert(0, "human translation: the glossary's term is not in it (not repaired)")
            reports.append(TermReport(occ.entry.source, occ.entry.target, "not-applied", "", "; ".join(notes)))
    return tuple(reports)


def reviewed_count(record: EditionRecord | None) -> tuple[int, int]:
    """(segments with approved human text, all segments) of an edition."""
    if record is None:
        return 0, 0
    return sum(1 for s in record.segments if getattr(s, "human", None) is not None), len(record.segments)


def outcome_notes(record: EditionRecord) -> list[str]:
    """For publish's summary table."""
    reviewed, total = reviewed_count(record)
    return [f"{reviewed} of {total} sentences from approved human translations"] if reviewed else []


def summary(record: EditionRecord | None) -> dict | None:
    """For the manifest: how many segments people approved, and who."""
    if record is None:
        return None
    humans = [s.human for s in record.segments if getattr(s, "human", None) is not None]
    total = len(record.segments)
    return {
        "segments": total,
        "human": len(humans),
        "share": round(len(humans) / total, 4) if total else 0.0,
        "translators": sorted({translator_name(h.translator) for h in humans}),
    }


def review_statuses(entries: dict) -> dict[str, tuple[bool, int, int]]:
    """Per translated edition of a manifest's entries: (glossary checked,
    sentences reviewed, all sentences), for the index page's status line."""
    statuses = {}
    for key, entry in sorted(entries.items()):   # same order whatever order the entries came in
        if key == "en" or not entry.get("model"):
            continue
        review = entry.get("review") or {}
        statuses[key] = (entry.get("glossary") is not None, review.get("human", 0), review.get("segments", 0))
    return statuses


def notice_text(gettext, glossary_checked: bool, reviewed: int = 0, total: int = 0,
                number=str) -> str:
    """The sentence that says what an edition is, for the page and the PDF.
    ``number`` formats counts in the edition's digits."""
    if total and reviewed >= total:
        return gettext("Translation of the English original, reviewed by a translator.")
    if reviewed:
        partly = gettext("Machine translation of the English original, partly reviewed by a translator (%(reviewed)s of %(total)s sentences).")  # noqa: E501 (one literal for pybabel)
        return partly % {"reviewed": number(reviewed), "total": number(total)}
    if glossary_checked:
        return gettext("Machine translation of the English original; key terms checked against our glossary.")
    return gettext("Machine translation of the English original.")
