"""A generated translation model of the size of a real Argos package.

Real weights cannot be downloaded where this project is built, so the
benchmark makes a model with the shape of an Argos Translate package
(OpenNMT-py "transformer base": 6 encoder + 6 decoder layers, d_model 512,
feed-forward 2048, 8 heads, a 32,000-entry vocabulary, int8 weights) and
packages it as an .argosmodel. Decoding then costs what it costs with a real
package: every step runs the full-size matrices and the full 32k softmax.

The weights are random but wired (the idea of tests/modelkit.py, scaled up)
so that the model behaves sanely:

* decoder step t attends, in five cross-attention heads of the first decoder
  layer, to source position t (sinusoidal position features as query and
  key), copying the source piece's code and its position features;
* the copied position is subtracted from the decoder's own position, so the
  difference is zero while a source piece remains at position t and large
  once the decoder has run past the source; a few feed-forward units turn
  that difference into an end flag, which the output layer reads as a large
  </s> logit. Decoding therefore emits as many pieces as the source has and
  stops by itself.
  (modelkit stops with a position ramp compared to the mean source ramp;
  under int8 the activations are quantised per row to 1/127 of their
  largest entry, which blurs a ramp by several tokens, while the sinusoid
  difference jumps by O(1) and survives int8 untouched);
* content logits are random projections of the copied source code and the
  previous piece, restricted (by the output bias) to pieces of the target
  language's script, so that the rendered editions hold Cyrillic or Arabic
  text of plausible length;
* every other sublayer has random weights that only write into junk
  dimensions of the residual stream, so they cost full price without
  disturbing the wiring.

The SentencePiece model is BPE with 2,000 pieces (byte fallback) trained on
the article and modelkit's target-language sentences: the article is too
short to train 32k pieces. It splits the article into about 1.4 pieces per
word, close to what a real 32k vocabulary does with news English. The
CTranslate2 vocabulary is padded to 32,000 entries with pieces the tokenizer
never produces and the model never generates: the embeddings and the output
layer are really 32k wide.

All four packages (en->ru, en->prs, en->ps, en->kk) share every weight except
the output bias that picks the script.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))

import modelkit  # noqa: E402  (tests/modelkit.py: article text, target sentences, helpers)

LANGS = ("ru", "prs", "ps", "kk")
VERSION = "1.9"   # package version, as the real en->ru package


@dataclass(frozen=True)
class Shape:
    """Transformer base, as Argos Translate's OpenNMT-py models."""

    layers: int = 6
    d_model: int = 512
    ffn: int = 2048
    heads: int = 8
    vocab: int = 32000
    quantization: str = "int8"
    sp_pieces: int = 2000
    seed: int = 0


# --- residual stream layout (d_model 512, head width 64) -----------------------

S = slice(0, 256)      # source piece code (encoder) / copied source code (decoder)
E = slice(256, 384)    # previous target piece code (decoder embedding)
P = slice(384, 400)    # sinusoidal position features (8 frequencies x sin, cos)
B = slice(400, 403)    # balance: keeps the position vector zero-mean and of constant norm
POS = slice(384, 403)  # P and B together: what the diagonal heads copy and subtract
FLAG = 403             # "the decoder has run past the source"
REF = 404              # always 0: cancels the layer norm's mean in the </s> logit
J = slice(405, 512)    # junk: where the random sublayers write
HEAD = 64
DIAG_HEADS = 5         # head 0 copies the position, heads 1-4 the source code (4 x 64 = 256)

A_S, A_E, A_NOISE = 6.0, 6.0, 0.1
NOISE_OUT = 1e-4
MAX_POSITIONS = 1024
FREQS = modelkit.FREQS               # off-diagonal scores stay 2.3 below the peak
DIAG_SHARPNESS = modelkit.DIAG_SHARPNESS
DETECT_THRESHOLD = 0.05              # residual units; int8 noise on the difference is ~0.01
EOS_BEFORE_END, EOS_AFTER_END = -15.0, 30.0
CONTENT_LOGIT_STD = 3.0
BLOCKED = -1e4


def _position_table(d: int) -> np.ndarray:
    t = np.arange(MAX_POSITIONS, dtype=np.float64)
    table = np.zeros((MAX_POSITIONS, d))
    angles = np.outer(t, FREQS)
    table[:, P] = np.stack([np.sin(angles), np.cos(angles)], axis=2).reshape(MAX_POSITIONS, -1)
    balance = -table.sum(axis=1)
    k = (balance**2).max() + 1.0
    c = np.sqrt((k - balance**2) / 2)
    table[:, B] = np.stack([balance, c, -c], axis=1)
    return table


def _ln_scale(d: int, norm: float) -> float:
    """Layer norm multiplies a zero-mean vector of this norm by this."""
    return np.sqrt(d) / norm


# --- SentencePiece and vocabulary ----------------------------------------------

def sentencepiece_model(pieces: int) -> bytes:
    import sentencepiece as spm

    corpus = [modelkit.article_text(), *modelkit.TARGET_TEXTS.values()]
    lines = [line.strip() for text in corpus for line in text.splitlines() if line.strip()]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=model, model_type="bpe",
        vocab_size=pieces, hard_vocab_limit=False, byte_fallback=True,
        character_coverage=1.0, num_threads=1, minloglevel=2,
    )
    return model.getvalue()


def vocabulary(sp, size: int) -> list[str]:
    """OpenNMT-py order (specials first), then the pieces, padded to ``size``."""
    specials = ["<unk>", "<blank>", "<s>", "</s>"]
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    vocab = specials + [p for p in pieces if p not in specials]
    if len(vocab) > size:
        raise ValueError(f"{len(vocab)} pieces do not fit a vocabulary of {size}")
    vocab += [f"<pad{i:05d}>" for i in range(size - len(vocab))]
    return vocab


def target_pieces(sp, vocab: list[str], lang: str) -> list[int]:
    """Ids of the letter pieces that the language's sample sentences use."""
    index = {p: i for i, p in enumerate(vocab)}
    text = modelkit.TARGET_TEXTS[lang]
    return sorted({index[p] for p in sp.encode(text, out_type=str)
                   if p in index and any(ch.isalpha() for ch in p)})


# --- weights ---------------------------------------------------------------------

def wire(spec, shape: Shape, vocab: list[str], allowed: list[int]) -> None:
    """Fill every weight of a TransformerSpec (see the module docstring)."""
    d, V, F = shape.d_model, len(vocab), shape.ffn
    if (d, shape.heads) != (512, 8):
        raise ValueError("the wiring is laid out for d_model 512 with 8 heads")
    rng = np.random.default_rng(shape.seed)
    f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)  # noqa: E731
    zeros = lambda *s: np.zeros(s)  # noqa: E731
    # Junk output small enough that twelve random sublayers leave the norms
    # the wiring counts on within ~0.1% (the width-64 scale of modelkit
    # would add ~1.5 residual units per 2048-wide sublayer).
    noise = lambda rng, shape, rows: modelkit._noise_layer_weights(rng, shape, rows, scale=NOISE_OUT)  # noqa: E731

    def layer_norm(ln):
        ln.gamma = f32(np.ones(d))
        ln.beta = f32(np.zeros(d))

    def noise_attention(att, self_attention: bool):
        layer_norm(att.layer_norm)
        if self_attention:
            att.linear[0].weight = f32(rng.normal(0, 0.1, (3 * d, d)))
            att.linear[0].bias = f32(zeros(3 * d))
            out = att.linear[1]
        else:
            att.linear[0].weight = f32(rng.normal(0, 0.1, (d, d)))
            att.linear[0].bias = f32(zeros(d))
            att.linear[1].weight = f32(rng.normal(0, 0.1, (2 * d, d)))
            att.linear[1].bias = f32(zeros(2 * d))
            out = att.linear[2]
        out.weight = f32(noise(rng, (d, d), J))
        out.bias = f32(zeros(d))

    def noise_ffn(ffn, w0=None, b0=None, w1=None):
        layer_norm(ffn.layer_norm)
        w0_random = rng.normal(0, 0.1, (F, d))
        w1_random = noise(rng, (d, F), J)
        if w0 is not None:   # wired units first, random units fill the rest
            n = w0.shape[0]
            w0_random[:n], w1_random[:, :n] = w0, w1
        ffn.linear_0.weight = f32(w0_random)
        ffn.linear_0.bias = f32(np.concatenate([b0, zeros(F - len(b0))]) if b0 is not None else zeros(F))
        ffn.linear_1.weight = f32(w1_random)
        ffn.linear_1.bias = f32(zeros(d))

    codes = modelkit._zero_mean_codes
    pos = _position_table(d)
    pos_norm = np.linalg.norm(pos[0])

    # ---- embeddings (CTranslate2 multiplies them by sqrt(d_model)) ----
    emb_scale = 1.0 / np.sqrt(d)
    enc_emb = zeros(V, d)
    enc_emb[:, S] = codes(rng, V, S.stop - S.start) * A_S
    dec_emb = zeros(V, d)
    dec_emb[:, E] = codes(rng, V, E.stop - E.start) * A_E
    spec.encoder.embeddings[0].weight = f32(enc_emb * emb_scale)
    spec.decoder.embeddings.weight = f32(dec_emb * emb_scale)
    del enc_emb, dec_emb
    spec.encoder.position_encodings.encodings = f32(pos)
    spec.decoder.position_encodings.encodings = f32(pos)

    # ---- encoder: full-size random layers that write only junk ----
    for layer in spec.encoder.layer:
        noise_attention(layer.self_attention, True)
        noise_ffn(layer.ffn)
    layer_norm(spec.encoder.layer_norm)
    enc_scale = _ln_scale(d, np.hypot(A_S, pos_norm))  # encoder output = residual * enc_scale

    first = spec.decoder.layer[0]
    noise_attention(first.self_attention, True)

    # ---- decoder layer 0, cross-attention: heads 0-4 diagonal ----
    att = first.attention
    layer_norm(att.layer_norm)
    dec_scale = _ln_scale(d, np.sqrt(A_E**2 + pos_norm**2 + A_NOISE**2))
    gain = np.sqrt(DIAG_SHARPNESS * np.sqrt(HEAD) / (dec_scale * enc_scale))
    n_p = P.stop - P.start
    n_pos = POS.stop - POS.start
    q, k, v, out = zeros(d, d), zeros(d, d), zeros(d, d), zeros(d, d)
    for h in range(DIAG_HEADS):
        q[h * HEAD: h * HEAD + n_p, P] = np.eye(n_p) * gain
        k[h * HEAD: h * HEAD + n_p, P] = np.eye(n_p) * gain
    v[0:n_pos, POS] = np.eye(n_pos)                        # head 0: the source position
    out[POS, 0:n_pos] = -np.eye(n_pos) / enc_scale         # ... subtracted from our own
    for h in range(1, DIAG_HEADS):                         # heads 1-4: the source piece code
        cols = slice(S.start + (h - 1) * HEAD, S.start + h * HEAD)
        v[h * HEAD:(h + 1) * HEAD, cols] = np.eye(HEAD)
        out[cols, h * HEAD:(h + 1) * HEAD] = np.eye(HEAD) / enc_scale
    att.linear[0].weight = f32(q)
    att.linear[0].bias = f32(zeros(d))
    att.linear[1].weight = f32(np.concatenate([k, v]))
    att.linear[1].bias = f32(zeros(2 * d))
    att.linear[2].weight = f32(out)
    att.linear[2].bias = f32(zeros(d))

    # ---- decoder layer 0, feed-forward: the end detector ----
    # After the subtraction POS holds p(t) - p(attended): ~0 while source
    # remains, O(1) once past it. Units fire on |difference| > threshold
    # (one per sign and dimension) and add up into FLAG.
    ffn_scale = _ln_scale(d, np.sqrt(A_E**2 + A_S**2 + A_NOISE**2))
    w0 = zeros(2 * n_pos, d)
    w0[:n_pos, POS] = np.eye(n_pos) / ffn_scale
    w0[n_pos:, POS] = -np.eye(n_pos) / ffn_scale
    b0 = np.full(2 * n_pos, -DETECT_THRESHOLD)
    w1 = zeros(d, 2 * n_pos)
    w1[FLAG, :] = 1.0
    noise_ffn(first.ffn, w0, b0, w1)

    # ---- the other decoder layers: random, writing junk ----
    for layer in spec.decoder.layer[1:]:
        noise_attention(layer.self_attention, True)
        noise_attention(layer.attention, False)
        noise_ffn(layer.ffn)

    # ---- output layer ----
    layer_norm(spec.decoder.layer_norm)
    final_scale = _ln_scale(d, np.sqrt(A_E**2 + A_S**2 + A_NOISE**2))
    proj = zeros(V, d)
    content = np.r_[S, E]   # the copied source code and the previous piece
    proj[:, content] = rng.standard_normal((V, len(content))) * (
        CONTENT_LOGIT_STD / (final_scale * np.hypot(A_S, A_E)))
    # The smallest flag past the end (the worst aliasing of the sinusoids
    # still leaves ~1 residual unit) must lift </s> from EOS_BEFORE_END to
    # at least EOS_AFTER_END; REF cancels the layer norm's mean.
    slope = (EOS_AFTER_END - EOS_BEFORE_END) / (1.0 * final_scale)
    proj[_eos_id(vocab)] = 0.0
    proj[_eos_id(vocab), FLAG] = slope
    proj[_eos_id(vocab), REF] = -slope
    bias = np.full(V, BLOCKED)
    bias[allowed] = 0.0
    bias[_eos_id(vocab)] = EOS_BEFORE_END
    spec.decoder.projection.weight = f32(proj)
    spec.decoder.projection.bias = f32(bias)


def _eos_id(vocab: list[str]) -> int:
    return vocab.index("</s>")


# --- saving and packaging ---------------------------------------------------------

def convert(model_dir: Path, shape: Shape, vocab: list[str], allowed: list[int]) -> None:
    """Build, validate, quantise and save through CTranslate2's converter base class."""
    from ctranslate2.converters.converter import Converter
    from ctranslate2.specs import transformer_spec

    class _WiredConverter(Converter):
        def _load(self):
            spec = transformer_spec.TransformerSpec.from_config(
                shape.layers, shape.heads, pre_norm=True,
                alignment_layer=0, alignment_heads=1,   # head 0 of layer 0: the diagonal
            )
            wire(spec, shape, vocab, allowed)
            spec.register_source_vocabulary(vocab)
            spec.register_target_vocabulary(vocab)
            for key, value in {
                "unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>",
                "decoder_start_token": "<s>", "add_source_bos": False, "add_source_eos": False,
            }.items():
                setattr(spec.config, key, value)
            return spec

    _WiredConverter().convert(str(model_dir), quantization=shape.quantization, force=True)


def _zip_folder(folder: Path, archive: Path) -> None:
    """An .argosmodel. Stored, not deflated: random int8 weights do not
    compress, and storing keeps the build fast."""
    modelkit.zip_package(folder, archive, compression=zipfile.ZIP_STORED)


def build_argos_package(dest: Path, to_code: str, shape: Shape = Shape(), *, sp_model: bytes | None = None) -> Path:
    """Write dest/translate-en_<to>-1_9.argosmodel (the big model) and return it."""
    import sentencepiece as spm

    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    sp_model = sp_model or sentencepiece_model(shape.sp_pieces)
    sp = spm.SentencePieceProcessor(model_proto=sp_model)
    vocab = vocabulary(sp, shape.vocab)
    allowed = target_pieces(sp, vocab, to_code)
    name = f"translate-en_{to_code}-{VERSION.replace('.', '_')}"
    archive = dest / f"{name}.argosmodel"
    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        folder = Path(tmp) / name
        folder.mkdir()
        (folder / "sentencepiece.model").write_bytes(sp_model)
        convert(folder / "model", shape, vocab, allowed)
        from_name, to_name = "English", modelkit.LANGUAGE_NAMES.get(to_code, to_code)
        metadata = {
            "package_version": VERSION, "argos_version": "1.9", "from_code": "en",
            "from_name": from_name, "to_code": to_code, "to_name": to_name,
            "type": "translate", "name": f"{from_name} - {to_name}", "links": [],
        }
        (folder / "metadata.json").write_text(json.dumps(metadata, indent=4) + "\n", encoding="utf-8")
        (folder / "README.md").write_text(
            f"# {from_name} - {to_name} (benchmark model)\n\nTransformer base with wired random "
            f"weights built by bench/bigmodel.py ({json.dumps(asdict(shape))}). It costs what a real "
            "package costs to run and writes nonsense of plausible length.\n", encoding="utf-8")
        partial = archive.with_suffix(".partial")
        _zip_folder(folder, partial)
        partial.replace(archive)
    return archive


def build_key(shape: Shape) -> str:
    """Changes whenever anything that shapes the packages changes."""
    digest = hashlib.sha256()
    digest.update(Path(__file__).read_bytes())
    digest.update(json.dumps(asdict(shape), sort_keys=True).encode())
    digest.update(modelkit.article_text().encode())
    digest.update(json.dumps(modelkit.TARGET_TEXTS, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def ensure_packages(dest: Path, langs=LANGS, shape: Shape = Shape(), log=print) -> dict[str, Path]:
    """The .argosmodel file of each language under dest, built once and cached
    (rebuilt when bigmodel.py, the shape or the training text change)."""
    dest = Path(dest)
    stamp = dest / "build.json"
    key = build_key(shape)
    files = {lang: dest / f"translate-en_{lang}-{VERSION.replace('.', '_')}.argosmodel" for lang in langs}
    try:
        built = json.loads(stamp.read_text())
    except (OSError, ValueError):
        built = {}
    if built.get("key") == key and all(p.is_file() for p in files.values()):
        return files
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    sp_model = sentencepiece_model(shape.sp_pieces)
    for lang in langs:
        log(f"building the en->{lang} benchmark model ({shape.layers}+{shape.layers} layers, "
            f"d_model {shape.d_model}, vocab {shape.vocab}, {shape.quantization})...")
        build_argos_package(dest, lang, shape, sp_model=sp_model)
    stamp.write_text(json.dumps({"key": key, "shape": asdict(shape)}, indent=2) + "\n")
    return files
