"""`translate bundle SLUG --to ps,prs`: zips of signed PDFs to send to readers."""

from __future__ import annotations

from pathlib import Path

import click

from translate.cli.keys import one_line_errors
from translate.cli.options import output_option, project_option
from translate.distribution.bundle import write_bundles
from translate.project.languages import ALL


def _split_languages(ctx, param, value: str):
    keys = [k.strip() for k in value.split(",") if k.strip()]
    bad = [k for k in keys if k not in ALL]
    if bad or not keys:
        raise click.BadParameter(f"use one or more of {', '.join(ALL)} (got {value!r})")
    return [ALL[k] for k in dict.fromkeys(keys)]


@click.command()
@project_option
@click.argument("slug")
@click.option("--to", "languages", default="ru,prs,ps,kk", show_default=True, callback=_split_languages,
              help="Editions to bundle: comma-separated keys (en, ru, prs, ps, kk).")
@click.option("--per", type=click.Choice(["language", "article"]), default="language", show_default=True,
              help="One zip per language (<slug>.<key>.zip) or one for the article (<slug>.zip).")
@output_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the zips go (default: OUTPUT/bundles/).")
def bundle(slug, languages, per, output_dir, out_dir):
    """Write zips of an article's signed PDFs to send to readers: the PDFs,
    SHA256SUMS, its signature, publisher.pub and a README in each edition's
    language saying how to check them. The same inputs give the same bytes.

    \b
    Examples:
      translate bundle taliban-delisting --to ps,prs
      translate bundle taliban-delisting --to ru,kk --per article --out /media/usb
    Readers check a bundle with:
      minisign -Vm SHA256SUMS -p publisher.pub && sha256sum -c --ignore-missing SHA256SUMS
    """

    folder = Path(output_dir) / slug
    if not (folder / "manifest.json").is_file():
        raise click.ClickException(f"{folder}: no published article of that name: "
                                   "give the slug of a folder under the output folder")
    with one_line_errors():
        made = write_bundles(folder, languages, Path(out_dir) if out_dir else Path(output_dir) / "bundles", per)
    for item in made:
        click.echo(f"{item.path}  ({item.path.stat().st_size} bytes: {', '.join(item.files)})")
