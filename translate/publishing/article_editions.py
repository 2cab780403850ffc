"""One article's editions: decided under the article's lock (carried over
from the last run, or translated), written with the staging guarantees of
translate.publishing.article_folder, and the outcome of each edition for the summary.

translate.publishing.run runs this for every article of a publish run (one article is
a run of one): it calls ``choose_editions`` twice under the lock, once to
learn what must be translated and once, after translating language by
language and rendering in worker processes, to decide again and write
(``write_article``), taking what was prepared only where it still applies.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import click

from translate.errors import UserError
from translate.project.config import Publication
from translate.project.folder import article_work_dir
from translate.project.languages import ALL, SOURCE
from translate.publishing import article_folder, run_guard
from translate.publishing.fingerprints import code_digest
from translate.publishing.writers import WRITERS
from translate.source import media as media_stage
from translate.source.article import open_article
from translate.source.media import inputs_digest
from translate.translation import edition as edition_stage
from translate.translation.memory import model_fingerprint
from translate.translation.postedit import human as human_stage
from translate.util.untrusted import display


@dataclass
class EditionOutcome:
    key: str
    name: str
    files: list[Path] = field(default_factory=list)
    model: str = ""
    problem: str = ""       # why the edition is missing
    fix: str = ""           # the command that fixes it
    refused: bool = False   # made, but a check failed: not published (the previous version stays)
    failures: list[str] = field(default_factory=list)   # the other failed checks of a refused edition
    notes: list[str] = field(default_factory=list)
    licence: str = ""       # the model's licence
    warnings: list[str] = field(default_factory=list)   # about the edition as a whole (a weak model)


def now() -> datetime:
    """The publication time of a run (one place, so that a test can fix it)."""
    return datetime.now(timezone.utc)


def read_article(source: Path, strict: bool):
    """The article and its images, its warnings printed; UserError when it
    cannot be published (or has warnings under --strict)."""

    article = open_article(source)
    doc, images = media_stage.prepare(article.doc, source)
    article = dataclasses.replace(article, doc=doc)
    for warning in doc.warnings:
        click.secho(f"warning: {display(f'{source}:{warning.line}: {warning.message}', 4000)}",
                    fg="yellow", err=True)
    if strict and doc.warnings:
        raise UserError(f"{source}: {len(doc.warnings)} warning(s) and --strict: nothing of this article "
                        "was published", "fix the lines above")
    return article, images


def open_output(article_file, languages, formats, output_dir: Path, *, media=(), site_url: str | None = None,
                publication: Publication | None = None,
                published: datetime | None = None, accept=()):
    """The article's output folder (translate.publishing.article_folder.Article); UserError
    when something stands where its folders or files go."""

    doc = article_file.doc
    run_guard.check_slug_not_reserved(article_file.path, doc.slug, from_file_name=not doc.meta.get("slug"))
    article = article_folder.Article(doc, article_file.path, output_dir / doc.slug, formats,
                                 run_time=published or now(), work=article_work_dir(output_dir / doc.slug),
                                 media=media, site_url=site_url, publication=publication, accept=accept)
    article.source_sha256 = article_file.sha256
    run_guard.check_real_folders(article.folder, article.work)
    for path in (article.folder, *(article.folder / key for key in ALL)):
        if path.exists() and not path.is_dir():
            raise UserError(f"{path} is a file, but the article's editions go in a folder of that name",
                            "move the file away or choose another --output")
    run_guard.check_work_folder(article.work)
    run_guard.check_targets(article.folder, [article.folder / name for name in ("index.html", "manifest.json",
                                                                                "SHA256SUMS")]
                            + [article.file_for(lang, WRITERS[f].extension)
                               for lang in (SOURCE, *languages) for f in formats])
    return article


def plan_languages(languages, setup) -> dict:
    """Per language key, its translate.translation.edition.Plan or the UserError that says
    why there is none: made once per run, for every article."""

    plans = {}
    for lang in languages:
        try:
            plans[lang.key] = edition_stage.plan(lang, setup)
        except UserError as err:
            plans[lang.key] = err
    return plans


def waiting(slug: str):
    """What to say while another run holds the article's lock."""
    return lambda: click.echo(f"waiting for another publish of {slug} to finish...", err=True)


def choose_editions(article, languages, plans, setup, translate, outcomes: dict) -> list:
    """The editions ``article.write`` gets; call it holding the article's lock.

    Each edition is carried over from the last run when nothing it is made
    from changed (``article.previous``, read under the lock, decides), else
    ``translate(lang, plan, pre, approved)`` makes it (an Edition, or None
    when it cannot be made; it says why in ``outcomes``). ``outcomes``
    (language key -> EditionOutcome) gets each language's problem or model."""

    doc = article.doc
    outcomes.setdefault(SOURCE.key, EditionOutcome(SOURCE.key, SOURCE.native_name, model="original"))
    original = _carry(article, SOURCE, edition_pre(article, SOURCE), setup)
    editions = [original or article_folder.Edition(SOURCE, doc, pre=edition_pre(article, SOURCE))]
    made = {}
    for lang in languages:
        outcome = outcomes[lang.key] = EditionOutcome(lang.key, lang.native_name)
        plan = plans[lang.key]
        if isinstance(plan, UserError):
            outcome.problem, outcome.fix = getattr(plan, "reason", None) or str(plan), plan.hint
            continue
        # approved human translations are an input like the source: a new one is published
        note_model(outcome, plan, setup)
        approved = edition_stage.approved_translations(doc, lang, setup)
        pre = approved.seal(edition_pre(article, lang, plan, setup.options))
        made[lang.key] = (plan, pre, approved)
        edition = _carry(article, lang, pre, setup) or translate(lang, plan, pre, approved)
        if edition is not None:
            editions.append(edition)

    # An edition carried over from the last run links to the editions that
    # existed then: if that set changed, it is translated (from the memory) and
    # rendered again like the others.
    linked = article.linked_keys(editions)
    for index, edition in enumerate(editions):
        if edition.carried is None or edition.carried["links"] == linked:
            if edition.carried is not None and edition.lang.key != SOURCE.key:
                model = edition.carried.get("model") or {}
                outcomes[edition.lang.key].model = model.get("name", "")
                outcomes[edition.lang.key].licence = model.get("licence", "") or outcomes[edition.lang.key].licence
            continue
        if edition.lang.key == SOURCE.key:
            editions[index] = article_folder.Edition(SOURCE, doc, pre=edition.pre)
            continue
        again = translate(edition.lang, *made[edition.lang.key])
        editions[index] = again if again is not None else edition
    return editions


def note_model(outcome: EditionOutcome, plan, setup) -> None:
    """What the summary says of the model an edition comes from: its licence,
    and a warning when its published quality for the language is below
    [policy] quality_floor (translate.translation.models.routing.EngineChoice.weak)."""
    outcome.licence = getattr(plan.choice, "licence", "")
    weak = plan.choice.weak(setup.config.policy.quality_floor) if hasattr(plan.choice, "weak") else None
    if weak:
        outcome.warnings.append(weak)


def edition_from(done, plan, pre: str, approved, outcome: EditionOutcome):
    """The article_folder.Edition of a translated edition (translate.translation.edition.Translated);
    what the summary says of it goes into ``outcome``."""

    record = done.record
    outcome.model = record.model.name
    if approved.warning:
        outcome.notes.append(approved.warning)
    outcome.notes += human_stage.outcome_notes(record)
    if done.memory_hits:
        outcome.notes.append(f"{done.memory_hits} of {done.memory_hits + done.memory_misses} segments "
                             "from the translation memory")
    if done.memory_warning:
        outcome.notes.append(done.memory_warning)
    outcome.notes += [f"inline {m.mark.kind} markup not placed: {m.reason}" for m in done.lost]
    outcome.notes += [f"term {t.source_term!r} missing in the machine translation (segment {s.index + 1}): "
                      "nothing was appended, translate review shows it" if t.status == "missing" else
                      f"term {t.source_term!r} not placed (segment {s.index + 1}): {t.review or t.detail}"
                      for s in record.segments for t in s.terms if not t.in_context]
    if plan.stage("adaptation") is not None:
        changed = sum(1 for s in record.segments if s.adaptations)
        outcome.notes.append(f"Afghan Dari adaptation rewrote {changed} segments (translate review shows them)")
    return article_folder.Edition(plan.lang, done.doc, record, plan.stages, pre=pre)


def write_article(article, source: Path, languages, plans, setup, translate, *, replace: bool = False):
    """Decide every edition of ``article`` under its lock and write its folder;
    the outcome of each edition. ``translate(lang, plan, pre, approved)``
    returns a translate.translation.edition.Translated (or raises the UserError of that
    edition). OSError becomes a UserError saying what was kept."""

    outcomes: dict[str, EditionOutcome] = {}

    def make(lang, plan, pre, approved):
        outcome = outcomes[lang.key]
        try:
            done = translate(lang, plan, pre, approved)
        except UserError as err:
            outcome.problem, outcome.fix = str(err), err.hint
            return None
        absent = [(s.index, t) for s in done.record.segments for t in s.terms if not t.in_context]
        if setup.strict_terms and absent:
            index, first = absent[0]
            outcome.problem = (f"{len(absent)} glossary term(s) missing or not placed and --strict-terms: the edition "
                               f"was not published (first: {first.source_term!r}, segment {index + 1})")
            outcome.fix = (f"translate review {source} --to {lang.key}; correct the sentence (translate export / "
                           "import) or publish without --strict-terms")
            return None
        return edition_from(done, plan, pre, approved, outcome)

    try:
        with article.lock(on_wait=waiting(article.doc.slug)):
            run_guard.check_not_replacing(article.folder, source, article.doc.slug, replace)
            run_guard.check_real_folders(article.folder, article.work)   # again: a link made meanwhile
            editions = choose_editions(article, languages, plans, setup, make, outcomes)
            article.write(editions)
    except OSError as err:
        failed = err.filename or article.folder
        kept = "" if article.committing else "; the published files were left as they were"
        raise UserError(f"cannot write {failed}: {err.strerror}{kept}",
                        "check that the output folder is writable and the disk has room") from None
    finish_outcomes(outcomes, editions, article)
    return list(outcomes.values())


def finish_outcomes(outcomes: dict, editions, article=None) -> None:
    """Each written edition's files, and a note on those kept as they were;
    why each edition a check refused was not published."""
    for edition in (article.refused if article is not None else ()):
        outcome = outcomes[edition.lang.key]
        failed = [f for f in edition.findings if f.check not in article.accept]
        outcome.refused = True
        previous = article.previous.get(edition.lang.key)
        # the edition readers have now: dated by its last correction (issue 30's manifest)
        kept = (f"; the edition of {str(previous.get('updated') or previous.get('published', ''))[:10]} stays"
                if previous else "")
        outcome.problem = f"not published: {failed[0]}{kept}"
        outcome.failures = [str(f) for f in failed[1:]]
        names = sorted({f.check for f in failed})
        outcome.fix = ("fix what the check names and publish again, or publish it anyway with "
                       + " ".join(f"--accept {name}" for name in names))
    for edition in editions:
        if edition.refused:
            continue
        outcomes[edition.lang.key].files = edition.files
        for finding in edition.findings:   # accepted: published anyway
            outcomes[edition.lang.key].notes.append(f"accepted (--accept {finding.check}): {finding}")
        if edition.reused:
            outcomes[edition.lang.key].notes.append(
                f"unchanged since {edition.updated:%Y-%m-%d %H:%M}: files kept, not rendered again")


def edition_pre(article, lang, plan=None, options=None) -> str:
    """Fingerprint of everything that goes into an edition before translation:
    the source bytes, the tool's code and data, the formats, and for a
    translation the model (with its weights' size and time), decoding options
    and the data of each post-editing stage. Equal to the last run's: nothing to do."""

    # the article's bytes and its images' (translate.source.media, and with it the
    # Markdown reader, only for an article that has images: the digest of no
    # images is the source's checksum, and an unchanged re-publish does without)
    source = article.source_sha256
    if article.media:
        source = inputs_digest(article.source_sha256, article.media)
    # the site's address and the publication's name and bylines are on every page
    material = [code_digest(), source, lang.key, article.formats, article.site_url, article.publication]
    if plan is not None:
        choice = plan.choice
        material += [choice.engine, choice.model, choice.version, str(choice.path),
                     model_fingerprint(choice.installed.model_info()) if choice.installed else "",
                     options.signature() if options else None,
                     [(stage.name, stage.checksum) for stage in plan.stages]]
    return hashlib.sha256(json.dumps(material, default=str).encode()).hexdigest()


def _carry(article, lang, pre: str, setup):
    """The last run's edition if nothing it is made from changed. Without the
    memory (--no-cache) every edition is translated again, as asked."""
    return None if setup.memory is None else article.carry_over(lang, pre)
