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
    # the web fonts made in advance: a first publish makes none
    from translate.publishing.render import webfont_prebuild

    shipped = {f"translate/publishing/render/prebuilt-webfonts/{name}" for name in webfont_prebuild.expected()}
    assert shipped <= names and len(shipped) == 8
    # nothing of the repository's working state
    assert not [n for n in names if n.startswith(("source/", "output/", "tests/")) or n.endswith(".po")]


# --- what installing the wheel pulls in ---------------------------------------------------

# Never needed by `pip install newsroom-translate`: torch alone is 754 MB, and a
# bare torch requirement resolves to a CUDA build of several GB. The converter
# (transformers, torch) is the optional [convert] extra.
HEAVY_DISTRIBUTIONS = {"torch", "stanza", "spacy", "sympy", "transformers", "argostranslate"}


def _required_closure(name: str) -> set[str]:
    """Every distribution the installed ``name`` needs, without its extras,
    read from the installed metadata (packaging evaluates the markers)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    todo = [canonicalize_name(name)]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for line in metadata.requires(current) or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return seen


def test_installing_the_tool_pulls_no_torch():
    needed = _required_closure("newsroom-translate")
    assert {"argos-translate-lt", "ctranslate2", "weasyprint"} <= needed
    assert not needed & HEAVY_DISTRIBUTIONS, sorted(needed & HEAVY_DISTRIBUTIONS)
    # the converter's extra is where torch is wanted (setup.sh installs the CPU build first)
    from importlib import metadata

    convert = [line for line in metadata.requires("newsroom-translate") if 'extra == "convert"' in line]
    assert any(line.startswith("torch") for line in convert), convert


def test_argostranslate_is_the_torch_free_build():
    from importlib import metadata

    assert metadata.packages_distributions()["argostranslate"] == ["argos-translate-lt"]
    import argostranslate.package

    # what translate.models.argos and translate.engines.argos read of a package
    for name in ("Package", "get_installed_packages"):
        assert callable(getattr(argostranslate.package, name)), name


def test_tests_is_this_repositorys_package_never_an_installed_one():
    """argos-translate-lt installs a top-level ``tests`` package; tests/__init__.py
    makes ours win wherever the repository comes first on sys.path."""
    import subprocess
    import sys

    import tests

    assert Path(tests.__file__).resolve() == ROOT / "tests" / "__init__.py"
    probe = subprocess.run([sys.executable, "-c", "import tests.modelkit; print(tests.modelkit.__file__)"],
                           cwd=ROOT, capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()).resolve() == ROOT / "tests" / "modelkit.py"
    # pytest --pyargs resolves `tests` by import: the repository's tests, none of Argos's
    listed = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "--pyargs", "tests"],
                            cwd=ROOT, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stdout[-2000:] + listed.stderr[-2000:]
    ids = [line for line in listed.stdout.splitlines() if "::" in line]
    assert len(ids) > 500 and all(line.startswith("tests/test_") for line in ids), ids[:5]
    assert not any("test_english_translations" in line for line in ids)
