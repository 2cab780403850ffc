"""`translate sign OUTPUT/SLUG...`: sign each article's SHA256SUMS."""

from __future__ import annotations

from pathlib import Path

import click

from translate.cli.keys import KEY_DIR_OPTION, load_secret_key, one_line_errors
from translate.distribution import signing
from translate.distribution.signed_folder import SUMS_NAME, sign_folder, signature_is_current
from translate.project import user_folders
from translate.publishing.site import build_site


@click.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Secret key file (default: publisher.key in the key folder).")
@click.option("--key-dir", **KEY_DIR_OPTION)
def sign(folders, key_path, key_dir):
    """Sign OUTPUT/SLUG/SHA256SUMS as SHA256SUMS.minisig and put the public key
    beside it as publisher.pub, after checking every file it lists.

    The passphrase is asked for, or taken from $TRANSLATE_SIGNING_PASSPHRASE.
    publisher.pub is always written so that readers can run minisign in the
    folder; they must compare its fingerprint with the one you publish
    elsewhere (the site's index page shows it).

    \b
    Examples:
      translate sign output/taliban-delisting
      translate sign output/*/ --key /media/usb/publisher.key
    """

    key = load_secret_key(key_path, key_dir)
    for folder in folders:
        with one_line_errors():
            sig_path, changed = sign_folder(folder, key)
        state = "signed" if changed else "already signed"
        click.echo(f"{state}: {sig_path} (key {key.public.fingerprint})")


def after_publish(folder: Path, key) -> None:
    """Called by publish for each article: sign it when a key was loaded
    (--sign), else say when an earlier signature no longer covers SHA256SUMS."""

    if not (Path(folder) / SUMS_NAME).is_file():
        return
    if key is not None:
        with one_line_errors():
            sig_path, changed = sign_folder(folder, key)
        if changed:
            click.echo(f"  signed: {sig_path} (key {key.public.fingerprint})")
    elif signature_is_current(folder) is False:
        click.secho(f"  warning: {folder}/{SUMS_NAME} changed since it was signed: "
                    f"sign it again with translate sign {folder}", fg="yellow")


def publish_site(output_dir: Path, site_url: str | None, key) -> None:
    """Called by publish after all articles: the site's indexes and feeds, with
    the public key used (or the one in the key folder) and its fingerprint."""

    public = key.public if key is not None else None
    public_path = user_folders.keys_dir() / signing.PUBLIC_KEY_NAME
    with one_line_errors():
        if public is None and public_path.is_file():
            public = signing.PublicKey.load(public_path)
        result = build_site(output_dir, site_url, public)
    if result.written:
        click.echo(f"\nsite: {len(result.written)} file(s) updated under {output_dir}")
    for note in result.notes:
        click.echo(f"note: {note}")
