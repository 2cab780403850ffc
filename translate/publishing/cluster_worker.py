"""What runs on the workers of a Ray cluster during a publish run
(translate.publishing.cluster runs it there): a model's actor, the page task,
and the worker's account of what its output depends on.

Nothing here reads the files of the machine that runs the command: a model
comes as a shipment (translate.translation.models.shipment), checked by its
fingerprint before it is loaded; an article comes as its Document, a page as
its Page (images in it). Nothing here writes an article's folder either: an
actor returns translations, records and the raw segments the memory keeps,
a page task the page's bytes; the command's machine writes them under each
article's lock.

Every reply carries ``environment()``: the package's code digest and the
versions of the libraries that make the bytes. The command's machine refuses
a reply from a worker whose environment differs from its own, since that
worker could translate or typeset the same input into other bytes.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import platform
import socket
from contextlib import contextmanager
from functools import lru_cache
from importlib import metadata

from translate.errors import UserError
from translate.publishing.article_folder import render_checked
from translate.publishing.fingerprints import code_digest
from translate.publishing.run import translate_editions
from translate.translation.models import routing, shipment
from translate.util import heavy

# The distributions whose versions can change a published byte.
PACKAGES = ("newsroom-translate", "ctranslate2", "sentencepiece", "weasyprint", "pydyf", "fonttools", "babel",
            "jinja2", "pymorphy3", "pymorphy3-dicts-ru", "markdown-it-py", "pysbd")


@lru_cache(maxsize=1)
def environment() -> tuple[tuple[str, str], ...]:
    """(what, version) of everything on this machine that can change an
    edition's bytes: the tool's code and data, the libraries, Python."""
    versions = [("code", code_digest()), ("python", platform.python_version())]
    for name in PACKAGES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    return tuple(versions)


def portable(err: BaseException) -> Exception:
    """``err`` if it survives pickling (to travel back to the command's
    machine), else a UserError or RuntimeError with its message."""
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:  # noqa: BLE001 - whatever cannot be pickled travels as its message
        if isinstance(err, UserError):
            return UserError(err.message, err.hint)
        return RuntimeError(f"{type(err).__name__}: {err}")


class ModelActor:
    """One model on one worker: received and checked once, loaded once, then
    asked to decode parts of a run's segments and to run each article's
    stages (Dari adaptation, glossary with this model's scorer).
    translate.publishing.cluster makes it a Ray actor (ray.remote at use)."""

    def __init__(self, options, env_vars: dict):
        os.environ.update(env_vars)   # CT2_* of the command's machine: the same kernels
        self.options = options
        self.folder = None
        self.problem = None
        self.translator = None
        self.restarted = heavy.ray().get_runtime_context().was_current_actor_reconstructed

    def _engine(self, sent: shipment.Shipment, choice):
        """``choice``'s engine on this worker's checked copy of the model (received
        on the first call, also after Ray restarted the actor), sharing the one
        loaded translator. The shipment comes with each call, not to the
        constructor: a restarted actor then needs nothing kept from before."""
        if self.folder is None and self.problem is None:
            try:
                self.folder = shipment.receive(sent, fetch=lambda refs: heavy.ray().get(refs[0]))
            except Exception as err:  # noqa: BLE001 - told with every reply, never a crash loop
                self.problem = portable(err)
        if self.problem is not None:
            raise self.problem
        installed = dataclasses.replace(choice.installed, path=self.folder)
        engine = routing.build_engine(dataclasses.replace(choice, path=self.folder, installed=installed),
                                      self.options)
        if self.translator is not None:
            engine._translator = self.translator
        self.translator = engine.translator()
        return engine

    def _reply(self, work):
        try:
            return environment(), socket.gethostname(), self.restarted, work(), None
        except Exception as err:  # noqa: BLE001 - the driver raises it where the local run would
            return environment(), socket.gethostname(), self.restarted, None, portable(err)

    def decode(self, sent, choice, texts: list[str], longest_input: int, batch_tokens: int = 0):
        """The engine's output for ``texts`` (a part of the run's missing
        segments cut by CT2Engine.decoded_alone: the batches the whole call
        would have made, with its batch size and its length bound)."""
        return self._reply(lambda: self._engine(sent, choice).translate(texts, longest_input=longest_input,
                                                                        batch_tokens=batch_tokens))

    def editions(self, sent, plan, setup, done: dict, items):
        """Each (Document, Approved) of ``items`` through its stages, as the
        local run's LocalSteps.editions: a Translated or the exception that
        cost that article's edition."""
        return self._reply(lambda: translate_editions(plan, setup, self._engine(sent, plan.choice), done, items,
                                                      keep=portable))

    def ready(self, sent, choice):
        """The model received, checked and loaded (the driver waits for every actor once)."""
        return self._reply(lambda: self._engine(sent, choice).model_dir.name)


@contextmanager
def _source_date_epoch(value: str | None):
    """The command's SOURCE_DATE_EPOCH, if it has one (it dates the PDFs' fonts)."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def render_task(page, formats, source_date_epoch: str | None):
    """A page's bytes and the check stage's findings in them, as the local
    render pool's worker makes them (translate.publishing.article_folder.render_checked),
    with this worker's environment."""
    with _source_date_epoch(source_date_epoch):
        return environment(), socket.gethostname(), render_checked(page, formats)
