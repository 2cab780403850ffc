"""`translate publish`: read articles, translate each edition, write the files.

This is the only place that knows about output folders, flags and progress
bars; the stages it calls (translate.edition, translate.publishing) take
and return data.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import click

from translate.cli_options import (
    current_project,
    languages_option,
    output_option,
    project_option,
    translation_options,
    translation_setup,
)
from translate.writers import FORMATS


@dataclass
class EditionOutcome:
    key: str
    name: str
    files: list[Path] = field(default_factory=list)
    model: str = ""
    problem: str = ""       # why the edition is missing
    fix: str = ""           # the command that fixes it
    notes: list[str] = field(default_factory=list)


def _parse_size(ctx, param, value: str | None) -> int | None:
    """"15MB", "500kB", "2M" or a number of bytes (decimal units, as the summary shows)."""
    import re

    if value is None:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)b?\s*", value.lower())
    if not match:
        raise click.BadParameter(f"give a size such as 15MB, 500kB or 2000000 (got {value!r})")
    return int(float(match.group(1)) * {"": 1, "k": 1000, "m": 1000**2, "g": 1000**3}[match.group(2)])


def _split_formats(ctx, param, value: str) -> list[str]:
    chosen = [f.strip() for f in value.split(",") if f.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise click.BadParameter(f"use one or more of {','.join(FORMATS)} (got {value!r})")
    return chosen


@click.command()
@project_option
@click.argument("sources", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@languages_option()
@click.option("--format", "formats", default=",".join(FORMATS), show_default=True, callback=_split_formats,
              help="Files to write for each edition.")
@output_option
@translation_options
@click.option("--replace", is_flag=True,
              help="Publish an article whose slug is that of an article published from another source file, "
                   "replacing it (refused otherwise).")
@click.option("--strict", is_flag=True,
              help="Publish nothing of an article whose source had something left out (raw HTML, an image "
                   "outside its folder).")
@click.option("--max-pdf-size", callback=_parse_size, default=None, metavar="SIZE",
              help="Warn about any PDF larger than SIZE (e.g. 15MB: messaging apps and mail cap attachments).")
@click.option("--sign", "sign_with_key", is_flag=True,
              help="Sign each article's SHA256SUMS with the publisher's key (see translate keys new).")
@click.option("--site-url", default=None, envvar="TRANSLATE_SITE_URL", metavar="URL",
              help="Address of the output folder on the web, for the Atom feeds' absolute links "
                   "[default: site_url in translate.toml].")
def publish(sources, languages, formats, output_dir, strict, replace, max_pdf_size, sign_with_key, site_url,
            **translation):
    """Translate SOURCE articles (default: source/*.md of the project) and
    write every edition under OUTPUT/<slug>/<key>/.

    A language with no installed model does not stop the others: the run ends
    with a table of what was produced and what is missing, with the command
    that fixes each missing edition, and exits with status 1.

    \b
    Examples:
      translate publish
      translate publish source/taliban-delisting.md --to ru,prs
      translate publish --format md --models-dir ~/models
      translate -C ~/newsroom publish --to ps
    """
    import dataclasses

    from translate import media as media_stage
    from translate import run_guard
    from translate.commands.sign import after_publish, publish_site
    from translate.errors import UserError
    from translate.signals import SIGPIPE_STATUS, interrupt_behind, quiet_stdout
    from translate.source import open_article
    from translate.untrusted import display

    if not sources:
        sources = tuple(current_project().articles())
    setup = translation_setup(**translation)
    _check_output_dir(output_dir)
    site_url = site_url or setup.config.site_url
    # The passphrase is asked for before minutes of translation, not after.
    key = None
    if sign_with_key:
        from translate.commands.keys import load_secret_key

        key = load_secret_key(None, None)

    failed, pipe_closed = False, False
    slugs = run_guard.SlugsOfRun()
    for source in sources:
        # One bad article is reported and the others are still published.
        try:
            article = open_article(source)
            slugs.claim(article.doc.slug, source)
            doc, images = media_stage.prepare(article.doc, source)
            article = dataclasses.replace(article, doc=doc)
            for warning in doc.warnings:
                click.secho(f"warning: {display(f'{source}:{warning.line}: {warning.message}', 4000)}",
                            fg="yellow", err=True)
            if strict and doc.warnings:
                raise UserError(f"{source}: {len(doc.warnings)} warning(s) and --strict: nothing of this article "
                                "was published", "fix the lines above")
            outcomes = publish_article(article, languages, formats, output_dir, setup, media=images,
                                       site_url=site_url, replace=replace)
        except UserError as err:
            click.secho(f"error: {display(err.one_line(), 4000)}", fg="red", err=True)
            failed = True
            continue
        except Exception as err:
            if interrupt_behind(err) is not None:
                raise
            click.secho(f"error: {display(run_guard.unexpected(source, err).one_line(), 4000)}", fg="red", err=True)
            failed = True
            continue
        try:
            _print_summary(article.doc.slug, outcomes, output_dir, max_pdf_size)
        except BrokenPipeError:
            # `publish | head -1`: the articles are still published, unheard.
            quiet_stdout()
            pipe_closed = True
        after_publish(output_dir / article.doc.slug, key)
        failed |= any(o.problem for o in outcomes)
    publish_site(output_dir, site_url, key)
    click.get_current_context().exit(1 if failed else SIGPIPE_STATUS if pipe_closed else 0)


def _check_output_dir(output_dir: Path) -> None:
    """Refuse an output folder that cannot be written before minutes of translation."""
    import tempfile

    from translate.errors import UserError

    if output_dir.exists() and not output_dir.is_dir():
        raise UserError(f"--output {output_dir} is a file", "give a folder")
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=output_dir, prefix=".write-test-"):
            pass
    except OSError as err:
        raise UserError(f"cannot write to the output folder {output_dir}: {err.strerror}",
                        "make it writable or choose another with --output") from None


def publish_article(article_file, languages, formats, output_dir: Path, setup, media=(),
                    site_url: str | None = None, replace: bool = False) -> list[EditionOutcome]:
    """Every requested edition of one article; one failure does not stop the others.

    Everything happens under the article's lock, from reading the last run's
    manifest (which decides what is carried over) to the last rename: two
    runs of one article never act on each other's half-state. All editions
    are translated first (one model in memory at a time), then written, so
    that each page's language switcher knows every edition."""
    from translate import edition as edition_stage
    from translate import publishing
    from translate.postedit import human as human_stage
    from translate.errors import UserError
    from translate.languages import ALL, SOURCE
    from translate.project import article_work_dir

    doc = article_file.doc
    article = publishing.Article(doc, article_file.path, output_dir / doc.slug, formats,
                                 published=datetime.now(timezone.utc),
                                 work=article_work_dir(output_dir / doc.slug), media=media, site_url=site_url)
    article.source_sha256 = article_file.sha256
    for path in (article.folder, *(article.folder / key for key in ALL)):
        if path.exists() and not path.is_dir():
            raise UserError(f"{path} is a file, but the article's editions go in a folder of that name",
                            "move the file away or choose another --output")
    from translate import run_guard
    from translate.writers import WRITERS

    run_guard.check_work_folder(article.work)
    run_guard.check_targets(article.folder, [article.folder / name for name in ("index.html", "manifest.json",
                                                                                "SHA256SUMS")]
                            + [article.file_for(lang, ext) for lang in (SOURCE, *languages) for ext in (WRITERS[f].extension for f in formats)])
    outcomes = {SOURCE.key: EditionOutcome(SOURCE.key, SOURCE.native_name, model="original")}

    def translate_one(lang, outcome, plan, pre):
        """Translate one edition; None (and the outcome says why) when it cannot be."""
        label = f"{lang.english_name:<8} ({lang.key})"
        try:
            with click.progressbar(length=len(doc.segments()), label=label, file=sys.stderr,
                                   show_pos=True) as bar:
                done = edition_stage.translate_edition(doc, plan, setup, progress=bar.update,
                                                       human=approved[lang.key])
        except UserError as err:
            outcome.problem, outcome.fix = str(err), err.hint
            return None
        record = done.record
        outcome.model = record.model.name
        if approved[lang.key].warning:
            outcome.notes.append(approved[lang.key].warning)
        outcome.notes += human_stage.outcome_notes(record)
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
        return publishing.Edition(lang, done.doc, record, plan.stages, pre=pre)

    def waiting():
        click.echo(f"waiting for another publish of {doc.slug} to finish...", err=True)

    try:
        with article.lock(on_wait=waiting):
            run_guard.check_not_replacing(article.folder, article_file.path, doc.slug, replace)
            original = _carry(article, SOURCE, _pre(article, SOURCE), setup)
            editions = [original or publishing.Edition(SOURCE, doc, pre=_pre(article, SOURCE))]
            plans, approved = {}, {}
            for lang in languages:
                outcome = outcomes[lang.key] = EditionOutcome(lang.key, lang.native_name)
                try:
                    plan = edition_stage.plan(lang, setup)
                except UserError as err:
                    outcome.problem, outcome.fix = getattr(err, "reason", None) or str(err), err.hint
                    continue
                # approved human translations are an input like the source: a new one is published
                approved[lang.key] = edition_stage.approved_translations(doc, lang, setup)
                pre = approved[lang.key].seal(_pre(article, lang, plan, setup.options))
                plans[lang.key] = (plan, pre)
                edition = _carry(article, lang, pre, setup) or translate_one(lang, outcome, plan, pre)
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
                plan, pre = plans[edition.lang.key]
                fresh = translate_one(edition.lang, outcomes[edition.lang.key], plan, pre)
                editions[index] = fresh if fresh is not None else edition
            article.write(editions)
    except OSError as err:
        failed = err.filename or article.folder
        kept = "" if article.committing else "; the published files were left as they were"
        raise UserError(f"cannot write {failed}: {err.strerror}{kept}",
                        "check that the output folder is writable and the disk has room") from None
    for edition in editions:
        outcomes[edition.lang.key].files = edition.files
        if edition.reused:
            outcomes[edition.lang.key].notes.append(
                f"unchanged since {edition.published:%Y-%m-%d %H:%M}: files kept, not rendered again")
    return list(outcomes.values())


def _pre(article, lang, plan=None, options=None) -> str:
    """Fingerprint of everything that goes into an edition before translation:
    the source bytes, the tool's code and data, the formats, and for a
    translation the model (with its weights' size and time), decoding options
    and the data of each post-editing stage. Equal to the last run's: nothing to do."""
    import hashlib
    import json

    from translate.fingerprints import code_digest
    from translate.media import inputs_digest

    # the article's bytes and its images'
    material = [code_digest(), inputs_digest(article.source_sha256, article.media), lang.key,
                article.formats]
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


def _print_summary(slug: str, outcomes: list[EditionOutcome], output_dir: Path,
                   max_pdf_size: int | None = None) -> None:
    from translate.untrusted import display, display_path

    click.echo(f"\n{slug}: editions in {display_path(output_dir / slug)}")
    width = max(len(o.key) for o in outcomes)
    for o in outcomes:
        if o.problem:
            click.secho(f"  {o.key:<{width}}  missing   {display(o.problem, 4000)}", fg="yellow")
            if o.fix:
                click.echo(f"  {'':<{width}}            fix: {o.fix}")
        else:
            files = ", ".join(_file_label(p) for p in o.files)
            click.secho(f"  {o.key:<{width}}  ok        {files}  [{o.model}]", fg="green")
            for pdf in (p for p in o.files if p.suffix == ".pdf" and max_pdf_size and p.is_file()):
                if pdf.stat().st_size > max_pdf_size:
                    click.secho(f"  {'':<{width}}            warning: {pdf.name} is {_size(pdf.stat().st_size)}, "
                                f"over --max-pdf-size {_size(max_pdf_size)}", fg="yellow")
            for note in o.notes[:5]:
                click.echo(f"  {'':<{width}}            note: {display(note, 4000)}")
            if len(o.notes) > 5:
                click.echo(f"  {'':<{width}}            note: {len(o.notes) - 5} more (see translate review)")


def _size(num_bytes: int) -> str:
    from translate.languages import SOURCE
    from translate.render.l10n import format_size

    return format_size(num_bytes, SOURCE)


def _file_label(path: Path) -> str:
    """A PDF is what travels by messaging app or mail: its size is shown."""
    if path.suffix == ".pdf" and path.is_file():
        return f"{path.name} ({_size(path.stat().st_size)})"
    return path.name
