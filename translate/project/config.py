"""The project configuration: which engine and model translate each language.

Read from ``translate.toml`` in the project folder (translate/project/folder.py finds
it), or the file given with ``--config PATH``; without a file the built-in defaults apply: Russian
through Argos (en→ru exists), Dari, Pashto and Kazakh through a multilingual
model (NLLB-200 if one is installed, else M2M-100). Example::

    [languages]
    ru = "argos"                                    # shorthand for { engine = "argos" }
    prs = { engine = "multilingual", model = "nllb" }
    ps = { engine = "multilingual", model = "m2m100_418M" }

    [downloads."nllb-200-distilled-600M"]           # where `translate models install` gets it
    url = "https://models.example.org/nllb-200-distilled-600M-int8.zip"
    sha256 = "…"                                    # sha256sum of the archive
    size = 623000000                                # optional

``model`` for the multilingual engine is an installed model's name or a family
("nllb", "m2m"); omitted, the first installed family that has the language.
For Argos it is the target code of the en→CODE package (default: the
language's Argos code, languages.py); ``prs = { engine = "argos", model = "fa" }``
translates Dari with an Iranian Persian package plus the Afghan Dari adaptation.

This module only reads and validates the file; which installed model serves
a language is translate.translation.models.routing's business.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from translate.errors import UserError
from translate.project.languages import TARGETS
from translate.util import untrusted
from translate.util.textfile import decode_utf8

CONFIG_FILE = "translate.toml"
ENGINES = ("argos", "multilingual")
_ARGOS_CODE = re.compile(r"^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})?$")
_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


class ConfigError(UserError):
    """A configuration that cannot be used: "file: key: what is wrong and what to fix"."""


@dataclass(frozen=True)
class LanguageSetting:
    engine: str                 # "argos" | "multilingual"
    model: str | None = None    # see the module docstring
    origin: str = "default"     # where it was set: "default", a file name, "--engine"


@dataclass(frozen=True)
class Download:
    url: str
    sha256: str
    size: int | None = None


@dataclass(frozen=True)
class Config:
    languages: dict[str, LanguageSetting]
    downloads: dict[str, Download]
    path: Path | None = None    # the file read; None for the built-in defaults
    site_url: str | None = None  # where output/ is on the web: feeds' and PDFs' absolute links


DEFAULT_LANGUAGES: dict[str, LanguageSetting] = {
    "ru": LanguageSetting("argos"),
    "prs": LanguageSetting("multilingual"),
    "ps": LanguageSetting("multilingual"),
    "kk": LanguageSetting("multilingual"),
}


def default() -> Config:
    return Config(dict(DEFAULT_LANGUAGES), {})


def multilingual_languages(config: Config) -> list[str]:
    """Project keys the configuration sends to a multilingual model."""
    return [key for key, setting in config.languages.items() if setting.engine == "multilingual"]


# --- reading ------------------------------------------------------------------


def config_path(option: str | Path | None = None) -> Path | None:
    """``option`` (which must exist), else None (built-in defaults). The
    project's translate.toml is found by translate.project.folder and passed in."""
    if option is None:
        return None
    path = Path(option).expanduser()
    if not path.exists():
        raise ConfigError(f"{path}: no such configuration file; check the path given to --config")
    return path   # a folder, a pipe or a device is refused by name when read (load)


# A translate.toml is a few lines; a bigger file is the wrong file.
MAX_CONFIG_BYTES = 1 << 20


def load(option: str | Path | None = None) -> Config:
    """The project configuration (see config_path), defaults filled in."""
    path = config_path(option)
    if path is None:
        return default()

    try:
        data = untrusted.read_regular_file(path, MAX_CONFIG_BYTES)
    except untrusted.NotRegularFile as err:
        raise ConfigError(f"{path}: {err.args[0]}, not a configuration file: give the path of translate.toml") from None
    except untrusted.TooLarge:
        raise ConfigError(f"{path}: over {MAX_CONFIG_BYTES >> 10} KB, too large for a configuration file: "
                          "check the path given to --config") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a configuration file: give the path of translate.toml") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read it ({err.strerror})") from None

    text = decode_utf8(data, str(path), ConfigError)
    return replace(parse(text, str(path)), path=path)


def parse(text: str, name: str = CONFIG_FILE) -> Config:
    """Parse configuration text; ``name`` labels errors."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        # The message ends with "(at line N, column M)".
        raise ConfigError(f"{name}: invalid TOML: {err}") from None
    except RecursionError:   # tomllib parses nested arrays and inline tables recursively
        raise ConfigError(f"{name}: invalid TOML: arrays or tables nested hundreds deep; "
                          "write the settings as plain tables (see translate init)") from None
    _only(raw, ("site_url", "languages", "downloads"), name, "")
    languages = dict(DEFAULT_LANGUAGES)
    for key, value in _table(raw, "languages", name).items():
        if key not in TARGETS:
            raise ConfigError(f"{name}: languages.{key}: unknown language key; use one of {', '.join(TARGETS)}")
        languages[key] = _language_setting(value, f"languages.{key}", name)
    downloads = {model: _download(value, f"downloads.{model}", name)
                 for model, value in _table(raw, "downloads", name).items()}
    site_url = raw.get("site_url")
    problem = site_url_problem(site_url) if site_url is not None else None
    if problem:
        raise ConfigError(f"{name}: site_url: {problem}")
    return Config(languages, downloads, site_url=site_url.rstrip("/") + "/" if site_url else None)


def site_url_problem(value: Any) -> str | None:
    """Why ``value`` cannot be the site_url (translate.toml, or publish
    --site-url), or None: the http(s) address of the folder where output/ is
    published. Checked before any work, wherever it was given."""
    plain = isinstance(value, str) and not any(c.isspace() or ord(c) < 32 for c in value)
    try:
        parts = urlsplit(value) if plain else None
    except ValueError:   # "http://[::1" and the like
        parts = None
    if (parts is None or not re.match(r"^https?://[^/]", value, re.IGNORECASE) or not parts.hostname
            or parts.query or parts.fragment):
        return 'give the http(s) address where output/ is published, e.g. "https://news.example.org/editions"'
    return None


def _table(raw: dict, key: str, name: str) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{name}: {key}: must be a table ([{key}])")
    return value


def _only(table: dict, allowed: Iterable[str], name: str, where: str) -> None:
    allowed = tuple(allowed)
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{name}: {where}{key}: unknown key; expected {' or '.join(allowed)}")


def _language_setting(value: Any, where: str, name: str) -> LanguageSetting:
    if isinstance(value, str):
        value = {"engine": value}
    if not isinstance(value, dict):
        raise ConfigError(f'{name}: {where}: give an engine name ("argos") or a table {{ engine = ..., model = ... }}')
    _only(value, ("engine", "model"), name, f"{where}.")
    engine = value.get("engine")
    if engine not in ENGINES:
        raise ConfigError(f"{name}: {where}.engine: unknown engine {engine!r}; use {' or '.join(ENGINES)}")
    model = value.get("model")
    if model is not None:
        model = _check_model(engine, model, f"{where}.model", name)
    return LanguageSetting(engine, model, origin=Path(name).name)


def _check_model(engine: str, model: Any, where: str, name: str) -> str:
    if engine == "argos":
        if not isinstance(model, str) or not _ARGOS_CODE.match(model):
            raise ConfigError(f'{name}: {where}: for Argos give the target code of the en→CODE package, e.g. "fa"')
    elif not isinstance(model, str) or not _MODEL_NAME.match(model):
        raise ConfigError(f'{name}: {where}: give an installed model name or a family ("nllb" or "m2m")')
    return model


def _download(value: Any, where: str, name: str) -> Download:
    if not isinstance(value, dict):
        raise ConfigError(f"{name}: {where}: must be a table with url and sha256")
    _only(value, ("url", "sha256", "size"), name, f"{where}.")
    url, sha256, size = value.get("url"), value.get("sha256"), value.get("size")
    if not isinstance(url, str) or not re.match(r"^https?://[^\s/]", url, re.IGNORECASE):
        raise ConfigError(f"{name}: {where}.url: give an http(s) URL of the model archive")
    if not isinstance(sha256, str) or not _SHA256.match(sha256):
        raise ConfigError(f"{name}: {where}.sha256: give the archive's SHA-256 (64 hex digits, from sha256sum)")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size <= 0):
        raise ConfigError(f"{name}: {where}.size: give the archive size in bytes, a positive integer")
    return Download(url, sha256.lower(), size)


# --- command-line overrides -------------------------------------------------------


def parse_override(spec: str) -> tuple[str, LanguageSetting]:
    """One --engine value: KEY=ENGINE or KEY=ENGINE:MODEL, e.g. "prs=argos:fa",
    "kk=multilingual:m2m100_418M"."""
    where = f"--engine {spec}"
    key, sep, rest = spec.partition("=")
    key = key.strip()
    if not sep or key not in TARGETS:
        raise ConfigError(f"{where}: use KEY=ENGINE[:MODEL] with KEY one of {', '.join(TARGETS)}")
    engine, _, model = rest.strip().partition(":")
    if engine not in ENGINES:
        raise ConfigError(f"{where}: unknown engine {engine!r}; use {' or '.join(ENGINES)}")
    model = _check_model(engine, model, "model", "--engine") if model else None
    return key, LanguageSetting(engine, model, origin="--engine")


def with_overrides(config: Config, specs: Iterable[str]) -> Config:
    """``config`` with --engine values applied (they win over the file)."""
    languages = dict(config.languages)
    for spec in specs:
        key, setting = parse_override(spec)
        languages[key] = setting
    return replace(config, languages=languages)
