"""`translate models ...` and translate.translation.models: install, list, remove, verify Argos packages.

Packages are tiny real ones (tests/conftest.py builds them from a real
CTranslate2 model); downloads come from an HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from localserver import QuietHandler, serving

from translate.cli.models import models
from translate.project import user_folders
from translate.translation.models import argos as store
from translate.translation.models import download
from translate.translation.models.argos import ArgosStore
from translate.translation.models.store import InvalidModelError

# --- helpers ------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path) -> Path:
    """The packages folder; its parent holds nothing else, so leftovers show."""
    return tmp_path / "data" / "packages"


def run(*args: str, env: dict | None = None):
    result = CliRunner().invoke(models, list(args), env=env, catch_exceptions=False)
    return result


def assert_one_line_error(result) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert errors, result.output
    assert all(len(line) > 20 for line in errors)


def leftovers(folder: Path) -> list[str]:
    """Anything in the packages folder or beside it that is not a package."""
    found = [p.name for p in folder.parent.iterdir() if p != folder] if folder.parent.exists() else []
    if folder.exists():
        found += [p.name for p in folder.iterdir() if p.name.startswith(".")]
    return found


def argos_sees(folder: Path) -> list[tuple[str, str, str]]:
    import argostranslate.package

    return sorted(
        (p.from_code, p.to_code, p.package_version)
        for p in argostranslate.package.get_installed_packages(path=[folder])
    )


def rezip(source: Path, target: Path, drop: str | None = None, rename: dict | None = None) -> Path:
    """Copy an archive, leaving out members ending in ``drop``."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            if drop and info.filename.endswith(drop):
                continue
            dst.writestr(info, src.read(info))
    return target


class Server:
    """An HTTP server on 127.0.0.1 serving fixed bytes per path.

    A route set to ("truncate", data) announces len(data) bytes in
    Content-Length, sends half of them and closes the connection."""

    def __init__(self):
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.requests: list[str] = []
        routes, requests = self.routes, self.requests

        class Handler(QuietHandler):
            def do_GET(self):
                requests.append(self.path)
                mode, data = routes.get(self.path, ("missing", b""))
                if mode == "missing":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data if mode == "full" else data[: len(data) // 2])
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on purpose (size or space refused)
                self.close_connection = True


        self._serving = serving(Handler)
        self.url = self._serving.__enter__()

    def serve_index(self, entries: list[dict]) -> str:
        self.routes["/index.json"] = ("full", json.dumps(entries).encode())
        return f"{self.url}/index.json"

    def close(self):
        self._serving.__exit__(None, None, None)


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.close()


def index_entry(to_code="ru", version="1.0", link="/pkg.argosmodel", **extra) -> dict:
    return {
        "package_version": version,
        "argos_version": "1.0",
        "from_code": "en",
        "from_name": "English",
        "to_code": to_code,
        "to_name": to_code,
        "links": [link],
        "code": f"translate-en_{to_code}",
        **extra,
    }


# --- locating -----------------------------------------------------------------


def test_models_dir_option_then_env_then_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert user_folders.argos_packages_dir() == tmp_path / "xdg" / "argos-translate" / "packages"
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "env"))
    assert user_folders.argos_packages_dir() == tmp_path / "env"
    assert user_folders.argos_packages_dir(tmp_path / "opt") == tmp_path / "opt"
    monkeypatch.delenv("ARGOS_PACKAGES_DIR")
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_folders.argos_packages_dir() == tmp_path / "home" / ".local" / "share" / "argos-translate" / "packages"


def test_index_url_follows_argos_conventions(monkeypatch):
    assert store.resolve_index_url() == store.DEFAULT_INDEX_URL
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", "http://mirror.example/argos/")
    assert store.resolve_index_url() == "http://mirror.example/argos/index.json"
    assert store.resolve_index_url("http://other.example/list.json") == "http://other.example/list.json"


# --- add --------------------------------------------------------------------------


def test_add_installs_a_real_package_that_argostranslate_sees(ru_argos_package, folder):
    result = run("add", str(ru_argos_package), "--models-dir", str(folder))
    assert result.exit_code == 0, result.output
    assert "en→ru" in result.output
    assert argos_sees(folder) == [("en", "ru", "1.0")]
    found = ArgosStore(folder).find_pair("en", "ru")
    assert found is not None and found.path.parent == folder
    assert (found.path / "model" / "model.bin").is_file()
    assert found.argos_package().to_code == "ru"
    assert ArgosStore(folder).find_pair("en", "kk") is None
    assert leftovers(folder) == []


def test_add_honours_argos_packages_dir(ru_argos_package, folder, monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(folder))
    result = run("add", str(ru_argos_package))
    assert result.exit_code == 0, result.output
    assert argos_sees(folder) == [("en", "ru", "1.0")]


def test_add_newer_version_replaces_the_old_one(argos_package_factory, folder):
    assert run("add", str(argos_package_factory(version="1.0")), "--models-dir", str(folder)).exit_code == 0
    result = run("add", str(argos_package_factory(version="1.1")), "--models-dir", str(folder))
    assert result.exit_code == 0, result.output
    assert "replaced" in result.output
    assert argos_sees(folder) == [("en", "ru", "1.1")]
    assert leftovers(folder) == []


@pytest.mark.parametrize(
    "damage, message",
    [
        ("not a zip", "not a complete zip"),
        ("truncated", "not a complete zip"),
        ("no metadata", "no metadata.json"),
        ("no model", "no model/model.bin"),
        ("no tokenizer", "no tokenizer"),
        ("two folders", "exactly one top-level folder"),
        ("escape", "outside the archive folder"),
    ],
)
def test_add_refuses_a_bad_archive_and_leaves_nothing(ru_argos_package, folder, tmp_path, damage, message):
    bad = tmp_path / "bad.argosmodel"
    if damage == "not a zip":
        bad.write_text("<html>Not Found</html>")
    elif damage == "truncated":
        data = ru_argos_package.read_bytes()
        bad.write_bytes(data[: len(data) * 2 // 3])
    elif damage == "no metadata":
        rezip(ru_argos_package, bad, drop="metadata.json")
    elif damage == "no model":
        rezip(ru_argos_package, bad, drop="model.bin")
    elif damage == "no tokenizer":
        rezip(ru_argos_package, bad, drop="sentencepiece.model")
    else:
        rezip(ru_argos_package, bad)
        with zipfile.ZipFile(bad, "a") as zf:
            zf.writestr("other/readme.txt" if damage == "two folders" else "../../evil.txt", b"x")
    result = run("add", str(bad), "--models-dir", str(folder))
    assert_one_line_error(result)
    assert message in result.output
    assert argos_sees(folder) == [] if folder.exists() else True
    assert ArgosStore(folder).list() == ([], [])
    assert leftovers(folder) == []
    assert not (tmp_path / "evil.txt").exists()


def test_add_missing_file(folder, tmp_path):
    result = run("add", str(tmp_path / "nowhere.argosmodel"), "--models-dir", str(folder))
    assert_one_line_error(result)
    assert "no such file" in result.output


def test_install_from_file_checks_the_expected_pair(argos_package_factory, folder):
    de = argos_package_factory(to_code="de")
    with pytest.raises(InvalidModelError, match="en→de, not en→ru"):
        ArgosStore(folder).add(de, expected=("en", "ru"))
    assert ArgosStore(folder).list() == ([], [])
    result = ArgosStore(folder).add(de)
    assert (result.model.from_code, result.model.to_code, result.status) == ("en", "de", "installed")


# --- install from the index ---------------------------------------------------


def test_install_downloads_verifies_and_installs(ru_argos_package, folder, server):
    data = ru_argos_package.read_bytes()
    server.routes["/pkg.argosmodel"] = ("full", data)
    url = server.serve_index([
        index_entry(version="0.9", link="/old.argosmodel"),
        index_entry(version="1.0", sha256=hashlib.sha256(data).hexdigest()),
        index_entry(to_code="de", link="/de.argosmodel"),
    ])
    result = run("install", "ru", "--models-dir", str(folder), "--index-url", url)
    assert result.exit_code == 0, result.output
    assert "Installed en→ru translate-en_ru 1.0" in result.output
    assert server.requests == ["/index.json", "/pkg.argosmodel"]  # the newest only
    assert argos_sees(folder) == [("en", "ru", "1.0")]
    assert leftovers(folder) == []
    # The index is cached for `models list` and install_hint.
    assert json.loads(user_folders.argos_index_file().read_text())[1]["package_version"] == "1.0"

    again = run("install", "ru", "--models-dir", str(folder), "--index-url", url)
    assert again.exit_code == 0 and "already installed" in again.output
    assert server.requests.count("/pkg.argosmodel") == 1


def test_install_uses_argos_package_index_env(ru_argos_package, folder, server, monkeypatch):
    server.routes["/pkg.argosmodel"] = ("full", ru_argos_package.read_bytes())
    server.serve_index([index_entry()])
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", server.url + "/")  # argos style: a base URL
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(folder))
    result = run("install", "ru")
    assert result.exit_code == 0, result.output
    assert argos_sees(folder) == [("en", "ru", "1.0")]


def test_download_that_breaks_off_installs_nothing(ru_argos_package, folder, server):
    server.routes["/pkg.argosmodel"] = ("truncate", ru_argos_package.read_bytes())
    url = server.serve_index([index_entry()])
    result = run("install", "ru", "--models-dir", str(folder), "--index-url", url)
    assert_one_line_error(result)
    assert "broke off after" in result.output and "run the command again" in result.output
    assert ArgosStore(folder).list() == ([], [])
    assert leftovers(folder) == []


def test_checksum_mismatch_installs_nothing(ru_argos_package, folder, server):
    server.routes["/pkg.argosmodel"] = ("full", ru_argos_package.read_bytes())
    url = server.serve_index([index_entry(sha256="0" * 64)])
    result = run("install", "ru", "--models-dir", str(folder), "--index-url", url)
    assert_one_line_error(result)
    assert "checksum" in result.output
    assert ArgosStore(folder).list() == ([], []) and leftovers(folder) == []


def test_package_for_the_wrong_pair_is_refused(argos_package_factory, folder, server):
    server.routes["/pkg.argosmodel"] = ("full", argos_package_factory(to_code="de").read_bytes())
    url = server.serve_index([index_entry()])
    result = run("install", "ru", "--models-dir", str(folder), "--index-url", url)
    assert_one_line_error(result)
    assert "en→de, not en→ru" in result.output
    assert ArgosStore(folder).list() == ([], []) and leftovers(folder) == []


def test_http_error_is_one_clear_line(folder, server):
    url = server.serve_index([index_entry(link="/gone.argosmodel")])
    result = run("install", "ru", "--models-dir", str(folder), "--index-url", url)
    assert_one_line_error(result)
    assert "HTTP 404" in result.output
    bad_index = run("install", "ru", "--models-dir", str(folder), "--index-url", server.url + "/nothing.json")
    assert_one_line_error(bad_index)
    assert "HTTP 404" in bad_index.output


def test_newer_index_version_replaces_the_installed_one(argos_package_factory, folder, server):
    ArgosStore(folder).add(argos_package_factory(version="1.0"))
    server.routes["/pkg.argosmodel"] = ("full", argos_package_factory(version="1.1").read_bytes())
    url = server.serve_index([index_entry(version="1.1")])
    result = run("install", "ru", "--models-dir", str(folder), "--index-url", url)
    assert result.exit_code == 0, result.output
    assert "replaced translate-en_ru 1.0" in result.output
    assert argos_sees(folder) == [("en", "ru", "1.1")]
    forced = run("install", "ru", "--force", "--models-dir", str(folder), "--index-url", url)
    assert forced.exit_code == 0 and "Installed en→ru" in forced.output
    assert server.requests.count("/pkg.argosmodel") == 2
    assert argos_sees(folder) == [("en", "ru", "1.1")] and leftovers(folder) == []


def test_oversized_download_and_full_disk_are_refused_up_front(ru_argos_package, folder, server, monkeypatch):
    server.routes["/pkg.argosmodel"] = ("full", ru_argos_package.read_bytes())
    url = server.serve_index([index_entry()])
    monkeypatch.setattr(store, "MAX_DOWNLOAD_BYTES", 1000)
    result = run("install", "ru", "--models-dir", str(folder), "--index-url", url)
    assert_one_line_error(result)
    assert "more than the limit of 1000" in result.output
    monkeypatch.undo()

    class Usage:
        free = 10_000

    monkeypatch.setattr(download.shutil, "disk_usage", lambda path: Usage)
    result = run("install", "ru", "--models-dir", str(folder), "--index-url", url)
    assert_one_line_error(result)
    assert "not enough free space" in result.output
    assert ArgosStore(folder).list() == ([], []) and leftovers(folder) == []


def test_languages_without_a_package_say_what_to_do(ru_argos_package, folder, server):
    server.routes["/pkg.argosmodel"] = ("full", ru_argos_package.read_bytes())
    url = server.serve_index([index_entry(), index_entry(to_code="fa", link="/fa.argosmodel")])
    result = run("install", "ru", "prs", "kk", "--models-dir", str(folder), "--index-url", url)
    assert result.exit_code == 1
    assert "Installed en→ru" in result.output
    assert "no English→Dari package" in result.output and "Iranian Persian" in result.output
    assert "no English→Kazakh package" in result.output
    assert "translate models add FILE.argosmodel" in result.output
    assert "/fa.argosmodel" not in server.requests
    assert argos_sees(folder) == [("en", "ru", "1.0")]

    with pytest.raises(store.NoPackageError) as info:
        ArgosStore(folder).install_languages(["ps"], url)
    assert info.value.codes == ["ps"]


def test_interrupted_download_leaves_nothing(ru_argos_package, folder, server):
    server.routes["/pkg.argosmodel"] = ("full", ru_argos_package.read_bytes())
    url = server.serve_index([index_entry()])

    class CtrlC:
        def __init__(self, label, total):
            assert total == ru_argos_package.stat().st_size

        def __enter__(self):
            def advance(n):
                raise KeyboardInterrupt

            return advance

        def __exit__(self, *exc):
            return False

    with pytest.raises(KeyboardInterrupt):
        ArgosStore(folder).install_languages(["ru"], url, progress=CtrlC)
    assert ArgosStore(folder).list() == ([], []) and leftovers(folder) == []


def test_install_hint(folder, server, monkeypatch):
    # Without a downloaded index: what the public index is known to hold.
    assert store.install_hint("ru") == "translate models install ru"
    assert store.install_hint("prs") == "translate models add FILE.argosmodel"
    index = [store.IndexEntry("en", "kk", "translate-en_kk", "1.0", ("x",))]
    assert store.install_hint("kk", index) == "translate models install kk"
    assert store.install_hint("ru", index) == "translate models add FILE.argosmodel"
    # With a cached index, that index decides.
    url = server.serve_index([index_entry(to_code="ps")])
    store.fetch_index(url)
    assert store.install_hint("ps") == "translate models install ps"
    assert store.install_hint("ru") == "translate models add FILE.argosmodel"


# --- list ---------------------------------------------------------------------


def test_list_shows_installed_available_and_project_languages(ru_argos_package, folder, server):
    assert run("add", str(ru_argos_package), "--models-dir", str(folder)).exit_code == 0
    (folder / "junk").mkdir()
    (folder / "junk" / "metadata.json").write_text("{not json")

    offline = run("list", "--models-dir", str(folder))
    assert offline.exit_code == 0, offline.output
    assert "no index downloaded yet" in offline.output
    assert server.requests == []

    url = server.serve_index([index_entry(version="1.1"), index_entry(to_code="de")])
    result = run("list", "--refresh", "--models-dir", str(folder), "--index-url", url)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    installed_row = next(line for line in lines if "translate-en_ru" in line and str(folder) in line)
    assert installed_row.split()[:4] == ["en→ru", "translate-en_ru", "1.0", "ru"]
    assert any("BROKEN" in line and "junk" in line and "metadata.json" in line for line in lines)
    available = [line.split() for line in lines if line.startswith("  en→")][1:]
    assert ["en→de", "translate-en_de", "1.0", "-", "no"] in available
    assert ["en→ru", "translate-en_ru", "1.1", "ru", "yes", "(1.0)"] in available
    dari = next(line for line in lines if line.startswith("  prs"))
    assert "missing: no multilingual model" in dari and "translate models add FOLDER" in dari
    russian = next(line for line in lines if line.startswith("  ru "))
    assert russian.split()[2:5] == ["argos", "translate-en_ru", "1.0"] and "ready, writes ru" in russian

    cached = run("list", "--models-dir", str(folder))
    assert "cached" in cached.output and "translate-en_de" in cached.output
    assert server.requests == ["/index.json"]


def test_listing_reports_broken_folders_without_crashing(ru_argos_package, folder):
    ArgosStore(folder).add(ru_argos_package)
    (folder / "empty").mkdir()
    (folder / "list").mkdir()
    (folder / "list" / "metadata.json").write_text("[1, 2]")
    (folder / "nocodes").mkdir()
    (folder / "nocodes" / "metadata.json").write_text('{"package_version": "1"}')
    packages, broken = ArgosStore(folder).list()
    assert [(p.from_code, p.to_code) for p in packages] == [("en", "ru")]
    reasons = {b.path.name: b.reason for b in broken}
    assert reasons["empty"] == "no metadata.json"
    assert "unreadable" in reasons["list"]
    assert "from_code" in reasons["nocodes"]
    assert ArgosStore(folder).find_pair("en", "ru").version == "1.0"
    assert ArgosStore(folder / "absent").list() == ([], [])


# --- remove -------------------------------------------------------------------


def test_remove_by_language_and_by_name(ru_argos_package, argos_package_factory, folder):
    ArgosStore(folder).add(ru_argos_package)
    ArgosStore(folder).add(argos_package_factory(to_code="de"))
    (folder / "junk").mkdir()

    result = run("remove", "ru", "--models-dir", str(folder))
    assert result.exit_code == 0, result.output
    assert argos_sees_safe(folder) == [("en", "de")]

    assert run("remove", "translate-en_de", "--models-dir", str(folder)).exit_code == 0
    assert run("remove", "junk", "--models-dir", str(folder)).exit_code == 0
    assert list(folder.iterdir()) == [] and leftovers(folder) == []

    missing = run("remove", "kk", "--models-dir", str(folder))
    assert_one_line_error(missing)
    assert "no installed package matches 'kk'" in missing.output


def argos_sees_safe(folder: Path) -> list[tuple[str, str]]:
    return [(p.from_code, p.to_code) for p in ArgosStore(folder).list()[0]]


# --- verify -------------------------------------------------------------------


def test_verify_ok(ru_argos_package, folder):
    ArgosStore(folder).add(ru_argos_package)
    result = run("verify", "--models-dir", str(folder))
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "en→ru" in line)
    assert row.startswith("OK") and "loads in CTranslate2" in row
    assert run("verify", "ru", "--models-dir", str(folder)).exit_code == 0


def test_verify_fails_on_a_damaged_model_and_a_missing_language(ru_argos_package, folder):
    installed = ArgosStore(folder).add(ru_argos_package).model
    model_bin = installed.path / "model" / "model.bin"
    model_bin.write_bytes(model_bin.read_bytes()[:100])

    result = run("verify", "--models-dir", str(folder))
    assert result.exit_code == 1
    row = next(line for line in result.output.splitlines() if "en→ru" in line)
    assert row.startswith("FAIL") and "CTranslate2 cannot load it" in row
    assert "1 of 1 failed verification" in result.output

    (installed.path / "sentencepiece.model").unlink()
    checks = {c.name: c.ok for c in ArgosStore(folder).verify()[0].checks}
    assert checks == {"metadata": True, "tokenizer": False, "model": False}

    missing = run("verify", "de", "--models-dir", str(folder))
    assert missing.exit_code == 1
    assert "no en→de package installed" in missing.output and "translate models add FILE.argosmodel" in missing.output


def test_verify_with_nothing_installed(folder):
    result = run("verify", "--models-dir", str(folder))
    assert_one_line_error(result)
    assert "no packages installed" in result.output
