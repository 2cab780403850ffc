"""Every command-line option that more than one command takes, defined once.

Options whose default comes from the project folder (output/, locales/,
translate.toml) resolve it when the command runs and show the resolved path
in ``--help``. ``-C DIR`` works before the command (``translate -C DIR
publish``) and after it (``translate publish -C DIR``), like git's ``-C``:
the command runs as if started in DIR.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from translate.project import folder as project_folder
from translate.project import user_folders
from translate.project.languages import UnknownLanguage, parse_targets

# --- the project -----------------------------------------------------------------------


def current_project() -> project_folder.Project:
    """The project of the running command (found once, after any -C)."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    if root is not None and "project" in root.meta:
        return root.meta["project"]
    found = project_folder.find()
    if root is not None:
        root.meta["project"] = found
    return found


def _enter_project(ctx: click.Context, param, value):
    if value is None:
        return None
    try:
        target = project_folder.at(value)
    except project_folder.ProjectError as err:
        raise click.BadParameter(err.one_line(), ctx=ctx, param=param) from None
    root = ctx.find_root()
    previous = os.getcwd()
    os.chdir(target.root)
    root.call_on_close(lambda: os.chdir(previous))
    root.meta["project"] = project_folder.find()
    return target.root


project_option = click.option(
    "-C", "--project", "project_dir", metavar="DIR", default=None, expose_value=False, is_eager=True,
    callback=lambda ctx, param, value: _enter_project(ctx, param, value),
    help="Run as if started in DIR (the project folder: translate.toml, source/, locales/, output/).")


class ProjectPath(click.Option):
    """A path option whose default is a folder of the project (``attribute``
    of translate.project.folder.Project), resolved when the command runs; --help
    shows the resolved path."""

    def __init__(self, *args, attribute: str, **kwargs):
        self.attribute = attribute
        kwargs.setdefault("type", click.Path(file_okay=False, path_type=Path))
        kwargs["show_default"] = True
        super().__init__(*args, **kwargs)

    def get_default(self, ctx, call=True):
        return getattr(current_project(), self.attribute)


output_option = click.option(
    "--output", "output_dir", cls=ProjectPath, attribute="output_dir",
    help="Folder that receives <slug>/<key>/ for each article.")
locales_option = click.option(
    "--locales", "locales_dir", cls=ProjectPath, attribute="locales_dir",
    help="The project's locales folder: <key>/glossary.csv and prs/adaptation.csv there override the "
         "built-in ones.")


class ShownDefault(click.Option):
    """An option whose --help shows the default as resolved for this run:
    ``shown()`` says what it is (a path found in the project, a folder from
    an environment variable or the platform's user folders)."""

    def __init__(self, *args, shown, **kwargs):
        self.shown = shown
        super().__init__(*args, **kwargs)

    def get_help_extra(self, ctx):
        extra = super().get_help_extra(ctx)
        try:
            extra["default"] = self.shown()
        except Exception as err:  # help must show even when the default cannot be resolved
            extra["default"] = f"unresolved: {err}"
        return extra


class _ConfigPath(ShownDefault):
    def get_default(self, ctx, call=True):
        return current_project().config_file


def _config_shown() -> str:
    found = current_project().config_file
    return str(found) if found else f"none in {current_project().root}: built-in defaults"


config_option = click.option(
    "--config", "config_path", cls=_ConfigPath, shown=_config_shown,
    type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
    help="Project configuration, translate.toml (without one, the built-in defaults).")


# --- models --------------------------------------------------------------------------------

def _argos_folder() -> str:
    return str(user_folders.argos_packages_dir())


def _multilingual_folder() -> str:
    return str(user_folders.multilingual_models_dir())


models_dir_option = click.option(
    "--models-dir", cls=ShownDefault, shown=_argos_folder, type=click.Path(file_okay=False, path_type=Path),
    default=None, envvar="ARGOS_PACKAGES_DIR", show_envvar=True, help="Folder of installed Argos packages.")
multilingual_dir_option = click.option(
    "--multilingual-dir", cls=ShownDefault, shown=_multilingual_folder,
    type=click.Path(file_okay=False, path_type=Path), default=None,
    envvar="TRANSLATE_MODELS_DIR", show_envvar=True,
    help="Folder of installed multilingual (NLLB-200 / M2M-100) models.")
engine_option = click.option(
    "--engine", "engine_overrides", multiple=True, metavar="KEY=ENGINE[:MODEL]",
    help="Override the configured engine of one language, e.g. prs=argos:fa or kk=multilingual:m2m. Repeatable.")


# --- translation -------------------------------------------------------------------------

def _memory_file() -> str:
    return str(user_folders.memory_file())


cache_option = click.option(
    "--cache", "cache_path", cls=ShownDefault, shown=_memory_file,
    type=click.Path(dir_okay=False, path_type=Path), default=None,
    envvar="TRANSLATE_MEMORY", show_envvar=True, help="Translation memory file.")
no_cache_option = click.option(
    "--no-cache", is_flag=True, help="Translate every segment again; neither read nor write the memory.")
beam_size_option = click.option(
    "--beam-size", type=click.IntRange(1, 16), default=4, show_default=True,
    help="Beam width for decoding (1 is fastest).")
batch_tokens_option = click.option(
    "--batch-tokens", type=click.IntRange(64, 65536), default=4096, show_default=True,
    help="Tokens per CTranslate2 batch (publish uses at most 512: its batches hold several articles, "
         "and memory grows with a batch's tokens).")


def _split_languages(ctx, param, value):
    try:
        return parse_targets(value)
    except UnknownLanguage as err:
        raise click.BadParameter(str(err)) from None


def languages_option(default: str | None = "ru,prs,ps,kk", *, required: bool = False):
    return click.option(
        "--to", "languages", default=default, required=required, show_default=default is not None,
        callback=_split_languages, metavar="KEYS",
        help="Editions: comma-separated project keys (ru, prs, ps, kk).")


device_option = click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda"]), default=None,
    help="Where CTranslate2 runs the models: auto is CUDA when there is a CUDA device, else the CPU "
         "[default: [runtime] device in translate.toml, else auto]. `translate doctor` shows what is used.")
compute_type_option = click.option(
    "--compute-type", default=None, metavar="TYPE",
    help="CTranslate2 compute type: default (the model's own), auto, int8, int8_float32, int8_float16, "
         "float16, bfloat16, float32 [default: [runtime] compute_type in translate.toml, else default].")


def translation_options(command):
    """Everything that decides which model translates and how: the same
    options for publish, review and every command that translates."""
    for option in reversed((config_option, engine_option, models_dir_option, multilingual_dir_option,
                            locales_option, cache_option, no_cache_option, beam_size_option,
                            batch_tokens_option, device_option, compute_type_option)):
        command = option(command)
    return command


def warn(message: str) -> None:
    """A warning on stderr, the way every command shows one."""
    click.secho(f"warning: {message}", fg="yellow", err=True)
