"""`translate glossary check|diff` and `translate review`.

Only light imports at module level: `translate --help` must stay fast.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import click

from translate import paths


def _fail(message: str, hint: str = "") -> click.ClickException:
    return click.ClickException(message + (f"\n  fix: {hint}" if hint else ""))


def _articles(sources: tuple[Path, ...]) -> list[Path]:
    if sources:
        return list(sources)
    found = sorted(paths.SOURCE_DIR.glob("*.md"))
    if not found:
        raise _fail(f"no articles in {paths.SOURCE_DIR}", "name one, e.g. translate glossary check article.md")
    return found


def _segment_texts(path: Path) -> list[str]:
    from translate.inline import engine_text
    from translate.markdown_reader import SourceError
    from translate.pipeline import read_source

    try:
        doc = read_source(path)
    except SourceError as err:
        raise _fail(str(err)) from None
    return [engine_text(s) for s in doc.segments()]


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
@click.argument("sources", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--locales", "locales_dir", type=click.Path(file_okay=False, path_type=Path),
              default=paths.LOCALES_DIR, show_default="locales/", help="Folder with locales/<key>/glossary.csv.")
def check(sources, locales_dir):
    """Validate every glossary, then list, per article (default: source/*.md),
    terms that occur in it but have no entry in some language's glossary.

    Exits with status 1 when a glossary is invalid or lacks a term.
    """
    from translate import glossary as gl
    from translate.languages import TARGETS

    failed = False
    loaded = {}
    for key, lang in TARGETS.items():
        path = Path(locales_dir) / key / "glossary.csv"
        try:
            g = gl.load_for(key, locales_dir=Path(locales_dir))
        except gl.GlossaryError as err:
            failed = True
            click.secho(f"{lang.english_name} ({key}): {len(err.problems)} problem(s)", fg="red", bold=True)
            for problem in err.problems:
                click.echo(f"  {problem}")
            continue
        if g is None:
            click.echo(f"{lang.english_name} ({key}): no glossary ({path}): the edition publishes without one")
            continue
        loaded[key] = g
        click.echo(f"{lang.english_name} ({key}): {len(g)} terms, valid ({path})")

    if not loaded:
        click.echo("No valid glossary: articles are not checked for missing terms.")
        raise SystemExit(1 if failed else 0)
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
    if failed:
        raise SystemExit(1)


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
    if ":" not in spec:
        raise _fail(f"{spec}: no such file", "give a glossary file or a git revision such as HEAD~1:locales/ru/glossary.csv")
    rev, path = spec.split(":", 1)
    try:
        done = subprocess.run(["git", "show", spec], capture_output=True, check=False)
    except FileNotFoundError:
        raise _fail(f"cannot read {spec}: git is not installed") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _fail(f"cannot read {spec} from git: {reason[0] if reason else 'git show failed'}",
                    "check the revision and the path (relative to the repository root)")
    return _Version(spec, path, done.stdout)


def _lang_of(*paths_: str) -> str | None:
    from translate.languages import TARGETS

    for p in paths_:
        parent = Path(p).parent.name
        if parent in TARGETS:
            return parent
    return None


@dataclass
class _Change:
    kind: str            # "added", "removed", "changed"
    key: str
    text: str            # one line for the listing
    affects_output: bool


def _changes(old, new) -> list[_Change]:
    old_by = {e.key: e for e in old.entries}
    new_by = {e.key: e for e in new.entries}
    changes = []
    for key, e in new_by.items():
        if key not in old_by:
            changes.append(_Change("added", key, f"{e.source} → {e.target}", True))
    for key, e in old_by.items():
        if key not in new_by:
            changes.append(_Change("removed", key, f"{e.source} → {e.target}", True))
    for key, n in new_by.items():
        o = old_by.get(key)
        if o is None:
            continue
        what = []
        for name, a, b in (("source forms", o.sources, n.sources), ("target", o.target, n.target),
                           ("forms", o.forms[1:], n.forms[1:]), ("flag", o.flags, n.flags),
                           ("note", o.note, n.note)):
            if a != b:
                show = (lambda v: "; ".join(v) if isinstance(v, tuple) else v)  # noqa: E731
                what.append(f"{name}: {show(a) or '(none)'} ⇒ {show(b) or '(none)'}")
        if what:
            only_note = len(what) == 1 and what[0].startswith("note:")
            changes.append(_Change("changed", key, f"{n.source}: " + "; ".join(what), not only_note))
    order = {"added": 0, "removed": 1, "changed": 2}
    return sorted(changes, key=lambda c: (order[c.kind], c.key))


@glossary.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--articles", "articles", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Articles to check (repeatable; default: source/*.md).")
@click.option("--lang", "lang_key", default=None,
              help="Language of the glossary (default: from the path, locales/<key>/glossary.csv).")
@click.option("--models-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="ARGOS_PACKAGES_DIR", show_envvar=True, help="Folder of installed Argos packages.")
def diff(old, new, articles, lang_key, models_dir):
    """Compare two versions of a glossary: OLD and NEW are files or git
    revisions (REV:path). Lists added, removed and changed terms, then the
    segments of each article that contain an affected term; those segments
    alone are re-translated and the ones that would read differently shown.

    \b
    Examples:
      translate glossary diff HEAD~1:locales/ru/glossary.csv locales/ru/glossary.csv
      translate glossary diff old.csv locales/prs/glossary.csv --lang prs
    """
    from translate import glossary as gl
    from translate.languages import UnknownLanguage, target

    old_v, new_v = _read_version(old), _read_version(new)
    lang_key = lang_key or _lang_of(new_v.path, old_v.path)
    if lang_key is None:
        raise _fail("cannot tell the glossary's language from its path", "add --lang KEY (ru, prs, ps or kk)")
    try:
        lang = target(lang_key)
    except UnknownLanguage as err:
        raise _fail(str(err)) from None
    try:
        old_g = gl.parse(old_v.data, old_v.label, lang=lang.key)
        new_g = gl.parse(new_v.data, new_v.label, lang=lang.key)
    except gl.GlossaryError as err:
        raise _fail(str(err), "translate glossary check lists every problem") from None

    changes = _changes(old_g, new_g)
    click.secho(f"{lang.english_name} glossary: {old_v.label} ({len(old_g)} terms) → "
                f"{new_v.label} ({len(new_g)} terms)", bold=True)
    if not changes:
        click.echo("No term changed.")
        return
    signs = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow")}
    for c in changes:
        sign, colour = signs[c.kind]
        click.echo(click.style(f"  {sign} {c.kind:<8}", fg=colour) + f" {c.text}"
                   + ("" if c.affects_output else click.style("  (note only: no text changes)", dim=True)))

    affected_keys = {c.key for c in changes if c.affects_output}
    affected = []   # (article, segment number, text, terms)
    for article in _articles(tuple(articles)):
        for index, text in enumerate(_segment_texts(article)):
            terms = {o.entry.source for g in (old_g, new_g) for o in g.find_source(text)
                     if o.entry.key in affected_keys}
            if terms:
                affected.append((article, index, text, sorted(terms)))
    click.echo()
    if not affected:
        click.echo("No segment of the articles contains an affected term.")
        return
    click.secho(f"Segments that contain an affected term ({len(affected)}):", bold=True)
    for article, index, text, terms in affected:
        click.echo(f"  {article} segment {index + 1}: {', '.join(terms)}")

    from translate.engines import NoModel, load_engine
    from translate.engines.base import EngineError

    try:
        engine = load_engine(lang, models_dir)
    except NoModel as err:
        click.echo()
        click.secho(f"No model installed for {lang.english_name} ({lang.key}): {err.reason}.", fg="yellow")
        click.echo(f"The affected segments are listed above, not re-translated. Install one with: {err.hint}")
        return
    except EngineError as err:
        raise _fail(str(err)) from None
    click.echo()
    click.echo(f"Re-translating {len(affected)} segment(s) with {engine.info.name} {engine.info.version}…")
    translations = engine.translate([text for _, _, text, _ in affected])
    from translate.review import word_diff

    differ = 0
    for (article, index, text, _), raw in zip(affected, translations):
        before, _ = gl.enforce(old_g, text, raw)
        after, reports = gl.enforce(new_g, text, raw)
        if before.text == after.text:
            continue
        differ += 1
        click.secho(f"  {article} segment {index + 1} reads differently:", bold=True)
        click.echo(f"    old: {before.text}")
        click.echo(f"    new: {after.text}")
        runs = []
        for op, run in word_diff(before.text, after.text):
            runs.append(click.style(f"[-{run}-]", fg="red") if op == "delete" else
                        click.style(f"{{+{run}+}}", fg="green") if op == "insert" else run)
        click.echo("    diff: " + "".join(runs))
    click.echo(f"{differ} of {len(affected)} affected segment(s) would read differently.")


# ---------------------------------------------------------------------------
# review

@click.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "lang_key", required=True, help="Edition to review: ru, prs, ps or kk.")
@click.option("--models-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="ARGOS_PACKAGES_DIR", show_envvar=True, help="Folder of installed Argos packages.")
@click.option("--output", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=paths.OUTPUT_DIR, show_default="output/",
              help="The page goes to OUTPUT/<slug>/review/<slug>.<key>.review.html.")
def review(source, lang_key, models_dir, output_dir):
    """Translate SOURCE into one language and show, segment by segment, the
    raw machine translation, the final text, what the glossary changed and
    each term's status; also writes the review as an HTML page.

    \b
    Example:
      translate review source/taliban-delisting.md --to prs
    """
    from translate import pipeline
    from translate.engines.base import EngineError
    from translate.fsutil import atomic_write
    from translate.glossary import GlossaryError
    from translate.languages import UnknownLanguage, target
    from translate.markdown_reader import SourceError
    from translate.review import review_html, review_text

    try:
        lang = target(lang_key)
    except UnknownLanguage as err:
        raise click.BadParameter(str(err), param_hint="--to") from None
    try:
        from translate.postedit.human import approved_for

        doc, record = pipeline.review_edition(source, lang.key, models_dir=models_dir, human=approved_for)
    except EngineError as err:
        raise _fail(str(err), getattr(err, "hint", "")) from None
    except (SourceError, GlossaryError) as err:
        raise _fail(str(err)) from None
    except Exception as err:  # publishing.GlossaryUnavailable and the like carry a hint
        if hasattr(err, "hint"):
            raise _fail(str(err), err.hint) from None
        raise
    click.echo(review_text(record, lang), nl=False)
    slug = doc.slug or Path(source).stem
    page = Path(output_dir) / slug / "review" / f"{slug}.{lang.key}.review.html"
    try:
        atomic_write(page, review_html(record, lang, doc.title.text))
    except OSError as err:
        raise _fail(f"cannot write {page}: {err.strerror}", "check that the output folder is writable") from None
    click.echo(f"Review page: {page}")
