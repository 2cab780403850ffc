"""A signed article folder: the article's SHA256SUMS signed by the publisher
(SHA256SUMS.minisig, with publisher.pub beside it), and checking a folder or
a bundle (translate.distribution.bundle) against it, as a reader does with

    minisign -Vm SHA256SUMS -p publisher.pub && sha256sum -c --ignore-missing SHA256SUMS

A folder whose files disagree with their checksums is never signed, and a
bundle is never made of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from translate.distribution import signing
from translate.distribution.readme import readme
from translate.errors import UserError
from translate.project.folder import article_work_dir
from translate.project.languages import ALL
from translate.publishing.article_folder import sha256_file
from translate.translation.models.archive import ArchiveError, check_listing
from translate.util.files import FolderLock, atomic_write
from translate.util.untrusted import display

SUMS_NAME = "SHA256SUMS"
SIG_NAME = SUMS_NAME + signing.SIGNATURE_SUFFIX
README_NAME = "README.txt"
MANIFEST_NAME = "manifest.json"
# Files of a signed folder that SHA256SUMS does not (and cannot) list; a
# bundle adds its README (checked against the signed manifest: translate.distribution.bundle).
UNLISTED_IN_FOLDER = {SUMS_NAME, SIG_NAME, signing.PUBLIC_KEY_NAME}
UNLISTED = UNLISTED_IN_FOLDER | {README_NAME}
_SUMS_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")
_MAX_BUNDLE_BYTES = 2 << 30
_MAX_BUNDLE_FILES = 1000


class VerifyError(UserError):
    """A folder or bundle does not verify; the message says which file and why."""


@dataclass
class Report:
    """What a successful verification established."""

    fingerprint: str
    trusted_comment: str
    checked: list[str] = field(default_factory=list)    # files whose checksum matched
    absent: list[str] = field(default_factory=list)     # listed but not in this bundle
    key_from_bundle: bool = False                       # no --key: the key travelled with the files
    readme: str = ""    # a bundle's README.txt: "checked" (as made from the signed manifest), or "none"


# --- SHA256SUMS ------------------------------------------------------------------


def parse_sums(text: str, source: str = SUMS_NAME) -> dict[str, str]:
    """``sha256sum`` lines as {relative path: hex digest}; any other line is refused."""
    listed: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = _SUMS_LINE.match(line)
        if not match:
            raise VerifyError(f"{source}:{number}: not a sha256sum line", "get an intact copy from the publisher")
        rel = match.group(2)
        parts = PurePosixPath(rel).parts
        if rel.startswith("/") or ".." in parts or "\\" in rel or not parts:
            raise VerifyError(f"{source}:{number}: the path {rel!r} leaves the folder",
                              "do not trust this copy; get it again from the publisher")
        if PurePosixPath(rel).as_posix() in lines:
            # sha256sum -c checks every line: one of two digests of a file fails
            raise VerifyError(f"{source}:{number}: {display(rel)} is listed twice (first on line "
                              f"{lines[PurePosixPath(rel).as_posix()]})",
                              "do not trust this copy; get it again from the publisher")
        lines[PurePosixPath(rel).as_posix()] = number
        listed[rel] = match.group(1)
    if not listed:
        raise VerifyError(f"{source}: lists no file", "get an intact copy from the publisher")
    return listed


# --- signing a folder ------------------------------------------------------------


def sign_folder(folder: Path, key: signing.SecretKey) -> tuple[Path, bool]:
    """Sign ``folder``/SHA256SUMS after checking that every file it lists is
    intact (a folder whose files disagree with their checksums is never
    signed), and put the public key beside it as publisher.pub so that
    ``minisign -Vm SHA256SUMS -p publisher.pub`` works in the folder. Returns
    the signature's path and whether anything was written: a signature that
    already covers this SHA256SUMS with this key is left as it is."""

    folder = Path(folder)
    # the article's own lock: a publish of it never interleaves with signing
    with FolderLock(article_work_dir(folder) / "lock"):
        sums_path = folder / SUMS_NAME
        try:
            data = sums_path.read_bytes()
        except FileNotFoundError:
            raise VerifyError(f"{folder}: no {SUMS_NAME} here", "publish the article first (translate publish)") from None
        listed = parse_sums(data.decode("utf-8", "replace"), str(sums_path))
        for rel, digest in listed.items():
            _check_file(folder, rel, digest)
        extra = unlisted(_FolderFiles(folder), listed, UNLISTED_IN_FOLDER)
        if extra:
            raise VerifyError(f"{folder / extra[0]}: not listed in SHA256SUMS, and readers would take it for a "
                              "signed file", "remove it (or publish the article again), then sign")
        public = key.public
        sig_path = folder / SIG_NAME
        changed = False
        if not _signature_holds(data, sig_path, public):
            slug = folder.name
            comment = signing.default_trusted_comment(SUMS_NAME, article=slug)
            atomic_write(sig_path, signing.sign_bytes(data, key, comment).file_text())
            changed = True
        pub_path = folder / signing.PUBLIC_KEY_NAME
        if not pub_path.is_file() or pub_path.read_text(encoding="utf-8", errors="replace") != public.file_text():
            atomic_write(pub_path, public.file_text())
            changed = True
    return sig_path, changed


def signature_is_current(folder: Path) -> bool | None:
    """None when the folder is not signed; else whether its SHA256SUMS.minisig
    still covers its SHA256SUMS (with the publisher.pub beside it)."""
    folder = Path(folder)
    sig_path, pub_path = folder / SIG_NAME, folder / signing.PUBLIC_KEY_NAME
    if not sig_path.is_file():
        return None
    try:
        return _signature_holds((folder / SUMS_NAME).read_bytes(), sig_path, signing.PublicKey.load(pub_path))
    except (OSError, UserError):
        return False


def _signature_holds(data: bytes, sig_path: Path, public: signing.PublicKey) -> bool:
    try:
        signature = signing.Signature.from_text(sig_path.read_text(encoding="utf-8"), str(sig_path))
        signing.verify_bytes(data, signature, public)
    except (OSError, UnicodeDecodeError, UserError):
        return False
    return True


# --- verifying -------------------------------------------------------------------


def verify(path: Path, public: signing.PublicKey | None = None) -> Report:
    """Check a published folder or a bundle: the signature of SHA256SUMS (by
    ``public``, or by the publisher.pub that came with the files), then every
    checksum. Raises VerifyError (or signing.SigningError) on the first problem."""
    path = Path(path)
    if path.is_dir():
        return _verify_tree(_FolderFiles(path), public, folder=True)
    if path.is_file():
        with _ZipFiles(path) as files:
            return _verify_tree(files, public, folder=False)
    raise VerifyError(f"{path}: no such folder or bundle", "give an output/<slug> folder or a bundle .zip")


def _verify_tree(files, public, folder: bool) -> Report:
    sums = files.read(SUMS_NAME)
    sig_text = files.read(SIG_NAME)
    if sums is None:
        raise VerifyError(f"{files.name}: no {SUMS_NAME}", "it is not a published article or bundle")
    if sig_text is None:
        raise VerifyError(f"{files.name}: {SUMS_NAME} is not signed (no {SIG_NAME})",
                          "the publisher signs it with translate sign")
    from_bundle = public is None
    if from_bundle:
        key_text = files.read(signing.PUBLIC_KEY_NAME)
        if key_text is None:
            raise VerifyError(f"{files.name}: no {signing.PUBLIC_KEY_NAME} and no --key given",
                              "give the publisher's public key with --key")
        public = signing.PublicKey.from_text(key_text.decode("utf-8", "replace"),
                                             f"{files.name}/{signing.PUBLIC_KEY_NAME}")
    signature = signing.Signature.from_text(sig_text.decode("utf-8", "replace"), f"{files.name}/{SIG_NAME}")
    signing.verify_bytes(sums, signature, public, f"{files.name}/{SUMS_NAME}")
    listed = parse_sums(sums.decode("utf-8", "replace"), f"{files.name}/{SUMS_NAME}")
    report = Report(public.fingerprint, signature.trusted_comment, key_from_bundle=from_bundle)
    for rel, digest in listed.items():
        actual = files.digest(rel)
        if actual is None:
            if folder:
                raise VerifyError(f"{files.name}/{rel}: listed in {SUMS_NAME} but missing",
                                  "do not trust this copy; get the article again")
            report.absent.append(rel)
        elif actual != digest:
            raise VerifyError(f"{files.name}/{rel}: its SHA-256 does not match {SUMS_NAME}: the file was altered",
                              "do not trust this copy; get it again from the publisher")
        else:
            report.checked.append(rel)
    extra = unlisted(files, listed, UNLISTED_IN_FOLDER if folder else UNLISTED)
    if extra:
        raise VerifyError(f"{files.name}/{display(extra[0])}: not listed in the signed {SUMS_NAME}",
                          "do not open it; get the " + ("article" if folder else "bundle") +
                          " again from the publisher")
    if not report.checked:
        raise VerifyError(f"{files.name}: none of the files {SUMS_NAME} lists is here",
                          "get the bundle again from the publisher")
    if not folder:
        report.readme = _check_readme(files, report)
    return report


def _check_readme(files, report: Report) -> str:
    """A bundle's README.txt is not signed: it must be exactly the one this
    bundle was made with, written again from its signed manifest.json, the
    key that signed it and the bundle's name ("checked"). Without the
    manifest it cannot be checked, and the bundle is refused: a README that
    names another key or command must never travel with "verified"."""
    text = files.read(README_NAME)
    if text is None:
        return "none"
    if MANIFEST_NAME not in report.checked:
        raise VerifyError(f"{files.name}/{README_NAME}: not signed, and the bundle has no {MANIFEST_NAME} to check it "
                          "against (it was removed, or the bundle was made by an older version)",
                          "do not follow it; get the bundle again from the publisher")
    try:
        manifest = json.loads(files.read(MANIFEST_NAME).decode("utf-8"))
        editions, slug = manifest.get("editions", {}), manifest["article"]["slug"]
        langs = [lang for key, lang in ALL.items() if f"{key}/{slug}.{key}.pdf" in report.checked]
        titles = {lang.key: (editions.get(lang.key) or {}).get("title") or manifest["article"].get("title", "")
                  for lang in langs}
        expected = readme(langs, titles, report.fingerprint, f"{files.root}.zip")
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        expected = None
    if expected is None or text != expected.encode("utf-8"):
        raise VerifyError(f"{files.name}/{README_NAME}: not the README this bundle was made with: it is not signed, "
                          "and it was changed (a key id or a command in it may not be the publisher's)",
                          "do not follow it; get the bundle again from the publisher")
    return "checked"


def unlisted(files, listed: dict[str, str], allowed: set[str]) -> list[str]:
    """Files (links, pipes: anything but folders) that the signed SHA256SUMS
    does not list: a reader would take them for signed ones."""
    return sorted(set(files.names()) - set(listed) - allowed)


def _check_file(folder: Path, rel: str, digest: str) -> None:
    actual = _FolderFiles(folder).digest(rel)
    if actual is None:
        raise VerifyError(f"{folder / rel}: listed in {SUMS_NAME} but missing", "publish the article again")
    if actual != digest:
        raise VerifyError(f"{folder / rel}: its SHA-256 does not match {SUMS_NAME}",
                          "publish the article again (translate publish) before signing")


class _FolderFiles:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.name = str(root)

    def names(self) -> list[str]:
        """Everything under the folder but folders (links are not followed)."""
        found = []
        for folder, dirs, files in os.walk(self.root):
            found += [(Path(folder) / name).relative_to(self.root).as_posix() for name in files]
            found += [(Path(folder) / name).relative_to(self.root).as_posix() for name in dirs
                      if (Path(folder) / name).is_symlink()]
        return found

    def read(self, rel: str) -> bytes | None:
        path = self.root / rel
        return path.read_bytes() if path.is_file() else None

    def digest(self, rel: str) -> str | None:
        path = self.root / rel
        return sha256_file(path) if path.is_file() else None


class _ZipFiles:
    """A bundle read in place (nothing is extracted), through the same checks
    as model archives: no links, no path escapes, no zip bombs, one top folder."""

    def __init__(self, path: Path):
        self.name = str(path)
        try:
            self.archive = zipfile.ZipFile(path)
            root, entries = check_listing(self.archive, max_total_bytes=_MAX_BUNDLE_BYTES,
                                          max_files=_MAX_BUNDLE_FILES)
        except (zipfile.BadZipFile, OSError) as err:
            raise VerifyError(f"{path}: not a readable zip file ({err})", "get the bundle again") from None
        except ArchiveError as err:
            raise VerifyError(f"{path}: refused: {err}", "do not open it; get the bundle again") from None
        self.members = {path.relative_to(root).as_posix(): info for info, path in entries if not info.is_dir()}
        self.root = PurePosixPath(root).name   # the bundle's own name (<slug>.<key>), whatever the file is called

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.archive.close()
        return False

    def names(self) -> list[str]:
        return list(self.members)

    def read(self, rel: str) -> bytes | None:
        info = self.members.get(rel)
        if info is None:
            return None
        if info.file_size > 1 << 20:
            raise VerifyError(f"{self.name}/{rel}: too large for what it should be", "get the bundle again")
        return self._open(rel, info, lambda handle: handle.read())

    def digest(self, rel: str) -> str | None:
        info = self.members.get(rel)
        if info is None:
            return None

        def hash_stream(handle):
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
            return digest.hexdigest()

        return self._open(rel, info, hash_stream)

    def _open(self, rel, info, use):
        try:
            with self.archive.open(info) as handle:
                return use(handle)
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise VerifyError(f"{self.name}/{rel}: damaged in the zip ({err})", "get the bundle again") from None
