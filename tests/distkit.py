"""Published articles for the distribution tests (signing, bundles, site):
real `translate publish` runs with a tiny real multilingual model."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

import modelkit
from translate.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "source" / "taliban-delisting.md"


def install_model(work: Path) -> dict[str, Path]:
    """A tiny NLLB-shaped model installed in work/multi; returns the store options."""
    model = modelkit.build_multilingual_model(work / "model", None, family="nllb", seed=0)
    dirs = {"multi": work / "multi", "argos": work / "argos"}
    result = CliRunner().invoke(cli, ["models", "add", str(model), "--multilingual-dir", str(dirs["multi"]),
                                      "--models-dir", str(dirs["argos"])], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return dirs


def publish(dirs: dict[str, Path], sources: list[Path], output: Path, *extra: str, env: dict | None = None):
    """`translate publish` without the translation memory (nothing is written
    to the user's folders), Dari and Pashto editions."""
    args = ["publish", *map(str, sources), "--to", "prs,ps", "--output", str(output), "--no-cache",
            "--multilingual-dir", str(dirs["multi"]), "--models-dir", str(dirs["argos"]), *extra]
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def second_article(folder: Path) -> Path:
    """Another article: the first one under another slug and title."""
    text = ARTICLE.read_text(encoding="utf-8")
    text = text.replace("slug: taliban-delisting", "slug: border-talks").replace(
        'title: "Taliban Not Terrorists: Russia Opens Door for Cooperation"',
        'title: "Central Asian Neighbours Weigh Border Talks"')
    path = folder / "border-talks.md"
    path.write_text(text, encoding="utf-8")
    return path


def copy_tree(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest
