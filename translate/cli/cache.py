"""`translate cache`: the translation memory (see translate/translation/memory.py)."""

from __future__ import annotations

import click

from translate.cli.options import cache_option
from translate.project import user_folders
from translate.translation.memory import DamagedMemory, TranslationMemory, reset_damaged


@click.group()
def cache():
    """The translation memory: segments already translated are not translated again.

    \b
    Examples:
      translate cache info
      translate cache clear
    """


@cache.command()
@cache_option
def info(cache_path):
    """Where the memory is, how many machine segments and approved human
    translations it holds."""

    stats = TranslationMemory(cache_path).stats()
    click.echo(f"{stats['path']}: {stats['segments']} segments")
    for lang, count in sorted(stats["languages"].items()):
        click.echo(f"  {lang}: {count}")
    if "human" in stats:
        click.echo(f"approved human translations: {stats['human']}")


@cache.command()
@cache_option
def clear(cache_path):
    """Forget every cached machine translation (the next publish translates
    everything); approved human translations are kept.

    A damaged memory file is replaced by an empty one (the damaged file is
    kept beside it as FILE.damaged); a read-only or locked one is left alone."""

    try:
        memory = TranslationMemory(cache_path)
        removed = memory.clear()
    except DamagedMemory:
        path = cache_path or user_folders.memory_file()
        kept = reset_damaged(path)
        click.echo(f"{path} was damaged: replaced by an empty memory (the damaged file is kept as {kept.name})")
        return
    click.echo(f"removed {removed} segments from {memory.path}")
