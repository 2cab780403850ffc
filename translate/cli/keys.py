"""`translate keys`: the publisher's signing key pair (minisign format).

The secret key is encrypted with a passphrase (asked for, or taken from
$TRANSLATE_SIGNING_PASSPHRASE) and kept in the user's data folder, never in
the project or an output folder; the public key and its fingerprint are what
readers are given.
"""

from __future__ import annotations

import getpass
import os
import warnings
from contextlib import contextmanager
from pathlib import Path

import click

from translate.cli.options import current_project
from translate.distribution import signing
from translate.distribution.signing import PASSPHRASE_ENV, SECRET_KEY_NAME, SecretKey
from translate.errors import UserError
from translate.project import user_folders

KEY_DIR_OPTION = dict(
    type=click.Path(file_okay=False, path_type=Path), default=None, envvar="TRANSLATE_KEYS_DIR",
    show_envvar=True, help="Folder of publisher.key and publisher.pub (default: the user data folder).")


@contextmanager
def one_line_errors():
    """A failed read or write becomes a UserError (one line, exit status 1,
    never a traceback); UserErrors themselves go to the CLI's one mapping."""

    try:
        yield
    except OSError as err:
        raise UserError(f"{err.filename or 'a file'}: {err.strerror}",
                        "check the path, its permissions and the free disk space") from None


def read_passphrase(confirm: bool = False) -> str:
    """$TRANSLATE_SIGNING_PASSPHRASE, else asked for without echo. With no
    terminal to ask on (a script, a service), getpass would warn, naming its
    own file, that the passphrase may be echoed, and read it from stdin: the
    run is refused instead, saying how to give it."""

    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    with warnings.catch_warnings():
        warnings.simplefilter("error", getpass.GetPassWarning)
        try:
            return click.prompt("Passphrase for the signing key", hide_input=True, confirmation_prompt=confirm,
                                err=True)
        except getpass.GetPassWarning:
            raise UserError("no terminal to ask for the signing key's passphrase on",
                            f"set {PASSPHRASE_ENV} in the environment of the command") from None


def key_dir(option: Path | None) -> Path:
    return Path(option).expanduser() if option else user_folders.keys_dir()


def load_secret_key(key_path: Path | None, key_dir_option: Path | None):
    """The secret key (--key FILE, else publisher.key in the key folder), decrypted."""

    path = Path(key_path) if key_path else key_dir(key_dir_option) / SECRET_KEY_NAME
    if not path.is_file():
        raise click.ClickException(f"no signing key at {path}: create one with translate keys new")
    with one_line_errors():
        return SecretKey.load(path, read_passphrase())


@click.group()
def keys():
    """Create and show the publisher's signing key (minisign format).

    \b
    Examples:
      translate keys new
      TRANSLATE_SIGNING_PASSPHRASE=... translate keys new --dir /media/usb/keys
      translate keys show
    """


@keys.command("new")
@click.option("--dir", "folder", **KEY_DIR_OPTION)
@click.option("--force", is_flag=True, help="Replace an existing key pair (readers must then be given the new key).")
def new(folder, force):
    """Create a key pair: publisher.key (encrypted with a passphrase) and
    publisher.pub. Prints the public key's path and fingerprint (key id)."""

    folder = key_dir(folder)
    with one_line_errors():
        signing.check_key_location(folder, [current_project().root, Path.cwd(), current_project().output_dir])
        signing.refuse_existing(folder, force)   # before asking for a passphrase
        passphrase = read_passphrase(confirm=True)
        pair = signing.new_key_pair(folder, passphrase, force=force)
    click.echo(f"public key: {pair.public_path}")
    click.echo(f"fingerprint: {pair.public.fingerprint}")
    click.echo(f"secret key: {pair.secret_path} (encrypted; back it up, never publish it)")
    click.echo(f"readers verify with: minisign -Vm SHA256SUMS -P {pair.public.base64()}")


@keys.command("show")
@click.option("--dir", "folder", **KEY_DIR_OPTION)
def show(folder):
    """Print the public key's path, fingerprint and base64 line."""

    path = key_dir(folder) / signing.PUBLIC_KEY_NAME
    with one_line_errors():
        public = signing.PublicKey.load(path)
    click.echo(f"public key: {path}")
    click.echo(f"fingerprint: {public.fingerprint}")
    click.echo(f"base64: {public.base64()}")
