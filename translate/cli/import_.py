"""`translate import`: read translators' PO or XLIFF files back into the memory."""

from __future__ import annotations

from pathlib import Path

import click

from translate.cli.options import cache_option, current_project, project_option
from translate.translation.memory import TranslationMemory
from translate.translation.postedit import exchange


@click.command(name="import")
@project_option
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--translator", default="", help="Who approved the translations (default: the file's "
              "Last-Translator header).")
@click.option("--source", "source", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The article the files translate (default: the article named in the file, in source/).")
@cache_option
def import_(files, translator, source, cache_path):
    """Store the sentences translators approved (not fuzzy, not empty) as
    human translations: publish then uses them for exactly those English
    sentences. All files are checked first; if any does not match its article
    (another article, changed English, broken placeholders), nothing is imported.

    \b
    Examples:
      translate import output/.work/taliban-delisting/taliban-delisting.prs.po
      translate import reviewed.prs.xlf --translator "Farida Ahmadi"
    """

    # Every file is checked before anything is stored (a UserError stops all).
    memory = TranslationMemory(cache_path)
    plans = []
    for file in files:
        returned = exchange.read_returned(file)
        doc = exchange.find_article(returned.slug, source, current_project().source_dir)
        plans.append(exchange.check_returned(returned, doc, memory, translator))
    memory.put_human([item for plan in plans for item in plan.store])
    for plan in plans:
        click.echo(f"{plan.path}: {plan.slug} ({plan.lang}), approved by {plan.translator}: "
                   f"{len(plan.store)} stored, {plan.unchanged} unchanged, {len(plan.fuzzy)} still fuzzy, "
                   f"{len(plan.untranslated)} untranslated")
        for label, ids in (("still fuzzy (not imported)", plan.fuzzy), ("untranslated", plan.untranslated)):
            if ids:
                shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
                click.echo(f"  {label}: {shown}")
        for warning in plan.warnings:
            click.secho(f"  warning: {warning}", fg="yellow", err=True)
