"""`translate publish`: read articles, translate each edition, write the files.

This is the only place that knows about output folders, flags and progress
bars; the stages it calls (pipeline, render, manifest) take and return data.
"""

from __future__ import annotations

import glob
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import click

from translate import paths
from translate.commands.cache import CACHE_OPTION

FORMATS = ("md", "html", "pdf")


@dataclass
class EditionOutcome:
    key: str
    name: str
    files: list[Path] = field(default_factory=list)
    model: str = ""
    problem: str = ""       # why the edition is missing
    fix: str = ""           # the command that fixes it
    notes: list[str] = field(default_factory=list)


def _split_formats(ctx, param, value: str) -> list[str]:
    chosen = [f.strip() for f in value.split(",") if f.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise click.BadParameter(f"use one or more of {','.join(FORMATS)} (got {value!r})")
    return chosen


def _split_languages(ctx, param, value: str):
    from translate.languages import UnknownLanguage, parse_targets

    try:
        return parse_targets(value)
    except UnknownLanguage as err:
        raise click.BadParameter(str(err)) from None


@click.command()
@click.argument("sources", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "languages", default="ru,prs,ps,kk", show_default=True, callback=_split_languages,
              help="Editions to publish: comma-separated project keys (ru, prs, ps, kk).")
@click.option("--format", "formats", default="md,html,pdf", show_default=True, callback=_split_formats,
              help="Files to write for each edition.")
@click.option("--output", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=paths.OUTPUT_DIR, show_default="output/", help="Folder that receives output/<slug>/<key>/.")
@click.option("--models-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="ARGOS_PACKAGES_DIR", show_envvar=True,
              help="Folder of installed Argos packages.")
@click.option("--multilingual-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="TRANSLATE_MODELS_DIR", show_envvar=True,
              help="Folder of installed multilingual (NLLB-200 / M2M-100) models.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Project configuration (default: translate.toml in the project, if any).")
@click.option("--engine", "engine_overrides", multiple=True, metavar="KEY=ENGINE[:MODEL]",
              help="Override the configured engine of one language, e.g. prs=argos:fa or kk=multilingual:m2m. Repeatable.")
@click.option("--locales", "locales_dir", type=click.Path(file_okay=False, path_type=Path),
              default=paths.LOCALES_DIR, show_default="locales/", help="Folder with locales/<key>/glossary.csv.")
@click.option("--cache", "cache_path", **CACHE_OPTION)
@click.option("--no-cache", is_flag=True, help="Translate every segment again; neither read nor write the memory.")
@click.option("--beam-size", type=click.IntRange(1, 16), default=4, show_default=True,
              help="Beam width for decoding (1 is fastest).")
@click.option("--batch-tokens", type=click.IntRange(64, 65536), default=4096, show_default=True,
              help="Tokens per CTranslate2 batch.")
def publish(sources, languages, formats, output_dir, models_dir, multilingual_dir, config_path,
            engine_overrides, locales_dir, cache_path, no_cache, beam_size, batch_tokens):
    """Translate SOURCE articles (default: source/*.md) and write every edition
    under OUTPUT/<slug>/<key>/.

    A language with no installed model does not stop the others: the run ends
    with a table of what was produced and what is missing, with the command
    that fixes each missing edition, and exits with status 1.

    \b
    Examples:
      translate publish
      translate publish source/taliban-delisting.md --to ru,prs
      translate publish --format md --models-dir ~/models
    """
    from translate.engines.ct2 import DecodingOptions
    from translate.markdown_reader import SourceError
    from translate.pipeline import read_source

    if not sources:
        sources = tuple(Path(p) for p in sorted(glob.glob(str(paths.SOURCE_DIR / "*.md"))))
        if not sources:
            raise click.ClickException(f"no articles in {paths.SOURCE_DIR}: name one, e.g. translate publish article.md")
    options = DecodingOptions(beam_size=beam_size, max_batch_tokens=batch_tokens)
    from translate import config as project_config

    try:
        cfg = project_config.with_overrides(project_config.load(config_path), engine_overrides)
    except project_config.ConfigError as err:
        raise click.ClickException(str(err)) from None
    where = Where(models_dir, multilingual_dir, locales_dir, cfg)
    _check_output_dir(output_dir)
    memory = None
    if not no_cache:
        from translate.memory import TranslationMemory, TranslationMemoryError

        try:
            memory = TranslationMemory(cache_path)
        except TranslationMemoryError as err:
            raise click.ClickException(str(err)) from None

    failed = False
    for source in sources:
        try:
            doc = read_source(source)
        except SourceError as err:
            click.secho(f"error: {err}", fg="red", err=True)
            failed = True
            continue
        outcomes = publish_article(doc, source, languages, formats, output_dir, where, options, memory)
        _print_summary(doc.slug, outcomes, output_dir)
        failed |= any(o.problem for o in outcomes)
    sys.exit(1 if failed else 0)


def _check_output_dir(output_dir: Path) -> None:
    """Refuse an output folder that cannot be written before minutes of translation."""
    import tempfile

    if output_dir.exists() and not output_dir.is_dir():
        raise click.ClickException(f"--output {output_dir} is a file: give a folder")
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=output_dir, prefix=".write-test-"):
            pass
    except OSError as err:
        raise click.ClickException(f"cannot write to the output folder {output_dir}: {err.strerror}; "
                                   "make it writable or choose another with --output") from None


@dataclass(frozen=True)
class Where:
    """Where models, glossaries and the configuration come from."""

    models_dir: Path | None
    multilingual_dir: Path | None
    locales_dir: Path
    config: object


def publish_article(doc, source: Path, languages, formats, output_dir: Path, where: Where,
                    options, memory=None) -> list[EditionOutcome]:
    """Every requested edition of one article; one failure does not stop the others.

    All editions are translated first (one model in memory at a time), then
    written, so that each page's language switcher knows every edition."""
    from translate import adaptation, publishing
    from translate import config as project_config
    from translate.engines import NoModel, choose_engine
    from translate.engines.base import EngineError
    from translate.languages import ALL, SOURCE
    from translate.pipeline import check_script, translate_document
    from translate.postedit import human as human_stage

    article = publishing.Article(doc, source, output_dir / doc.slug, formats,
                                 published=datetime.now(timezone.utc))
    for path in (article.folder, *(article.folder / key for key in ALL)):
        if path.exists() and not path.is_dir():
            raise click.ClickException(f"{path} is a file, but the article's editions go in a folder of "
                                       "that name: move the file away or choose another --output")
    source_sha = publishing.sha256_file(source)
    outcomes = {SOURCE.key: EditionOutcome(SOURCE.key, SOURCE.native_name, model="original")}
    original = _carry(article, SOURCE, _pre(SOURCE, source_sha, formats), memory)
    editions = [original or publishing.Edition(SOURCE, doc, pre=_pre(SOURCE, source_sha, formats))]

    def translate_edition(lang, outcome, choice, pre):
        """Translate one edition; None (and the outcome says why) when it cannot be."""
        try:
            engine = project_config.build_engine(choice, options)
            rules = adaptation.load() if choice.adapted else None
            if memory is not None:
                from translate.memory import CachedEngine

                engine = CachedEngine(engine, memory, lang.key)
            glossary = publishing.load_glossary(lang, where.locales_dir)
            label = f"{lang.english_name:<8} ({lang.key})"
            with click.progressbar(length=len(doc.segments()), label=label, file=sys.stderr,
                                   show_pos=True) as bar:
                translated, record, lost = translate_document(doc, lang, engine, glossary=glossary,
                                                              adaptation=rules, progress=bar.update,
                                                              human=human_stage.approved_for(doc, lang.key, memory))
            # A package whose metadata names another language than its model writes
            # that other language: never publish it as this edition.
            check_script(lang, [s.raw.text for s in record.segments], record.model.name)
        except (EngineError, publishing.GlossaryUnavailable, adaptation.AdaptationError) as err:
            outcome.problem, outcome.fix = str(err), getattr(err, "hint", "")
            return None
        outcome.model = record.model.name
        if memory is not None:
            if engine.hits:
                outcome.notes.append(f"{engine.hits} of {engine.hits + engine.misses} segments "
                                     "from the translation memory")
            if engine.warning:
                outcome.notes.append(engine.warning)
        del engine  # one model in memory at a time
        outcome.notes += human_stage.outcome_notes(record)
        outcome.notes += [f"inline {m.mark.kind} markup not placed: {m.reason}" for m in lost]
        outcome.notes += [f"term {t.source_term!r} not placed" for s in record.segments
                          for t in s.terms if t.status == "not-applied"]
        if rules is not None:
            changed = sum(1 for s in record.segments if s.adaptations)
            outcome.notes.append(f"Afghan Dari adaptation rewrote {changed} segments (translate review shows them)")
        return publishing.Edition(lang, translated, record, glossary, adaptation=rules, pre=pre)

    choices = {}
    for lang in languages:
        outcome = outcomes[lang.key] = EditionOutcome(lang.key, lang.native_name)
        try:
            choice = choose_engine(lang, where.models_dir, config=where.config,
                                   multilingual_dir=where.multilingual_dir)
        except NoModel as err:
            outcome.problem, outcome.fix = err.reason, err.hint
            continue
        except EngineError as err:
            outcome.problem, outcome.fix = str(err), getattr(err, "hint", "")
            continue
        pre = human_stage.approved_for(doc, lang.key, memory).seal(
            _pre(lang, source_sha, formats, choice, options, where.locales_dir))
        choices[lang.key] = (choice, pre)
        edition = _carry(article, lang, pre, memory) or translate_edition(lang, outcome, choice, pre)
        if edition is not None:
            editions.append(edition)

    # An edition carried over from the last run links to the editions that
    # existed then: if that set changed, it is translated (from the memory) and
    # rendered again like the others.
    linked = article.linked_keys(editions)
    for index, edition in enumerate(editions):
        if edition.carried is None or edition.carried["links"] == linked:
            if edition.carried is not None and edition.lang.key != SOURCE.key:
                outcomes[edition.lang.key].model = (edition.carried.get("model") or {}).get("name", "")
            continue
        if edition.lang.key == SOURCE.key:
            editions[index] = publishing.Edition(SOURCE, doc, pre=edition.pre)
            continue
        choice, pre = choices[edition.lang.key]
        fresh = translate_edition(edition.lang, outcomes[edition.lang.key], choice, pre)
        editions[index] = fresh if fresh is not None else edition

    from translate.fsutil import FolderLock

    def waiting():
        click.echo(f"waiting for another publish of {doc.slug} to finish...", err=True)

    try:
        # Translation above needs no lock; writing the article's folder does.
        with FolderLock(article.folder, on_wait=waiting):
            article.previous = publishing.previous_editions(article.folder)
            article.write(editions)
    except OSError as err:
        failed = err.filename or article.folder
        kept = "" if article.committing else "; the published files were left as they were"
        raise click.ClickException(f"cannot write {failed}: {err.strerror}{kept}; check that the output "
                                   "folder is writable and the disk has room") from None
    for edition in editions:
        outcomes[edition.lang.key].files = edition.files
        if edition.reused:
            outcomes[edition.lang.key].notes.append(
                f"unchanged since {edition.published:%Y-%m-%d %H:%M}: files kept, not rendered again")
    return list(outcomes.values())


def _pre(lang, source_sha: str, formats, choice=None, options=None, locales_dir: Path | None = None) -> str:
    """Fingerprint of everything that goes into an edition before translation:
    the source bytes, the tool's code and data, the formats, and for a
    translation the model (with its weights' size and time), decoding options,
    glossary and adaptation files. Equal to the last run's: nothing to do."""
    import hashlib
    import json

    from translate import publishing

    material = [publishing.code_digest(), source_sha, lang.key, sorted(formats)]
    if choice is not None:
        from translate.memory import model_fingerprint

        glossary = Path(locales_dir) / lang.key / "glossary.csv" if locales_dir else None
        material += [choice.engine, choice.model, choice.version, str(choice.path), choice.adapted,
                     model_fingerprint(choice.installed.model_info()) if choice.installed else "",
                     options.signature() if options else None,
                     publishing.sha256_file(glossary) if glossary and glossary.is_file() else None]
        if choice.adapted:
            from translate.adaptation import DEFAULT_PATH

            material.append(publishing.sha256_file(DEFAULT_PATH))
    return hashlib.sha256(json.dumps(material, default=str).encode()).hexdigest()


def _carry(article, lang, pre: str, memory):
    """The last run's edition if nothing it is made from changed. Without the
    memory (--no-cache) every edition is translated again, as asked."""
    return None if memory is None else article.carry_over(lang, pre)


def _print_summary(slug: str, outcomes: list[EditionOutcome], output_dir: Path) -> None:
    click.echo(f"\n{slug}: editions in {output_dir / slug}")
    width = max(len(o.key) for o in outcomes)
    for o in outcomes:
        if o.problem:
            click.secho(f"  {o.key:<{width}}  missing   {o.problem}", fg="yellow")
            if o.fix:
                click.echo(f"  {'':<{width}}            fix: {o.fix}")
        else:
            files = ", ".join(p.name for p in o.files)
            click.secho(f"  {o.key:<{width}}  ok        {files}  [{o.model}]", fg="green")
            for note in o.notes[:5]:
                click.echo(f"  {'':<{width}}            note: {note}")
            if len(o.notes) > 5:
                click.echo(f"  {'':<{width}}            note: {len(o.notes) - 5} more (see translate review)")
