"""`translate publish`: the command's options, each article's summary, the
signing and site pages after it; the run itself is translate.publishing.run (one
article or many: language by language, pages rendered by --jobs processes).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import click

from translate.cli.keys import load_secret_key
from translate.cli.options import (
    current_project,
    languages_option,
    output_option,
    project_option,
    translation_options,
    warn,
)
from translate.cli.sign import after_publish, publish_site
from translate.errors import UserError
from translate.project import config
from translate.project.languages import SOURCE
from translate.publishing.render.l10n import format_size
from translate.publishing.run import print_table, publish_many
from translate.publishing.writers import FORMATS
from translate.translation.edition import Setup
from translate.util.signals import SIGPIPE_STATUS, quiet_stdout
from translate.util.untrusted import display, display_path


def _parse_size(ctx, param, value: str | None) -> int | None:
    """"15MB", "500kB", "2M" or a number of bytes (decimal units, as the summary shows)."""

    if value is None:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)b?\s*", value.lower())
    if not match:
        raise click.BadParameter(f"give a size such as 15MB, 500kB or 2000000 (got {value!r})")
    return int(float(match.group(1)) * {"": 1, "k": 1000, "m": 1000**2, "g": 1000**3}[match.group(2)])


def _site_url(ctx, param, value: str | None) -> str | None:
    """--site-url (or TRANSLATE_SITE_URL) checked before any work, as translate.toml's site_url is."""
    problem = config.site_url_problem(value) if value is not None else None
    if problem:
        raise click.BadParameter(problem)
    return value


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
@click.option("--site-url", default=None, envvar="TRANSLATE_SITE_URL", metavar="URL", callback=_site_url,
              help="Address of the output folder on the web, for the Atom feeds' absolute links "
                   "[default: site_url in translate.toml].")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes that render the pages (HTML, PDF) [default: the number of cores; 1 renders "
                   "in this process].")
def publish(sources, languages, formats, output_dir, strict, replace, max_pdf_size, sign_with_key, site_url,
            jobs, **translation):
    """Translate SOURCE articles (default: source/*.md of the project) and
    write every edition under OUTPUT/<slug>/<key>/.

    A language with no installed model does not stop the others: the run ends
    with a table of what was produced and what is missing, with the command
    that fixes each missing edition, and exits with status 1. Articles are
    translated language by language (each model loaded once per run, the
    sentences of every article decoded together), then their pages rendered
    by --jobs processes; one failing article does not stop the others.

    \b
    Examples:
      translate publish
      translate publish source/taliban-delisting.md --to ru,prs
      translate publish --format md --models-dir ~/models
      translate -C ~/newsroom publish --to ps --jobs 2
    """

    if not sources:
        sources = tuple(current_project().articles())
    setup = Setup.open(**translation, warn=warn)
    _check_output_dir(output_dir)
    site_url = site_url or setup.config.site_url
    # The passphrase is asked for before minutes of translation, not after.
    key = None
    if sign_with_key:
        key = load_secret_key(None, None)

    pipe_closed = False

    def done(job):
        nonlocal pipe_closed
        if job.error:
            return
        try:
            _print_summary(job.slug, job.outcomes, output_dir, max_pdf_size)
        except BrokenPipeError:
            # `publish | head -1`: the articles are still published, unheard.
            quiet_stdout()
            pipe_closed = True
        after_publish(output_dir / job.slug, key)

    run = publish_many(sources, languages, formats, output_dir, setup, strict=strict, replace=replace,
                             site_url=site_url, jobs=jobs or _default_jobs(), done=done)
    if len(run) > 1:
        try:
            print_table(run)
        except BrokenPipeError:
            quiet_stdout()
            pipe_closed = True
    publish_site(output_dir, site_url, key)
    failed = any(job.incomplete for job in run)
    click.get_current_context().exit(1 if failed else SIGPIPE_STATUS if pipe_closed else 0)


def _default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _check_output_dir(output_dir: Path) -> None:
    """Refuse an output folder that cannot be written before minutes of translation."""

    if output_dir.exists() and not output_dir.is_dir():
        raise UserError(f"--output {output_dir} is a file", "give a folder")
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=output_dir, prefix=".write-test-"):
            pass
    except OSError as err:
        raise UserError(f"cannot write to the output folder {output_dir}: {err.strerror}",
                        "make it writable or choose another with --output") from None


def _print_summary(slug: str, outcomes: list, output_dir: Path,
                   max_pdf_size: int | None = None) -> None:
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
    return format_size(num_bytes, SOURCE)


def _file_label(path: Path) -> str:
    """A PDF is what travels by messaging app or mail: its size is shown."""
    if path.suffix == ".pdf" and path.is_file():
        return f"{path.name} ({_size(path.stat().st_size)})"
    return path.name
