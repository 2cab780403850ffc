"""What the repair asks of a translation model.

CTranslate2 has no lexical constraints, so the glossary repairs the model's
output afterwards; the model still decides how the term fits the sentence.
``translate.engines.scoring.TranslatorTermModel`` implements this protocol
with the same CTranslate2 model that translated the sentence; tests use
deterministic ones.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from translate.engines.base import Translation


@runtime_checkable
class TermModel(Protocol):
    def score(self, source_text: str, candidates: list[str]) -> list[float]:
        """How likely each candidate translation of ``source_text`` is
        (higher is better; CTranslate2: mean log-probability per token)."""
        ...

    def complete(self, source_text: str, prefix: str) -> Translation:
        """Re-decode the rest of the sentence with ``prefix`` forced: the
        returned Translation starts with ``prefix`` and carries an alignment."""
        ...
