"""`translate verify FOLDER|BUNDLE.zip`: the signature and every checksum."""

from __future__ import annotations

from pathlib import Path

import click

from translate.cli.keys import one_line_errors
from translate.distribution import signing
from translate.distribution.signed_folder import verify as verify_target
from translate.util.untrusted import display


@click.command()
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The publisher's public key (default: the publisher.pub that came with the files).")
def verify(target, key_path):
    """Check that a published folder or a bundle was signed by the publisher
    and that every file matches the signed SHA256SUMS. Exits with status 1 and
    one line on the first mismatch.

    \b
    Examples:
      translate verify output/taliban-delisting
      translate verify taliban-delisting.prs.zip --key publisher.pub
    """

    with one_line_errors():
        public = signing.PublicKey.load(key_path) if key_path else None
        report = verify_target(target, public)
    click.echo(f"verified: {len(report.checked)} file(s) match the SHA256SUMS signed by key {report.fingerprint}")
    # signed, but written by whoever holds the key: shown without what would steer the terminal
    click.echo(f"trusted comment: {display(report.trusted_comment.replace(chr(9), ' '), 1000)}")
    if report.readme == "checked":
        click.echo("README.txt: as the publisher made it (checked against the signed manifest.json)")
    if report.absent:
        click.echo(f"not in this bundle (not checked): {len(report.absent)} other file(s) of the article")
    if report.key_from_bundle:
        click.echo(f"note: the key came with the files; compare {report.fingerprint} with the key id "
                   "the publisher shows elsewhere, or give --key")
