"""The engine interface: source segments in, target segments out.

An engine translates plain text (the pipeline has already taken inline markup
out) for one language pair. Along with each translation it returns a word
alignment when the model can give one, so that later stages (inline markup,
glossary) can tell which part of the target came from which part of the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

from translate.errors import UserError


@dataclass(frozen=True)
class Alignment:
    """One aligned pair: source characters [src_start, src_end) produced
    target characters [tgt_start, tgt_end). Offsets index the plain texts."""

    src_start: int
    src_end: int
    tgt_start: int
    tgt_end: int


@dataclass(frozen=True)
class Translation:
    text: str
    alignment: tuple[Alignment, ...] = ()


@dataclass(frozen=True)
class ModelInfo:
    """What produced a translation: recorded in the manifest."""

    engine: str          # "argos", "multilingual", ...
    name: str            # package or model name
    version: str
    path: str = ""
    extra: dict = field(default_factory=dict)
    # The model's licence (an SPDX id, "" when unknown): what may be published
    # with it. Not in ``extra``: it changes no translation (the memory's key).
    licence: str = ""


# Called with the number of segments finished since the last call.
Progress = Callable[[int], None]


class Engine(Protocol):
    info: ModelInfo

    def translate(self, texts: list[str], progress: Progress | None = None) -> list[Translation]:
        """Translate every text, in order; len(result) == len(texts)."""
        ...


class EngineError(UserError):
    """A model that cannot be loaded or used; the message says what to do."""
