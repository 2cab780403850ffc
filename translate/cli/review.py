"""`translate review`: what publishing would publish for one edition, segment
by segment, with what each post-editing stage changed."""

from __future__ import annotations

from pathlib import Path

import click

from translate.cli.options import (
    languages_option,
    output_option,
    project_option,
    translation_options,
    warn,
)
from translate.errors import UserError
from translate.project.folder import article_work_dir
from translate.source.article import read_source
from translate.translation import edition as edition_stage
from translate.translation.edition import Setup
from translate.translation.review import review_html, review_text
from translate.util.files import atomic_write


@click.command()
@project_option
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@languages_option(default=None, required=True)
@output_option
@translation_options
def review(source, languages, output_dir, **translation):
    """Translate SOURCE exactly as `translate publish` would (same models,
    memory, Afghan Dari adaptation, glossary, script check) and show, segment
    by segment, the raw machine translation, the final text, what each stage
    changed and each term's status. Also writes the review as an HTML page in
    OUTPUT/.work/<slug>/review/ (a working file, never published).

    \b
    Examples:
      translate review source/taliban-delisting.md --to prs
      translate review source/taliban-delisting.md --to ru,kk --no-cache
    """

    doc = read_source(source)
    setup = Setup.open(**translation, warn=warn)
    for lang in languages:
        done = edition_stage.translate_edition(doc, edition_stage.plan(lang, setup), setup)
        click.echo(review_text(done.record, lang), nl=False)
        page = article_work_dir(Path(output_dir) / doc.slug) / "review" / f"{doc.slug}.{lang.key}.review.html"
        try:
            atomic_write(page, review_html(done.record, lang, doc.title.text))
        except OSError as err:
            raise UserError(f"cannot write {page}: {err.strerror}", "check that the output folder is writable") \
                from None
        click.echo(f"Review page: {page}")
