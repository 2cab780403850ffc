"""The Argos engine: an installed Argos Translate package run through CTranslate2.

The package is found and described by argostranslate.package; the text is
tokenised with the package's own SentencePiece model; all segments of a
document go to CTranslate2 in one batched call. argostranslate.translate (which
imports stanza and torch and splits sentences itself) is never used: the
document reader has already split sentences.
"""

from __future__ import annotations

from pathlib import Path

from translate.translation.engines.base import EngineError, ModelInfo
from translate.translation.engines.ct2 import CT2Engine, DecodingOptions, SentencePieceCodec


class ArgosEngine(CT2Engine):
    def __init__(self, package, options: DecodingOptions | None = None):
        """``package`` is an argostranslate.package.Package (an installed folder)."""
        self.package = package
        self.options = options or DecodingOptions()
        path = Path(package.package_path)
        self.model_dir = path / "model"
        sp_model = path / "sentencepiece.model"
        if not sp_model.exists():
            raise EngineError(
                f"package {path.name} has no sentencepiece.model: only SentencePiece Argos "
                "packages are supported; install a newer package of this language pair"
            )
        self.codec = SentencePieceCodec(sp_model)
        self._target_prefix = [package.target_prefix] if getattr(package, "target_prefix", "") else []
        self.info = ModelInfo(
            engine="argos",
            name=f"{package.from_code}→{package.to_code} {getattr(package, 'package_version', '')}".strip(),
            version=str(getattr(package, "package_version", "")),
            path=str(path),
            extra={"argos_version": str(getattr(package, "argos_version", "")),
                   "decoding": self.options.signature()},
        )

    def target_prefix(self) -> list[str]:
        # Some multilingual Argos packages start the target with a language token.
        return self._target_prefix
