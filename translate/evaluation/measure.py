"""Measuring translations of a test set (translate.evaluation.testset):
each engine configuration translated exactly as publish would, read at a
stage of the pipeline, scored with sacrebleu (chrF++, BLEU, paired bootstrap
resampling) and for term accuracy with the glossary. Nothing here prints or
writes files: the command (translate.cli.evaluate) does.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from translate.evaluation.testset import EvaluationError, TestSet
from translate.project.config import parse_override, with_overrides
from translate.project.languages import Language
from translate.translation import edition
from translate.util import heavy

# Stages a system can be read at, in pipeline order: the engine's output, after
# the Afghan Dari adaptation, after the glossary (the final text, what is published).
STAGES = ("raw", "adaptation", "glossary")
_STAGE_TEXT = {
    "raw": lambda seg: seg.raw.text,
    "adaptation": lambda seg: seg.adapted,
    "glossary": lambda seg: seg.final,
}

# --- engine configurations ------------------------------------------------------------------


def configurations(engine_specs: list[str], keys: list[str]) -> dict[str, list[str | None]]:
    """Per language, the --engine values to compare, in the order given (None:
    the configured engine). ``--engine prs=A --engine prs=B`` compares A with B."""

    wanted: dict[str, list[str | None]] = {}
    for spec in engine_specs:
        key, _ = parse_override(spec)   # checks the value (ConfigError names it)
        if key not in keys:
            raise EvaluationError(f"--engine {spec}: no --ref {key}=FILE to evaluate it against",
                                  f"add --ref {key}=FILE or drop the --engine value")
        values = wanted.setdefault(key, [])
        if spec.strip() not in values:
            values.append(spec.strip())
    return {key: wanted.get(key) or [None] for key in keys}


def configured_setup(setup: edition.Setup, spec: str | None) -> edition.Setup:
    return setup if spec is None else replace(setup, config=with_overrides(setup.config, [spec]))


# --- measuring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermAccuracy:
    """Occurrences of glossary terms in the source, and how many of them the
    translation renders with an accepted form."""

    occurrences: int = 0
    rendered: int = 0

    @property
    def share(self) -> float | None:
        return self.rendered / self.occurrences if self.occurrences else None


def term_accuracy(glossary, sources: list[str], targets: list[str]) -> TermAccuracy:
    """Per unit and per glossary entry: min(occurrences in the source, accepted
    forms in the target), summed. Counted the same way on hypotheses and
    references, so a glossary that disagrees with the references shows."""
    if glossary is None:
        return TermAccuracy()
    occurrences = rendered = 0
    for source, target in zip(sources, targets):
        wanted = Counter(o.entry for o in glossary.find_source(source))
        if not wanted:
            continue
        found = Counter(o.entry for o in glossary.find_target(target))
        occurrences += sum(wanted.values())
        rendered += sum(min(n, found[entry]) for entry, n in wanted.items())
    return TermAccuracy(occurrences, rendered)


@dataclass
class Run:
    """One engine configuration's translation of the test set into one language."""

    configuration: str | None      # the --engine value, None for the configured engine
    plan: edition.Plan
    record: object                 # translate.translation.records.EditionRecord
    seconds: float
    memory_hits: int = 0

    @property
    def label(self) -> str:
        if self.configuration is not None:
            return self.configuration.partition("=")[2].strip()
        return f"{self.record.model.engine}:{self.record.model.name}"

    @property
    def segments_per_second(self) -> float:
        return len(self.record.segments) / self.seconds if self.seconds > 0 else float("inf")

    def count(self, status: str) -> int:
        return sum(1 for seg in self.record.segments for term in seg.terms if term.status == status)


def translate_test_set(test_set: TestSet, lang: Language, setup: edition.Setup, configuration: str | None,
                       progress=None) -> Run:
    """Translate the test set exactly as publish translates an article."""
    plan = edition.plan(lang, configured_setup(setup, configuration))
    started = time.perf_counter()
    done = edition.translate_edition(test_set.doc, plan, setup, progress=progress)
    seconds = time.perf_counter() - started
    return Run(configuration, plan, done.record, seconds, done.memory_hits)


@dataclass
class System:
    """A run read at one stage: what is scored."""

    run: Run
    stage: str
    hypotheses: list[str]
    terms: TermAccuracy
    scores: dict[str, float] = field(default_factory=dict)     # metric name -> corpus score
    p_values: dict[str, float] = field(default_factory=dict)   # against the baseline (first system)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)  # bootstrap mean, 95% CI
    sentence_chrf: list[float] = field(default_factory=list)
    bleu_detail: str = ""

    @property
    def name(self) -> str:
        return f"{self.run.label} {self.stage}"

    @property
    def repairs(self) -> int:
        """Term occurrences the glossary stage repaired (none before it ran)."""
        return self.run.count("applied") if self.stage == "glossary" else 0

    @property
    def unplaced(self) -> int:
        """Term occurrences the glossary stage could not place, or found missing in the machine output."""
        return self.run.count("not-applied") + self.run.count("missing") if self.stage == "glossary" else 0


@dataclass
class LanguageResult:
    lang: Language
    reference_path: Path
    references: list[str]
    reference_terms: TermAccuracy
    systems: list[System]
    signatures: dict[str, str]
    samples: int = 0               # bootstrap resamples (0: one system, no test)


CHRF, BLEU = "chrF2++", "BLEU"
SIGNIFICANCE_LEVEL = 0.05


def _metrics(tokenize: str) -> dict:
    metrics = heavy.sacrebleu_metrics()

    return {CHRF: metrics.CHRF(word_order=2), BLEU: metrics.BLEU(tokenize=tokenize)}


def score(systems: list[System], references: list[str], *, tokenize: str = "13a",
          samples: int = 1000) -> dict[str, str]:
    """chrF++ and BLEU of every system, with sacrebleu's paired bootstrap
    resampling of each system against the first when there are several.
    Fills the systems in; returns the signatures."""

    metrics = _metrics(tokenize)
    for system in systems:
        system.scores = {name: metric.corpus_score(system.hypotheses, [references]).score
                         for name, metric in metrics.items()}
        system.bleu_detail = str(metrics[BLEU].corpus_score(system.hypotheses, [references])).split(" ", 3)[-1]
        sentence = metrics[CHRF]
        system.sentence_chrf = [sentence.sentence_score(h, [r]).score
                                for h, r in zip(system.hypotheses, references)]
    if len(systems) < 2:
        return {name: metric.get_signature().format() for name, metric in metrics.items()}
    test = heavy.sacrebleu_significance().PairedTest([(s.name, s.hypotheses) for s in systems], _metrics(tokenize), [references],
                      test_type="bs", n_samples=samples)
    signatures, results = test()
    for name in metrics:
        for system, result in zip(systems, results[name]):
            # numpy floats from the resampling: plain floats for JSON
            if system is not systems[0]:
                system.p_values[name] = float(result.p_value)
            system.intervals[name] = (float(result.mean), float(result.ci))
    return {name: signature.format() for name, signature in signatures.items()}


def evaluate_language(test_set: TestSet, lang: Language, reference_path: Path, references: list[str],
                      runs: list[Run], stages: list[str], *, tokenize: str = "13a",
                      samples: int = 1000) -> LanguageResult:
    """Score every run at every stage against the reference."""
    glossary = runs[0].plan.glossary
    sources = list(test_set.sources)
    systems = []
    for run in runs:
        for stage in stages:
            hypotheses = test_set.texts([_STAGE_TEXT[stage](seg) for seg in run.record.segments])
            systems.append(System(run, stage, hypotheses, term_accuracy(run.plan.glossary, sources, hypotheses)))
    signatures = score(systems, references, tokenize=tokenize, samples=samples)
    return LanguageResult(lang, reference_path, references, term_accuracy(glossary, sources, references),
                          systems, signatures, samples if len(systems) > 1 else 0)


def parse_stages(value: str) -> list[str]:
    stages = []
    for name in (v.strip() for v in value.split(",")):
        if name not in STAGES:
            raise EvaluationError(f"--compare {value}: unknown stage {name!r}",
                                  f"use one or more of {', '.join(STAGES)} (glossary is the final text)")
        if name not in stages:
            stages.append(name)
    return stages


def worst_units(result: LanguageResult, count: int) -> list[int]:
    """The units the first system translates worst (sentence chrF++), worst first."""
    scores = result.systems[0].sentence_chrf
    return sorted(range(len(scores)), key=lambda i: (scores[i], i))[:count]
