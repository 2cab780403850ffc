"""Signed distribution: signing an article's SHA256SUMS, checking a folder or
a bundle against it, and writing bundles (zips) to send to readers.

The statement a reader checks is the article's SHA256SUMS, signed once by the
publisher (SHA256SUMS.minisig); a bundle carries that same signed list and a
subset of the files it names (the PDFs of one language or of the article), so
bundling needs no secret key, and a reader checks a bundle with

    minisign -Vm SHA256SUMS -p publisher.pub && sha256sum -c --ignore-missing SHA256SUMS

A bundle is reproducible byte for byte from the same inputs: entries in
sorted order, one fixed time stamp (the newest edition's publication time),
fixed permissions, fixed compression.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from translate.distribution import signing
from translate.errors import UserError
from translate.project.languages import Language

SUMS_NAME = "SHA256SUMS"
SIG_NAME = SUMS_NAME + signing.SIGNATURE_SUFFIX
README_NAME = "README.txt"
# Files of a bundle that SHA256SUMS does not (and cannot) list.
UNLISTED = {SUMS_NAME, SIG_NAME, signing.PUBLIC_KEY_NAME, README_NAME}
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


# --- SHA256SUMS ------------------------------------------------------------------


def parse_sums(text: str, source: str = SUMS_NAME) -> dict[str, str]:
    """``sha256sum`` lines as {relative path: hex digest}; any other line is refused."""
    listed: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = _SUMS_LINE.match(line)
        if not match:
            raise VerifyError(f"{source}:{number}: not a sha256sum line", "get an intact copy from the publisher")
        rel = match.group(2)
        parts = PurePosixPath(rel).parts
        if rel.startswith("/") or ".." in parts or "\\" in rel or not parts:
            raise VerifyError(f"{source}:{number}: the path {rel!r} leaves the folder",
                              "do not trust this copy; get it again from the publisher")
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
    from translate.util.files import FolderLock, atomic_write
    from translate.project.folder import article_work_dir

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
    if not folder:
        extra = sorted(set(files.names()) - set(listed) - UNLISTED)
        if extra:
            raise VerifyError(f"{files.name}/{extra[0]}: not listed in the signed {SUMS_NAME}",
                              "do not open it; get the bundle again from the publisher")
    if not report.checked:
        raise VerifyError(f"{files.name}: none of the files {SUMS_NAME} lists is here",
                          "get the bundle again from the publisher")
    return report


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

    def read(self, rel: str) -> bytes | None:
        path = self.root / rel
        return path.read_bytes() if path.is_file() else None

    def digest(self, rel: str) -> str | None:
        from translate.publishing.folder import sha256_file

        path = self.root / rel
        return sha256_file(path) if path.is_file() else None


class _ZipFiles:
    """A bundle read in place (nothing is extracted), through the same checks
    as model archives: no links, no path escapes, no zip bombs, one top folder."""

    def __init__(self, path: Path):
        from translate.translation.models.archive import ArchiveError, check_listing

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


# --- writing bundles -------------------------------------------------------------

# The README of a bundle, in the edition's language. Commands, file names and
# the key id stay Latin on lines of their own, so they read the same in
# right-to-left text.
README_TEXT = {
    "en": ("How to check these files",
           "These files are published by the publisher of the article above. Before sharing them, check that "
           "they come from the publisher and were not changed. In this folder, run:",
           "The key id must be {fingerprint}. Compare it with the one the publisher shows on its website or "
           "social media. A different key id, or any error from the command, means the files must not be "
           "trusted."),
    "ru": ("Как проверить эти файлы",
           "Эти файлы выпущены издателем статьи, указанной выше. Прежде чем пересылать их, проверьте, что они "
           "получены от издателя и не были изменены. В этой папке выполните:",
           "Идентификатор ключа должен быть {fingerprint}. Сравните его с тем, который издатель показывает на "
           "своём сайте или в соцсетях. Другой идентификатор ключа или любая ошибка команды означают, что "
           "файлам доверять нельзя."),
    "prs": ("چگونه این فایل‌ها را بررسی کنید",
            "این فایل‌ها از سوی ناشر مقالهٔ بالا نشر شده‌اند. پیش از فرستادن آن‌ها به دیگران، بررسی کنید که از ناشر "
            "آمده‌اند و تغییر نکرده‌اند. در همین پوشه این دستور را اجرا کنید:",
            "شناسهٔ کلید باید {fingerprint} باشد. آن را با شناسه‌ای که ناشر در وب‌سایت یا شبکه‌های اجتماعی خود نشان "
            "می‌دهد مقایسه کنید. شناسهٔ دیگر یا هر خطایی از این دستور یعنی نباید به این فایل‌ها اعتماد کرد."),
    "ps": ("دا فایلونه څنګه وڅېړئ",
           "دا فایلونه د پورته مقالې د خپروونکي له خوا خپاره شوي دي. مخکې له دې چې یې نورو ته ولېږئ، وڅېړئ چې له "
           "خپروونکي راغلي او بدل شوي نه دي. په همدې فولډر کې دا کمانډ وچلوئ:",
           "د کلي پېژندنه باید {fingerprint} وي. هغه د هغې پېژندنې سره پرتله کړئ چې خپروونکی یې په خپله وېبپاڼه "
           "یا ټولنیزو رسنیو کې ښيي. بله پېژندنه یا د دې کمانډ هره تېروتنه دا معنا لري چې په دې فایلونو باور ونه "
           "شي."),
    "kk": ("Бұл файлдарды қалай тексеруге болады",
           "Бұл файлдарды жоғарыдағы мақаланың баспагері жариялаған. Оларды басқаларға жібермес бұрын, олардың "
           "баспагерден келгенін және өзгертілмегенін тексеріңіз. Осы қалтада мына команданы орындаңыз:",
           "Кілт идентификаторы {fingerprint} болуы керек. Оны баспагер өз сайтында немесе әлеуметтік желілерінде "
           "көрсеткен идентификатормен салыстырыңыз. Басқа идентификатор немесе команданың кез келген қатесі "
           "файлдарға сенуге болмайтынын білдіреді."),
}
VERIFY_COMMAND = "minisign -Vm SHA256SUMS -p publisher.pub && sha256sum -c --ignore-missing SHA256SUMS"


def readme(langs: list[Language], titles: dict[str, str], fingerprint: str, bundle_name: str) -> str:
    """The bundle's README.txt: for each language, its heading, the article's
    title, the command, the key id; then the same command for translate."""
    parts = []
    for lang in langs:
        heading, intro, key_line = README_TEXT[lang.key]
        parts.append(f"{heading}\n{'=' * len(heading)}\n\n{titles.get(lang.key, '')}\n\n{intro}\n\n"
                     f"    {VERIFY_COMMAND}\n\n{key_line.format(fingerprint=fingerprint)}\n")
    parts.append(f"    translate verify {bundle_name}\n")
    return "\n".join(parts)


@dataclass(frozen=True)
class Bundle:
    path: Path
    files: list[str]       # paths inside the bundle's folder, sorted


def write_bundles(article_folder: Path, langs: list[Language], out_dir: Path, per: str = "language") -> list[Bundle]:
    """One zip per language (``per="language"``: <slug>.<key>.zip) or one for
    the article (<slug>.zip) with the languages' PDFs, the signed SHA256SUMS,
    publisher.pub and a README in each edition's language. The folder must
    verify first: a bundle is never made of files that do not match their
    signed checksums."""
    from translate.util.files import atomic_write

    folder = Path(article_folder)
    report = verify(folder)
    manifest = _manifest(folder)
    slug = folder.name
    editions = manifest.get("editions", {})
    groups = [[lang] for lang in langs] if per == "language" else [list(langs)]
    bundles = []
    for group in groups:
        pdfs = []
        for lang in group:
            rel = f"{lang.key}/{slug}.{lang.key}.pdf"
            if rel not in report.checked:
                raise VerifyError(f"{folder}: no signed PDF of the {lang.english_name} edition ({rel})",
                                  f"publish it with --format pdf and sign again (translate sign {folder})")
            pdfs.append(rel)
        name = f"{slug}.{group[0].key}" if per == "language" else slug
        titles = {lang.key: (editions.get(lang.key) or {}).get("title") or manifest.get("article", {}).get("title", "")
                  for lang in group}
        members = {rel: (folder / rel).read_bytes() for rel in pdfs}
        for rel in (SUMS_NAME, SIG_NAME, signing.PUBLIC_KEY_NAME):
            members[rel] = (folder / rel).read_bytes()
        members[README_NAME] = readme(group, titles, report.fingerprint, f"{name}.zip").encode("utf-8")
        published = [editions.get(lang.key, {}).get("published") for lang in group]
        stamp = max((datetime.fromisoformat(p) for p in published if p), default=datetime(1980, 1, 1, tzinfo=timezone.utc))
        path = Path(out_dir) / f"{name}.zip"
        atomic_write(path, zip_bytes(name, members, stamp))
        bundles.append(Bundle(path, sorted(members)))
    return bundles


def zip_bytes(root: str, members: dict[str, bytes], stamp: datetime) -> bytes:
    """A zip of ``members`` under the folder ``root``/, the same bytes for the
    same input: sorted names, one time stamp (UTC, as zip has no time zone),
    regular files with mode 0644, deflate at level 9, no extra fields."""
    stamp = stamp.astimezone(timezone.utc) if stamp.tzinfo else stamp
    date_time = max((stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second),
                    (1980, 1, 1, 0, 0, 0))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for rel in sorted(members):
            info = zipfile.ZipInfo(f"{root}/{rel}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3   # Unix, so that the mode below is read
            info.external_attr = (0o100644 & 0xFFFF) << 16
            archive.writestr(info, members[rel], compresslevel=9)
    return buffer.getvalue()


def _manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
