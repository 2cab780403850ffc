"""Ed25519 keys and signatures in the minisign format.

A reader checks a published folder or bundle with the stock tool
(``minisign -Vm SHA256SUMS -p publisher.pub``, Debian package ``minisign``)
or with ``translate verify``; so the files here are byte-compatible with
minisign 0.11:

- public key: ``untrusted comment: ...`` then base64("Ed" | key id (8) | key (32))
- secret key: ``untrusted comment: ...`` then base64("Ed" | kdf "Sc" or 0,0 | "B2" |
  salt (32) | opslimit (8, LE) | memlimit (8, LE) | encrypted(key id | seed+key (64) |
  checksum (32)))``, encrypted by XOR with the output of scrypt (libsodium's
  crypto_pwhash_scryptsalsa208sha256, whose ops/mem limits are mapped to scrypt's
  N, r, p by ``_scrypt_params`` as libsodium does); the checksum is BLAKE2b-256
  over "Ed" | key id | secret key and is how a wrong passphrase is told apart.
- signature: ``untrusted comment:``, base64(alg | key id | sig (64)),
  ``trusted comment: ...``, base64(global sig (64)). alg "ED" signs the
  BLAKE2b-512 of the file (minisign's default since 0.10), "Ed" (legacy) the
  file itself; both verify. The global signature covers sig | trusted comment,
  so the trusted comment (timestamp, file name, article) cannot be altered.

Ed25519 comes from ``cryptography``; scrypt and BLAKE2b from ``hashlib``.
The secret key is never written without a passphrase, and never into the
project or an output folder (``check_key_location``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from translate.errors import UserError
from translate.project import user_folders
from translate.util.files import atomic_write

PASSPHRASE_ENV = "TRANSLATE_SIGNING_PASSPHRASE"
PUBLIC_KEY_NAME = "publisher.pub"
SECRET_KEY_NAME = "publisher.key"
SIGNATURE_SUFFIX = ".minisig"

SIG_ALG = b"Ed"          # the key's algorithm; a legacy signature of the whole file
SIG_ALG_HASHED = b"ED"   # a signature of the file's BLAKE2b-512 (what we write)
KDF_SCRYPT = b"Sc"
KDF_NONE = b"\x00\x00"
CHK_BLAKE2B = b"B2"
# minisign 0.11's limits for new keys (scrypt N=2^20, r=8, p=1: 1 GiB, ~3 s)
OPSLIMIT = 33554432
MEMLIMIT = 1073741824
# libsodium's bounds; a key file claiming more is refused rather than run
_OPSLIMIT_MIN, _MEMLIMIT_MIN = 32768, 16777216
_MEMLIMIT_MAX = 1 << 31
# 8 times what minisign writes (seconds of scrypt become half a minute): a
# key file asking for more is damaged or hostile, and would keep scrypt busy
# for hours (2^39 operations: half a day)
_OPSLIMIT_MAX = OPSLIMIT << 3

_UNTRUSTED = "untrusted comment: "
_TRUSTED = "trusted comment: "
# minisign's buffers for the two comment lines (COMMENTMAXBYTES, TRUSTEDCOMMENTMAXBYTES)
_COMMENT_MAX_BYTES, _TRUSTED_COMMENT_MAX_BYTES = 1024, 8192
_KEYNUM_SK_LEN = 8 + 64 + 32
_SECRET_LEN = 2 + 2 + 2 + 32 + 8 + 8 + _KEYNUM_SK_LEN


class SigningError(UserError):
    """A key or signature problem the user can fix."""


class WrongPassphrase(SigningError):
    pass


class BadKeyFile(SigningError):
    pass


class BadSignature(SigningError):
    """The signature does not match: the file, the signature or the key changed."""


# --- keys ------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicKey:
    key_id: bytes   # 8 random bytes naming the key pair
    key: bytes      # the Ed25519 public key (32 bytes)

    @property
    def fingerprint(self) -> str:
        """The key id as minisign prints it ("CBA7867A195A2F06")."""
        return f"{int.from_bytes(self.key_id, 'little'):016X}"

    def base64(self) -> str:
        """The key as one line, for ``minisign -P`` and for pages."""
        return base64.b64encode(SIG_ALG + self.key_id + self.key).decode("ascii")

    def file_text(self) -> str:
        return f"{_UNTRUSTED}minisign public key {self.fingerprint}\n{self.base64()}\n"

    @classmethod
    def from_text(cls, text: str, source: str = "public key") -> "PublicKey":
        # A key file has the comment line first, then the key, read as
        # minisign -p reads them (no blank line, no space around the key); a
        # bare base64 line (what minisign -P takes) is accepted too.
        if text.startswith(_UNTRUSTED):
            line = _minisign_lines(text, 2, source, "public key", BadKeyFile)[1]
        else:
            line = text.strip()
        raw = _b64(line, 42, source, "public key")
        if raw[:2] != SIG_ALG:
            raise BadKeyFile(f"{source}: not an Ed25519 minisign public key",
                             "give the publisher.pub file that translate keys new wrote")
        return cls(raw[2:10], raw[10:42])

    @classmethod
    def load(cls, path: Path) -> "PublicKey":
        return cls.from_text(_read_text(path, "public key"), str(path))

    def _verifier(self):
        return Ed25519PublicKey.from_public_bytes(self.key)


@dataclass(frozen=True)
class SecretKey:
    key_id: bytes
    seed: bytes     # the Ed25519 private key (32 bytes)

    @property
    def public(self) -> PublicKey:
        raw = self._signer().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return PublicKey(self.key_id, raw)

    def _signer(self):
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    def sign(self, message: bytes) -> bytes:
        return self._signer().sign(message)

    def file_text(self, passphrase: str, opslimit: int = OPSLIMIT, memlimit: int = MEMLIMIT) -> str:
        """The encrypted secret key file, readable by ``minisign -S -s``."""
        if not passphrase:
            raise SigningError("an empty passphrase would leave the secret key unencrypted",
                               f"type a passphrase or set {PASSPHRASE_ENV}")
        salt = secrets.token_bytes(32)
        secret = self.seed + self.public.key
        plain = self.key_id + secret + _checksum(self.key_id, secret)
        stream = _scrypt(passphrase, salt, opslimit, memlimit)
        body = (SIG_ALG + KDF_SCRYPT + CHK_BLAKE2B + salt + opslimit.to_bytes(8, "little")
                + memlimit.to_bytes(8, "little") + _xor(plain, stream))
        return f"{_UNTRUSTED}minisign encrypted secret key\n{base64.b64encode(body).decode('ascii')}\n"

    @classmethod
    def from_text(cls, text: str, passphrase: str | None, source: str = "secret key") -> "SecretKey":
        lines = _lines(text)
        if len(lines) < 2 or not lines[0].startswith(_UNTRUSTED):
            raise BadKeyFile(f"{source}: not a minisign secret key file (no comment line)",
                             "give the publisher.key file that translate keys new wrote")
        raw = _b64(lines[1], _SECRET_LEN, source, "secret key")
        alg, kdf, chk = raw[0:2], raw[2:4], raw[4:6]
        if alg != SIG_ALG or chk != CHK_BLAKE2B or kdf not in (KDF_SCRYPT, KDF_NONE):
            raise BadKeyFile(f"{source}: unsupported key algorithms {alg + kdf + chk!r}",
                             "create a key with translate keys new or minisign -G")
        salt = raw[6:38]
        opslimit = int.from_bytes(raw[38:46], "little")
        memlimit = int.from_bytes(raw[46:54], "little")
        keynum_sk = raw[54:]
        if kdf == KDF_SCRYPT:
            if not passphrase:
                raise WrongPassphrase(f"{source}: the secret key is encrypted and no passphrase was given",
                                      f"type it when asked or set {PASSPHRASE_ENV}")
            keynum_sk = _xor(keynum_sk, _scrypt(passphrase, salt, opslimit, memlimit, source))
        key_id, secret, check = keynum_sk[:8], keynum_sk[8:72], keynum_sk[72:]
        # minisign -W leaves the checksum of an unencrypted key zero
        if (kdf == KDF_SCRYPT or any(check)) and not secrets.compare_digest(check, _checksum(key_id, secret)):
            if kdf == KDF_SCRYPT:
                raise WrongPassphrase(f"{source}: wrong passphrase for this secret key",
                                      f"type the passphrase given to translate keys new (or fix {PASSPHRASE_ENV})")
            raise BadKeyFile(f"{source}: the secret key is damaged (checksum mismatch)",
                             "restore it from your backup")
        key = cls(key_id, secret[:32])
        if key.public.key != secret[32:]:
            raise BadKeyFile(f"{source}: the secret key is damaged (its two halves disagree)",
                             "restore it from your backup")
        return key

    @classmethod
    def load(cls, path: Path, passphrase: str | None) -> "SecretKey":
        return cls.from_text(_read_text(path, "secret key"), passphrase, str(path))


def generate() -> SecretKey:
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
    return SecretKey(secrets.token_bytes(8), seed)


@dataclass(frozen=True)
class KeyPair:
    public_path: Path
    secret_path: Path
    public: PublicKey


def check_key_location(folder: Path, forbidden: list[Path]) -> None:
    """Refuse to keep a secret key inside the project or an output folder,
    where it would be committed or published with the editions."""
    folder = Path(folder).resolve()
    for place in forbidden:
        place = Path(place).resolve()
        if folder == place or place in folder.parents:
            raise SigningError(f"{folder} is inside {place}: a secret key there could be committed or published",
                               f"keep keys outside the project (the default is {user_folders.keys_dir()})")


def refuse_existing(folder: Path, force: bool = False) -> None:
    """Raise unless ``folder`` holds no secret key yet (or ``force``)."""
    secret_path = Path(folder) / SECRET_KEY_NAME
    if secret_path.exists() and not force:
        raise SigningError(f"{secret_path} already exists: readers trust that key",
                           "keep it, or give --force to replace it (old signatures then verify only with the old key)")


def new_key_pair(folder: Path, passphrase: str, *, force: bool = False,
                 opslimit: int | None = None, memlimit: int | None = None) -> KeyPair:
    """Create publisher.key (encrypted, mode 0600) and publisher.pub in ``folder``.
    An existing key pair is kept unless ``force``: losing the secret key means
    readers can no longer be shown new signatures from the key they trust."""

    folder = Path(folder)
    secret_path, public_path = folder / SECRET_KEY_NAME, folder / PUBLIC_KEY_NAME
    refuse_existing(folder, force)
    key = generate()
    secret_text = key.file_text(passphrase, opslimit or OPSLIMIT, memlimit or MEMLIMIT)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(folder, 0o700)   # a folder of ours; some removable media have no modes
    except OSError:
        pass
    # Written private from the start: created with 0600, then renamed into place.
    tmp = folder / f".{SECRET_KEY_NAME}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secret_text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, secret_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    atomic_write(public_path, key.public.file_text())
    return KeyPair(public_path, secret_path, key.public)


def key_fingerprint(public: PublicKey | Path) -> str:
    """The minisign key id of a public key (or of a public key file)."""
    if not isinstance(public, PublicKey):
        public = PublicKey.load(Path(public))
    return public.fingerprint


# --- signatures ------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    algorithm: bytes
    key_id: bytes
    signature: bytes
    trusted_comment: str
    global_signature: bytes
    untrusted_comment: str = "signature from minisign secret key"

    def file_text(self) -> str:
        first = base64.b64encode(self.algorithm + self.key_id + self.signature).decode("ascii")
        second = base64.b64encode(self.global_signature).decode("ascii")
        return (f"{_UNTRUSTED}{self.untrusted_comment}\n{first}\n"
                f"{_TRUSTED}{self.trusted_comment}\n{second}\n")

    @property
    def fingerprint(self) -> str:
        return f"{int.from_bytes(self.key_id, 'little'):016X}"

    @classmethod
    def from_text(cls, text: str, source: str = "signature") -> "Signature":
        """A .minisig file, read exactly as minisign reads one: four lines, no
        blank line between them, nothing around the base64 (a file minisign
        refuses never verifies here either)."""
        lines = _minisign_lines(text, 4, source, "signature", BadSignature)
        if not lines[0].startswith(_UNTRUSTED) or not lines[2].startswith(_TRUSTED):
            raise BadSignature(f"{source}: not a minisign signature file (four lines: comment, signature, "
                               "trusted comment, global signature)",
                               "download the .minisig file again from the publisher")
        raw = _b64(lines[1], 74, source, "signature", BadSignature)
        if raw[:2] not in (SIG_ALG, SIG_ALG_HASHED):
            raise BadSignature(f"{source}: unsupported signature algorithm {raw[:2]!r}",
                               "download the .minisig file again from the publisher")
        global_sig = _b64(lines[3], 64, source, "global signature", BadSignature)
        return cls(raw[:2], raw[2:10], raw[10:74], lines[2][len(_TRUSTED):], global_sig,
                   lines[0][len(_UNTRUSTED):])


def default_trusted_comment(file_name: str, **extra: str) -> str:
    """minisign's own ("timestamp:…<TAB>file:…<TAB>hashed") plus ``extra`` fields."""
    fields = {"timestamp": str(int(time.time())), "file": file_name, **extra}
    parts = [f"{name}:{_one_line(value)}" for name, value in fields.items()]
    parts.insert(2, "hashed")
    return "\t".join(parts)


def sign_bytes(data: bytes, key: SecretKey, trusted_comment: str) -> Signature:
    """A prehashed ("ED") signature of ``data`` with its trusted comment."""
    trusted_comment = _one_line(trusted_comment)
    sig = key.sign(hashlib.blake2b(data, digest_size=64).digest())
    global_sig = key.sign(sig + trusted_comment.encode("utf-8"))
    return Signature(SIG_ALG_HASHED, key.key_id, sig, trusted_comment, global_sig)


def verify_bytes(data: bytes, signature: Signature, public: PublicKey, source: str = "file") -> None:
    """Raise BadSignature unless ``signature`` by ``public`` covers ``data`` and
    its trusted comment."""

    if signature.key_id != public.key_id:
        raise BadSignature(f"{source}: signed with key {signature.fingerprint}, not with {public.fingerprint}",
                           "check that you have the publisher's public key")
    message = data if signature.algorithm == SIG_ALG else hashlib.blake2b(data, digest_size=64).digest()
    verifier = public._verifier()
    try:
        verifier.verify(signature.signature, message)
    except InvalidSignature:
        raise BadSignature(f"{source}: the signature does not match its content: "
                           "the file or its signature was altered",
                           "do not trust this copy; get it again from the publisher") from None
    try:
        verifier.verify(signature.global_signature, signature.signature + signature.trusted_comment.encode("utf-8"))
    except InvalidSignature:
        raise BadSignature(f"{source}: the trusted comment of the signature was altered",
                           "do not trust this copy; get it again from the publisher") from None


def signature_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + SIGNATURE_SUFFIX)


def sign_file(path: Path, key: SecretKey, trusted_comment: str | None = None) -> Path:
    """Write ``path``.minisig (atomically); returns its path."""

    path = Path(path)
    data = path.read_bytes()
    signature = sign_bytes(data, key, trusted_comment or default_trusted_comment(path.name))
    target = signature_path(path)
    atomic_write(target, signature.file_text())
    return target


def verify_file(path: Path, public: PublicKey, sig_path: Path | None = None) -> Signature:
    """Check ``path`` against its .minisig; returns the signature (its trusted comment)."""
    path = Path(path)
    sig_path = Path(sig_path) if sig_path else signature_path(path)
    signature = Signature.from_text(_read_text(sig_path, "signature"), str(sig_path))
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SigningError(f"{path}: cannot read it: {err.strerror}", "check the path") from None
    verify_bytes(data, signature, public, str(path))
    return signature


# --- helpers ---------------------------------------------------------------------


def _scrypt_params(opslimit: int, memlimit: int) -> tuple[int, int, int]:
    """libsodium's mapping of (opslimit, memlimit) to scrypt's (N, r, p)
    (crypto_pwhash_scryptsalsa208sha256's pickparams)."""
    opslimit = max(opslimit, _OPSLIMIT_MIN)
    r = 8
    if opslimit < memlimit // 32:
        p = 1
        max_n = opslimit // (r * 4)
    else:
        max_n = memlimit // (r * 128)
    n_log2 = 1
    while n_log2 < 63 and (1 << n_log2) <= max_n // 2:
        n_log2 += 1
    if opslimit >= memlimit // 32:
        max_rp = min((opslimit // 4) // (1 << n_log2), 0x3FFFFFFF)
        p = max_rp // r
    return 1 << n_log2, r, max(p, 1)


def _scrypt(passphrase: str, salt: bytes, opslimit: int, memlimit: int, source: str = "secret key") -> bytes:
    if memlimit > _MEMLIMIT_MAX:
        raise BadKeyFile(f"{source}: its key derivation asks for {memlimit >> 20} MiB of memory, more than "
                         f"the {_MEMLIMIT_MAX >> 20} MiB this tool allows", "create a new key with translate keys new")
    if opslimit > _OPSLIMIT_MAX:
        raise BadKeyFile(f"{source}: its key derivation asks for {opslimit:,} operations (opslimit), more than "
                         f"the {_OPSLIMIT_MAX:,} this tool allows (minisign writes {OPSLIMIT:,}): the key file is "
                         "damaged", "restore it from your backup, or create a new key with translate keys new")
    n, r, p = _scrypt_params(opslimit, memlimit)
    need = 128 * r * (n + 2) + 128 * r * p + (1 << 20)
    return hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=need, dklen=_KEYNUM_SK_LEN)


def _checksum(key_id: bytes, secret: bytes) -> bytes:
    return hashlib.blake2b(SIG_ALG + key_id + secret, digest_size=32).digest()


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def _lines(text: str) -> list[str]:
    return [line.strip("\r") for line in text.split("\n") if line.strip()]


def _minisign_lines(text: str, count: int, source: str, what: str, error) -> list[str]:
    """The first ``count`` lines of a key or signature file as minisign 0.11
    reads them (fgets, then its trim): each ends with a line feed (the last
    one may not), a carriage return before it is dropped, and nothing else
    is trimmed or skipped; a blank line is a line. Lines after them are
    ignored, as minisign ignores them."""
    parts = text.split("\n")
    if len(parts) < count or (len(parts) == count and not parts[-1]):
        raise error(f"{source}: not a minisign {what} file: it has fewer than {count} lines",
                    "get an intact copy of the file")
    lines = [line[:-1] if line.endswith("\r") else line for line in parts[:count]]
    if any("\r" in line for line in lines):
        raise error(f"{source}: the {what} file has a carriage return inside a line", "get an intact copy of the file")
    # minisign reads the comment lines into fixed buffers (with the line end):
    # a longer one is cut, and the file refused
    limits = {0: _COMMENT_MAX_BYTES, 2: _TRUSTED_COMMENT_MAX_BYTES}
    for index, limit in limits.items():
        if index < count and len(parts[index].encode("utf-8")) + 1 >= limit:
            raise error(f"{source}: line {index + 1} of the {what} file is longer than minisign reads",
                        "get an intact copy of the file")
    return lines


def _one_line(value: str) -> str:
    """No line breaks or control characters in a trusted comment field."""
    return "".join(" " if ord(ch) < 32 and ch != "\t" or ord(ch) == 127 else ch for ch in str(value)).strip()


def _b64(line: str, length: int, source: str, what: str, error=BadKeyFile) -> bytes:
    """``length`` bytes of strict base64 (no space, no line break: minisign
    refuses any, and so does this)."""
    try:
        raw = base64.b64decode(line.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raw = b""
    if len(raw) != length:
        raise error(f"{source}: the {what} is damaged (not {length} bytes of base64, or blank lines or spaces "
                    "around it)", "get an intact copy of the file")
    return raw


def _read_text(path: Path, what: str) -> str:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        hint = "create one with translate keys new" if "key" in what else "sign it with translate sign"
        raise SigningError(f"{path}: no such {what} file", hint) from None
    except OSError as err:
        raise SigningError(f"{path}: cannot read the {what}: {err.strerror}", "check its permissions") from None
    if len(data) > 64 << 10:
        raise (BadSignature if what == "signature" else BadKeyFile)(
            f"{path}: too large to be a minisign {what}", "give the right file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise (BadSignature if what == "signature" else BadKeyFile)(
            f"{path}: not a minisign {what} (not text)", "give the right file") from None
