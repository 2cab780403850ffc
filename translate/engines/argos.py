"""The Argos engine: an installed Argos Translate package run through CTranslate2.

The package is found and described by argostranslate.package; the text is
tokenised with the package's own SentencePiece model; all segments of a
document go to CTranslate2 in one batched call. argostranslate.translate (which
imports stanza and torch and splits sentences itself) is never used: the
document reader has already split sentences.
"""

from __future__ import annotations

from pathlib import Path

from translate.engines.base import EngineError, ModelInfo, Progress, Translation
from translate.engines.ct2 import (
    DecodingOptions,
    SentencePieceCodec,
    load_translator,
    to_translation,
    translate_pieces,
)


class ArgosEngine:
    def __init__(self, package, options: DecodingOptions | None = None):
        """``package`` is an argostranslate.package.Package (an installed folder)."""
        self.package = package
        self.options = options or DecodingOptions()
        path = Path(package.package_path)
        sp_model = path / "sentencepiece.model"
        if not sp_model.exists():
            raise EngineError(
                f"package {path.name} has no sentencepiece.model: only SentencePiece Argos "
                "packages are supported; install a newer package of this language pair"
            )
        self.codec = SentencePieceCodec(sp_model)
        self.target_prefix = [package.target_prefix] if getattr(package, "target_prefix", "") else []
        self.info = ModelInfo(
            engine="argos",
            name=f"{package.from_code}→{package.to_code} {getattr(package, 'package_version', '')}".strip(),
            version=str(getattr(package, "package_version", "")),
            path=str(path),
            extra={"argos_version": str(getattr(package, "argos_version", "")),
                   "decoding": self.options.signature()},
        )
        self._translator = None

    def translate(self, texts: list[str], progress: Progress | None = None) -> list[Translation]:
        if self._translator is None:
            self._translator = load_translator(Path(self.package.package_path) / "model", self.options)
        sources = [self.codec.encode(text) for text in texts]
        # Empty segments never reach the model.
        todo = [i for i, src in enumerate(sources) if src]
        outputs = translate_pieces(
            self._translator, [sources[i] for i in todo], self.options,
            target_prefix=self.target_prefix, progress=progress,
        )
        results = [Translation("") for _ in texts]
        for i, (tokens, aligned) in zip(todo, outputs):
            text, pieces = self.codec.decode(tokens)
            results[i] = to_translation(sources[i], text, pieces, aligned)
        if progress and len(todo) < len(texts):
            progress(len(texts) - len(todo))
        return results
