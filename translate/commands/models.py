"""`translate models ...`: list, install, add, remove and verify Argos packages."""

from __future__ import annotations

import functools
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from translate import models as store
from translate.archive import ArchiveError
from translate.languages import SOURCE, TARGETS

_models_dir_option = click.option(
    "--models-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of installed Argos packages [default: $ARGOS_PACKAGES_DIR, "
    "else $XDG_DATA_HOME/argos-translate/packages].",
)
_index_url_option = click.option(
    "--index-url",
    default=None,
    metavar="URL",
    help="Argos package index (index.json or its base URL) [default: $ARGOS_PACKAGE_INDEX, "
    "else the public Argos index].",
)


def _user_errors(command):
    """Turn expected failures into one-line errors with a non-zero exit."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (store.ModelsError, ArchiveError) as err:
            raise click.ClickException(str(err)) from None
        except OSError as err:
            where = f": {err.filename}" if err.filename else ""
            raise click.ClickException(
                f"{err.strerror or err}{where}; check the folder exists, is writable and has free space"
            ) from None

    return wrapper


def _table(rows: list[list[str]], headers: list[str], indent: str = "  ") -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = [headers, *rows]
    return "\n".join(
        indent + "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip()
        for line in lines
    )


@contextmanager
def _progress_bar(label: str, total: int | None):
    if total is None:
        click.echo(f"Downloading {label} (size unknown)...", err=True)
        yield lambda n: None
        return
    with click.progressbar(length=total, label=f"Downloading {label}", file=sys.stderr) as bar:
        yield bar.update


@click.group(name="models")
def models():
    """Manage Argos translation packages (English → edition language).

    \b
    Examples:
      translate models list
      translate models list --refresh
      translate models install ru
      translate models add ~/Downloads/translate-en_ru-1_9.argosmodel
      translate models verify
      translate models remove ru
    """


@models.command(name="list")
@_models_dir_option
@_index_url_option
@click.option("--refresh", is_flag=True, help="Download the package index first (otherwise the cached copy is used).")
@click.option("--all", "show_all", is_flag=True, help="List index packages for every language pair, not only from English.")
@_user_errors
def list_command(models_dir: Path | None, index_url: str | None, refresh: bool, show_all: bool):
    """Show installed packages and those available in the Argos index."""
    folder = store.models_dir(models_dir)
    installed, broken = store.list_installed(folder)

    click.echo(f"Installed packages in {folder}:")
    if installed:
        rows = [
            [p.pair, p.name, p.version, ",".join(store.project_keys_for(p.to_code, p.from_code)) or "-", str(p.path)]
            for p in installed
        ]
        click.echo(_table(rows, ["PAIR", "NAME", "VERSION", "SERVES", "PATH"]))
    else:
        click.echo("  (none)")
    for bad in broken:
        click.echo(f"  BROKEN {bad.path}: {bad.reason} (remove it with `translate models remove {bad.path.name}`)")

    if refresh:
        index = store.fetch_index(index_url)
        click.echo(f"\nDownloaded the package index from {store.resolve_index_url(index_url)}.")
    else:
        index = store.load_cached_index()
    click.echo("")
    if index is None:
        click.echo("Available packages: no index downloaded yet; run `translate models list --refresh`.")
    else:
        when = store.cached_index_time()
        stamp = f", cached {when:%Y-%m-%d %H:%M}" if when and not refresh else ""
        shown = [e for e in index if show_all or e.from_code == SOURCE.key]
        shown.sort(key=lambda e: (e.from_code, e.to_code))
        scope = "" if show_all else " from English"
        noun = "package" if len(shown) == 1 else "packages"
        click.echo(f"Available in the Argos index ({len(shown)} {noun}{scope}{stamp}):")
        by_pair = {(p.from_code, p.to_code): p for p in installed}
        rows = []
        for entry in shown:
            have = by_pair.get((entry.from_code, entry.to_code))
            serves = ",".join(store.project_keys_for(entry.to_code, entry.from_code)) or "-"
            rows.append([entry.pair, entry.name, entry.version, serves, f"yes ({have.version})" if have else "no"])
        click.echo(_table(rows, ["PAIR", "NAME", "VERSION", "SERVES", "INSTALLED"]) if rows else "  (none)")

    click.echo("\nProject languages:")
    rows = []
    for key, language in TARGETS.items():
        code = language.argos_code or key
        have = store.find_package(folder, SOURCE.key, code) if installed else None
        if have:
            status = f"installed: {have.name} {have.version}"
        else:
            entry = store.newest_entry(index, SOURCE.key, code) if index is not None else None
            if entry:
                status = f"not installed; index has {entry.name} {entry.version}: `translate models install {key}`"
            elif index is not None:
                status = f"not installed; no Argos package: `{store.install_hint(key, index)}` or a multilingual model"
            else:
                status = f"not installed; `{store.install_hint(key, index)}`"
        rows.append([key, language.english_name, f"en→{code}", status])
    click.echo(_table(rows, ["KEY", "LANGUAGE", "PAIR", "STATUS"]))


@models.command(name="install")
@click.argument("langs", nargs=-1, required=True, metavar="LANG...")
@_models_dir_option
@_index_url_option
@click.option("--force", is_flag=True, help="Download again even if the same version is installed.")
@_user_errors
def install_command(langs: tuple[str, ...], models_dir: Path | None, index_url: str | None, force: bool):
    """Download and install the English→LANG package from the Argos index.

    LANG is a project key (ru, prs, ps, kk) or an Argos language code (de).

    \b
    Example:
      translate models install ru
    """
    folder = store.models_dir(models_dir)
    report = store.install_from_index(
        langs, folder, index_url, progress=_progress_bar, force=force, skip_missing=True
    )
    for result in report.results:
        package = result.package
        if result.status == "up to date":
            click.echo(f"{package.pair} {package.name} {package.version} is already installed ({package.path}).")
            continue
        click.echo(f"Installed {package.pair} {package.name} {package.version} in {package.path}.")
        for old in result.replaced:
            click.echo(f"  replaced {old.name} {old.version}")
    for lang in report.missing:
        click.echo(f"Error: {store.no_package_message(lang)}", err=True)
    if report.missing:
        raise click.exceptions.Exit(1)


@models.command(name="add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_models_dir_option
@_user_errors
def add_command(file: Path, models_dir: Path | None):
    """Install a package from a local .argosmodel FILE (no network needed).

    \b
    Example:
      translate models add translate-en_ru-1_9.argosmodel
    """
    folder = store.models_dir(models_dir)
    result = store.install_from_file(file, folder)
    package = result.package
    click.echo(f"Installed {package.pair} {package.name} {package.version} in {package.path}.")
    for old in result.replaced:
        click.echo(f"  replaced {old.name} {old.version}")


@models.command(name="remove")
@click.argument("which", metavar="LANG|NAME")
@_models_dir_option
@_user_errors
def remove_command(which: str, models_dir: Path | None):
    """Remove the installed package for LANG (e.g. ru), or by package or folder NAME."""
    folder = store.models_dir(models_dir)
    for path in store.remove(folder, which):
        click.echo(f"Removed {path}.")


@models.command(name="verify")
@click.argument("langs", nargs=-1, metavar="[LANG...]")
@_models_dir_option
@_user_errors
def verify_command(langs: tuple[str, ...], models_dir: Path | None):
    """Check installed packages: metadata, tokenizer, model loads in CTranslate2.

    Exits non-zero when any check fails.
    """
    folder = store.models_dir(models_dir)
    results = store.verify(folder, langs or None)
    if not results:
        raise click.ClickException(
            f"no packages installed in {folder}: install one with `translate models install ru` "
            "or `translate models add FILE.argosmodel`"
        )
    rows = []
    for result in results:
        failed = [check for check in result.checks if not check.ok]
        detail = "; ".join(f"{c.name}: {c.detail}" for c in failed) or "; ".join(
            c.detail for c in result.checks if c.name != "metadata"
        )
        rows.append(["OK" if result.ok else "FAIL", result.label, detail])
    click.echo(_table(rows, ["RESULT", "PACKAGE", "DETAIL"], indent=""))
    failures = sum(not r.ok for r in results)
    if failures:
        click.echo(f"Error: {failures} of {len(results)} packages failed verification.", err=True)
        raise click.exceptions.Exit(1)
