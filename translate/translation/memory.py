"""Translation memory: a persistent cache of raw engine output per segment,
and the translations people approved.

An SQLite file (WAL journal, one transaction per batch, so concurrent runs and
a killed run leave it consistent). The key is everything that changes what an
engine returns for a segment: engine, model name, version and a fingerprint of
its weights, decoding options, target language and the exact source text.

What is cached is the *raw* engine output. The glossary and the Dari
adaptation are applied after the engine on every run (they are cheap and
never change the engine's input), so editing a glossary term re-translates
nothing at all: the review and the published text pick up the change at once.

A second table holds approved human translations (translate import, TMX
import): who approved which target for which English source, when, from
which file. It is keyed by language and the exact source text (in the
placeholder notation of translate.translation.postedit.units), so it applies to exactly
that sentence; when the English changes, the old translation no longer
matches and is only offered back to the translator as a fuzzy suggestion
(``suggestion``). ``clear`` empties the machine cache only: people's work is
not a cache.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import shutil
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from urllib.parse import quote

from translate.errors import UserError
from translate.project import user_folders
from translate.translation.engines.base import Alignment, Engine, ModelInfo, Progress, Translation
from translate.util.untrusted import display

SCHEMA_VERSION = 1

# Seconds to wait for another run's write to finish before the memory counts
# as locked (a publish writes one short transaction per edition).
BUSY_TIMEOUT = 30


class TranslationMemoryError(UserError, RuntimeError):
    """The memory file cannot be used; the message says what to do."""


class DamagedMemory(TranslationMemoryError):
    """The file is not an SQLite database or its pages are corrupt: only
    `translate cache clear` (which resets it) or --no-cache help."""


class ReadOnlyMemory(TranslationMemoryError):
    """The memory cannot be written (a read-only mount, a file or folder
    without write permission): it is still read, and it is kept as it is."""

    def __init__(self, path: Path, cause: BaseException):
        super().__init__(f"cannot write to the translation memory {path} ({cause})",
                         "the memory is kept as it is: make the file and its folder writable, "
                         "or run with --no-cache")
        self.cause = cause


# --- the guarded access layer ----------------------------------------------------
#
# Every use of the SQLite file goes through ``_guard``: an sqlite3 or OS error
# becomes a TranslationMemoryError whose advice fits the cause. Only a damaged
# file is ever to be reset; a read-only, locked or full-disk memory is a good
# memory that must be kept, and a run goes on without it (see ``open_for_run``).

# SQLite's primary result codes (sqlite3.Error.sqlite_errorcode & 0xff)
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 3, 5, 6, 8, 10, 11, 13, 14, 26


def _explain(path: Path, err: BaseException) -> TranslationMemoryError:
    code = (getattr(err, "sqlite_errorcode", None) or 0) & 0xFF
    errno_ = getattr(err, "errno", None)
    if code in (_CORRUPT, _NOTADB) or "malformed" in str(err) or "not a database" in str(err):
        return DamagedMemory(f"the translation memory {path} is damaged ({err})",
                             f"translate cache clear --cache {path} resets it (the damaged file is kept beside it "
                             "as .damaged), or run with --no-cache")
    if code in (_READONLY, _PERM) or errno_ in (1, 13, 30) or (code in (_CANTOPEN, _IOERR) and not _writable(path)):
        return ReadOnlyMemory(path, err)
    if code in (_BUSY, _LOCKED):
        return TranslationMemoryError(f"the translation memory {path} is locked by another program ({err})",
                                      "wait for it to finish, or run with --no-cache; the memory is kept")
    if code == _FULL or errno_ == 28 or (code == _IOERR and _nearly_full(path)):
        return TranslationMemoryError(f"the disk holding the translation memory {path} is full ({err})",
                                      "free some space, or run with --no-cache; the memory is kept")
    return TranslationMemoryError(f"cannot use the translation memory {path} ({err})",
                                  "check the file and its folder, or run with --no-cache; the memory is kept")


def _writable(path: Path) -> bool:
    """False when the memory or its folder cannot be written (SQLite then
    reports only "unable to open database file": its -wal/-shm files cannot be made)."""
    return all(os.access(p, os.W_OK) for p in (path, path.parent) if p.exists())


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """The memory opened for reading only. SQLite reads a WAL database
    read-only when it can find or make its -shm file; on a read-only mount
    with none, only as "immutable" (no locks: nothing can write there anyway)."""
    uri = f"file:{quote(str(path.absolute()))}"
    try:
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.Error:
        db = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return db


def _nearly_full(path: Path) -> bool:
    """True when the memory's disk has almost no room left (SQLite reports a
    full disk while making its -shm file as "disk I/O error")."""

    try:
        return shutil.disk_usage(path.parent).free < (1 << 20)
    except OSError:
        return False


@contextmanager
def _guard(path: Path):
    """Run one access to the memory; any failure becomes a TranslationMemoryError."""
    try:
        yield
    except (sqlite3.Error, OSError) as err:
        raise _explain(path, err) from None


def _translation(text, alignment) -> Translation | None:
    """A stored row as a Translation, or None when it is not well formed (a
    row written by hand or by another version): it is then a miss, not a crash."""
    try:
        pairs = json.loads(alignment)
        if not isinstance(text, str) or not isinstance(pairs, list):
            return None
        items = tuple(Alignment(*pair) for pair in pairs)
    except (TypeError, ValueError):
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v for a in items
               for v in (a.src_start, a.src_end, a.tgt_start, a.tgt_end)):
        return None
    if not all(a.src_start <= a.src_end and a.tgt_start <= a.tgt_end <= len(text) for a in items):
        return None
    return Translation(text, items)


def fits(translation: Translation, source: str) -> bool:
    """True when every alignment of a stored translation lies inside its source text."""
    return all(a.src_end <= len(source) for a in translation.alignment)

@dataclass(frozen=True)
class HumanTranslation:
    """An approved human translation of one English source sentence."""

    lang: str           # project key
    source: str         # the English, exactly (placeholder notation)
    target: str         # the approved translation (placeholder notation)
    translator: str     # who approved it
    approved: str       # when, ISO 8601 UTC
    slug: str = ""      # the article it was made for ("" when imported from a TMX)
    file: str = ""      # the file it came from (its name)

    @property
    def version(self) -> str:
        """Changes with every save of this sentence's translation: what an
        editor's save says it edited (``put_human_if``)."""
        material = json.dumps([self.target, self.translator, self.approved, self.file], ensure_ascii=False)
        return hashlib.sha256(material.encode()).hexdigest()[:16]


def translator_name(raw: str) -> str:
    """A translator's name as it is stored, shown and published: one line,
    without control, escape or bidi characters (a PO Last-Translator or a TMX
    creationid comes from anyone's tool)."""
    return display(" ".join(str(raw).split()), 200)


def file_name(raw: str) -> str:
    """The name of the file a translation came from, never its folder (a
    TMX export would carry the importer's local path)."""
    return display(PurePath(str(raw).replace("\\", "/")).name, 200)


# Below this similarity of the English (difflib ratio) an old translation is
# no useful starting point for the new sentence.
MIN_SUGGESTION_RATIO = 0.5


def best_suggestion(candidates: list[HumanTranslation], source: str, exclude: set[str]) -> HumanTranslation | None:
    """Of ``candidates``, the translation of the English most similar to
    ``source`` (at least MIN_SUGGESTION_RATIO), leaving out those whose English
    is in ``exclude`` (the article's current sentences)."""
    best, best_ratio = None, MIN_SUGGESTION_RATIO
    for human in candidates:
        if human.source in exclude:
            continue
        ratio = difflib.SequenceMatcher(None, human.source, source, autojunk=False).ratio()
        if ratio >= best_ratio:
            best, best_ratio = human, ratio
    return best


def model_fingerprint(info: ModelInfo) -> str:
    """Size and modification time of the weights: a reinstalled or replaced
    model of the same name and version does not reuse old translations."""
    if not info.path:
        return ""
    for candidate in (Path(info.path) / "model" / "model.bin", Path(info.path) / "model.bin"):
        try:
            st = candidate.stat()
        except OSError:
            continue
        return f"{st.st_size}-{st.st_mtime_ns}"
    return ""


def segment_key(info: ModelInfo, lang: str, text: str) -> str:
    extra = {k: v for k, v in info.extra.items() if k != "fingerprint"}
    material = [SCHEMA_VERSION, info.engine, info.name, info.version, model_fingerprint(info),
                extra, lang, text]
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def open_for_run(path: Path | None, warn) -> "TranslationMemory | None":
    """The memory for a publish or a review, or None (with ``warn(message)``)
    when it cannot be used: the run then goes on as with --no-cache, and the
    file is left as it is. A memory that can be read but not written is
    used for reading (its cached segments and, above all, the approved human
    translations: a reviewed edition stays reviewed), with a warning."""
    try:
        memory = TranslationMemory(path)
    except TranslationMemoryError as err:
        warn(f"{err.one_line()}; going on without it (as with --no-cache)")
        return None
    if memory.read_only is not None:
        warn(f"the translation memory {memory.path} is read-only ({memory.read_only.cause}): its translations "
             "and approved human translations are used, nothing new is stored: make the file and its folder "
             "writable to store them")
    return memory


class TranslationMemory:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else user_folders.memory_file()
        # why the memory cannot be written (ReadOnlyMemory), None when it can:
        # then it is read, and every write raises that error or is skipped
        self.read_only: ReadOnlyMemory | None = None
        with _guard(self.path):
            if self.path.exists() and not self.path.is_file():
                raise TranslationMemoryError(f"the translation memory {self.path} is not a file",
                                             "give a file with --cache, or run with --no-cache")
        try:
            with _guard(self.path):
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # autocommit mode; transactions are explicit below
                self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
                self._setup()
            if not _writable(self.path):   # SQLite opened it read-only without a word
                self.read_only = ReadOnlyMemory(self.path, "the file cannot be written")
        except ReadOnlyMemory as err:
            if not self.path.is_file():
                raise
            try:
                self.db = _connect_read_only(self.path)
            except sqlite3.Error:
                raise err from None
            self.read_only = err

    def _writable_now(self) -> None:
        if self.read_only is not None:
            raise self.read_only

    def _setup(self) -> None:
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS segments ("
                " key TEXT PRIMARY KEY, text TEXT NOT NULL, alignment TEXT NOT NULL,"
                " lang TEXT NOT NULL, model TEXT NOT NULL, created REAL NOT NULL)"
            )
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS human ("
                " lang TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,"
                " translator TEXT NOT NULL, approved TEXT NOT NULL, slug TEXT NOT NULL,"
                " file TEXT NOT NULL, PRIMARY KEY (lang, source))"
            )
            # what a source file (name and bytes) gave when read: translate.publishing.unchanged
            self.db.execute("CREATE TABLE IF NOT EXISTS sources (key TEXT PRIMARY KEY, note TEXT NOT NULL)")
        except BaseException:
            self.db.close()
            raise

    def get_many(self, keys: list[str]) -> dict[str, Translation]:
        """Stored translations of ``keys``; rows that are not well formed are left out (misses)."""
        found: dict[str, Translation] = {}
        unique = list(dict.fromkeys(keys))
        with _guard(self.path):
            for start in range(0, len(unique), 500):  # SQLite's bound-parameter limit
                chunk = unique[start:start + 500]
                rows = self.db.execute(
                    f"SELECT key, text, alignment FROM segments WHERE key IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                for key, text, alignment in rows:
                    translation = _translation(text, alignment)
                    if translation is not None:
                        found[key] = translation
        return found

    def put_many(self, items: list[tuple[str, str, str, Translation]]) -> None:
        """items: (key, lang, model name, translation); one transaction."""
        now = time.time()
        rows = [(key, tr.text, json.dumps([[a.src_start, a.src_end, a.tgt_start, a.tgt_end] for a in tr.alignment]),
                 lang, model, now) for key, lang, model, tr in items]
        self._writable_now()
        with _guard(self.path), self.db:  # BEGIN ... COMMIT, or ROLLBACK on error
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO segments VALUES (?, ?, ?, ?, ?, ?)", rows)

    def stats(self) -> dict:
        with _guard(self.path):
            count, = self.db.execute("SELECT COUNT(*) FROM segments").fetchone()
            per_lang = dict(self.db.execute("SELECT lang, COUNT(*) FROM segments GROUP BY lang").fetchall())
            human, = self.db.execute("SELECT COUNT(*) FROM human").fetchone()
            # COUNT(*) may not touch a page that is damaged: check them all
            problem = self.db.execute("PRAGMA quick_check(1)").fetchone()[0]
        if problem != "ok":
            raise _explain(self.path, sqlite3.DatabaseError(f"database disk image is malformed: {problem}"))
        return {"path": str(self.path), "segments": count, "languages": per_lang, "human": human}

    def clear(self) -> int:
        self._writable_now()
        with _guard(self.path):
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                count, = self.db.execute("SELECT COUNT(*) FROM segments").fetchone()
                self.db.execute("DELETE FROM segments")
            self.db.execute("VACUUM")
        return count

    # --- notes on sources (translate.publishing.unchanged) -----------------------------

    def source_note(self, key: str) -> str | None:
        with _guard(self.path):
            row = self.db.execute("SELECT note FROM sources WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put_source_note(self, key: str, note: str) -> None:
        self._writable_now()
        with _guard(self.path), self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT OR REPLACE INTO sources VALUES (?, ?)", (key, note))

    # --- approved human translations ---------------------------------------

    def put_human(self, items: list[HumanTranslation]) -> None:
        """Store approved translations in one transaction: all or none."""
        rows = [(h.lang, h.source, h.target, h.translator, h.approved, h.slug, h.file) for h in items]
        self._writable_now()
        with _guard(self.path), self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO human VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def put_human_if(self, item: HumanTranslation, version: str) -> HumanTranslation | None:
        """Store ``item`` if the translation stored for its sentence is still
        the one of ``version`` (HumanTranslation.version; "" for none), in one
        transaction. Returns None when stored, else the stored translation
        that someone saved meanwhile: ``item`` is then not stored."""
        row = (item.lang, item.source, item.target, item.translator, item.approved, item.slug, item.file)
        with _guard(self.path), self.db:
            self.db.execute("BEGIN IMMEDIATE")
            found = self.db.execute("SELECT * FROM human WHERE lang = ? AND source = ?",
                                    (item.lang, item.source)).fetchone()
            current = HumanTranslation(*found) if found else None
            if (current.version if current else "") != version:
                return current
            self.db.execute("INSERT OR REPLACE INTO human VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        return None

    def human_for(self, lang: str, sources: list[str]) -> dict[str, HumanTranslation]:
        """The approved translation of each exact source that has one."""
        found: dict[str, HumanTranslation] = {}
        unique = list(dict.fromkeys(sources))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            with _guard(self.path):
                rows = self.db.execute(
                    f"SELECT * FROM human WHERE lang = ? AND source IN ({','.join('?' * len(chunk))})",
                    [lang, *chunk]).fetchall()
            for row in rows:
                found[row[1]] = HumanTranslation(*row)
        return found

    def all_human(self, lang: str | None = None) -> list[HumanTranslation]:
        query = "SELECT * FROM human" + (" WHERE lang = ?" if lang else "") + " ORDER BY lang, slug, source"
        with _guard(self.path):
            return [HumanTranslation(*row) for row in self.db.execute(query, [lang] if lang else [])]

    def suggestion(self, lang: str, slug: str, source: str, exclude: set[str]) -> HumanTranslation | None:
        """The approved translation of the most similar English sentence of the
        same article that is no longer in it (``exclude``: its current
        sources): the old translation of a sentence that was edited."""
        return best_suggestion(self.article_human(lang, slug), source, exclude)

    def article_human(self, lang: str, slug: str) -> list[HumanTranslation]:
        """Every approved translation made for the article ``slug``."""
        with _guard(self.path):
            rows = self.db.execute("SELECT * FROM human WHERE lang = ? AND slug = ?", (lang, slug)).fetchall()
        return [HumanTranslation(*row) for row in rows]

    def close(self) -> None:
        self.db.close()


def reset_damaged(path: Path) -> Path:
    """Put a fresh, empty memory in place of a DAMAGED one (DamagedMemory);
    the damaged file is kept as PATH.damaged. Never call it for any other
    error: a read-only or locked memory is a good one."""
    path = Path(path)
    kept = path.with_name(path.name + ".damaged")
    with _guard(path):
        os.replace(path, kept)
        for suffix in ("-wal", "-shm"):   # the journal belongs to the damaged file
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                os.replace(extra, kept.with_name(kept.name + suffix))
    TranslationMemory(path).close()
    return kept


class CachedEngine:
    """An engine that answers from the memory and sends only the misses, in
    one batch, to the real engine (whose model is then loaded only if needed)."""

    def __init__(self, engine: Engine, memory: TranslationMemory, lang: str):
        self.engine = engine
        self.memory = memory
        self.lang = lang
        self.info = engine.info
        self.hits = 0
        self.misses = 0
        self.warning = ""

    def translate(self, texts: list[str], progress: Progress | None = None) -> list[Translation]:
        keys = [segment_key(self.info, self.lang, text) for text in texts]
        try:
            known = self.memory.get_many(keys)
        except TranslationMemoryError as err:
            # A damaged or unreadable memory costs the cached translations, not the run.
            known, self.warning = {}, f"translation memory not read: {err.one_line()}"
        source_of = dict(zip(keys, texts))
        known = {key: tr for key, tr in known.items() if fits(tr, source_of[key])}
        todo = [i for i, key in enumerate(keys) if key not in known]
        self.hits, self.misses = len(texts) - len(todo), len(todo)
        if progress and self.hits:
            progress(self.hits)
        fresh: list[Translation] = []
        if todo:
            fresh = self.engine.translate([texts[i] for i in todo], progress=progress)
        if todo and self.memory.read_only is None:   # a read-only memory: said once, when it was opened
            try:
                self.memory.put_many([(keys[i], self.lang, self.info.name, tr) for i, tr in zip(todo, fresh)])
            except TranslationMemoryError as err:
                # A full disk or a locked file must not cost the translations just made.
                self.warning = self.warning or f"translation memory not updated: {err.one_line()}"
        by_index = dict(zip(todo, fresh))
        return [by_index[i] if i in by_index else known[keys[i]] for i in range(len(texts))]
