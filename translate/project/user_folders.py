"""The user's own folders: where per-user state lives, outside every project.

Installed models, the translation memory, the web-font cache and the signing
keys belong to the person running the tool, not to one project (DESIGN.md:
"user-level state ... in the platform's data and cache folders"). Each
folder has an environment variable that wins over the default, and commands
show the folder they would use in --help. This module only names folders: it
creates none and imports nothing of the stores that fill them, so that the
command line can show them without loading a store.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_path, user_data_path

try:
    import pwd
except ImportError:   # not on Windows
    pwd = None

APP = "newsroom-translate"
KEYS_DIR_ENV = "TRANSLATE_KEYS_DIR"


def home() -> Path:
    """The user's home folder: $HOME when it is an absolute path, else (set
    but empty, or relative) the account's home from the password database,
    as platformdirs and os.path.expanduser take it when HOME is unset. With
    HOME= the Argos store once took "/" (Path.home()) while the memory took
    the account's home."""
    value = os.environ.get("HOME", "")
    if os.path.isabs(value):
        return Path(value)
    if pwd is not None:
        try:
            account = pwd.getpwuid(os.getuid()).pw_dir
        except KeyError:   # a user id with no entry (a container's arbitrary uid)
            account = ""
        if os.path.isabs(account):
            return Path(account)
    return Path(os.path.expanduser("~"))


def settle_home() -> None:
    """Make $HOME the folder home() names, when HOME is set but empty or
    relative: the libraries a run loads (argostranslate makes its folders
    under Path.home() when imported, huggingface_hub its cache) then agree
    with the folders named here."""
    if "HOME" in os.environ and not os.path.isabs(os.environ["HOME"]):
        found = home()
        if found.is_absolute():
            os.environ["HOME"] = str(found)


def _xdg(variable: str, default: str) -> Path:
    # An XDG variable counts only as an absolute path (the XDG specification).
    value = os.environ.get(variable, "")
    return Path(value) if os.path.isabs(value) else home() / default


def _data_home() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share")


def argos_packages_dir(option: str | Path | None = None) -> Path:
    """The Argos packages folder: ``option``, else $ARGOS_PACKAGES_DIR, else
    $XDG_DATA_HOME (default ~/.local/share)/argos-translate/packages, the
    folder argostranslate itself uses."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get("ARGOS_PACKAGES_DIR")
    if env:
        return Path(env).expanduser()
    return _data_home() / "argos-translate" / "packages"


def argos_index_file() -> Path:
    """Where the downloaded Argos package index is kept: the same file argostranslate uses."""
    return _data_home() / "argos-translate" / "index.json"


def multilingual_models_dir(option: str | Path | None = None) -> Path:
    """The multilingual model folder: ``option``, else $TRANSLATE_MODELS_DIR,
    else $XDG_DATA_HOME (default ~/.local/share)/newsroom-translate/models."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get("TRANSLATE_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    return _data_home() / APP / "models"


def memory_file() -> Path:
    """$TRANSLATE_MEMORY, else memory.sqlite3 in the platform's user cache
    folder (platformdirs: $XDG_CACHE_HOME/newsroom-translate on Linux)."""
    explicit = os.environ.get("TRANSLATE_MEMORY")
    if explicit:
        return Path(explicit)
    return user_cache_path(APP, appauthor=False) / "memory.sqlite3"


def font_cache_dir() -> Path:
    """Where subset web fonts are kept between runs (making one takes seconds:
    WOFF2's Brotli compression is slow): $TRANSLATE_FONT_CACHE, else
    $XDG_CACHE_HOME/newsroom-translate/webfonts."""
    explicit = os.environ.get("TRANSLATE_FONT_CACHE")
    if explicit:
        return Path(explicit)
    return _xdg("XDG_CACHE_HOME", ".cache") / APP / "webfonts"


def checkpoints_dir() -> Path:
    """Where `models install OWNER/NAME` downloads a Hugging Face checkpoint
    before converting it (deleted after): $XDG_CACHE_HOME/newsroom-translate/checkpoints."""
    return _xdg("XDG_CACHE_HOME", ".cache") / APP / "checkpoints"


def keys_dir() -> Path:
    """$TRANSLATE_KEYS_DIR, else <user data dir>/newsroom-translate/keys
    (~/.local/share/newsroom-translate/keys on Linux)."""
    if os.environ.get(KEYS_DIR_ENV):
        return Path(os.environ[KEYS_DIR_ENV]).expanduser()
    return user_data_path(APP) / "keys"
