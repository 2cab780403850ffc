"""`translate sign OUTPUT/SLUG...`: sign each article's SHA256SUMS."""

from __future__ import annotations

from pathlib import Path

import click

from translate.commands.keys import KEY_DIR_OPTION, load_secret_key, one_line_errors


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
    from translate.bundle import sign_folder

    key = load_secret_key(key_path, key_dir)
    for folder in folders:
        with one_line_errors():
            sig_path, changed = sign_folder(folder, key)
        state = "signed" if changed else "already signed"
        click.echo(f"{state}: {sig_path} (key {key.public.fingerprint})")
