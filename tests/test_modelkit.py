"""The test models of tests/modelkit.py are real and usable: argostranslate
loads the package, SentencePiece encodes the article, CTranslate2 translates
with attention, and the multilingual models honour language tokens."""

from __future__ import annotations

import json
import os
import unicodedata
import zipfile
from pathlib import Path

import pytest

import modelkit


def scripts_of(text: str) -> set[str]:
    """Scripts of the letters in text: {"LATIN", "CYRILLIC", "ARABIC", ...}."""
    return {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}


@pytest.fixture(scope="module")
def ru_package_dir(ru_argos_package, tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("unzipped")
    with zipfile.ZipFile(ru_argos_package) as zf:
        zf.extractall(dest)
    (folder,) = dest.iterdir()
    return folder


@pytest.fixture(scope="module")
def ru_translator(ru_package_dir):
    import ctranslate2

    return ctranslate2.Translator(str(ru_package_dir / "model"))


@pytest.fixture(scope="module")
def ru_tokenizer(ru_package_dir):
    import argostranslate.package

    return argostranslate.package.Package(ru_package_dir).tokenizer


# --- the Argos package ---------------------------------------------------------


def test_package_is_one_folder_laid_out_like_argos(ru_argos_package):
    assert ru_argos_package.name == "translate-en_ru-1_0.argosmodel"
    with zipfile.ZipFile(ru_argos_package) as zf:
        names = zf.namelist()
        tops = {name.split("/")[0] for name in names}
        assert tops == {"translate-en_ru-1_0"}
        files = {name.split("/", 1)[1] for name in names if not name.endswith("/")}
        assert {"metadata.json", "README.md", "sentencepiece.model", "model/model.bin",
                "model/config.json", "model/shared_vocabulary.json"} <= files
        metadata = json.loads(zf.read("translate-en_ru-1_0/metadata.json"))
    assert metadata["from_code"] == "en" and metadata["to_code"] == "ru"
    assert metadata["from_name"] == "English" and metadata["to_name"] == "Russian"
    assert metadata["package_version"] == "1.0" and metadata["type"] == "translate"
    assert metadata["argos_version"]


def test_argostranslate_loads_the_package(ru_package_dir):
    import argostranslate.package
    from argostranslate.tokenizer import SentencePieceTokenizer

    package = argostranslate.package.Package(ru_package_dir)
    assert (package.from_code, package.to_code, package.package_version) == ("en", "ru", "1.0")
    assert isinstance(package.tokenizer, SentencePieceTokenizer)
    assert "test model" in package.get_readme()


def test_factory_versions_and_languages(argos_package_factory, ru_argos_package):
    assert argos_package_factory() == ru_argos_package          # cached
    newer = argos_package_factory(to_code="kk", version="1.1")
    assert newer.name == "translate-en_kk-1_1.argosmodel"
    with zipfile.ZipFile(newer) as zf:
        metadata = json.loads(zf.read("translate-en_kk-1_1/metadata.json"))
    assert (metadata["to_code"], metadata["package_version"]) == ("kk", "1.1")


def test_tokenizer_encodes_every_article_sentence(ru_tokenizer):
    vocab = set(json.loads((ru_tokenizer.model_file.parent / "model" / "shared_vocabulary.json")
                           .read_text(encoding="utf-8")))
    for sentence in modelkit.article_sentences():
        pieces = ru_tokenizer.encode(sentence)
        assert pieces and "<unk>" not in pieces
        assert set(pieces) <= vocab, "every piece is a model token"
        assert ru_tokenizer.lazy_processor().decode_pieces(pieces) == " ".join(sentence.split())


def test_any_text_encodes_through_byte_fallback(ru_tokenizer):
    pieces = ru_tokenizer.encode("Ελληνικά 中文 🙂")
    assert "<unk>" not in pieces and any(p.startswith("<0x") for p in pieces)


def test_translates_the_article_in_a_batch_with_attention(ru_translator, ru_tokenizer):
    sentences = modelkit.article_sentences()
    batch = [ru_tokenizer.encode(s) for s in sentences]
    results = ru_translator.translate_batch(
        batch, beam_size=4, max_decoding_length=300, return_attention=True, return_scores=True)
    assert len(results) == len(sentences)
    for source, result in zip(batch, results):
        tokens = result.hypotheses[0]
        # stops by itself, one target piece per source piece
        assert tokens and tokens != ["</s>"] and len(tokens) == len(source) < 300
        text = ru_tokenizer.decode(tokens)
        assert scripts_of(text) == {"CYRILLIC"}, text
        attention = result.attention[0]
        assert len(attention) == len(tokens)
        for i, row in enumerate(attention):
            assert len(row) == len(source)
            assert sum(row) == pytest.approx(1.0, abs=1e-3)
            assert max(range(len(row)), key=row.__getitem__) == i   # monotonic alignment


def test_digits_pass_through(ru_translator, ru_tokenizer):
    (result,) = ru_translator.translate_batch([ru_tokenizer.encode("In 2003 and 2021.")])
    text = ru_tokenizer.decode(result.hypotheses[0])
    assert "2003" in text and "2021" in text


def test_max_decoding_length_bounds_long_input(ru_translator, ru_tokenizer):
    source = ru_tokenizer.encode(" ".join(modelkit.article_sentences()))
    assert len(source) > 400
    (result,) = ru_translator.translate_batch([source], max_decoding_length=50)
    assert len(result.hypotheses[0]) == 50


def test_argos_to_arabic_script_language(argos_package_factory, tmp_path):
    import ctranslate2
    import sentencepiece as spm

    with zipfile.ZipFile(argos_package_factory(to_code="ps")) as zf:
        zf.extractall(tmp_path)
    (folder,) = tmp_path.iterdir()
    sp = spm.SentencePieceProcessor(model_file=str(folder / "sentencepiece.model"))
    source = sp.encode(modelkit.article_sentences()[1], out_type=str)
    (result,) = ctranslate2.Translator(str(folder / "model")).translate_batch([source])
    assert scripts_of(sp.decode_pieces(result.hypotheses[0])) == {"ARABIC"}


# --- the multilingual models ---------------------------------------------------


@pytest.mark.parametrize("family, tokens", [
    ("nllb", modelkit.NLLB_LANG_TOKENS),
    ("m2m", modelkit.M2M_LANG_TOKENS),
])
def test_multilingual_model_honours_target_language(multilingual_model_factory, family, tokens):
    import ctranslate2
    import sentencepiece as spm

    folder = multilingual_model_factory(family)
    assert {"model.bin", "config.json", "shared_vocabulary.json", "sentencepiece.bpe.model"} <= {
        p.name for p in folder.iterdir()}
    vocab = json.loads((folder / "shared_vocabulary.json").read_text(encoding="utf-8"))
    assert set(tokens) <= set(vocab)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert config["decoder_start_token"] == "</s>"

    sp = spm.SentencePieceProcessor(model_file=str(folder / "sentencepiece.bpe.model"))
    sentence = modelkit.article_sentences()[3]
    source = [tokens[0], *sp.encode(sentence, out_type=str), "</s>"]
    translator = ctranslate2.Translator(str(folder))
    results = translator.translate_batch([source] * len(tokens), target_prefix=[[t] for t in tokens],
                                         beam_size=2, max_decoding_length=256, return_attention=True)
    expected = {"eng_Latn": "LATIN", "rus_Cyrl": "CYRILLIC", "kaz_Cyrl": "CYRILLIC",
                "prs_Arab": "ARABIC", "pbt_Arab": "ARABIC", "__en__": "LATIN",
                "__ru__": "CYRILLIC", "__kk__": "CYRILLIC", "__fa__": "ARABIC", "__ps__": "ARABIC"}
    outputs = {}
    for token, result in zip(tokens, results):
        hypothesis = result.hypotheses[0]
        assert hypothesis[0] == token
        assert len(hypothesis) == len(source) - 1       # prefix + one piece per source piece
        assert len(result.attention[0]) == len(hypothesis)
        assert all(len(row) == len(source) for row in result.attention[0])
        outputs[token] = sp.decode_pieces(hypothesis[1:])
        assert scripts_of(outputs[token]) == {expected[token]}, (token, outputs[token])
    # two languages of one script still get different words
    cyrillic = [t for t in tokens if expected[t] == "CYRILLIC"]
    assert outputs[cyrillic[0]] != outputs[cyrillic[1]]


def test_multilingual_lang_tokens_can_leave_one_out(multilingual_model_factory):
    tokens = [t for t in modelkit.NLLB_LANG_TOKENS if t != "kaz_Cyrl"]
    folder = multilingual_model_factory("nllb", tokens)
    vocab = json.loads((folder / "shared_vocabulary.json").read_text(encoding="utf-8"))
    assert set(tokens) <= set(vocab) and "kaz_Cyrl" not in vocab
    with pytest.raises(ValueError, match="not a nllb language token"):
        modelkit.build_multilingual_model(folder.parent / "bad", ["__ru__"], family="nllb")


def test_same_seed_same_model_other_seed_other_weights(multilingual_model_factory, tmp_path):
    import ctranslate2
    import sentencepiece as spm

    cached = multilingual_model_factory("nllb")
    again = modelkit.build_multilingual_model(tmp_path / "again", family="nllb", seed=0)
    other = modelkit.build_multilingual_model(tmp_path / "other", family="nllb", seed=1)
    assert modelkit.model_digest(again) == modelkit.model_digest(cached)
    assert modelkit.model_digest(other) != modelkit.model_digest(cached)

    sp = spm.SentencePieceProcessor(model_file=str(cached / "sentencepiece.bpe.model"))
    source = ["eng_Latn", *sp.encode(modelkit.article_sentences()[0], out_type=str), "</s>"]

    def translate(folder):
        (result,) = ctranslate2.Translator(str(folder)).translate_batch([source], target_prefix=[["rus_Cyrl"]])
        return result.hypotheses[0]

    assert translate(again) == translate(cached)
    assert translate(other) != translate(cached)


def test_argos_package_bytes_depend_only_on_arguments(ru_argos_package, tmp_path):
    again = modelkit.build_argos_package(tmp_path, "en", "ru", version="1.0", seed=0)
    assert again.read_bytes() == ru_argos_package.read_bytes()
    other = modelkit.build_argos_package(tmp_path / "other", "en", "ru", version="1.0", seed=1)
    assert other.read_bytes() != ru_argos_package.read_bytes()


# --- isolation -----------------------------------------------------------------


def test_tests_never_see_the_users_folders(tmp_path_factory):
    assert not any(name.startswith("ARGOS_") for name in os.environ)
    home = Path(os.environ["HOME"])
    assert Path.home() == home and home.is_relative_to(tmp_path_factory.getbasetemp())
    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        assert Path(os.environ[name]).is_relative_to(home)
