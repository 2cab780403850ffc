"""`translate glossary check|diff|apply`.

Only light imports at module level: `translate --help` must stay fast.
"""

from __future__ import annotations

import json
import re
import subprocess
import dataclasses
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
from translate.translation import adaptation
from translate.translation.edition import Setup, load_adaptation_stage, load_glossary_stage
from translate.translation.engines.base import Alignment, Translation
from translate.translation.glossary import changes as gl_changes
from translate.translation.glossary import forms as term_forms
from translate.translation.review import FSI, PDI, RLI, word_diff


def _articles(sources: tuple[Path, ...]) -> list[Path]:
    return list(sources) if sources else current_project().articles()


def _segment_texts(path: Path) -> list[str]:
    return [engine_text(s) for s in read_source(path).segments()]


@click.group()
def glossary():
    """Check glossaries, compare two versions of one, apply one to a sentence.

    \b
    Examples:
      translate glossary check
      translate glossary diff HEAD~1:locales/ru/glossary.csv locales/ru/glossary.csv
      translate glossary apply --to ru --source "Trade with Kabul grew." --output "Торговля с Кабул выросла."
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
        failed = _check_forms_and_adaptation(lang, stage.glossary, locales_dir) or failed

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


def _check_forms_and_adaptation(lang, glossary, locales_dir) -> bool:
    """Kazakh forms the grammar would not write (Талибанбен), and Dari
    adaptation rules that decide a glossary term: printed; True if any."""
    problems = []
    if lang.key == "kk":
        problems += [f"{glossary.path}:{e.line}: {wrong!r} is not a Kazakh form (the generator writes {right!r}): "
                     "remove it, the case forms are generated" for e in glossary.entries
                     for wrong, right in term_forms.kk_misspelt(e.forms)]
    if lang.key == "prs":
        stage = load_adaptation_stage(lang, locales_dir)
        problems += adaptation.glossary_conflicts(stage.rules, glossary)
    for problem in problems:
        click.secho(f"  {problem}", fg="red")
    return bool(problems)


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


def _isolated(text: str, lang) -> str:
    """Target-language text isolated for the terminal's bidi algorithm (RLI …
    PDI for Dari and Pashto), so labels and arrows around it stay in place."""
    return f"{RLI}{text}{PDI}" if lang.direction == "rtl" and text else text


def _note_diff(old: str, new: str, lang=None) -> str:
    """A changed note as one line of word changes; in a right-to-left
    edition's glossary each changed run is a first-strong isolate (a note
    mixes English with the term's own script). A note added or removed
    whole reads "(none) ⇒ …"."""
    if not old or not new:
        return f"{old or '(none)'} ⇒ {new or '(none)'}"
    rtl = lang is not None and lang.direction == "rtl"
    runs = []
    for op, text in word_diff(old, new):
        text = f"{FSI}{text}{PDI}" if op != "equal" and rtl else text
        runs.append(click.style(f"[-{text}-]", fg="red") if op == "delete" else
                    click.style(f"{{+{text}+}}", fg="green") if op == "insert" else text)
    return "".join(runs)


_NONE = "(none)"   # how translate.translation.glossary.changes shows an empty cell


def _cell(shown: str) -> str:
    return "" if shown == _NONE else shown


def _changes(old, new, lang=None) -> list:
    """The term changes of translate.translation.glossary.changes (the desk's
    too), each one's line as the terminal shows it: target-language text
    isolated in a right-to-left edition's glossary, a changed note as a word
    diff."""
    def iso(text: str) -> str:
        return text if lang is None or text == _NONE else _isolated(text, lang)

    shown = []
    for change in gl_changes.term_changes(old, new):
        if change.kind != "changed":
            text = f"{change.source} → {iso(change.target)}"
        else:
            what = [f"note: {_note_diff(_cell(a), _cell(b), lang)}" if name == "note" else
                    f"{name}: {iso(a)} ⇒ {iso(b)}" for name, a, b in change.parts]
            text = f"{change.source}: " + "; ".join(what)
        shown.append(dataclasses.replace(change, text=text))
    return shown


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

    changes = _changes(old_g, new_g, lang)
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
        click.echo(f"    old: {_isolated(compared.before, lang)}")
        click.echo(f"    new: {_isolated(compared.after, lang)}")
        runs = []
        for op, run in word_diff(compared.before, compared.after):
            runs.append(click.style(f"[-{run}-]", fg="red") if op == "delete" else
                        click.style(f"{{+{run}+}}", fg="green") if op == "insert" else run)
        click.echo("    diff: " + _isolated("".join(runs), lang))
        for line in _term_changes(compared.before_terms, compared.after_terms, lang):
            click.echo("    " + line)
    click.echo(f"{differ} of {len(affected)} affected segment(s) would read differently.")


def _term_changes(old_terms, new_terms, lang) -> list[str]:
    """The terms that make a segment read differently: each source term
    whose rendering, status or presence changed, old → new."""
    def key(t):
        return (t.source_term, t.status, t.found)

    def shown(t):
        return f"«{_isolated(t.found, lang)}» ({t.status})" if t.found else f"({t.status})"

    lines = []
    olds = {t.source_term: t for t in old_terms}
    news = {t.source_term: t for t in new_terms}
    for name in list(dict.fromkeys([*olds, *news])):
        o, n = olds.get(name), news.get(name)
        if o is not None and n is not None and key(o) == key(n):
            continue
        target = _isolated((n or o).target_term, lang)
        was = shown(o) if o is not None else "not a term"
        now = shown(n) if n is not None else "no longer a term"
        lines.append(f"term {name} → {target}: {was} ⇒ {now}")
    return lines


# ---------------------------------------------------------------------------
# apply

_MARK = re.compile(r"\[([^\]]*)\](\d+)")


def _marked(text: str) -> tuple[str, dict[int, tuple[int, int]]]:
    """Text without [words]N marks, and each mark's span (as tests/glossary_cases writes alignments)."""
    out, spans, last = "", {}, 0
    for m in _MARK.finditer(text):
        out += text[last:m.start()]
        spans[int(m.group(2))] = (len(out), len(out) + len(m.group(1)))
        out += m.group(1)
        last = m.end()
    return out + text[last:], spans


def _hand_alignment(source: str, output: str) -> tuple[str, str, tuple]:
    """Source and output without marks, and the alignment the marks give:
    source span N is aligned to every word of output span N."""
    src, src_spans = _marked(source)
    out, out_spans = _marked(output)
    pairs = []
    for label, (s0, s1) in src_spans.items():
        if label in out_spans:
            t0, t1 = out_spans[label]
            pairs += [Alignment(s0, s1, t0 + m.start(), t0 + m.end()) for m in re.finditer(r"\S+", out[t0:t1])]
    return src, out, tuple(pairs)


@glossary.command("apply")
@project_option
@click.option("--to", "lang_key", required=True, metavar="KEY", help="The edition's language (ru, prs, ps, kk).")
@click.option("--source", "source", required=True, metavar="TEXT", help="One English sentence.")
@click.option("--output", "output", required=True, metavar="TEXT", help="A machine translation of it.")
@click.option("--adapt/--no-adapt", default=None,
              help="Apply the Afghan Dari adaptation [default: as publish would with the installed model; "
                   "without one, always for Dari].")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@translation_options
def apply(lang_key, source, output, adapt, as_json, **translation):
    """Apply a language's adaptation and glossary to one machine output of
    one English sentence, exactly as publishing does (the installed model,
    when there is one, chooses each term's form and gives the word
    alignment), and print the final text and what each term became: for
    editors testing a glossary change.

    Mark words as [words]1 in both texts to align them by hand (as
    tests/glossary_cases does); without marks or a model the glossary finds
    a term's rendering by its stem, and says so.

    \b
    Examples:
      translate glossary apply --to ru --source "Trade with Kabul grew." --output "Торговля с Кабул выросла."
      translate glossary apply --to kk --source "[Russia's]1 position" --output "[Ресейлік]1 ұстаным" --json
    """
    try:
        lang = target(lang_key)
    except UnknownLanguage as err:
        raise UserError(str(err)) from None
    setup = Setup.open(**translation, warn=warn)
    source, output, pairs = _hand_alignment(source, output)
    engine, stages, model_name = None, None, ""
    try:
        plan = edition_stage.plan(lang, setup)
        engine = edition_stage.engine_for(plan, setup)
        stages = [stage.bind(engine) for stage in plan.stages]
        model_name = f"{engine.info.name} {engine.info.version}"
    except UserError as err:
        if not hasattr(err, "reason"):       # a broken glossary or adaptation file, not a missing model
            raise
        stages = [s for s in (load_glossary_stage(lang, setup.locales_dir),) if s is not None]
    stages = _with_adaptation(lang, setup, stages, adapt)
    raw = Translation(output, pairs)
    term_model = next((getattr(s, "model", None) for s in stages if getattr(s, "model", None) is not None), None)
    if not pairs and term_model is not None and hasattr(term_model, "align"):
        raw = term_model.align(source, output)
    ((final, steps),) = edition_stage.run_stages_many([(source, raw)], stages)
    _print_applied(lang, source, raw, final, steps, model_name, as_json)


def _with_adaptation(lang, setup, stages: list, adapt: bool | None) -> list:
    has = any(s.name == "adaptation" for s in stages)
    if adapt is None:
        adapt = has or (lang.key == "prs" and not any(getattr(s, "model", None) for s in stages))
    if adapt and not has and lang.key == "prs":
        glossary_stage = next((s for s in stages if s.name == "glossary"), None)
        stages = [edition_stage.with_glossary(edition_stage.load_adaptation_stage(lang, setup.locales_dir),
                                              glossary_stage), *stages]
    if not adapt:
        stages = [s for s in stages if s.name != "adaptation"]
    return stages


def _print_applied(lang, source, raw, final, steps, model_name: str, as_json: bool) -> None:
    adaptation = next((s for s in steps if s.stage == "adaptation"), None)
    glossary_step = next((s for s in steps if s.stage == "glossary"), None)
    terms = glossary_step.findings if glossary_step is not None else ()
    if as_json:
        click.echo(json.dumps({
            "lang": lang.key, "model": model_name or None, "source": source, "output": raw.text,
            "adapted": adaptation.text if adaptation is not None else None,
            "adaptations": [{"before": c.before, "after": c.after, "kind": c.kind, "note": c.note}
                            for c in (adaptation.findings if adaptation is not None else ())],
            "final": final.text,
            "terms": [{"source": t.source_term, "target": t.target_term, "status": t.status, "found": t.found,
                       "in_context": t.in_context, "reason": t.reason, "review": t.review, "detail": t.detail,
                       "runner_up": t.runner_up, "note": t.note} for t in terms],
            "flagged": any(t.review for t in terms),
        }, ensure_ascii=False, indent=2))
        return
    iso = (lambda text: f"\u2067{text}\u2069") if lang.direction == "rtl" else (lambda text: text)  # noqa: E731
    click.echo(f"model:   {model_name or 'none installed: forms chosen by agreement with the sentence'}")
    click.echo(f"output:  {iso(raw.text)}")
    if adaptation is not None and adaptation.text != raw.text:
        click.echo(f"adapted: {iso(adaptation.text)}")
    click.echo(f"final:   {iso(final.text)}")
    for t in terms:
        line = f"  {t.status:<13} {t.source_term} → {iso(t.target_term)}"
        if t.found and t.found != t.target_term:
            line += f" (as {iso(t.found)})"
        click.echo(line)
        for label, text in (("why", t.reason), ("review", t.review), ("note", t.note)):
            if text:
                click.echo(f"                {label}: {iso(text)}")
