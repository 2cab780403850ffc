"""What the pipeline records about each segment, for the review and the manifest."""

from __future__ import annotations

from dataclasses import dataclass, field

from translate.engines.base import ModelInfo, Translation


@dataclass(frozen=True)
class TermReport:
    """One occurrence of a glossary term in one source segment."""

    source_term: str        # the glossary's source term
    target_term: str        # the glossary's target term
    status: str             # "already-right", "applied", "not-applied"
    found: str = ""         # the target text that now stands for it ("" when not-applied)
    detail: str = ""        # why it could not be applied, or a review flag


@dataclass(frozen=True)
class SegmentRecord:
    """One segment through the pipeline: source, raw engine output, final text."""

    index: int              # position in Document.segments()
    source: str             # plain source text sent to the engine
    raw: Translation        # what the engine returned
    adapted: str            # after language adaptation (Dari); == raw.text when none
    final: str              # after the glossary: what is published (plain text)
    terms: tuple[TermReport, ...] = ()
    adaptations: tuple = ()  # translate.adaptation.Change: what the Dari adaptation rewrote
    human: object = None     # translate.memory.HumanTranslation when a person's approved text is published


@dataclass(frozen=True)
class EditionRecord:
    lang: str
    model: ModelInfo
    segments: tuple[SegmentRecord, ...] = field(default_factory=tuple)
