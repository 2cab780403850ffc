"""Engines: which model translates which language, and loading it.

The project configuration (translate/config.py, translate.toml) says which
engine serves each language: Argos packages (ru by default) or a multilingual
CTranslate2 model (prs, ps, kk by default). A language that nothing installed
can serve raises NoModel with the command that would fix it.
"""

from __future__ import annotations

from pathlib import Path

from translate.engines.base import Engine, EngineError
from translate.engines.ct2 import DecodingOptions
from translate.languages import Language


class NoModel(EngineError):
    """No installed model serves a language; ``hint`` is the command that fixes it."""

    def __init__(self, lang: Language, reason: str, hint: str):
        super().__init__(f"{lang.english_name} ({lang.key}): {reason}")
        self.lang = lang
        self.reason = reason
        self.hint = hint


def choose_engine(lang: Language, models_dir: str | Path | None = None, *, config=None,
                  multilingual_dir: str | Path | None = None):
    """The configuration's EngineChoice for ``lang`` (engine, model, whether the
    Dari adaptation runs), or NoModel."""
    from translate import config as project_config

    cfg = config if config is not None else project_config.load()
    return project_config.resolve(lang, cfg, models_dir, multilingual_dir)


def load_engine(lang: Language, models_dir: str | Path | None = None,
                options: DecodingOptions | None = None, *, config=None,
                multilingual_dir: str | Path | None = None) -> Engine:
    """The engine that translates English into ``lang``, or NoModel."""
    from translate import config as project_config

    choice = choose_engine(lang, models_dir, config=config, multilingual_dir=multilingual_dir)
    return project_config.build_engine(choice, options)
