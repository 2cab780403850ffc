"""What every model store is and shares: the ModelStore protocol, its error,
broken-folder and verification types, and the rule for untrusted metadata.

Two stores implement the protocol: Argos packages (translate.translation.models.argos,
English → one language each) and multilingual CTranslate2 models
(translate.translation.models.multilingual, NLLB-200 / M2M-100). ``translate.translation.models.STORES``
names them; `translate models ...` walks that table instead of keeping a
block of code per store. Everything a model folder or archive says about
itself (names, versions, language codes) is untrusted: it goes through
``metadata_text`` before anyone prints or records it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager, Iterable, Protocol, Sequence

from translate.errors import UserError
from translate.util.untrusted import display

# A download progress display: called with a label and the total size (None
# when unknown); returns a context manager giving a function that is called
# with the number of bytes received since its last call.
ProgressFactory = Callable[[str, "int | None"], ContextManager[Callable[[int], None]]]

# Metadata strings longer than this are not names or versions but an attack
# or a wrong file: refused at install, cut when shown.
MAX_METADATA_CHARS = 200


class ModelError(UserError):
    """A model operation failed; the message says what to do."""


class DownloadError(ModelError):
    """A download failed or was refused."""


class InvalidModelError(ModelError):
    """The package or model itself is unusable (its files or metadata)."""


@dataclass(frozen=True)
class BrokenModel:
    """A folder in a store that is not a usable package or model."""

    path: Path
    reason: str


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class VerifyResult:
    label: str                       # "en→ru translate-en_ru 1.9", a model name or a folder name
    path: Path | None
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)


class Installed(Protocol):
    """An installed package or model, as a store lists it."""

    kind: str             # the store it is in: "argos" | "multilingual"
    name: str
    version: str
    path: Path

    def serves(self, lang_key: str) -> bool: ...


@dataclass(frozen=True)
class InstallResult:
    model: Installed
    status: str = "installed"              # "installed" or "up to date"
    replaced: tuple[Installed, ...] = ()


class ModelStore(Protocol):
    """One folder of installed models of one kind."""

    kind: str             # "argos" | "multilingual": the engine that runs them
    folder: Path

    def list(self) -> tuple[list[Installed], list[BrokenModel]]:
        """Installed models, and folders that are not usable (never raises for those)."""
        ...

    def find(self, lang_key: str, model: str | None = None) -> Installed | None:
        """The installed model that serves a project language (``model`` narrows it)."""
        ...

    def add(self, path: Path, **options) -> InstallResult:
        """Install from a local file or folder (offline)."""
        ...

    def install(self, name: str, **options) -> InstallResult:
        """Download and install ``name``."""
        ...

    def remove(self, which: str, *, missing_ok: bool = False) -> list[Path]:
        """Remove what ``which`` names; the folders removed."""
        ...

    def verify(self, names: Iterable[str] | None = None, **options) -> list[VerifyResult]:
        """Check installed models (all, or those named) load and fit."""
        ...


def one_line(value: object) -> str:
    """The first line of an error's text (library messages can run long)."""
    text = str(value).strip().splitlines()
    return metadata_text(text[0]) if text else type(value).__name__


def metadata_text(value: object, limit: int = MAX_METADATA_CHARS) -> str:
    """A metadata string safe to show and record: no control, escape, bidi or
    other invisible format characters, at most ``limit`` characters
    (translate.util.untrusted.display, the one rule for untrusted strings)."""
    return display(value, limit)


def check_metadata_text(value: object, what: str, limit: int = MAX_METADATA_CHARS) -> str:
    """``value`` if it is a string fit to show (see metadata_text) and no
    longer than ``limit``; InvalidModelError naming ``what`` otherwise."""
    if not isinstance(value, str):
        raise InvalidModelError(f"{what} is not a string")
    if len(value) > limit:
        raise InvalidModelError(f"{what} is {len(value)} characters long, more than {limit}")
    if metadata_text(value, limit) != value:
        raise InvalidModelError(f"{what} contains control or invisible characters")
    return value


def names_of(installed: Sequence[Installed], broken: Sequence[BrokenModel]) -> list[str]:
    """Every name a user could give to remove or verify something in a store."""
    return sorted({m.name for m in installed} | {b.path.name for b in broken})
