"""`translate glossary check|diff`.

Only light imports at module level: `translate --help` must stay fast.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import click

from translate.cli.options import (
    current_project,
    locales_option,
    project_option,
    translation_options,
    warn,
)
from translate.errors import UserError
from translate.project.languages import TARGETS, UnknownLanguage, target
from translate.source.article import read_source
from translate.source.inline import engine_text
from translate.translation import edition as edition_stage
from translate.translation import glossary as gl
from translate.translation.edition import Setup, load_glossary_stage
from translate.translation.glossary import changes as gl_changes
from translate.translation.review import word_diff


def _articles(sources: tuple[Path, ...]) -> list[Path]:
    return list(sources) if sources else current_project().articles()


def _segment_texts(path: Path) -> list[str]:
    return [engine_text(s) for s in read_source(path).segments()]


@click.group()
def glossary():
    """Check glossaries and compare two versions of one.

    \b
    Examples:
      translate glossary check
      translate glossary diff HEAD~1:locales/ru/glossary.csv locales/ru/glossary.csv
    """


# ---------------------------------------------------------------------------
# check

@glossary.command("check")
@project_option
@click.argument("sources", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@locales_option
def check(sources, locales_dir):
    """Validate every glossary (the project's locales/<key>/glossary.csv, else
    the built-in one), then list, per article (default: source/*.md), terms
    that occur in it but have no entry in some language's glossary.

    Exits with status 1 when a glossary is invalid or lacks a term.

    \b
    Examples:
      translate glossary check
      translate glossary check source/taliban-delisting.md --locales ~/newsroom/locales
    """

    ctx = click.get_current_context()
    failed = False
    loaded = {}
    for key, lang in TARGETS.items():
        try:
            stage = load_glossary_stage(lang, locales_dir)
        except gl.GlossaryError as err:
            failed = True
            click.secho(f"{lang.english_name} ({key}): {len(err.problems)} problem(s)", fg="red", bold=True)
            for problem in err.problems:
                click.echo(f"  {problem}")
            continue
        if stage is None:
            failed = True
            click.secho(f"{lang.english_name} ({key}): no glossary in {Path(locales_dir) / key} and none built in: "
                        "the edition would publish without one", fg="red")
            continue
        loaded[key] = stage.glossary
        click.echo(f"{lang.english_name} ({key}): {len(stage.glossary)} terms, valid ({stage.source.name})")

    if not loaded:
        click.echo("No valid glossary: articles are not checked for missing terms.")
        ctx.exit(1 if failed else 0)
    for article in _articles(sources):
        texts = _segment_texts(article)
        missing = _missing_terms(texts, loaded)
        if not missing:
            click.echo(f"{article}: every term has an entry in every glossary")
            continue
        failed = True
        click.secho(f"{article}: terms without an entry", fg="yellow", bold=True)
        for term, keys in missing.items():
            click.echo(f"  {term!r}: missing in {', '.join(keys)}")
    ctx.exit(1 if failed else 0)


def _missing_terms(texts: list[str], glossaries: dict) -> dict[str, list[str]]:
    """Source term (as written in some glossary) -> language keys that lack it."""
    occurring: dict[str, str] = {}
    for g in glossaries.values():
        for text in texts:
            for occ in g.find_source(text):
                occurring.setdefault(occ.entry.key, occ.entry.source)
    missing = {}
    for term in occurring.values():
        lacking = [lang for lang, g in glossaries.items() if g.entry(term) is None]
        if lacking:
            missing[term] = lacking
    return missing


# ---------------------------------------------------------------------------
# diff

@dataclass
class _Version:
    label: str
    path: str            # the file path inside the repository or on disk
    data: bytes


def _read_version(spec: str) -> _Version:
    """A file on disk, or REV:path read with `git show`."""
    if Path(spec).is_file():
        return _Version(spec, spec, Path(spec).read_bytes())
    if ":" not in spec or spec.startswith("-"):
        raise UserError(f"{spec}: no such file", "give a glossary file or a git revision such as HEAD~1:locales/ru/glossary.csv")
    rev, path = spec.split(":", 1)
    try:
        # --end-of-options: a revision that looks like an option (--output=...)
        # is never taken as one.
        done = subprocess.run(["git", "show", "--end-of-options", spec], capture_output=True, check=False)
    except FileNotFoundError:
        raise UserError(f"cannot read {spec}: git is not installed") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UserError(f"cannot read {spec} from git: {reason[0] if reason else 'git show failed'}",
                    "check the revision and the path (relative to the repository root)")
    return _Version(spec, path, done.stdout)


def _lang_of(*paths_: str) -> str | None:
    for p in paths_:
        parent = Path(p).parent.name
        if parent in TARGETS:
            return parent
    return None


@glossary.command("diff")
@project_option
@click.argument("old")
@click.argument("new")
@click.option("--articles", "articles", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Articles to check (repeatable; default: source/*.md).")
@click.option("--lang", "lang_key", default=None,
              help="Language of the glossary (default: from the path, locales/<key>/glossary.csv).")
@translation_options
def diff(old, new, articles, lang_key, **translation):
    """Compare two versions of a glossary: OLD and NEW are files or git
    revisions (REV:path). Lists added, removed and changed terms, then the
    segments of each article that contain an affected term; those segments
    alone are re-translated and the ones that would read differently shown.

    \b
    Examples:
      translate glossary diff HEAD~1:locales/ru/glossary.csv locales/ru/glossary.csv
      translate glossary diff old.csv locales/prs/glossary.csv --lang prs
    """

    old_v, new_v = _read_version(old), _read_version(new)
    lang_key = lang_key or _lang_of(new_v.path, old_v.path)
    if lang_key is None:
        raise UserError("cannot tell the glossary's language from its path", "add --lang KEY (ru, prs, ps or kk)")
    try:
        lang = target(lang_key)
    except UnknownLanguage as err:
        raise UserError(str(err)) from None
    try:
        old_g = gl.parse(old_v.data, old_v.label, lang=lang.key)
        new_g = gl.parse(new_v.data, new_v.label, lang=lang.key)
    except gl.GlossaryError as err:
        raise UserError(str(err), "translate glossary check lists every problem") from None

    changes = gl_changes.term_changes(old_g, new_g)
    click.secho(f"{lang.english_name} glossary: {old_v.label} ({len(old_g)} terms) → "
                f"{new_v.label} ({len(new_g)} terms)", bold=True)
    if not changes:
        click.echo("No term changed.")
        return
    _show_changes(changes)
    affected = _affected_segments(tuple(articles), old_g, new_g, {c.key for c in changes if c.affects_output})
    click.echo()
    if not affected:
        click.echo("No segment of the articles contains an affected term.")
        return
    click.secho(f"Segments that contain an affected term ({len(affected)}):", bold=True)
    for segment in affected:
        click.echo(f"  {segment.article} segment {segment.index + 1}: {', '.join(segment.terms)}")
    _show_retranslated(lang, affected, old_g, new_g, Setup.open(**translation, warn=warn))


def _show_changes(changes: list) -> None:
    signs = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow")}
    for c in changes:
        sign, colour = signs[c.kind]
        click.echo(click.style(f"  {sign} {c.kind:<8}", fg=colour) + f" {c.text}"
                   + ("" if c.affects_output else click.style("  (note only: no text changes)", dim=True)))


def _affected_segments(articles: tuple, old_g, new_g, affected_keys: set[str]) -> list:
    """Every segment of ``articles`` that contains a term of ``affected_keys``
    in either glossary (translate.translation.glossary.changes.Affected)."""
    texts = [(article, _segment_texts(article)) for article in _articles(articles)]
    return gl_changes.affected(texts, old_g, new_g, affected_keys)


def _show_retranslated(lang, affected: list, old_g, new_g, setup: Setup) -> None:
    """Translate the affected segments once, run exactly the stages publish
    runs with the old and then the new glossary, and show each segment that
    reads differently."""
    try:
        plan = edition_stage.plan(lang, setup)
    except UserError as err:
        if not hasattr(err, "reason"):   # not a missing model: a real problem
            raise
        click.echo()
        click.secho(f"No model installed for {lang.english_name} ({lang.key}): {err.reason}.", fg="yellow")
        click.echo(f"The affected segments are listed above, not re-translated. Install one with: {err.hint}")
        return
    engine = edition_stage.engine_for(plan, setup)
    click.echo()
    click.echo(f"Re-translating {len(affected)} segment(s) with {engine.info.name} {engine.info.version}…")
    differ = 0
    for compared in gl_changes.compare(plan, setup, affected, old_g, new_g, engine=engine):
        if not compared.differs:
            continue
        differ += 1
        segment = compared.segment
        click.secho(f"  {segment.article} segment {segment.index + 1} reads differently:", bold=True)
        click.echo(f"    old: {compared.before}")
        click.echo(f"    new: {compared.after}")
        runs = []
        for op, run in word_diff(compared.before, compared.after):
            runs.append(click.style(f"[-{run}-]", fg="red") if op == "delete" else
                        click.style(f"{{+{run}+}}", fg="green") if op == "insert" else run)
        click.echo("    diff: " + "".join(runs))
    click.echo(f"{differ} of {len(affected)} affected segment(s) would read differently.")
