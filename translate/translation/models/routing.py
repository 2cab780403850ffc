"""Which engine and which installed model translate each project language.

The configuration (translate.project.config) says which engine serves a language and,
optionally, which model; the stores (STORES) say what is installed. ``resolve``
puts the two together into an EngineChoice, or raises NoModel with the reason
and the command that fixes it; ``build_engine`` loads the engine a choice
names. This module depends on the configuration, the stores and the engines;
none of them depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from translate.project import config as project_config
from translate.project.config import DEFAULT_LANGUAGES, Config, LanguageSetting, Policy
from translate.project.languages import TARGETS, Language
from translate.translation import adaptation
from translate.translation.engines.argos import ArgosEngine
from translate.translation.engines.base import Engine, EngineError
from translate.translation.engines.ct2 import DecodingOptions
from translate.translation.engines.multilingual import FAMILIES, FAMILY_PREFERENCE, MultilingualEngine
from translate.translation.models.argos import ArgosStore, install_hint
from translate.translation.models import quality
from translate.translation.models.multilingual import KNOWN_MODELS, MultilingualStore
from translate.translation.models.store import Installed, ModelStore

# The stores, by the engine that runs their models.
STORES: dict[str, type] = {"argos": ArgosStore, "multilingual": MultilingualStore}


def open_stores(argos_dir: str | Path | None = None,
                multilingual_dir: str | Path | None = None) -> dict[str, ModelStore]:
    """Both stores, in STORES order, at the given folders (else their defaults)."""
    folders = {"argos": argos_dir, "multilingual": multilingual_dir}
    return {kind: cls(folders[kind]) for kind, cls in STORES.items()}


class NoModel(EngineError):
    """No installed model serves a language; ``hint`` is the command that fixes it."""

    def __init__(self, lang: Language, reason: str, hint: str):
        super().__init__(f"{lang.english_name} ({lang.key}): {reason}", hint)
        self.lang = lang
        self.reason = reason


class LicenceRefused(NoModel):
    """The model that would serve a language has a licence the project's
    [policy] licences do not allow: that language is not translated."""


@dataclass(frozen=True)
class EngineChoice:
    """What would translate one language: engine, model, and where it is."""

    lang: Language
    engine: str             # "argos" | "multilingual"
    model: str              # package or model name, as `translate models list` shows it
    version: str
    path: Path
    target_code: str        # the language code the model writes (fa, prs_Arab, ...)
    origin: str             # where the setting came from
    family: str | None = None
    installed: Installed | None = None
    licence: str = ""       # the model's licence ("" when it says none)
    known: quality.Published | None = None   # its published FLORES-200 chrF++ for this language

    @property
    def adapted(self) -> bool:
        """Whether the Afghan Dari adaptation runs after this engine."""
        return adaptation.needed(self)

    def weak(self, floor: float) -> str | None:
        """A warning when the model's published score for the language is
        below ``floor`` ([policy] quality_floor), else None."""
        if self.known is None or self.known.chrf >= floor:
            return None
        better = quality.best(self.lang.key)
        instead = f"; {better.model} scores {better.chrf:.1f}" if better is not None else ""
        return (f"{self.lang.english_name} ({self.lang.key}) is translated by {self.model}, whose published "
                f"FLORES-200 devtest chrF++ for it is {self.known.chrf:.1f}, below the floor of {floor:g}"
                f"{instead} (translate models list --quality; docs/models.md): have every edition reviewed, "
                f"or install a stronger model and route {self.lang.key} to it in translate.toml")


def resolve(lang: Language, config: Config, argos_dir: str | Path | None = None,
            multilingual_dir: str | Path | None = None) -> EngineChoice:
    """The engine choice for ``lang``, or NoModel with the reason and the
    command that fixes it."""
    setting = config.languages.get(lang.key) or DEFAULT_LANGUAGES[lang.key]
    if setting.engine == "argos":
        choice = _resolve_argos(lang, setting, ArgosStore(argos_dir))
    else:
        choice = _resolve_multilingual(lang, setting, config, MultilingualStore(multilingual_dir))
    _check_licence(choice, setting, config.policy)
    return choice


def _check_licence(choice: EngineChoice, setting: LanguageSetting, policy: Policy) -> None:
    """LicenceRefused when [policy] licences does not allow the chosen model's licence."""
    if policy.allows(choice.licence):
        return
    allowed = ", ".join(policy.licences or ())
    if choice.licence:
        what = f"model {choice.model} is licensed {choice.licence}"
        fix = f"add {choice.licence} to [policy] licences if your use is allowed"
    else:
        what = f"model {choice.model} states no licence"
        fix = ("record its licence with `translate models add PATH --licence ID` if you know it" if choice.installed
               is not None else "record its licence")
    raise LicenceRefused(
        choice.lang, f"{what}, which [policy] licences in {policy.origin} does not allow ({allowed})" + _set_by(setting),
        f"install a model under an allowed licence and route {choice.lang.key} to it in translate.toml "
        f"(docs/models.md lists each model's licence), or {fix}")


def plan(config: Config, argos_dir: str | Path | None = None, multilingual_dir: str | Path | None = None,
         langs: Iterable[Language] | None = None) -> dict[str, EngineChoice | NoModel]:
    """For `translate models list`: per language, the choice or why there is none."""
    result: dict[str, EngineChoice | NoModel] = {}
    for lang in langs if langs is not None else TARGETS.values():
        try:
            result[lang.key] = resolve(lang, config, argos_dir, multilingual_dir)
        except NoModel as missing:
            result[lang.key] = missing
    return result


def build_engine(choice: EngineChoice, options: DecodingOptions | None = None) -> Engine:
    """Load the engine a choice names (the model itself loads on first use);
    its ModelInfo carries the model's licence."""
    if choice.engine == "argos":
        engine = ArgosEngine(choice.installed.argos_package(), options)
    else:
        engine = MultilingualEngine(choice.installed.folder(), choice.lang, options)
    extra = {**engine.info.extra, "vocabulary_map": True} if engine.uses_vocabulary_map else engine.info.extra
    engine.info = replace(engine.info, licence=choice.licence, extra=extra)
    return engine


def choose_engine(lang: Language, models_dir: str | Path | None = None, *, config: Config | None = None,
                  multilingual_dir: str | Path | None = None) -> EngineChoice:
    """The configuration's EngineChoice for ``lang`` (engine, model, whether the
    Dari adaptation runs), or NoModel. Without ``config``, translate.toml."""
    cfg = config if config is not None else project_config.load()
    return resolve(lang, cfg, models_dir, multilingual_dir)


def load_engine(lang: Language, models_dir: str | Path | None = None,
                options: DecodingOptions | None = None, *, config: Config | None = None,
                multilingual_dir: str | Path | None = None) -> Engine:
    """The engine that translates English into ``lang``, or NoModel."""
    choice = choose_engine(lang, models_dir, config=config, multilingual_dir=multilingual_dir)
    return build_engine(choice, options)


def _resolve_argos(lang: Language, setting: LanguageSetting, store: ArgosStore) -> EngineChoice:
    code = setting.model or lang.argos_code or lang.key
    package = store.find(lang.key, code)
    if package is None:
        hint = install_hint(code) if setting.model else install_hint(lang.key)
        reason = f"no Argos en→{code} package installed in {store.folder}"
        if lang.key == "prs" and code != "fa":
            reason += ' (for an en→fa package with the Afghan Dari adaptation set model = "fa")'
        raise NoModel(lang, reason + _set_by(setting), hint)
    return EngineChoice(lang, "argos", package.name, package.version, package.path, code, setting.origin,
                        installed=package, licence=package.licence)


def _resolve_multilingual(lang: Language, setting: LanguageSetting, config: Config,
                          store: MultilingualStore) -> EngineChoice:
    model = store.find(lang.key, setting.model, allowed=config.policy.allows)
    if model is None:
        codes = " or ".join(FAMILIES[f].language_token(lang) for f in FAMILY_PREFERENCE)
        named = store.get(setting.model) if setting.model and setting.model not in FAMILIES else None
        if named is not None:
            reason = f"model {named.name} has no {FAMILIES[named.family].language_token(lang)} token"
        elif setting.model in FAMILIES:
            reason = f"no {FAMILIES[setting.model].title} model with {FAMILIES[setting.model].language_token(lang)} " \
                     f"installed in {store.folder}"
        elif setting.model:
            reason = f"model {setting.model} is not installed in {store.folder}"
        else:
            reason = f"no multilingual model with {codes} installed in {store.folder}"
        hint = _multilingual_hint(setting.model, config)
        if "translate models add" in hint:
            reason += " (NLLB-200, OPUS-MT, MADLAD-400 or M2M-100: see docs/models.md)"
        raise NoModel(lang, reason + _set_by(setting), hint)
    return EngineChoice(lang, "multilingual", model.name, model.version, model.path, model.codes[lang.key],
                        setting.origin, family=model.family, installed=model, licence=model.licence,
                        known=quality.published(model.name, model.source, lang.key))


def _multilingual_hint(wanted: str | None, config: Config) -> str:
    downloadable = [name for name in config.downloads
                    if not wanted or name == wanted
                    or (wanted in FAMILIES and name in KNOWN_MODELS and KNOWN_MODELS[name].family == wanted)]
    if downloadable:
        return f"translate models install {downloadable[0]}"
    # One command with internet access (Hugging Face Hub, converted here);
    # a model converted elsewhere is added from its folder.
    family = wanted if wanted in FAMILIES else "nllb"
    hub = next(m.source for m in KNOWN_MODELS.values() if m.family == family)
    return f"translate models install {hub}, or for a converted model: translate models add FOLDER"


def _set_by(setting: LanguageSetting) -> str:
    return "" if setting.origin == "default" else f" (set in {setting.origin})"
