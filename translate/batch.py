"""Publishing many articles in one run: language by language, then the pages
rendered by a pool of worker processes.

    read every article ─▶ plan each language once
      ─▶ 1. per article, under its lock: which editions need translating
      ─▶ 2. per language: one engine (one model load for every language the
            model serves), one translate call for the segments of every
            article that needs it, longest first; the results split back
      ─▶ 3. the pages to render, rendered by --jobs processes (to bytes)
      ─▶ 4. per article, under its lock: translate.publication.publish_article
            decides again and writes (staging, renames), taking what 2 and 3
            prepared where it fits

Locks. An article's lock is held by one step at a time and never two locks
at once, so two batch runs (or a batch run and a one-article publish) cannot
deadlock, and a run of 500 articles does not hold 500 open lock files. The
manifest is read under the lock in step 1 to decide what to translate, and
read again under the lock in step 4, where publish_article makes every
decision again from it (carry-over, links, which files are current) and
writes before the lock is released. What steps 2 and 3 prepared is only a
cache for step 4: a translation is used where step 4 decides that edition
must be translated, a page's bytes where the fingerprint step 4 computes for
it equals the one it was rendered from. If another run changed the article
in between, step 4 follows the manifest it reads and translates or renders
what is missing itself: slower, never wrong.

One failing article (unreadable, a file where its folder goes, a model that
writes the wrong script for it, a page that cannot be rendered) never stops
the others: the run ends with a table of every article and the reason.
"""

from __future__ import annotations

import dataclasses
import sys
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import click

from translate.errors import UserError


@dataclass
class Job:
    """One article of the run and what has been prepared for it."""

    source: Path
    article_file: object = None      # translate.source.SourceFile
    media: tuple = ()
    article: object = None           # translate.publishing.Article
    needed: list = field(default_factory=list)       # language keys step 1 found to translate
    translated: dict = field(default_factory=dict)   # language key -> Translated | UserError
    outcomes: list = field(default_factory=list)     # EditionOutcome, when published
    error: str = ""                  # why nothing of the article was published
    slug: str = ""
    done: bool = False               # nothing to do: unchanged since the last run


def publish_many(sources, languages, formats, output_dir: Path, setup, *, strict: bool = False,
                 jobs: int = 1) -> bool:
    """Publish every article of ``sources``; True when something failed or is missing."""
    from translate import unchanged
    from translate import publication as command

    run = [Job(Path(source), slug=Path(source).stem) for source in sources]
    published = command.now()
    plans = command.plan_languages(languages, setup)
    for job in run:
        same = unchanged.check(job.source, languages, formats, output_dir, setup, plans)
        if same is not None:
            job.slug, job.outcomes = same
            job.done = True
            continue
        try:
            job.article_file, job.media = command.read_article(job.source, strict)
            job.slug = job.article_file.doc.slug
        except UserError as err:
            _failed(job, err)
    by_slug: dict[str, Job] = {}
    for job in run:
        if job.error or job.done:
            continue
        if job.slug in by_slug:
            _failed(job, UserError(f"{job.source}: same slug {job.slug!r} as {by_slug[job.slug].source}",
                                   "give one of them another slug: in its front matter"))
            continue
        by_slug[job.slug] = job
        try:
            job.article = command.open_output(job.article_file, formats, output_dir, job.media, published)
            job.needed = _to_translate(job, languages, plans, setup)
        except UserError as err:
            _failed(job, err)
        except OSError as err:
            _failed(job, UserError(f"cannot read or lock {err.filename or job.source}: {err.strerror}",
                                   "check that the output folder is readable and writable"))

    todo = [job for job in run if not (job.error or job.done)]
    if todo:
        _prepare(todo, languages, plans, setup, formats, jobs)

    for job in run:
        if job.done:
            command.print_summary(job.slug, job.outcomes, output_dir)
    for job in todo:
        try:
            job.outcomes = command.publish_article(job.article_file, languages, formats, output_dir, setup,
                                                   job.media, article=job.article, plans=plans,
                                                   translated=job.translated)
        except UserError as err:
            _failed(job, err)
            continue
        except Exception as err:  # noqa: BLE001 - a bug met by one article must not cost the others
            _failed(job, UserError(f"{job.source}: {type(err).__name__}: {err}",
                                   "report this with the article attached"))
            continue
        unchanged.remember(output_dir, job.article_file, job.media)
        command.print_summary(job.slug, job.outcomes, output_dir)
    return _print_table(run)


def _prepare(todo: list[Job], languages, plans, setup, formats, jobs: int) -> None:
    """Steps 2 and 3 for the articles to publish, under one progress bar."""
    segments = sum(len(job.article_file.doc.segments()) for job in todo for _ in job.needed)
    with click.progressbar(length=segments, label="translating", file=sys.stderr, show_pos=True) as bar:
        order = [lang for lang in _by_model(languages, plans) if any(lang.key in job.needed for job in todo)]
        models = Models(order, plans)
        for lang in order:
            bar.label = f"translating {lang.english_name} ({lang.key})"
            _translate_language(lang, plans[lang.key], setup, [job for job in todo if lang.key in job.needed],
                                models, bar.update)
        del models   # the last model is freed before rendering starts
        pages = [(job, edition, page) for job in todo for edition, page in _pages(job, languages, plans, setup)]
        bar.length += len(pages)
        bar.label = f"rendering {len(pages)} pages"
        _render(pages, formats, jobs, bar.update)


def _failed(job: Job, err: UserError) -> None:
    job.error = err.one_line()
    click.secho(f"error: {job.error}", fg="red", err=True)


# --- 1. what to translate --------------------------------------------------------------------


def _to_translate(job: Job, languages, plans, setup) -> list[str]:
    """The language keys whose editions of ``job`` are not carried over from
    the last run, decided from the manifest read under the article's lock."""
    from translate import publishing
    from translate import publication as command

    needed = []

    def translate(lang, plan, pre):
        needed.append(lang.key)
        return publishing.Edition(lang, job.article_file.doc, pre=pre)  # stands in: linked like a real one

    with job.article.lock(on_wait=command.waiting(job.slug)):
        command.choose_editions(job.article, languages, plans, setup, translate)
    return needed


# --- 2. translating, language by language ----------------------------------------------------

# Tokens per CTranslate2 batch when the articles of a run are decoded
# together (at most --batch-tokens). A batch's memory grows with its tokens
# times the beam (the decoder's caches): 20 articles x 4 languages of the
# benchmark's model peaked at 1.05 GB with 4096-token batches, 450 MB with
# 1024 and 310 MB with 512, at the same speed within the noise (85-120 s; one
# article's 376 tokens never filled a batch). See docs/benchmark.md.
BATCH_TOKENS = 512


def _by_model(languages, plans):
    """The languages in the order that keeps those served by one model together."""
    groups: dict[object, list] = {}
    for lang in languages:
        plan = plans[lang.key]
        groups.setdefault(lang.key if isinstance(plan, UserError) else plan.choice.path, []).append(lang)
    return [lang for group in groups.values() for lang in group]


class Models:
    """The engines of a run: a model that serves several languages (NLLB-200,
    M2M-100) is loaded once for all of them, and freed as soon as no
    language left in the run needs it, so one model is in memory at a time."""

    def __init__(self, order, plans):
        self.left = [plans[lang.key].choice.path for lang in order if not isinstance(plans[lang.key], UserError)]
        self.translators: dict[Path, object] = {}   # by the installed model's folder

    def engine(self, plan, setup):
        from translate.engines.ct2 import CT2Engine
        from translate.models import routing

        options = dataclasses.replace(setup.options,
                                      max_batch_tokens=min(setup.options.max_batch_tokens, BATCH_TOKENS))
        engine = routing.build_engine(plan.choice, options)
        if isinstance(engine, CT2Engine):
            # A CT2Engine loads its translator on first use into _translator:
            # hand it the one already loaded (same model, same options).
            engine._translator = self.translators.get(plan.choice.path)
        return engine

    def done(self, plan, engine) -> None:
        """``plan``'s language is translated: keep its model if a later one needs it."""
        path = plan.choice.path
        self.left.remove(path)
        if path in self.left and getattr(engine, "_translator", None) is not None:
            self.translators[path] = engine._translator
        else:
            self.translators.pop(path, None)


class _Recording:
    """Passes texts to the engine and notes which were sent (memory misses)."""

    def __init__(self, engine):
        self.engine = engine
        self.info = engine.info
        self.sent: set[str] = set()

    def translate(self, texts, progress=None):
        self.sent.update(texts)
        return self.engine.translate(texts, progress=progress)


class _Prepared:
    """An engine that answers one article's texts with translations already made."""

    def __init__(self, info, texts: list[str], translations: list):
        self.info = info
        self.texts = texts
        self.translations = translations

    def translate(self, texts, progress=None):
        if list(texts) != self.texts:
            raise RuntimeError("the article's segments changed between batching and translating")
        return list(self.translations)


def _translate_language(lang, plan, setup, jobs: list[Job], models: Models, progress) -> None:
    """Every article's edition in ``lang``: the segments of all of them in one
    engine call (memory hits never reach the model), then each article's
    stages and checks through translate.edition.translate_edition."""
    from translate import edition as edition_stage
    from translate import inline

    if isinstance(plan, UserError):
        for job in jobs:
            job.translated[lang.key] = plan
        return
    wanted = [[text for text in (inline.engine_text(s) for s in job.article_file.doc.segments()) if text.strip()]
              for job in jobs]
    flat = [text for texts in wanted for text in texts]
    # Longest first: CTranslate2 batches by tokens in the order given, so
    # sentences of like length share a batch and little goes to padding.
    order = sorted(range(len(flat)), key=lambda i: -len(flat[i]))
    engine = None
    try:
        engine = models.engine(plan, setup)
        recording = _Recording(engine)
        front = edition_stage.engine_for(plan, setup, recording)
        done = front.translate([flat[i] for i in order], progress=progress)
    except UserError as err:
        for job in jobs:
            job.translated[lang.key] = err
        return
    finally:
        models.done(plan, engine)
    results = [None] * len(flat)
    for position, index in enumerate(order):
        results[index] = done[position]
    no_memory = dataclasses.replace(setup, memory=None)
    start = 0
    for job, texts in zip(jobs, wanted):
        mine = results[start:start + len(texts)]
        start += len(texts)
        progress(len(job.article_file.doc.segments()) - len(texts))
        try:
            result = edition_stage.translate_edition(job.article_file.doc, plan, no_memory,
                                                     engine=_Prepared(front.info, texts, mine))
        except UserError as err:
            job.translated[lang.key] = err
            continue
        if setup.memory is not None:
            result.memory_misses = sum(1 for text in texts if text in recording.sent)
            result.memory_hits = len(texts) - result.memory_misses
            result.memory_warning = getattr(front, "warning", "")
        job.translated[lang.key] = result


# --- 3. rendering in worker processes --------------------------------------------------------


def _pages(job: Job, languages, plans, setup):
    """The pages step 4 will most likely render for ``job`` (from the manifest
    step 1 read): (Edition, Page) pairs with their fingerprints set."""
    from translate.publication import choose_editions, edition_from

    def prepared(lang, plan, pre):
        done = job.translated.get(lang.key)
        if done is None or isinstance(done, UserError):
            return None
        from translate.publication import EditionOutcome

        return edition_from(done, plan, pre, EditionOutcome(lang.key, lang.native_name))

    editions = choose_editions(job.article, languages, plans, setup, prepared)
    return job.article.pages_to_render(editions)


def _render(pages, formats, jobs: int, progress) -> None:
    """Render ``pages`` into each article's ``rendered`` bytes, ``jobs`` at a
    time. A page that fails here is left out: step 4 renders it again under
    the lock and reports the error for that article alone."""
    from translate.publishing import render_page

    def keep(job, edition, rendered):
        job.article.rendered[(edition.lang.key, edition.inputs)] = rendered

    from translate.writers import WRITERS

    # Markdown alone is written faster than a worker process starts.
    if jobs <= 1 or len(pages) <= 1 or not any(WRITERS[name].rendered for name in formats):
        for job, edition, page in pages:
            try:
                keep(job, edition, render_page(page, formats))
            except Exception:  # noqa: BLE001 - reported by step 4, with the article's name
                pass
            progress(1)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn: fresh worker processes that share nothing with this one (its
    # model threads, its state); each renders a page to bytes, this process
    # stages and writes them.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(pages)), mp_context=context) as pool:
        futures: dict[Future, tuple] = {pool.submit(render_page, page, formats): (job, edition)
                                        for job, edition, page in pages}
        for future in as_completed(futures):
            job, edition = futures[future]
            if future.exception() is None:
                keep(job, edition, future.result())
            progress(1)


# --- the summary ------------------------------------------------------------------------------


def _print_table(run: list[Job]) -> bool:
    """One line per article: published, published with editions missing, or
    not published and why. True when any article is not complete."""
    click.echo(f"\n{len(run)} articles:")
    width = max(len(job.slug) for job in run)
    incomplete = False
    for job in run:
        missing = [o.key for o in job.outcomes if o.problem]
        if job.error:
            click.secho(f"  {job.slug:<{width}}  failed    {job.error}", fg="red")
        elif missing:
            click.secho(f"  {job.slug:<{width}}  missing   {', '.join(missing)}", fg="yellow")
        else:
            click.secho(f"  {job.slug:<{width}}  ok        {len(job.outcomes)} editions", fg="green")
        incomplete |= bool(job.error or missing)
    return incomplete
