"""`translate init`: create a project folder a newsroom can work in."""

from __future__ import annotations

from importlib import resources as importlib_resources
from pathlib import Path

import click

from translate.errors import UserError
from translate.project.languages import TARGETS
from translate.project.resources import builtin_locales
from translate.util.files import atomic_write

GITIGNORE = "# Generated editions and working files: publish them, don't commit them.\noutput/\n"


def _project_files(folder: Path) -> dict[Path, bytes]:
    """Every file a new project gets, by path, with its bytes."""

    template = importlib_resources.files("translate") / "project_template"
    files = {
        folder / "translate.toml": (template / "translate.toml").read_bytes(),
        folder / "source" / "example.md": (template / "example.md").read_bytes(),
        folder / ".gitignore": GITIGNORE.encode(),
    }
    for key in TARGETS:
        glossary = builtin_locales() / key / "glossary.csv"
        if glossary.is_file():
            files[folder / "locales" / key / "glossary.csv"] = glossary.read_bytes()
    return files


@click.command()
@click.argument("folder", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
def init(folder: Path):
    """Create a project in FOLDER (default: the current folder):
    translate.toml with comments, source/ with an example article,
    locales/<key>/glossary.csv copied from the built-in glossaries (edit them:
    they override the built-in ones), and a .gitignore for output/. Refuses to
    overwrite anything.

    \b
    Examples:
      translate init newsroom && cd newsroom && translate publish
      translate init .
    """

    folder = folder.expanduser()
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} is a file", "give a folder for the project")
    files = _project_files(folder)
    existing = [path for path in files if path.exists() or path.is_symlink()]
    if existing:
        names = ", ".join(str(p) for p in existing[:3]) + (f" and {len(existing) - 3} more" if len(existing) > 3 else "")
        raise UserError(f"{names} already exist{'s' if len(existing) == 1 else ''}: nothing was written",
                        "choose an empty folder, or move those files away")
    try:
        for path, data in files.items():
            atomic_write(path, data)
    except OSError as err:
        raise UserError(f"cannot write {err.filename or folder}: {err.strerror}",
                        "check that the folder is writable") from None
    click.echo(f"Created a project in {folder}:")
    for path in files:
        click.echo(f"  {path.relative_to(folder)}")
    click.echo("\nNext: translate models list    (which model serves each language, and how to install one)")
    click.echo(f"      translate {'-C ' + str(folder) + ' ' if folder != Path('.') else ''}publish")
