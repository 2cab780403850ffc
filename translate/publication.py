"""Publishing one article: its editions decided under the article's lock
(carried over from the last run, or translated), written with the staging
guarantees of translate.publishing, and the outcome of each edition for the
summary table. `translate publish` (translate.commands.publish) runs it per
article; a batch run (translate.batch) prepares translations and pages for
many articles first and hands them in.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import click


@dataclass
class EditionOutcome:
    key: str
    name: str
    files: list[Path] = field(default_factory=list)
    model: str = ""
    problem: str = ""       # why the edition is missing
    fix: str = ""           # the command that fixes it
    notes: list[str] = field(default_factory=list)


def now() -> datetime:
    """The publication time of a run (one place, so a test can fix it)."""
    return datetime.now(timezone.utc)


def read_article(source: Path, strict: bool):
    """The article and its images, its warnings printed; UserError when it
    cannot be published (or has warnings under --strict)."""
    import dataclasses

    from translate import media as media_stage
    from translate.errors import UserError
    from translate.source import open_article

    article = open_article(source)
    doc, images = media_stage.prepare(article.doc, source)
    article = dataclasses.replace(article, doc=doc)
    for warning in doc.warnings:
        click.secho(f"warning: {source}:{warning.line}: {warning.message}", fg="yellow", err=True)
    if strict and doc.warnings:
        raise UserError(f"{source}: {len(doc.warnings)} warning(s) and --strict: nothing of this article "
                        "was published", "fix the lines above")
    return article, images


def open_output(article_file, formats, output_dir: Path, media=(), published: datetime | None = None):
    """The article's output folder (translate.publishing.Article); UserError
    when a file stands where its folders go."""
    from translate import publishing
    from translate.errors import UserError
    from translate.languages import ALL
    from translate.project import WORK_DIR

    doc = article_file.doc
    article = publishing.Article(doc, article_file.path, output_dir / doc.slug, formats,
                                 published=published or now(), work=output_dir / WORK_DIR / doc.slug,
                                 media=media)
    article.source_sha256 = article_file.sha256
    for path in (article.folder, *(article.folder / key for key in ALL)):
        if path.exists() and not path.is_dir():
            raise UserError(f"{path} is a file, but the article's editions go in a folder of that name",
                            "move the file away or choose another --output")
    return article


def plan_languages(languages, setup) -> dict:
    """Per language key, its translate.edition.Plan or the UserError that says
    why there is none. Glossaries and adaptation rules are fingerprinted, not
    parsed: an edition that is carried over never needs them (see ready_plan)."""
    from translate import edition as edition_stage
    from translate.errors import UserError

    plans = {}
    for lang in languages:
        try:
            plans[lang.key] = edition_stage.plan(lang, setup, parse=False)
        except UserError as err:
            plans[lang.key] = err
    return plans


def ready_plan(plans: dict, lang, outcome: EditionOutcome):
    """The language's plan with its stages parsed, kept in ``plans`` for the
    next article of the run; None (and ``outcome`` says why) when unusable."""
    from translate.errors import UserError

    plan = plans[lang.key]
    if not isinstance(plan, UserError):
        try:
            plan = plans[lang.key] = plan.parsed()
        except UserError as err:
            plan = plans[lang.key] = err
    if isinstance(plan, UserError):
        outcome.problem, outcome.fix = getattr(plan, "reason", None) or str(plan), plan.hint
        return None
    return plan


def publish_article(article_file, languages, formats, output_dir: Path, setup, media=(), *,
                    article=None, plans=None, translated=None) -> list[EditionOutcome]:
    """Every requested edition of one article; one failure does not stop the others.

    Everything happens under the article's lock, from reading the last run's
    manifest (which decides what is carried over) to the last rename: two
    runs of one article never act on each other's half-state. All editions
    are translated first (one model in memory at a time), then written, so
    that each page's language switcher knows every edition.

    A batch run (translate.batch) passes what it prepared for many articles
    at once: ``article`` (with pages rendered beforehand), ``plans`` (see
    plan_languages) and ``translated`` (language key -> Translated or the
    UserError of that edition). They are used only where the decisions made
    here, under the lock, ask for them; anything else is translated here."""
    from translate import edition as edition_stage
    from translate.errors import UserError
    from translate.languages import SOURCE

    doc = article_file.doc
    article = article or open_output(article_file, formats, output_dir, media)
    plans = plans if plans is not None else plan_languages(languages, setup)
    translated = translated or {}
    outcomes = {SOURCE.key: EditionOutcome(SOURCE.key, SOURCE.native_name, model="original")}

    def translate_one(lang, plan, pre):
        """Translate one edition; None (and the outcome says why) when it cannot be."""
        outcome = outcomes[lang.key]
        done = translated.get(lang.key)
        try:
            if isinstance(done, UserError):
                raise done
            if done is None:
                label = f"{lang.english_name:<8} ({lang.key})"
                with click.progressbar(length=len(doc.segments()), label=label, file=sys.stderr,
                                       show_pos=True) as bar:
                    done = edition_stage.translate_edition(doc, plan, setup, progress=bar.update)
        except UserError as err:
            outcome.problem, outcome.fix = str(err), err.hint
            return None
        return edition_from(done, plan, pre, outcome)

    try:
        with article.lock(on_wait=waiting(doc.slug)):
            editions = choose_editions(article, languages, plans, setup, translate_one, outcomes)
            article.write(editions)
    except OSError as err:
        failed = err.filename or article.folder
        kept = "" if article.committing else "; the published files were left as they were"
        raise UserError(f"cannot write {failed}: {err.strerror}{kept}",
                        "check that the output folder is writable and the disk has room") from None
    finish_outcomes(outcomes, editions)
    return list(outcomes.values())


def waiting(slug: str):
    """What to say while another run holds the article's lock."""
    return lambda: click.echo(f"waiting for another publish of {slug} to finish...", err=True)


def finish_outcomes(outcomes: dict, editions) -> None:
    """Each written edition's files, and a note on those kept as they were."""
    for edition in editions:
        outcomes[edition.lang.key].files = edition.files
        if edition.reused:
            outcomes[edition.lang.key].notes.append(
                f"unchanged since {edition.published:%Y-%m-%d %H:%M}: files kept, not rendered again")


def choose_editions(article, languages, plans, setup, translate, outcomes=None) -> list:
    """The editions ``article.write`` gets: each carried over from the last run
    when nothing it is made from changed (``article.previous`` read under the
    lock decides), else ``translate(lang, plan, pre)`` (an Edition, or None
    when it cannot be made). ``outcomes`` (language key -> EditionOutcome)
    gets each language's problem or model."""
    from translate import publishing
    from translate.errors import UserError
    from translate.languages import SOURCE

    outcomes = outcomes if outcomes is not None else {}
    doc = article.doc
    original = _carry(article, SOURCE, edition_pre(article, SOURCE), setup)
    editions = [original or publishing.Edition(SOURCE, doc, pre=edition_pre(article, SOURCE))]
    usable = {}

    def fresh(lang, pre):
        plan = ready_plan(plans, lang, outcomes[lang.key])
        return None if plan is None else translate(lang, plan, pre)

    for lang in languages:
        outcome = outcomes.setdefault(lang.key, EditionOutcome(lang.key, lang.native_name))
        plan = plans[lang.key]
        if isinstance(plan, UserError):
            outcome.problem, outcome.fix = getattr(plan, "reason", None) or str(plan), plan.hint
            continue
        pre = usable[lang.key] = edition_pre(article, lang, plan, setup.options)
        edition = _carry(article, lang, pre, setup) or fresh(lang, pre)
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
        again = fresh(edition.lang, usable[edition.lang.key])
        editions[index] = again if again is not None else edition
    return editions


def edition_from(done, plan, pre, outcome: EditionOutcome):
    """The publishing.Edition of a translated edition; its notes go into ``outcome``."""
    from translate import publishing

    record = done.record
    outcome.model = record.model.name
    if done.memory_hits:
        outcome.notes.append(f"{done.memory_hits} of {done.memory_hits + done.memory_misses} segments "
                             "from the translation memory")
    if done.memory_warning:
        outcome.notes.append(done.memory_warning)
    outcome.notes += [f"inline {m.mark.kind} markup not placed: {m.reason}" for m in done.lost]
    outcome.notes += [f"term {t.source_term!r} not placed" for s in record.segments
                      for t in s.terms if t.status == "not-applied"]
    if plan.stage("adaptation") is not None:
        changed = sum(1 for s in record.segments if s.adaptations)
        outcome.notes.append(f"Afghan Dari adaptation rewrote {changed} segments (translate review shows them)")
    return publishing.Edition(plan.lang, done.doc, record, plan.stages, pre=pre)


def edition_pre(article, lang, plan=None, options=None) -> str:
    """Fingerprint of everything that goes into an edition before translation:
    the source bytes, the tool's code and data, the formats, and for a
    translation the model (with its weights' size and time), decoding options
    and the data of each post-editing stage. Equal to the last run's: nothing to do."""
    import hashlib
    import json

    from translate import publishing

    # the article's bytes and its images' (translate.media, and with it the
    # Markdown reader, imported only for an article that has images: an
    # unchanged re-publish does without; inputs_digest of no images is the
    # source's checksum)
    source = article.source_sha256
    if article.media:
        from translate.media import inputs_digest

        source = inputs_digest(article.source_sha256, article.media)
    material = [publishing.code_digest(), source, lang.key, article.formats]
    if plan is not None:
        from translate.memory import model_fingerprint

        choice = plan.choice
        material += [choice.engine, choice.model, choice.version, str(choice.path),
                     model_fingerprint(choice.installed.model_info()) if choice.installed else "",
                     options.signature() if options else None,
                     [(stage.name, stage.checksum) for stage in plan.stages]]
    return hashlib.sha256(json.dumps(material, default=str).encode()).hexdigest()


def _carry(article, lang, pre: str, setup):
    """The last run's edition if nothing it is made from changed. Without the
    memory (--no-cache) every edition is translated again, as asked."""
    return None if setup.memory is None else article.carry_over(lang, pre)


def print_summary(slug: str, outcomes: list[EditionOutcome], output_dir: Path) -> None:
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
