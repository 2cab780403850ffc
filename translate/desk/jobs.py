"""Publishing an article from the desk: the same path as `translate publish`
(translate.publishing.run.publish_many: checks, memory, approved human text,
staging under the article's lock; then the signature when the desk was
started with --sign, and the site's indexes), in the desk's publisher thread,
one article at a time, with its progress and summary for the browser.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote

import click

from translate.cli.sign import after_publish, publish_site
from translate.desk.workspace import Workspace
from translate.distribution.signed_folder import signature_is_current
from translate.errors import UserError
from translate.publishing.run import publish_many
from translate.publishing.writers import FORMATS
from translate.util.signals import interrupt_behind


@dataclass
class PublishJob:
    id: str
    slug: str
    title: str
    back: str = ""               # the page it was started from
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    label: str = "waiting to start"
    done: int = 0
    total: int = 0
    finished: bool = False
    outcomes: list = field(default_factory=list)   # translate.publishing.article_editions.EditionOutcome
    files: dict = field(default_factory=dict)      # lang key -> [(file name, desk href)]
    error: str = ""
    signature: str = ""

    @property
    def incomplete(self) -> bool:
        return bool(self.error) or any(o.problem for o in self.outcomes)

    @property
    def headline(self) -> str:
        if self.error:
            return f"Not published: {self.error}"
        missing = [o.key for o in self.outcomes if o.problem]
        published = len(self.outcomes) - len(missing)
        if missing:
            return f"Published {published} of {len(self.outcomes)} editions; missing: {', '.join(missing)}"
        return f"Published: {published} editions"

    def progress(self, label: str, done: int, total: int) -> None:
        self.label, self.done, self.total = label, done, total


class Publisher:
    """The desk's publish runs: one at a time, in their own thread."""

    def __init__(self, ws: Workspace, run_in_thread):
        self.ws = ws
        self.run_in_thread = run_in_thread   # hands a function to the publisher thread
        self.jobs: dict[str, PublishJob] = {}
        self._lock = threading.Lock()
        self.current: PublishJob | None = None

    def start(self, slug: str, back: str = "") -> PublishJob:
        """A new publish of ``slug``, or the one running (a second click
        while one runs does not queue a second)."""
        article = self.ws.find(slug)
        with self._lock:
            if self.current is not None and not self.current.finished:
                return self.current
            job = PublishJob(secrets.token_urlsafe(8), article.doc.slug,
                             article.doc.title.text.replace("\n", " "), back=back)
            self.jobs[job.id] = job
            self.current = job
        self.run_in_thread(lambda: self._run(job, article.path))
        return job

    def _run(self, job: PublishJob, source) -> None:
        try:
            self._publish(job, source)
        except Exception as err:  # noqa: BLE001 - shown on the job's page, the desk goes on
            if interrupt_behind(err) is not None:
                raise
            job.error = err.one_line() if isinstance(err, UserError) else \
                err.format_message() if isinstance(err, click.ClickException) else f"{type(err).__name__}: {err}"
        finally:
            job.finished = True

    def _publish(self, job: PublishJob, source) -> None:
        ws, options = self.ws, self.ws.options
        setup = ws.setup()
        output_dir = options.output_dir
        output_dir.mkdir(parents=True, exist_ok=True)
        site_url = options.site_url or setup.config.site_url
        plans = ws.plans()
        run = publish_many([source], list(options.languages), list(FORMATS), output_dir, setup, jobs=1,
                           site_url=site_url, progress=job.progress)
        done = run[0]
        job.outcomes, job.error = done.outcomes, done.error
        for outcome in done.outcomes:
            if outcome.key in plans and not isinstance(plans[outcome.key], UserError):
                if outcome.problem:
                    ws.problems[(done.slug, outcome.key)] = outcome.problem
                else:
                    ws.problems.pop((done.slug, outcome.key), None)
            job.files[outcome.key] = [(p.name, f"/output/{quote(done.slug)}/{outcome.key}/{quote(p.name)}")
                                      for p in outcome.files]
        if done.error:
            return
        job.label = "signing and updating the site's indexes"
        folder = output_dir / done.slug
        after_publish(folder, options.sign_key)
        publish_site(output_dir, site_url, options.sign_key)
        job.signature = _signature_words(signature_is_current(folder), options.sign_key)


def _signature_words(current: bool | None, key) -> str:
    if current is True:
        fingerprint = f" (key {key.public.fingerprint})" if key is not None else ""
        return f"Signed: SHA256SUMS.minisig covers this publication{fingerprint}."
    if current is False:
        return ("The signature no longer covers SHA256SUMS: sign it again (start the desk with --sign, "
                "or run translate sign).")
    return "Not signed (start the desk with --sign to sign what it publishes)."
