"""What the wheel ships: every package, the page catalogues, the built-in
glossaries and adaptation rules, the templates and the project template.
(.ci/run also builds the wheel, installs it into a fresh virtualenv and
publishes from an empty folder: see .ci/wheel-check.)"""

from __future__ import annotations

import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "translate").rglob("__init__.py")}
    assert found <= listed, f"not in pyproject.toml [tool.setuptools] packages: {sorted(found - listed)}"
    assert "translate.locales" in listed


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    import subprocess
    import sys

    import shutil

    # Built from a copy of what git tracks, so that the build folder of
    # another build in the checkout (.ci/wheel-check) is never shared.
    out, tree = tmp_path_factory.mktemp("wheel"), tmp_path_factory.mktemp("tree")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, tree / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(out), str(tree)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    return next(out.glob("*.whl"))


def test_the_wheel_carries_the_data_the_tool_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for key in ("en", "ru", "prs", "ps", "kk"):
        assert f"translate/locales/{key}/LC_MESSAGES/messages.mo" in names
    for key in ("ru", "prs", "ps", "kk"):
        assert f"translate/locales/{key}/glossary.csv" in names
    assert "translate/locales/prs/adaptation.csv" in names
    assert "translate/templates/_layout.html" in names and "translate/templates/edition.css" in names
    assert {"translate/project_template/translate.toml", "translate/project_template/example.md"} <= names
    # nothing of the repository's working state
    assert not [n for n in names if n.startswith(("source/", "output/", "tests/")) or n.endswith(".po")]
