"""`translate models ...`: list, install, add, remove and verify translation models.

Two stores (translate.translation.models.routing.STORES): Argos packages (English → one
language) and CTranslate2 models converted from Hugging Face checkpoints
(NLLB-200, M2M-100, OPUS-MT, MADLAD-400); every verb walks the table rather
than keeping a block per store. Which one serves each language is the project
configuration's choice (translate.toml, routed by translate.translation.models.routing);
`list` shows it, with each model's licence and, with --quality, the published
scores of every family (translate.translation.models.quality).
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import click

from translate.cli import options as cli_options
from translate.errors import UserError
from translate.project import config
from translate.project.languages import SOURCE, TARGETS
from translate.translation import adaptation
from translate.translation.engines.multilingual import FAMILIES, FAMILY_PREFERENCE
from translate.translation.models import argos as argos_index
from translate.translation.models import hub as model_hub
from translate.translation.models import quality
from translate.translation.models.multilingual import KNOWN_MODELS, InstalledModel, looks_like_multilingual
from translate.translation.models.routing import LicenceRefused, NoModel, open_stores, plan, resolve
from translate.translation.models.store import (
    Check,
    InstallResult,
    ModelStore,
    VerifyResult,
    metadata_text,
    names_of,
)

_index_url_option = click.option(
    "--index-url",
    default=None,
    metavar="URL",
    help="Argos package index (index.json or its base URL) [default: $ARGOS_PACKAGE_INDEX, "
    "else the public Argos index].",
)

# How `list` shows each store's installed models: heading, columns, one row.
_LISTING = {
    "argos": ("Argos packages", ["PAIR", "NAME", "VERSION", "SERVES", "LICENCE", "PATH"],
              lambda p: [p.pair, p.name, p.version,
                         ",".join(argos_index.project_keys_for(p.to_code, p.from_code)) or "-", p.licence or "-",
                         str(p.path)]),
    "multilingual": ("multilingual models", ["NAME", "FAMILY", "VERSION", "SERVES", "LICENCE", "PATH"],
                     lambda m: [m.name, FAMILIES[m.family].title, m.version, _serves(m), m.licence or "-",
                                str(m.path)]),
}


def _user_errors(command):
    """Turn expected failures into one-line errors with a non-zero exit."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except UserError as err:
            raise click.ClickException(metadata_text(err.one_line(), 2000)) from None
        except BrokenPipeError:
            # The reader went away (`translate models list | head -1`): not a
            # folder problem; click ends quietly, as for any command.
            raise
        except OSError as err:
            where = f": {err.filename}" if err.filename else ""
            raise click.ClickException(
                f"{err.strerror or err}{where}; check the folder exists, is writable and has free space"
            ) from None

    return wrapper


def _table(rows: list[list[str]], headers: list[str], indent: str = "  ") -> str:
    # Cells come from model metadata and folder names: nothing in them may
    # reach the terminal as a control sequence.
    rows = [[metadata_text(cell, 1000) for cell in row] for row in rows]
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


def _serves(model: InstalledModel) -> str:
    return ", ".join(f"{key} ({code})" for key, code in model.codes.items())


_licence_option = click.option(
    "--licence", default=None, metavar="ID",
    help="The model's licence as an SPDX id (CC-BY-4.0, Apache-2.0, MIT, CC-BY-NC-4.0...), recorded with it "
    "[default: what the model card says]. [policy] licences in translate.toml refuses any other.")


def _dari_is_adapted(model: InstalledModel) -> bool:
    """Whether Dari from this model goes through the Afghan Dari adaptation."""
    code = model.codes.get("prs")
    return code is not None and adaptation.needed(SimpleNamespace(lang=TARGETS["prs"], target_code=code))


def _config_label(cfg: config.Config) -> str:
    return f"configuration {cfg.path}" if cfg.path else f"built-in defaults, no {config.CONFIG_FILE}"


def _multilingual_advice(key: str, cfg: config.Config, stores: dict[str, ModelStore]) -> str | None:
    """For a project language the Argos index lacks: which multilingual
    models serve it and how to get one (None for other languages)."""
    language = TARGETS.get(key)
    if language is None:
        return None
    installed = stores["multilingual"].find(key)
    if installed is not None:
        text = f"the installed multilingual model {installed.name} already serves {language.english_name}"
        if cfg.languages[key].engine != "multilingual":
            text += f' once {config.CONFIG_FILE} sets {key} = "multilingual" under [languages]'
        return text + " (see `translate models list`)"
    families = []
    for family in FAMILY_PREFERENCE:
        spec = FAMILIES[family]
        names = [m.name for m in KNOWN_MODELS.values() if m.family == family]
        families.append(f"{spec.title} ({', '.join(names)}; token {spec.language_token(language)})")
    text = f"{language.english_name} is served by a multilingual model: {' or '.join(families)}"
    best = quality.best(key)
    if best is not None:
        text += f" (best published FLORES-200 chrF++: {best.model}, {best.chrf:.1f}; translate models list --quality)"
    configured = list(cfg.downloads)
    if configured:
        return text + f"; install one with `translate models install {configured[0]}`"
    return text + ("; convert one on a machine with internet access (docs/models.md) and install it "
                   "with `translate models add FOLDER`")


@click.group(name="models")
def models():
    """Manage translation models: Argos packages (one language each) and
    models converted to CTranslate2 from Hugging Face checkpoints: NLLB-200,
    M2M-100, OPUS-MT (Marian) and MADLAD-400.

    By default Russian is translated with an Argos package, Dari, Pashto and
    Kazakh with a multilingual model; translate.toml can change that, and its
    [policy] licences refuses models under any other licence.

    \b
    Examples:
      translate models list
      translate models list --quality
      translate models list --refresh
      translate models install ru
      translate models install facebook/nllb-200-distilled-600M
      translate models install Helsinki-NLP/opus-mt-tc-big-en-zle
      translate models add ~/Downloads/translate-en_ru-1_9.argosmodel --licence CC-BY-4.0
      translate models add ./nllb-200-distilled-600M
      translate models verify
      translate models remove ru
    """


@models.command(name="list")
@cli_options.models_dir_option
@cli_options.multilingual_dir_option
@_index_url_option
@cli_options.config_option
@click.option("--refresh", is_flag=True, help="Download the package index first (otherwise the cached copy is used).")
@click.option("--all", "show_all", is_flag=True, help="List index packages for every language pair, not only from English.")
@click.option("--quality", "show_quality", is_flag=True,
              help="Also show the published FLORES-200 devtest chrF++ of each model family and size for "
              "eng→rus/prs/pbt/kaz, with sources (docs/models.md).")
@_user_errors
def list_command(models_dir: Path | None, multilingual_dir: Path | None, index_url: str | None,
                 config_path: Path | None, refresh: bool, show_all: bool, show_quality: bool):
    """Show installed models (with their licences), Argos packages available
    in the index, and which engine and model would translate each project
    language; with --quality, what is published of each model's quality."""
    cfg = config.load(config_path)
    stores = open_stores(models_dir, multilingual_dir)
    for number, (kind, store) in enumerate(stores.items()):
        title, headers, row = _LISTING[kind]
        installed, broken = store.list()
        lead = "\n" if number else ""
        click.echo(f"{lead}Installed {title} in {store.folder}:")
        click.echo(_table([row(m) for m in installed], headers) if installed else "  (none)")
        for bad in broken:
            click.echo(metadata_text(f"  BROKEN {bad.path}: {bad.reason} "
                                     f"(remove it with `translate models remove {bad.path.name}`)", 2000))
    _echo_index(stores, index_url, refresh, show_all)
    _echo_project_languages(cfg, stores)
    if show_quality:
        _echo_quality(stores)


def _echo_index(stores: dict[str, ModelStore], index_url: str | None, refresh: bool, show_all: bool) -> None:
    if refresh:
        index = argos_index.fetch_index(index_url)
        click.echo(f"\nDownloaded the package index from {argos_index.resolve_index_url(index_url)}.")
    else:
        index = argos_index.load_cached_index()
    click.echo("")
    if index is None:
        click.echo("Available Argos packages: no index downloaded yet; run `translate models list --refresh`.")
        return
    when = argos_index.cached_index_time()
    stamp = f", cached {when:%Y-%m-%d %H:%M}" if when and not refresh else ""
    shown = [e for e in index if show_all or e.from_code == SOURCE.key]
    shown.sort(key=lambda e: (e.from_code, e.to_code))
    scope = "" if show_all else " from English"
    noun = "package" if len(shown) == 1 else "packages"
    click.echo(f"Available in the Argos index ({len(shown)} {noun}{scope}{stamp}):")
    by_pair = {(p.from_code, p.to_code): p for p in stores["argos"].list()[0]}
    rows = []
    for entry in shown:
        have = by_pair.get((entry.from_code, entry.to_code))
        serves = ",".join(argos_index.project_keys_for(entry.to_code, entry.from_code)) or "-"
        rows.append([entry.pair, entry.name, entry.version, serves, f"yes ({have.version})" if have else "no"])
    click.echo(_table(rows, ["PAIR", "NAME", "VERSION", "SERVES", "INSTALLED"]) if rows else "  (none)")


def _echo_project_languages(cfg: config.Config, stores: dict[str, ModelStore]) -> None:
    """Which engine and model serve each project language, its licence, or why none."""
    policy = cfg.policy
    rule = f"; licences allowed: {', '.join(policy.licences)}" if policy.licences is not None else ""
    click.echo(f"\nProject languages ({_config_label(cfg)}{rule}):")
    rows, warnings = [], []
    for key, choice in plan(cfg, stores["argos"].folder, stores["multilingual"].folder).items():
        language = TARGETS[key]
        setting = cfg.languages[key]
        set_by = "" if setting.origin == "default" else f"; set in {setting.origin}"
        if isinstance(choice, NoModel):
            wanted = setting.engine + (f":{setting.model}" if setting.model else "")
            state = "refused" if isinstance(choice, LicenceRefused) else "missing"
            rows.append([key, language.english_name, wanted, "-", "-", f"{state}: {choice.reason}; fix: `{choice.hint}`"])
            continue
        status = f"ready, writes {choice.target_code}"
        if choice.adapted:
            status += " + Afghan Dari adaptation"
        if choice.known is not None:
            status += f"; FLORES-200 chrF++ {choice.known.chrf:.1f}"
        weak = choice.weak(policy.quality_floor)
        if weak:
            warnings.append(weak)
        rows.append([key, language.english_name, choice.engine, f"{choice.model} {choice.version}".strip(),
                     choice.licence or "-", status + set_by])
    click.echo(_table(rows, ["KEY", "LANGUAGE", "ENGINE", "MODEL", "LICENCE", "STATUS"]))
    for warning in warnings:
        cli_options.warn(warning)


def _echo_quality(stores: dict[str, ModelStore]) -> None:
    """The published FLORES-200 devtest chrF++ of every model family and size."""
    installed = stores["multilingual"].list()[0]

    def have(row: quality.Published) -> str:
        return next((m.name for m in installed if quality.published(m.name, m.source, row.lang) == row), "")

    click.echo("\nPublished quality, FLORES-200 devtest chrF++ (higher is better; `translate evaluate` measures "
               "your own):")
    rows = [[p.lang, FAMILIES[p.family].title, p.size, p.model, f"{p.chrf:.1f}", have(p) or "-"]
            for p in sorted(quality.PUBLISHED, key=lambda p: (list(TARGETS).index(p.lang), -p.chrf))]
    click.echo(_table(rows, ["KEY", "FAMILY", "SIZE", "MODEL", "CHRF++", "INSTALLED AS"]))
    click.echo("  sources: " + "; ".join(sorted({p.leaderboard.format(pair="xxx").split(" (")[0]
                                                  for p in quality.PUBLISHED})))
    click.echo("  MADLAD-400: no FLORES-200 devtest figures published for these pairs; measure it with "
               "`translate evaluate`.")


@models.command(name="install")
@click.argument("names", nargs=-1, required=True, metavar="OWNER/NAME|NAME|LANG...")
@cli_options.models_dir_option
@cli_options.multilingual_dir_option
@_index_url_option
@cli_options.config_option
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
                    index_url: str | None, config_path: Path | None, url: str | None, sha256: str | None,
                    force: bool, revision: str | None, quantization: str | None):
    """Download and install models.

    OWNER/NAME is a Hugging Face repository of NLLB-200, M2M-100, OPUS-MT
    (Marian, Tatoeba-Challenge) or MADLAD-400 (or a local folder of such a
    checkpoint): it is downloaded (resumably), converted with CTranslate2 (int8
    on a CPU; needs transformers: pip install 'newsroom-translate[convert]')
    and installed with the licence its model card states; a repository that
    already holds a CTranslate2 model is installed as it is. NAME is a multilingual
    model with a [downloads.NAME] table in translate.toml: downloaded from
    there and checked against its SHA-256. LANG is a project key (ru, prs, ps,
    kk) or an Argos language code (de): the English→LANG package comes from
    the Argos package index.

    \b
    Examples:
      translate models install ru
      translate models install facebook/nllb-200-distilled-600M
      translate models install Helsinki-NLP/opus-mt-tc-big-en-zle
      translate models install google/madlad400-3b-mt
      translate models install facebook/m2m100_418M --revision COMMIT --quantization int8
      translate models install nllb-200-distilled-600M
      translate models install m2m100_418M --url https://models.example.org/m2m100_418M.zip --sha256 HEX
    """
    cfg = config.load(config_path)
    stores = open_stores(models_dir, multilingual_dir)
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
        multilingual = [n for n in names if n in KNOWN_MODELS or n in cfg.downloads]
    langs = [n for n in names if n not in multilingual]
    for lang in langs:
        try:
            argos_index.argos_code(lang)
        except UserError:
            raise click.ClickException(metadata_text(
                f"{lang!r} is neither a language (a project key {', '.join(TARGETS)} or an Argos code such as de) "
                f"nor a known multilingual model ({', '.join([*KNOWN_MODELS, *cfg.downloads])})", 2000
            )) from None

    missing: list[str] = []
    if langs:
        # One index download for every language asked for.
        report = stores["argos"].install_languages(langs, index_url, progress=_progress_bar, force=force,
                                                   skip_missing=True)
        for result in report.results:
            _echo_installed(result)
        missing = report.missing
    for name in multilingual:
        _echo_installed(stores["multilingual"].install(
            name, url=url, sha256=sha256, downloads=cfg.downloads, progress=_progress_bar,
            languages=config.multilingual_languages(cfg), project=cfg, force=force))

    for source in hub_sources:
        _install_from_hub(source, stores["multilingual"], cfg, revision, quantization, force)

    for lang in missing:
        advice = _multilingual_advice(lang, cfg, stores)
        click.echo(f"Error: {argos_index.no_package_message(lang, advice)}", err=True)
    if missing:
        raise click.exceptions.Exit(1)


def _install_from_hub(source: str, store, cfg: config.Config, revision: str | None,
                      quantization: str | None, force: bool) -> None:
    """`models install OWNER/NAME` (or a checkpoint folder): translate.translation.models.hub."""

    present = store.get(model_hub.default_name(source))
    if present is not None and not force:
        click.echo(f"{present.name} is already installed ({present.path}); use --force to install it again.")
        return
    _echo_installed(model_hub.install(source, store.folder, revision=revision, quantization=quantization,
                                      progress=lambda message: click.echo(message, err=True),
                                      languages=config.multilingual_languages(cfg), project=cfg))


def _echo_installed(result: InstallResult) -> None:
    """What `install` and `add` say about one installed (or already present) model."""
    model = result.model
    if result.status == "up to date":
        if model.kind == "argos":
            click.echo(f"{model.label} is already installed ({model.path}).")
        else:
            click.echo(f"{model.name} is already installed ({model.path}); use --force to download it again.")
        return
    click.echo(f"Installed {model.label} in {model.path}.")
    if model.kind == "multilingual":
        click.echo(f"  serves {_serves(model)}")
        if _dari_is_adapted(model):
            click.echo("  Dari from this model is Iranian Persian: the Afghan Dari adaptation is applied to it")
    if model.licence:
        click.echo(f"  licence {model.licence}")
    elif model.kind == "argos":
        click.echo("  licence not stated: record it with `translate models add FILE --licence ID` "
                   "([policy] licences in translate.toml refuses a model without one)")
    for old in result.replaced:
        click.echo(f"  replaced {old.name} {old.version}")


@models.command(name="add")
@click.argument("path", type=click.Path(path_type=Path))
@cli_options.models_dir_option
@cli_options.multilingual_dir_option
@cli_options.config_option
@click.option("--name", default=None,
              help="Name of a multilingual model in the store [default: the folder's or archive's name].")
@_licence_option
@_user_errors
def add_command(path: Path, models_dir: Path | None, multilingual_dir: Path | None, config_path: Path | None,
                name: str | None, licence: str | None):
    """Install a model from a local file or folder (no network needed).

    PATH is an Argos package (.argosmodel file), or a model converted to
    CTranslate2 (NLLB-200, M2M-100, OPUS-MT or MADLAD-400, see
    docs/models.md): its folder, or a .zip of it, holding model.bin,
    config.json, the vocabulary and the tokenizer (sentencepiece.bpe.model;
    source.spm and target.spm; spiece.model). An NLLB-200, M2M-100 or
    MADLAD-400 model must have the language token of every language
    translate.toml sends to a multilingual model; an OPUS-MT model must serve
    the languages routed to it by name. --licence records the model's licence
    (Argos packages state none).

    \b
    Examples:
      translate models add translate-en_ru-1_9.argosmodel --licence CC-BY-4.0
      translate models add ./nllb-200-distilled-600M
      translate models add ./opus-mt-en-kk --licence CC-BY-4.0
      translate models add m2m100_418M.zip --name m2m100_418M
    """
    cfg = config.load(config_path)
    if not path.exists():
        raise click.ClickException(
            f"{path}: no such file or folder; give an .argosmodel package file, or a converted multilingual "
            "model folder or a .zip of one"
        )
    if path.is_dir() and (path / "metadata.json").is_file() and not looks_like_multilingual(path):
        raise click.ClickException(
            f"{path} is an unpacked Argos package: add the .argosmodel file it came from instead"
        )
    kind = "multilingual" if path.is_dir() or looks_like_multilingual(path) else "argos"
    if kind == "argos" and name is not None:
        raise click.UsageError("--name is for multilingual models; an Argos package is named by its metadata.json")
    store = open_stores(models_dir, multilingual_dir)[kind]
    _echo_installed(store.add(path, name=name, languages=config.multilingual_languages(cfg), project=cfg,
                              licence=licence))


@models.command(name="remove")
@click.argument("which", metavar="LANG|NAME")
@cli_options.models_dir_option
@cli_options.multilingual_dir_option
@_user_errors
def remove_command(which: str, models_dir: Path | None, multilingual_dir: Path | None):
    """Remove the Argos package for LANG (e.g. ru), or a package or
    multilingual model by NAME (as `translate models list` shows it)."""
    stores = open_stores(models_dir, multilingual_dir)
    listed = {kind: store.list() for kind, store in stores.items()}
    removed = [path for store in stores.values() for path in store.remove(which, missing_ok=True)]
    if not removed:
        argos_names, model_names = (names_of(*listed[kind]) for kind in ("argos", "multilingual"))
        message = (f"no installed package matches {which!r} (Argos packages: {', '.join(argos_names) or 'none'}; "
                   f"multilingual models: {', '.join(model_names) or 'none'})")
        serving = [m.name for m in listed["multilingual"][0] if m.serves(which)]
        if len(serving) == 1:
            message += (f"; {TARGETS[which].english_name} is served by the multilingual model {serving[0]}, "
                        "which serves other languages too: remove it by name")
        elif serving:
            message += (f"; {TARGETS[which].english_name} is served by the multilingual models "
                        f"{', '.join(serving)}, which serve other languages too: remove one by name")
        raise click.ClickException(metadata_text(message + "; see `translate models list`", 4000))
    for path in removed:
        click.echo(metadata_text(f"Removed {path}.", 4000))


def _routed_by_name(cfg: config.Config):
    """Per model: the languages the configuration sends to it by name."""

    def languages(model: InstalledModel) -> list[str]:
        return [key for key, setting in cfg.languages.items()
                if setting.engine == "multilingual" and setting.model == model.name]

    return languages


@models.command(name="verify")
@click.argument("items", nargs=-1, metavar="[LANG|NAME...]")
@cli_options.models_dir_option
@cli_options.multilingual_dir_option
@cli_options.config_option
@_user_errors
def verify_command(items: tuple[str, ...], models_dir: Path | None, multilingual_dir: Path | None,
                   config_path: Path | None):
    """Check installed models: the tokenizer loads, the model loads in
    CTranslate2, and a multilingual model has the language tokens it needs.

    Without arguments every installed package and model is checked. A LANG
    (ru, prs, ps, kk) checks the model translate.toml would use for it; a
    NAME checks that multilingual model; an Argos code (de) the en→de package.
    Exits non-zero when any check fails.
    """
    cfg = config.load(config_path)
    stores = open_stores(models_dir, multilingual_dir)
    by_name = _routed_by_name(cfg)
    if not items:
        results = [result for store in stores.values() for result in store.verify(languages=by_name)]
        if not results:
            raise click.ClickException(
                f"nothing installed: no packages installed in {stores['argos'].folder} and no multilingual models "
                f"in {stores['multilingual'].folder}; install one with `translate models install ru` or "
                "`translate models add PATH`"
            )
    else:
        results = []
        model_names = set(names_of(*stores["multilingual"].list()))
        for item in dict.fromkeys(items):
            if item in TARGETS:
                results.append(_verify_language(item, cfg, stores))
            else:
                kind = "multilingual" if item in model_names else "argos"
                results += stores[kind].verify([item], languages=by_name)
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


def _verify_language(key: str, cfg: config.Config, stores: dict[str, ModelStore]) -> VerifyResult:
    """Verify the model the configuration would use for ``key``."""
    try:
        choice = resolve(TARGETS[key], cfg, stores["argos"].folder, stores["multilingual"].folder)
    except NoModel as missing:
        return VerifyResult(f"{key}: -", None, [Check("installed", False, f"{missing.reason}; run `{missing.hint}`")])
    result = stores[choice.engine].verify_one(choice.installed, [key])
    return dataclasses.replace(result, label=f"{key}: {result.label}")
