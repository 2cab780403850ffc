"""translate.translation.models.archive.safe_extract refuses hostile or broken archives and leaves nothing behind."""

from __future__ import annotations

import stat
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from translate.translation.models import archive
from translate.translation.models.archive import ArchiveError, safe_extract

MiB = 1 << 20
REQUIRE = ("metadata.json", "model/model.bin")
GOOD = {
    "pkg/metadata.json": b'{"from_code": "en", "to_code": "ru"}',
    "pkg/model/model.bin": b"\x00\x01" * 100,
    "pkg/sentencepiece.model": b"spm",
}


def make_zip(path: Path, entries: dict[str, bytes] | list[tuple[zipfile.ZipInfo | str, bytes]],
             compression=zipfile.ZIP_DEFLATED) -> Path:
    items = entries.items() if isinstance(entries, dict) else entries
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in items:
            zf.writestr(name, data)
    return path


def extract(zip_path: Path, dest: Path, **kwargs):
    options = dict(max_total_bytes=10 * MiB, max_files=100, require=REQUIRE)
    options.update(kwargs)
    return safe_extract(zip_path, dest, **options)


def refused(zip_path: Path, tmp_path: Path, match: str, **kwargs) -> None:
    dest = tmp_path / "out"
    with pytest.raises(ArchiveError, match=match) as info:
        extract(zip_path, dest, **kwargs)
    assert not dest.exists(), "a refused archive must leave nothing behind"
    assert "\n" not in str(info.value)
    assert zip_path.name in str(info.value)


def test_good_archive_is_extracted_under_its_single_folder(tmp_path):
    zip_path = make_zip(tmp_path / "good.zip", GOOD)
    result = extract(zip_path, tmp_path / "out")
    assert result.root == tmp_path / "out" / "pkg"
    assert result.files == 3
    assert result.bytes == sum(len(v) for v in GOOD.values())
    for name, data in GOOD.items():
        assert (tmp_path / "out" / name).read_bytes() == data


def test_not_a_zip(tmp_path):
    path = tmp_path / "model.argosmodel"
    path.write_text("<html>404 Not Found</html>")
    refused(path, tmp_path, "not a complete zip archive")


def test_truncated_zip(tmp_path):
    whole = make_zip(tmp_path / "whole.zip", GOOD, compression=zipfile.ZIP_STORED).read_bytes()
    path = tmp_path / "half.zip"
    path.write_bytes(whole[: len(whole) // 2])
    refused(path, tmp_path, "not a complete zip archive.*fresh copy")


def test_missing_file_is_refused(tmp_path):
    refused(make_zip(tmp_path / "a.zip", {k: v for k, v in GOOD.items() if "metadata" not in k}),
            tmp_path, "no metadata.json")
    refused(make_zip(tmp_path / "b.zip", {k: v for k, v in GOOD.items() if "model.bin" not in k}),
            tmp_path, "no model/model.bin")


@pytest.mark.parametrize(
    "name, reason",
    [
        ("../evil.txt", r"outside"),
        ("pkg/../../evil.txt", r"outside"),
        ("/tmp/evil.txt", r"absolute"),
        ("C:/evil.txt", r"absolute"),
        ("c:evil.txt", r"absolute"),
        ("pkg\\..\\..\\evil.txt", r"backslash"),
    ],
)
def test_paths_escaping_the_target_are_refused(tmp_path, name, reason):
    zip_path = make_zip(tmp_path / "escape.zip", [*GOOD.items(), (name, b"owned")])
    refused(zip_path, tmp_path, reason)
    assert not (tmp_path / "evil.txt").exists()
    assert not Path("/tmp/evil.txt").exists() or Path("/tmp/evil.txt").read_bytes() != b"owned"


@pytest.mark.parametrize(
    "mode, reason",
    [
        (stat.S_IFLNK | 0o777, "symbolic link"),
        (stat.S_IFIFO | 0o644, "special file"),
        (stat.S_IFCHR | 0o644, "special file"),
    ],
)
def test_links_and_special_files_are_refused(tmp_path, mode, reason):
    link = zipfile.ZipInfo("pkg/sentencepiece.model")
    link.external_attr = mode << 16
    entries = [(k, v) for k, v in GOOD.items() if k != "pkg/sentencepiece.model"]
    zip_path = make_zip(tmp_path / "link.zip", [*entries, (link, b"/etc/passwd")])
    refused(zip_path, tmp_path, reason)


def test_declared_size_over_the_cap_is_refused_before_writing(tmp_path):
    entries = {**GOOD, "pkg/model/model.bin": b"\x00" * (3 * MiB)}
    zip_path = make_zip(tmp_path / "bomb.zip", entries)
    assert zip_path.stat().st_size < 100_000  # highly compressible: a small file that unpacks big
    refused(zip_path, tmp_path, "zip bomb", max_total_bytes=2 * MiB)


def _patch_sizes(path: Path, member: str, fake_size: int) -> None:
    """Make both headers of ``member`` claim an uncompressed size of ``fake_size``."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    local = info.header_offset
    assert data[local:local + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, local + 22, fake_size)
    name = member.encode()
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    assert data[central + 46:central + 46 + len(name)] == name
    struct.pack_into("<I", data, central + 24, fake_size)
    path.write_bytes(bytes(data))


def test_header_that_understates_the_size_is_not_trusted(tmp_path):
    entries = {**GOOD, "pkg/model/model.bin": b"\x00" * (3 * MiB)}
    zip_path = make_zip(tmp_path / "liar.zip", entries)
    _patch_sizes(zip_path, "pkg/model/model.bin", 1000)
    with zipfile.ZipFile(zip_path) as zf:
        assert sum(i.file_size for i in zf.infolist()) < 2 * MiB  # the listing looks harmless
    refused(zip_path, tmp_path, "corrupt", max_total_bytes=2 * MiB)


def test_decompressed_bytes_are_counted_while_extracting(tmp_path, monkeypatch):
    # If the listing check ever lets an archive through (a zipfile change, a
    # lying header), the byte counter must still stop the extraction.
    monkeypatch.setattr(archive, "check_listing", lambda zf, **kw: ("pkg", [
        (info, archive._check_name(info.filename)) for info in zf.infolist()
    ]))
    entries = {**GOOD, "pkg/model/model.bin": b"\x00" * (3 * MiB)}
    refused(make_zip(tmp_path / "bomb.zip", entries), tmp_path, "unpacks to more than", max_total_bytes=2 * MiB)


def test_too_many_files(tmp_path):
    entries = {**GOOD, **{f"pkg/extra/{n}.txt": b"x" for n in range(20)}}
    refused(make_zip(tmp_path / "many.zip", entries), tmp_path, "more than the limit of 10", max_files=10)


def test_more_than_one_top_level_entry(tmp_path):
    refused(make_zip(tmp_path / "two.zip", {**GOOD, "other/readme.txt": b"x"}), tmp_path, "exactly one top-level folder")
    refused(make_zip(tmp_path / "loose.zip", {**GOOD, "loose.txt": b"x"}), tmp_path, "exactly one top-level folder")
    refused(make_zip(tmp_path / "flat.zip", {"metadata.json": b"{}"}), tmp_path, "is a file")


def test_duplicate_entries_are_refused(tmp_path):
    zip_path = tmp_path / "dup.zip"
    with pytest.warns(UserWarning, match="Duplicate name"):
        make_zip(zip_path, [*GOOD.items(), ("pkg/metadata.json", b'{"evil": 1}')])
    refused(zip_path, tmp_path, "more than once")


def test_encrypted_entry_is_refused(tmp_path):
    # zipfile cannot write encrypted entries: set the "encrypted" flag by hand.
    zip_path = make_zip(tmp_path / "enc.zip", GOOD)
    data = bytearray(zip_path.read_bytes())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        data[start + 8] |= 0x1
        start += 4
    zip_path.write_bytes(bytes(data))
    refused(zip_path, tmp_path, "encrypted")


def test_corrupt_member_data_is_refused(tmp_path):
    zip_path = make_zip(tmp_path / "crc.zip", GOOD, compression=zipfile.ZIP_STORED)
    data = bytearray(zip_path.read_bytes())
    spot = data.find(b"\x00\x01" * 100)
    data[spot + 10] ^= 0xFF
    zip_path.write_bytes(bytes(data))
    refused(zip_path, tmp_path, "corrupt.*model.bin")


def test_interrupted_extraction_leaves_nothing(tmp_path, monkeypatch):
    zip_path = make_zip(tmp_path / "good.zip", GOOD)
    calls = {"n": 0}
    real_read = zipfile.ZipExtFile.read

    def interrupted_read(self, n=-1):
        calls["n"] += 1
        if calls["n"] > 2:
            raise KeyboardInterrupt
        return real_read(self, n)

    monkeypatch.setattr(zipfile.ZipExtFile, "read", interrupted_read)
    with pytest.raises(KeyboardInterrupt):
        extract(zip_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_existing_destination_is_not_touched(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        extract(make_zip(tmp_path / "good.zip", GOOD), dest)
    assert (dest / "keep.txt").read_text() == "mine"


@given(st.lists(st.sampled_from(["..", ".", "", "a", "b.c", "C:", "/", "\\", "x\x00"]), min_size=1, max_size=6))
def test_accepted_names_stay_inside(parts):
    name = "/".join(parts)
    try:
        path = archive._check_name(name)
    except ArchiveError:
        return
    assert not path.is_absolute()
    assert ".." not in path.parts
    assert ":" not in path.parts[0]
    root = Path("/base")
    assert (root / path).resolve().is_relative_to(root)


def test_a_file_that_is_also_a_folder_is_refused_before_extracting(tmp_path):
    """Found by hypothesis: entries "0" and "0/0/0" made extraction fail half way."""
    import zipfile

    from translate.translation.models.archive import ArchiveError, safe_extract

    archive = tmp_path / "clash.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("pkg/model", b"x")
        zf.writestr("pkg/model/model.bin", b"y")
    dest = tmp_path / "dest"
    with pytest.raises(ArchiveError, match="lies inside 'pkg/model', which is a file"):
        safe_extract(archive, dest, max_total_bytes=1 << 20, max_files=10)
    assert not dest.exists()
