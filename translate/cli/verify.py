"""`translate verify FOLDER|BUNDLE.zip`: the signature and every checksum."""

from __future__ import annotations

from pathlib import Path

import click

from translate.cli.keys import one_line_errors
from translate.distribution import signing
from translate.distribution.bundle import BUNDLES_FOLDER, bundle_slug, stale_against
from translate.distribution.signed_folder import VerifyError
from translate.distribution.signed_folder import verify as verify_target
from translate.util.untrusted import display


@click.command()
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The publisher's public key (default: the publisher.pub that came with the files).")
@click.option("--against", "article_folder", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="For a bundle: the published article folder it must be current with "
                                 "(default: OUTPUT/SLUG when the bundle lies in OUTPUT/bundles/).")
def verify(target, key_path, article_folder):
    """Check that a published folder or a bundle was signed by the publisher
    and that every file matches the signed SHA256SUMS. Exits with status 1 and
    one line on the first mismatch.

    \b
    Examples:
      translate verify output/taliban-delisting
      translate verify taliban-delisting.prs.zip --key publisher.pub
      translate verify output/bundles/taliban-delisting.prs.zip    # also: still current with the folder?
    """

    with one_line_errors():
        public = signing.PublicKey.load(key_path) if key_path else None
        report = verify_target(target, public)
        folder = article_folder or _beside(target)
        if target.is_file() and folder is not None and stale_against(target, folder):
            raise VerifyError(f"{target}: stale: {folder.name} was published again since this bundle was made",
                              f"make it again with translate bundle {folder.name} (publish does when it signs)")
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


def _beside(target: Path) -> Path | None:
    """The article folder of a bundle in OUTPUT/bundles/ (OUTPUT/SLUG), when it is there."""
    if not target.is_file() or target.parent.name != BUNDLES_FOLDER:
        return None
    folder = target.parent.parent / bundle_slug(target)[0]
    return folder if (folder / "SHA256SUMS").is_file() else None
