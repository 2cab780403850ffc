"""`translate models ...` with both stores: Argos packages and multilingual
(NLLB-200 / M2M-100) models, driven through the CLI with tiny real models."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from localserver import serve_routes
from translate.translation.models.argos import ArgosStore
from translate.translation.models.multilingual import MultilingualStore
from translate.cli.models import models

NO_PASHTO = ["eng_Latn", "rus_Cyrl", "prs_Arab", "kaz_Cyrl"]


@pytest.fixture
def dirs(tmp_path) -> dict[str, Path]:
    """The two stores and a configuration file (empty: built-in defaults)."""
    config = tmp_path / "translate.toml"
    config.write_text("")
    return {"argos": tmp_path / "argos", "multi": tmp_path / "multi", "config": config}


def run(dirs, *args: str, config: Path | None = None, env: dict | None = None):
    options = ["--models-dir", str(dirs["argos"])]
    if "TRANSLATE_MODELS_DIR" not in (env or {}):
        options += ["--multilingual-dir", str(dirs["multi"])]
    if args[0] in ("list", "add", "install", "verify"):
        options += ["--config", str(config or dirs["config"])]
    return CliRunner().invoke(models, [*args, *options], env=env, catch_exceptions=False)


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "custom.toml"
    path.write_text(text)
    return path


def assert_one_line_error(result) -> str:
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    return errors[0]


def row(output: str, key: str) -> str:
    """The project-languages table row for ``key``."""
    section = output.split("Project languages", 1)[1]
    return next(line for line in section.splitlines() if line.split()[:1] == [key])


def zip_folder(folder: Path, archive: Path, top: str) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, f"{top}/{path.name}")
    return archive


@pytest.fixture(scope="module")
def nllb_dir(multilingual_model_factory) -> Path:
    return multilingual_model_factory("nllb")


@pytest.fixture(scope="module")
def m2m_dir(multilingual_model_factory) -> Path:
    return multilingual_model_factory("m2m")


# --- add ----------------------------------------------------------------------------------


def test_add_a_folder_and_a_zip_into_the_multilingual_store(dirs, tmp_path, nllb_dir, m2m_dir):
    result = run(dirs, "add", str(nllb_dir), "--name", "nllb-tiny")
    assert result.exit_code == 0, result.output
    assert "Installed multilingual model nllb-tiny (NLLB-200" in result.output
    assert "prs (prs_Arab)" in result.output and "ps (pbt_Arab)" in result.output
    assert "adaptation" not in result.output     # NLLB writes Dari itself
    assert MultilingualStore(dirs["multi"]).get("nllb-tiny").family == "nllb"
    assert not dirs["argos"].exists()

    archive = zip_folder(m2m_dir, tmp_path / "m2m100_418M.zip", "m2m100_418M")
    result = run(dirs, "add", str(archive))
    assert result.exit_code == 0, result.output
    assert "Installed multilingual model m2m100_418M (M2M-100" in result.output
    assert "Afghan Dari adaptation" in result.output and "licence MIT" in result.output
    installed = [m.name for m in MultilingualStore(dirs["multi"]).list()[0]]
    assert installed == ["nllb-tiny", "m2m100_418M"]
    assert not dirs["argos"].exists()


def test_add_honours_translate_models_dir(dirs, tmp_path, nllb_dir):
    store = tmp_path / "env-store"
    result = run(dirs, "add", str(nllb_dir), "--name", "from-env", env={"TRANSLATE_MODELS_DIR": str(store)})
    assert result.exit_code == 0, result.output
    assert MultilingualStore(store).get("from-env") is not None
    assert not dirs["multi"].exists()


def test_add_an_argos_package_still_goes_to_the_argos_store(dirs, ru_argos_package):
    result = run(dirs, "add", str(ru_argos_package))
    assert result.exit_code == 0, result.output
    assert ArgosStore(dirs["argos"]).find_pair("en", "ru") is not None
    assert MultilingualStore(dirs["multi"]).list() == ([], [])
    assert "--name is for multilingual models" in assert_one_line_error(
        run(dirs, "add", str(ru_argos_package), "--name", "x"))


def test_a_vocabulary_without_a_needed_token_is_refused(dirs, tmp_path, multilingual_model_factory):
    no_pashto = multilingual_model_factory("nllb", NO_PASHTO)
    error = assert_one_line_error(run(dirs, "add", str(no_pashto), "--name", "no-pashto"))
    assert "Pashto (pbt_Arab)" in error
    assert MultilingualStore(dirs["multi"]).list() == ([], [])
    assert not [p for p in dirs["multi"].parent.iterdir() if p.name.startswith(".")]

    # The configuration decides what is needed: with Pashto through Argos the model is fine.
    config = write_config(tmp_path, 'languages.ps = "argos"\n')
    result = run(dirs, "add", str(no_pashto), "--name", "no-pashto", config=config)
    assert result.exit_code == 0, result.output
    assert not MultilingualStore(dirs["multi"]).get("no-pashto").serves("ps")


@pytest.mark.parametrize("case,expected", [
    ("missing", "no such file or folder"),
    ("empty-folder", "is not a converted model"),
    ("argos-folder", "unpacked Argos package"),
    ("bad-config", "invalid TOML"),
    ("absent-config", "no such configuration file"),
])
def test_add_errors_are_one_line(dirs, tmp_path, nllb_dir, case, expected):
    path, config = tmp_path / "model", None
    if case == "empty-folder":
        path.mkdir()
    elif case == "argos-folder":
        path.mkdir()
        (path / "metadata.json").write_text("{}")
    elif case == "bad-config":
        path, config = nllb_dir, write_config(tmp_path, "[languages\n")
    elif case == "absent-config":
        path, config = nllb_dir, tmp_path / "absent.toml"
    assert expected in assert_one_line_error(run(dirs, "add", str(path), config=config))
    assert MultilingualStore(dirs["multi"]).list() == ([], [])


# --- list -----------------------------------------------------------------------------------


def test_list_shows_which_engine_and_model_serve_each_language(dirs, nllb_dir, ru_argos_package):
    empty = run(dirs, "list")
    assert empty.exit_code == 0, empty.output
    assert f"configuration {dirs['config']}" in empty.output
    for key in ("prs", "ps", "kk"):
        line = row(empty.output, key)
        assert "multilingual" in line and "missing: no multilingual model" in line
        assert "translate models add FOLDER" in line
    russian = row(empty.output, "ru")
    assert "missing: no Argos en→ru package" in russian and "translate models install ru" in russian

    assert run(dirs, "add", str(nllb_dir), "--name", "nllb-tiny").exit_code == 0
    partial = run(dirs, "list")
    for key, code in (("prs", "prs_Arab"), ("ps", "pbt_Arab"), ("kk", "kaz_Cyrl")):
        line = row(partial.output, key)
        assert line.split()[2:4] == ["multilingual", "nllb-tiny"] and f"writes {code}" in line
    assert "adaptation" not in row(partial.output, "prs")
    assert "missing: no Argos en→ru package" in row(partial.output, "ru")
    installed = partial.output.split("Installed multilingual models", 1)[1]
    assert any(line.split()[:2] == ["nllb-tiny", "NLLB-200"] for line in installed.splitlines())

    assert run(dirs, "add", str(ru_argos_package)).exit_code == 0
    full = run(dirs, "list")
    assert row(full.output, "ru").split()[2:5] == ["argos", "translate-en_ru", "1.0"]
    assert "missing" not in full.output.split("Project languages", 1)[1]


def test_list_follows_the_configuration(dirs, tmp_path, m2m_dir):
    assert run(dirs, "add", str(m2m_dir), "--name", "m2m-tiny").exit_code == 0
    result = run(dirs, "list")
    assert "writes fa + Afghan Dari adaptation" in row(result.output, "prs")

    config = write_config(tmp_path, '[languages]\nprs = { engine = "argos", model = "fa" }\n'
                                     'ps = { engine = "multilingual", model = "nllb" }\n')
    result = run(dirs, "list", config=config)
    assert result.exit_code == 0, result.output
    assert f"configuration {config}" in result.output
    dari = row(result.output, "prs")
    assert "argos:fa" in dari and "no Argos en→fa package" in dari and "set in custom.toml" in dari
    pashto = row(result.output, "ps")
    assert "no NLLB-200 model with pbt_Arab" in pashto
    assert "ready" in row(result.output, "kk") and "m2m-tiny" in row(result.output, "kk")


# --- install --------------------------------------------------------------------------------


def test_install_a_named_model_from_the_configured_location(dirs, tmp_path, m2m_dir):
    body = zip_folder(m2m_dir, tmp_path / "m.zip", "m2m100_418M").read_bytes()
    with serve_routes({"/m.zip": body}) as base:
        config = write_config(tmp_path, f'[downloads.m2m100_418M]\nurl = "{base}/m.zip"\n'
                                         f'sha256 = "{hashlib.sha256(body).hexdigest()}"\n')
        result = run(dirs, "install", "m2m100_418M", config=config)
        assert result.exit_code == 0, result.output
        assert "Downloading m2m100_418M" in result.output          # the progress bar
        assert "Installed multilingual model m2m100_418M (M2M-100" in result.output
        assert MultilingualStore(dirs["multi"]).get("m2m100_418M").family == "m2m"
        again = run(dirs, "install", "m2m100_418M", config=config)
        assert again.exit_code == 0 and "already installed" in again.output

        bad = write_config(tmp_path, f'[downloads.m2m100_418M]\nurl = "{base}/m.zip"\nsha256 = "{"0" * 64}"\n')
        error = assert_one_line_error(run(dirs, "install", "m2m100_418M", "--force", config=bad))
        assert "checksum" in error
    assert MultilingualStore(dirs["multi"]).get("m2m100_418M") is not None   # the refused download changed nothing


def test_install_with_url_and_sha256_options(dirs, tmp_path, nllb_dir):
    body = zip_folder(nllb_dir, tmp_path / "n.zip", "nllb").read_bytes()
    with serve_routes({"/n.zip": body}) as base:
        result = run(dirs, "install", "nllb-200-distilled-600M", "--url", f"{base}/n.zip",
                     "--sha256", hashlib.sha256(body).hexdigest())
    assert result.exit_code == 0, result.output
    assert MultilingualStore(dirs["multi"]).get("nllb-200-distilled-600M").licence == "CC-BY-NC-4.0"
    assert "--url and --sha256 go together" in run(dirs, "install", "ru", "kk", "--url", "http://x/").output


def test_install_explains_languages_argos_lacks(dirs, tmp_path, nllb_dir):
    index = json.dumps([{"from_code": "en", "to_code": "ru", "package_version": "1.0",
                         "links": ["/ru.argosmodel"], "code": "translate-en_ru"}]).encode()
    with serve_routes({"/index.json": index}) as base:
        result = run(dirs, "install", "ps", "--index-url", f"{base}/index.json")
        error = assert_one_line_error(result)
        assert "no English→Pashto package" in error
        assert "NLLB-200 (nllb-200-distilled-600M" in error and "pbt_Arab" in error
        assert "M2M-100 (m2m100_418M" in error and "__ps__" in error
        assert "docs/models.md" in error and "translate models add FOLDER" in error

        config = write_config(tmp_path, f'[downloads."nllb-200-distilled-600M"]\nurl = "{base}/n.zip"\n'
                                         f'sha256 = "{"a" * 64}"\n')
        error = assert_one_line_error(run(dirs, "install", "kk", "--index-url", f"{base}/index.json",
                                          config=config))
        assert "`translate models install nllb-200-distilled-600M`" in error

        assert run(dirs, "add", str(nllb_dir), "--name", "nllb-tiny").exit_code == 0
        error = assert_one_line_error(run(dirs, "install", "prs", "--index-url", f"{base}/index.json"))
        assert "en→fa is Iranian Persian" in error
        assert "installed multilingual model nllb-tiny already serves Dari" in error


def test_install_refuses_what_is_neither_a_language_nor_a_model(dirs):
    error = assert_one_line_error(run(dirs, "install", "nllb-9000-giant"))
    assert "neither a language" in error and "m2m100_418M" in error


# --- remove ---------------------------------------------------------------------------------


def test_remove_from_both_stores(dirs, nllb_dir, ru_argos_package):
    assert run(dirs, "add", str(nllb_dir), "--name", "nllb-tiny").exit_code == 0
    assert run(dirs, "add", str(ru_argos_package)).exit_code == 0

    # A language key names an Argos package; a multilingual model goes by name.
    error = assert_one_line_error(run(dirs, "remove", "ps"))
    assert "served by the multilingual model nllb-tiny" in error and "multilingual models: nllb-tiny" in error
    assert MultilingualStore(dirs["multi"]).get("nllb-tiny") is not None

    result = run(dirs, "remove", "nllb-tiny")
    assert result.exit_code == 0 and "Removed" in result.output
    assert MultilingualStore(dirs["multi"]).list() == ([], [])
    assert ArgosStore(dirs["argos"]).find_pair("en", "ru") is not None

    assert run(dirs, "remove", "ru").exit_code == 0
    assert ArgosStore(dirs["argos"]).list() == ([], [])
    leftovers = [p.name for root in (dirs["argos"], dirs["multi"]) for p in root.parent.iterdir()
                 if p.name.startswith(".")]
    assert leftovers == []

    (dirs["multi"] / "junk").mkdir()
    assert run(dirs, "remove", "junk").exit_code == 0 and not (dirs["multi"] / "junk").exists()


# --- verify ---------------------------------------------------------------------------------


def test_verify_checks_both_stores(dirs, nllb_dir, ru_argos_package):
    assert run(dirs, "add", str(nllb_dir), "--name", "nllb-tiny").exit_code == 0
    assert run(dirs, "add", str(ru_argos_package)).exit_code == 0

    result = run(dirs, "verify")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    argos = next(line for line in lines if "en→ru" in line)
    multi = next(line for line in lines if "nllb-tiny" in line)
    assert argos.startswith("OK") and multi.startswith("OK")
    assert "loads in CTranslate2" in multi and "prs_Arab" in multi and "sentencepiece" in multi

    by_language = run(dirs, "verify", "prs", "ru")
    assert by_language.exit_code == 0, by_language.output
    assert any(line.startswith("OK") and "prs: nllb-tiny" in line for line in by_language.output.splitlines())
    assert any(line.startswith("OK") and "ru: en→ru" in line for line in by_language.output.splitlines())

    installed = dirs["multi"] / "nllb-tiny"
    (installed / "model.bin").write_bytes(b"garbage")
    (installed / "sentencepiece.bpe.model").write_bytes(b"garbage")
    broken = run(dirs, "verify", "nllb-tiny")
    assert broken.exit_code == 1
    row_ = next(line for line in broken.output.splitlines() if "nllb-tiny" in line)
    assert row_.startswith("FAIL") and "CTranslate2 cannot load it" in row_ and "tokenizer:" in row_
    assert "1 of 1 failed verification" in broken.output


def test_verify_reports_missing_language_tokens_and_models(dirs, tmp_path, multilingual_model_factory):
    no_pashto = multilingual_model_factory("nllb", NO_PASHTO)
    MultilingualStore(dirs["multi"]).add(no_pashto, name="no-pashto", languages=["prs", "kk"])
    assert run(dirs, "verify").exit_code == 0           # nothing sends Pashto to it by name

    config = write_config(tmp_path, '[languages]\nps = { engine = "multilingual", model = "no-pashto" }\n')
    result = run(dirs, "verify", config=config)
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if "no-pashto" in line)
    assert line.startswith("FAIL") and "no token for Pashto (pbt_Arab)" in line

    missing = run(dirs, "verify", "ps")
    assert missing.exit_code == 1
    assert "no multilingual model with pbt_Arab" in missing.output and "translate models add FOLDER" in missing.output


def test_verify_with_nothing_installed(dirs):
    error = assert_one_line_error(run(dirs, "verify"))
    assert "no packages installed" in error and "no multilingual models" in error
