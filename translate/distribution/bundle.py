"""Bundles: zips of an article's signed PDFs to send to readers, one per
language or one for the article.

A bundle carries the article's signed SHA256SUMS (translate.distribution.
signed_folder) and a subset of the files it names, so bundling needs no
secret key. It is reproducible byte for byte from the same inputs: entries
in sorted order, one fixed time stamp (the newest edition's publication
time), fixed permissions, fixed compression.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from glob import escape as glob_escape
from pathlib import Path, PurePosixPath

from translate.distribution import signing
from translate.distribution.readme import readme
from translate.distribution.signed_folder import MANIFEST_NAME, README_NAME, SIG_NAME, SUMS_NAME, VerifyError, verify
from translate.errors import UserError
from translate.project.folder import BUNDLES_FOLDER  # noqa: F401 - OUTPUT/bundles/, for callers
from translate.project.languages import ALL, Language
from translate.util.files import atomic_write


@dataclass(frozen=True)
class Bundle:
    path: Path
    files: list[str]       # paths inside the bundle's folder, sorted


def write_bundles(article_folder: Path, langs: list[Language], out_dir: Path, per: str = "language") -> list[Bundle]:
    """One zip per language (``per="language"``: <slug>.<key>.zip) or one for
    the article (<slug>.zip) with the languages' PDFs, the signed SHA256SUMS,
    publisher.pub, manifest.json and a README in each edition's language. The folder must
    verify first: a bundle is never made of files that do not match their
    signed checksums."""

    folder = Path(article_folder)
    langs = sorted(langs, key=lambda lang: list(ALL).index(lang.key))   # the README's order: what verify writes again
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
        # the signed manifest travels too: verify writes the README again from it
        for rel in (SUMS_NAME, SIG_NAME, signing.PUBLIC_KEY_NAME, MANIFEST_NAME):
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


# --- keeping bundles current ----------------------------------------------------------


def bundle_slug(zip_path: Path) -> tuple[str, str | None]:
    """(article slug, language key or None) a bundle's file name says:
    <slug>.<key>.zip (per language) or <slug>.zip (per article)."""
    name = Path(zip_path).name.removesuffix(".zip")
    stem, _, key = name.rpartition(".")
    return (stem, key) if stem and key in ALL else (name, None)


def stale_against(zip_path: Path, article_folder: Path) -> bool:
    """Whether a bundle holds another SHA256SUMS than the article folder has
    now: the article was published again since the bundle was made."""
    with zipfile.ZipFile(zip_path) as archive:
        root = bundle_slug(zip_path)
        member = f"{root[0]}.{root[1]}/{SUMS_NAME}" if root[1] else f"{root[0]}/{SUMS_NAME}"
        try:
            inside = archive.read(member)
        except KeyError:
            return True
    try:
        return inside != (Path(article_folder) / SUMS_NAME).read_bytes()
    except OSError:
        return True


def refresh_bundles(article_folder: Path, bundles_dir: Path) -> list[tuple[Path, str]]:
    """Make again every bundle of the article in ``bundles_dir`` that an
    edition changed since; (path, "rebuilt") for each, or (path, reason) when
    it cannot be (the folder is not signed again yet). A stale bundle is never
    left looking current: verify refuses it against the folder."""
    folder = Path(article_folder)
    done = []
    for zip_path in sorted(Path(bundles_dir).glob(f"{glob_escape(folder.name)}*.zip")):
        slug, key = bundle_slug(zip_path)
        if slug != folder.name:
            continue
        try:
            if not stale_against(zip_path, folder):
                continue
            langs = [ALL[key]] if key else _bundled_languages(zip_path, slug)
            write_bundles(folder, langs, zip_path.parent, "language" if key else "article")
            done.append((zip_path, "rebuilt"))
        except (zipfile.BadZipFile, OSError, UserError) as err:
            reason = err.one_line() if isinstance(err, UserError) else str(err)
            done.append((zip_path, f"stale ({reason})"))
    return done


def _bundled_languages(zip_path: Path, slug: str) -> list[Language]:
    with zipfile.ZipFile(zip_path) as archive:
        keys = {PurePosixPath(name).parts[1] for name in archive.namelist()
                if name.endswith(".pdf") and len(PurePosixPath(name).parts) == 3}
    return [lang for key, lang in ALL.items() if key in keys]
