"""Hostile and careless model input (issue 20, model cases): a package with a
poisoned version, metadata with escape and bidi characters, links and special
files in a model folder, a kill between the two renames of a replacing
install, an archive whose folder name lies about its language pair.

Each case runs through the CLI where a user would meet it and checks the exit
status, one clear line, no traceback, no control sequence on screen, and that
the installed models are unchanged (or validly updated)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import modelkit
from translate.project.config import default as default_config
from translate.project.languages import TARGETS
from translate.translation.models.argos import ArgosStore
from translate.translation.models.multilingual import METADATA_FILE, MultilingualStore
from translate.translation.models.routing import EngineChoice, plan
from translate.translation.models.store import InvalidModelError, metadata_text
from translate.cli.models import models

POISON_VERSION = "1." + "0" * 5000
ESC = "\x1b"
CONTROL = (ESC, "\x07", "\x9b", "\u202e", "\u2066", "\x00")


@pytest.fixture
def dirs(tmp_path) -> dict[str, Path]:
    return {"argos": tmp_path / "argos", "multi": tmp_path / "multi"}


def run(dirs, *args: str):
    options = ["--models-dir", str(dirs["argos"]), "--multilingual-dir", str(dirs["multi"])]
    return CliRunner().invoke(models, [*args, *options], catch_exceptions=False)


def assert_clean(result) -> None:
    assert "Traceback" not in result.output
    assert not any(ch in result.output for ch in CONTROL), repr(result.output[:300])


def assert_one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert_clean(result)
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert len(errors[0]) < 600
    return errors[0]


def tampered(source: Path, dest: Path, top: str | None = None, **metadata) -> Path:
    """A copy of the .argosmodel ``source`` with metadata.json fields replaced
    (None removes one) and, optionally, another top-level folder name."""
    unpacked = dest.parent / f"{dest.stem}-unpacked"
    with zipfile.ZipFile(source) as zf:
        zf.extractall(unpacked)
    [folder] = list(unpacked.iterdir())
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    for key, value in metadata.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return modelkit.zip_package(folder, dest, top or folder.name)


def plant(store_folder: Path, package: Path, name: str, **metadata) -> Path:
    """Put a package folder with the given metadata straight into a store, as
    an older version of this tool (or a hand copy) would have left it."""
    unpacked = store_folder.parent / f"plant-{name}"
    with zipfile.ZipFile(package) as zf:
        zf.extractall(unpacked)
    [folder] = list(unpacked.iterdir())
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    meta.update(metadata)
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    store_folder.mkdir(parents=True, exist_ok=True)
    return folder.rename(store_folder / name)


# --- a poisoned version -----------------------------------------------------------------


def test_a_package_with_a_poisoned_version_is_refused_at_install(dirs, tmp_path, argos_package_factory):
    bad = tampered(argos_package_factory("de"), tmp_path / "bad.argosmodel", package_version=POISON_VERSION)
    error = assert_one_line_error(run(dirs, "add", str(bad)))
    assert "bad.argosmodel" in error and "package_version" in error and "5002 characters" in error
    assert ArgosStore(dirs["argos"]).list() == ([], [])


def test_a_poisoned_package_already_in_the_store_poisons_nothing(dirs, tmp_path, argos_package_factory):
    plant(dirs["argos"], argos_package_factory("de"), "poisoned", package_version=POISON_VERSION)
    assert run(dirs, "add", str(argos_package_factory("ru"))).exit_code == 0   # adding a good one works

    listing = run(dirs, "list")
    assert listing.exit_code == 0, listing.output
    assert_clean(listing)
    broken = [line for line in listing.output.splitlines() if "BROKEN" in line]
    assert len(broken) == 1 and "poisoned" in broken[0] and "package_version" in broken[0]
    assert len(broken[0]) < 500                               # not 5,000 digits on screen

    # Publishing Russian still finds its package.
    choice = plan(default_config(), dirs["argos"], dirs["multi"], [TARGETS["ru"]])["ru"]
    assert isinstance(choice, EngineChoice) and choice.model == "translate-en_ru"

    verify = run(dirs, "verify")
    assert verify.exit_code == 1 and "1 of 2 failed verification" in verify.output
    assert_clean(verify)
    assert run(dirs, "verify", "ru").exit_code == 0

    assert run(dirs, "remove", "poisoned").exit_code == 0
    assert [p.name for p in ArgosStore(dirs["argos"]).list()[0]] == ["translate-en_ru"]
    assert ArgosStore(dirs["argos"]).list()[1] == []


def test_a_poisoned_multilingual_model_is_listed_as_broken(dirs, multilingual_model_factory):
    store = MultilingualStore(dirs["multi"])
    store.add(multilingual_model_factory("nllb"), name="good")
    store.add(multilingual_model_factory("nllb"), name="bad")
    meta_path = dirs["multi"] / "bad" / METADATA_FILE
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "version": POISON_VERSION}))
    installed, broken = store.list()
    assert [m.name for m in installed] == ["good"]
    assert [b.path.name for b in broken] == ["bad"] and "version" in broken[0].reason
    listing = run(dirs, "list")
    assert listing.exit_code == 0 and "BROKEN" in listing.output
    assert_clean(listing)


# --- escape sequences and bidi overrides in metadata --------------------------------------------


@pytest.mark.parametrize("field,value", [
    ("code", f"translate-en_de{ESC}]8;;http://evil{ESC}\\click{ESC}]8;;{ESC}\\"),   # OSC 8 hyperlink
    ("code", f"translate-{ESC}[2J{ESC}[31mru"),                                  # clear screen, colour
    ("code", "translate-en_de-\u202eexe.txt"),                                   # right-to-left override
    ("package_version", "1.0\x07"),
    ("argos_version", "\x9b31m"),                                                # a C1 CSI
    ("code", "x" * 1_000_000),                                                   # a 1 MB name
])
def test_metadata_with_control_characters_or_no_end_is_refused(dirs, tmp_path, argos_package_factory,
                                                                field, value):
    bad = tampered(argos_package_factory("de"), tmp_path / "bad.argosmodel", **{field: value})
    error = assert_one_line_error(run(dirs, "add", str(bad)))
    assert field in error
    assert ArgosStore(dirs["argos"]).list() == ([], [])


def test_planted_metadata_never_reaches_the_terminal(dirs, tmp_path, argos_package_factory):
    plant(dirs["argos"], argos_package_factory("de"), f"evil{ESC}[31m", code=f"name{ESC}]0;pwned\x07")
    plant(dirs["argos"], argos_package_factory("ru"), "huge", code="y" * 1_000_000)
    for args in (["list"], ["verify"], ["remove", "nothing-by-that-name"]):
        result = run(dirs, *args)
        assert_clean(result)
        assert len(result.output) < 5000


def test_an_index_with_escape_sequences_is_shown_clean(dirs, tmp_path):
    from localserver import serve_routes

    index = json.dumps([{"from_code": "en", "to_code": "de", "package_version": f"1.0{ESC}[5m",
                         "code": f"translate-en_de{ESC}]0;title\x07", "links": ["/x"]},
                        {"from_code": f"en{ESC}", "to_code": "ru", "links": ["/y"]}]).encode()
    with serve_routes({"/index.json": index}) as base:
        result = run(dirs, "list", "--refresh", "--index-url", f"{base}/index.json")
    assert result.exit_code == 0, result.output
    assert_clean(result)
    assert "translate-en_de]0;title" in result.output and "(1 package from English" in result.output


def test_metadata_text_strips_and_bounds():
    assert metadata_text(f"a{ESC}[31mb\u202ec\u200bd\x00\u2028e") == "a[31mbcde"
    assert len(metadata_text("z" * 10_000)) == 200
    with pytest.raises(InvalidModelError, match="contains control"):
        from translate.translation.models.store import check_metadata_text

        check_metadata_text("ok\u2067", "name")


# --- links and special files in a model folder ------------------------------------------------


def _model_copy(source: Path, dest: Path) -> Path:
    import shutil

    shutil.copytree(source, dest)
    return dest


@pytest.mark.parametrize("case", ["secret-file", "outside-folder", "dev-zero", "fifo", "loop", "dangling"])
def test_models_add_folder_refuses_links_and_special_files(dirs, tmp_path, multilingual_model_factory, case):
    folder = _model_copy(multilingual_model_factory("nllb"), tmp_path / "nllb-model")
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "big.bin").write_bytes(b"x" * 1000)
    entry = {"secret-file": "notes.txt", "outside-folder": "extra", "dev-zero": "zero.bin", "fifo": "pipe",
             "loop": "again", "dangling": "gone"}[case]
    target = folder / entry
    if case == "secret-file":
        target.symlink_to(secret)
    elif case == "outside-folder":
        target.symlink_to(outside, target_is_directory=True)
    elif case == "dev-zero":
        target.symlink_to("/dev/zero")
    elif case == "fifo":
        os.mkfifo(target)
    elif case == "loop":
        target.symlink_to(folder, target_is_directory=True)
    else:
        target.symlink_to(tmp_path / "no-such-file")
    MultilingualStore(dirs["multi"]).add(multilingual_model_factory("m2m"), name="kept")
    before = sorted(p.name for p in dirs["multi"].iterdir())

    error = assert_one_line_error(run(dirs, "add", str(folder), "--name", "linked"))
    assert entry in error and ("symbolic link" in error or "special file" in error), error
    assert sorted(p.name for p in dirs["multi"].iterdir()) == before
    assert [m.name for m in MultilingualStore(dirs["multi"]).list()[0]] == ["kept"]
    assert not any("password" in p.read_text(errors="ignore") for p in dirs["multi"].rglob("*") if p.is_file()
                   and p.stat().st_size < 100)


def test_models_add_accepts_a_link_to_the_model_folder_itself(dirs, tmp_path, multilingual_model_factory):
    link = tmp_path / "current-model"
    link.symlink_to(multilingual_model_factory("nllb"), target_is_directory=True)
    result = run(dirs, "add", str(link), "--name", "via-link")
    assert result.exit_code == 0, result.output
    copied = dirs["multi"] / "via-link"
    assert not any(p.is_symlink() for p in copied.rglob("*"))


# --- a kill between the two renames of a replacing install --------------------------------------

KILLER = """
import os, signal, sys
from pathlib import Path

real_rename = os.rename
after = sys.argv[1]          # "aside": die once the old model is set aside; "swap": once the new one is in

def rename(src, dst, *args, **kwargs):
    real_rename(src, dst, *args, **kwargs)
    name = Path(dst).name
    if after == "aside" and name.startswith(".aside-"):
        os.kill(os.getpid(), signal.SIGKILL)
    if after == "swap" and Path(src).name in ("unpacked", "model") or (after == "swap" and
            Path(src).parent.name == "unpacked"):
        os.kill(os.getpid(), signal.SIGKILL)

os.rename = rename
kind, folder, source = sys.argv[2:5]
if kind == "argos":
    from translate.translation.models.argos import ArgosStore
    ArgosStore(folder).add(source)
else:
    from translate.translation.models.multilingual import MultilingualStore
    MultilingualStore(folder).add(source, name="main")
"""


def _killed_install(after: str, kind: str, folder: Path, source: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", KILLER, after, kind, str(folder), str(source)],
                            capture_output=True, text=True, env=env)
    assert result.returncode == -9, result.stderr   # it really died mid-install


def _hidden(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("after", ["aside", "swap"])
def test_a_kill_between_the_renames_never_loses_the_argos_package(dirs, argos_package_factory, after):
    package = argos_package_factory("ru")
    store = ArgosStore(dirs["argos"])
    installed = store.add(package).model
    digest = modelkit.model_digest(installed.path / "model")

    _killed_install(after, "argos", dirs["argos"], package)
    assert _hidden(dirs["argos"])                       # the set-aside copy is there...
    packages, broken = store.list()                     # ...and the next run recovers it
    assert [p.name for p in packages] == ["translate-en_ru"] and broken == []
    assert modelkit.model_digest(packages[0].path / "model") == digest
    assert _hidden(dirs["argos"]) == []
    # The next install works and leaves nothing behind.
    assert run(dirs, "add", str(argos_package_factory("ru", version="1.1"))).exit_code == 0
    assert [p.version for p in store.list()[0]] == ["1.1"]
    assert _hidden(dirs["argos"]) == [] and [p.name for p in dirs["argos"].parent.iterdir()
                                             if p.name.startswith(".")] == []


@pytest.mark.parametrize("after", ["aside", "swap"])
def test_a_kill_between_the_renames_never_loses_the_multilingual_model(dirs, multilingual_model_factory, after):
    store = MultilingualStore(dirs["multi"])
    store.add(multilingual_model_factory("nllb"), name="main")
    _killed_install(after, "multilingual", dirs["multi"], multilingual_model_factory("m2m"))
    [model] = store.list()[0]
    # Either the old model is back, or the new one reached its place: never nothing.
    assert model.name == "main" and model.family == ("nllb" if after == "aside" else "m2m")
    assert store.list()[1] == [] and _hidden(dirs["multi"]) == []
    assert run(dirs, "verify", "main").exit_code == 0


# --- an archive whose folder name lies about its language pair ------------------------------------


def test_an_archive_named_like_another_pair_never_replaces_that_pair(dirs, tmp_path, argos_package_factory):
    kazakh = ArgosStore(dirs["argos"]).add(argos_package_factory("kk")).model
    assert kazakh.path.name == "translate-en_kk-1_0"
    digest = modelkit.model_digest(kazakh.path / "model")
    liar = tampered(argos_package_factory("ru"), tmp_path / "translate-en_kk-1_0.argosmodel",
                    top="translate-en_kk-1_0")

    error = assert_one_line_error(run(dirs, "add", str(liar)))
    assert "en→kk" in error and "en→ru" in error
    [package] = ArgosStore(dirs["argos"]).list()[0]
    assert package.pair == "en→kk" and modelkit.model_digest(package.path / "model") == digest


# --- a reader that goes away ---------------------------------------------------------------------


def test_a_closed_pipe_is_not_reported_as_a_folder_problem(dirs):
    read_end, write_end = os.pipe()
    os.close(read_end)                  # the reader is gone before the first byte: `| head -0`
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    try:
        result = subprocess.run([sys.executable, "-m", "translate", "models", "list", "--models-dir",
                                 str(dirs["argos"]), "--multilingual-dir", str(dirs["multi"])],
                                stdout=write_end, stderr=subprocess.PIPE, text=True, env=env)
    finally:
        os.close(write_end)
    assert result.returncode == 141      # 128 + SIGPIPE, as `yes | head -0` (translate/util/signals.py)
    assert "check the folder" not in result.stderr and "Traceback" not in result.stderr, result.stderr


# --- more of the same family ---------------------------------------------------------------------


def test_an_archive_folder_name_with_an_escape_sequence_is_refused(dirs, tmp_path, argos_package_factory):
    bad = tampered(argos_package_factory("de"), tmp_path / "bad.argosmodel", top=f"translate-en_de{ESC}[8m")
    error = assert_one_line_error(run(dirs, "add", str(bad)))
    assert "folder name" in error
    assert not dirs["argos"].exists() or list(dirs["argos"].iterdir()) == []


def test_an_index_name_cannot_steer_where_the_download_is_written(dirs, tmp_path, argos_package_factory):
    from localserver import serve_routes

    body = argos_package_factory("de").read_bytes()
    index = json.dumps([{"from_code": "en", "to_code": "de", "package_version": "1.0",
                         "code": "../../../escaped", "links": ["/de.argosmodel"]}]).encode()
    with serve_routes({"/index.json": index, "/de.argosmodel": body}) as base:
        result = run(dirs, "install", "de", "--index-url", f"{base}/index.json")
    assert result.exit_code == 0, result.output
    assert not list(tmp_path.rglob("escaped*"))
    assert [p.pair for p in ArgosStore(dirs["argos"]).list()[0]] == ["en→de"]


def test_a_multilingual_record_with_codes_this_tool_never_writes_is_broken(dirs, multilingual_model_factory):
    store = MultilingualStore(dirs["multi"])
    store.add(multilingual_model_factory("nllb"), name="tampered")
    meta_path = dirs["multi"] / "tampered" / METADATA_FILE
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "codes": {"ru": f"rus_Cyrl{ESC}[31m"}}))
    assert store.list()[0] == [] and "language codes" in store.list()[1][0].reason
    assert_clean(run(dirs, "list"))


def test_names_typed_by_the_user_are_echoed_clean(dirs):
    for args in (["remove", f"x{ESC}]0;t\x07"], ["verify", f"\u202ede"], ["install", f"zz{ESC}[2J"]):
        result = run(dirs, *args)
        assert result.exit_code != 0
        assert_clean(result)
