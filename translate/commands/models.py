"""`translate models ...`: list, install, add, remove and verify translation models.

Two stores: Argos packages (English → one language, translate.models) and
multilingual CTranslate2 models (NLLB-200, M2M-100: translate.model_store).
Which one serves each language is the project configuration's choice
(translate.toml, translate.config); `list` shows it.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import click

from translate import config, download, model_hub, model_store
from translate import models as store
from translate.archive import ArchiveError
from translate.download import Check, VerifyResult
from translate.engines import NoModel
from translate.errors import UserError
from translate.engines.multilingual import FAMILIES, FAMILY_PREFERENCE
from translate.languages import SOURCE, TARGETS

_models_dir_option = click.option(
    "--models-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of installed Argos packages [default: $ARGOS_PACKAGES_DIR, "
    "else $XDG_DATA_HOME/argos-translate/packages].",
)
_multilingual_dir_option = click.option(
    "--multilingual-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of installed multilingual models (NLLB-200, M2M-100) [default: $TRANSLATE_MODELS_DIR, "
    "else $XDG_DATA_HOME/newsroom-translate/models].",
)
_index_url_option = click.option(
    "--index-url",
    default=None,
    metavar="URL",
    help="Argos package index (index.json or its base URL) [default: $ARGOS_PACKAGE_INDEX, "
    "else the public Argos index].",
)
_config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="PATH",
    help="Project configuration [default: translate.toml in the project root, else built-in defaults].",
)


def _user_errors(command):
    """Turn expected failures into one-line errors with a non-zero exit."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (store.ModelsError, model_store.ModelStoreError, config.ConfigError, ArchiveError,
                download.DownloadError) as err:
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


def _serves(model: model_store.InstalledModel) -> str:
    return ", ".join(f"{key} ({code})" for key, code in model.codes.items())


def _dari_is_adapted(model: model_store.InstalledModel) -> bool:
    """Whether Dari from this model goes through the Afghan Dari adaptation."""
    from translate import adaptation

    code = model.codes.get("prs")
    return code is not None and adaptation.needed(SimpleNamespace(lang=TARGETS["prs"], target_code=code))


def _config_label(cfg: config.Config) -> str:
    return f"configuration {cfg.path}" if cfg.path else f"built-in defaults, no {config.CONFIG_FILE}"


def _multilingual_advice(key: str, cfg: config.Config, multilingual_folder: Path) -> str | None:
    """For a project language the Argos index lacks: which multilingual
    models serve it and how to get one (None for other languages)."""
    language = TARGETS.get(key)
    if language is None:
        return None
    installed = model_store.find(multilingual_folder, key)
    if installed is not None:
        text = f"the installed multilingual model {installed.name} already serves {language.english_name}"
        if cfg.languages[key].engine != "multilingual":
            text += f' once {config.CONFIG_FILE} sets {key} = "multilingual" under [languages]'
        return text + " (see `translate models list`)"
    families = []
    for family in FAMILY_PREFERENCE:
        spec = FAMILIES[family]
        names = [m.name for m in model_store.KNOWN_MODELS.values() if m.family == family]
        families.append(f"{spec.title} ({', '.join(names)}; token {spec.language_token(language)})")
    text = f"{language.english_name} is served by a multilingual model: {' or '.join(families)}"
    configured = list(cfg.downloads)
    if configured:
        return text + f"; install one with `translate models install {configured[0]}`"
    return text + ("; convert one on a machine with internet access (docs/models.md) and install it "
                   "with `translate models add FOLDER`")


@click.group(name="models")
def models():
    """Manage translation models: Argos packages (one language each) and
    multilingual NLLB-200 / M2M-100 models converted to CTranslate2.

    By default Russian is translated with an Argos package, Dari, Pashto and
    Kazakh with a multilingual model; translate.toml can change that.

    \b
    Examples:
      translate models list
      translate models list --refresh
      translate models install ru
      translate models install nllb-200-distilled-600M
      translate models add ~/Downloads/translate-en_ru-1_9.argosmodel
      translate models add ./nllb-200-distilled-600M
      translate models verify
      translate models remove ru
    """


@models.command(name="list")
@_models_dir_option
@_multilingual_dir_option
@_index_url_option
@_config_option
@click.option("--refresh", is_flag=True, help="Download the package index first (otherwise the cached copy is used).")
@click.option("--all", "show_all", is_flag=True, help="List index packages for every language pair, not only from English.")
@_user_errors
def list_command(models_dir: Path | None, multilingual_dir: Path | None, index_url: str | None,
                 config_file: Path | None, refresh: bool, show_all: bool):
    """Show installed models, Argos packages available in the index, and
    which engine and model would translate each project language."""
    cfg = config.load(config_file)
    folder = store.models_dir(models_dir)
    multilingual_folder = model_store.store_dir(multilingual_dir)
    installed, broken = store.list_installed(folder)

    click.echo(f"Installed Argos packages in {folder}:")
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

    multilingual, broken_models = model_store.list_installed(multilingual_folder)
    click.echo(f"\nInstalled multilingual models in {multilingual_folder}:")
    if multilingual:
        rows = [[m.name, FAMILIES[m.family].title, m.version, _serves(m), m.licence or "-", str(m.path)]
                for m in multilingual]
        click.echo(_table(rows, ["NAME", "FAMILY", "VERSION", "SERVES", "LICENCE", "PATH"]))
    else:
        click.echo("  (none)")
    for bad in broken_models:
        click.echo(f"  BROKEN {bad.path}: {bad.reason} (remove it with `translate models remove {bad.path.name}`)")

    if refresh:
        index = store.fetch_index(index_url)
        click.echo(f"\nDownloaded the package index from {store.resolve_index_url(index_url)}.")
    else:
        index = store.load_cached_index()
    click.echo("")
    if index is None:
        click.echo("Available Argos packages: no index downloaded yet; run `translate models list --refresh`.")
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

    click.echo(f"\nProject languages ({_config_label(cfg)}):")
    rows = []
    for key, choice in config.plan(cfg, folder, multilingual_folder).items():
        language = TARGETS[key]
        setting = cfg.languages[key]
        set_by = "" if setting.origin == "default" else f"; set in {setting.origin}"
        if isinstance(choice, NoModel):
            wanted = setting.engine + (f":{setting.model}" if setting.model else "")
            rows.append([key, language.english_name, wanted, "-",
                         f"missing: {choice.reason}; fix: `{choice.hint}`"])
            continue
        status = f"ready, writes {choice.target_code}"
        if choice.adapted:
            status += " + Afghan Dari adaptation"
        rows.append([key, language.english_name, choice.engine, f"{choice.model} {choice.version}".strip(),
                     status + set_by])
    click.echo(_table(rows, ["KEY", "LANGUAGE", "ENGINE", "MODEL", "STATUS"]))


@models.command(name="install")
@click.argument("names", nargs=-1, required=True, metavar="OWNER/NAME|NAME|LANG...")
@_models_dir_option
@_multilingual_dir_option
@_index_url_option
@_config_option
@click.option("--url", default=None, metavar="URL",
              help="Download the multilingual model NAME (a zip of the converted folder) from URL; "
              "needs --sha256. [default: [downloads.NAME] in translate.toml]")
@click.option("--sha256", default=None, metavar="HEX", help="SHA-256 of the archive given with --url.")
@click.option("--force", is_flag=True, help="Download again even if the same version is installed.")
@click.option("--revision", default=None, metavar="REV",
              help="Branch, tag or commit of a Hugging Face repository OWNER/NAME [default: main].")
@click.option("--quantization", default=None, metavar="TYPE",
              help="Weight type when converting OWNER/NAME: int8, int8_float16, float16, float32... "
              "[default: int8 on a CPU]")
@_user_errors
def install_command(names: tuple[str, ...], models_dir: Path | None, multilingual_dir: Path | None,
                    index_url: str | None, config_file: Path | None, url: str | None, sha256: str | None,
                    force: bool, revision: str | None, quantization: str | None):
    """Download and install models.

    OWNER/NAME is a Hugging Face repository of NLLB-200 or M2M-100 (or a
    local folder of such a checkpoint): it is downloaded (resumably), converted
    with CTranslate2 (int8 on a CPU; needs transformers: pip install
    'newsroom-translate[convert]') and installed; a repository that already
    holds a CTranslate2 model is installed as it is. NAME is a multilingual
    model with a [downloads.NAME] table in translate.toml: downloaded from
    there and checked against its SHA-256. LANG is a project key (ru, prs, ps,
    kk) or an Argos language code (de): the English→LANG package comes from
    the Argos package index.

    \b
    Examples:
      translate models install ru
      translate models install facebook/nllb-200-distilled-600M
      translate models install facebook/m2m100_418M --revision COMMIT --quantization int8
      translate models install nllb-200-distilled-600M
      translate models install m2m100_418M --url https://models.example.org/m2m100_418M.zip --sha256 HEX
    """
    cfg = config.load(config_file)
    folder = store.models_dir(models_dir)
    multilingual_folder = model_store.store_dir(multilingual_dir)
    names = tuple(dict.fromkeys(names))
    hub_sources = [n for n in names if model_hub.is_hub_source(n)] if not (url or sha256) else []
    names = tuple(n for n in names if n not in hub_sources)
    if (revision or quantization) and not hub_sources:
        raise click.UsageError("--revision and --quantization are for a Hugging Face repository OWNER/NAME")
    if url or sha256:
        if len(names) != 1 or not (url and sha256):
            raise click.UsageError("--url and --sha256 go together, with exactly one model NAME")
        multilingual = list(names)
    else:
        multilingual = [n for n in names if n in model_store.KNOWN_MODELS or n in cfg.downloads]
    langs = [n for n in names if n not in multilingual]
    for lang in langs:
        try:
            store.argos_code(lang)
        except store.ModelsError:
            raise click.ClickException(
                f"{lang!r} is neither a language (a project key {', '.join(TARGETS)} or an Argos code such as de) "
                f"nor a known multilingual model ({', '.join([*model_store.KNOWN_MODELS, *cfg.downloads])})"
            ) from None

    missing: list[str] = []
    if langs:
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
        missing = report.missing

    for name in multilingual:
        present = model_store.get(multilingual_folder, name)
        if present is not None and not force:
            click.echo(f"{name} is already installed ({present.path}); use --force to download it again.")
            continue
        result = model_store.install(name, multilingual_folder, url=url, sha256=sha256, downloads=cfg.downloads,
                                     progress=_progress_bar, languages=config.multilingual_languages(cfg))
        _echo_added(result)

    for source in hub_sources:
        _install_from_hub(source, multilingual_folder, cfg, revision, quantization, force)

    for lang in missing:
        advice = _multilingual_advice(lang, cfg, multilingual_folder)
        click.echo(f"Error: {store.no_package_message(lang, advice)}", err=True)
    if missing:
        raise click.exceptions.Exit(1)


def _install_from_hub(source: str, multilingual_folder: Path, cfg: config.Config, revision: str | None,
                      quantization: str | None, force: bool) -> None:
    """`models install OWNER/NAME` (or a checkpoint folder): translate.model_hub."""
    present = model_store.get(multilingual_folder, model_hub.default_name(source))
    if present is not None and not force:
        click.echo(f"{present.name} is already installed ({present.path}); use --force to install it again.")
        return
    try:
        result = model_hub.install(source, multilingual_folder, revision=revision, quantization=quantization,
                                   progress=lambda message: click.echo(message, err=True),
                                   languages=config.multilingual_languages(cfg))
    except UserError as err:
        raise click.ClickException(err.one_line()) from None
    _echo_added(result)


def _echo_added(result: model_store.AddResult) -> None:
    model = result.model
    click.echo(f"Installed multilingual model {model.name} ({FAMILIES[model.family].title} {model.version}) "
               f"in {model.path}.")
    click.echo(f"  serves {_serves(model)}")
    if _dari_is_adapted(model):
        click.echo("  Dari from this model is Iranian Persian: the Afghan Dari adaptation is applied to it")
    if model.licence:
        click.echo(f"  licence {model.licence}")
    if result.replaced is not None:
        click.echo(f"  replaced {result.replaced.name} {result.replaced.version}")


@models.command(name="add")
@click.argument("path", type=click.Path(path_type=Path))
@_models_dir_option
@_multilingual_dir_option
@_config_option
@click.option("--name", default=None,
              help="Name of a multilingual model in the store [default: the folder's or archive's name].")
@_user_errors
def add_command(path: Path, models_dir: Path | None, multilingual_dir: Path | None, config_file: Path | None,
                name: str | None):
    """Install a model from a local file or folder (no network needed).

    PATH is an Argos package (.argosmodel file), or a multilingual model
    converted to CTranslate2 (NLLB-200 or M2M-100, see docs/models.md): its
    folder, or a .zip of it, holding model.bin, config.json, the vocabulary
    and sentencepiece.bpe.model. A multilingual model must have the language
    token of every language translate.toml sends to a multilingual model.

    \b
    Examples:
      translate models add translate-en_ru-1_9.argosmodel
      translate models add ./nllb-200-distilled-600M
      translate models add m2m100_418M.zip --name m2m100_418M
    """
    cfg = config.load(config_file)
    if not path.exists():
        raise click.ClickException(
            f"{path}: no such file or folder; give an .argosmodel package file, or a converted multilingual "
            "model folder or a .zip of one"
        )
    if path.is_dir() and (path / "metadata.json").is_file() and not model_store.looks_like_multilingual(path):
        raise click.ClickException(
            f"{path} is an unpacked Argos package: add the .argosmodel file it came from instead"
        )
    if path.is_dir() or model_store.looks_like_multilingual(path):
        result = model_store.add(path, model_store.store_dir(multilingual_dir), name=name,
                                 languages=config.multilingual_languages(cfg))
        _echo_added(result)
        return
    if name is not None:
        raise click.UsageError("--name is for multilingual models; an Argos package is named by its metadata.json")
    result = store.install_from_file(path, store.models_dir(models_dir))
    package = result.package
    click.echo(f"Installed {package.pair} {package.name} {package.version} in {package.path}.")
    for old in result.replaced:
        click.echo(f"  replaced {old.name} {old.version}")


@models.command(name="remove")
@click.argument("which", metavar="LANG|NAME")
@_models_dir_option
@_multilingual_dir_option
@_user_errors
def remove_command(which: str, models_dir: Path | None, multilingual_dir: Path | None):
    """Remove the Argos package for LANG (e.g. ru), or a package or
    multilingual model by NAME (as `translate models list` shows it)."""
    folder = store.models_dir(models_dir)
    multilingual_folder = model_store.store_dir(multilingual_dir)
    multilingual, broken = model_store.list_installed(multilingual_folder)
    removed = []
    if which in {m.name for m in multilingual} | {b.path.name for b in broken}:
        removed.append(model_store.remove(which, multilingual_folder))
    removed += store.remove(folder, which, missing_ok=True)
    if not removed:
        packages, broken_packages = store.list_installed(folder)
        argos_names = sorted({p.name for p in packages} | {b.path.name for b in broken_packages})
        model_names = sorted({m.name for m in multilingual} | {b.path.name for b in broken})
        message = (f"no installed package matches {which!r} (Argos packages: {', '.join(argos_names) or 'none'}; "
                   f"multilingual models: {', '.join(model_names) or 'none'})")
        serving = [m.name for m in multilingual if m.serves(which)]
        if len(serving) == 1:
            message += (f"; {TARGETS[which].english_name} is served by the multilingual model {serving[0]}, "
                        "which serves other languages too: remove it by name")
        elif serving:
            message += (f"; {TARGETS[which].english_name} is served by the multilingual models "
                        f"{', '.join(serving)}, which serve other languages too: remove one by name")
        raise click.ClickException(message + "; see `translate models list`")
    for path in removed:
        click.echo(f"Removed {path}.")


def _routed_by_name(cfg: config.Config):
    """Per model: the languages the configuration sends to it by name."""

    def languages(model: model_store.InstalledModel) -> list[str]:
        return [key for key, setting in cfg.languages.items()
                if setting.engine == "multilingual" and setting.model == model.name]

    return languages


@models.command(name="verify")
@click.argument("items", nargs=-1, metavar="[LANG|NAME...]")
@_models_dir_option
@_multilingual_dir_option
@_config_option
@_user_errors
def verify_command(items: tuple[str, ...], models_dir: Path | None, multilingual_dir: Path | None,
                   config_file: Path | None):
    """Check installed models: the tokenizer loads, the model loads in
    CTranslate2, and a multilingual model has the language tokens it needs.

    Without arguments every installed package and model is checked. A LANG
    (ru, prs, ps, kk) checks the model translate.toml would use for it; a
    NAME checks that multilingual model; an Argos code (de) the en→de package.
    Exits non-zero when any check fails.
    """
    cfg = config.load(config_file)
    folder = store.models_dir(models_dir)
    multilingual_folder = model_store.store_dir(multilingual_dir)
    by_name = _routed_by_name(cfg)
    if not items:
        results = store.verify(folder) + model_store.verify(multilingual_folder, languages=by_name)
        if not results:
            raise click.ClickException(
                f"nothing installed: no packages installed in {folder} and no multilingual models in "
                f"{multilingual_folder}; install one with `translate models install ru` or `translate models add PATH`"
            )
    else:
        results = []
        multilingual, broken = model_store.list_installed(multilingual_folder)
        model_names = {m.name for m in multilingual} | {b.path.name for b in broken}
        for item in dict.fromkeys(items):
            if item in TARGETS:
                results.append(_verify_language(item, cfg, folder, multilingual_folder))
            elif item in model_names:
                results += model_store.verify(multilingual_folder, [item], languages=by_name)
            else:
                results += store.verify(folder, [item])
    rows = []
    for result in results:
        failed = [check for check in result.checks if not check.ok]
        detail = "; ".join(f"{c.name}: {c.detail}" for c in failed) or "; ".join(
            c.detail for c in result.checks if c.name != "metadata"
        )
        rows.append(["OK" if result.ok else "FAIL", result.label, detail])
    click.echo(_table(rows, ["RESULT", "MODEL", "DETAIL"], indent=""))
    failures = sum(not r.ok for r in results)
    if failures:
        click.echo(f"Error: {failures} of {len(results)} failed verification.", err=True)
        raise click.exceptions.Exit(1)


def _verify_language(key: str, cfg: config.Config, folder: Path, multilingual_folder: Path) -> VerifyResult:
    """Verify the model the configuration would use for ``key``."""
    language = TARGETS[key]
    try:
        choice = config.resolve(language, cfg, folder, multilingual_folder)
    except NoModel as missing:
        return VerifyResult(f"{key}: -", None, [Check("installed", False, f"{missing.reason}; run `{missing.hint}`")])
    if choice.engine == "argos":
        result = store.verify_package(choice.installed)
    else:
        [result] = model_store.verify(multilingual_folder, [choice.model], languages=[key])
    return dataclasses.replace(result, label=f"{key}: {result.label}")
