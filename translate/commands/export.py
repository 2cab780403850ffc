"""`translate export`: send editions to translators as PO or XLIFF files."""

from __future__ import annotations

from pathlib import Path

import click

from translate import paths
from translate.commands.cache import CACHE_OPTION


def _fail(err) -> click.ClickException:
    """A UserError (or an error with a hint) as one line for the user."""
    hint = getattr(err, "hint", "")
    message = str(err)
    return click.ClickException(message + (f": {hint}" if hint and hint not in message else ""))


@click.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "languages", default="prs", show_default=True,
              help="Editions to export: comma-separated project keys (ru, prs, ps, kk).")
@click.option("--format", "fmt", type=click.Choice(["po", "xliff"]), default="po", show_default=True,
              help="PO (Poedit, Weblate, Lokalize) or XLIFF 2.1 (OmegaT, Trados, memoQ).")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the files (default: output/.work/<slug>/).")
@click.option("--models-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="ARGOS_PACKAGES_DIR", show_envvar=True, help="Folder of installed Argos packages.")
@click.option("--multilingual-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="TRANSLATE_MODELS_DIR", show_envvar=True,
              help="Folder of installed multilingual (NLLB-200 / M2M-100) models.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Project configuration (default: translate.toml in the project, if any).")
@click.option("--locales", "locales_dir", type=click.Path(file_okay=False, path_type=Path),
              default=paths.LOCALES_DIR, show_default="locales/", help="Folder with locales/<key>/glossary.csv.")
@click.option("--cache", "cache_path", **CACHE_OPTION)
def export(source, languages, fmt, output_dir, models_dir, multilingual_dir, config_path, locales_dir,
           cache_path):
    """Write one file per edition for a translator: each sentence with its
    English, the current translation (approved human text, else the machine's,
    marked fuzzy), the raw machine output and the glossary's report.

    \b
    Examples:
      translate export source/taliban-delisting.md --to prs,ps
      translate export source/taliban-delisting.md --to prs --format xliff -o ~/to-translator
    """
    from translate import config as project_config
    from translate.engines.base import EngineError
    from translate.errors import UserError
    from translate.fsutil import atomic_write
    from translate.languages import UnknownLanguage, parse_targets
    from translate.markdown_reader import SourceError
    from translate.memory import TranslationMemory, TranslationMemoryError
    from translate.pipeline import read_source
    from translate.postedit import exchange

    try:
        targets = parse_targets(languages)
    except UnknownLanguage as err:
        raise click.BadParameter(str(err), param_hint="--to") from None
    try:
        doc = read_source(source)
        config = project_config.load(config_path)
        memory = TranslationMemory(cache_path)
    except (SourceError, project_config.ConfigError, TranslationMemoryError, UserError) as err:
        raise _fail(err) from None
    folder = output_dir or paths.OUTPUT_DIR / ".work" / doc.slug
    exports = []
    for lang in targets:
        try:
            translated, record = exchange.machine_edition(source, lang.key, memory, models_dir=models_dir,
                                                          multilingual_dir=multilingual_dir, config=config,
                                                          locales_dir=locales_dir)
        except EngineError as err:
            raise _fail(err) from None
        except Exception as err:  # glossary and adaptation errors carry a hint
            if hasattr(err, "hint") or isinstance(err, SourceError):
                raise _fail(err) from None
            raise
        export_ = exchange.build_export(doc, translated, record, memory, source_name=Path(source).name)
        exports.append((folder / exchange.export_name(doc.slug, lang.key, fmt), export_))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, export_ in exports:
            atomic_write(path, exchange.write_export(export_, fmt))
    except OSError as err:
        raise click.ClickException(f"cannot write {err.filename or folder}: {err.strerror}: "
                                   "choose another folder with -o") from None
    for path, export_ in exports:
        states = [u.state for u in export_.units]
        click.echo(f"{path}: {len(states)} units: {states.count('human')} approved, "
                   f"{states.count('suggestion')} suggestions from an earlier version, "
                   f"{states.count('machine')} machine translation")
