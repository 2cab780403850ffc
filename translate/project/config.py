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

    [publication]                                   # what every page's masthead and byline say
    name = "Kabul Monitor"                          # or a table: { en = "...", prs = "...", ... }
    bylines = { "Newsroom Staff" = { ru = "Редакция", prs = "...", ps = "...", kk = "..." } }
    [policy]
    licences = ["CC-BY-4.0", "Apache-2.0", "MIT"]   # models under any other licence are refused
    quality_floor = 30                              # warn below this published chrF++ (docs/models.md)

    [runtime]
    device = "auto"                                 # auto | cpu | cuda
    compute_type = "default"                        # default | int8 | int8_float16 | float16 | ...
    inter_threads = 0                               # batches at once; 0: one per core
    intra_threads = 0                               # threads per batch; 0: cores / inter_threads

``model`` for the multilingual engine is an installed model's name or a family
("nllb", "m2m", "marian", "madlad"); omitted, the first installed family that
has the language (and whose licence the policy allows).
For Argos it is the target code of the en→CODE package (default: the
language's Argos code, languages.py); ``prs = { engine = "argos", model = "fa" }``
translates Dari with an Iranian Persian package plus the Afghan Dari adaptation.

This module only reads and validates the file; which installed model serves
a language is translate.translation.models.routing's business.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from translate.errors import UserError
from translate.project.languages import ALL, TARGETS
from translate.util import untrusted
from translate.util.textfile import decode_utf8

CONFIG_FILE = "translate.toml"
ENGINES = ("argos", "multilingual")
DEVICES = ("auto", "cpu", "cuda")
# Published FLORES-200 devtest chrF++ below which a language's model is
# reported as too weak to publish unreviewed (docs/models.md: M2M-100 writes
# Kazakh at 11.2-15.5, the models worth using at 41-57).
DEFAULT_QUALITY_FLOOR = 30.0
_LICENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$")
_COMPUTE_TYPE = re.compile(r"^[a-z0-9_]{1,32}$")
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
class Publication:
    """The publication the pages belong to: its name per edition (the
    masthead, the site's title, the publisher in sharing metadata) and the
    bylines an author line is written as in each edition ("Newsroom Staff" is
    the newsroom's own English; a person's name may be transliterated)."""

    names: dict[str, str] = field(default_factory=dict)          # language key ("en", "prs", ...) -> name
    bylines: dict[str, dict[str, str]] = field(default_factory=dict)   # English byline -> key -> byline

    def name(self, lang_key: str) -> str:
        return self.names.get(lang_key) or self.names.get("en", "")

    def byline(self, author: str, lang_key: str) -> str:
        return self.bylines.get(author, {}).get(lang_key) or author


@dataclass(frozen=True)
class ClusterSetting:
    """[cluster]: where `translate publish` translates and renders (translate.publishing.cluster)."""

    address: str | None = None    # a Ray address, or "local"; None: this machine, without Ray
    actors: int | None = None     # actors per model; None: as many as the cluster's CPUs (GPUs) allow
    actor_cpus: int = 1           # CPUs of each actor


@dataclass(frozen=True)
class Policy:
    """[policy]: which licences a model may have, and the quality below which to warn."""

    licences: tuple[str, ...] | None = None   # None: any licence
    quality_floor: float = DEFAULT_QUALITY_FLOOR
    origin: str = "default"                   # the file that set it

    def allows(self, licence: str) -> bool:
        """Whether a model under ``licence`` ("" when unknown) may be used."""
        if self.licences is None:
            return True
        return bool(licence) and licence.lower() in {allowed.lower() for allowed in self.licences}


@dataclass(frozen=True)
class RuntimeSetting:
    """[runtime]: where and how CTranslate2 runs (translate.translation.engines.runtime)."""

    device: str | None = None          # None: auto
    compute_type: str | None = None    # None: the model's own
    inter_threads: int = 0
    intra_threads: int = 0


@dataclass(frozen=True)
class Config:
    languages: dict[str, LanguageSetting]
    downloads: dict[str, Download]
    path: Path | None = None    # the file read; None for the built-in defaults
    site_url: str | None = None  # where output/ is on the web: feeds' and PDFs' absolute links
    publication: Publication = field(default_factory=Publication)
    cluster: ClusterSetting = ClusterSetting()
    policy: Policy = Policy()
    runtime: RuntimeSetting = RuntimeSetting()


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


def routed_to(config: Config, name: str, family: str | None = None) -> list[str]:
    """Project keys the configuration sends to the multilingual model ``name``
    by its name (or by its ``family``)."""
    return [key for key, setting in config.languages.items()
            if setting.engine == "multilingual" and setting.model in (name, family)]


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
    _only(raw, ("site_url", "languages", "downloads", "publication", "cluster", "policy", "runtime"), name, "")
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
        raise ConfigError(f'{name}: site_url: {problem}; give the http(s) address where output/ is published, '
                          f'e.g. "https://news.example.org/editions"')
    return Config(languages, downloads, site_url=site_url.rstrip("/") + "/" if site_url else None,
                  publication=_publication(_table(raw, "publication", name), name),
                  cluster=_cluster(_table(raw, "cluster", name), name),
                  policy=_policy(_table(raw, "policy", name), name),
                  runtime=_runtime(_table(raw, "runtime", name), name))


_MAX_NAME = 200


def _publication(raw: dict, name: str) -> Publication:
    _only(raw, ("name", "bylines"), name, "publication.")
    names = _per_language(raw.get("name", {}), "publication.name", name)
    bylines_raw = raw.get("bylines", {})
    if not isinstance(bylines_raw, dict):
        raise ConfigError(f'{name}: publication.bylines: must be a table: {{ "Newsroom Staff" = {{ ru = "..." }} }}')
    bylines = {}
    for author, forms in bylines_raw.items():
        _check_text(author, f"publication.bylines key {author!r}", name)
        bylines[author] = _per_language(forms, f"publication.bylines.{author!r}", name)
    return Publication(names, bylines)


def _per_language(value: Any, where: str, name: str) -> dict[str, str]:
    """A string (the same in every edition) or a table of language key -> string."""
    if isinstance(value, str):
        _check_text(value, where, name)
        return {"en": value} if value else {}
    if not isinstance(value, dict):
        raise ConfigError(f'{name}: {where}: give a string or a table of language keys, e.g. {{ en = "...", prs = "..." }}')
    for key, text in value.items():
        if key not in ALL:
            raise ConfigError(f"{name}: {where}.{key}: unknown language key; use one of {', '.join(ALL)}")
        if not isinstance(text, str):
            raise ConfigError(f"{name}: {where}.{key}: must be a string")
        _check_text(text, f"{where}.{key}", name)
    return dict(value)


def _check_text(text: str, where: str, name: str) -> None:
    """Plain one-line text: it is printed on every page and in feeds (the
    article's own rule for unsafe characters, translate.util.untrusted, and
    no line break or tab)."""
    if len(text) > _MAX_NAME or untrusted.unsafe_in(text) or any(c in "\t\n\r\u2028\u2029" for c in text):
        raise ConfigError(f"{name}: {where}: one line of plain text of at most {_MAX_NAME} characters, "
                          "without control or bidi override characters")


def site_url_problem(value) -> str | None:
    """What is wrong with a site URL (translate.toml's site_url, publish
    --site-url, $TRANSLATE_SITE_URL), or None. It is printed into every feed
    and the pages' links: one http(s) address of a folder, with no space,
    line break or control character, and no user name or password."""
    if not isinstance(value, str) or not value:
        return "it must be text"
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in value):
        return "it must be one line without spaces, line breaks or control characters"
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        host = None
    if host is None or parts.scheme not in ("http", "https"):
        return "it must be an http(s) address (https://...)"
    if "@" in parts.netloc:
        return "it holds a user name or password (user:password@), which would be published in every feed"
    if parts.query or parts.fragment:
        return "it must be the address of a folder, without ? or #"
    return None


def _policy(table: dict, name: str) -> Policy:
    _only(table, ("licences", "quality_floor"), name, "policy.")
    licences = table.get("licences")
    if licences is not None:
        if not isinstance(licences, list) or not all(isinstance(x, str) and _LICENCE.match(x) for x in licences):
            raise ConfigError(f'{name}: policy.licences: give a list of SPDX licence ids, '
                              f'e.g. ["CC-BY-4.0", "Apache-2.0", "MIT"]')
        licences = tuple(licences)
    floor = table.get("quality_floor", DEFAULT_QUALITY_FLOOR)
    if isinstance(floor, bool) or not isinstance(floor, (int, float)) or not 0 <= floor <= 100:
        raise ConfigError(f"{name}: policy.quality_floor: give a chrF++ score from 0 to 100, e.g. 30")
    return Policy(licences, float(floor), Path(name).name)


def _runtime(table: dict, name: str) -> RuntimeSetting:
    _only(table, ("device", "compute_type", "inter_threads", "intra_threads"), name, "runtime.")
    device, compute_type = table.get("device"), table.get("compute_type")
    if device is not None and device not in DEVICES:
        raise ConfigError(f"{name}: runtime.device: use one of {', '.join(DEVICES)}")
    if compute_type is not None and (not isinstance(compute_type, str) or not _COMPUTE_TYPE.match(compute_type)):
        raise ConfigError(f'{name}: runtime.compute_type: give a CTranslate2 compute type, e.g. "int8" or "default"')
    threads = {}
    for key in ("inter_threads", "intra_threads"):
        value = table.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 256:
            raise ConfigError(f"{name}: runtime.{key}: give a whole number of threads, 0 to choose for this machine")
        threads[key] = value
    return RuntimeSetting(device, compute_type, **threads)


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
        raise ConfigError(f'{name}: {where}: give an installed model name or a family '
                          f'("nllb", "m2m", "marian" or "madlad")')
    return model


def _cluster(value: dict, name: str) -> ClusterSetting:
    _only(value, ("address", "actors", "actor_cpus"), name, "cluster.")
    address = value.get("address")
    if address is not None and (not isinstance(address, str) or not address.strip()
                                or any(c.isspace() or ord(c) < 32 for c in address)):
        raise ConfigError(f'{name}: cluster.address: give a Ray address ("ray://head.example.org:10001", "auto") '
                          'or "local"')
    numbers = {}
    for key in ("actors", "actor_cpus"):
        number = value.get(key)
        if number is not None and (not isinstance(number, int) or isinstance(number, bool) or number < 1):
            raise ConfigError(f"{name}: cluster.{key}: give a whole number of at least 1")
        numbers[key] = number
    return ClusterSetting(address, numbers["actors"], numbers["actor_cpus"] or 1)


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
