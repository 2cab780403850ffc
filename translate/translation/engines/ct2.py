"""What every CTranslate2-based engine shares: batching, decoding options,
SentencePiece tokenisation with character offsets, word alignment from the
model's attention, and scoring. ``CT2Engine`` does all of it; an engine
(Argos, multilingual) only says which tokens go before and after a source
sentence, which token starts a target, and which output tokens are markup.

ctranslate2 and sentencepiece are imported inside functions so that
`translate --help` never pays for them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from translate.translation.engines.base import Alignment, EngineError, ModelInfo, Progress, Translation
from translate.translation.engines.runtime import Runtime
from translate.util import heavy

_CONTROL_BYTE = re.compile(r"<0x(?:0[0-8BCEF]|1[0-9A-F]|7F)>")


@dataclass(frozen=True)
class DecodingOptions:
    beam_size: int = 4
    # Batches are built by token count (batch_type="tokens"), so one long
    # sentence does not force every batch to its padding width.
    max_batch_tokens: int = 4096
    # Output length bound: a multiple of the longest input plus a margin, so a
    # degenerate model cannot decode for ever.
    length_ratio: float = 2.0
    length_margin: int = 16
    max_length_cap: int = 1024
    # Longest input sent to the model at once, in pieces. CTranslate2 cuts
    # an input after 1024 tokens without a word, and the models are trained on
    # sentences: a longer segment (a run-on sentence, text that falls back to
    # byte pieces) is translated in chunks cut where a word starts, and the
    # outputs are joined, so that no text is lost.
    max_input_tokens: int = 256
    # Device, compute type and threads (translate.translation.engines.runtime):
    # they change how fast a model runs, not what it writes, so they are not
    # in the signature.
    runtime: Runtime = Runtime()

    def max_decoding_length(self, longest_input: int) -> int:
        return min(self.max_length_cap, int(longest_input * self.length_ratio) + self.length_margin)

    def signature(self) -> dict:
        """Everything here that can change a translation (for the manifest)."""
        return {"beam_size": self.beam_size, "length_ratio": self.length_ratio,
                "length_margin": self.length_margin, "max_length_cap": self.max_length_cap,
                "max_input_tokens": self.max_input_tokens}


@dataclass(frozen=True)
class Piece:
    token: str
    start: int  # character offsets into the text
    end: int


class SentencePieceCodec:
    """A SentencePiece model that also reports where each piece came from."""

    def __init__(self, model_file: Path):
        try:
            self.processor = heavy.sentencepiece().SentencePieceProcessor(model_file=str(model_file))
        except (OSError, RuntimeError) as err:
            raise EngineError(f"cannot load tokenizer {model_file}: {err}") from None

    def encode(self, text: str) -> list[Piece]:
        proto = self.processor.encode(text, out_type="proto")
        return _pieces(text, proto)

    def decode(self, tokens: Sequence[str]) -> tuple[str, list[Piece]]:
        ids = [self.processor.piece_to_id(t) for t in tokens]
        proto = self.processor.decode(ids, out_type="proto")
        return proto.text, _pieces(proto.text, proto)


def _pieces(text: str, proto) -> list[Piece]:
    # SentencePiece offsets are in UTF-8 bytes; the pipeline counts characters.
    char_at = []
    for index, ch in enumerate(text):
        char_at.extend([index] * len(ch.encode("utf-8")))
    char_at.append(len(text))
    pieces = []
    for p in proto.pieces:
        start, end = char_at[min(p.begin, len(char_at) - 1)], char_at[min(p.end, len(char_at) - 1)]
        # the surface of "▁word" includes the space before it: point at the word
        while start < end and text[start].isspace():
            start += 1
        pieces.append(Piece(p.piece, start, end))
    return pieces


def load_translator(model_dir: Path, options: DecodingOptions):
    """The model in ``model_dir`` on the run's device, compute type and threads."""
    try:
        return heavy.ctranslate2().Translator(str(model_dir), **options.runtime.translator_arguments())
    except (RuntimeError, ValueError, OSError) as err:
        raise EngineError(
            f"cannot load the CTranslate2 model in {model_dir}: {str(err).splitlines()[0]}; "
            "reinstall it (translate models verify shows which packages are broken)"
        ) from None


# The vocabulary map a model converted with ``--vocab_mapping`` carries:
# decoding then only scores the target tokens the map links to the source's
# words, instead of the whole vocabulary at every step.
VOCABULARY_MAP = "vmap.txt"


def has_vocabulary_map(model_dir: Path) -> bool:
    return (Path(model_dir) / VOCABULARY_MAP).is_file()


def batch_tokens_for(translator, lengths: Sequence[int], limit: int) -> int:
    """Tokens per batch for one call: at most ``limit``, and few enough that
    the call makes a batch for each of the translator's replicas
    (``inter_threads``), which CTranslate2 then runs at the same time."""
    return batch_tokens_per_replica(max(1, int(getattr(translator, "num_translators", 1) or 1)), lengths, limit)


def batch_tokens_per_replica(replicas: int, lengths: Sequence[int], limit: int) -> int:
    """batch_tokens_for a translator of ``replicas`` replicas."""
    total = sum(lengths)
    if replicas == 1 or not lengths:
        return limit
    # A batch holds whole sentences: never below the longest one.
    return max(max(lengths), min(limit, -(-total // replicas)))


def chunk_bounds(source: list[Piece], limit: int) -> list[tuple[int, int]]:
    """[start, end) ranges of ``source`` of at most ``limit`` pieces, each
    cut before a piece that starts a word ("\u2581...") when the second half
    of the range has one."""
    bounds = []
    start = 0
    while len(source) - start > limit:
        cut = start + limit
        cut = next((i for i in range(cut, start + limit // 2, -1) if source[i].token.startswith("\u2581")), cut)
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(source)))
    return bounds


def _examples(sources: list[list[Piece]], options: DecodingOptions, source_prefix: Sequence[str],
              source_suffix: Sequence[str]) -> tuple[list[tuple[int, int, int]], list[list[str]]]:
    """What CTranslate2 is given for ``sources``: per example (sentence
    index, offset of the chunk's first piece, number of pieces), and its tokens."""
    plan = [(i, start, end - start) for i, src in enumerate(sources)
            for start, end in chunk_bounds(src, max(1, options.max_input_tokens))]
    batch = [[*source_prefix, *(p.token for p in sources[i][start:start + n]), *source_suffix]
             for i, start, n in plan]
    return plan, batch


def read_ahead_starts(lengths: Sequence[int], max_batch_tokens: int) -> list[int]:
    """Where each group of examples starts that ``translate_iterable`` (batch
    type "tokens") reads and decodes on its own: it reads 16 batches' worth of
    tokens at a time, sorts them by length and cuts its batches from those
    alone (ctranslate2.extensions._batch_iterator; tests compare the two). A
    run of whole groups decoded by itself is decoded in exactly the same
    batches, and so to the same output, as within the whole call."""
    read = max_batch_tokens * 16 if max_batch_tokens > 1 else max_batch_tokens
    starts, size, widest = [0] if lengths else [], 0, 0
    for index, length in enumerate(lengths):
        widest = max(widest, length)
        if size and (size + 1) * widest > read:
            starts.append(index)
            size, widest = 0, length
        size += 1
    return starts


def translate_pieces(
    translator,
    sources: list[list[Piece]],
    options: DecodingOptions,
    *,
    source_prefix: Sequence[str] = (),
    source_suffix: Sequence[str] = (),
    target_prefix: Sequence[str] = (),
    forced: Sequence[Sequence[str]] | None = None,
    progress: Progress | None = None,
    longest_input: int = 0,
    use_vmap: bool = False,
    batch_tokens: int = 0,
) -> list[tuple[list[str], list[int | None]]]:
    """Translate tokenised sentences in one batched CTranslate2 call.

    Returns, per sentence, the target tokens (target prefix removed) and for
    each target token the index of the source piece it attends to most
    (None when that is a special token such as </s> or a language code).
    A sentence longer than ``options.max_input_tokens`` goes in chunks (see
    DecodingOptions) whose outputs are joined. ``forced`` gives, per
    sentence, target tokens its translation must start with (after
    ``target_prefix``); they stay in the output. ``longest_input``: the
    output length bound is computed for at least that many input tokens (a
    part of a larger call, decoded on its own, keeps that call's bound).
    Batches are cut so that each of the translator's replicas gets one
    (batch_tokens_for; ``batch_tokens``, when given, is the batch size of the
    larger call a part belongs to), and ``use_vmap`` decodes through the
    model's vocabulary map.
    """
    if not sources:
        return []
    plan, batch = _examples(sources, options, source_prefix, source_suffix)
    prefixes = [[*target_prefix, *(forced[i] if forced is not None and start == 0 else ())]
                for i, start, _ in plan]
    longest = max(longest_input, *(len(tokens) for tokens in batch))
    # A forced prefix is output the model does not have to find: room for it on top.
    forced_room = max((len(p) - len(target_prefix) for p in prefixes), default=0)
    kwargs = dict(
        max_batch_size=batch_tokens or batch_tokens_for(translator, [len(tokens) for tokens in batch],
                                                        options.max_batch_tokens),
        batch_type="tokens",
        use_vmap=use_vmap,
        beam_size=options.beam_size,
        max_decoding_length=options.max_decoding_length(longest) + forced_room,
        return_attention=True,
        replace_unknowns=True,
    )
    if any(prefixes):
        kwargs["target_prefix"] = prefixes
    results: list[tuple[list[str], list[int | None]]] = [([], []) for _ in sources]
    # translate_iterable is one batched call that yields results in order as
    # batches finish, which is what lets us report progress.
    for done, result in enumerate(translator.translate_iterable(iter(batch), **kwargs)):
        sentence, first_piece, n_src = plan[done]
        tokens = list(result.hypotheses[0])
        attention = list(result.attention[0]) if result.attention else []
        skip = len(target_prefix) if tokens[: len(target_prefix)] == list(target_prefix) else 0
        tokens = tokens[skip:]
        if len(attention) > len(tokens):
            attention = attention[len(attention) - len(tokens):]
        offset = len(source_prefix)
        aligned: list[int | None] = []
        for row in attention:
            best = max(range(len(row)), key=row.__getitem__) - offset if len(row) else -1
            aligned.append(first_piece + best if 0 <= best < n_src else None)
        aligned.extend([None] * (len(tokens) - len(aligned)))
        # A byte-fallback piece for a control character (<0x03>) is never
        # meant as text: drop it rather than publish an invisible character.
        kept = [i for i, tok in enumerate(tokens) if not _CONTROL_BYTE.fullmatch(tok)]
        results[sentence][0].extend(tokens[i] for i in kept)
        results[sentence][1].extend(aligned[i] for i in kept)
        if progress and (done + 1 == len(plan) or plan[done + 1][0] != sentence):
            progress(1)
    return results


def to_translation(
    source: list[Piece], target_text: str, target_pieces: list[Piece], aligned: list[int | None]
) -> Translation:
    """A Translation whose alignment pairs each target piece with its source piece."""
    pairs = []
    for piece, src_index in zip(target_pieces, aligned):
        if src_index is None or piece.start >= piece.end:
            continue
        src = source[src_index]
        if src.start >= src.end:
            continue
        pairs.append(Alignment(src.start, src.end, piece.start, piece.end))
    return Translation(target_text, tuple(pairs))


class CT2Engine:
    """A CTranslate2 model with a SentencePiece codec: tokenise, batch,
    detokenise, align, score. Subclasses set ``codec``, ``options``, ``info``
    and ``model_dir`` (and ``target_codec`` when the target side has its own
    SentencePiece model, as Marian's target.spm) and may override the four
    token hooks below."""

    codec: SentencePieceCodec
    target_codec: SentencePieceCodec | None = None
    options: DecodingOptions
    info: ModelInfo
    model_dir: Path
    _translator = None

    @property
    def output_codec(self) -> SentencePieceCodec:
        """The codec of the target side: ``target_codec``, else the shared one."""
        return self.target_codec or self.codec

    @property
    def uses_vocabulary_map(self) -> bool:
        """Whether the model carries a vocabulary map (vmap.txt) to decode through."""
        return has_vocabulary_map(self.model_dir)

    # --- what an engine says about its model ---

    def source_prefix(self) -> list[str]:
        """Tokens before every source sentence (a language token, say)."""
        return []

    def source_suffix(self) -> list[str]:
        """Tokens after every source sentence (</s>, say)."""
        return []

    def target_prefix(self) -> list[str]:
        """Tokens every target starts with (the target language token); not part of the output."""
        return []

    def is_markup(self, token: str) -> bool:
        """Output tokens that are markup for the model, never text: dropped with their alignment."""
        return False

    # --- what every CTranslate2 engine does alike ---

    def translator(self):
        if self._translator is None:
            self._translator = load_translator(self.model_dir, self.options)
        return self._translator

    def decoded_alone(self, texts: list[str]) -> tuple[list[tuple[int, int]], int, int]:
        """Parts of ``texts`` that ``translate`` may be given one by one, on
        other machines, with the output it gives for all of them at once:
        [start, end) ranges cut where CTranslate2 starts a read-ahead group
        at a sentence's first example (read_ahead_starts), the longest input
        of the whole call, to be passed on as ``longest_input``, and the
        whole call's batch size (a batch per replica of this engine's runtime,
        batch_tokens_for), to be passed on as ``batch_tokens``."""
        encoded = [self.codec.encode(text) for text in texts]
        sent = [i for i, src in enumerate(encoded) if src]   # empty texts never reach the model
        plan, batch = _examples([encoded[i] for i in sent], self.options, self.source_prefix(),
                                self.source_suffix())
        lengths = [len(tokens) for tokens in batch]
        batch_tokens = batch_tokens_per_replica(self.replicas(), lengths, self.options.max_batch_tokens)
        starts = read_ahead_starts(lengths, batch_tokens)
        # a group that starts inside a long sentence (its second chunk) is no place to cut
        cuts = sorted({0} | {sent[plan[k][0]] for k in starts if plan[k][1] == 0})
        return list(zip(cuts, [*cuts[1:], len(texts)])), max(lengths, default=0), batch_tokens

    def replicas(self) -> int:
        """The replicas (inter_threads) of this engine's translator, loaded
        or not: a run that ships the model elsewhere never loads it here."""
        if self._translator is not None:
            return max(1, int(getattr(self._translator, "num_translators", 1) or 1))
        return self.options.runtime.translator_arguments()["inter_threads"]

    def translate(self, texts: list[str], progress: Progress | None = None,
                  target_prefixes: list[str] | None = None, longest_input: int = 0,
                  batch_tokens: int = 0) -> list[Translation]:
        """Translate every text, in order. ``target_prefixes`` (one per text)
        is target text each translation must start with: it is tokenised
        with the model's codec after the target language token, and the
        returned Translation contains it, aligned like the rest.
        ``longest_input`` and ``batch_tokens``: see translate_pieces (and ``decoded_alone``)."""
        if target_prefixes is not None and len(target_prefixes) != len(texts):
            raise ValueError(f"{len(target_prefixes)} target prefixes for {len(texts)} texts")
        sources = [self.codec.encode(text) for text in texts]
        # Empty segments never reach the model.
        todo = [i for i, src in enumerate(sources) if src]
        forced = None
        if target_prefixes is not None:
            forced = [[p.token for p in self.output_codec.encode(target_prefixes[i])] for i in todo]
        outputs = translate_pieces(
            self.translator(), [sources[i] for i in todo], self.options,
            source_prefix=self.source_prefix(), source_suffix=self.source_suffix(),
            target_prefix=self.target_prefix(), forced=forced, progress=progress, longest_input=longest_input,
            use_vmap=self.uses_vocabulary_map, batch_tokens=batch_tokens,
        )
        results = [Translation(target_prefixes[i] if target_prefixes else "") for i in range(len(texts))]
        for i, (tokens, aligned) in zip(todo, outputs):
            kept = [(t, a) for t, a in zip(tokens, aligned) if not self.is_markup(t)]
            text, pieces = self.output_codec.decode([t for t, _ in kept])
            results[i] = to_translation(sources[i], text, pieces, [a for _, a in kept])
        if progress and len(todo) < len(texts):
            progress(len(texts) - len(todo))
        return results

    def score(self, sources: list[str], targets: list[str]) -> list[float]:
        """How likely the model finds each target as a translation of its
        source: the mean log-probability per target token (with the end of
        sentence), higher is better. The same prefixes as ``translate``; the
        target language token itself is not scored. A pair whose source is
        empty scores -inf (0.0 when its target is empty too)."""
        if len(sources) != len(targets):
            raise ValueError(f"{len(targets)} targets for {len(sources)} sources")
        encoded = [([p.token for p in self.codec.encode(s)], [p.token for p in self.output_codec.encode(t)])
                   for s, t in zip(sources, targets)]
        todo = [i for i, (src, _) in enumerate(encoded) if src]
        scores = [0.0 if not targets[i].strip() else -math.inf for i in range(len(sources))]
        if not todo:
            return scores
        prefix = self.target_prefix()
        results = self.translator().score_batch(
            [[*self.source_prefix(), *encoded[i][0], *self.source_suffix()] for i in todo],
            [[*prefix, *encoded[i][1]] for i in todo],
            max_batch_size=self.options.max_batch_tokens, batch_type="tokens",
            max_input_length=0, offset=len(prefix),
        )
        for i, result in zip(todo, results):
            log_probs = list(result.log_probs)
            scores[i] = sum(log_probs) / len(log_probs) if log_probs else -math.inf
        return scores
