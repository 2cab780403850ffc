"""`translate models install owner/name`: a Hugging Face checkpoint of
NLLB-200 downloaded from a Hub on 127.0.0.1 (tests/hubserver.py), converted
with CTranslate2's TransformersConverter, installed and used to publish.

The checkpoint is a real one, built here with transformers: M2M100Config
(the architecture NLLB-200 uses) with tiny dimensions and random weights,
saved with save_pretrained, and the NLLB tokenizer files the real
repository has (sentencepiece.bpe.model trained on the article,
tokenizer.json, tokenizer_config.json, special_tokens_map.json). Random
weights translate into nonsense, but through exactly the code real models
take.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import modelkit
from hubserver import HubRepo, serve_hub
from translate.project import user_folders
from translate.translation.models import hub as model_hub
from translate.translation.models.multilingual import MultilingualStore
from translate.cli.main import cli
from translate.source.markdown_reader import split_front_matter

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "source" / "taliban-delisting.md"
REPO_ID = "facebook/nllb-200-tiny"
CARD = "---\nlanguage:\n- en\n- prs\nlicense: cc-by-nc-4.0\n---\n# NLLB-200 tiny (test checkpoint)\n"


# The languages whose token steers the wired path below, and the script each writes.
STEERED = {"prs_Arab": "ARABIC", "pbt_Arab": "ARABIC", "kaz_Cyrl": "CYRILLIC", "rus_Cyrl": "CYRILLIC"}
D_MODEL = 32
FLAG = len(STEERED)   # dims 0..3: the language code; dim 4: "this is a language token"


def _wire_language_to_script(model, tokenizer) -> None:
    """Random weights write random pieces of any script, which publishing
    rightly refuses ("wrote Latin letters, only 15% Arabic"). One wired path
    makes the forced target token choose the script: the language token's
    embedding carries a code, decoder self-attention copies it from the
    token's position to every later step, and the output projection favours
    that language's script by a margin; which piece of the script wins is
    still up to the random weights (the source, the language, the history)."""
    import torch
    import unicodedata

    scripts = {}
    for piece, index in tokenizer.get_vocab().items():
        letters = [c for c in piece if c.isalpha()]
        if letters:
            scripts[index] = {unicodedata.name(c, "").split(" ")[0] for c in letters}
    codes = {tokenizer.convert_tokens_to_ids(token): i for i, token in enumerate(STEERED)}
    language_ids = set(tokenizer.convert_tokens_to_ids(list(tokenizer.additional_special_tokens)))
    with torch.no_grad():
        embeddings = model.model.shared.weight            # tied to the encoder's and decoder's
        embeddings[:, : FLAG + 1] = 0.0
        embeddings[:, FLAG] = -2.0                        # not a language token
        for index in language_ids:
            embeddings[index, FLAG] = 3.0
        for index, code in codes.items():
            embeddings[index, code] = 3.0
        attention = model.model.decoder.layers[0].self_attn
        head = D_MODEL // model.config.decoder_attention_heads
        for projection in (attention.q_proj, attention.k_proj, attention.v_proj, attention.out_proj):
            projection.weight[:head] = 0.0                # head 0 is wired, the others stay random
            projection.bias[:head] = 0.0
        attention.out_proj.weight[:, :head] = 0.0
        attention.q_proj.bias[0] = 4.0                    # every query asks for ...
        attention.k_proj.weight[0, FLAG] = 4.0            # ... the language token's position
        for code in range(len(STEERED)):
            attention.v_proj.weight[code, code] = 1.0     # and copies its code
            attention.out_proj.weight[code, code] = 8.0
        for layer in model.model.decoder.layers:          # random sublayers keep off the code
            for projection in (layer.self_attn.out_proj, layer.encoder_attn.out_proj, layer.fc2):
                rows = slice(head, None) if projection is attention.out_proj else slice(None)
                projection.weight[: FLAG + 1, rows] = 0.0
                projection.bias[: FLAG + 1] = 0.0
        lm_head = model.lm_head.weight
        for index, code in codes.items():
            wanted = STEERED[tokenizer.convert_ids_to_tokens(index)]
            for piece, found in scripts.items():
                if found == {wanted}:
                    lm_head[piece, code] += 2.0


def build_nllb_checkpoint(dest: Path, seed: int = 0) -> Path:
    """A tiny NLLB-200 checkpoint laid out as facebook/nllb-200-distilled-600M is."""
    import torch
    from transformers import AutoTokenizer, M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    dest.mkdir(parents=True)
    spm_file = dest / "sentencepiece.bpe.model"
    spm_file.write_bytes(modelkit._sentencepiece_model("nllb"))
    # NllbTokenizer adds the 202 NLLB language codes (eng_Latn, prs_Arab, ...)
    # after the SentencePiece pieces, as the real tokenizer does.
    NllbTokenizer(vocab_file=str(spm_file), src_lang="eng_Latn").save_pretrained(dest)
    tokenizer = AutoTokenizer.from_pretrained(dest)   # the fast tokenizer: writes tokenizer.json
    tokenizer.save_pretrained(dest)
    (dest / "added_tokens.json").unlink(missing_ok=True)   # not in the real repository
    config = M2M100Config(
        vocab_size=len(tokenizer), d_model=D_MODEL, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
        max_position_embeddings=1024, scale_embedding=True, pad_token_id=1, bos_token_id=0, eos_token_id=2,
        decoder_start_token_id=2, tokenizer_class="NllbTokenizer", tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = M2M100ForConditionalGeneration(config)
    _wire_language_to_script(model, tokenizer)
    model.save_pretrained(dest, safe_serialization=False)  # pytorch_model.bin, as the real repository has
    (dest / "README.md").write_text(CARD, encoding="utf-8")
    return dest


def build_m2m_checkpoint(dest: Path, seed: int = 0) -> Path:
    """A tiny M2M-100 checkpoint laid out as facebook/m2m100_418M is (vocab.json
    plus sentencepiece.bpe.model, the language tokens listed as additional
    special tokens, eight "madeup" words at the end of the embeddings)."""
    import sentencepiece
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer
    from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES

    dest.mkdir(parents=True)
    spm_file = dest / "sentencepiece.bpe.model"
    spm_file.write_bytes(modelkit._sentencepiece_model("nllb"))
    processor = sentencepiece.SentencePieceProcessor(model_file=str(spm_file))
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in map(processor.id_to_piece, range(processor.get_piece_size())):
        vocab.setdefault(piece, len(vocab))
    (dest / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = M2M100Tokenizer(vocab_file=str(dest / "vocab.json"), spm_file=str(spm_file), src_lang="en",
                                additional_special_tokens=[f"__{c}__" for c in FAIRSEQ_LANGUAGE_CODES["m2m100"]])
    tokenizer.save_pretrained(dest)
    (dest / "added_tokens.json").unlink(missing_ok=True)
    config = M2M100Config(
        vocab_size=len(tokenizer) + tokenizer.num_madeup_words, d_model=16, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
        max_position_embeddings=1024, scale_embedding=True, pad_token_id=1, bos_token_id=0, eos_token_id=2,
        decoder_start_token_id=2,
    )
    torch.manual_seed(seed)
    M2M100ForConditionalGeneration(config).save_pretrained(dest, safe_serialization=False)
    (dest / "README.md").write_text("---\nlicense: mit\n---\n# M2M-100 tiny (test checkpoint)\n", encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return build_nllb_checkpoint(tmp_path_factory.mktemp("hf") / "nllb-200-tiny")


def _checkpoints() -> Path:
    return user_folders.checkpoints_dir()


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("Error:")]


# --- the whole path: download, convert, install, publish ------------------------------------------


def test_install_from_the_hub_converts_installs_and_publishes(tmp_path, checkpoint, hub_env):
    store = tmp_path / "store"
    repo = HubRepo.from_folder(REPO_ID, checkpoint, card_data={"license": "cc-by-nc-4.0"})
    with serve_hub(repo) as (url, log):
        hub_env(url)
        result = _run("models", "install", REPO_ID, "--multilingual-dir", str(store))
    assert result.exit_code == 0, result.output
    assert "Installed multilingual model nllb-200-tiny (NLLB-200" in result.output
    assert "serves ru (rus_Cyrl), prs (prs_Arab), ps (pbt_Arab), kk (kaz_Cyrl)" in result.output

    # Only the files a conversion needs were fetched, the weights once.
    fetched = {path.rsplit("/", 1)[-1] for path in log.paths("HEAD")}
    assert fetched == {"config.json", "generation_config.json", "pytorch_model.bin", "sentencepiece.bpe.model",
                       "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "README.md"}
    installed = store / "nllb-200-tiny"
    meta = json.loads((installed / "translate-model.json").read_text())
    assert meta["source"] == REPO_ID and meta["revision"] == repo.commit
    assert meta["licence"] == "CC-BY-NC-4.0" and meta["quantization"] == "int8"
    assert meta["installed_from"] == f"{url}/{REPO_ID}@{repo.commit}"
    assert (installed / "sentencepiece.bpe.model").read_bytes() == (checkpoint / "sentencepiece.bpe.model").read_bytes()
    vocabulary = json.loads((installed / "shared_vocabulary.json").read_text())
    assert {"eng_Latn", "prs_Arab", "pbt_Arab", "kaz_Cyrl"} <= set(vocabulary)
    # The checkpoint is gone once converted; the store holds nothing else.
    assert not _checkpoints().exists() or list(_checkpoints().iterdir()) == []
    assert sorted(p.name for p in store.iterdir()) == ["nllb-200-tiny"]

    out = tmp_path / "out"
    result = _run("publish", str(ARTICLE), "--to", "prs,ps,kk", "--multilingual-dir", str(store),
                  "--output", str(out), "--format", "md")
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "taliban-delisting" / "manifest.json").read_text())
    bodies = {}
    for key in ("prs", "ps", "kk"):
        model = manifest["editions"][key]["model"]
        assert (model["engine"], model["name"], model["version"]) == ("multilingual", "nllb-200-tiny", meta["version"])
        text = (out / "taliban-delisting" / key / f"taliban-delisting.{key}.md").read_text(encoding="utf-8")
        bodies[key] = split_front_matter(text)[1]
        assert bodies[key].strip()
        assert not re.search(r"[a-z]{3}_[A-Z][a-z]{3}|</s>", bodies[key])   # no language or special token leaks
    # The forced target token steers the decoder: three languages, three texts.
    assert len(set(bodies.values())) == 3


def test_local_checkpoint_folder_is_converted_without_network(tmp_path, checkpoint, hub_env):
    store = tmp_path / "store"
    with serve_hub() as (url, _):
        hub_env(url)
        result = _run("models", "install", str(checkpoint), "--multilingual-dir", str(store),
                      "--quantization", "float32")
        assert url.connections_made() == 0
    assert result.exit_code == 0, result.output
    meta = json.loads((store / "nllb-200-tiny" / "translate-model.json").read_text())
    assert meta["source"] == "nllb-200-tiny" and "revision" not in meta
    assert meta["installed_from"] == str(checkpoint.resolve())
    assert meta["licence"] == "CC-BY-NC-4.0" and meta["quantization"] == "float32"
    assert (checkpoint / "pytorch_model.bin").is_file()   # the user's folder is left alone


def test_an_m2m100_checkpoint_is_converted_too(tmp_path, hub_env):
    m2m = build_m2m_checkpoint(tmp_path / "m2m100-tiny")
    repo = HubRepo.from_folder("facebook/m2m100-tiny", m2m)
    store = tmp_path / "store"
    with serve_hub(repo) as (url, log):
        hub_env(url)
        result = _run("models", "install", "facebook/m2m100-tiny", "--revision", repo.commit,
                      "--multilingual-dir", str(store))
    assert result.exit_code == 0, result.output
    assert "vocab.json" in {path.rsplit("/", 1)[-1] for path in log.paths("HEAD")}
    # The pinned commit is what was asked for and what is recorded.
    assert f"/api/models/facebook/m2m100-tiny/revision/{repo.commit}" in log.paths("GET")
    assert json.loads((store / "m2m100-tiny" / "translate-model.json").read_text())["revision"] == repo.commit
    model = MultilingualStore(store).get("m2m100-tiny")
    assert model.family == "m2m" and model.codes == {"ru": "ru", "prs": "fa", "ps": "ps", "kk": "kk"}
    assert model.licence == "MIT"
    assert "the Afghan Dari adaptation is applied" in result.output


# --- downloading --------------------------------------------------------------------------------


def test_download_that_breaks_off_resumes_on_the_next_run(tmp_path, checkpoint, hub_env, monkeypatch):
    from huggingface_hub import constants

    # Small reads, so that the bytes before the break reach the disk (the
    # library reads 10 MB at a time; the real weights are hundreds of those).
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 4096)
    weights = (checkpoint / "pytorch_model.bin").read_bytes()
    repo = HubRepo.from_folder(REPO_ID, checkpoint, break_off={"pytorch_model.bin": len(weights) // 2})
    store = tmp_path / "store"
    with serve_hub(repo) as (url, log):
        hub_env(url)
        with pytest.raises(model_hub.DownloadBrokeOff) as failed:
            model_hub.install(REPO_ID, store, languages=["prs", "ps", "kk"])
        assert "run the same command again" in failed.value.one_line()
        assert "\n" not in failed.value.one_line()
        partial = list(_checkpoints().rglob("*.incomplete"))
        assert len(partial) == 1 and 0 < partial[0].stat().st_size < len(weights)
        kept = partial[0].stat().st_size
        assert MultilingualStore(store).list() == ([], [])

        result = model_hub.install(REPO_ID, store, languages=["prs", "ps", "kk"])
    ranges = log.gets(f"/cdn/{__import__('hashlib').sha256(weights).hexdigest()}")
    assert ranges == [None, f"bytes={kept}-"]   # the second run asked only for the rest
    assert result.model.name == "nllb-200-tiny" and result.model.serves("prs")
    assert not list(_checkpoints().iterdir())


@pytest.mark.parametrize("status", [401, 403])
def test_a_gated_model_gets_one_clear_line(tmp_path, checkpoint, hub_env, status):
    repo = HubRepo.from_folder(REPO_ID, checkpoint, gated=status)
    with serve_hub(repo) as (url, log):
        hub_env(url)
        result = _run("models", "install", REPO_ID, "--multilingual-dir", str(tmp_path / "store"))
    assert result.exit_code == 1
    [line] = _error_lines(result.output)
    assert f"{REPO_ID}: the Hugging Face Hub refused the download (HTTP {status}): the model is gated " \
        "and no Hugging Face token is set" in line
    assert f"accept the licence on {url}/{REPO_ID}" in line and "HF_TOKEN" in line
    assert "Traceback" not in result.output
    assert not (tmp_path / "store").exists() or list((tmp_path / "store").iterdir()) == []


def test_another_architecture_is_refused_before_the_weights_are_downloaded(tmp_path, checkpoint, hub_env):
    bart = tmp_path / "bart"
    shutil.copytree(checkpoint, bart)
    config = json.loads((bart / "config.json").read_text())
    config.update(model_type="bart", architectures=["BartForConditionalGeneration"])
    (bart / "config.json").write_text(json.dumps(config))
    repo = HubRepo.from_folder("facebook/bart-tiny", bart)
    with serve_hub(repo) as (url, log):
        hub_env(url)
        result = _run("models", "install", "facebook/bart-tiny", "--multilingual-dir", str(tmp_path / "store"))
    assert result.exit_code == 1
    [line] = _error_lines(result.output)
    assert "facebook/bart-tiny is a bart model (BartForConditionalGeneration), not NLLB-200, M2M-100, " \
        "OPUS-MT (Marian) or MADLAD-400 (T5)" in line
    assert "facebook/nllb-200-distilled-600M" in line and "Helsinki-NLP/opus-mt-tc-big-en-zle" in line
    assert not any("pytorch_model.bin" in path or "/cdn/" in path for path in log.paths("GET") + log.paths("HEAD"))
    # The same check for a local folder.
    with pytest.raises(model_hub.WrongArchitecture, match="is a bart model"):
        model_hub.prepare(str(bart), tmp_path / "staging")


def test_unknown_repository_and_revision(tmp_path, checkpoint, hub_env):
    repo = HubRepo.from_folder(REPO_ID, checkpoint)
    with serve_hub(repo) as (url, _):
        hub_env(url)
        result = _run("models", "install", "facebook/no-such-model", "--multilingual-dir", str(tmp_path / "s"))
        assert result.exit_code == 1
        [line] = _error_lines(result.output)
        assert f"facebook/no-such-model: no such model on {url}" in line
        result = _run("models", "install", REPO_ID, "--revision", "v9", "--multilingual-dir", str(tmp_path / "s"))
        assert result.exit_code == 1
        [line] = _error_lines(result.output)
        assert f"{REPO_ID} has no revision 'v9'" in line


# ("transformers", "torch"): a plain install of the wheel, which pulls no torch.
@pytest.mark.parametrize("missing", [("transformers",), ("transformers", "torch")])
def test_without_the_converter_the_command_says_what_to_install(missing, tmp_path, checkpoint, hub_env,
                                                                monkeypatch):
    for name in missing:
        monkeypatch.setitem(sys.modules, name, None)   # as if it were not installed
    repo = HubRepo.from_folder(REPO_ID, checkpoint)
    with serve_hub(repo) as (url, log):
        hub_env(url)
        result = _run("models", "install", REPO_ID, "--multilingual-dir", str(tmp_path / "store"))
    assert result.exit_code == 1
    [line] = _error_lines(result.output)
    assert f"needs {' and '.join(missing)}, which are not installed" in line
    assert "-m pip install 'transformers>=4.40,<5'" in line and "newsroom-translate[convert]" in line
    if "torch" in missing:   # the CPU build first: never a CUDA build of several GB
        cpu = line.index("-m pip install torch --index-url https://download.pytorch.org/whl/cpu`")
        assert cpu < line.index("-m pip install 'transformers>=4.40,<5'`")
    else:
        assert "torch" not in line
    # Said before the weights were downloaded.
    assert not any("pytorch_model.bin" in path for path in log.paths("HEAD"))


def test_a_ready_ctranslate2_repository_is_installed_without_conversion(tmp_path, hub_env, monkeypatch,
                                                                        multilingual_model_factory):
    monkeypatch.setitem(sys.modules, "transformers", None)   # no converter needed
    ready = multilingual_model_factory("nllb")
    repo = HubRepo.from_folder("someone/nllb-ct2-int8", ready, card_data={"license": "cc-by-nc-4.0"})
    store = tmp_path / "store"
    with serve_hub(repo) as (url, _):
        hub_env(url)
        result = _run("models", "install", "someone/nllb-ct2-int8", "--multilingual-dir", str(store))
    assert result.exit_code == 0, result.output
    installed = store / "nllb-ct2-int8"
    assert (installed / "model.bin").read_bytes() == (ready / "model.bin").read_bytes()
    meta = json.loads((installed / "translate-model.json").read_text())
    assert meta["source"] == "someone/nllb-ct2-int8" and meta["revision"] == repo.commit
    assert "quantization" not in meta


def test_offline_without_a_cached_copy_contacts_nobody(tmp_path, checkpoint, hub_env, monkeypatch):
    repo = HubRepo.from_folder(REPO_ID, checkpoint)
    with serve_hub(repo) as (url, _):
        hub_env(url)
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        result = _run("models", "install", REPO_ID, "--multilingual-dir", str(tmp_path / "store"))
        assert url.connections_made() == 0
    assert result.exit_code == 1
    [line] = _error_lines(result.output)
    assert f"HF_HUB_OFFLINE is set and {REPO_ID} is not in the Hugging Face cache" in line


def test_offline_the_checkpoint_comes_from_the_hugging_face_cache(tmp_path, checkpoint, hub_env, monkeypatch):
    from huggingface_hub import snapshot_download

    repo = HubRepo.from_folder(REPO_ID, checkpoint, card_data={"license": "cc-by-nc-4.0"})
    store = tmp_path / "store"
    with serve_hub(repo) as (url, _):
        hub_env(url)
        cached = Path(snapshot_download(REPO_ID, cache_dir=str(tmp_path / "hf-home" / "hub"), endpoint=url))
        before = url.connections_made()
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        result = _run("models", "install", REPO_ID, "--multilingual-dir", str(store))
        assert url.connections_made() == before
    assert result.exit_code == 0, result.output
    meta = json.loads((store / "nllb-200-tiny" / "translate-model.json").read_text())
    assert meta["revision"] == repo.commit == cached.name and meta["licence"] == "CC-BY-NC-4.0"
    assert (cached / "pytorch_model.bin").is_file()   # the user's cache is left as it was


def test_routing_of_install_names(tmp_path, checkpoint):
    assert model_hub.is_hub_source("facebook/nllb-200-distilled-600M")
    assert model_hub.is_hub_source(str(checkpoint))
    assert not model_hub.is_hub_source("ru") and not model_hub.is_hub_source("nllb-200-distilled-600M")
    package = tmp_path / "downloads" / "translate-en_ru-1_9.argosmodel"
    package.parent.mkdir()
    package.write_bytes(b"x")
    assert not model_hub.is_hub_source(str(package))   # an existing file is never a repository id
    assert model_hub.default_name("facebook/m2m100_418M") == "m2m100_418M"


# --- device and compute type: tests/test_runtime.py ---------------------------------------------


def test_an_unknown_quantization_is_refused():
    with pytest.raises(model_hub.HubError, match="CTranslate2 knows no such type"):
        model_hub.check_quantization("int3")


def test_doctor_shows_what_ctranslate2_can_use():
    import ctranslate2

    result = _run("doctor")
    line = next(line for line in result.output.splitlines() if "ctranslate2" in line)
    for compute_type in ctranslate2.get_supported_compute_types("cpu"):
        assert compute_type in line
    assert ("no CUDA device" in line) == (ctranslate2.get_cuda_device_count() == 0)
    assert "converting Hub checkpoints is available" in line
