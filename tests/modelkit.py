"""Tiny but real translation models for the test suite.

No real model can be downloaded where this project is built, so the tests make
their own: a SentencePiece model trained on the first article and a few
target-language sentences, and a CTranslate2 Transformer (2+2 layers,
d_model 128, 2 heads) whose numpy weights are written through
``ctranslate2.specs`` and saved by CTranslate2's own converter machinery.
They load and run through exactly the code paths real models use.

The weights are not trained but wired, around seeded random codes, so that
the model behaves like a word-by-word translator:

* decoder step t attends (cross-attention head 0, the alignment head) to
  source position t, so ``return_attention`` gives a near-diagonal alignment;
* a feed-forward lookup maps the attended source piece to a target-script
  piece of the requested language (a seeded random table; digits,
  punctuation and byte pieces are copied), so outputs are in Cyrillic or
  Arabic script as the language asks;
* a second cross-attention head averages a position ramp over the source,
  which lets the decoder emit </s> once it has produced as many tokens as
  the source has, so decoding stops by itself.

Why d_model 128 rather than 32-64: the lookup tells about a thousand pieces
apart by the dot product of random codes, and codes of 48 dimensions keep the
wrong matches well below the firing threshold.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "ARTICLE_PATH",
    "article_text",
    "article_sentences",
    "build_argos_package",
    "build_argos_package_dir",
    "build_multilingual_model",
    "NLLB_LANG_TOKENS",
    "M2M_LANG_TOKENS",
    "TARGET_TEXTS",
    "model_digest",
]

REPO = Path(__file__).resolve().parents[1]
# The brief's article lives in shared/ beside the repository (also in CI); the
# repository's own Markdown copy is the fallback.
ARTICLE_PATH = REPO.parent / "shared" / "source" / "taliban-delisting.txt"
_ARTICLE_MD = REPO / "source" / "taliban-delisting.md"

NLLB_LANG_TOKENS = ["eng_Latn", "rus_Cyrl", "prs_Arab", "pbt_Arab", "kaz_Cyrl"]
M2M_LANG_TOKENS = ["__en__", "__ru__", "__fa__", "__ps__", "__kk__"]

# Target-side training text: a few plausible sentences per edition language,
# so that each script has its own pieces in the shared vocabulary.
TARGET_TEXTS: dict[str, str] = {
    "ru": (
        "Россия исключила движение «Талибан» из списка террористических организаций.\n"
        "Верховный суд России принял это решение в апреле.\n"
        "Министерство иностранных дел заявило о полноценном партнёрстве с Кабулом.\n"
        "Москва намерена развивать торговлю, бизнес и инвестиции с Афганистаном.\n"
        "Страны Центральной Азии с тревогой следят за безопасностью на границе.\n"
        "Это решение не означает полного дипломатического признания правительства.\n"
    ),
    "kk": (
        "Ресей «Талибан» қозғалысын террористік ұйымдар тізімінен шығарды.\n"
        "Бұл шешімді Ресейдің Жоғарғы соты қабылдады.\n"
        "Мәскеу Ауғанстанмен сауда және инвестициялық байланыстарды дамытуға ниетті.\n"
        "Орталық Азия елдері шекара қауіпсіздігіне алаңдаулы.\n"
        "Қазақстан мен Қырғызстан да осындай қадамдар жасады.\n"
    ),
    "prs": (
        "روسیه گروه طالبان را از فهرست سازمان‌های تروریستی حذف کرد.\n"
        "این تصمیم توسط دادگاه عالی روسیه اعلام شد.\n"
        "وزارت امور خارجه روسیه از همکاری کامل با کابل سخن گفت.\n"
        "مسکو می‌خواهد روابط تجارتی و سرمایه‌گذاری با افغانستان را گسترش دهد.\n"
        "کشورهای آسیای میانه نگران امنیت سرحدات هستند.\n"
    ),
    "ps": (
        "روسیې طالبان د ترهګرو سازمانونو له لیست څخه وویستل.\n"
        "دا پرېکړه د روسیې ستره محکمه اعلان کړه.\n"
        "مسکو غواړي له افغانستان سره سوداګریز او پانګونې اړیکې پراخې کړي.\n"
        "د منځنۍ آسیا هېوادونه د پولو د امنیت په اړه اندېښمن دي.\n"
    ),
}

LANGUAGE_NAMES = {
    "en": "English", "ru": "Russian", "kk": "Kazakh", "fa": "Persian",
    "prs": "Dari", "ps": "Pashto",
}

# Which sample text gives the target pieces of a language code.
_TEXT_FOR_CODE = {
    "en": "en", "eng": "en", "ru": "ru", "rus": "ru", "kk": "kk", "kaz": "kk",
    "fa": "prs", "prs": "prs", "pes": "prs", "ps": "ps", "pbt": "ps",
}
_TEXT_FOR_SCRIPT = {"Latn": "en", "Cyrl": "ru", "Arab": "prs"}


def article_text() -> str:
    """The article as plain text: title line, then paragraphs."""
    if ARTICLE_PATH.is_file():
        return ARTICLE_PATH.read_text(encoding="utf-8")
    text = _ARTICLE_MD.read_text(encoding="utf-8")
    front, _, body = text.partition("\n---\n")
    title = re.search(r'^title:\s*"?(.*?)"?\s*$', front, re.M)
    return (title.group(1) + "\n\n" if title else "") + body


def article_sentences() -> list[str]:
    """The article split naively into sentences (good enough for test input)."""
    sentences = []
    for paragraph in article_text().splitlines():
        paragraph = paragraph.strip()
        if paragraph:
            sentences += [s for s in re.split(r"(?<=[.!?])\s+", paragraph) if s]
    return sentences


def _text_key(code: str) -> str:
    """Map an Argos code, NLLB token or M2M token to a TARGET_TEXTS/"en" key."""
    m = re.fullmatch(r"__(\w+?)__", code)
    if m:
        code = m.group(1)
    base, _, script = code.partition("_")
    return _TEXT_FOR_CODE.get(base) or _TEXT_FOR_SCRIPT.get(script, "en")


def _sample_text(key: str) -> str:
    return article_text() if key == "en" else TARGET_TEXTS[key]


# --------------------------------------------------------------------------
# SentencePiece
# --------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _sentencepiece_model(kind: str) -> bytes:
    """Train once per session. kind "argos": unigram with byte fallback, as
    Argos packages ship; kind "nllb": BPE without byte fallback, full
    character coverage (unknown characters become <unk>), as NLLB ships."""
    import sentencepiece as spm

    corpus = [article_text(), *TARGET_TEXTS.values()]
    lines = [line.strip() for text in corpus for line in text.splitlines() if line.strip()]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        model_type="unigram" if kind == "argos" else "bpe",
        vocab_size=800 if kind == "argos" else 900,
        hard_vocab_limit=False,
        byte_fallback=kind == "argos",
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


def _processor(model: bytes):
    import sentencepiece as spm

    return spm.SentencePieceProcessor(model_proto=model)


# --------------------------------------------------------------------------
# The wired Transformer
# --------------------------------------------------------------------------

D_MODEL = 128
NUM_HEADS = 2
HEAD_DIM = D_MODEL // NUM_HEADS
# Beyond the 1024 that NLLB and ctranslate2's default max_input_length allow,
# so that any max_decoding_length up to 1024 plus a prefix stays in range.
MAX_POSITIONS = 2048


class _Dims:
    """Where each signal lives in the residual stream (d_model = 128)."""

    T = slice(0, 48)      # source piece code (encoder) / copied source code (decoder)
    P = slice(48, 64)     # sinusoidal position features, for the diagonal attention
    R = 64                # position ramp t / MAX_POSITIONS (length counter)
    R2 = 65               # sqrt(1 - ramp^2): keeps the position vector's norm constant
    B = slice(66, 69)     # balance: keeps the position vector zero-mean, constant norm
    CTX = 69              # -(source length - 1) / MAX_POSITIONS, from the uniform head
    REF = 70              # always 0: cancels the layer norm's mean in the EOS logit
    FLAG = 71             # "this input token is a language token"
    L = slice(72, 80)     # target language code, copied forward by self-attention
    O = slice(80, 112)    # output piece code, read by the output projection
    L_IN = slice(112, 120)  # language code in the language token's own embedding
    J = slice(120, 128)   # noise from the untouched random sublayers


# Amplitudes (norms) of the signals; the layer norm scale follows from them.
A_T, A_L, A_O, A_NOISE_EMB = 6.0, 2.0, 6.0, 0.5
FREQS = 2.6 / 2.3 ** np.arange(8)   # off-diagonal scores stay 2.3 below the peak up to 2048
DIAG_SHARPNESS = 8.0                # x that 2.3 gap = ~19 nats between aligned and next best
CONTENT_LOGIT = 20.0
EOS_LOGIT_AT_BOUNDARY = 40.0


def _position_table(offset: float) -> np.ndarray:
    """Position vectors: zero-mean and of constant norm, so layer norm scales
    every position alike; the ramp carries the position linearly."""
    t = np.arange(MAX_POSITIONS, dtype=np.float64)
    table = np.zeros((MAX_POSITIONS, D_MODEL))
    angles = np.outer(t, FREQS)
    table[:, _Dims.P] = np.stack([np.sin(angles), np.cos(angles)], axis=2).reshape(MAX_POSITIONS, -1)
    ramp = (t + offset) / MAX_POSITIONS
    table[:, _Dims.R] = ramp
    table[:, _Dims.R2] = np.sqrt(1.0 - ramp**2)
    balance = -table.sum(axis=1)
    k = (balance**2).max() + 1.0
    c = np.sqrt((k - balance**2) / 2)
    table[:, _Dims.B] = np.stack([balance, c, -c], axis=1)
    return table


def _ln_scale(norm: float) -> float:
    """Layer norm of a zero-mean vector of this norm multiplies it by this."""
    return np.sqrt(D_MODEL) / norm


def _zero_mean_codes(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    codes = rng.standard_normal((n, dim))
    codes -= codes.mean(axis=1, keepdims=True)
    return codes / np.linalg.norm(codes, axis=1, keepdims=True)


def _noise_layer_weights(rng, shape, rows=None, scale=0.002):
    """Random weights for a sublayer that must not disturb the wiring: when
    `rows` is given, only those output rows (junk dimensions) are non-zero."""
    w = rng.normal(0.0, scale, shape)
    if rows is not None:
        mask = np.zeros(shape[0], dtype=bool)
        mask[rows] = True
        w[~mask] = 0.0
        w[mask] -= w[mask].mean(axis=0)   # keep the residual stream zero-mean
    return w


@dataclass
class _Plan:
    vocab: list[str]
    langs: list[list[int]]            # per target language: its piece ids
    lang_token_ids: list[int] | None  # multilingual: id of each language token
    blocked: list[int]                # never generated (specials, language tokens)
    eos_id: int
    decoder_offset: float             # ramp offset: where </s> wins (see _wire)
    num_layers: int = 2


def _lookup_table(plan: _Plan, rng) -> list[tuple[int, int, int]]:
    """(source piece, language index, output piece) for every lookup unit."""
    vocab = plan.vocab
    skip = set(plan.blocked) | {plan.eos_id}

    def has_letters(piece: str) -> bool:
        return not piece.startswith("<0x") and any(ch.isalpha() for ch in piece)

    sources = [i for i, p in enumerate(vocab) if i not in skip]
    units = []
    for li, pieces in enumerate(plan.langs):
        members = set(pieces)
        initial = [i for i in pieces if vocab[i].startswith("\u2581")] or pieces
        inner = [i for i in pieces if not vocab[i].startswith("\u2581")] or pieces
        for a in sources:
            if not has_letters(vocab[a]) or a in members:
                out = a  # digits, punctuation, bytes and target-script pieces pass through
            else:
                group = initial if vocab[a].startswith("\u2581") else inner
                out = group[rng.integers(len(group))]
            units.append((a, li, out))
    return units


def _wire(spec, plan: _Plan, seed: int) -> None:
    """Fill every weight of a TransformerSpec from the plan (see module doc)."""
    rng = np.random.default_rng(seed)
    d, V = D_MODEL, len(plan.vocab)
    multilingual = plan.lang_token_ids is not None
    f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)  # noqa: E731

    src_codes = _zero_mean_codes(rng, V, _Dims.T.stop - _Dims.T.start)     # unit norm
    out_codes = _zero_mean_codes(rng, V, _Dims.O.stop - _Dims.O.start)
    lang_dim = _Dims.L.stop - _Dims.L.start
    n_langs = len(plan.langs)
    if n_langs < lang_dim:   # orthonormal codes in the zero-mean subspace
        basis = np.linalg.qr(rng.standard_normal((lang_dim, lang_dim)))[0]
        ones = np.ones(lang_dim) / np.sqrt(lang_dim)
        basis = basis - np.outer(ones, ones @ basis)
        lang_codes = np.linalg.qr(basis[:, : n_langs])[0].T
    else:
        lang_codes = _zero_mean_codes(rng, n_langs, lang_dim)

    enc_pos = _position_table(0.0)
    dec_pos = _position_table(plan.decoder_offset)
    norm_pos_enc = np.linalg.norm(enc_pos[0])
    norm_pos_dec = np.linalg.norm(dec_pos[0])

    # ---- embeddings (CTranslate2 multiplies them by sqrt(d_model)) ----
    emb_scale = 1.0 / np.sqrt(d)
    enc_emb = np.zeros((V, d))
    enc_emb[:, _Dims.T] = src_codes * A_T
    dec_emb = np.zeros((V, d))
    dec_emb[:, _Dims.J] = _zero_mean_codes(rng, V, _Dims.J.stop - _Dims.J.start) * A_NOISE_EMB
    if multilingual:
        for li, tok in enumerate(plan.lang_token_ids):
            dec_emb[tok] = 0.0
            dec_emb[tok, _Dims.FLAG] = 1.0
            dec_emb[tok, _Dims.L_IN] = lang_codes[li]
    spec.encoder.embeddings[0].weight = f32(enc_emb * emb_scale)
    spec.decoder.embeddings.weight = f32(dec_emb * emb_scale)
    spec.encoder.position_encodings.encodings = f32(enc_pos)
    spec.decoder.position_encodings.encodings = f32(dec_pos)

    def layer_norm(ln):
        ln.gamma = f32(np.ones(d))
        ln.beta = f32(np.zeros(d))

    def noise_ffn(ffn, width=64):
        layer_norm(ffn.layer_norm)
        ffn.linear_0.weight = f32(rng.normal(0, 0.1, (width, d)))
        ffn.linear_0.bias = f32(np.zeros(width))
        ffn.linear_1.weight = f32(_noise_layer_weights(rng, (d, width), _Dims.J))
        ffn.linear_1.bias = f32(np.zeros(d))

    def noise_attention(att, self_attention):
        layer_norm(att.layer_norm)
        if self_attention:
            att.linear[0].weight = f32(rng.normal(0, 0.1, (3 * d, d)))
            att.linear[0].bias = f32(np.zeros(3 * d))
            out = att.linear[1]
        else:
            att.linear[0].weight = f32(rng.normal(0, 0.1, (d, d)))
            att.linear[0].bias = f32(np.zeros(d))
            att.linear[1].weight = f32(rng.normal(0, 0.1, (2 * d, d)))
            att.linear[1].bias = f32(np.zeros(2 * d))
            out = att.linear[2]
        out.weight = f32(_noise_layer_weights(rng, (d, d), _Dims.J))
        out.bias = f32(np.zeros(d))

    # ---- encoder: random sublayers that only write noise dimensions ----
    for layer in spec.encoder.layer:
        noise_attention(layer.self_attention, True)
        noise_ffn(layer.ffn)
    layer_norm(spec.encoder.layer_norm)
    enc_out_scale = _ln_scale(np.hypot(A_T, norm_pos_enc))   # encoder output = x * this

    # ---- decoder layer 0, self-attention: carry the language token forward ----
    first = spec.decoder.layer[0]
    att = first.self_attention
    layer_norm(att.layer_norm)
    q, k, v = np.zeros((d, d)), np.zeros((d, d)), np.zeros((d, d))
    q_bias = np.zeros(d)
    out = np.zeros((d, d))
    if multilingual:
        lang_input_norm = np.sqrt(norm_pos_dec**2 + 1.0 + 1.0)
        flag_after_ln = _ln_scale(lang_input_norm)
        gain = np.sqrt(20.0 * np.sqrt(HEAD_DIM) / flag_after_ln)   # ~20 nats towards the token
        q_bias[0] = gain
        k[0, _Dims.FLAG] = gain
        v[0:lang_dim, _Dims.L_IN] = np.eye(lang_dim)
        out[_Dims.L, 0:lang_dim] = np.eye(lang_dim) * A_L / flag_after_ln
    att.linear[0].weight = f32(np.concatenate([q, k, v]))
    att.linear[0].bias = f32(np.concatenate([q_bias, np.zeros(2 * d)]))
    att.linear[1].weight = f32(out)
    att.linear[1].bias = f32(np.zeros(d))

    # ---- decoder layer 0, cross-attention ----
    # head 0: query and key are the position features -> attends to source
    #         position t; value is the source piece code, copied into T.
    # head 1: no query, no key -> uniform over the source; value is the ramp,
    #         so its output is minus twice the mean source ramp (CTX).
    att = first.attention
    layer_norm(att.layer_norm)
    query_norm = np.sqrt(norm_pos_dec**2 + A_NOISE_EMB**2 + (A_L**2 if multilingual else 0.0))
    q_scale, k_scale = _ln_scale(query_norm), enc_out_scale
    gain = np.sqrt(DIAG_SHARPNESS * np.sqrt(HEAD_DIM) / (q_scale * k_scale))
    n_pos = _Dims.P.stop - _Dims.P.start
    n_src = _Dims.T.stop - _Dims.T.start
    q = np.zeros((d, d))
    q[0:n_pos, _Dims.P] = np.eye(n_pos) * gain
    kv = np.zeros((2 * d, d))
    kv[0:n_pos, _Dims.P] = np.eye(n_pos) * gain
    kv[d : d + n_src, _Dims.T] = np.eye(n_src)
    kv[d + HEAD_DIM, _Dims.R] = 1.0
    kv[d + HEAD_DIM, _Dims.REF] = -1.0   # REF is 0: cancels the layer norm's mean
    out = np.zeros((d, d))
    out[_Dims.T, 0:n_src] = np.eye(n_src) / enc_out_scale
    out[_Dims.CTX, HEAD_DIM] = -2.0 / enc_out_scale
    att.linear[0].weight = f32(q)
    att.linear[0].bias = f32(np.zeros(d))
    att.linear[1].weight = f32(kv)
    att.linear[1].bias = f32(np.zeros(2 * d))
    att.linear[2].weight = f32(out)
    att.linear[2].bias = f32(np.zeros(d))

    # ---- decoder layer 0, feed-forward: the translation lookup ----
    # A unit fires when the copied source code matches its piece (cosine ~1,
    # wrong pieces stay below ~0.6) and, for a multilingual model, the carried
    # language code matches its language; it writes its output piece's code.
    units = _lookup_table(plan, rng)
    ffn_norm = np.sqrt(norm_pos_dec**2 + A_NOISE_EMB**2 + A_T**2 + (A_L**2 if multilingual else 0.0))
    ffn_scale = _ln_scale(ffn_norm)
    lang_weight, threshold = (0.5, 1.25) if multilingual else (0.0, 0.7)
    unit_gain = 20.0
    match_activation = unit_gain * (1.0 + lang_weight - threshold)
    w1 = np.zeros((len(units), d))
    w2 = np.zeros((d, len(units)))
    unit_src = np.array([u[0] for u in units])
    unit_lang = np.array([u[1] for u in units])
    unit_out = np.array([u[2] for u in units])
    w1[:, _Dims.T] = src_codes[unit_src] / (A_T * ffn_scale) * unit_gain
    if multilingual:
        w1[:, _Dims.L] = lang_codes[unit_lang] * lang_weight / (A_L * ffn_scale) * unit_gain
    b1 = np.full(len(units), -threshold * unit_gain)
    w2[_Dims.O, :] = (out_codes[unit_out] * A_O / match_activation).T
    layer_norm(first.ffn.layer_norm)
    first.ffn.linear_0.weight = f32(w1)
    first.ffn.linear_0.bias = f32(b1)
    first.ffn.linear_1.weight = f32(w2)
    first.ffn.linear_1.bias = f32(np.zeros(d))

    # ---- the other decoder layers: random noise only ----
    for layer in spec.decoder.layer[1:]:
        noise_attention(layer.self_attention, True)
        noise_attention(layer.attention, False)
        noise_ffn(layer.ffn)

    # ---- output projection ----
    layer_norm(spec.decoder.layer_norm)
    final_scale = _ln_scale(np.hypot(ffn_norm, A_O))
    proj = np.zeros((V, d))
    proj[:, _Dims.O] = out_codes * CONTENT_LOGIT / (A_O * final_scale)
    # </s> reads ramp + CTX = (t + offset - (source_len - 1)) / MAX_POSITIONS:
    # negative while tokens remain, positive after; REF cancels the norm's mean.
    eos = np.zeros(d)
    alpha = EOS_LOGIT_AT_BOUNDARY * MAX_POSITIONS / (0.5 * final_scale)
    eos[_Dims.R], eos[_Dims.CTX], eos[_Dims.REF] = alpha, alpha, -2 * alpha
    proj[plan.eos_id] = eos
    bias = np.zeros(V)
    bias[plan.blocked] = -1e4
    spec.decoder.projection.weight = f32(proj)
    spec.decoder.projection.bias = f32(bias)


def _save_spec(plan: _Plan, config: dict, seed: int, output_dir: Path, extra_files=()) -> None:
    """Build, validate and save the spec through CTranslate2's own converter
    base class, the path every real conversion takes."""
    from ctranslate2.converters.converter import Converter
    from ctranslate2.specs import transformer_spec

    class _WiredConverter(Converter):
        def _load(self):
            spec = transformer_spec.TransformerSpec.from_config(
                plan.num_layers,
                NUM_HEADS,
                pre_norm=True,
                alignment_layer=0,   # the diagonal head of the first decoder layer
                alignment_heads=1,
            )
            _wire(spec, plan, seed)
            spec.register_source_vocabulary(plan.vocab)
            spec.register_target_vocabulary(plan.vocab)
            for key, value in config.items():
                setattr(spec.config, key, value)
            for path, name in extra_files:
                spec.register_file(str(path), name)
            return spec

    _WiredConverter().convert(str(output_dir), force=True)


# --------------------------------------------------------------------------
# Argos package
# --------------------------------------------------------------------------

def _argos_folder_name(from_code: str, to_code: str, version: str) -> str:
    # Real packages: translate-en_ru-1_9.argosmodel holding translate-en_ru-1_9/
    return f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"


def build_argos_package_dir(dest: Path, from_code: str = "en", to_code: str = "ru", *,
                            version: str = "1.0", seed: int = 0) -> Path:
    """Write an unpacked Argos package folder under dest and return it.

    Layout as in real packages: metadata.json, README.md, sentencepiece.model
    and model/ (CTranslate2: model.bin, config.json, shared_vocabulary.json).
    """
    dest = Path(dest)
    folder = dest / _argos_folder_name(from_code, to_code, version)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)

    sp_model = _sentencepiece_model("argos")
    (folder / "sentencepiece.model").write_bytes(sp_model)
    sp = _processor(sp_model)
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    # OpenNMT-py's vocabulary, as in converted Argos models: specials first.
    specials = ["<unk>", "<blank>", "<s>", "</s>"]
    vocab = specials + [p for p in pieces if p not in specials]
    index = {p: i for i, p in enumerate(vocab)}
    target_pieces = sorted({index[p] for p in sp.encode(_sample_text(_text_key(to_code)), out_type=str)
                            if any(ch.isalpha() for ch in p)})
    plan = _Plan(
        vocab=vocab,
        langs=[target_pieces],
        lang_token_ids=None,
        blocked=[index["<unk>"], index["<blank>"], index["<s>"]],
        eos_id=index["</s>"],
        # source has no </s>: stop after as many tokens as source pieces.
        decoder_offset=-0.5,
    )
    config = {
        "unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>",
        "decoder_start_token": "<s>", "add_source_bos": False, "add_source_eos": False,
    }
    _save_spec(plan, config, seed, folder / "model")

    from_name = LANGUAGE_NAMES.get(from_code, from_code)
    to_name = LANGUAGE_NAMES.get(to_code, to_code)
    metadata = {
        "package_version": version,
        "argos_version": "1.9",
        "from_code": from_code,
        "from_name": from_name,
        "to_code": to_code,
        "to_name": to_name,
        "type": "translate",
        "name": f"{from_name} - {to_name}",
        "links": [],
    }
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=4, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    (folder / "README.md").write_text(
        f"# {from_name} - {to_name} (test model)\n\n"
        "A tiny CTranslate2 model with wired random weights, built by tests/modelkit.py "
        f"(seed {seed}). It translates word by word into {to_name} script and is only "
        "good for testing.\n",
        encoding="utf-8",
    )
    return folder


_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def build_argos_package(dest: Path, from_code: str = "en", to_code: str = "ru", *,
                        version: str = "1.0", seed: int = 0) -> Path:
    """Write dest/translate-<from>_<to>-<version with _>.argosmodel and return it:
    a zip of one top-level folder, as real Argos packages are."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    name = _argos_folder_name(from_code, to_code, version)
    archive = dest / f"{name}.argosmodel"
    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        folder = build_argos_package_dir(Path(tmp), from_code, to_code, version=version, seed=seed)
        zip_package(folder, archive, name)
    return archive


def zip_package(folder: Path, archive: Path, name: str | None = None, *,
                compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """Zip ``folder`` as the single top-level folder ``name`` of an archive,
    the way Argos packages are laid out. Fixed timestamps and modes: the same
    folder gives the same bytes (checksums). Files are streamed, so models of
    real size zip without being read into memory."""
    name = name or folder.name
    with zipfile.ZipFile(archive, "w", compression) as zf:
        for path in [folder, *sorted(folder.rglob("*"))]:
            arcname = "/".join([name, *path.relative_to(folder).parts])
            if path.is_dir():
                info = zipfile.ZipInfo(arcname + "/", date_time=_ZIP_TIME)
                info.external_attr = 0o40755 << 16
                zf.writestr(info, b"")
            else:
                info = zipfile.ZipInfo(arcname, date_time=_ZIP_TIME)
                info.external_attr = 0o644 << 16
                info.compress_type = compression
                with open(path, "rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    return archive


# --------------------------------------------------------------------------
# NLLB-200 / M2M-100 style multilingual model
# --------------------------------------------------------------------------

def build_multilingual_model(dest: Path, lang_tokens: list[str] | None = None, *,
                             family: str = "nllb", seed: int = 0) -> Path:
    """Write a CTranslate2 model folder shaped like a converted NLLB-200
    (family "nllb") or M2M-100 (family "m2m") model and return it.

    Use as the real ones: source = [src_lang] + pieces + ["</s>"],
    target_prefix = [[tgt_lang]]; the output starts with tgt_lang and is in
    that language's script. lang_tokens defaults to the five project languages
    in the family's spelling; each must be spelled that way.
    """
    if family not in ("nllb", "m2m"):
        raise ValueError(f"family must be 'nllb' or 'm2m', not {family!r}")
    if lang_tokens is None:
        lang_tokens = NLLB_LANG_TOKENS if family == "nllb" else M2M_LANG_TOKENS
    lang_tokens = list(dict.fromkeys(lang_tokens))
    pattern = r"[a-z]{3}_[A-Z][a-z]{3}" if family == "nllb" else r"__[a-z]{2,3}__"
    for token in lang_tokens:
        if not re.fullmatch(pattern, token):
            raise ValueError(f"{token!r} is not a {family} language token")

    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    sp_model = _sentencepiece_model("nllb")
    sp = _processor(sp_model)
    # fairseq dictionary order, as the Hugging Face converters keep it:
    # <s> <pad> </s> <unk>, the SentencePiece pieces, the language tokens, <mask>.
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    vocab = ["<s>", "<pad>", "</s>", "<unk>"]
    vocab += [p for p in pieces if p not in ("<unk>", "<s>", "</s>")]
    vocab += lang_tokens + ["<mask>"]
    index = {p: i for i, p in enumerate(vocab)}
    langs = []
    for token in lang_tokens:
        text = _sample_text(_text_key(token))
        langs.append(sorted({index[p] for p in sp.encode(text, out_type=str)
                             if p in index and any(ch.isalpha() for ch in p)}))
    plan = _Plan(
        vocab=vocab,
        langs=langs,
        lang_token_ids=[index[t] for t in lang_tokens],
        blocked=[index[t] for t in ("<s>", "<pad>", "<unk>", "<mask>", *lang_tokens)],
        eos_id=index["</s>"],
        # source ends with </s>: stop at the decoder step aligned with it.
        decoder_offset=0.5,
    )
    config = {
        "unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>",
        "decoder_start_token": "</s>", "add_source_bos": False, "add_source_eos": False,
        "layer_norm_epsilon": 1e-5,
    }
    with tempfile.TemporaryDirectory() as tmp:
        sp_path = Path(tmp) / "sentencepiece.bpe.model"
        sp_path.write_bytes(sp_model)
        _save_spec(plan, config, seed, dest, extra_files=[(sp_path, "sentencepiece.bpe.model")])
    return dest


def model_digest(model_dir: Path) -> str:
    """SHA-256 of model.bin, to compare weights between builds."""
    return hashlib.sha256((Path(model_dir) / "model.bin").read_bytes()).hexdigest()
