"""`translate publish`: read articles, translate each edition, write the files.

The command's options and its loop over articles: one article at a time
through translate.publication (after translate.unchanged found it has
changed), several through translate.batch.
"""

from __future__ import annotations

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


def _split_formats(ctx, param, value: str) -> list[str]:
    chosen = [f.strip() for f in value.split(",") if f.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise click.BadParameter(f"use one or more of {','.join(FORMATS)} (got {value!r})")
    return chosen


def _default_jobs() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@click.command()
@project_option
@click.argument("sources", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@languages_option()
@click.option("--format", "formats", default=",".join(FORMATS), show_default=True, callback=_split_formats,
              help="Files to write for each edition.")
@output_option
@translation_options
@click.option("--strict", is_flag=True,
              help="Publish nothing of an article whose source had something left out (raw HTML, an image "
                   "outside its folder).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes that render pages when several articles are published (default: the number "
                   "of cores).")
def publish(sources, languages, formats, output_dir, strict, jobs, **translation):
    """Translate SOURCE articles (default: source/*.md of the project) and
    write every edition under OUTPUT/<slug>/<key>/.

    A language with no installed model does not stop the others: the run ends
    with a table of what was produced and what is missing, with the command
    that fixes each missing edition, and exits with status 1. Several
    articles are translated language by language (each model loaded once)
    and their pages rendered by --jobs processes.

    \b
    Examples:
      translate publish
      translate publish source/taliban-delisting.md --to ru,prs
      translate publish --format md --models-dir ~/models
      translate -C ~/newsroom publish --to ps --jobs 2
    """
    from translate.errors import UserError

    if not sources:
        sources = tuple(current_project().articles())
    setup = translation_setup(**translation)
    _check_output_dir(output_dir)

    if len(sources) > 1:
        from translate import batch

        failed = batch.publish_many(sources, languages, formats, output_dir, setup, strict=strict,
                                    jobs=jobs or _default_jobs())
        click.get_current_context().exit(1 if failed else 0)

    from translate import publication, unchanged

    failed = False
    plans = publication.plan_languages(languages, setup)
    for source in sources:
        # One bad article is reported and the others are still published.
        same = unchanged.check(source, languages, formats, output_dir, setup, plans)
        if same is not None:
            publication.print_summary(*same, output_dir)
            failed |= any(o.problem for o in same[1])
            continue
        try:
            article, images = publication.read_article(source, strict)
            outcomes = publication.publish_article(article, languages, formats, output_dir, setup, media=images,
                                                   plans=plans)
        except UserError as err:
            click.secho(f"error: {err.one_line()}", fg="red", err=True)
            failed = True
            continue
        unchanged.remember(output_dir, article, images)
        publication.print_summary(article.doc.slug, outcomes, output_dir)
        failed |= any(o.problem for o in outcomes)
    click.get_current_context().exit(1 if failed else 0)


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
