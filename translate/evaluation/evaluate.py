"""Measuring translations against reference translations (`translate evaluate`).

    --src FILE, --ref KEY=FILE ──read and checked──▶ TestSet: units (one line of a text
        file as FLORES ships it, or one block of a Markdown article) and their references
    ──translate.translation.edition (exactly as publish: routing, memory, adaptation, glossary,
        script check)──▶ one EditionRecord per engine configuration
    ──read at a stage (raw engine output, after adaptation, final)──▶ a system's hypotheses
    ──sacrebleu──▶ chrF++ and BLEU with their signatures, paired bootstrap resampling
    ──the glossary──▶ term accuracy of every system and of the reference itself

A Markdown article is aligned with its translated reference by block (title,
summary, each heading, paragraph, list item, table cell, figure), not by
sentence: translators merge and split sentences, but keep the article's blocks.
Nothing here prints or writes files: the command (translate.cli.evaluate)
does.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from translate.translation import edition
from translate.source.document import Block, Document, Segment, walk
from translate.errors import UserError
from translate.project.languages import SOURCE, TARGETS, Language

TEXT, MARKDOWN = "text", "markdown"
# Wider than one article: FLORES-200 devtest is 1012 lines, some 200 KB a language.
MAX_TEST_FILE_BYTES = 16 << 20

# Stages a system can be read at, in pipeline order: the engine's output, after
# the Afghan Dari adaptation, after the glossary (the final text, what is published).
STAGES = ("raw", "adaptation", "glossary")
_STAGE_TEXT = {
    "raw": lambda seg: seg.raw.text,
    "adaptation": lambda seg: seg.adapted,
    "glossary": lambda seg: seg.final,
}

# Letters only one language of a script pair writes: a Kazakh text has them
# (і, қ, ә alone are some 8% of its letters), a Russian text has none; Pashto
# and Dari likewise. The script check alone cannot tell rus_Cyrl from kaz_Cyrl.
LANGUAGE_LETTERS = {
    "kk": set("әғқңөұүһіӘҒҚҢӨҰҮҺІ"),
    "ps": set("ټډړږښګڼۍېځڅ"),
}
MIN_LANGUAGE_LETTERS_SHARE = 0.01


class EvaluationError(UserError):
    """A source or reference that cannot be evaluated."""


# --- reading ---------------------------------------------------------------------------------


def file_kind(path: Path) -> str:
    return MARKDOWN if Path(path).suffix.lower() in (".md", ".markdown") else TEXT


def _read_text(path: Path) -> str:
    """A test file's text: it exists, is UTF-8, not empty, not too big."""
    from translate.util.textfile import read_user_file

    path = Path(path)
    raw = read_user_file(path, MAX_TEST_FILE_BYTES, EvaluationError, what="a test file",
                         too_large_hint="evaluate on a test set of a few thousand segments")
    if not raw.strip():
        raise EvaluationError(f"{path}: the file is empty", "give one segment a line (or a Markdown article)")
    from translate.util.textfile import decode_utf8

    return decode_utf8(raw, str(path), EvaluationError)


def read_lines(path: Path) -> list[str]:
    """One segment a line, as FLORES ships it; control and bidi override
    characters removed as the Markdown reader removes them from articles."""
    from translate.source.markdown import CONTROLS

    text = _read_text(path)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the final line end
    out = []
    for number, line in enumerate(lines, start=1):
        line = CONTROLS.sub("", line.rstrip("\r")).strip()
        if not line:
            raise EvaluationError(f"{path}:{number}: an empty line",
                                  "each line is one segment, aligned with the same line of the source and "
                                  "of every reference: remove the empty line or fill it")
        out.append(line)
    return out


@dataclass(frozen=True)
class TestSet:
    """What is translated: a Document, and the units scores are counted on."""

    path: Path
    kind: str                                 # TEXT or MARKDOWN
    doc: Document
    units: tuple[tuple[int, ...], ...]        # per unit: its indexes in doc.segments()
    labels: tuple[str, ...]                   # per unit: "line 3", "paragraph 4"
    sources: tuple[str, ...]                  # per unit: the English text

    def texts(self, segment_texts: list[str]) -> list[str]:
        """Per unit, the texts of its segments joined as the source joins them
        (a Markdown block's sentences)."""
        return _joined(self.units, segment_texts, [s.space_after for s in self.doc.segments()])


def _joined(units, texts: list[str], separators: list[str]) -> list[str]:
    """Each unit's segment texts with the whitespace that separates them in the
    block, as one line (a soft line break is a space), as the writers join them."""
    return [" ".join("".join(texts[i] + separators[i] for i in unit).split()) for unit in units]


def _markdown_units(doc: Document) -> tuple[list[tuple[int, ...]], list[str]]:
    """The article's blocks that hold text, in reading order, as segment indexes."""
    units, kinds = [(0,)], ["title"]
    if doc.summary is not None:
        units.append((1,))
        kinds.append("summary")
    next_index = len(units)
    for block in walk(doc.blocks):
        if block.segments:
            units.append(tuple(range(next_index, next_index + len(block.segments))))
            kinds.append(block.kind.replace("_", " "))
            next_index += len(block.segments)
    assert next_index == len(doc.segments())
    return units, kinds


def _numbered(kinds: list[str]) -> list[str]:
    seen: Counter = Counter()
    labels = []
    for kind in kinds:
        seen[kind] += 1
        labels.append(kind if kind in ("title", "summary") else f"{kind} {seen[kind]}")
    return labels


def _lines_document(lines: list[str], slug: str) -> Document:
    """Plain lines as a Document (title = line 1), never parsed as Markdown:
    a FLORES line holding "*" or "#" is text."""
    return Document(title=Segment(lines[0]),
                    blocks=tuple(Block("paragraph", (Segment(line),)) for line in lines[1:]), slug=slug)


def read_test_set(path: Path) -> TestSet:
    """The source: a text file (one segment a line) or a Markdown article read as publish reads it."""
    from translate.source.inline import engine_text
    from translate.source.article import open_article

    path = Path(path)
    if file_kind(path) == TEXT:
        lines = read_lines(path)
        doc = _lines_document(lines, path.stem)
        units = [(i,) for i in range(len(lines))]
        labels = [f"line {i + 1}" for i in range(len(lines))]
    else:
        doc = open_article(path).doc
        units, kinds = _markdown_units(doc)
        labels = _numbered(kinds)
    test_set = TestSet(path, file_kind(path), doc, tuple(units), tuple(labels), ())
    sources = test_set.texts([engine_text(s) for s in doc.segments()])
    check_language(SOURCE, sources, path, "--src")
    return replace(test_set, sources=tuple(sources))


def _line_of(text: str, snippet: str) -> int | None:
    at = text.find(snippet[:30]) if snippet else -1
    return text[:at].count("\n") + 1 if at >= 0 else None


def read_reference(path: Path, lang: Language, test_set: TestSet) -> list[str]:
    """The reference translation of ``test_set`` into ``lang``, one text per unit."""
    from translate.source.markdown import SourceError, read_markdown

    path = Path(path)
    if file_kind(path) != test_set.kind:
        raise EvaluationError(
            f"{path}: a {file_kind(path)} reference for a {test_set.kind} source ({test_set.path.name})",
            "give a text file for a text source (one line per source line), a Markdown article for a Markdown one")
    if test_set.kind == TEXT:
        texts = read_lines(path)
        if len(texts) != len(test_set.units):
            raise EvaluationError(
                f"{path}: {len(texts)} lines, but the source {test_set.path.name} has {len(test_set.units)}",
                "a reference has exactly one line per source line, in the same order")
    else:
        text = _read_text(path)
        try:
            doc = read_markdown(text, slug="reference")
        except SourceError as err:
            raise EvaluationError(f"{path}: {err}") from None
        units, kinds = _markdown_units(doc)
        segments = doc.segments()
        texts = _joined(units, [s.text for s in segments], [s.space_after for s in segments])
        source_kinds = [label.rsplit(" ", 1)[0] if label[-1].isdigit() else label for label in test_set.labels]
        for n, (kind, source_kind) in enumerate(zip(kinds, source_kinds)):
            if kind != source_kind:
                line = _line_of(text, texts[n])
                where = f"{path}:{line}" if line else str(path)
                raise EvaluationError(
                    f"{where}: block {n + 1} is a {kind} where the source has a {source_kind} "
                    f"({test_set.labels[n]})", "the reference must keep the source's blocks in the same order")
        if len(kinds) != len(source_kinds):
            raise EvaluationError(
                f"{path}: {len(kinds)} blocks with text, but the source {test_set.path.name} has {len(source_kinds)}",
                "the reference must keep the source's title, headings, paragraphs and list items")
    check_language(lang, texts, path, f"--ref {lang.key}")
    return texts


def check_language(lang: Language, texts: list[str], path: Path, option: str) -> None:
    """EvaluationError when ``texts`` are not written in ``lang``: another
    script, or a sibling language of the same script (Russian for Kazakh,
    Dari for Pashto and the other way round)."""
    census = edition.script_census(texts)
    letters = sum(census.values())
    if letters < edition.MIN_LETTERS_TO_JUDGE:
        return
    share = census.get(lang.script, 0) / letters
    hint = f"{option} must name the {lang.english_name} file ({lang.nllb_code})"
    if share < edition.MIN_SCRIPT_SHARE:
        found = max(census, key=census.get).title()
        raise EvaluationError(f"{path}: mostly {found} letters, only {share:.0%} {lang.script.title()}: "
                              f"not {lang.english_name}", hint)
    for key, marker in LANGUAGE_LETTERS.items():
        other = TARGETS[key]
        if other.script != lang.script:
            continue
        marker_share = sum(c in marker for text in texts for c in text) / census[lang.script]
        if key == lang.key and marker_share < MIN_LANGUAGE_LETTERS_SHARE:
            raise EvaluationError(f"{path}: none of the letters only {lang.english_name} writes "
                                  f"({' '.join(sorted(marker)[:6])} ...): this is not {lang.english_name}", hint)
        if key != lang.key and marker_share >= MIN_LANGUAGE_LETTERS_SHARE:
            raise EvaluationError(f"{path}: {marker_share:.0%} of its letters are {other.english_name} letters "
                                  f"({' '.join(sorted(marker)[:6])} ...): this is {other.english_name}, "
                                  f"not {lang.english_name}", hint)


# --- engine configurations ------------------------------------------------------------------


def configurations(engine_specs: list[str], keys: list[str]) -> dict[str, list[str | None]]:
    """Per language, the --engine values to compare, in the order given (None:
    the configured engine). ``--engine prs=A --engine prs=B`` compares A with B."""
    from translate.project.config import parse_override

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
    from translate.project.config import with_overrides

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
        """Term occurrences the glossary stage could not place."""
        return self.run.count("not-applied") if self.stage == "glossary" else 0


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
    from sacrebleu.metrics import BLEU as SacreBLEU
    from sacrebleu.metrics import CHRF as SacreCHRF

    return {CHRF: SacreCHRF(word_order=2), BLEU: SacreBLEU(tokenize=tokenize)}


def score(systems: list[System], references: list[str], *, tokenize: str = "13a",
          samples: int = 1000) -> dict[str, str]:
    """chrF++ and BLEU of every system, with sacrebleu's paired bootstrap
    resampling of each system against the first when there are several.
    Fills the systems in; returns the signatures."""
    from sacrebleu.significance import PairedTest

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
    test = PairedTest([(s.name, s.hypotheses) for s in systems], _metrics(tokenize), [references],
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
