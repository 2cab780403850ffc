"""Recognising an article that nothing changed since the last run without
reading its Markdown, so that an unchanged re-publish costs the source's
checksum and the checks publish makes anyway, not the Markdown reader, the
images or the translation path.

After a run publishes an article whose source has no images and gave no
warnings, ``remember`` notes in the translation memory what the file of that
name with those bytes gave: its slug, its title and its sentences in the
notation approved human translations are looked up by (all follow from the
name and the bytes alone). The next run hashes the source, finds the note
and, under the article's lock, checks what translate.publishing.article_editions would
decide: every requested edition carried over (the same ``pre`` fingerprint,
approved human translations included, files intact, the same links), the
article's other files (index page, manifest, SHA256SUMS) as the manifest
lists them. Then that run would write nothing, and nothing is written. No
note, an edit, another model, glossary or human translation, a touched
file: the full path, as before. Without the memory (--no-cache) everything
is translated again anyway, as asked.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from translate.errors import UserError
from translate.project.languages import SOURCE
from translate.publishing import article_editions
from translate.publishing.article_folder import sha256_file, sha256sums
from translate.source.document import Document, Segment
from translate.translation.memory import TranslationMemoryError
from translate.translation.postedit.human import approved_for_sources
from translate.translation.postedit.units import notation_of

# translate.source.article.MAX_SOURCE_BYTES (a test checks): importing it would import
# the Markdown reader, the cost this module avoids. A noted source was
# published, so it is no larger; a larger file goes the full way.
MAX_SOURCE_BYTES = 1 << 20


@dataclass(frozen=True)
class _NotedSource:
    """A source known by its note: the parts of translate.source.article.SourceFile an Article reads."""

    path: Path
    doc: object
    sha256: str


def _key(name: str, sha256: str) -> str:
    return hashlib.sha256(f"{name}\0{sha256}".encode()).hexdigest()


def remember(memory, article_file, media=()) -> None:
    """Note what a source without images or warnings gave (call after its
    article was written). Best effort: it only saves time."""

    doc = article_file.doc
    if memory is None or doc.warnings or media:
        return
    note = json.dumps({"slug": doc.slug, "title": doc.title.text,
                       "sentences": [notation_of(s) for s in doc.segments()]}, ensure_ascii=False)
    try:
        memory.put_source_note(_key(article_file.path.name, article_file.sha256), note)
    except TranslationMemoryError:
        pass


def check(source: Path, languages, formats, output_dir: Path, setup, plans, site_url=None):
    """(slug, outcomes) of publishing ``source`` when that would change
    nothing (then nothing is done), else None: publish it the full way."""

    source = Path(source)
    try:
        if setup.memory is None or not source.is_file() or source.stat().st_size > MAX_SOURCE_BYTES:
            return None   # --no-cache translates everything again, as asked
        sha256 = hashlib.sha256(source.read_bytes()).hexdigest()
        note = json.loads(setup.memory.source_note(_key(source.name, sha256)) or "null")
        slug, title, sentences = str(note["slug"]), str(note["title"]), list(note["sentences"])
    except (OSError, ValueError, KeyError, TypeError, TranslationMemoryError):
        return None
    # Stands for the article: an Article reads only its slug and title when
    # every edition is carried over.
    doc = Document(title=Segment(title), blocks=(), slug=slug)
    try:
        article = article_editions.open_output(_NotedSource(source, doc, sha256), languages, formats, output_dir,
                                          site_url=site_url, publication=setup.config.publication)
    except UserError:
        return None   # the full path says what is wrong
    outcomes = {SOURCE.key: article_editions.EditionOutcome(SOURCE.key, SOURCE.native_name, model="original")}
    try:
        with article.lock(on_wait=article_editions.waiting(slug)):
            editions = [article.carry_over(SOURCE, article_editions.edition_pre(article, SOURCE))]
            for lang in languages:
                outcome = outcomes[lang.key] = article_editions.EditionOutcome(lang.key, lang.native_name)
                plan = plans[lang.key]
                if isinstance(plan, UserError):
                    outcome.problem, outcome.fix = getattr(plan, "reason", None) or str(plan), plan.hint
                    continue
                article_editions.note_model(outcome, plan, setup)
                approved = approved_for_sources(sentences, lang.key, setup.memory)
                if approved.warning:
                    return None
                pre = approved.seal(article_editions.edition_pre(article, lang, plan, setup.options))
                editions.append(article.carry_over(lang, pre))
                if editions[-1] is not None:
                    model = editions[-1].carried.get("model") or {}
                    outcome.model, outcome.licence = model.get("name", ""), model.get("licence", "")
            if None in editions or not _article_files_intact(article, sha256, editions):
                return None
    except OSError:
        return None
    article_editions.finish_outcomes(outcomes, editions)
    return slug, list(outcomes.values())


def _article_files_intact(article, sha256: str, editions) -> bool:
    """Links unchanged, and the index page, manifest and SHA256SUMS exactly
    as the last run left them."""

    linked = article.linked_keys(editions)
    if any(edition.carried["links"] != linked for edition in editions):
        return False
    try:
        manifest = json.loads((article.folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    if not isinstance(manifest, dict) or not isinstance(manifest.get("article"), dict):
        return False
    about = manifest["article"]
    if (about.get("source") != article.source.name or about.get("source_sha256") != sha256
            or about.get("slug") != article.doc.slug or manifest.get("media")):
        return False
    files = manifest.get("files")
    if not isinstance(files, dict) or ("html" in article.formats and "index.html" not in files):
        return False
    files = dict(files)
    for rel, digest in files.items():
        if not isinstance(rel, str) or ".." in Path(rel).parts or Path(rel).is_absolute():
            return False   # a manifest edited by hand: the full path rewrites it
        path = article.folder / rel
        if not path.is_file() or sha256_file(path) != digest:
            return False
    files["manifest.json"] = sha256_file(article.folder / "manifest.json")
    try:
        return (article.folder / "SHA256SUMS").read_text(encoding="utf-8") == sha256sums(files)
    except (OSError, UnicodeDecodeError):
        return False
