"""`translate init`: create a project folder a newsroom can work in."""

from __future__ import annotations

from importlib import resources as importlib_resources
from pathlib import Path

import click

from translate.errors import UserError
from translate.project.languages import TARGETS
from translate.project.resources import builtin_locales
from translate.util.files import atomic_write
from translate.util.untrusted import display_path

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
        raise UserError(f"{display_path(folder)} is a file", "give a folder for the project")
    files = _project_files(folder)
    existing = [path for path in files if path.exists() or path.is_symlink()]
    if existing:
        names = ", ".join(display_path(p) for p in existing[:3])
        names += f" and {len(existing) - 3} more" if len(existing) > 3 else ""
        raise UserError(f"{names} already exist{'s' if len(existing) == 1 else ''}: nothing was written",
                        "choose an empty folder, or move those files away")
    # A file where one of the project's folders goes (locales/ru): found
    # before writing, so that no half project is left that a re-run refuses.
    blocking = sorted({parent for path in files for parent in path.parents
                       if folder in (parent, *parent.parents) and parent != folder
                       and (parent.is_symlink() or parent.exists()) and not parent.is_dir()})
    if blocking:
        raise UserError(f"{display_path(blocking[0])} is a file, but the project needs a folder there: "
                        "nothing was written", "move the file away, or choose another folder")
    _write_all(folder, files)
    click.echo(f"Created a project in {display_path(folder)}:")
    for path in files:
        click.echo(f"  {display_path(path.relative_to(folder))}")
    click.echo("\nNext: translate models list    (which model serves each language, and how to install one)")
    click.echo(f"      translate {'-C ' + display_path(folder) + ' ' if folder != Path('.') else ''}publish")


def _write_all(folder: Path, files: dict[Path, bytes]) -> None:
    """Write every file, or (a full disk, a read-only folder) none: what was
    written and the folders made for it are removed again."""
    made = [p for p in sorted({q for path in files for q in path.parents if folder in (q, *q.parents)},
                              key=lambda q: len(q.parts)) if not p.exists()]
    written: list[Path] = []
    try:
        for path, data in files.items():
            atomic_write(path, data)
            written.append(path)
    except OSError as err:
        for path in written:
            path.unlink(missing_ok=True)
        for path in reversed(made):
            try:
                path.rmdir()
            except OSError:
                pass   # not empty: something else was put there meanwhile
        raise UserError(f"cannot write {display_path(err.filename or folder)}: {err.strerror}: nothing was written",
                        "check that the folder is writable and the disk has room") from None
