"""`translate memory`: approved human translations to and from TMX 1.4b."""

from __future__ import annotations

from pathlib import Path

import click

from translate.cli.options import cache_option
from translate.errors import UserError
from translate.translation.memory import TranslationMemory
from translate.translation.postedit import tmx
from translate.util.files import atomic_write


@click.group()
def memory():
    """Exchange the approved human translations with CAT tools as TMX 1.4b.

    \b
    Examples:
      translate memory export --tmx newsroom.tmx
      translate memory import --tmx from-omegat.tmx --translator "Farida Ahmadi"
    """


@memory.command(name="export")
@click.option("--tmx", "tmx_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The TMX file to write.")
@click.option("--to", "lang_key", default=None, help="Only this edition's translations (ru, prs, ps, kk).")
@cache_option
def export_tmx(tmx_path, lang_key, cache_path):
    """Write every approved human translation to a TMX file."""

    items = TranslationMemory(cache_path).all_human(lang_key)
    try:
        atomic_write(tmx_path, tmx.write(items))
    except OSError as err:
        raise UserError(f"cannot write {tmx_path}: {err.strerror}", "choose another path") from None
    click.echo(f"{tmx_path}: {len(items)} approved translations")


@memory.command(name="import")
@click.option("--tmx", "tmx_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The TMX file to read.")
@click.option("--translator", default="", help="Who approved them (default: each unit's changeid/creationid).")
@cache_option
def import_tmx(tmx_path, translator, cache_path):
    """Store a TMX file's English → ru / fa-AF / ps / kk units as approved
    human translations (all of them or, on any error, none)."""

    memory = TranslationMemory(cache_path)
    try:
        result = tmx.read_path(tmx_path, translator)
    except OSError as err:
        raise UserError(f"cannot read {tmx_path}: {err.strerror}", "check the path") from None
    memory.put_human(list(result.items))
    click.echo(f"{tmx_path}: {len(result.items)} approved translations stored, {len(result.skipped)} units skipped")
    for line in result.skipped[:10]:
        click.echo(f"  skipped {line}")
