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

from translate.translation.engines.base import Alignment, Translation
from translate.translation.engines.ct2 import CT2Engine, batch_tokens_for
from translate.translation.glossary.model import Score

Encode = Callable[[str], list]          # text -> pieces (.token, .start, .end)
Decode = Callable[[Sequence[str]], tuple]   # tokens -> (text, pieces)


def _tokens(encode: Encode, text: str) -> list[str]:
    return [p.token for p in encode(text)]


# Tokens per score_batch batch: the output layer's log-probabilities are
# batch tokens x vocabulary floats, twice (1,024 tokens of a 32k vocabulary
# added 250 MB to the peak). Measured on the benchmark's 20 articles x 4
# languages in one run: 256 tokens peaked at 454 MB in 110 s, 128 at 344 MB in
# 122 s, 64 at 340 MB in 125 s (target: largest model + 300 MB = 396 MB).
SCORE_BATCH_TOKENS = 128

# Target tokens scored after the last one where a question's candidates
# differ: the words right after a term (its agreement) still count, the rest of
# the sentence is the same in every candidate and only cost decoder time.
WINDOW_AFTER_DIFFERENCE = 4
# Source tokens per translate_batch batch of forced re-decodes (a few sentences).
COMPLETE_BATCH_TOKENS = 1024


def score_pairs(translator, encode: Encode, sources: Sequence[str], targets: Sequence[str],
                source_prefix: Sequence[str] = (), source_suffix: Sequence[str] = (),
                target_prefix: Sequence[str] = (), encode_target: Encode | None = None) -> list[float]:
    """Mean log-probability of each target given its source (higher is better).
    ``encode_target`` tokenises the targets when the model has a target-side
    tokenizer of its own (Marian's target.spm); else ``encode`` does."""
    if len(sources) != len(targets):
        raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
    return _score_tokens(translator, encode, sources, [_tokens(encode_target or encode, t) for t in targets],
                         source_prefix, source_suffix, target_prefix)


def _score_tokens(translator, encode: Encode, sources: Sequence[str], targets: list[list[str]],
                  source_prefix: Sequence[str], source_suffix: Sequence[str],
                  target_prefix: Sequence[str], whole: Sequence[bool] | None = None) -> list[float]:
    """Mean log-probability of each token list; for a target that is not a
    ``whole`` sentence (cut by ``decisive``) the end-of-sentence token CTranslate2
    scores after it is left out: the sentence does not end there."""
    if not targets:
        return []
    pieces: dict[str, list[str]] = {}   # a source scored with many candidates is encoded once
    src = [[*source_prefix, *(pieces.get(s) or pieces.setdefault(s, _tokens(encode, s))), *source_suffix]
           for s in sources]
    tgt = [[*target_prefix, *t] for t in targets]
    results = translator.score_batch(src, tgt, offset=len(target_prefix), max_batch_size=SCORE_BATCH_TOKENS,
                                     batch_type="tokens")
    scores = []
    for k, result in enumerate(results):
        probs = list(result.log_probs)
        if whole is not None and not whole[k]:
            probs = probs[:-1]
        scores.append(sum(probs) / len(probs) if probs else float("-inf"))
    return scores


def decisive(candidates: list[list[str]], window: int = WINDOW_AFTER_DIFFERENCE) -> list[list[str]]:
    """Each candidate's tokens up to ``window`` tokens after the last one where
    the candidates differ (they share the rest of the sentence word for word).
    The decoder is causal, so every token kept is scored exactly as in the
    whole sentence; what is dropped is the shared tail, which costs a full
    decoder pass per candidate and says little about the term."""
    if len(candidates) < 2:
        return candidates
    shortest = min(map(len, candidates))
    common = 0
    while common < shortest and len({tuple(c[len(c) - 1 - common:len(c) - common]) for c in candidates}) == 1:
        common += 1
    keep = max(0, common - window)
    return [c[:len(c) - keep] for c in candidates]


def complete(translator, encode: Encode, decode: Decode, source: str, prefix: str,
             source_prefix: Sequence[str] = (), source_suffix: Sequence[str] = (),
             target_prefix: Sequence[str] = (), beam_size: int = 4,
             max_decoding_length: int | None = None, encode_target: Encode | None = None) -> Translation:
    """Translate ``source`` with the output forced to start with ``prefix``.

    Returns a Translation whose text starts with ``prefix`` exactly; its
    alignment covers the words the model added after it (from the
    cross-attention, each target piece paired with the source piece it attends
    to most)."""
    (result,) = complete_batch(translator, encode, decode, [(source, prefix, max_decoding_length)],
                               source_prefix, source_suffix, target_prefix, beam_size, encode_target=encode_target)
    return result


def complete_batch(translator, encode: Encode, decode: Decode,
                   requests: Sequence[tuple[str, str, int | None]],
                   source_prefix: Sequence[str] = (), source_suffix: Sequence[str] = (),
                   target_prefix: Sequence[str] = (), beam_size: int = 4,
                   encode_target: Encode | None = None, use_vmap: bool = False) -> list[Translation]:
    """``complete`` for many (source, prefix, new tokens at most) in one
    ``translate_batch`` call: one decoding step serves every sentence, where
    sentence by sentence each step cost a call's fixed latency; with several
    replicas (inter_threads) the call is cut into a batch per replica, which
    run at the same time. The bound on new tokens is per call in CTranslate2,
    so the largest one applies to all."""
    if not requests:
        return []
    source_pieces, batch, prefixes, limit = [], [], [], 0
    for source, prefix, new_tokens in requests:
        pieces = encode(source)
        forced = _tokens(encode_target or encode, prefix)
        if new_tokens is None:
            # as the engines bound a first translation (DecodingOptions): twice the
            # source and a margin, not a fixed 256 tokens a weak model fills
            new_tokens = 2 * len(pieces) + 16
        source_pieces.append(pieces)
        batch.append([*source_prefix, *(p.token for p in pieces), *source_suffix])
        prefixes.append([*target_prefix, *forced])
        limit = max(limit, new_tokens + len(forced))
    results = translator.translate_batch(
        batch, target_prefix=prefixes, return_attention=True, beam_size=beam_size,
        max_decoding_length=limit, replace_unknowns=True, batch_type="tokens", use_vmap=use_vmap,
        max_batch_size=batch_tokens_for(translator, [len(tokens) for tokens in batch], COMPLETE_BATCH_TOKENS))
    return [_completion(result, pieces, forced, prefix, decode, len(source_prefix))
            for result, pieces, forced, (_, prefix, _) in zip(results, source_pieces, prefixes, requests)]


def _completion(result, pieces, forced: list[str], prefix: str, decode: Decode, offset: int) -> Translation:
    """The Translation of one hypothesis forced to start with ``forced`` (the
    language token and ``prefix``'s pieces)."""
    tokens = list(result.hypotheses[0])
    attention = list(result.attention[0]) if result.attention else []
    skip = len(forced)
    # The hypothesis repeats the forced tokens; attention has a row per token
    # (sometimes without the prefix rows): the last rows belong to the new ones.
    rest = tokens[skip:] if tokens[:skip] == forced else []
    rest_attention = attention[len(attention) - len(rest):] if rest and len(attention) >= len(rest) else []
    rest_text, rest_pieces = decode(rest) if rest else ("", [])
    glue = " " if rest and rest[0].startswith("\u2581") and prefix and not prefix[-1].isspace() else ""
    text = prefix + glue + rest_text
    shift = len(prefix) + len(glue)
    pairs = []
    for piece, row in zip(rest_pieces, rest_attention):
        if piece.start >= piece.end or not len(row):
            continue
        best = max(range(len(row)), key=row.__getitem__) - offset
        if 0 <= best < len(pieces) and pieces[best].start < pieces[best].end:
            pairs.append(Alignment(pieces[best].start, pieces[best].end, piece.start + shift, piece.end + shift))
    return Translation(text, tuple(pairs))


def align(translator, encode: Encode, source: str, target: str, source_prefix: Sequence[str] = (),
          source_suffix: Sequence[str] = (), target_prefix: Sequence[str] = ()) -> Translation:
    """``target`` as a Translation of ``source`` with a word alignment read
    from the model's cross-attention while it is forced to write exactly
    ``target`` (translate glossary apply: a machine output pasted by an
    editor has no alignment of its own)."""
    pieces, wanted = encode(source), encode(target)
    forced = [*target_prefix, *(p.token for p in wanted)]
    (result,) = translator.translate_batch(
        [[*source_prefix, *(p.token for p in pieces), *source_suffix]], target_prefix=[forced],
        return_attention=True, beam_size=1, max_decoding_length=len(forced) + 1)
    attention = list(result.attention[0]) if result.attention else []
    rows = attention[len(target_prefix):len(target_prefix) + len(wanted)] if len(attention) >= len(forced) else []
    pairs = []
    for piece, row in zip(wanted, rows):
        if piece.start >= piece.end or not len(row):
            continue
        best = max(range(len(row)), key=row.__getitem__) - len(source_prefix)
        if 0 <= best < len(pieces) and pieces[best].start < pieces[best].end:
            pairs.append(Alignment(pieces[best].start, pieces[best].end, piece.start, piece.end))
    return Translation(target, tuple(pairs))


def rest_bound(encode: Encode, rest: str) -> int:
    """New tokens a re-decode needs at most: the words it may replace keep
    their number and change only endings (glossary.repair keeps nothing else),
    so their pieces plus one per word and two more (the next word's start, or
    the end of the sentence); decoding further only costs time."""
    return len(encode(rest)) + len(rest.split()) + 2


class TranslatorTermModel:
    """A glossary.TermModel backed by a CTranslate2 translator and its codec."""

    def __init__(self, translator, encode: Encode, decode: Decode, *, source_prefix: Sequence[str] = (),
                 source_suffix: Sequence[str] = (), target_prefix: Sequence[str] = (), beam_size: int = 4,
                 encode_target: Encode | None = None, use_vmap: bool = False):
        self.translator = translator
        self.encode, self.decode = encode, decode
        self.encode_target = encode_target or encode   # the target side's tokenizer (Marian's target.spm)
        self.use_vmap = use_vmap
        self.source_prefix, self.source_suffix = tuple(source_prefix), tuple(source_suffix)
        self.target_prefix = tuple(target_prefix)
        self.beam_size = beam_size

    def score(self, source_text: str, candidates: list[str]) -> list[float]:
        return self.score_many([Score(source_text, candidates)])[0]

    def score_many(self, questions) -> list[list[float]]:
        """glossary.model.Score questions, all candidates in one score_batch
        call; a ``local`` question's candidates cut ``WINDOW_AFTER_DIFFERENCE``
        tokens after the last token where they differ (``decisive``)."""
        sources = [q.source_text for q in questions for _ in q.candidates]
        targets, whole = [], []
        for q in questions:
            tokens = [_tokens(self.encode_target, c) for c in q.candidates]
            cut = decisive(tokens) if q.local else tokens
            targets += cut
            whole += [len(a) == len(b) for a, b in zip(cut, tokens)]
        flat = _score_tokens(self.translator, self.encode, sources, targets,
                             self.source_prefix, self.source_suffix, self.target_prefix, whole)
        answers, at = [], 0
        for q in questions:
            answers.append(flat[at:at + len(q.candidates)])
            at += len(q.candidates)
        return answers

    def align(self, source_text: str, target: str) -> Translation:
        """``target`` with the word alignment this model's attention gives it."""
        return align(self.translator, self.encode, source_text, target, self.source_prefix, self.source_suffix,
                     self.target_prefix)

    def complete(self, source_text: str, prefix: str) -> Translation:
        return complete(self.translator, self.encode, self.decode, source_text, prefix,
                        self.source_prefix, self.source_suffix, self.target_prefix, self.beam_size,
                        encode_target=self.encode_target)

    def complete_many(self, questions) -> list[Translation]:
        """glossary.model.Complete questions in one translate_batch call."""
        requests = [(q.source_text, q.prefix, rest_bound(self.encode_target, q.rest[:q.window]))
                    for q in questions]
        return complete_batch(self.translator, self.encode, self.decode, requests,
                              self.source_prefix, self.source_suffix, self.target_prefix, self.beam_size,
                              encode_target=self.encode_target, use_vmap=self.use_vmap)


class EngineTermModel(TranslatorTermModel):
    """The TermModel of a CTranslate2 engine (translate.translation.engines.ct2.CT2Engine):
    its codec and framing tokens, and its translator, loaded only when a
    repair first asks the model (a run whose segments all came from the
    translation memory loads it then, so the choice never depends on the memory)."""

    def __init__(self, engine):
        # Greedy re-decoding: the term is forced and a re-decode is only kept
        # when it changes word endings (agreement), so a beam buys nothing
        # here and cost a full beam search per repaired Russian term.
        super().__init__(None, engine.codec.encode, engine.output_codec.decode,
                         source_prefix=engine.source_prefix(), source_suffix=engine.source_suffix(),
                         target_prefix=engine.target_prefix(), beam_size=1,
                         encode_target=engine.output_codec.encode, use_vmap=engine.uses_vocabulary_map)
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

    engine = getattr(engine, "engine", engine)   # translate.translation.memory.CachedEngine wraps the real one
    return EngineTermModel(engine) if isinstance(engine, CT2Engine) else None
