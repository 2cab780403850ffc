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


@cache.command()
@click.option("--cache", "path", **CACHE_OPTION)
def info(path):
    """Where the memory is and how many segments it holds."""
    from translate.memory import TranslationMemory

    stats = TranslationMemory(path).stats()
    click.echo(f"{stats['path']}: {stats['segments']} segments")
    for lang, count in sorted(stats["languages"].items()):
        click.echo(f"  {lang}: {count}")


@cache.command()
@click.option("--cache", "path", **CACHE_OPTION)
def clear(path):
    """Forget every cached translation (the next publish translates everything).

    A damaged memory file is replaced by an empty one (the damaged file is
    kept beside it as FILE.damaged); a read-only or locked one is left alone."""
    from translate.memory import DamagedMemory, TranslationMemory, default_path, reset_damaged

    try:
        memory = TranslationMemory(path)
        removed = memory.clear()
    except DamagedMemory:
        path = path or default_path()
        kept = reset_damaged(path)
        click.echo(f"{path} was damaged: replaced by an empty memory (the damaged file is kept as {kept.name})")
        return
    click.echo(f"removed {removed} segments from {memory.path}")
