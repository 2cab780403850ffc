"""`translate cache`: the translation memory (see translate/memory.py)."""

from __future__ import annotations

from pathlib import Path

import click

CACHE_OPTION = dict(type=click.Path(dir_okay=False, path_type=Path), default=None, envvar="TRANSLATE_MEMORY",
                    show_envvar=True,
                    help="Translation memory file (default: ~/.cache/newsroom-translate/memory.sqlite3).")


@click.group()
def cache():
    """The translation memory: segments already translated are not translated again.

    \b
    Examples:
      translate cache info
      translate cache clear
    """


def _open(path):
    from translate.memory import TranslationMemory, TranslationMemoryError

    try:
        return TranslationMemory(path)
    except TranslationMemoryError as err:
        raise click.ClickException(str(err)) from None


@cache.command()
@click.option("--cache", "path", **CACHE_OPTION)
def info(path):
    """Where the memory is and how many segments it holds."""
    stats = _open(path).stats()
    click.echo(f"{stats['path']}: {stats['segments']} segments")
    for lang, count in sorted(stats["languages"].items()):
        click.echo(f"  {lang}: {count}")


@cache.command()
@click.option("--cache", "path", **CACHE_OPTION)
def clear(path):
    """Forget every cached translation (the next publish translates everything)."""
    memory = _open(path)
    click.echo(f"removed {memory.clear()} segments from {memory.path}")
