"""Signing a published article, verifying folders and bundles, and bundles
that are the same bytes every time; a reader's check with the stock tools."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import distkit
from translate.distribution import signing
from translate.distribution.bundle import zip_bytes
from translate.distribution.readme import VERIFY_COMMAND, readme_text
from translate.project.languages import ALL
from translate.cli.main import cli

FAST = {"opslimit": 32768, "memlimit": 16777216}
PASS = {"TRANSLATE_SIGNING_PASSPHRASE": "bundle phrase"}
needs_tools = pytest.mark.skipif(not shutil.which("minisign") and not os.environ.get("CI"),
                                 reason="the minisign tool is not installed (setup.sh installs it)")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """output/taliban-delisting with en, prs and ps editions (md, html, pdf), unsigned,
    and the run's output; copy it before changing it."""
    work = tmp_path_factory.mktemp("published")
    dirs = distkit.install_model(work)
    result = distkit.publish(dirs, [distkit.ARTICLE], work / "out", "--max-pdf-size", "1kB")
    assert result.exit_code == 0, result.output
    return work / "out", result.output


@pytest.fixture
def keys(tmp_path):
    return signing.new_key_pair(tmp_path / "keys", PASS["TRANSLATE_SIGNING_PASSPHRASE"], **FAST)


@pytest.fixture
def signed(published, keys, tmp_path):
    """A copy of the published output, its article signed with `translate sign`."""
    out = distkit.copy_tree(published[0], tmp_path / "out")
    result = CliRunner().invoke(cli, ["sign", str(out / "taliban-delisting"), "--key-dir", str(keys.secret_path.parent)],
                                env=PASS)
    assert result.exit_code == 0, result.output
    assert f"signed: {out / 'taliban-delisting' / 'SHA256SUMS.minisig'}" in result.output
    return out


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in result.output, result.output
    return lines[0]


def test_publish_reports_pdf_sizes_and_warns_over_the_limit(published):
    out, output = published
    for key in ("en", "prs", "ps"):
        pdf = out / "taliban-delisting" / key / f"taliban-delisting.{key}.pdf"
        kb = round(pdf.stat().st_size / 1000)
        assert f"{pdf.name} ({kb} kB)" in output
        assert f"warning: {pdf.name} is {kb} kB, over --max-pdf-size 1 kB" in output


@needs_tools
def test_signed_folder_verifies_with_minisign_sha256sum_and_translate(signed, keys):
    folder = signed / "taliban-delisting"
    assert (folder / "publisher.pub").read_text() == keys.public.file_text()
    check = subprocess.run(["minisign", "-Vm", "SHA256SUMS", "-p", "publisher.pub"], cwd=folder,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "article:taliban-delisting" in check.stdout
    assert subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=folder).returncode == 0
    result = run("verify", folder, "--key", keys.public_path)
    assert result.exit_code == 0, result.output
    listed = len((folder / "SHA256SUMS").read_text().splitlines())
    assert f"verified: {listed} file(s) match the SHA256SUMS signed by key {keys.public.fingerprint}" in result.output


def test_signing_again_changes_nothing(signed, keys):
    folder = signed / "taliban-delisting"
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    result = CliRunner().invoke(cli, ["sign", str(folder), "--key-dir", str(keys.secret_path.parent)], env=PASS)
    assert result.exit_code == 0 and "already signed" in result.output
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before


def _flip_byte(path: Path, index: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    index = len(data) // 2 if index is None else index
    data[index] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("target, expected", [
    ("prs/taliban-delisting.prs.pdf", "prs/taliban-delisting.prs.pdf: its SHA-256 does not match SHA256SUMS"),
    ("SHA256SUMS", "SHA256SUMS: the signature does not match its content"),
    ("SHA256SUMS.minisig", "SHA256SUMS"),
])
def test_one_changed_byte_fails_verification(signed, target, expected):
    folder = signed / "taliban-delisting"
    path = folder / target
    if target == "SHA256SUMS":
        _flip_byte(path, 0)         # a hex digit of the first checksum: still a valid line
    elif target == "SHA256SUMS.minisig":
        lines = path.read_text().split("\n")
        lines[1] = lines[1][:20] + ("A" if lines[1][20] != "A" else "B") + lines[1][21:]
        path.write_text("\n".join(lines))
    else:
        _flip_byte(path)
    line = one_error_line(run("verify", folder))
    assert expected in line
    if shutil.which("minisign") and target != "prs/taliban-delisting.prs.pdf":
        assert subprocess.run(["minisign", "-Vm", "SHA256SUMS", "-p", "publisher.pub"], cwd=folder,
                              capture_output=True).returncode != 0


def test_a_missing_file_or_signature_fails(signed):
    folder = signed / "taliban-delisting"
    (folder / "ps" / "taliban-delisting.ps.md").unlink()
    assert "ps/taliban-delisting.ps.md: listed in SHA256SUMS but missing" in one_error_line(run("verify", folder))
    (folder / "SHA256SUMS.minisig").unlink()
    assert "not signed" in one_error_line(run("verify", folder))


def test_a_folder_whose_files_changed_is_not_signed(published, keys, tmp_path):
    out = distkit.copy_tree(published[0], tmp_path / "out")
    _flip_byte(out / "taliban-delisting" / "ps" / "taliban-delisting.ps.pdf")
    result = CliRunner().invoke(cli, ["sign", str(out / "taliban-delisting"), "--key-dir",
                                      str(keys.secret_path.parent)], env=PASS)
    assert "does not match SHA256SUMS" in one_error_line(result)
    assert not (out / "taliban-delisting" / "SHA256SUMS.minisig").exists()


def test_republishing_after_signing_warns_that_the_signature_is_stale(published, signed, tmp_path):
    dirs = {"multi": published[0].parent / "multi", "argos": published[0].parent / "argos"}
    # another edition set changes SHA256SUMS
    result = distkit.publish(dirs, [distkit.ARTICLE], signed, "--format", "md,html")
    assert "SHA256SUMS changed since it was signed: sign it again with translate sign" in result.output


# --- bundles ---------------------------------------------------------------------


def bundle(out: Path, *args: str):
    return run("bundle", "taliban-delisting", "--output", out, *args)


def test_bundles_are_the_same_bytes_every_time(signed, tmp_path):
    first = bundle(signed, "--to", "ps,prs", "--out", tmp_path / "one")
    second = bundle(signed, "--to", "ps,prs", "--out", tmp_path / "two")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    for name in ("taliban-delisting.ps.zip", "taliban-delisting.prs.zip"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    with zipfile.ZipFile(tmp_path / "one" / "taliban-delisting.prs.zip") as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names) == [f"taliban-delisting.prs/{rel}" for rel in (
        "README.txt", "SHA256SUMS", "SHA256SUMS.minisig", "manifest.json", "prs/taliban-delisting.prs.pdf",
        "publisher.pub")]
    assert {info.external_attr >> 16 for info in infos} == {0o100644}
    assert len({info.date_time for info in infos}) == 1


def test_zip_bytes_depend_only_on_the_inputs():
    from datetime import datetime, timezone

    stamp = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    one = zip_bytes("a", {"b.txt": b"x", "a.txt": b"y"}, stamp)
    assert one == zip_bytes("a", {"a.txt": b"y", "b.txt": b"x"}, stamp)
    assert one != zip_bytes("a", {"a.txt": b"y", "b.txt": b"z"}, stamp)


@needs_tools
def test_a_reader_checks_a_bundle_with_the_readme_command(signed, keys, tmp_path):
    assert bundle(signed, "--to", "ps", "--out", tmp_path / "b").exit_code == 0
    archive = tmp_path / "b" / "taliban-delisting.ps.zip"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "reader")
    folder = tmp_path / "reader" / "taliban-delisting.ps"
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    heading, _intro, key_line = readme_text(ALL["ps"])
    assert heading in readme and key_line % {"fingerprint": keys.public.fingerprint} in readme
    assert VERIFY_COMMAND in readme
    check = subprocess.run(VERIFY_COMMAND, shell=True, cwd=folder, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "ps/taliban-delisting.ps.pdf: OK" in check.stdout
    result = run("verify", archive, "--key", keys.public_path)
    assert result.exit_code == 0, result.output
    assert "verified: 2 file(s) match" in result.output   # the PDF and the manifest (issue 33)
    # a changed byte in the extracted PDF: sha256sum says so
    _flip_byte(folder / "ps" / "taliban-delisting.ps.pdf")
    assert subprocess.run(VERIFY_COMMAND, shell=True, cwd=folder, capture_output=True).returncode != 0


def _rewrite(archive: Path, change) -> None:
    with zipfile.ZipFile(archive) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    change(members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    archive.write_bytes(buffer.getvalue())


@pytest.mark.parametrize("change, expected", [
    ("pdf byte", "prs/taliban-delisting.prs.pdf: its SHA-256 does not match"),
    ("extra file", "taliban-delisting.prs.zip/prs/extra.pdf: not listed in the signed SHA256SUMS"),
    ("other key", "signed with key"),
])
def test_an_altered_bundle_fails(signed, tmp_path, change, expected):
    assert bundle(signed, "--to", "prs", "--out", tmp_path).exit_code == 0
    archive = tmp_path / "taliban-delisting.prs.zip"
    pdf = "taliban-delisting.prs/prs/taliban-delisting.prs.pdf"

    def alter(members):
        if change == "pdf byte":
            data = bytearray(members[pdf])
            data[len(data) // 2] ^= 1
            members[pdf] = bytes(data)
        elif change == "extra file":
            members["taliban-delisting.prs/prs/extra.pdf"] = b"%PDF-1.7 not from the publisher"
        else:  # an attacker re-signs with their own key and ships that key
            attacker = signing.generate()
            sums = members["taliban-delisting.prs/SHA256SUMS"]
            members["taliban-delisting.prs/SHA256SUMS.minisig"] = signing.sign_bytes(
                sums, attacker, "timestamp:0").file_text().encode()
            members["taliban-delisting.prs/publisher.pub"] = attacker.public.file_text().encode()

    _rewrite(archive, alter)
    args = ["verify", archive] + (["--key", signed / "taliban-delisting" / "publisher.pub"] if change == "other key" else [])
    assert expected in one_error_line(run(*args))


def test_bundle_per_article_and_refusals(signed, published, tmp_path):
    result = bundle(signed, "--to", "prs,ps", "--per", "article", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "taliban-delisting.zip") as zf:
        names = zf.namelist()
        readme = zf.read("taliban-delisting/README.txt").decode()
    assert "taliban-delisting/prs/taliban-delisting.prs.pdf" in names
    assert "taliban-delisting/ps/taliban-delisting.ps.pdf" in names
    assert readme_text(ALL["prs"])[0] in readme and readme_text(ALL["ps"])[0] in readme
    # an edition that was not published, an unsigned article
    assert "no signed PDF of the Russian edition" in one_error_line(bundle(signed, "--to", "ru", "--out", tmp_path))
    assert "not signed" in one_error_line(bundle(published[0], "--to", "ps", "--out", tmp_path / "x"))
    assert not (tmp_path / "x").exists()
