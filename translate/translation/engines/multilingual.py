"""The multilingual engine: models converted to CTranslate2 from Hugging Face
checkpoints, in four families that choose the target language differently:

* NLLB-200 and M2M-100: the source starts with the source language token and
  ends with </s> (NLLB: ``eng_Latn ▁Hello ▁world </s>``, as the current Hugging
  Face NllbTokenizer and CTranslate2's NLLB guide do it; M2M-100: ``__en__ ...
  </s>``); the target language token is forced as the first decoder token
  (``target_prefix=[["rus_Cyrl"]]``) and removed from the output. Tokenised
  with the model's sentencepiece.bpe.model.
* Marian (OPUS-MT, Tatoeba-Challenge): the source ends with </s>; a
  multi-target model (eng-zle, eng-ira...) takes the target as a token at the
  start of the source (``>>rus<< ▁Hello ▁world </s>``), a one-language model
  (eng-kaz) none. The source is tokenised with source.spm, the target with
  target.spm (one vocabulary).
* MADLAD-400 (T5): the source starts with ``<2kk>`` and ends with </s>;
  spiece.model for both sides.

The project key → code mapping is in translate.project.languages (a model's
own codes are recorded at install: translate.translation.models.multilingual). All
segments of a document go to CTranslate2 in one batched call, as in the Argos
engine.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from translate.project.languages import SOURCE, Language
from translate.translation.engines.base import EngineError, ModelInfo
from translate.translation.engines.ct2 import CT2Engine, DecodingOptions, SentencePieceCodec

TOKENIZER_FILE = "sentencepiece.bpe.model"   # NLLB-200 and M2M-100
EOS = "</s>"
# Tokens that are markup for the model, never text: dropped from the output
# (with their alignment) before decoding. Language tokens are added per family.
_SPECIAL_TOKENS = frozenset({"<s>", "</s>", "<pad>", "<unk>", "<mask>"})


@dataclass(frozen=True)
class Family:
    """How one model family names languages, tokenises and is steered."""

    name: str                          # "nllb" | "m2m" | "marian" | "madlad"
    title: str                         # for people: "NLLB-200"
    codes: Callable[[Language], tuple[str, ...]]  # a language's codes in the family, preferred first
    token: Callable[[str], str]        # language code -> vocabulary token
    is_token: Callable[[str], bool]    # is this vocabulary entry a language (or other markup) token?
    source_tokenizer: str = TOKENIZER_FILE
    target_tokenizer: str = TOKENIZER_FILE
    # "target": the language token is forced as the first target token and the
    # source starts with English's token (NLLB, M2M); "source": the source
    # starts with the target language's token (Marian multi-target, MADLAD).
    steers: str = "target"
    # Whether a model of the family serves every language it has a code for
    # (NLLB, M2M, MADLAD: a missing token means a broken vocabulary) or may
    # serve one or a few (Marian: eng-kaz, eng-zle).
    partial: bool = False
    # Hugging Face model_type of its checkpoints, for the converter.
    model_type: str = "m2m_100"

    def code(self, lang: Language) -> str:
        return self.codes(lang)[0]

    def language_token(self, lang: Language) -> str:
        return self.token(self.code(lang))

    @property
    def tokenizer_files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.source_tokenizer, self.target_tokenizer)))

    def recognise(self, folder: Path, vocabulary: set[str]) -> bool:
        """Whether a converted folder with this vocabulary is a model of the family."""
        if not all((folder / name).is_file() for name in self.tokenizer_files):
            return False
        # Marian models have no English token (English is never their target):
        # their two SentencePiece files tell them apart.
        return self.partial or self.token(self.code(SOURCE)) in vocabulary


def _is_nllb_token(token: str) -> bool:
    # eng_Latn, rus_Cyrl, prs_Arab ...: three lower-case letters, _, a script name.
    code, _, script = token.partition("_")
    return len(code) == 3 and code.isascii() and code.islower() and len(script) == 4 \
        and script.isascii() and script.istitle()


def _is_m2m_token(token: str) -> bool:
    inner = token[2:-2]
    return token.startswith("__") and token.endswith("__") and 2 <= len(inner) <= 3 \
        and inner.isascii() and inner.isalpha() and inner.islower()


_MARIAN_TOKEN = re.compile(r"^>>[a-z]{2,3}(_[A-Z][a-z]{3})?<<$")
_MADLAD_TOKEN = re.compile(r"^(<2[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,4})?>|<extra_id_\d+>)$")


FAMILIES: dict[str, Family] = {
    "nllb": Family("nllb", "NLLB-200", lambda lang: (lang.nllb_code,), lambda code: code, _is_nllb_token),
    "m2m": Family("m2m", "M2M-100", lambda lang: (lang.m2m_code,), lambda code: f"__{code}__", _is_m2m_token),
    "marian": Family("marian", "OPUS-MT", lambda lang: lang.marian_codes, lambda code: f">>{code}<<",
                     lambda token: bool(_MARIAN_TOKEN.match(token)), "source.spm", "target.spm",
                     steers="source", partial=True, model_type="marian"),
    "madlad": Family("madlad", "MADLAD-400", lambda lang: lang.madlad_codes, lambda code: f"<2{code}>",
                     lambda token: bool(_MADLAD_TOKEN.match(token)), "spiece.model", "spiece.model",
                     steers="source", model_type="t5"),
}
# When several families could serve a language, the first installed one wins:
# NLLB-200 has a Dari model of its own (prs_Arab); OPUS-MT and MADLAD-400 are
# what a publisher may use commercially (CC-BY 4.0, Apache-2.0); M2M-100 only
# writes Iranian Persian and scores lowest on Kazakh (docs/models.md).
FAMILY_PREFERENCE = ("nllb", "marian", "madlad", "m2m")


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
    # project key -> the vocabulary token that makes the model write that
    # language ("" for a one-language Marian model); None: the family's own.
    tokens: dict[str, str] | None = field(default=None)


class MultilingualEngine(CT2Engine):
    def __init__(self, model: ModelFolder, lang: Language, options: DecodingOptions | None = None):
        self.model = model
        self.lang = lang
        self.family = family(model.family)
        self.options = options or DecodingOptions()
        path = Path(model.path)
        self.model_dir = path
        for name in self.family.tokenizer_files:
            if not (path / name).is_file():
                raise EngineError(
                    f"model {model.name} in {path} has no {name}: copy it from the original "
                    "Hugging Face model into the folder and add the model again"
                )
        self.codec = SentencePieceCodec(path / self.family.source_tokenizer)
        self.target_codec = self.codec if self.family.target_tokenizer == self.family.source_tokenizer \
            else SentencePieceCodec(path / self.family.target_tokenizer)
        tokens = model.tokens if model.tokens is not None else {}
        # The token that makes the model write ``lang`` ("" for a one-language model).
        self.target_token = tokens.get(lang.key, self.family.language_token(lang))
        if self.family.steers == "target":
            self.source_token = self.family.language_token(SOURCE)
            self._source_prefix = [self.source_token]
            self._target_prefix = [self.target_token]
        else:
            self.source_token = ""
            self._source_prefix = [self.target_token] if self.target_token else []
            self._target_prefix = []
        # Converters write add_source_eos=false for every family (the
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
        return self._source_prefix

    def source_suffix(self) -> list[str]:
        return self._source_suffix

    def target_prefix(self) -> list[str]:
        return self._target_prefix

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
