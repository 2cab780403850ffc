"""The project folder: found like git finds a repository, -C, translate init,
built-in data as defaults, nothing private in published files, working files
outside output/<slug>/, and the carry-over decision taken under the lock."""

from __future__ import annotations

import getpass
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from translate.project import folder as project
from translate.cli.main import cli
from translate.util.files import FolderLock

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "source" / "taliban-delisting.md"


def run(*args, cwd: Path):
    """The installed command as a user runs it, in ``cwd``."""
    return subprocess.run([sys.executable, "-m", "translate", *args], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="400"))


# --- finding the project --------------------------------------------------------------------


def test_the_nearest_folder_with_translate_toml_is_the_project(tmp_path):
    (tmp_path / "translate.toml").write_text("")
    deep = tmp_path / "source" / "2026" / "november"
    deep.mkdir(parents=True)
    found = project.find(deep)
    assert found.root == tmp_path and found.config_file == tmp_path / "translate.toml"
    assert found.output_dir == tmp_path / "output" and found.locales_dir == tmp_path / "locales"


def test_without_translate_toml_the_current_folder_is_the_project(tmp_path):
    found = project.find(tmp_path)
    assert found.root == tmp_path and found.config_file is None


def test_help_shows_the_resolved_project_folders(tmp_path):
    (tmp_path / "translate.toml").write_text("")
    (tmp_path / "sub").mkdir()
    result = run("publish", "--help", cwd=tmp_path / "sub")
    text = "".join(result.stdout.split())   # click wraps long paths anywhere
    assert f"[default:{tmp_path / 'output'}]" in text
    assert f"[default:{tmp_path / 'locales'}]" in text
    assert f"[default:{tmp_path / 'translate.toml'}]" in text
    elsewhere = run("-C", str(tmp_path), "publish", "--help", cwd=ROOT)
    assert f"[default:{tmp_path / 'output'}]" in "".join(elsewhere.stdout.split())


def test_dash_c_names_a_folder_that_must_exist(tmp_path):
    result = run("-C", str(tmp_path / "nowhere"), "publish", cwd=tmp_path)
    assert result.returncode == 2 and "no such folder" in result.stderr and "Traceback" not in result.stderr


# --- translate init -------------------------------------------------------------------------


def test_init_makes_a_project_that_publishes_its_example(tmp_path):
    folder = tmp_path / "newsroom"
    result = CliRunner().invoke(cli, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    for rel in ("translate.toml", "source/example.md", ".gitignore", "locales/ru/glossary.csv",
                "locales/prs/glossary.csv", "locales/ps/glossary.csv", "locales/kk/glossary.csv"):
        assert (folder / rel).is_file(), rel
    assert "output/" in (folder / ".gitignore").read_text()
    assert (folder / "locales/prs/glossary.csv").read_bytes() == (ROOT / "locales/prs/glossary.csv").read_bytes()

    # from a sub-folder, with no model installed: the original is published
    # in the project's output/, and the table says what to install
    published = run("publish", "--format", "html", "--no-cache", cwd=folder / "source")
    assert published.returncode == 1, published.stdout + published.stderr
    assert (folder / "output/rail-corridor-example/en/rail-corridor-example.en.html").is_file()
    assert "fix: translate models" in published.stdout and "Traceback" not in published.stderr


def test_init_overwrites_nothing(tmp_path):
    (tmp_path / "translate.toml").write_text("# mine\n")
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1 and "already exists: nothing was written" in result.output
    assert (tmp_path / "translate.toml").read_text() == "# mine\n"
    assert not (tmp_path / "source").exists()


# --- built-in data and the project's overrides ------------------------------------------------


def test_glossary_check_says_which_file_is_used(tmp_path):
    (tmp_path / "locales" / "kk").mkdir(parents=True)
    (tmp_path / "locales" / "kk" / "glossary.csv").write_text("source,target,forms,flag,note\nTaliban,Талибан,,,\n")
    result = run("glossary", "check", str(ARTICLE), cwd=tmp_path)
    assert "Kazakh (kk): 1 terms, valid (locales/kk/glossary.csv)" in result.stdout
    assert "Russian (ru): 24 terms, valid (built-in ru/glossary.csv)" in result.stdout


# --- what is published ---------------------------------------------------------------------------


@pytest.fixture
def models_dir(tmp_path, ru_argos_package):
    folder = tmp_path / "models"
    result = CliRunner().invoke(cli, ["models", "add", str(ru_argos_package), "--models-dir", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def _private_photo(jpeg: Path, png: Path) -> None:
    """A JPEG and a PNG whose metadata hold the home folder, the user and host
    names and the photo's own path."""
    from PIL import Image, PngImagePlugin

    private = f"{Path.home()} {getpass.getuser()} {os.uname().nodename} {jpeg}"
    exif = Image.Exif()
    exif[0x013B] = getpass.getuser()            # Artist
    exif[0x010E] = str(jpeg)                    # ImageDescription
    exif[0x9C9C] = private.encode("utf-16-le")  # XPComment
    Image.new("RGB", (32, 24), (10, 120, 200)).save(jpeg, "JPEG", exif=exif, comment=private.encode())
    info = PngImagePlugin.PngInfo()
    info.add_text("Source", private)
    Image.new("RGB", (32, 24), (200, 120, 10)).save(png, "PNG", pnginfo=info)


def test_published_files_reveal_no_path_user_or_host(tmp_path, models_dir, multilingual_model_factory):
    from translate.translation.models.multilingual import MultilingualStore

    store = tmp_path / "multilingual"
    MultilingualStore(store).add(multilingual_model_factory(family="nllb"))
    # A photo beside the article whose metadata names the user, the machine
    # and local paths (issue 33): published without any of it.
    source = tmp_path / "src" / "taliban-delisting.md"
    source.parent.mkdir()
    _private_photo(source.parent / "photo.jpg", source.parent / "map.png")
    source.write_text(ARTICLE.read_text(encoding="utf-8") + "\n![A photo](photo.jpg)\n\n![A map](map.png)\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["publish", str(source), "--to", "ru,prs", "--models-dir", str(models_dir),
                                      "--multilingual-dir", str(store), "--output", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    folder = out / "taliban-delisting"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["editions"]["ru"]["glossary"]["path"] in ("locales/ru/glossary.csv", "built-in ru/glossary.csv")
    assert manifest["editions"]["ru"]["model"]["weights"]   # which weights, by fingerprint, not by path
    assert len(list((folder / "media").iterdir())) == 2
    paths = {str(Path.home()), os.environ["HOME"], str(tmp_path), str(ROOT), str(store), str(models_dir)}
    # the user and host names as words (CSS has a ":root" selector, which is not the user root)
    names = [re.compile(rb"(?<![:\w-])" + re.escape(name.encode()) + rb"(?![\w-])")
             for name in {getpass.getuser(), os.uname().nodename} if len(name) > 2]
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in paths:
                assert secret.encode() not in data, f"{path.relative_to(folder)} reveals {secret!r}"
            for name in names:
                assert not name.search(data), f"{path.relative_to(folder)} reveals {name.pattern!r}"


def test_the_article_folder_holds_exactly_what_is_distributed(tmp_path, models_dir):
    out = tmp_path / "out"
    args = ["--to", "ru", "--models-dir", str(models_dir), "--output", str(out), "--no-cache"]
    assert CliRunner().invoke(cli, ["publish", str(ARTICLE), *args]).exit_code == 0
    review = CliRunner().invoke(cli, ["review", str(ARTICLE), *args])
    assert review.exit_code == 0, review.output
    folder = out / "taliban-delisting"
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    listed = {line.split("  ", 1)[1] for line in (folder / "SHA256SUMS").read_text().splitlines()}
    assert files - {"SHA256SUMS"} == listed        # every file is listed, nothing else is there
    assert not any(name.startswith(".") or "/." in name or "review" in name for name in files)
    work = out / ".work" / "taliban-delisting"
    assert (work / "review" / "taliban-delisting.ru.review.html").is_file() and (work / "lock").is_file()


# --- the race: carry-over decided under the lock -------------------------------------------------


def _waiting(process, text):
    """Read stderr until ``text`` appears; the rest is read to the end later."""
    lines, seen = [], threading.Event()

    def read():
        for line in process.stderr:
            lines.append(line)
            if text in line:
                seen.set()
        seen.set()

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return lines, seen, thread


def test_an_unchanged_and_an_edited_publish_waiting_on_the_lock(tmp_path, models_dir):
    source = tmp_path / "src" / "taliban-delisting.md"
    source.parent.mkdir()
    source.write_text(ARTICLE.read_text())
    out, cache = tmp_path / "out", tmp_path / "memory.sqlite3"
    command = [sys.executable, "-m", "translate", "publish", str(source), "--to", "ru", "--models-dir",
               str(models_dir), "--output", str(out), "--cache", str(cache), "--format", "md,html"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    first = subprocess.run(command, capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stdout + first.stderr

    folder = out / "taliban-delisting"
    with FolderLock(out / ".work" / "taliban-delisting" / "lock"):
        unchanged = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        lines, seen, reader = _waiting(unchanged, "waiting for another publish")
        assert seen.wait(120) and any("waiting" in line for line in lines), "".join(lines)
        source.write_text(ARTICLE.read_text().replace("significant and potentially controversial",
                                                      "significant and surprising"))
        edited = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        lines2, seen2, reader2 = _waiting(edited, "waiting for another publish")
        assert seen2.wait(120) and any("waiting" in line for line in lines2), "".join(lines2)
    for process, reader_thread in ((unchanged, reader), (edited, reader2)):
        assert process.wait(300) == 0
        reader_thread.join(60)
    sums = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    for rel, digest in manifest["files"].items():
        assert subprocess.run(["sha256sum", rel], cwd=folder, capture_output=True, text=True).stdout.split()[0] \
            == digest, rel
    # whichever run went last, the folder is that run's article, whole
    import hashlib

    versions = {"surprising": source.read_bytes(), "potentially controversial": ARTICLE.read_bytes()}
    published = (folder / "en" / "taliban-delisting.en.md").read_text()
    winner = [word for word in versions if word in " ".join(published.split())]
    assert len(winner) == 1
    assert manifest["article"]["source_sha256"] == hashlib.sha256(versions[winner[0]]).hexdigest()
