"""`translate memory`: approved human translations to and from TMX 1.4b."""

from __future__ import annotations

from pathlib import Path

import click

from translate.commands.cache import CACHE_OPTION
from translate.commands.export import _fail


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
@click.option("--cache", "cache_path", **CACHE_OPTION)
def export_tmx(tmx_path, lang_key, cache_path):
    """Write every approved human translation to a TMX file."""
    from translate.errors import UserError
    from translate.fsutil import atomic_write
    from translate.memory import TranslationMemory, TranslationMemoryError
    from translate.postedit import tmx

    try:
        items = TranslationMemory(cache_path).all_human(lang_key)
    except (TranslationMemoryError, UserError) as err:
        raise _fail(err) from None
    try:
        atomic_write(tmx_path, tmx.write(items))
    except OSError as err:
        raise click.ClickException(f"cannot write {tmx_path}: {err.strerror}") from None
    click.echo(f"{tmx_path}: {len(items)} approved translations")


@memory.command(name="import")
@click.option("--tmx", "tmx_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The TMX file to read.")
@click.option("--translator", default="", help="Who approved them (default: each unit's changeid/creationid).")
@click.option("--cache", "cache_path", **CACHE_OPTION)
def import_tmx(tmx_path, translator, cache_path):
    """Store a TMX file's English → ru / fa-AF / ps / kk units as approved
    human translations (all of them or, on any error, none)."""
    from translate.errors import UserError
    from translate.memory import TranslationMemory, TranslationMemoryError
    from translate.postedit import tmx

    try:
        memory = TranslationMemory(cache_path)
        result = tmx.read_path(tmx_path, translator)
        memory.put_human(list(result.items))
    except (TranslationMemoryError, UserError) as err:
        raise _fail(err) from None
    except OSError as err:
        raise click.ClickException(f"cannot read {tmx_path}: {err.strerror}") from None
    click.echo(f"{tmx_path}: {len(result.items)} approved translations stored, {len(result.skipped)} units skipped")
    for line in result.skipped[:10]:
        click.echo(f"  skipped {line}")
