"""Recognising an article that nothing changed since the last run without
reading its Markdown, so that an unchanged re-publish costs the source's
checksum and the checks publish makes anyway, not the Markdown reader (and
its imports), the images or the glossaries.

After a run publishes an article whose source has no images and gave no
warnings, ``remember`` notes in output/.work/sources/ which slug and title
the file of that name with those bytes gave (both follow from the name and
the bytes alone). The next run hashes the source, finds the note and, under
the article's lock, checks what publish_article would decide: every
requested edition carried over (same inputs fingerprint, files intact, same
links), the article's other files (index page, manifest, SHA256SUMS) as the
manifest lists them. Then that run would write nothing, and nothing is
written. No note, an edit, another model or glossary, a touched file: the
full path, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from translate.project import WORK_DIR

NOTES = "sources"
# translate.source.MAX_SOURCE_BYTES (a test checks): importing it would import
# the Markdown reader, the cost this module avoids. A noted source was
# published, so it is no larger; a larger file goes the full way.
MAX_SOURCE_BYTES = 1 << 20


@dataclass(frozen=True)
class _NotedSource:
    """A source known by its note: the parts of translate.source.SourceFile an Article reads."""

    path: Path
    doc: object
    sha256: str


def _note(output_dir: Path, name: str, sha256: str) -> Path:
    key = hashlib.sha256(f"{name}\0{sha256}".encode()).hexdigest()
    return Path(output_dir) / WORK_DIR / NOTES / f"{key}.json"


def remember(output_dir: Path, article_file, media=()) -> None:
    """Note the slug and title of a source without images or warnings (call
    after its article was written). Best effort: it only saves time."""
    if article_file.doc.warnings or media:
        return
    path = _note(output_dir, article_file.path.name, article_file.sha256)
    doc = article_file.doc
    data = json.dumps({"slug": doc.slug, "title": doc.title.text}, ensure_ascii=False)
    try:
        if path.is_file() and path.read_text(encoding="utf-8") == data:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(data, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass


def check(source: Path, languages, formats, output_dir: Path, setup, plans):
    """(slug, outcomes) of publishing ``source`` when that would change
    nothing (then nothing is done), else None: publish it the full way."""
    from translate import publication as command
    from translate.document import Document, Segment
    from translate.errors import UserError
    from translate.languages import SOURCE

    source = Path(source)
    try:
        if setup.memory is None or source.stat().st_size > MAX_SOURCE_BYTES:
            return None   # --no-cache translates everything again, as asked
        raw = source.read_bytes()
        note = json.loads(_note(output_dir, source.name, hashlib.sha256(raw).hexdigest()).read_text("utf-8"))
        slug, title = note["slug"], note["title"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    sha256 = hashlib.sha256(raw).hexdigest()
    # Stands for the article: an Article reads only its slug and title when
    # every edition is carried over.
    doc = Document(title=Segment(title), blocks=(), slug=slug)
    try:
        article = command.open_output(_NotedSource(source, doc, sha256), formats, output_dir)
    except UserError:
        return None   # the full path says what is wrong
    outcomes = {SOURCE.key: command.EditionOutcome(SOURCE.key, SOURCE.native_name, model="original")}
    try:
        with article.lock(on_wait=command.waiting(slug)):
            editions = [article.carry_over(SOURCE, command.edition_pre(article, SOURCE))]
            for lang in languages:
                outcome = outcomes[lang.key] = command.EditionOutcome(lang.key, lang.native_name)
                plan = plans[lang.key]
                if isinstance(plan, UserError):
                    outcome.problem, outcome.fix = getattr(plan, "reason", None) or str(plan), plan.hint
                    continue
                editions.append(article.carry_over(lang, command.edition_pre(article, lang, plan, setup.options)))
                outcome.model = ((editions[-1].carried or {}).get("model") or {}).get("name", "") \
                    if editions[-1] else ""
            if None in editions or not _article_files_intact(article, sha256, editions):
                return None
    except OSError:
        return None
    command.finish_outcomes(outcomes, editions)
    return slug, list(outcomes.values())


def _article_files_intact(article, sha256: str, editions) -> bool:
    """Links unchanged, and the index page, manifest and SHA256SUMS exactly
    as the last run left them."""
    from translate.publishing import sha256_file, sha256sums

    linked = article.linked_keys(editions)
    if any(edition.carried["links"] != linked for edition in editions):
        return False
    try:
        manifest = json.loads((article.folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    about = manifest.get("article", {})
    if (about.get("source") != article.source.name or about.get("source_sha256") != sha256
            or about.get("slug") != article.doc.slug or manifest.get("media")):
        return False
    files = dict(manifest.get("files", {}))
    if "html" in article.formats and "index.html" not in files:
        return False
    for rel, digest in files.items():
        path = article.folder / rel
        if not path.is_file() or sha256_file(path) != digest:
            return False
    files["manifest.json"] = sha256_file(article.folder / "manifest.json")
    try:
        return (article.folder / "SHA256SUMS").read_text(encoding="utf-8") == sha256sums(files)
    except (OSError, UnicodeDecodeError):
        return False
