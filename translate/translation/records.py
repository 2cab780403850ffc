"""What translating an edition records about each segment, for the review,
the manifest and the export to translators."""

from __future__ import annotations

from dataclasses import dataclass, field

from translate.translation.engines.base import ModelInfo, Translation


@dataclass(frozen=True)
class TermReport:
    """One occurrence of a glossary term in one source segment."""

    source_term: str        # the glossary's source term
    target_term: str        # the glossary's target term
    status: str             # one of STATUSES
    found: str = ""         # the target text that now stands for it ("" when missing or not-applied)
    detail: str = ""        # what was done, or why it could not be
    score: float | None = None          # the model's score of the chosen form (None: no model asked)
    runner_up: str = ""                 # the next-best candidate form
    runner_up_score: float | None = None
    reason: str = ""        # why this form, in words ("agrees with the instrumental «с» governs")
    review: str = ""        # why a person must look at it ("" when nothing is in doubt)
    note: str = ""          # the glossary's note on the term: why it reads as it does

    @property
    def in_context(self) -> bool:
        """The term stands in the text (kept, derived or placed in context)."""
        return self.status in IN_CONTEXT


# What became of a source term occurrence:
#   already-right  an accepted form was in the engine's output, kept
#   derived        the engine wrote a word derived from the term (Российское, Ресейлік), kept
#   applied        the words aligned to it were replaced by the form the sentence needs
#   missing        the engine's output has nothing for it: nothing is appended, a person decides
#   not-applied    a repair would have broken the sentence, or nothing tells where it stands
STATUSES = ("already-right", "derived", "applied", "missing", "not-applied")
IN_CONTEXT = frozenset({"already-right", "derived", "applied"})


@dataclass(frozen=True)
class Step:
    """What one post-editing stage (translate.translation.edition.Stage) did to a segment."""

    stage: str              # the stage's name: "adaptation", "glossary", ...
    text: str               # the text after the stage
    findings: tuple = ()    # the stage's report: adaptation Changes, glossary TermReports


@dataclass(frozen=True)
class SegmentRecord:
    """One segment through the pipeline: source, raw engine output, each
    stage's result, final text."""

    index: int              # position in Document.segments()
    source: str             # plain source text sent to the engine
    raw: Translation        # what the engine returned
    final: str              # after every stage: what is published (plain text)
    steps: tuple[Step, ...] = ()

    def step(self, stage: str) -> Step | None:
        return next((s for s in self.steps if s.stage == stage), None)

    @property
    def adapted(self) -> str:
        """The text after the Afghan Dari adaptation (the raw text when none ran)."""
        step = self.step("adaptation")
        return step.text if step is not None else self.raw.text

    @property
    def adaptations(self) -> tuple:
        step = self.step("adaptation")
        return step.findings if step is not None else ()

    @property
    def terms(self) -> tuple[TermReport, ...]:
        step = self.step("glossary")
        return step.findings if step is not None else ()
    human: object = None    # translate.translation.memory.HumanTranslation when a person's approved text is published


@dataclass(frozen=True)
class EditionRecord:
    lang: str
    model: ModelInfo
    segments: tuple[SegmentRecord, ...] = field(default_factory=tuple)
