"""The project as the desk sees it: its articles, each edition's status, the
machine translation of an edition, and saving an editor's approved sentence.

Everything goes through the same functions the command line uses: an
edition is translated by translate.translation.edition.translate_edition
(memory, engine, Afghan Dari adaptation, glossary, script check), a sentence
is approved by translate.translation.postedit.exchange.approve (what `translate
import` stores for each approved unit), publishing is publish_many.

Threads. The web server answers on its event loop and hands every piece of
work on the project to one of two threads (translate.desk.app): the desk's
(pages and saves) and the publisher's. SQLite connections belong to the
thread that opened them, so each thread opens its own Setup and memory here
(``setup()``, ``memory()``); the caches shared between them are guarded by a lock.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from translate.errors import UserError
from translate.project import user_folders
from translate.project.folder import Project
from translate.project.languages import TARGETS, Language
from translate.publishing import article_editions
from translate.publishing.article_folder import previous_editions
from translate.source.article import SourceFile, open_article
from translate.translation import edition as edition_stage
from translate.translation.edition import Setup
from translate.translation.engines.ct2 import CT2Engine
from translate.translation.memory import TranslationMemory, best_suggestion, model_fingerprint, translator_name
from translate.translation.models import routing
from translate.translation.postedit import exchange
from translate.translation.postedit.human import Approved
from translate.translation.postedit.units import PlaceholderError, apply_notation, notation_of

# What the memory records as the "file" an approved translation came from.
DESK_FILE = "desk"

# Machine translations of editions kept in memory (a 500-sentence edition is
# a few megabytes): re-opening one shows it at once.
MACHINE_CACHE = 32
# Other results kept (an edition's sentences as shown, an article's sources).
MEMO_ENTRIES = 64


class NotFound(UserError):
    """No such article, edition or sentence (the desk answers 404)."""


@dataclass(frozen=True)
class DeskOptions:
    """What `translate desk` was started with."""

    project: Project
    output_dir: Path
    translation: dict                    # translate.cli.options.translation_options, for Setup.open
    translator: str = ""                 # --translator: who approves, unless the editor says
    languages: tuple[Language, ...] = tuple(TARGETS.values())
    sign_key: object = None              # --sign: the publisher's secret key, decrypted at start
    site_url: str | None = None


@dataclass
class EditionRow:
    """One edition of one article on the desk's first page."""

    lang: Language
    status: str          # machine, partly reviewed, reviewed, stale, failed checks, missing model
    label: str           # the status in words, with counts
    reviewed: int = 0    # sentences with an approved human translation
    total: int = 0
    stale: int = 0       # sentences whose English changed since their translation was approved
    problem: str = ""    # why it is missing or failed
    fix: str = ""
    files: list = field(default_factory=list)   # (kind, href) of the published files
    published: str = ""  # what the published edition says of itself


@dataclass
class ArticleRow:
    slug: str
    title: str
    source: str          # the file's name in source/
    editions: list[EditionRow] = field(default_factory=list)
    error: str = ""      # the article cannot be read


class Workspace:
    def __init__(self, options: DeskOptions, warn=print):
        self.options = options
        self.warn = warn
        self._local = threading.local()
        self._lock = threading.Lock()
        self._sources: dict[Path, tuple] = {}
        self._machine: OrderedDict = OrderedDict()
        self._memo: OrderedDict = OrderedDict()
        self.problems: dict[tuple[str, str], str] = {}   # (slug, key) -> the last failed check

    # --- per thread ---------------------------------------------------------------------

    def setup(self) -> Setup:
        """This thread's Setup (its own memory connection)."""
        local = self._local
        if getattr(local, "setup", None) is None:
            local.setup = Setup.open(**self.options.translation, warn=self.warn)
            local.engines = {}
        return local.setup

    def memory(self) -> TranslationMemory:
        """This thread's memory for approved translations: the run's memory,
        or under --no-cache the memory file all the same (people's work is
        not a cache)."""
        local = self._local
        if getattr(local, "memory", None) is None:
            setup = self.setup()
            local.memory = setup.memory or TranslationMemory(self.options.translation.get("cache_path"))
        return local.memory

    def engine(self, plan):
        """This thread's engine for ``plan``: a model is loaded once for the
        desk's life, and once for every language it serves."""
        setup, engines = self.setup(), self._local.engines
        key = (str(plan.choice.path), plan.lang.key)
        if key not in engines:
            engine = routing.build_engine(plan.choice, setup.options)
            loaded = next((getattr(e, "_translator", None) for (path, _), e in engines.items()
                           if path == key[0] and getattr(e, "_translator", None) is not None), None)
            if isinstance(engine, CT2Engine) and loaded is not None:
                engine._translator = loaded   # as translate.publishing.run.Models does: one model in memory
            engines[key] = engine
        return engines[key]

    # --- articles -------------------------------------------------------------------------

    def sources(self) -> list[Path]:
        folder = self.options.project.source_dir
        return sorted(folder.glob("*.md")) if folder.is_dir() else []

    def article(self, path: Path) -> SourceFile:
        """The article at ``path``, read again only when the file changed."""
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        with self._lock:
            known = self._sources.get(path)
        if known is not None and known[0] == key:
            return known[1]
        article = open_article(path)
        with self._lock:
            self._sources[path] = (key, article)
        return article

    def find(self, slug: str) -> SourceFile:
        for path in self.sources():
            try:
                article = self.article(path)
            except (UserError, OSError):
                continue
            if article.doc.slug == slug:
                return article
        raise NotFound(f"no article {slug!r} in {self.options.project.source_dir}")

    def plans(self) -> dict:
        """Per language key, its Plan or the UserError that says why there is none;
        made again when a file or folder it is made from changes (a model
        installed or removed, a glossary saved, translate.toml edited)."""
        return self.memo(("plans", self._plan_inputs()),
                         lambda: article_editions.plan_languages(self.options.languages, self.setup()))

    def _plan_inputs(self) -> tuple:
        setup, translation = self.setup(), self.options.translation
        locales = translation.get("locales_dir") or self.options.project.locales_dir
        paths = [translation.get("config_path") or self.options.project.root / "translate.toml",
                 user_folders.argos_packages_dir(setup.models_dir),
                 user_folders.multilingual_models_dir(setup.multilingual_dir)]
        paths += [Path(locales) / lang.key / name for lang in self.options.languages
                  for name in ("glossary.csv", "adaptation.csv")]
        return tuple(_stamp(path) for path in paths)

    def language(self, key: str) -> Language:
        lang = next((lang for lang in self.options.languages if lang.key == key), None)
        if lang is None:
            raise NotFound(f"no edition {key!r}: the desk has {', '.join(l.key for l in self.options.languages)}")
        return lang

    def overview(self) -> list[ArticleRow]:
        """Every article of source/ with each edition's status."""
        plans = self.plans()
        rows = []
        for path in self.sources():
            try:
                article = self.article(path)
            except (UserError, OSError) as err:
                message = err.one_line() if isinstance(err, UserError) else str(err)
                rows.append(ArticleRow(path.stem, path.stem, path.name, error=message))
                continue
            doc = article.doc
            row = ArticleRow(doc.slug, doc.title.text.replace("\n", " "), path.name)
            published = previous_editions(self.options.output_dir / doc.slug)
            sources = self.sources_of(article)
            for lang in self.options.languages:
                row.editions.append(self.edition_row(doc.slug, lang, plans[lang.key], sources,
                                                     published.get(lang.key)))
            rows.append(row)
        return rows

    def edition_row(self, slug: str, lang: Language, plan, sources: list[str], published: dict | None,
                    approved: dict | None = None, stale: dict | None = None) -> EditionRow:
        """An edition's status: from the plan (a missing model), the last
        failed check seen, and the approved translations in the memory
        (``approved``, ``stale``: as looked up already, else looked up here)."""
        if approved is None:
            approved = self.memory().human_for(lang.key, sources)
        reviewed = sum(1 for s in sources if s in approved)
        if stale is None:
            stale = self.stale(lang.key, slug, sources, approved)
        stale = len(stale)
        total = len(sources)
        row = EditionRow(lang, "", "", reviewed, total, stale, files=self.published_files(slug, lang))
        row.published = _published_words(published)
        problem = self.problems.get((slug, lang.key))
        if isinstance(plan, UserError):
            row.status, row.label = "missing model", "missing model"
            row.problem, row.fix = getattr(plan, "reason", None) or str(plan), plan.hint
        elif problem:
            row.status, row.label, row.problem = "failed checks", "failed checks", problem
        elif stale:
            row.status = "stale"
            row.label = f"stale: the English of {stale} sentence{'s' if stale > 1 else ''} changed since approval"
        else:
            row.status, row.label = review_state(reviewed, total)
        return row

    def stale(self, lang: str, slug: str, sources: list[str], approved: dict) -> dict:
        """Sentence index -> the approved translation of its earlier English,
        for each sentence without an approved translation of its own whose
        English was edited after one was approved (as `translate export`
        offers it: translate.translation.memory.best_suggestion)."""
        current = set(sources)
        earlier = [h for h in self.memory().article_human(lang, slug) if h.source not in current]
        if not earlier:
            return {}
        found = {}
        for index, source in enumerate(sources):
            if source not in approved:
                old = best_suggestion(earlier, source, current)
                if old is not None:
                    found[index] = old
        return found

    def published_files(self, slug: str, lang: Language) -> list[tuple[str, str]]:
        folder = self.options.output_dir / slug / lang.key
        files = []
        for kind in ("html", "pdf", "md"):
            name = f"{slug}.{lang.key}.{kind}"
            if (folder / name).is_file():
                files.append((kind.upper(), f"/output/{quote(slug)}/{lang.key}/{quote(name)}"))
        return files

    def memo(self, key, make):
        """``make()``, kept under ``key`` (which names everything it is made
        from) among the last MEMO_ENTRIES results."""
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = make()
        with self._lock:
            self._memo[key] = value
            while len(self._memo) > MEMO_ENTRIES:
                self._memo.popitem(last=False)
        return value

    def sources_of(self, article: SourceFile) -> list[str]:
        """The article's sentences in the placeholder notation: what the memory keys approvals by."""
        return self.memo(("sources", article.sha256), lambda: [notation_of(s) for s in article.doc.segments()])

    # --- an edition's machine translation -------------------------------------------------------

    def machine_key(self, article: SourceFile, plan) -> str:
        """Names everything an edition's machine translation is made from."""
        choice = plan.choice
        material = (article.sha256, plan.lang.key, choice.engine, choice.model, choice.version, str(choice.path),
                    model_fingerprint(choice.installed.model_info()) if getattr(choice, "installed", None) else "",
                    tuple((stage.name, stage.checksum) for stage in plan.stages),
                    tuple(sorted(self.setup().options.signature().items())))
        return hashlib.sha256(repr(material).encode()).hexdigest()[:24]

    def machine(self, article: SourceFile, plan):
        """The edition as the engine and the stages make it, without any
        approved human text (translate.translation.edition.Translated), kept
        for as long as nothing it is made from changes."""
        setup = self.setup()
        key = self.machine_key(article, plan)
        with self._lock:
            if key in self._machine:
                self._machine.move_to_end(key)
                return self._machine[key]
        try:
            done = edition_stage.translate_edition(article.doc, plan, setup, engine=self.engine(plan),
                                                   human=Approved(plan.lang.key))
        except UserError as err:
            self.problems[(article.doc.slug, plan.lang.key)] = err.one_line()
            raise
        self.problems.pop((article.doc.slug, plan.lang.key), None)
        with self._lock:
            self._machine[key] = done
            while len(self._machine) > MACHINE_CACHE:
                self._machine.popitem(last=False)
        return done

    # --- saving an approved sentence ----------------------------------------------------------

    def save(self, slug: str, key: str, number: int, text: str, version: str, english: str,
             translator: str) -> "Saved":
        """Store ``text`` as the approved translation of sentence ``number``
        (1-based) of the edition, if its stored translation is still the one
        of ``version`` and its English still the one of ``english``
        (english_digest). Returns what happened; never loses ``text``."""
        article = self.find(slug)
        lang = self.language(key)
        segments = article.doc.segments()
        if not 1 <= number <= len(segments):
            raise NotFound(f"{slug} has no sentence {number}")
        segment = segments[number - 1]
        if english and english != english_digest(notation_of(segment)):
            return Saved("refused", text, message=f"the English of sentence {number} changed since the page "
                         "was opened: your text is below; load the page again and apply it to the new sentence")
        translator = translator_name(translator)   # as stored: no controls or bidi characters
        if not translator:
            return Saved("refused", text, message="say who approves: enter your name at the top of the page")
        if not text.strip():
            return Saved("refused", text, message="the translation is empty: write it, or leave the sentence "
                         "to the machine")
        try:
            human, warnings = exchange.approve(segment, " ".join(text.split()), lang.key, translator,
                                               exchange.approval_time(), article.doc.slug, DESK_FILE)
        except PlaceholderError as err:
            return Saved("refused", text, message=f"{err.message}: keep the placeholders of the English as they "
                         "are: {1}…{/1}, {2/}")
        theirs = self.memory().put_human_if(human, version)
        if theirs is not None:
            return Saved("conflict", text, theirs=theirs, theirs_text=_plain(segment, theirs.target))
        return Saved("saved", text, warnings=warnings, human=human)


@dataclass
class Saved:
    outcome: str                 # "saved", "conflict", "refused"
    text: str                    # what the editor sent, kept whatever happened
    message: str = ""
    warnings: list = field(default_factory=list)
    human: object = None         # the stored HumanTranslation
    theirs: object = None        # conflict: what someone else saved meanwhile
    theirs_text: str = ""


def _stamp(path: Path) -> tuple:
    try:
        stat = Path(path).stat()
    except OSError:
        return (str(path),)
    return (str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino)


def english_digest(notation: str) -> str:
    """Which English a page showed for a sentence: a save for other English is refused."""
    return hashlib.sha256(notation.encode("utf-8")).hexdigest()[:16]


def review_state(reviewed: int, total: int) -> tuple[str, str]:
    """(status, label) from the count of approved sentences."""
    if total and reviewed >= total:
        return "reviewed", "reviewed"
    if reviewed:
        return "partly reviewed", f"partly reviewed ({reviewed} of {total})"
    return "machine", "machine"


def _published_words(entry: dict | None) -> str:
    if not entry:
        return "not published"
    review = entry.get("review") or {}
    _, label = review_state(review.get("human", 0), review.get("segments", 0))
    return f"published {str(entry.get('published', ''))[:10]}: {label}"


def _plain(segment, notation: str) -> str:
    """A translation in the notation as a reader sees it (placeholders put back as text)."""
    try:
        return apply_notation(segment, notation).segment.text
    except PlaceholderError:
        return notation
