"""The multilingual engine: NLLB-200 and M2M-100 models converted to CTranslate2.

One model serves many languages; which one it writes is chosen by tokens:

* the source starts with the source language token and ends with </s>
  (NLLB: ``eng_Latn ▁Hello ▁world </s>``, as the current Hugging Face
  NllbTokenizer and CTranslate2's NLLB guide do it; M2M-100: ``__en__ ... </s>``);
* the target language token is forced as the first decoder token
  (``target_prefix=[["rus_Cyrl"]]``) and removed from the output.

Text is tokenised with the model's own SentencePiece model
(sentencepiece.bpe.model, shipped with both families); the project key →
model code mapping is in translate.project.languages. All segments of a document go to
CTranslate2 in one batched call, as in the Argos engine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from translate.project.languages import SOURCE, Language
from translate.translation.engines.base import EngineError, ModelInfo
from translate.translation.engines.ct2 import CT2Engine, DecodingOptions, SentencePieceCodec

TOKENIZER_FILE = "sentencepiece.bpe.model"
EOS = "</s>"
# Tokens that are markup for the model, never text: dropped from the output
# (with their alignment) before decoding. Language tokens are added per family.
_SPECIAL_TOKENS = frozenset({"<s>", "</s>", "<pad>", "<unk>", "<mask>"})


@dataclass(frozen=True)
class Family:
    """How one model family names languages."""

    name: str                        # "nllb" | "m2m"
    title: str                       # for people: "NLLB-200"
    code: Callable[[Language], str]  # project language -> the family's language code
    token: Callable[[str], str]      # language code -> vocabulary token
    is_token: Callable[[str], bool]  # is this vocabulary entry a language token?

    def language_token(self, lang: Language) -> str:
        return self.token(self.code(lang))


def _is_nllb_token(token: str) -> bool:
    # eng_Latn, rus_Cyrl, prs_Arab ...: three lower-case letters, _, a script name.
    code, _, script = token.partition("_")
    return len(code) == 3 and code.isascii() and code.islower() and len(script) == 4 \
        and script.isascii() and script.istitle()


def _is_m2m_token(token: str) -> bool:
    inner = token[2:-2]
    return token.startswith("__") and token.endswith("__") and 2 <= len(inner) <= 3 \
        and inner.isascii() and inner.isalpha() and inner.islower()


FAMILIES: dict[str, Family] = {
    "nllb": Family("nllb", "NLLB-200", lambda lang: lang.nllb_code, lambda code: code, _is_nllb_token),
    "m2m": Family("m2m", "M2M-100", lambda lang: lang.m2m_code, lambda code: f"__{code}__", _is_m2m_token),
}
# When several families could serve a language, the first installed one wins:
# NLLB-200 has a Dari model of its own (prs_Arab); M2M-100 only writes Iranian Persian.
FAMILY_PREFERENCE = ("nllb", "m2m")


def family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise EngineError(f"unknown model family {name!r}: use one of {', '.join(FAMILIES)}") from None


@dataclass(frozen=True)
class ModelFolder:
    """What the engine needs to know about an installed model folder."""

    path: Path
    family: str
    name: str
    version: str


class MultilingualEngine(CT2Engine):
    def __init__(self, model: ModelFolder, lang: Language, options: DecodingOptions | None = None):
        self.model = model
        self.lang = lang
        self.family = family(model.family)
        self.options = options or DecodingOptions()
        path = Path(model.path)
        self.model_dir = path
        tokenizer = path / TOKENIZER_FILE
        if not tokenizer.is_file():
            raise EngineError(
                f"model {model.name} in {path} has no {TOKENIZER_FILE}: copy it from the original "
                "Hugging Face model into the folder and add the model again"
            )
        self.codec = SentencePieceCodec(tokenizer)
        self.source_token = self.family.language_token(SOURCE)
        self.target_token = self.family.language_token(lang)
        # Converters write add_source_eos=false for both families (the
        # Hugging Face tokenizer adds </s> itself); honour a model that says otherwise
        # rather than sending </s> twice.
        self._source_suffix = [] if _model_config(path).get("add_source_eos") else [EOS]
        self.info = ModelInfo(
            engine="multilingual",
            name=model.name,
            version=model.version,
            path=str(path),
            extra={
                "family": model.family,
                "source_token": self.source_token,
                "target_token": self.target_token,
                "decoding": self.options.signature(),
            },
        )

    def source_prefix(self) -> list[str]:
        return [self.source_token]

    def source_suffix(self) -> list[str]:
        return self._source_suffix

    def target_prefix(self) -> list[str]:
        return [self.target_token]

    def is_markup(self, token: str) -> bool:
        # A weak model can emit a language token mid-sentence; SentencePiece
        # would decode it as " ⁇ ".
        return token in _SPECIAL_TOKENS or self.family.is_token(token)


def _model_config(path: Path) -> dict:
    try:
        data = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # loading the model reports a broken folder properly
    return data if isinstance(data, dict) else {}
