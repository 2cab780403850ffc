"""Scoring and forced re-decoding with a CTranslate2 model: what the glossary
repair asks of the model that translated the sentence (glossary.TermModel).

Plain functions over primitives — a ``ctranslate2.Translator``, an ``encode``
that turns text into pieces with character offsets (``SentencePieceCodec.encode``)
and a ``decode`` that turns tokens back into text and pieces
(``SentencePieceCodec.decode``), and the special tokens the model wants around
a sentence — so they serve any engine that has those, Argos or NLLB/M2M.

``score_pairs`` uses ``Translator.score_batch``: the mean log-probability of
the target tokens given the source (the target prefix, such as NLLB's
language token, is not counted, so candidates of different lengths compare
fairly). ``complete`` uses ``translate_batch`` with ``target_prefix`` set to the
language token plus the pieces of the text to keep, and ``return_attention``
for the alignment of the words it adds.
"""

from __future__ import annotations

from typing import Callable, Sequence

from translate.engines.base import Alignment, Translation

Encode = Callable[[str], list]          # text -> pieces (.token, .start, .end)
Decode = Callable[[Sequence[str]], tuple]   # tokens -> (text, pieces)


def _tokens(encode: Encode, text: str) -> list[str]:
    return [p.token for p in encode(text)]


def score_pairs(translator, encode: Encode, sources: Sequence[str], targets: Sequence[str],
                source_prefix: Sequence[str] = (), source_suffix: Sequence[str] = (),
                target_prefix: Sequence[str] = ()) -> list[float]:
    """Mean log-probability of each target given its source (higher is better)."""
    if len(sources) != len(targets):
        raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
    if not targets:
        return []
    src = [[*source_prefix, *_tokens(encode, s), *source_suffix] for s in sources]
    tgt = [[*target_prefix, *_tokens(encode, t)] for t in targets]
    # Batches of bounded size: a term with many generated forms must not make
    # one batch of all of them (memory grew by hundreds of MB for Kazakh).
    results = translator.score_batch(src, tgt, offset=len(target_prefix), max_batch_size=1024, batch_type="tokens")
    scores = []
    for result in results:
        probs = list(result.log_probs)
        scores.append(sum(probs) / len(probs) if probs else float("-inf"))
    return scores


def complete(translator, encode: Encode, decode: Decode, source: str, prefix: str,
             source_prefix: Sequence[str] = (), source_suffix: Sequence[str] = (),
             target_prefix: Sequence[str] = (), beam_size: int = 4,
             max_decoding_length: int | None = None) -> Translation:
    """Translate ``source`` with the output forced to start with ``prefix``.

    Returns a Translation whose text starts with ``prefix`` exactly; its
    alignment covers the words the model added after it (from the
    cross-attention, each target piece paired with the source piece it attends
    to most)."""
    pieces = encode(source)
    forced = _tokens(encode, prefix)
    if max_decoding_length is None:
        # as the engines bound a first translation (DecodingOptions): twice the
        # source and a margin, not a fixed 256 tokens a weak model fills
        max_decoding_length = 2 * len(pieces) + 16
    src = [*source_prefix, *(p.token for p in pieces), *source_suffix]
    (result,) = translator.translate_batch(
        [src], target_prefix=[[*target_prefix, *forced]], return_attention=True,
        beam_size=beam_size, max_decoding_length=max_decoding_length + len(forced), replace_unknowns=True)
    tokens = list(result.hypotheses[0])
    attention = list(result.attention[0]) if result.attention else []
    skip = len(target_prefix) + len(forced)
    # The hypothesis repeats the forced tokens; attention has a row per token
    # (sometimes without the prefix rows): the last rows belong to the new ones.
    rest = tokens[skip:] if tokens[:skip] == [*target_prefix, *forced] else []
    rest_attention = attention[len(attention) - len(rest):] if rest and len(attention) >= len(rest) else []
    rest_text, rest_pieces = decode(rest) if rest else ("", [])
    glue = " " if rest and rest[0].startswith("\u2581") and prefix and not prefix[-1].isspace() else ""
    text = prefix + glue + rest_text
    shift = len(prefix) + len(glue)
    offset = len(source_prefix)
    pairs = []
    for piece, row in zip(rest_pieces, rest_attention):
        if piece.start >= piece.end or not len(row):
            continue
        best = max(range(len(row)), key=row.__getitem__) - offset
        if 0 <= best < len(pieces) and pieces[best].start < pieces[best].end:
            pairs.append(Alignment(pieces[best].start, pieces[best].end, piece.start + shift, piece.end + shift))
    return Translation(text, tuple(pairs))


class TranslatorTermModel:
    """A glossary.TermModel backed by a CTranslate2 translator and its codec."""

    def __init__(self, translator, encode: Encode, decode: Decode, *, source_prefix: Sequence[str] = (),
                 source_suffix: Sequence[str] = (), target_prefix: Sequence[str] = (), beam_size: int = 4):
        self.translator = translator
        self.encode, self.decode = encode, decode
        self.source_prefix, self.source_suffix = tuple(source_prefix), tuple(source_suffix)
        self.target_prefix = tuple(target_prefix)
        self.beam_size = beam_size

    def score(self, source_text: str, candidates: list[str]) -> list[float]:
        return score_pairs(self.translator, self.encode, [source_text] * len(candidates), candidates,
                           self.source_prefix, self.source_suffix, self.target_prefix)

    def complete(self, source_text: str, prefix: str) -> Translation:
        return complete(self.translator, self.encode, self.decode, source_text, prefix,
                        self.source_prefix, self.source_suffix, self.target_prefix, self.beam_size)


class EngineTermModel(TranslatorTermModel):
    """The TermModel of a CTranslate2 engine (translate.engines.ct2.CT2Engine):
    its codec and framing tokens, and its translator, loaded only when a
    repair first asks the model (a run whose segments all came from the
    translation memory loads it then, so the choice never depends on the memory)."""

    def __init__(self, engine):
        # Greedy re-decoding: the term is forced and a re-decode is only kept
        # when it changes word endings (agreement), so a beam buys nothing
        # here and cost a full beam search per repaired Russian term.
        super().__init__(None, engine.codec.encode, engine.codec.decode,
                         source_prefix=engine.source_prefix(), source_suffix=engine.source_suffix(),
                         target_prefix=engine.target_prefix(), beam_size=1)
        self._engine = engine

    @property
    def translator(self):
        return self._engine.translator()

    @translator.setter
    def translator(self, value):
        pass  # always the engine's own


def term_model_for(engine) -> TranslatorTermModel | None:
    """The TermModel of an engine that runs a CTranslate2 model (Argos or
    multilingual; through the translation memory's wrapper too), or None for
    any other engine (test engines, replays)."""
    from translate.engines.ct2 import CT2Engine

    engine = getattr(engine, "engine", engine)   # translate.memory.CachedEngine wraps the real one
    return EngineTermModel(engine) if isinstance(engine, CT2Engine) else None
