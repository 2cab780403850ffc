"""A publish run: every article's editions translated language by language,
then their pages rendered by a pool of worker processes. One article is a
run of one: there is no other path.

    read every article ─▶ plan each language once
      ─▶ 1. per article, under its lock: which editions need translating
            (translate.publishing.article_editions.choose_editions on the last run's manifest)
      ─▶ 2. per language: one engine (one model load for every language the
            model serves), one translate call for the missing segments of
            every article, decoded in token-sorted batches (memory hits never
            reach the model);
            then each article's stages and checks (translate.translation.edition)
      ─▶ 3. the pages step 4 will render, rendered and checked by --jobs processes
            (to bytes and the check stage's findings: translate.publishing.checks)
      ─▶ 4. per article, under its lock: every decision made again and the
            folder written (translate.publishing.article_editions.write_article), taking
            what 2 and 3 prepared only where it still applies

Locks. An article's lock is held by one step at a time and never two at
once, so two runs cannot deadlock, and a run of 500 articles does not hold
500 open lock files. What steps 2 and 3 prepared is a cache for step 4: a
translation is used where step 4, under the lock, decides that edition must
be translated from the same inputs (``pre``), a page's bytes where the
fingerprint step 4 computes for it equals the one it was rendered from. If
another run changed the article in between, step 4 follows the manifest it
reads and translates or renders what is missing itself: slower, never wrong.

One failing article (unreadable, a file where its folder goes, a model that
writes the wrong script for it, a page that cannot be rendered) never stops
the others: each gets its outcome, and the run a table of every article.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

import click

from translate.errors import UserError
from translate.publishing import article_editions, article_folder, run_guard, unchanged
from translate.publishing.article_folder import render_checked
from translate.publishing.render import webfont_prebuild, webfonts
from translate.publishing.writers import WRITERS
from translate.source import inline
from translate.translation import edition as edition_stage
from translate.translation.engines.ct2 import CT2Engine
from translate.translation.models import routing
from translate.util.signals import interrupt_behind
from translate.util.untrusted import display

# Tokens per CTranslate2 batch when the articles of a run are decoded
# together (at most --batch-tokens). A batch's memory grows with its tokens
# times the beam (the decoder's caches): 20 articles x 4 languages of the
# benchmark's model peaked at 1.05 GB with 4096-token batches, 450 MB with
# 1024 and 310 MB with 512, at the same speed within the noise (one
# article's 376 tokens never filled a batch). See docs/benchmark.md.
BATCH_TOKENS = 512


class StopRun(UserError):
    """A failure that ends the whole run in step 2 or 3, before step 4 has
    written anything (the cluster that ran them went away): every article's
    folder stays as it was."""


def run_options(setup):
    """The decoding options of a run's engines: batches of at most BATCH_TOKENS."""
    return dataclasses.replace(setup.options, max_batch_tokens=min(setup.options.max_batch_tokens, BATCH_TOKENS))


@dataclass(eq=False)   # each job is itself: compared by identity
class Job:
    """One article of the run and what has been prepared for it."""

    source: Path
    slug: str
    article_file: object = None      # translate.source.article.SourceFile
    media: tuple = ()
    article: object = None           # translate.publishing.article_folder.Article
    needed: dict = field(default_factory=dict)       # lang key -> (pre, Approved): step 1's decision
    translated: dict = field(default_factory=dict)   # lang key -> (pre, Translated | the exception)
    outcomes: list = field(default_factory=list)     # translate.publishing.article_editions.EditionOutcome
    error: str = ""                  # why nothing of the article was published
    unchanged: bool = False          # nothing to do: translate.publishing.unchanged found it as the last run left it

    @property
    def incomplete(self) -> bool:
        return bool(self.error) or any(o.problem for o in self.outcomes)


def publish_many(sources, languages, formats, output_dir: Path, setup, *, strict: bool = False,
                 replace: bool = False, site_url: str | None = None, jobs: int = 1, done=None,
                 accept=(), steps=None, progress=None) -> list[Job]:
    """Publish every article of ``sources``; one Job per source, in order.
    ``done(job)`` is called as each article is finished (published, found
    unchanged or failed), in the order of ``sources``; ``progress(label, done,
    total)`` as the progress bar moves (the desk shows it in the browser). An
    edition that fails a check of translate.publishing.checks is not published
    unless that check is in ``accept``. ``steps`` runs steps 2 and 3
    (LocalSteps: this machine, pages in ``jobs`` processes; or
    translate.publishing.cluster.ClusterSteps: a Ray cluster)."""

    run = [Job(Path(source), Path(source).stem) for source in sources]
    plans = article_editions.plan_languages(languages, setup)
    published = article_editions.now()
    slugs = run_guard.SlugsOfRun()
    for job in run:
        with _one_article(job):
            same = unchanged.check(job.source, languages, formats, output_dir, setup, plans, site_url)
            if same is not None:
                job.slug, job.outcomes = same
                slugs.claim(job.slug, job.source)
                job.unchanged = True
                continue
            job.article_file, job.media = article_editions.read_article(job.source, strict)
            job.slug = job.article_file.doc.slug
            slugs.claim(job.slug, job.source)
            job.article = article_editions.open_output(job.article_file, languages, formats, output_dir,
                                                  media=job.media, site_url=site_url, published=published,
                                                  publication=setup.config.publication, accept=accept)
            _to_translate(job, languages, plans, setup, replace)

    todo = [job for job in run if not (job.error or job.unchanged)]
    if todo:
        _prepare(todo, languages, plans, setup, formats, steps or LocalSteps(jobs), progress)
    for job in run:
        if job in todo:
            with _one_article(job):
                job.outcomes = article_editions.write_article(job.article, job.source, languages, plans, setup,
                                                         _prepared_or_now(job, setup), replace=replace)
                unchanged.remember(setup.memory, job.article_file, job.media)
        if done is not None:
            done(job)
    return run


class _one_article:
    """Around each step of one article: its failure is its own. A UserError
    or an unexpected exception is reported and noted in the job; an
    interrupt (Ctrl-C, SIGTERM) ends the run."""

    def __init__(self, job: Job):
        self.job = job

    def __enter__(self):
        return self.job

    def __exit__(self, kind, err, tb):
        if err is None or not isinstance(err, Exception) or interrupt_behind(err) is not None:
            return False
        if not isinstance(err, UserError):
            err = run_guard.unexpected(self.job.source, err)
        self.job.error = err.one_line()
        click.secho(f"error: {display(self.job.error, 4000)}", fg="red", err=True)
        return True


# --- 1. what to translate --------------------------------------------------------------------


def _to_translate(job: Job, languages, plans, setup, replace: bool) -> None:
    """Note in ``job.needed`` the editions that are not carried over from the
    last run, decided from the manifest read under the article's lock."""

    def translate(lang, plan, pre, approved):
        job.needed[lang.key] = (pre, approved)
        # stands in for the translation: linked like a real one
        return article_folder.Edition(lang, job.article_file.doc, pre=pre)

    with job.article.lock(on_wait=article_editions.waiting(job.slug)):
        # refused before minutes of translation, and again when writing
        run_guard.check_not_replacing(job.article.folder, job.source, job.slug, replace)
        article_editions.choose_editions(job.article, languages, plans, setup, translate, {})


def _prepare(todo: list[Job], languages, plans, setup, formats, steps, progress=None) -> None:
    """Steps 2 and 3 for the articles to publish, under one progress display."""
    order = [lang for lang in _by_model(languages, plans) if any(lang.key in job.needed for job in todo)]
    texts = {lang.key: _unique_texts([job for job in todo if lang.key in job.needed]) for lang in order}
    with click.progressbar(length=sum(len(t) for t in texts.values()) or 1, label="translating",
                           file=sys.stderr, show_pos=True) as bar, steps.session(order, plans):
        def step(n: int = 0, label: str | None = None) -> None:
            if label is not None:
                bar.label = label
            bar.update(n)
            if progress is not None:
                progress(bar.label, bar.pos, bar.length)

        for lang in order:
            step(label=f"translating {lang.english_name} ({lang.key})")
            _translate_language(lang, plans[lang.key], setup, [job for job in todo if lang.key in job.needed],
                                texts[lang.key], steps, step)
        steps.models_done()   # the last model is freed before rendering starts
        pages = [(job, edition, page) for job in todo for edition, page in _pages(job, languages, plans, setup)]
        if "html" in formats:
            _make_web_fonts(pages, bar, step)
        bar.length += len(pages)
        step(label=f"rendering {len(pages)} pages")
        steps.render(pages, formats, step)


class LocalSteps:
    """Steps 2 and 3 on this machine: the models in this process (Models),
    each article's stages here, the pages in ``jobs`` worker processes.
    translate.publishing.cluster.ClusterSteps does the same on a Ray cluster."""

    def __init__(self, jobs: int = 1):
        self.jobs = jobs
        self.models = None

    @contextmanager
    def session(self, order, plans):
        self.models = Models(order, plans)
        try:
            yield self
        finally:
            self.models = None

    def engine(self, plan, setup):
        """The engine that translates the run's missing segments of ``plan``'s language."""
        return self.models.engine(plan, setup)

    def editions(self, plan, setup, engine, done: dict, items) -> list:
        return translate_editions(plan, setup, engine, done, items)

    def done(self, plan, engine) -> None:
        self.models.done(plan, engine)

    def models_done(self) -> None:
        self.models = None

    def render(self, pages, formats, progress) -> None:
        _render(pages, formats, self.jobs, progress)


def _make_web_fonts(pages, bar, step) -> None:
    """Make the web fonts the HTML pages need that the package does not ship
    and the user's cache lacks (after a font package upgrade: seconds each),
    here and with progress, before the render workers would each make them."""
    shown = dict.fromkeys(lang for _, _, page in pages for lang in (page.lang, *(link[0] for link in page.links)))
    todo = webfont_prebuild.pending(shown)
    bar.length += len(todo)
    for file in todo:
        step(label=f"making the web font {webfont_prebuild.describe(file)} (once: it is kept for later runs)")
        webfonts.web_font(file)
        step(1)


# --- 2. translating, language by language ----------------------------------------------------


def _by_model(languages, plans) -> list:
    """The languages in the order that keeps those served by one model together."""
    groups: dict[object, list] = {}
    for lang in languages:
        plan = plans[lang.key]
        groups.setdefault(lang.key if isinstance(plan, UserError) else plan.choice.path, []).append(lang)
    return [lang for group in groups.values() for lang in group]


def _engine_texts(doc) -> list[str]:
    """The texts translate.translation.edition sends the engine for ``doc`` (translate.source.inline)."""

    return [text for text in (inline.engine_text(s) for s in doc.segments()) if text.strip()]


def _unique_texts(jobs: list[Job]) -> list[str]:
    return list(dict.fromkeys(text for job in jobs for text in _engine_texts(job.article_file.doc)))


class Models:
    """The engines of a run: a model that serves several languages (NLLB-200,
    M2M-100) is loaded once for all of them, and freed as soon as no
    language left in the run needs it, so one model is in memory at a time."""

    def __init__(self, order, plans):
        self.left = [plans[lang.key].choice.path for lang in order]
        self.translators: dict[Path, object] = {}   # by the installed model's folder

    def engine(self, plan, setup):
        engine = routing.build_engine(plan.choice, run_options(setup))
        if isinstance(engine, CT2Engine) and plan.choice.path in self.translators:
            # A CT2Engine loads its translator on first use (translator());
            # hand it the one already loaded: same model, same options.
            engine._translator = self.translators[plan.choice.path]
        return engine

    def done(self, plan, engine) -> None:
        """``plan``'s language is translated: keep its model if a later one needs it."""
        path = plan.choice.path
        self.left.remove(path)
        loaded = getattr(engine, "_translator", None)
        if path in self.left and loaded is not None:
            self.translators[path] = loaded
        else:
            self.translators.pop(path, None)


def translate_editions(plan, setup, engine, done: dict, items, keep=lambda err: err) -> list:
    """Each (Document, Approved) of ``items`` translated through its stages,
    the engine's output taken from ``done``: a Translated, or ``keep(the
    exception)`` that cost that article's edition (LocalSteps, and the
    cluster's actors: translate.publishing.cluster_worker)."""
    results = []
    for doc, approved in items:
        try:
            results.append(edition_stage.translate_edition(doc, plan, setup, engine=_Prepared(engine, done),
                                                           human=approved))
        except Exception as err:  # noqa: BLE001 - this article's edition fails, not the others
            if interrupt_behind(err) is not None:
                raise
            results.append(keep(err))
    return results


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
    """The run's engine for one article: answers with the translations made
    for every article at once. ``engine`` is the real one, so that a stage
    bound to it (the glossary asking the model for a term's form,
    translate.translation.engines.scoring.term_model_for) asks the same loaded model."""

    def __init__(self, engine, done: dict):
        self.engine = engine
        self.info = engine.info
        self.done = done

    def translate(self, texts, progress=None):
        missing = [text for text in dict.fromkeys(texts) if text not in self.done]
        if missing:   # not expected: the texts are those _engine_texts found
            self.done.update(zip(missing, self.engine.translate(missing)))
        return [self.done[text] for text in texts]


def _translate_language(lang, plan, setup, jobs: list[Job], texts: list[str], steps, progress) -> None:
    """Every article's edition in ``lang``: the missing segments of all of
    them in one engine call through the memory, then each article's stages
    and checks through translate.translation.edition.translate_edition."""

    engine = None
    try:
        engine = steps.engine(plan, setup)
        recording = _Recording(engine)
        front = edition_stage.engine_for(plan, setup, recording)
        # One call: CTranslate2 reads 16 batches' worth of tokens at a time,
        # sorts them by length and cuts batches of BATCH_TOKENS, so sentences
        # of like length from every article share a batch (little padding).
        done = dict(zip(texts, front.translate(texts, progress=progress)))
    except Exception as err:  # noqa: BLE001 - the language's editions fail, not the run
        if interrupt_behind(err) is not None or isinstance(err, StopRun):
            raise
        for job in jobs:
            job.translated[lang.key] = (job.needed[lang.key][0], err)
        steps.done(plan, engine)
        return
    no_memory = dataclasses.replace(setup, memory=None)
    results = steps.editions(plan, no_memory, engine, done,
                             [(job.article_file.doc, job.needed[lang.key][1]) for job in jobs])
    for job, result in zip(jobs, results):
        pre = job.needed[lang.key][0]
        if isinstance(result, Exception):
            job.translated[lang.key] = (pre, result)
            continue
        if setup.memory is not None:
            mine = _engine_texts(job.article_file.doc)
            result.memory_misses = sum(1 for text in mine if text in recording.sent)
            result.memory_hits = len(mine) - result.memory_misses
            result.memory_warning = getattr(front, "warning", "")
        job.translated[lang.key] = (pre, result)
    # after the stages: a glossary stage may have asked the model
    steps.done(plan, engine)


def _prepared_or_now(job: Job, setup):
    """Step 4's translate: what step 2 made for the same inputs, else
    (another run changed the article meanwhile) translated here and now.
    What failed in step 2 fails here as it would have: a UserError costs the
    edition (article_editions.write_article says why), anything else the article
    (run_guard.unexpected)."""

    def translate(lang, plan, pre, approved):
        made = job.translated.get(lang.key)
        if made is not None and made[0] == pre:
            if isinstance(made[1], Exception):
                raise made[1]
            return made[1]
        return edition_stage.translate_edition(job.article_file.doc, plan, setup, human=approved)

    return translate


# --- 3. rendering in worker processes --------------------------------------------------------


def _pages(job: Job, languages, plans, setup):
    """The pages step 4 will most likely render for ``job`` (from the manifest
    step 1 read): (Edition, Page) pairs, their fingerprints set."""

    def prepared(lang, plan, pre, approved):
        made = job.translated.get(lang.key)
        if made is None or made[0] != pre or isinstance(made[1], Exception):
            return None
        return article_editions.edition_from(made[1], plan, pre, approved, article_editions.EditionOutcome(lang.key, ""))

    try:
        editions = article_editions.choose_editions(job.article, languages, plans, setup, prepared, {})
        return job.article.pages_to_render(editions)
    except (UserError, OSError):
        return []   # step 4 meets it again under the lock and reports it for this article


def _start_worker() -> None:
    """A render worker leaves Ctrl-C and a closed terminal to the run (they
    reach every process of the group, and only the run reports them), ends at
    once on SIGTERM (what the pool sends its workers when one of them died:
    a worker that ignored it kept the pool, and so the run, waiting for ever),
    and ends when the run's process ends, however it ends (killed, it cannot
    tell its workers: they would wait for pages for ever)."""

    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=lambda: (wait([parent.sentinel]), os._exit(1)), daemon=True).start()


@contextmanager
def _output_closed_to_children():
    """Processes started within inherit /dev/null as their standard output and
    error. A worker has nothing to say (a page's error comes back with its
    result); holding the run's pipes, it would keep `publish | head` waiting
    after the run ended, and when the run is killed a worker that loses its
    parent would print a traceback of multiprocessing's machinery."""

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):   # a closed pipe (translate.util.signals), or no stream
            pass
    saved = {fd: _duplicate(fd) for fd in (1, 2)}
    quiet = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in saved:
            os.dup2(quiet, fd)
        yield
    finally:
        for fd, copy in saved.items():
            if copy is None:
                os.close(fd)   # it was closed: closed again
                continue
            os.dup2(copy, fd)
            os.close(copy)
        os.close(quiet)


def _duplicate(fd: int) -> int | None:
    """A copy of ``fd``, or None when it is closed (`translate publish >&-`)."""
    try:
        return os.dup(fd)
    except OSError:
        return None


def _render(pages, formats, jobs: int, progress) -> None:
    """Render and check ``pages`` into each article's ``rendered`` bytes and
    findings (translate.publishing.checks), ``jobs`` at a time. A page that
    fails here is left out: step 4 renders it again under the lock and reports
    the error for that article alone."""

    def keep(job, edition, rendered):
        job.article.rendered[(edition.lang.key, edition.inputs)] = rendered

    # Markdown alone is written faster than a worker process starts.
    if jobs <= 1 or len(pages) <= 1 or not any(WRITERS[name].rendered for name in formats):
        for job, edition, page in pages:
            try:
                keep(job, edition, render_checked(page, formats))
            except Exception as err:  # noqa: BLE001 - reported by step 4, with the article's name
                if interrupt_behind(err) is not None:
                    raise
            progress(1)
        return

    # spawn: fresh processes that share nothing with this one (its model
    # threads, its locks); each renders a page to bytes, this process stages
    # and writes them under the article's lock.
    context = multiprocessing.get_context("spawn")
    before = set(multiprocessing.active_children())
    # the pool's helper processes (multiprocessing's resource tracker) start
    # as it is made, the workers as the pages are submitted
    with _output_closed_to_children():
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(pages)), mp_context=context,
                                   initializer=_start_worker)
        futures = {pool.submit(render_checked, page, formats): (job, edition) for job, edition, page in pages}
    workers = set(multiprocessing.active_children()) - before
    broken = False
    try:
        for future in as_completed(futures):
            job, edition = futures[future]
            if future.exception() is None:
                keep(job, edition, future.result())
            broken = broken or isinstance(future.exception(), BrokenProcessPool)
            progress(1)
    except BaseException:
        # Ctrl-C or SIGTERM: the run ends now, not when the pages being
        # rendered are done (a page can take minutes): its workers go with it.
        for worker in workers:
            worker.kill()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if broken:
        # A worker was killed (the kernel's OOM killer, say): the pool fails
        # every page it had not returned, and step 4 renders them in this process.
        click.secho("warning: a page-rendering process ended abruptly (killed, perhaps for lack of memory); "
                    "its pages are rendered again in this process", fg="yellow", err=True)


# --- the summary ------------------------------------------------------------------------------


def print_table(run: list[Job]) -> None:
    """One line per article: published, published with editions missing,
    unchanged, or not published and why."""

    click.echo(f"\n{len(run)} articles:")
    width = max(len(display(job.slug)) for job in run)
    for job in run:
        missing = [o.key for o in job.outcomes if o.problem]
        slug = display(job.slug)
        if job.error:
            click.secho(f"  {slug:<{width}}  failed    {display(job.error, 4000)}", fg="red")
        elif missing:
            click.secho(f"  {slug:<{width}}  missing   {', '.join(missing)}", fg="yellow")
        elif job.unchanged:
            click.secho(f"  {slug:<{width}}  unchanged {len(job.outcomes)} editions", fg="green")
        else:
            click.secho(f"  {slug:<{width}}  ok        {len(job.outcomes)} editions", fg="green")
