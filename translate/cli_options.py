"""Command-line options that several commands share, each defined once.

Use them as decorators: ``@cli_options.models_dir``. Importing this module
imports click and nothing else, so `translate --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click

models_dir = click.option(
    "--models-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of installed Argos packages [default: $ARGOS_PACKAGES_DIR, "
    "else $XDG_DATA_HOME/argos-translate/packages].",
)

multilingual_dir = click.option(
    "--multilingual-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of installed multilingual models (NLLB-200, M2M-100) [default: $TRANSLATE_MODELS_DIR, "
    "else $XDG_DATA_HOME/newsroom-translate/models].",
)

config_file = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="PATH",
    help="Project configuration [default: translate.toml in the project root, else built-in defaults].",
)
