"""Writing an article's folder, output/<slug>/: each edition's files (through
the writers table), the index page, manifest.json and SHA256SUMS.

output/<slug>/ holds exactly what is distributed. The lock and the staged
files of a run live in the run's work folder (output/.work/<slug>/), so a
killed run leaves nothing half-made among the published files, and nothing
of ours but published files is ever created or removed there.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import quote

from translate import __version__
from translate.project.config import Publication
from translate.project.languages import ALL, SOURCE, Language
from translate.publishing import checks
from translate.publishing.fingerprints import render_assets_digest
from translate.publishing.render.html import render_index
from translate.publishing.render.markdown import write_markdown
from translate.publishing.render.typography import localise_quotes
from translate.publishing.render.webfonts import site_files
from translate.publishing.site import summary_of
from translate.publishing.writers import WRITERS, Page, ordered
from translate.source.document import Document
from translate.translation.memory import model_fingerprint
from translate.translation.postedit.human import review_statuses, reviewed_count
from translate.translation.postedit.human import summary as review_summary
from translate.util.files import FolderLock, StagedFiles, commit_together


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Edition:
    lang: Language
    doc: Document
    record: object = None      # EditionRecord, None for the original
    stages: list = field(default_factory=list)   # translate.translation.edition.Stage: adaptation, glossary, ...
    files: list[Path] = field(default_factory=list)
    # When this edition first appeared, and when its text last changed (a
    # translator's correction); a new rendering of the same text (a tool
    # upgrade) changes neither. The article's own date is Article.article_date.
    issued: datetime | None = None
    updated: datetime | None = None
    inputs: str = ""           # fingerprint of everything the files are made from
    reused: bool = False       # files of an earlier run were still current
    pre: str = ""              # fingerprint of what goes into translating it (see publish)
    carried: dict | None = None  # the previous run's manifest entry, when not even translated again
    findings: list = field(default_factory=list)  # translate.publishing.checks.Finding: what its checks found
    refused: bool = False      # a check failed and was not accepted: not published, the previous version stays

    @property
    def glossary_checked(self) -> bool:
        return any(stage.name == "glossary" for stage in self.stages)

    @cached_property
    def markdown(self) -> str:
        """The edition's text as Markdown: what its fingerprint and its content digest are made from."""
        return write_markdown(self.doc)

    @cached_property
    def content_digest(self) -> str:
        """What a reader reads of the edition (its text and markup): a new
        digest is a correction, which dates the edition as updated."""
        return hashlib.sha256(self.markdown.encode("utf-8")).hexdigest()


def model_entry(model) -> dict | None:
    """What the manifest says of a model: what it is, never where it lies on
    the publisher's machine (no path, no user name)."""
    if model is None:
        return None

    entry = {"engine": model.engine, "name": model.name, "version": model.version,
             "weights": model_fingerprint(model)}
    entry.update({key: value for key, value in model.extra.items() if key not in ("path",)})
    if getattr(model, "licence", ""):
        entry["licence"] = model.licence   # what a publisher may do with the output depends on it
    return entry


def stage_entries(stages) -> dict:
    """Per post-editing stage, the data file it applied, named as the project
    names it (locales/ru/glossary.csv) or as built-in, and its checksum."""
    entries = {"adaptation": None, "glossary": None}
    for stage in stages:
        entries[stage.name] = {"path": stage.source.name, "sha256": stage.checksum}
    return entries


class Article:
    """The output folder of one article, output/<slug>/, and its work folder.

    Use it holding ``lock()``: the previous run's manifest is read when the
    lock is taken, so every decision made from it (which editions are carried
    over, which files are current) holds until this run has written."""

    def __init__(self, doc: Document, source: Path, folder: Path, formats: list[str], run_time: datetime,
                 work: Path, media: tuple = (), site_url: str | None = None,
                 publication: Publication | None = None, accept=()):
        self.doc = doc
        self.accept = frozenset(accept)   # checks whose failure publishes anyway (--accept), noted in the manifest
        self.site_url = site_url
        self.publication = publication or Publication()
        self.media = tuple(media)  # translate.source.media.MediaFile: the article's images, for media/
        self.source = Path(source)
        self.folder = Path(folder)
        self.work = Path(work)          # output/.work/<slug>/: lock, staged files
        self.formats = ordered(formats)
        # to the second, as the manifest records times: a date read back from it is the same date
        self.run_time = run_time.replace(microsecond=0)
        # The article's publication date: its front matter's date, else when it
        # was first published (read from the last manifest under the lock).
        self.article_date = front_matter_date(doc) or self.run_time
        self.previous: dict = {}
        self.source_sha256 = ""
        self.committing = False  # True once write() has begun renaming files into place
        self._known: dict[str, tuple[str, int]] = {}   # rel path -> (SHA-256, size) of its content after this run
        self._changed: set[str] = set()                # rel paths this run rewrites
        # (language key, inputs fingerprint) -> ({format: bytes}, findings): pages a
        # batch run rendered and checked beforehand in worker processes
        # (translate.publishing.run); used only where the fingerprint write()
        # computes under the lock is the same.
        self.rendered: dict[tuple[str, str], tuple[dict[str, bytes], list]] = {}
        self.refused: list[Edition] = []   # editions a check kept from being published, this run

    @contextmanager
    def lock(self, on_wait=None):
        """Hold the article's lock; read what the last complete run recorded."""

        with FolderLock(self.work / "lock", on_wait=on_wait):
            self.previous = previous_editions(self.folder)
            self.article_date = front_matter_date(self.doc) or first_published(self.folder) or self.run_time
            yield self

    def file_for(self, lang: Language, ext: str) -> Path:
        return self.folder / lang.key / f"{self.doc.slug}.{lang.key}.{ext}"

    def write(self, editions: list[Edition]) -> None:
        """Write every edition's files (an edition made from unchanged inputs
        keeps its files), the index page, manifest.json and SHA256SUMS. Call it
        holding the folder's FolderLock.

        Nothing is renamed into place before everything is rendered and written
        in full to temporary files, so a failure while rendering or a full disk
        changes no published file. Then, in one short run of renames,
        SHA256SUMS is first cut down to the files this run leaves alone, the
        new files go into place, then manifest.json and last the complete
        SHA256SUMS: whenever the process dies, every file is a complete old or
        new version and every line of SHA256SUMS holds. A rename that fails
        (an edition folder that cannot be written) puts back the files renamed
        before it: the folder is as it was. A file whose new
        content is byte for byte the old one is not rewritten, so a run that
        changes nothing touches nothing. Temporary files of a killed run are
        removed here, under the lock."""
        staging = self.work / "staging"
        StagedFiles.sweep(staging)   # what a killed run left, ours alone: we hold the lock
        self._known = {}
        self._changed = set()
        with StagedFiles(staging) as content, StagedFiles(staging) as first:
            self._stage_editions(editions, content)
            for image in self.media:
                self._put(content, self.folder / image.rel, image.data)
            retracted = self._stage_index_and_manifest(editions, content)
            if self._changed - {"SHA256SUMS"}:
                first.write(self.folder / "SHA256SUMS", retracted)
            self.committing = True
            try:
                commit_together(first, content)
            except OSError as err:
                # put back as it was unless that failed too (translate.util.files)
                self.committing = getattr(err, "partly_committed", False)
                raise

    def _stage_editions(self, editions: list[Edition], staged: StagedFiles) -> None:
        """Render and check each edition whose inputs changed (or take the bytes
        rendered and checked beforehand from the very same inputs) and stage
        the files of those that pass (translate.publishing.checks). An edition
        that fails a check not accepted is left out: its previous version, if
        any, stays. When it had none, the other pages are rendered again
        without a link to it."""
        self.refused = []
        while True:
            done = [(edition, self.rendered.get((edition.lang.key, edition.inputs))
                     or render_checked(page, self.formats)) for edition, page in self.pages_to_render(editions)]
            refused = []
            for edition, (_, findings) in done:
                edition.findings = findings
                edition.refused = any(f.check not in self.accept for f in findings)
                if edition.refused:
                    refused.append(edition)
            self.refused += refused
            unlinked = [e for e in refused if not self.file_for(e.lang, "html").exists()]
            if not unlinked or "html" not in self.formats:
                break
            editions[:] = [e for e in editions if e not in unlinked]
        for edition, (rendered, _) in done:
            if edition.refused:
                continue
            edition.files = []
            for name in self.formats:
                path = self.file_for(edition.lang, WRITERS[name].extension)
                self._put(staged, path, rendered[name])
                edition.files.append(path)

    def pages_to_render(self, editions: list[Edition]) -> list[tuple[Edition, Page]]:
        """Fingerprint each edition; the pages of those whose files must be
        rendered again. The language switcher of each links to every edition
        that has an HTML page after this run. An edition whose files of the
        previous run are current gets them (files, dates, reused)."""
        self._linked = self.linked_keys(editions)
        links = [(ALL[key], self._href(key)) for key in self._linked]
        todo = []
        for edition in editions:
            if edition.carried is not None:
                continue  # made from the same inputs, with the same links: nothing to do
            self._date(edition)
            edition.inputs = self._fingerprint(edition, links)
            previous = self._current_files(edition)
            if previous is not None:
                edition.files, edition.reused = previous, True
                continue
            todo.append((edition, self._page(edition, links)))
        return todo

    def _date(self, edition: Edition) -> None:
        """Set when the edition first appeared and when its text last changed:
        kept from the last run while its text is the same."""
        entry = self.previous.get(edition.lang.key) or {}
        issued, updated = _entry_time(entry, "issued"), _entry_time(entry, "updated")
        if issued is None:
            edition.issued = edition.updated = self.run_time
        elif entry.get("content") == edition.content_digest and updated is not None:
            edition.issued, edition.updated = issued, updated
        else:
            edition.issued, edition.updated = issued, self.run_time

    def _byline(self, lang: Language) -> str:
        author = self.doc.meta.get("author") or self.doc.meta.get("publisher")
        return self.publication.byline(str(author), lang.key) if author else ""

    def _href(self, key: str) -> str:
        # A slug may hold spaces or non-Latin letters: links are percent-encoded.
        return f"../{key}/{quote(self.doc.slug)}.{key}.html"

    def _put(self, staged: StagedFiles, path: Path, data: bytes | str) -> None:
        """Stage ``data`` for ``path`` unless the file already holds exactly it."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        rel = self._rel(path)
        self._known[rel] = (digest, len(data))
        if path.is_file() and sha256_file(path) == digest:
            return
        staged.write(path, data)
        self._changed.add(rel)

    def _digest(self, rel: str) -> str:
        if rel not in self._known:
            path = self.folder / rel
            self._known[rel] = (sha256_file(path), path.stat().st_size)
        return self._known[rel][0]

    def _exists(self, rel: str) -> bool:
        return rel in self._known or (self.folder / rel).is_file()

    def _fingerprint(self, edition: Edition, links) -> str:
        material = [
            __version__, edition.lang.key, edition.markdown, self.formats,
            [(lang.key, href) for lang, href in links],
            model_entry(edition.record.model) if edition.record else None,
            stage_entries(edition.stages),
            render_assets_digest() if any(WRITERS[f].rendered for f in self.formats) else None,
            review_summary(edition.record),
            self.site_url,
            [self.article_date.isoformat(), edition.issued.isoformat(), edition.updated.isoformat()],
        ]
        return hashlib.sha256(json.dumps(material, ensure_ascii=False, sort_keys=True,
                                         default=str).encode()).hexdigest()

    def carry_over(self, lang: Language, pre: str) -> Edition | None:
        """The previous run's edition when it was made from the same inputs
        (``pre``) and its files are intact: then it needs no translation at all.
        The caller must still check ``linked_keys(...) == entry["links"]``."""
        entry = self.previous.get(lang.key)
        if not pre or not entry or entry.get("pre") != pre or "links" not in entry:
            return None
        if entry.get("published") != _iso(self.article_date) or _entry_time(entry, "updated") is None:
            return None   # an article date the pages do not show yet (or a manifest of an older version)
        if not self._intact(lang, entry):
            return None
        files = [self.file_for(lang, WRITERS[f].extension) for f in self.formats]
        return Edition(lang, None, files=files, issued=_entry_time(entry, "issued"),
                       updated=_entry_time(entry, "updated"), inputs=entry.get("inputs", ""), reused=True, pre=pre,
                       carried=entry)

    def linked_keys(self, editions: list[Edition]) -> list[str]:
        """Editions the language switchers link to after this run."""
        linked = {e.lang.key for e in editions}
        linked |= {key for key in ALL if self.file_for(ALL[key], "html").exists()}
        return [key for key in ALL if key in linked]

    def _intact(self, lang: Language, entry: dict) -> bool:
        expected = {self._rel(self.file_for(lang, WRITERS[f].extension)) for f in self.formats}
        if set(entry.get("files", {})) != expected:
            return False
        for rel, digest in entry["files"].items():
            path = self.folder / rel
            if not path.exists() or sha256_file(path) != digest:
                return False
        return True

    def _current_files(self, edition: Edition):
        """The files of the previous run when they were made from the same inputs
        and are intact on disk; None when the edition must be rendered."""
        entry = self.previous.get(edition.lang.key)
        if not entry or entry.get("inputs") != edition.inputs or not self._intact(edition.lang, entry):
            return None
        # In the order _render_edition writes them, so that a reused edition's
        # manifest entry and index row read exactly as when it was rendered.
        return [self.file_for(edition.lang, WRITERS[f].extension) for f in self.formats]

    def _page(self, edition: Edition, links) -> Page:
        lang = edition.lang
        # Every writer gets the edition's text in its readers' quotation marks.
        return Page(localise_quotes(edition.doc, lang.key), lang, links, self.article_date,
                    original_href=None if lang.key == SOURCE.key else self._href(SOURCE.key),
                    model=edition.record.model if edition.record else None,
                    glossary_checked=edition.glossary_checked, media=self.media,
                    reviewed=reviewed_count(edition.record), site_url=self.site_url,
                    modified=edition.updated, corrected=edition.updated > edition.issued,
                    publication=self.publication, source=self.doc)

    def _stage_index_and_manifest(self, editions: list[Edition], staged: StagedFiles) -> str:
        """Stage index.html, manifest.json and SHA256SUMS; returns the
        SHA256SUMS text that lists only the files this run does not change."""
        entries = dict(self.previous)
        for edition in editions:
            if edition.refused:
                continue   # not published: the previous run's entry, if any, stays
            if edition.carried is not None:
                entries[edition.lang.key] = dict(edition.carried)
                for rel in edition.carried["files"]:
                    self._digest(rel)
                continue
            entry = {
                "language": edition.lang.key,
                # what the site's indexes and feeds show for this edition (translate.publishing.site)
                "title": edition.doc.title.text.replace("\n", " "),
                "summary": summary_of(edition.doc),
                "author": self._byline(edition.lang),
                # the article's date, when this edition first appeared, when its text last changed
                "published": _iso(self.article_date),
                "issued": _iso(edition.issued),
                "updated": _iso(edition.updated),
                "content": edition.content_digest,
                "inputs": edition.inputs,
                "model": model_entry(edition.record.model) if edition.record else None,
                **stage_entries(edition.stages),
                "review": review_summary(edition.record),
                "files": {self._rel(p): self._digest(self._rel(p)) for p in edition.files},
                "pre": edition.pre,
                "links": self._linked,
                # the check stage passed every check but those published anyway (--accept)
                "checks": {"passed": sorted(set(checks.CHECKS) - {f.check for f in edition.findings}),
                           "accepted": [str(f) for f in edition.findings]},
            }
            entries[edition.lang.key] = entry
        index_inputs = self._stage_index(entries, staged) if "html" in self.formats else None
        web_fonts = self._stage_web_fonts(entries, staged) if "html" in self.formats else []
        files = {rel: digest for e in entries.values() for rel, digest in e["files"].items() if self._exists(rel)}
        media = {image.rel: self._digest(image.rel) for image in self.media}
        files.update(media)
        if self._exists("index.html"):
            files["index.html"] = self._digest("index.html")
        manifest = {
            "tool": {"name": "newsroom-translate", "version": __version__},
            "article": {"slug": self.doc.slug, "title": self.doc.title.text, "published": _iso(self.article_date),
                        "source": self.source.name, "source_sha256": self.source_sha256},
            "editions": dict(sorted(entries.items())),
            "media": dict(sorted(media.items())),
            # the site's shared web fonts (output/fonts/) the pages use: kept while an article names them
            "fonts": web_fonts,
            "files": dict(sorted(files.items())),
        }
        if index_inputs:
            manifest["index_inputs"] = index_inputs
        self._put(staged, self.folder / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        files["manifest.json"] = self._digest("manifest.json")

        self._put(staged, self.folder / "SHA256SUMS", sha256sums(files))
        return sha256sums({rel: digest for rel, digest in files.items() if rel not in self._changed})

    def _stage_web_fonts(self, entries: dict, staged: StagedFiles) -> list[str]:
        """Stage the web fonts the HTML pages reference in the site's shared
        output/fonts/ (translate.publishing.render.webfonts): their names carry
        a hash of their content, so a file of that name is already right and
        any run may write a missing one. Returns their paths under output/."""
        names = []
        for rel, data in site_files(ALL[key] for key in entries).items():
            path = self.folder.parent / rel
            if not path.is_file():
                staged.write(path, data)
            names.append(rel)
        return sorted(names)

    def _stage_index(self, entries: dict, staged: StagedFiles) -> str:
        """Stage index.html; returns the fingerprint of what it is made from."""
        rows = []
        for key in ALL:
            if key not in entries:
                continue
            present = [rel for rel in entries[key]["files"] if self._exists(rel)]
            for rel in present:
                self._digest(rel)
            rows.append((ALL[key], [(quote(rel), self._known[rel][1]) for rel in present],
                         _entry_time(entries[key], "updated") or self.run_time))
        # The index shows the article's date and each edition's last change: a
        # run that changes no edition leaves it byte for byte as it was.
        updated = self.article_date
        inputs = hashlib.sha256(json.dumps(
            [__version__, self.doc.title.text, self.doc.slug, updated.isoformat(), render_assets_digest(),
             [(lang.key, files, published.isoformat()) for lang, files, published in rows],
             review_statuses(entries)],
            ensure_ascii=False).encode()).hexdigest()
        path = self.folder / "index.html"
        previous = _load_json(self.folder / "manifest.json")
        if (previous.get("index_inputs") == inputs and path.is_file()
                and previous.get("files", {}).get("index.html") == self._digest("index.html")):
            return inputs  # made from the same inputs and intact: not rendered again

        self._put(staged, path, render_index(self.doc.title.text, self.doc.slug, rows, updated,
                                             statuses=review_statuses(entries), publication=self.publication))
        return inputs

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()


def sha256sums(listed: dict[str, str]) -> str:
    """SHA256SUMS of ``listed`` (rel path -> digest), in ``sha256sum -c``
    format: two spaces, paths relative to output/<slug>/."""
    return "".join(f"{digest}  {rel}\n" for rel, digest in sorted(listed.items()))


def render_page(page: Page, formats: list[str]) -> dict[str, bytes]:
    """The bytes of each of ``formats`` for one page (what a render worker does)."""
    out = {}
    for name in formats:
        data = WRITERS[name].write(page)
        out[name] = data.encode("utf-8") if isinstance(data, str) else data
    return out


def front_matter_date(doc: Document) -> datetime | None:
    """The front matter's date (YYYY-MM-DD, checked by the reader) at midnight UTC."""
    value = doc.meta.get("date")
    if not value:
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def first_published(folder: Path) -> datetime | None:
    """When the article was first published, as its last manifest says."""
    article = _load_json(Path(folder) / "manifest.json").get("article")
    return _entry_time(article, "published") if isinstance(article, dict) else None


def _entry_time(entry: dict, key: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(entry[key]))
    except (KeyError, TypeError, ValueError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")
def render_checked(page: Page, formats: list[str]) -> tuple[dict[str, bytes], list]:
    """The bytes of each of ``formats`` for one page and what the check stage
    finds in them (what a render worker does)."""
    rendered = render_page(page, formats)
    return rendered, check_page(page, rendered)


def check_page(page: Page, rendered: dict[str, bytes]) -> list:
    """translate.publishing.checks on a page's files. A PDF is checked against
    the HTML page it typesets even when no HTML file is written."""
    files = {name: (f"{page.doc.slug}.{page.lang.key}.{WRITERS[name].extension}", data)
             for name, data in rendered.items()}
    if "pdf" in files and "html" not in files:
        files["html"] = (f"{page.doc.slug}.{page.lang.key}.html", page.html.encode("utf-8"))
    return checks.run(checks.Subject(page.lang, page.source, files))


def previous_editions(folder: Path) -> dict:
    """The editions recorded by the last complete run in ``folder``."""
    editions = _load_json(Path(folder) / "manifest.json").get("editions", {})
    # A manifest edited by hand is only trusted as far as its shape goes.
    return {key: entry for key, entry in editions.items() if isinstance(entry, dict)} if isinstance(editions, dict) else {}


def _load_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):   # RecursionError: [[[[... thousands deep
        return {}
    return data if isinstance(data, dict) else {}
