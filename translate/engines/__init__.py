"""Engines: which model translates which language, and loading it.

For now every language is served by an installed Argos package en→<code>
(see translate.languages); languages without one raise NoModel with the
command that would fix it.
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


def load_engine(lang: Language, models_dir: str | Path | None = None,
                options: DecodingOptions | None = None) -> Engine:
    """The engine that translates English into ``lang``, or NoModel."""
    from translate import models
    from translate.engines.argos import ArgosEngine

    folder = models.models_dir(models_dir)
    package = models.find_package(folder, "en", lang.argos_code) if lang.argos_code else None
    if package is None:
        raise NoModel(lang, f"no en→{lang.argos_code} package installed in {folder}",
                      models.install_hint(lang.key))
    return ArgosEngine(package.argos_package(), options)
