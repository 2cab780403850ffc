"""The multilingual engine (NLLB-200 / M2M-100 in CTranslate2) and its model store,
with tiny real models built by tests/modelkit.py."""

from __future__ import annotations

import hashlib
import json
import shutil
import unicodedata
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from localserver import serve_routes

from translate.project import user_folders
from translate.project.languages import TARGETS
from translate.translation.engines.base import EngineError
from translate.translation.engines.multilingual import MultilingualEngine
from translate.translation.models import multilingual as model_store
from translate.translation.models.multilingual import MultilingualStore
from translate.translation.models.store import ModelError

SENTENCES = [
    "Russia has removed the Taliban from its list of terrorist organisations.",
    "",
    "The Supreme Court took the decision in April.",
    "Moscow wants trade and investment with Afghanistan.",
]
SCRIPT = {"ru": "CYRILLIC", "kk": "CYRILLIC", "prs": "ARABIC", "ps": "ARABIC"}


def _script_share(text: str, script: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(unicodedata.name(c, "").startswith(script) for c in letters) / max(1, len(letters))


class SpyTranslator:
    """Wraps a real ctranslate2.Translator and records what reaches it."""

    def __init__(self, real):
        self.real = real
        self.calls: list[tuple[list[list[str]], dict]] = []

    def translate_iterable(self, source, **kwargs):
        batch = [list(tokens) for tokens in source]
        self.calls.append((batch, kwargs))
        return self.real.translate_iterable(iter(batch), **kwargs)


def _spied_engine(model_dir: Path, family: str, lang_key: str) -> tuple[MultilingualEngine, SpyTranslator]:
    import ctranslate2

    folder = model_store.ModelFolder(model_dir, family, f"tiny-{family}", "1")
    engine = MultilingualEngine(folder, TARGETS[lang_key])
    spy = SpyTranslator(ctranslate2.Translator(str(model_dir), device="cpu", intra_threads=1))
    engine._translator = spy
    return engine, spy


@pytest.fixture(scope="module")
def nllb_dir(multilingual_model_factory) -> Path:
    return multilingual_model_factory("nllb")


@pytest.fixture(scope="module")
def m2m_dir(multilingual_model_factory) -> Path:
    return multilingual_model_factory("m2m")


# --- the engine ---------------------------------------------------------------------


@pytest.mark.parametrize("family,lang_key,src_token,tgt_token", [
    ("nllb", "prs", "eng_Latn", "prs_Arab"),
    ("nllb", "ps", "eng_Latn", "pbt_Arab"),
    ("nllb", "kk", "eng_Latn", "kaz_Cyrl"),
    ("m2m", "prs", "__en__", "__fa__"),
    ("m2m", "ru", "__en__", "__ru__"),
])
def test_language_tokens_are_added_and_stripped(family, lang_key, src_token, tgt_token, nllb_dir, m2m_dir):
    engine, spy = _spied_engine(nllb_dir if family == "nllb" else m2m_dir, family, lang_key)
    results = engine.translate(SENTENCES)

    # One batched call for the whole document; the empty segment never reaches the model.
    assert len(spy.calls) == 1
    batch, kwargs = spy.calls[0]
    assert len(batch) == len([s for s in SENTENCES if s])
    for tokens, text in zip(batch, [s for s in SENTENCES if s]):
        assert tokens[0] == src_token and tokens[-1] == "</s>"
        assert tokens[1:-1] == [p.token for p in engine.codec.encode(text)]
    assert kwargs["target_prefix"] == [[tgt_token]] * len(batch)

    assert len(results) == len(SENTENCES) and results[1].text == ""
    for result in (results[0], results[2], results[3]):
        assert result.text
        # The forced target token made the model write the language's script,
        # and no language token or special token leaks into the text.
        assert _script_share(result.text, SCRIPT[lang_key]) > 0.8, result.text
        assert tgt_token not in result.text and "⁇" not in result.text and "</s>" not in result.text
    assert engine.info.engine == "multilingual"
    assert engine.info.extra["family"] == family
    assert engine.info.extra["target_token"] == tgt_token


def test_alignment_points_into_both_texts(nllb_dir):
    engine, _ = _spied_engine(nllb_dir, "nllb", "kk")
    source = SENTENCES[0]
    [result] = engine.translate([source])
    assert result.alignment
    for pair in result.alignment:
        assert 0 <= pair.src_start < pair.src_end <= len(source)
        assert 0 <= pair.tgt_start < pair.tgt_end <= len(result.text)
        assert source[pair.src_start:pair.src_end].strip()
    # The tiny model translates word by word in order: the first source word
    # is aligned to the start of the output.
    first = min(result.alignment, key=lambda a: a.tgt_start)
    assert first.src_start == 0


def test_progress_counts_every_segment(nllb_dir):
    engine, _ = _spied_engine(nllb_dir, "nllb", "ps")
    done = []
    engine.translate(SENTENCES, progress=done.append)
    assert sum(done) == len(SENTENCES)


def test_engine_refuses_a_folder_without_tokenizer(tmp_path, nllb_dir):
    broken = tmp_path / "no-tokenizer"
    shutil.copytree(nllb_dir, broken)
    (broken / "sentencepiece.bpe.model").unlink()
    with pytest.raises(EngineError, match="sentencepiece.bpe.model"):
        MultilingualEngine(model_store.ModelFolder(broken, "nllb", "x", "1"), TARGETS["prs"])


# --- the store: add ----------------------------------------------------------------------


def test_add_folder_records_family_codes_and_version(tmp_path, nllb_dir, m2m_dir):
    store = tmp_path / "store"
    nllb = MultilingualStore(store).add(nllb_dir, name="nllb-tiny").model
    m2m = MultilingualStore(store).add(m2m_dir, name="m2m-tiny").model
    assert (nllb.family, m2m.family) == ("nllb", "m2m")
    assert nllb.codes == {"ru": "rus_Cyrl", "prs": "prs_Arab", "ps": "pbt_Arab", "kk": "kaz_Cyrl"}
    assert m2m.codes["prs"] == "fa"
    digest = hashlib.sha256((nllb_dir / "model.bin").read_bytes()).hexdigest()
    assert nllb.version == f"sha256:{digest[:12]}"
    assert (store / "nllb-tiny" / "model.bin").read_bytes() == (nllb_dir / "model.bin").read_bytes()
    installed, broken = MultilingualStore(store).list()
    assert [m.name for m in installed] == ["nllb-tiny", "m2m-tiny"] and not broken
    # NLLB first: it has a Dari of its own.
    assert MultilingualStore(store).find("prs").name == "nllb-tiny"
    assert MultilingualStore(store).find("prs", "m2m").name == "m2m-tiny"
    assert MultilingualStore(store).find("prs", "m2m-tiny").name == "m2m-tiny"


def test_add_refuses_a_vocabulary_without_a_needed_token(tmp_path, multilingual_model_factory):
    no_pashto = multilingual_model_factory("nllb", ["eng_Latn", "rus_Cyrl", "prs_Arab", "kaz_Cyrl"])
    store = tmp_path / "store"
    with pytest.raises(model_store.InvalidModelError, match=r"Pashto \(pbt_Arab\)"):
        MultilingualStore(store).add(no_pashto, name="no-pashto")
    assert not (store / "no-pashto").exists()
    # Fine when the project does not route Pashto to it.
    added = MultilingualStore(store).add(no_pashto, name="no-pashto", languages=["prs", "kk"])
    assert not added.model.serves("ps") and added.model.serves("prs")
    assert MultilingualStore(store).find("ps") is None


def test_add_refuses_a_model_without_english(tmp_path, multilingual_model_factory):
    no_english = multilingual_model_factory("m2m", ["__ru__", "__fa__", "__ps__", "__kk__"])
    with pytest.raises(model_store.InvalidModelError, match="no English token"):
        MultilingualStore(tmp_path / "store").add(no_english, name="x")


@pytest.mark.parametrize("remove,message", [
    ("sentencepiece.bpe.model", "sentencepiece.bpe.model missing"),
    ("model.bin", "model.bin missing"),
    ("shared_vocabulary.json", "no shared_vocabulary"),
])
def test_add_refuses_incomplete_folders(tmp_path, nllb_dir, remove, message):
    folder = tmp_path / "model"
    shutil.copytree(nllb_dir, folder)
    (folder / remove).unlink()
    with pytest.raises(model_store.InvalidModelError, match=message):
        MultilingualStore(tmp_path / "store").add(folder)
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").iterdir())


def _zip_folder(folder: Path, archive: Path, top: str | None) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, f"{top}/{path.name}" if top else path.name)
    return archive


@pytest.mark.parametrize("top", ["nllb-200-tiny", None])
def test_add_zip_with_or_without_top_folder(tmp_path, nllb_dir, top):
    archive = _zip_folder(nllb_dir, tmp_path / "nllb-200-tiny.zip", top)
    assert model_store.looks_like_multilingual(archive)
    model = MultilingualStore(tmp_path / "store").add(archive).model
    assert model.name == "nllb-200-tiny" and model.path == tmp_path / "store" / "nllb-200-tiny"
    assert (model.path / "sentencepiece.bpe.model").is_file()


def test_add_refuses_unsafe_archive_and_leaves_store_untouched(tmp_path, nllb_dir):
    store = tmp_path / "store"
    MultilingualStore(store).add(nllb_dir, name="kept")
    before = set(tmp_path.rglob("*"))
    archive = _zip_folder(nllb_dir, tmp_path / "evil.zip", "evil")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("evil/../../escaped.txt", "x")
    with pytest.raises(model_store.InvalidModelError, match="outside"):
        MultilingualStore(store).add(archive)
    assert not (tmp_path / "escaped.txt").exists()
    assert set(tmp_path.rglob("*")) == before | {archive}


def test_add_replaces_a_model_of_the_same_name(tmp_path, nllb_dir, m2m_dir):
    store = tmp_path / "store"
    MultilingualStore(store).add(nllb_dir, name="main")
    result = MultilingualStore(store).add(m2m_dir, name="main")
    assert len(result.replaced) == 1 and result.replaced[0].family == "nllb"
    assert MultilingualStore(store).get("main").family == "m2m"
    assert [p.name for p in store.parent.iterdir() if p.name.startswith(".")] == []


def test_looks_like_multilingual(tmp_path, nllb_dir, ru_argos_package):
    assert model_store.looks_like_multilingual(nllb_dir)
    assert not model_store.looks_like_multilingual(ru_argos_package)   # an .argosmodel zip
    assert not model_store.looks_like_multilingual(tmp_path / "missing")
    (tmp_path / "notes.zip").write_bytes(b"not a zip")
    assert not model_store.looks_like_multilingual(tmp_path / "notes.zip")


def test_store_dir_resolution(tmp_path, monkeypatch):
    monkeypatch.delenv("TRANSLATE_MODELS_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert user_folders.multilingual_models_dir() == tmp_path / "data" / "newsroom-translate" / "models"
    monkeypatch.setenv("TRANSLATE_MODELS_DIR", str(tmp_path / "env"))
    assert user_folders.multilingual_models_dir() == tmp_path / "env"
    assert user_folders.multilingual_models_dir(tmp_path / "arg") == tmp_path / "arg"


def test_broken_folder_is_listed_not_fatal_and_removable(tmp_path, nllb_dir):
    store = tmp_path / "store"
    MultilingualStore(store).add(nllb_dir, name="good")
    (store / "junk").mkdir()
    models, broken = MultilingualStore(store).list()
    assert [m.name for m in models] == ["good"]
    assert [b.path.name for b in broken] == ["junk"] and "translate-model.json" in broken[0].reason
    MultilingualStore(store).remove("junk")
    MultilingualStore(store).remove("good")
    assert list(store.iterdir()) == []
    with pytest.raises(ModelError, match="no multilingual model called 'good'"):
        MultilingualStore(store).remove("good")


def test_verify_loads_the_model(tmp_path, nllb_dir):
    store = tmp_path / "store"
    MultilingualStore(store).add(nllb_dir, name="good")
    [result] = MultilingualStore(store).verify()
    assert result.ok, result.checks
    (store / "good" / "model.bin").write_bytes(b"garbage")
    [result] = MultilingualStore(store).verify()
    assert not result.ok and any(c.name == "model" and not c.ok for c in result.checks)


# --- the store: install over HTTP ------------------------------------------------------------


@pytest.fixture(scope="module")
def m2m_zip(tmp_path_factory, m2m_dir) -> bytes:
    archive = _zip_folder(m2m_dir, tmp_path_factory.mktemp("zip") / "m2m100_418M.zip", "m2m100_418M")
    return archive.read_bytes()


def _no_leftovers(store: Path) -> bool:
    return not [p for p in store.parent.iterdir() if p.name.startswith(".")]


def test_install_downloads_checks_and_installs(tmp_path, m2m_zip):
    store = tmp_path / "store"
    received = []

    @contextmanager
    def progress(label, total):
        assert label == "m2m100_418M" and total == len(m2m_zip)
        yield received.append

    with serve_routes({"/m.zip": (m2m_zip, None)}) as base:
        result = MultilingualStore(store).install("m2m100_418M", url=f"{base}/m.zip", sha256=hashlib.sha256(m2m_zip).hexdigest(), progress=progress)
    assert sum(received) == len(m2m_zip)
    assert result.model.name == "m2m100_418M" and result.model.family == "m2m"
    assert result.model.licence == "MIT"
    assert json.loads((store / "m2m100_418M" / "translate-model.json").read_text())["installed_from"].endswith("/m.zip")
    assert _no_leftovers(store)


def test_install_takes_the_location_from_the_configuration(tmp_path, m2m_zip):
    from translate.project import config

    with serve_routes({"/m.zip": (m2m_zip, None)}) as base:
        cfg = config.parse(f'[downloads.m2m100_418M]\nurl = "{base}/m.zip"\n'
                           f'sha256 = "{hashlib.sha256(m2m_zip).hexdigest()}"\nsize = {len(m2m_zip)}\n')
        result = MultilingualStore(tmp_path / "store").install("m2m100_418M", downloads=cfg.downloads)
    assert result.model.family == "m2m"


@pytest.mark.parametrize("case", ["broken-off", "checksum", "wrong-family"])
def test_install_refuses_bad_downloads_and_leaves_nothing(tmp_path, m2m_zip, case):
    store = tmp_path / "store"
    body, length, sha = m2m_zip, None, hashlib.sha256(m2m_zip).hexdigest()
    if case == "broken-off":
        body, length = m2m_zip[: len(m2m_zip) // 2], len(m2m_zip)
    elif case == "checksum":
        sha = hashlib.sha256(b"something else").hexdigest()
    name = "nllb-200-distilled-600M" if case == "wrong-family" else "m2m100_418M"
    expected = {"broken-off": "broke off", "checksum": "checksum", "wrong-family": "not NLLB-200"}[case]
    with serve_routes({"/m.zip": (body, length)}) as base:
        with pytest.raises(ModelError, match=expected):
            MultilingualStore(store).install(name, url=f"{base}/m.zip", sha256=sha)
    assert not store.exists() or list(store.iterdir()) == []
    assert _no_leftovers(store)


def test_install_explains_what_is_missing(tmp_path):
    with pytest.raises(ModelError, match="no download location is set for nllb-200-distilled-600M"):
        MultilingualStore(tmp_path).install("nllb-200-distilled-600M")
    with pytest.raises(ModelError, match="unknown model 'gpt'"):
        MultilingualStore(tmp_path).install("gpt")
    with pytest.raises(ModelError, match="no valid SHA-256"):
        MultilingualStore(tmp_path).install("m2m100_418M", url="http://127.0.0.1:9/m.zip")
