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
from pathlib import Path

from translate.distribution import signing
from translate.distribution.signed_folder import README_NAME, SIG_NAME, SUMS_NAME, VerifyError, verify
from translate.project.languages import Language
from translate.util.files import atomic_write

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
