"""Translating one edition: the one path that publish, review, glossary diff
and the benchmark take, so that a review shows exactly what is published.

    Document ──engine (translation memory first)──▶ raw segments
             ──stages (Afghan Dari adaptation, glossary, ...)──▶ final segments
             ──inline marks put back──▶ translated Document + EditionRecord

``Setup`` is everything besides the article that decides how an edition is
translated (configuration, model folders, the project's locales, decoding
options, memory); ``plan`` resolves one language to an engine choice and its
post-editing stages; ``translate_edition`` runs them. Files, flags and
progress bars belong to the commands, not here.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Protocol

from translate.project import config as project_config
from translate.project import resources
from translate.project.config import Config
from translate.project.languages import Language
from translate.source import inline
from translate.source.document import Document
from translate.translation import adaptation, glossary, pieces
from translate.translation.engines.base import Engine, EngineError, Progress, Translation
from translate.translation.engines import runtime
from translate.translation.engines.ct2 import DecodingOptions
from translate.translation.engines.scoring import term_model_for
from translate.translation.memory import CachedEngine, open_for_run
from translate.translation.models import routing
from translate.translation.postedit.human import approved_for
from translate.translation.records import EditionRecord, SegmentRecord, Step


@dataclass(frozen=True)
class Setup:
    """What decides how every edition of a run is translated."""

    config: Config
    models_dir: Path | None = None        # Argos packages (None: the default folder)
    multilingual_dir: Path | None = None  # NLLB-200 / M2M-100 models (None: the default folder)
    locales_dir: Path | None = None       # the project's locales/, overriding the built-in data
    options: DecodingOptions = field(default_factory=DecodingOptions)
    memory: object = None                 # translate.translation.memory.TranslationMemory, or None (--no-cache)
    strict_terms: bool = False            # publish: an edition with a term missing or not placed is not published

    @classmethod
    def open(cls, *, config_path, engine_overrides, models_dir, multilingual_dir, locales_dir, cache_path,
             no_cache, beam_size, batch_tokens, warn: Callable[[str], None], device: str | None = None,
             compute_type: str | None = None) -> "Setup":
        """The Setup that the command line's translation options describe
        (translate.cli.options.translation_options): the project's
        configuration with the --engine overrides, the device and compute type
        (--device and --compute-type over translate.toml's [runtime]; ``warn``
        says when auto falls back to the CPU), and the memory opened (``warn``
        says when it cannot be, and the run goes on without it)."""
        cfg = project_config.with_overrides(project_config.load(config_path), engine_overrides)
        run_on = resolve_runtime(cfg, device, compute_type)
        if run_on.note and run_on.device == "cpu":
            warn(f"--device auto: {run_on.note}; translating on the CPU")
        memory = None if no_cache else open_for_run(cache_path, warn)
        return cls(cfg, models_dir, multilingual_dir, locales_dir,
                   DecodingOptions(beam_size=beam_size, max_batch_tokens=batch_tokens, runtime=run_on), memory)


def resolve_runtime(cfg: Config, device: str | None = None, compute_type: str | None = None) -> runtime.Runtime:
    """Where the run's models run: --device / --compute-type, else [runtime] in
    translate.toml, else auto and the model's own type. A device or compute
    type that was asked for is checked now (an unusable one is a one-line
    error before anything is translated) and auto says what it chose (the
    note); with neither, auto is resolved silently when a model first loads,
    so that a run which translates nothing never imports CTranslate2."""
    setting = cfg.runtime
    asked, compute = device or setting.device, compute_type or setting.compute_type
    if asked is None and compute is None:
        return runtime.Runtime(inter_threads=setting.inter_threads, intra_threads=setting.intra_threads)
    option = "--device" if device or not cfg.path else f"{cfg.path.name}: runtime.device"
    resolved = runtime.resolve(asked, compute, inter_threads=setting.inter_threads,
                               intra_threads=setting.intra_threads, option=option)
    return resolved if asked else replace(resolved, note="")


# --- post-editing stages -----------------------------------------------------------------


class Stage(Protocol):
    """A post-editing stage: takes each segment's source text and translation
    so far, returns the new translations (alignment kept up to date) and their
    findings."""

    name: str
    source: resources.DataFile  # the data file it applies
    checksum: str               # SHA-256 of that file's bytes

    def apply_many(self, items: list[tuple[str, Translation]]) -> list[tuple[Translation, tuple]]:
        """Every (source text, translation) segment of a document at once, so
        that a stage that asks the model can ask for all of them in one call."""
        ...

    def bind(self, engine: Engine) -> "Stage":
        """This stage for a run with ``engine`` (a stage that asks the model,
        like the glossary choosing a term's form, keeps it; others return self)."""
        ...


def _read_data(data: resources.DataFile, error) -> bytes:
    # A project file that is a dangling link, a folder or a FIFO must fail
    # loudly (reading a FIFO would block), never be skipped silently.
    if not data.path.is_file():
        raise error(f"{data.path}: not a readable file (a dangling link, a folder or a pipe?): "
                    "replace it with the CSV file or remove it")
    try:
        return data.path.read_bytes()
    except OSError as err:
        raise error(f"{data.path}: cannot read it ({err.strerror})") from None


@dataclass
class AdaptationStage:
    """Iranian Persian model output rewritten as Afghan Dari (translate.translation.adaptation)."""

    rules: object
    source: resources.DataFile | None = None
    checksum: str = ""
    name: str = "adaptation"

    def apply_many(self, items):
        return [adaptation.adapt(self.rules, source_text, translation) for source_text, translation in items]

    def bind(self, engine):
        return self


@dataclass
class GlossaryStage:
    """The language's glossary, verified and repaired (translate.translation.glossary)."""

    glossary: object
    source: resources.DataFile | None = None
    checksum: str = ""
    name: str = "glossary"
    model: object = None   # translate.translation.glossary.TermModel: the engine's model chooses each term's form

    def apply_many(self, items):
        return glossary.enforce_many(self.glossary, items, model=self.model)

    def bind(self, engine):
        return replace(self, model=term_model_for(engine))


def load_glossary_stage(lang: Language, locales_dir: Path | None) -> GlossaryStage | None:
    """The project's locales/<key>/glossary.csv, else the built-in one, else None."""

    data = resources.locale_file(lang.key, "glossary.csv", locales_dir)
    if data is None:
        return None
    raw = _read_data(data, lambda message: glossary.GlossaryError([message]))
    parsed = glossary.parse(raw, str(data.path), lang=lang.key, path=data.path)
    return GlossaryStage(parsed, data, hashlib.sha256(raw).hexdigest())


def load_adaptation_stage(lang: Language, locales_dir: Path | None) -> AdaptationStage:
    data = resources.locale_file(lang.key, "adaptation.csv", locales_dir)
    if data is None:
        raise adaptation.AdaptationError(f"no adaptation rules for {lang.english_name} in the package: "
                                         "reinstall newsroom-translate")
    raw = _read_data(data, adaptation.AdaptationError)
    rules = adaptation.parse(raw, str(data.path), data.path)
    return AdaptationStage(rules, data, hashlib.sha256(raw).hexdigest())


# --- one edition ---------------------------------------------------------------------------


@dataclass
class Plan:
    """How one language will be translated: the engine choice and the stages."""

    lang: Language
    choice: object                 # translate.translation.models.routing.EngineChoice
    stages: list[Stage]

    @property
    def glossary(self):
        return next((s.glossary for s in self.stages if s.name == "glossary"), None)

    def stage(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name), None)


def plan(lang: Language, setup: Setup) -> Plan:
    """The engine choice and stages for ``lang``: NoModel when nothing installed
    serves it, GlossaryError / AdaptationError when their data is unusable."""

    choice = routing.resolve(lang, setup.config, setup.models_dir, setup.multilingual_dir)
    stages: list[Stage] = []
    glossary = load_glossary_stage(lang, setup.locales_dir)
    if choice.adapted:
        stages.append(with_glossary(load_adaptation_stage(lang, setup.locales_dir), glossary))
    if glossary is not None:
        stages.append(glossary)
    return Plan(lang, choice, stages)


def with_glossary(stage: AdaptationStage, glossary: GlossaryStage | None) -> AdaptationStage:
    """The adaptation less its rules for the glossary's terms: the glossary
    alone decides a term (translate glossary check names such rules)."""
    if glossary is None:
        return stage
    return replace(stage, rules=adaptation.without_glossary_terms(stage.rules, glossary.glossary))


@dataclass
class Translated:
    doc: Document
    record: EditionRecord
    lost: list                     # inline.LostMark: markup that could not be placed
    memory_hits: int = 0
    memory_misses: int = 0
    memory_warning: str = ""


def approved_translations(doc: Document, lang: Language, setup: Setup):
    """The approved human translations (translate import, TMX) that apply to
    ``doc``'s sentences in ``lang`` (translate.translation.postedit.human.Approved)."""

    return approved_for(doc, lang.key, setup.memory)


def translate_edition(doc: Document, edition: Plan, setup: Setup, *, progress: Progress | None = None,
                      engine: Engine | None = None, human=None) -> Translated:
    """Translate ``doc`` as ``edition`` says: memory, engine, stages, script
    check; an approved human translation wins for exactly its sentence
    (``human``: approved_translations, looked up when not given). ``engine``
    replaces the configured one (tests, the benchmark's replay)."""
    if human is None:
        human = approved_translations(doc, edition.lang, setup)
    engine = cached = engine_for(edition, setup, engine)
    stages = [stage.bind(engine) for stage in edition.stages]
    translated, record, lost = translate_document(doc, edition.lang, engine, stages, progress=progress,
                                                  human=human)
    # A package whose metadata names another language than its model writes
    # that other language: never publish it as this edition.
    check_script(edition.lang, [s.raw.text for s in record.segments], record.model.name)
    result = Translated(translated, record, lost)
    if hasattr(cached, "hits"):
        result.memory_hits, result.memory_misses, result.memory_warning = cached.hits, cached.misses, cached.warning
    return result


def engine_for(edition: Plan, setup: Setup, engine: Engine | None = None) -> Engine:
    """The plan's engine (not loaded until it translates), answering from the
    translation memory first when the run has one."""

    if engine is None:
        engine = routing.build_engine(edition.choice, setup.options)
    if setup.memory is not None:
        engine = CachedEngine(engine, setup.memory, edition.lang.key)
    return engine


def run_stages_many(items: list[tuple[str, Translation]], stages) -> list[tuple[Translation, tuple[Step, ...]]]:
    """Each stage, in order, over all (source text, raw translation) segments at
    once (``Stage.apply_many``): each segment's final translation and what each
    stage did to it. A segment of thousands of words goes to the stages in
    pieces and comes back whole (translate.translation.pieces)."""
    if not stages:
        return [(raw, ()) for _, raw in items]
    cut = [pieces.cut(source_text, raw) for source_text, raw in items]
    sources = [source_text[p.source_start:p.source_end] for (source_text, _), mine in zip(items, cut) for p in mine]
    current = [p.translation for mine in cut for p in mine]
    steps: list[list[Step]] = [[] for _ in items]
    for stage in stages:
        results = stage.apply_many(list(zip(sources, current)))
        current = [translation for translation, _ in results]
        at = 0
        for k, mine in enumerate(cut):
            done = results[at:at + len(mine)]
            joined = pieces.join(mine, [translation for translation, _ in done])
            steps[k].append(Step(stage.name, joined.text, pieces.join_findings(done)))
            at += len(mine)
    out, at = [], 0
    for k, mine in enumerate(cut):
        out.append((pieces.join(mine, current[at:at + len(mine)]), tuple(steps[k])))
        at += len(mine)
    return out


def translate_document(doc: Document, lang: Language, engine: Engine, stages=(), *,
                       progress: Progress | None = None, human=None) -> tuple[Document, EditionRecord, list]:
    """Translate every segment of ``doc`` into ``lang`` in one engine call,
    then run each stage over each segment, in order. A segment with an
    approved human translation (``human``, translate.translation.postedit.human.Approved)
    publishes it unchanged: no stage rewrites a person's text."""
    segments = doc.segments()
    texts = [inline.engine_text(s) for s in segments]
    translations = inline.translate_texts(engine, texts, progress=progress)

    glossary = next((stage.glossary for stage in stages if stage.name == "glossary"), None)
    approved = [human.apply(index, segment, text, raw, glossary) if human is not None else None
                for index, (segment, text, raw) in enumerate(zip(segments, texts, translations))]
    machine = [index for index, a in enumerate(approved) if a is None]
    staged = dict(zip(machine, run_stages_many([(texts[i], translations[i]) for i in machine], stages)))
    records, new_segments, lost_marks = [], [], []
    for index, (segment, text, raw) in enumerate(zip(segments, texts, translations)):
        if approved[index] is not None:
            new_segments.append(approved[index][0])
            records.append(approved[index][1])
            continue
        current, steps = staged[index]
        new_segment, lost = inline.restore(segment, current)
        lost_marks.extend(lost)
        new_segments.append(new_segment)
        records.append(SegmentRecord(index, text, raw, current.text, steps))
    translated = doc.with_segments(new_segments, lang=lang.key)
    return translated, EditionRecord(lang.key, engine.info, tuple(records)), lost_marks


# --- the script check ------------------------------------------------------------------------


class WrongLanguage(EngineError):
    """The model writes another script than the edition's language: its
    package metadata names a language its weights do not translate into."""

    hint = "translate models verify; then reinstall the right package (translate models add FILE)"


# Share of an edition's letters that must be in the language's script. A real
# translation has a few Latin names and abbreviations; a model that writes
# another language has almost none of the expected script.
MIN_SCRIPT_SHARE = 0.5
MIN_LETTERS_TO_JUDGE = 40


def script_census(texts) -> dict[str, int]:
    """How many letters of ``texts`` each script has, by the first word of
    their Unicode names ("CYRILLIC", "ARABIC", "LATIN", ...)."""
    scripts: dict[str, int] = {}
    for text in texts:
        for c in text:
            if c.isalpha():
                name = unicodedata.name(c, "").split(" ")[0]
                scripts[name] = scripts.get(name, 0) + 1
    return scripts


def check_script(lang: Language, texts: list[str], model_name: str) -> None:
    """WrongLanguage when the translations are not mostly in ``lang``'s script."""
    script = lang.script
    if script is None:
        return
    scripts = script_census(texts)
    letters = sum(scripts.values())
    if letters < MIN_LETTERS_TO_JUDGE:
        return
    share = scripts.get(script, 0) / letters
    if share < MIN_SCRIPT_SHARE:
        found = max(scripts, key=scripts.get).title() or "unknown"
        raise WrongLanguage(
            f"the model {model_name} wrote {found} letters, only {share:.0%} {script.title()}: it does not "
            f"translate into {lang.english_name} whatever its metadata says; the edition was not published")
