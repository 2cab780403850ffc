"""Shared fixtures.

Model fixtures build tiny real models with tests/modelkit.py once per session
and hand out paths to them: treat those files as read-only (copy one before
changing it), since later tests get the same path.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# tests/ helpers (modelkit, engines) import as top-level modules in any import mode.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

import modelkit  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# No clock decides a property test: hypothesis fails an example that takes
# over 200 ms by default, and a run whose data generation is slow, which on a
# loaded machine happens at random. What an example computes is checked, not
# how long it took.
settings.register_profile("no-clock", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# CI runs the same generated examples every time (a failure there is then
# reproducible and never a fluke of the draw); local runs keep exploring.
settings.register_profile("ci", parent=settings.get_profile("no-clock"), derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "no-clock")


# --- isolation -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Keep every test away from the user's real folders and Argos settings:
    HOME and the XDG folders point into a fresh temporary folder, and no
    ARGOS_* variable (packages dir, index URL, device...) leaks in."""
    root = tmp_path_factory.mktemp("user")
    for name, sub in (("HOME", "home"), ("XDG_DATA_HOME", "home/.local/share"),
                      ("XDG_CACHE_HOME", "home/.cache"), ("XDG_CONFIG_HOME", "home/.config")):
        (root / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(root / sub))
    # Subset web fonts depend only on the font packages: one cache for the session.
    monkeypatch.setenv("TRANSLATE_FONT_CACHE", str(tmp_path_factory.getbasetemp() / "webfont-cache"))
    for name in list(os.environ):
        if name.startswith("ARGOS_"):
            monkeypatch.delenv(name)


@pytest.fixture
def hub_env(tmp_path, monkeypatch):
    """No token, not offline, a fresh HF_HOME; returns a function that points
    HF_ENDPOINT at a test server (tests/hubserver.py)."""
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "HF_HUB_CACHE", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    return lambda url: monkeypatch.setenv("HF_ENDPOINT", url)


# --- tiny real models ------------------------------------------------------------


@pytest.fixture(scope="session")
def argos_package_factory(tmp_path_factory):
    """Callable (to_code="ru", from_code="en", version="1.0", seed=0) -> Path
    of a cached .argosmodel file (a real Argos package, tiny model)."""
    cache: dict[tuple, Path] = {}

    def make(to_code: str = "ru", from_code: str = "en", version: str = "1.0", seed: int = 0) -> Path:
        key = (from_code, to_code, version, seed)
        if key not in cache:
            dest = tmp_path_factory.mktemp(f"argos-{from_code}-{to_code}-{version}-{seed}")
            cache[key] = modelkit.build_argos_package(dest, from_code, to_code, version=version, seed=seed)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def ru_argos_package(argos_package_factory) -> Path:
    """The en->ru .argosmodel file."""
    return argos_package_factory("ru")


@pytest.fixture(scope="session")
def multilingual_model_factory(tmp_path_factory):
    """Callable (family="nllb", lang_tokens=None, seed=0) -> Path of a cached
    CTranslate2 model folder shaped like converted NLLB-200 ("nllb") or
    M2M-100 ("m2m"); lang_tokens defaults to the project's five languages."""
    cache: dict[tuple, Path] = {}

    def make(family: str = "nllb", lang_tokens: list[str] | None = None, seed: int = 0) -> Path:
        key = (family, tuple(lang_tokens) if lang_tokens is not None else None, seed)
        if key not in cache:
            dest = tmp_path_factory.mktemp(f"{family}-model") / "model"
            cache[key] = modelkit.build_multilingual_model(dest, lang_tokens, family=family, seed=seed)
        return cache[key]

    return make
