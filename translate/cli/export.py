"""`translate export`: send editions to translators as PO or XLIFF files."""

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
from translate.translation.edition import Setup
from translate.translation.memory import TranslationMemory
from translate.translation.postedit import exchange
from translate.util.files import atomic_write


@click.command()
@project_option
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@languages_option(default="prs")
@click.option("--format", "fmt", type=click.Choice(["po", "xliff"]), default="po", show_default=True,
              help="PO (Poedit, Weblate, Lokalize) or XLIFF 2.1 (OmegaT, Trados, memoQ).")
@click.option("-o", "--output-dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the files (default: OUTPUT/.work/<slug>/, never published).")
@output_option
@translation_options
def export(source, languages, fmt, folder, output_dir, **translation):
    """Write one file per edition for a translator: each sentence with its
    English, the current translation (approved human text, else the machine's,
    marked fuzzy), the raw machine output and the glossary's report. The
    translation is made exactly as `translate publish` makes it.

    \b
    Examples:
      translate export source/taliban-delisting.md --to prs,ps
      translate export source/taliban-delisting.md --to prs --format xliff -o ~/to-translator
    """

    doc = read_source(source)
    setup = Setup.open(**translation, warn=warn)
    memory = setup.memory if setup.memory is not None else TranslationMemory(translation.get("cache_path"))
    folder = folder or article_work_dir(Path(output_dir) / doc.slug)
    exports = []
    for lang in languages:
        translated, record = exchange.machine_edition(doc, lang, setup)
        export_ = exchange.build_export(doc, translated, record, memory, source_name=Path(source).name)
        exports.append((folder / exchange.export_name(doc.slug, lang.key, fmt), export_))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, export_ in exports:
            atomic_write(path, exchange.write_export(export_, fmt))
    except OSError as err:
        raise UserError(f"cannot write {err.filename or folder}: {err.strerror}", "choose another folder with -o") \
            from None
    for path, export_ in exports:
        states = [u.state for u in export_.units]
        click.echo(f"{path}: {len(states)} units: {states.count('human')} approved, "
                   f"{states.count('suggestion')} suggestions from an earlier version, "
                   f"{states.count('machine')} machine translation")
