"""The store of installed Argos translation packages (English → one language each).

Locate the packages folder, list what is installed (a broken folder is
reported, never a crash), install from the Argos index or from a local
``.argosmodel`` file, remove and verify. Installing is atomic
(translate.translation.models.install): a reader never sees half a package.

Reading packages goes through ``argostranslate.package``, imported only when
needed: it creates folders at import time, and ``argostranslate.translate``
(never imported here) would pull in stanza and torch. The packages folder is
resolved here and passed to argostranslate explicitly.

A package's metadata.json is untrusted: its codes, name and version are
checked (translate.translation.models.store.check_metadata_text) when it is read, so a
package with a 5,000-digit version or an escape sequence in its name is
refused at install and listed as broken if it is already there, never a
crash for every other package.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Iterable

from packaging.version import InvalidVersion, Version

from translate.project import user_folders
from translate.project.languages import SOURCE, TARGETS
from translate.translation.engines.base import ModelInfo
from translate.translation.models import download, install
from translate.translation.models.archive import safe_extract
from translate.translation.models.store import (
    BrokenModel,
    Check,
    DownloadError,
    InstallResult,
    InvalidModelError,
    ModelError,
    ProgressFactory,
    VerifyResult,
    check_metadata_text,
    metadata_text,
    names_of,
    one_line,
)
from translate.util import heavy
from translate.util.files import atomic_write

DEFAULT_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"
# Real Argos packages are 50-250 MB; anything far larger is the wrong file.
MAX_DOWNLOAD_BYTES = 2 << 30
MAX_UNPACKED_BYTES = 4 << 30
MAX_PACKAGE_FILES = 10_000
MAX_INDEX_BYTES = 32 << 20
REQUIRED_FILES = ("metadata.json", "model/model.bin")
TOKENIZER_FILES = ("sentencepiece.model", "bpe.model")
_CODE = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$")
# Used by install_hint only when no index has been downloaded yet: the public
# Argos index has en→ru and no package for Dari, Pashto or Kazakh.
_KNOWN_IN_PUBLIC_INDEX = frozenset({"ru"})

_MAX_VERSION_CHARS = 40
# The licence `translate models add FILE --licence ID` records beside a
# package (Argos metadata.json names none; a "license" there is read too).
LICENCE_FILE = "translate-licence.txt"
_LICENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$")


class NoPackageError(ModelError):
    """The index has no package for some of the requested languages."""

    def __init__(self, message: str, codes: list[str]):
        super().__init__(message)
        self.codes = codes


@dataclass(frozen=True)
class InstalledPackage:
    kind: ClassVar[str] = "argos"

    from_code: str
    to_code: str
    name: str
    version: str
    path: Path
    argos_version: str = ""
    licence: str = ""     # "" when neither the package nor the user stated one

    @property
    def pair(self) -> str:
        return f"{self.from_code}→{self.to_code}"

    @property
    def label(self) -> str:
        """How the CLI names it: "en→ru translate-en_ru 1.9"."""
        return f"{self.pair} {self.name} {self.version}".strip()

    def serves(self, lang_key: str) -> bool:
        return lang_key in project_keys_for(self.to_code, self.from_code)

    def argos_package(self):
        """The argostranslate ``Package`` for this folder."""
        return _argos_package_module().Package(self.path)

    def model_info(self) -> ModelInfo:
        return ModelInfo(engine="argos", name=self.name, version=self.version, path=str(self.path))


@dataclass(frozen=True)
class IndexEntry:
    from_code: str
    to_code: str
    name: str
    version: str
    links: tuple[str, ...]
    argos_version: str = ""
    from_name: str = ""
    to_name: str = ""
    sha256: str | None = None

    @property
    def pair(self) -> str:
        return f"{self.from_code}→{self.to_code}"


@dataclass(frozen=True)
class InstallReport:
    results: list[InstallResult]
    missing: list[str]               # requested languages with no package in the index


# --- where things are -------------------------------------------------------


def resolve_index_url(option: str | None = None) -> str:
    """``option``, else $ARGOS_PACKAGE_INDEX, else the public Argos index.

    Like argostranslate, a value that does not end in .json is taken as the
    index's base URL and index.json is appended."""
    value = option or os.environ.get("ARGOS_PACKAGE_INDEX") or DEFAULT_INDEX_URL
    if not value.split("?", 1)[0].endswith(".json"):
        value = value.rstrip("/") + "/index.json"
    return value


def argos_code(lang: str) -> str:
    """The Argos target code for a project key (ru, prs, ps, kk) or an Argos code."""
    if lang in TARGETS:
        return TARGETS[lang].argos_code or lang
    if not _CODE.match(lang):
        raise ModelError(
            f"{lang!r} is not a language: use a project key ({', '.join(TARGETS)}) or an Argos code such as de"
        )
    return lang


def project_keys_for(to_code: str, from_code: str = SOURCE.key) -> list[str]:
    """The project languages that a package from→to serves."""
    if from_code != SOURCE.key:
        return []
    return [key for key, lang in TARGETS.items() if lang.argos_code == to_code]


def _argos_package_module():
    try:
        argos_package = heavy.argostranslate_package()
    except Exception as err:  # noqa: BLE001 - its settings module creates folders at import
        raise ModelError(
            f"argostranslate cannot be loaded ({err}); check ARGOS_PACKAGES_DIR and XDG_DATA_HOME point "
            "to writable folders"
        ) from None
    return argos_package


# --- reading packages -----------------------------------------------------------


def read_package(folder: Path) -> InstalledPackage:
    """Read one package folder through argostranslate; InvalidModelError if it
    is broken or its metadata is not fit to show (see the module docstring)."""
    argos_package = _argos_package_module()
    if not (folder / "metadata.json").is_file():
        raise InvalidModelError("no metadata.json")
    try:
        package = argos_package.Package(folder)
    except (OSError, ValueError, TypeError, AttributeError, KeyError) as err:
        # json.JSONDecodeError and UnicodeDecodeError are ValueErrors; a JSON
        # list instead of an object gives AttributeError.
        raise InvalidModelError(f"metadata.json is unreadable ({one_line(err)})") from None
    from_code, to_code = package.from_code, package.to_code
    if not isinstance(from_code, str) or not isinstance(to_code, str) or not from_code or not to_code:
        raise InvalidModelError("metadata.json has no from_code/to_code")
    for what, code in (("from_code", from_code), ("to_code", to_code)):
        if not _CODE.match(code):
            raise InvalidModelError(f"metadata.json: {what} {metadata_text(code, 20)!r} is not a language code")
    name = package.code or f"{package.type or 'translate'}-{from_code}_{to_code}"
    version = package.package_version or ""
    argos_version = package.argos_version or ""
    check_metadata_text(name, "metadata.json: code")
    check_metadata_text(version, "metadata.json: package_version", _MAX_VERSION_CHARS)
    check_metadata_text(argos_version, "metadata.json: argos_version", _MAX_VERSION_CHARS)
    return InstalledPackage(from_code=from_code, to_code=to_code, name=name, version=version,
                            path=folder, argos_version=argos_version, licence=_licence_of(folder))


def _licence_of(folder: Path) -> str:
    """The package's licence: the one recorded with --licence, else metadata.json's
    "license" when it is a licence id, else ""."""
    try:
        recorded = (folder / LICENCE_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        recorded = ""
    if _LICENCE.match(recorded):
        return recorded
    try:
        stated = json.loads((folder / "metadata.json").read_text(encoding="utf-8")).get("license", "")
    except (OSError, ValueError, AttributeError):
        return ""
    return stated if isinstance(stated, str) and _LICENCE.match(stated) else ""


def _version_key(version: str):
    try:
        return (1, Version(version))
    except (InvalidVersion, TypeError, ValueError):
        # ValueError: a version with thousands of digits exceeds int() limits.
        return (0, Version("0"))


# --- the store --------------------------------------------------------------------


class ArgosStore:
    """The Argos packages folder (see models_dir)."""

    kind = "argos"

    def __init__(self, folder: str | Path | None = None):
        self.folder = user_folders.argos_packages_dir(folder)

    def list(self) -> tuple[list[InstalledPackage], list[BrokenModel]]:
        """Installed packages (sorted by pair) and folders that are not readable packages."""
        packages, broken = install.read_installed(self.folder, read_package)
        packages.sort(key=lambda p: (p.from_code, p.to_code, _version_key(p.version)))
        return packages, broken

    def find_pair(self, from_code: str, to_code: str) -> InstalledPackage | None:
        """The installed package for from→to (the newest if several), or None."""
        matches = [p for p in self.list()[0] if p.from_code == from_code and p.to_code == to_code]
        return max(matches, key=lambda p: _version_key(p.version)) if matches else None

    def find(self, lang_key: str, model: str | None = None) -> InstalledPackage | None:
        """The en→CODE package for a project language; ``model`` is the
        target code to use instead of the language's own (e.g. "fa" for Dari)."""
        return self.find_pair(SOURCE.key, model or argos_code(lang_key))

    # --- installing ---

    def add(self, path: str | Path, *, expected: tuple[str, str] | None = None, licence: str | None = None,
            **_options) -> InstallResult:
        """Install a local .argosmodel file, replacing any package for the same
        language pair; ``licence`` (an SPDX id) is recorded with it. Nothing is
        changed if the file is refused."""
        path = Path(path)
        if not path.is_file():
            what = "no such file" if not path.exists() else "not a regular file (a pipe, a device or a folder)"
            raise ModelError(f"{path}: {what}; give the path of an .argosmodel package file")
        if licence is not None and not _LICENCE.match(licence):
            raise ModelError(f"--licence {metadata_text(licence)!r}: give an SPDX licence id such as CC-BY-4.0, "
                             "Apache-2.0, MIT or CC-BY-NC-4.0")
        with install.staging(self.folder) as staging:
            unpacked = self._unpack(path, staging)
            if licence is not None:
                atomic_write(unpacked / LICENCE_FILE, licence + "\n")
            try:
                return self._install_unpacked(unpacked, staging, expected)
            except InvalidModelError as err:
                # The package's own problems (metadata, tokenizer): name the file it came in.
                raise InvalidModelError(f"{path.name}: {err}; get a fresh copy of the package") from None

    def install(self, name: str, **options) -> InstallResult:
        """Download and install the newest en→``name`` package of the index."""
        return self.install_languages([name], **options).results[0]

    def install_languages(self, lang_codes: Iterable[str], index_url: str | None = None,
                          progress: ProgressFactory | None = None, *, force: bool = False,
                          skip_missing: bool = False) -> InstallReport:
        """Download the index and install the newest en→LANG package for each
        language (project key or Argos code). Languages the index lacks raise
        NoPackageError before anything is downloaded, unless ``skip_missing``, in
        which case they are listed in the report. An installed package that is as
        new as the index's is left alone unless ``force``."""
        langs = list(dict.fromkeys(lang_codes))
        codes = {lang: argos_code(lang) for lang in langs}
        url = resolve_index_url(index_url)
        index = fetch_index(url)
        wanted: list[tuple[str, IndexEntry]] = []
        missing: list[str] = []
        for lang in langs:
            entry = newest_entry(index, SOURCE.key, codes[lang])
            if entry is None or not entry.links:
                missing.append(lang)
            else:
                wanted.append((lang, entry))
        if missing and not skip_missing:
            raise NoPackageError("; ".join(no_package_message(lang) for lang in missing), missing)

        results = []
        for lang, entry in wanted:
            current = self.find_pair(entry.from_code, entry.to_code)
            if current and not force and _version_key(current.version) >= _version_key(entry.version):
                results.append(InstallResult(current, "up to date"))
                continue
            results.append(self._install_entry(entry, url, progress))
        return InstallReport(results, missing)

    def _install_entry(self, entry: IndexEntry, base_url: str, progress: ProgressFactory | None) -> InstallResult:
        allowed = {"http", "https"}
        if urllib.parse.urlsplit(base_url).scheme == "file":
            allowed.add("file")  # a local mirror of the index may point at local files
        links = [urllib.parse.urljoin(base_url, link) for link in entry.links]
        links = [link for link in links if urllib.parse.urlsplit(link).scheme in allowed]
        if not links:
            raise DownloadError(f"the index lists no http(s) download link for {entry.name}: "
                                "use `translate models add FILE.argosmodel`")
        with install.staging(self.folder) as staging:
            # The index's name for it is untrusted: a file name only if it is a plain one.
            plain = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}", entry.name)
            archive = staging / f"{entry.name if plain else 'package'}.argosmodel"
            errors = []
            for link in links:
                try:
                    with open(archive, "wb") as sink:
                        download.download(link, sink, max_bytes=MAX_DOWNLOAD_BYTES,
                                          what=f"{entry.name} {entry.version}", sha256=entry.sha256,
                                          progress=progress, label=f"{entry.name} {entry.version}",
                                          space_at=staging)
                    break
                except DownloadError as err:
                    errors.append(err)
            else:
                raise errors[-1] if len(errors) == 1 else DownloadError(
                    f"every download link for {entry.name} failed; last: {errors[-1]}"
                )
            unpacked = self._unpack(archive, staging)
            return self._install_unpacked(unpacked, staging, (entry.from_code, entry.to_code))

    @staticmethod
    def _unpack(archive: Path, staging: Path) -> Path:
        """Extract an .argosmodel into the staging folder with the package limits."""
        return safe_extract(archive, staging / "unpacked", max_total_bytes=MAX_UNPACKED_BYTES,
                            max_files=MAX_PACKAGE_FILES, require=REQUIRED_FILES).root

    def _install_unpacked(self, root: Path, staging: Path, expected: tuple[str, str] | None) -> InstallResult:
        new = _check_package_dir(root, expected)
        final = self.folder / root.name
        installed, _ = self.list()
        same_pair = [p for p in installed if (p.from_code, p.to_code) == (new.from_code, new.to_code)]
        there = next((p for p in installed if p.path == final), None)
        if there is not None and (there.from_code, there.to_code) != (new.from_code, new.to_code):
            # The archive's folder name is not a promise about its contents:
            # never let an en→ru package take the place of the en→kk one.
            raise InvalidModelError(
                f"its folder {root.name!r} is where the installed {there.pair} package lives, "
                f"but it translates {new.pair}"
            )
        # A broken folder of the same name is replaced all the same.
        install.swap_into_place(root, final, staging)
        for old in same_pair:
            if old.path != final and old.path.exists():
                install.retire(old.path, staging)
        return InstallResult(dataclasses.replace(new, path=final), "installed", tuple(same_pair))

    # --- removing and verifying ---

    def remove(self, which: str, *, missing_ok: bool = False) -> list[Path]:
        """Remove installed packages matching ``which``: a project key or Argos
        code (the en→code package), a package name or a folder name (also of a
        broken package). Returns the removed folders; none matching is a
        ModelError unless ``missing_ok``."""
        packages, broken = self.list()
        code = TARGETS[which].argos_code if which in TARGETS else which
        targets = [p.path for p in packages
                   if (p.from_code == SOURCE.key and p.to_code == code) or which in (p.name, p.path.name)]
        targets += [b.path for b in broken if b.path.name == which]
        if not targets and missing_ok:
            return []
        if not targets:
            names = ", ".join(names_of(packages, broken)) or "none"
            raise ModelError(f"no installed package matches {metadata_text(which)!r} (installed: {names}); "
                             "see `translate models list`")
        with install.staging(self.folder) as staging:
            for path in targets:
                install.retire(path, staging)
        return targets

    def verify(self, names: Iterable[str] | None = None, **_options) -> list[VerifyResult]:
        """Check installed packages (all, or those for the languages ``names``):
        metadata readable, tokenizer present and loadable, model loads in CTranslate2."""
        packages, broken = self.list()
        if names:
            results = []
            for lang in dict.fromkeys(names):
                code = argos_code(lang)
                package = next((p for p in reversed(packages) if p.from_code == SOURCE.key and p.to_code == code),
                               None)
                if package is None:
                    hint = install_hint(lang) if lang in TARGETS else "translate models add FILE.argosmodel"
                    results.append(VerifyResult(f"{SOURCE.key}→{code}", None, [
                        Check("installed", False, f"no {SOURCE.key}→{code} package installed; run `{hint}`")]))
                else:
                    results.append(self.verify_one(package))
            return results
        results = [self.verify_one(p) for p in packages]
        results += [VerifyResult(b.path.name, b.path, [Check("metadata", False, b.reason)]) for b in broken]
        return results

    def verify_one(self, package: InstalledPackage, languages: Iterable[str] = ()) -> VerifyResult:
        """Check one installed package: metadata, tokenizer, model loads in CTranslate2."""
        checks = [
            Check("metadata", True, f"{package.pair} {package.version}".strip()),
            install.check_tokenizer(package.path, TOKENIZER_FILES),
            install.check_ctranslate2_model(package.path / "model"),
        ]
        return VerifyResult(package.label, package.path, checks)


def _check_package_dir(root: Path, expected: tuple[str, str] | None) -> InstalledPackage:
    """Validate an unpacked package before it is moved into place."""
    try:
        metadata = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InvalidModelError(f"the package's metadata.json is unreadable ({one_line(err)})") from None
    if not isinstance(metadata, dict):
        raise InvalidModelError("the package's metadata.json is not a JSON object")
    from_code, to_code = metadata.get("from_code"), metadata.get("to_code")
    if not (isinstance(from_code, str) and isinstance(to_code, str) and from_code and to_code):
        raise InvalidModelError("the package's metadata.json has no from_code/to_code")
    if expected and (from_code, to_code) != expected:
        raise InvalidModelError(
            f"the package translates {metadata_text(from_code, 20)}→{metadata_text(to_code, 20)}, "
            f"not {expected[0]}→{expected[1]} as requested"
        )
    check_metadata_text(root.name, "its folder name")
    if not any((root / name).is_file() for name in TOKENIZER_FILES):
        raise InvalidModelError(f"the package has no tokenizer ({' or '.join(TOKENIZER_FILES)})")
    if not (root / "model" / "model.bin").is_file():
        raise InvalidModelError("the package has no model/model.bin")
    # What argostranslate reads, checked the way every listing checks it, so
    # that nothing is installed that would be listed as broken.
    return read_package(root)


# --- the index --------------------------------------------------------------


def parse_index(data: bytes, source: str = "index") -> list[IndexEntry]:
    """Index entries from the bytes of an Argos index.json; entries that are
    not translation packages with codes and links are skipped."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise ModelError(f"{source} is not a valid Argos package index ({one_line(err)})") from None
    if not isinstance(raw, list):
        raise ModelError(f"{source} is not a valid Argos package index (expected a JSON list of packages)")
    entries = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        from_code, to_code = item.get("from_code"), item.get("to_code")
        links = item.get("links") or []
        if not (isinstance(from_code, str) and isinstance(to_code, str) and isinstance(links, list)):
            continue
        if not (_CODE.match(from_code) and _CODE.match(to_code)):
            continue
        if item.get("type", "translate") != "translate":
            continue
        checksum = item.get("sha256") or item.get("checksum")
        if isinstance(checksum, str) and checksum.lower().startswith("sha256:"):
            checksum = checksum[7:]
        entries.append(
            IndexEntry(
                from_code=from_code,
                to_code=to_code,
                name=metadata_text(item.get("code") or f"translate-{from_code}_{to_code}"),
                version=metadata_text(item.get("package_version", ""), _MAX_VERSION_CHARS),
                links=tuple(link for link in links if isinstance(link, str)),
                argos_version=metadata_text(item.get("argos_version", "")),
                from_name=metadata_text(item.get("from_name", "")),
                to_name=metadata_text(item.get("to_name", "")),
                sha256=checksum.lower() if isinstance(checksum, str) and checksum else None,
            )
        )
    return entries


def load_cached_index() -> list[IndexEntry] | None:
    """The index downloaded last time, or None if there is none."""
    path = user_folders.argos_index_file()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ModelError(f"cannot read the cached index {path} ({err.strerror})") from None
    try:
        return parse_index(data, f"the cached index {path}")
    except ModelError as err:
        raise ModelError(f"{err}: run `translate models list --refresh`") from None


def cached_index_time() -> datetime | None:
    try:
        return datetime.fromtimestamp(user_folders.argos_index_file().stat().st_mtime)
    except OSError:
        return None


def fetch_index(url: str | None = None, *, cache: bool = True) -> list[IndexEntry]:
    """Download the index (and keep it as the cached index)."""
    url = resolve_index_url(url)
    buffer = io.BytesIO()
    download.download(url, buffer, max_bytes=MAX_INDEX_BYTES, what="the package index")
    data = buffer.getvalue()
    entries = parse_index(data, f"the index at {url}")
    if cache:
        atomic_write(user_folders.argos_index_file(), data)
    return entries


def newest_entry(index: Iterable[IndexEntry], from_code: str, to_code: str) -> IndexEntry | None:
    matches = [e for e in index if e.from_code == from_code and e.to_code == to_code]
    return max(matches, key=lambda e: _version_key(e.version)) if matches else None


def install_hint(lang_key: str, index: list[IndexEntry] | None = None) -> str:
    """The command that installs a package for ``lang_key``: `translate models
    install KEY` when the index (given, else cached) has en→code, otherwise
    `translate models add FILE.argosmodel`."""
    code = argos_code(lang_key)
    if index is None:
        try:
            index = load_cached_index()
        except ModelError:
            index = None
    if index is None:
        available = code in _KNOWN_IN_PUBLIC_INDEX
    else:
        available = newest_entry(index, SOURCE.key, code) is not None
    return f"translate models install {lang_key}" if available else "translate models add FILE.argosmodel"


def no_package_message(lang: str, instead: str | None = None) -> str:
    """One line: the index has no package for ``lang``, and what to do instead
    (``instead`` replaces the generic advice to use a multilingual model)."""
    code = argos_code(lang)
    language = TARGETS.get(lang) or next((l for l in TARGETS.values() if l.argos_code == code), None)
    name = language.english_name if language else code
    text = f"the Argos index has no English→{name} package (en→{code})"
    if language and language.key == "prs":
        text += "; en→fa is Iranian Persian, not Dari"
    text += ": if you have one as a file, install it with `translate models add FILE.argosmodel`"
    if instead:
        text += f"; {instead}"
    elif language:
        text += f"; otherwise translate {name} with a multilingual model (NLLB-200 code {language.nllb_code})"
    return text
