"""Translation memory: a persistent cache of raw engine output per segment.

An SQLite file (WAL journal, one transaction per batch, so concurrent runs and
a killed run leave it consistent). The key is everything that changes what an
engine returns for a segment: engine, model name, version and a fingerprint of
its weights, decoding options, target language and the exact source text.

What is cached is the *raw* engine output. The glossary and the Dari
adaptation are applied after the engine on every run (they are cheap and
never change the engine's input), so editing a glossary term re-translates
nothing at all: the review and the published text pick up the change at once.
"""

from __future__ import annotations

from translate.errors import UserError

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path

from translate.engines.base import Alignment, Engine, ModelInfo, Progress, Translation

SCHEMA_VERSION = 1


class TranslationMemoryError(UserError, RuntimeError):
    """The memory file cannot be used; the message says what to do."""


def default_path() -> Path:
    """$TRANSLATE_MEMORY, else memory.sqlite3 in the platform's user cache
    folder (platformdirs: $XDG_CACHE_HOME/newsroom-translate on Linux)."""
    explicit = os.environ.get("TRANSLATE_MEMORY")
    if explicit:
        return Path(explicit)
    from platformdirs import user_cache_path

    return user_cache_path("newsroom-translate", appauthor=False) / "memory.sqlite3"


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


class TranslationMemory:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # autocommit mode; transactions are explicit below
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS segments ("
                " key TEXT PRIMARY KEY, text TEXT NOT NULL, alignment TEXT NOT NULL,"
                " lang TEXT NOT NULL, model TEXT NOT NULL, created REAL NOT NULL)"
            )
        except (sqlite3.Error, OSError) as err:
            raise TranslationMemoryError(
                f"cannot open the translation memory {self.path}: {err}; remove the file "
                "(translate cache clear) or run with --no-cache"
            ) from None

    def get_many(self, keys: list[str]) -> dict[str, Translation]:
        found: dict[str, Translation] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):  # SQLite's bound-parameter limit
            chunk = unique[start:start + 500]
            rows = self.db.execute(
                f"SELECT key, text, alignment FROM segments WHERE key IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            for key, text, alignment in rows:
                found[key] = Translation(text, tuple(Alignment(*a) for a in json.loads(alignment)))
        return found

    def put_many(self, items: list[tuple[str, str, str, Translation]]) -> None:
        """items: (key, lang, model name, translation); one transaction."""
        now = time.time()
        rows = [(key, tr.text, json.dumps([[a.src_start, a.src_end, a.tgt_start, a.tgt_end] for a in tr.alignment]),
                 lang, model, now) for key, lang, model, tr in items]
        with self.db:  # BEGIN ... COMMIT, or ROLLBACK on error
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO segments VALUES (?, ?, ?, ?, ?, ?)", rows)

    def stats(self) -> dict:
        count, = self.db.execute("SELECT COUNT(*) FROM segments").fetchone()
        per_lang = dict(self.db.execute("SELECT lang, COUNT(*) FROM segments GROUP BY lang").fetchall())
        return {"path": str(self.path), "segments": count, "languages": per_lang}

    def clear(self) -> int:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            count, = self.db.execute("SELECT COUNT(*) FROM segments").fetchone()
            self.db.execute("DELETE FROM segments")
        self.db.execute("VACUUM")
        return count

    def close(self) -> None:
        self.db.close()


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
        known = self.memory.get_many(keys)
        todo = [i for i, key in enumerate(keys) if key not in known]
        self.hits, self.misses = len(texts) - len(todo), len(todo)
        if progress and self.hits:
            progress(self.hits)
        fresh: list[Translation] = []
        if todo:
            fresh = self.engine.translate([texts[i] for i in todo], progress=progress)
            try:
                self.memory.put_many([(keys[i], self.lang, self.info.name, tr) for i, tr in zip(todo, fresh)])
            except sqlite3.Error as err:
                # A full disk or a locked file must not cost the translations just made.
                self.warning = f"translation memory not updated: {err}"
        by_index = dict(zip(todo, fresh))
        return [by_index[i] if i in by_index else known[keys[i]] for i in range(len(texts))]
