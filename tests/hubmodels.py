"""Tiny but real Hugging Face checkpoints of the OPUS-MT (Marian) and
MADLAD-400 (T5) families, laid out as their Hub repositories are, for
`translate models install` through the loopback Hub (tests/hubserver.py).

Each is built with transformers from a config with tiny dimensions and seeded
random weights, saved with save_pretrained, with the tokenizer files the real
repositories ship:

* Marian (Helsinki-NLP/opus-mt-*): source.spm and target.spm (SentencePiece
  models trained here on the article and the target texts), vocab.json (one
  vocabulary for both sides, ``</s>`` first and ``<pad>`` last, plus the
  ``>>xxx<<`` target tokens of a multi-target model), tokenizer_config.json
  (source_lang, target_lang), pytorch_model.bin.
* MADLAD-400 (google/madlad400-*-mt): spiece.model whose user-defined symbols
  are the ``<2xx>`` target tokens, T5 config (gated-gelu), tokenizer files.

Random weights write random pieces of every script, which publishing rightly
refuses as the wrong language; one wired path makes them write the target's
script (Marian: final_logits_bias, the output bias Marian keeps beside the
projection; T5: a constant dimension of every token embedding that no sublayer
writes to, read by the output projection). Which piece of the script comes
next is still up to the random weights, the source and the language token.
"""

from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path

import modelkit

SCRIPT_TEXTS = {"CYRILLIC": ("ru", "kk"), "ARABIC": ("prs", "ps")}
D_MODEL = 32


def _train_spm(lines: list[str], vocab_size: int, **options) -> bytes:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=model, model_type="unigram",
                                   vocab_size=vocab_size, hard_vocab_limit=False, character_coverage=1.0,
                                   num_threads=1, minloglevel=2, **options)
    return model.getvalue()


def _lines(*keys: str) -> list[str]:
    texts = [modelkit.article_text() if key == "en" else modelkit.TARGET_TEXTS[key] for key in keys]
    return [line.strip() for text in texts for line in text.splitlines() if line.strip()]


def _script_of(piece: str) -> set[str]:
    return {unicodedata.name(c, "").split(" ")[0] for c in piece if c.isalpha()}


def build_marian_checkpoint(dest: Path, *, script: str = "CYRILLIC", target_lang: str = "kaz",
                            language_tokens: tuple[str, ...] = (), licence: str = "cc-by-4.0",
                            seed: int = 0) -> Path:
    """An OPUS-MT checkpoint: one target language (``target_lang`` in
    tokenizer_config.json, no language tokens) or several (``language_tokens``
    such as (">>prs<<", ">>pbt<<"), put at the start of the source)."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    dest.mkdir(parents=True)
    (dest / "source.spm").write_bytes(_train_spm(_lines("en"), 500))
    (dest / "target.spm").write_bytes(_train_spm(_lines(*SCRIPT_TEXTS[script]), 400))
    vocab = {"</s>": 0, "<unk>": 1}
    for token in language_tokens:
        vocab.setdefault(token, len(vocab))
    for name in ("source.spm", "target.spm"):
        processor = spm.SentencePieceProcessor(model_file=str(dest / name))
        for piece in map(processor.id_to_piece, range(processor.get_piece_size())):
            if piece not in ("<unk>", "<s>", "</s>"):
                vocab.setdefault(piece, len(vocab))
    vocab["<pad>"] = len(vocab)
    (dest / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = MarianTokenizer(str(dest / "source.spm"), str(dest / "target.spm"), str(dest / "vocab.json"),
                                source_lang="eng", target_lang=target_lang)
    tokenizer.save_pretrained(dest)
    (dest / "added_tokens.json").unlink(missing_ok=True)
    config = MarianConfig(
        vocab_size=len(vocab), d_model=D_MODEL, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=512,
        pad_token_id=vocab["<pad>"], eos_token_id=0, decoder_start_token_id=vocab["<pad>"],
        forced_eos_token_id=0, share_encoder_decoder_embeddings=True, init_std=0.5,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    with torch.no_grad():
        for piece, index in vocab.items():
            if _script_of(piece) == {script}:
                model.final_logits_bias[0, index] += 6.0
    model.save_pretrained(dest, safe_serialization=False)
    (dest / "README.md").write_text(f"---\nlanguage:\n- en\nlicense: {licence}\n---\n# OPUS-MT tiny (test checkpoint)\n",
                                    encoding="utf-8")
    return dest


MADLAD_TOKENS = ("<2en>", "<2ru>", "<2kk>", "<2fa>", "<2ps>")


def build_madlad_checkpoint(dest: Path, *, script: str = "CYRILLIC", seed: int = 0) -> Path:
    """A MADLAD-400 checkpoint: T5 (gated-gelu) with spiece.model whose
    user-defined symbols are the <2xx> target tokens."""
    import torch
    from transformers import AutoTokenizer, T5Config, T5ForConditionalGeneration, T5Tokenizer

    dest.mkdir(parents=True)
    (dest / "spiece.model").write_bytes(_train_spm(
        _lines("en", "ru", "kk", "prs", "ps"), 900, pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
        user_defined_symbols=list(MADLAD_TOKENS)))
    T5Tokenizer(vocab_file=str(dest / "spiece.model"), extra_ids=0, legacy=False).save_pretrained(dest)
    tokenizer = AutoTokenizer.from_pretrained(dest)   # the fast tokenizer: writes tokenizer.json
    tokenizer.save_pretrained(dest)
    (dest / "added_tokens.json").unlink(missing_ok=True)
    config = T5Config(
        vocab_size=len(tokenizer), d_model=D_MODEL, d_kv=16, d_ff=32, num_layers=1, num_decoder_layers=1,
        num_heads=2, feed_forward_proj="gated-gelu", tie_word_embeddings=False, pad_token_id=0, eos_token_id=1,
        decoder_start_token_id=0,
    )
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config)
    _wire_t5_script(model, tokenizer, script)
    model.save_pretrained(dest, safe_serialization=False)
    (dest / "README.md").write_text("---\nlicense: apache-2.0\n---\n# MADLAD-400 tiny (test checkpoint)\n",
                                    encoding="utf-8")
    return dest


def _wire_t5_script(model, tokenizer, script: str) -> None:
    """Dimension 0 of every embedding is a constant that no decoder sublayer
    writes to, so it reaches the output projection unchanged; the projection
    turns it into a bonus for pieces of ``script``."""
    import torch

    with torch.no_grad():
        model.shared.weight[:, 0] = 4.0
        for block in model.decoder.block:
            for layer in block.layer:
                for name in ("SelfAttention", "EncDecAttention"):
                    if hasattr(layer, name):
                        getattr(layer, name).o.weight[0, :] = 0.0
                if hasattr(layer, "DenseReluDense"):
                    layer.DenseReluDense.wo.weight[0, :] = 0.0
        model.lm_head.weight[:, 0] = -1.0
        for piece, index in tokenizer.get_vocab().items():
            if _script_of(piece) == {script}:
                model.lm_head.weight[index, 0] = 2.0
