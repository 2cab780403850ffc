"""minisign-format keys and signatures, checked against the stock `minisign`
tool (Debian package minisign, installed by setup.sh) in both directions."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from translate.distribution import signing
from translate.cli.main import cli

MINISIGN = shutil.which("minisign")
needs_minisign = pytest.mark.skipif(MINISIGN is None and not os.environ.get("CI"),
                                    reason="the minisign tool is not installed (setup.sh installs it)")
# libsodium's minimum scrypt limits: fast tests; minisign reads them from the key file.
FAST = {"opslimit": 32768, "memlimit": 16777216}


@pytest.fixture
def fast_new_keys(monkeypatch):
    """`translate keys new` with the minimum limits; one test keeps minisign's own."""
    monkeypatch.setattr(signing, "OPSLIMIT", FAST["opslimit"])
    monkeypatch.setattr(signing, "MEMLIMIT", FAST["memlimit"])


def minisign(*args: str, password: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    # minisign reads the password from stdin when it is not a terminal (-G asks twice)
    lines = 2 if "-G" in args else 1
    return subprocess.run(["minisign", *args], input=(password + "\n") * lines if password is not None else "",
                          capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture
def our_keys(tmp_path) -> signing.KeyPair:
    return signing.new_key_pair(tmp_path / "keys", "correct horse", **FAST)


@pytest.fixture
def message(tmp_path) -> Path:
    path = tmp_path / "SHA256SUMS"
    path.write_bytes(b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  ps/a.ps.pdf\n")
    return path


@needs_minisign
def test_our_signature_verifies_with_minisign(our_keys, message):
    key = signing.SecretKey.load(our_keys.secret_path, "correct horse")
    signing.sign_file(message, key, signing.default_trusted_comment(message.name, article="a"))
    result = minisign("-Vm", str(message), "-p", str(our_keys.public_path))
    assert result.returncode == 0, result.stderr
    assert "Signature and comment signature verified" in result.stdout
    assert "file:SHA256SUMS\thashed\tarticle:a" in result.stdout
    # minisign names the key by the same id we print
    assert our_keys.public.fingerprint in our_keys.public_path.read_text()


@needs_minisign
def test_minisign_signs_with_our_encrypted_key(our_keys, message):
    """Our scrypt encryption and checksum are minisign's: it decrypts our key."""
    result = minisign("-S", "-s", str(our_keys.secret_path), "-m", str(message), password="correct horse")
    assert result.returncode == 0, result.stdout + result.stderr
    signature = signing.verify_file(message, our_keys.public)
    assert signature.algorithm == b"ED"
    wrong = minisign("-S", "-s", str(our_keys.secret_path), "-m", str(message), "-x", str(message) + ".2",
                     password="wrong horse")
    assert wrong.returncode != 0 and "Wrong password" in wrong.stdout + wrong.stderr


@needs_minisign
@pytest.mark.parametrize("legacy", [False, True], ids=["prehashed-ED", "legacy-Ed"])
def test_minisign_signature_verifies_with_ours(tmp_path, message, legacy):
    assert minisign("-G", "-W", "-p", str(tmp_path / "m.pub"), "-s", str(tmp_path / "m.key")).returncode == 0
    args = ["-S", "-s", str(tmp_path / "m.key"), "-m", str(message), "-t", "made by minisign"]
    result = minisign(*args, *(["-l"] if legacy else []))
    assert result.returncode == 0, result.stderr
    public = signing.PublicKey.load(tmp_path / "m.pub")
    signature = signing.verify_file(message, public)
    assert signature.algorithm == (b"Ed" if legacy else b"ED")
    assert signature.trusted_comment == "made by minisign"
    # its unencrypted secret key signs with our code too, and minisign accepts that
    key = signing.SecretKey.load(tmp_path / "m.key", None)
    assert key.public == public
    signing.sign_file(message, key)
    assert minisign("-Vm", str(message), "-p", str(tmp_path / "m.pub")).returncode == 0


@needs_minisign
def test_minisign_encrypted_key_opens_with_the_passphrase_only(tmp_path):
    """minisign 0.11's own limits (scrypt N=2^20, 1 GiB) through our derivation."""
    result = minisign("-G", "-p", str(tmp_path / "m.pub"), "-s", str(tmp_path / "m.key"), password="pass phrase")
    assert result.returncode == 0, result.stderr
    key = signing.SecretKey.load(tmp_path / "m.key", "pass phrase")
    assert key.public == signing.PublicKey.load(tmp_path / "m.pub")


def test_a_wrong_passphrase_is_one_line(our_keys):
    with pytest.raises(signing.WrongPassphrase) as err:
        signing.SecretKey.load(our_keys.secret_path, "correct horsE")
    assert "wrong passphrase" in err.value.one_line() and "\n" not in err.value.one_line()


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]


@pytest.mark.parametrize("target", ["file", "signature", "trusted comment", "global signature"])
def test_one_changed_byte_is_detected(our_keys, message, target):
    key = signing.SecretKey.load(our_keys.secret_path, "correct horse")
    sig_path = signing.sign_file(message, key)
    lines = sig_path.read_text().split("\n")
    if target == "file":
        message.write_bytes(_flip(message.read_bytes(), 10))
    else:
        line = {"signature": 1, "trusted comment": 2, "global signature": 3}[target]
        # a character in the middle of the line, swapped for another valid one
        text = lines[line]
        middle = len(text) // 2
        lines[line] = text[:middle] + ("B" if text[middle] != "B" else "C") + text[middle + 1:]
        sig_path.write_text("\n".join(lines))
    with pytest.raises(signing.BadSignature) as err:
        signing.verify_file(message, our_keys.public)
    assert "\n" not in err.value.one_line()
    if MINISIGN:
        assert minisign("-Vm", str(message), "-p", str(our_keys.public_path)).returncode != 0


def test_another_key_is_named(our_keys, message, tmp_path):
    key = signing.SecretKey.load(our_keys.secret_path, "correct horse")
    signing.sign_file(message, key)
    other = signing.new_key_pair(tmp_path / "other", "x", **FAST)
    with pytest.raises(signing.BadSignature) as err:
        signing.verify_file(message, other.public)
    assert our_keys.public.fingerprint in str(err.value) and other.public.fingerprint in str(err.value)


@pytest.mark.parametrize("damage", ["truncated", "not base64", "empty", "binary", "wrong algorithm"])
def test_damaged_key_files_give_one_clear_line(our_keys, damage):
    for path, load in ((our_keys.secret_path, lambda p: signing.SecretKey.load(p, "correct horse")),
                       (our_keys.public_path, signing.PublicKey.load)):
        lines = path.read_text().split("\n")
        if damage == "truncated":
            lines[1] = lines[1][:40]
        elif damage == "not base64":
            lines[1] = "!" * len(lines[1])
        elif damage == "wrong algorithm":
            lines[1] = "Q" + lines[1][1:]
        path.write_text("\n".join(lines) if damage not in ("empty", "binary") else "")
        if damage == "binary":
            path.write_bytes(b"\xff\xfe\x00" * 20)
        with pytest.raises(signing.SigningError) as err:
            load(path)
        line = err.value.one_line()
        assert str(path) in line and "\n" not in line and len(line) < 300


def test_secret_key_is_private_and_never_replaced_silently(our_keys):
    mode = stat.S_IMODE(our_keys.secret_path.stat().st_mode)
    assert mode == 0o600
    assert "encrypted" in our_keys.secret_path.read_text()
    before = our_keys.secret_path.read_bytes()
    with pytest.raises(signing.SigningError, match="already exists"):
        signing.new_key_pair(our_keys.secret_path.parent, "another", **FAST)
    assert our_keys.secret_path.read_bytes() == before


def test_empty_passphrase_is_refused(tmp_path):
    with pytest.raises(signing.SigningError, match="unencrypted"):
        signing.new_key_pair(tmp_path / "k", "", **FAST)
    assert not (tmp_path / "k" / signing.SECRET_KEY_NAME).exists()


def test_scrypt_parameters_follow_libsodium():
    # minisign 0.11's limits and libsodium's minimum, as crypto_pwhash_scryptsalsa208sha256 maps them
    assert signing._scrypt_params(signing.OPSLIMIT, signing.MEMLIMIT) == (1 << 20, 8, 1)
    assert signing._scrypt_params(32768, 16777216) == (1 << 10, 8, 1)
    assert signing._scrypt_params(1 << 20, 1 << 25) == (1 << 15, 8, 1)


# --- the commands ----------------------------------------------------------------


def test_keys_new_prints_the_public_key_and_fingerprint(tmp_path, fast_new_keys):
    folder = tmp_path / "keys"
    env = {"TRANSLATE_SIGNING_PASSPHRASE": "from the environment"}
    result = CliRunner().invoke(cli, ["keys", "new", "--dir", str(folder)], env=env)
    assert result.exit_code == 0, result.output
    public = signing.PublicKey.load(folder / signing.PUBLIC_KEY_NAME)
    assert f"public key: {folder / signing.PUBLIC_KEY_NAME}" in result.output
    assert f"fingerprint: {public.fingerprint}" in result.output
    key = signing.SecretKey.load(folder / signing.SECRET_KEY_NAME, "from the environment")
    assert key.public == public
    again = CliRunner().invoke(cli, ["keys", "new", "--dir", str(folder)], env=env)
    assert again.exit_code == 1 and "already exists" in again.output and "Traceback" not in again.output


def test_keys_new_defaults_to_the_user_data_folder_and_asks_twice(tmp_path, monkeypatch, fast_new_keys):
    monkeypatch.delenv("TRANSLATE_KEYS_DIR", raising=False)
    monkeypatch.delenv("TRANSLATE_SIGNING_PASSPHRASE", raising=False)
    result = CliRunner().invoke(cli, ["keys", "new"], input="typed phrase\ntyped phrase\n")
    assert result.exit_code == 0, result.output
    # conftest points XDG_DATA_HOME into a temporary folder
    folder = Path(os.environ["XDG_DATA_HOME"]) / "newsroom-translate" / "keys"
    assert signing.SecretKey.load(folder / signing.SECRET_KEY_NAME, "typed phrase")


def test_keys_are_never_written_into_the_project(fast_new_keys, tmp_path):
    (tmp_path / "translate.toml").write_text("")
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "keys", "new", "--dir", str(tmp_path / "keys")],
                                env={"TRANSLATE_SIGNING_PASSPHRASE": "x"})
    assert result.exit_code == 1 and "could be committed or published" in result.output
    assert not (tmp_path / "keys").exists()


def test_sign_with_a_wrong_passphrase_is_one_line(our_keys, tmp_path):
    result = CliRunner().invoke(cli, ["sign", str(tmp_path), "--key-dir", str(our_keys.secret_path.parent)],
                                env={"TRANSLATE_SIGNING_PASSPHRASE": "not it"})
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.strip()]
    assert len(errors) == 1 and "wrong passphrase" in errors[0], result.output


def test_a_key_folder_that_cannot_be_made_is_one_line(tmp_path, fast_new_keys):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(cli, ["keys", "new", "--dir", str(blocker / "keys")],
                                env={"TRANSLATE_SIGNING_PASSPHRASE": "x"})
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and str(blocker) in lines[0], result.output
