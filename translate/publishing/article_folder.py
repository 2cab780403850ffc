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
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from translate import __version__
from translate.project.languages import ALL, SOURCE, Language
from translate.publishing import checks
from translate.publishing.fingerprints import render_assets_digest
from translate.publishing.render.html import render_index
from translate.publishing.render.markdown import write_markdown
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
    published: datetime | None = None
    inputs: str = ""           # fingerprint of everything the files are made from
    reused: bool = False       # files of an earlier run were still current
    pre: str = ""              # fingerprint of what goes into translating it (see publish)
    carried: dict | None = None  # the previous run's manifest entry, when not even translated again
    findings: list = field(default_factory=list)  # translate.publishing.checks.Finding: what its checks found
    refused: bool = False      # a check failed and was not accepted: not published, the previous version stays

    @property
    def glossary_checked(self) -> bool:
        return any(stage.name == "glossary" for stage in self.stages)


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

    def __init__(self, doc: Document, source: Path, folder: Path, formats: list[str], published: datetime,
                 work: Path, media: tuple = (), site_url: str | None = None, accept=()):
        self.doc = doc
        self.accept = frozenset(accept)   # checks whose failure publishes anyway (--accept), noted in the manifest
        self.site_url = site_url
        self.media = tuple(media)  # translate.source.media.MediaFile: the article's images, for media/
        self.source = Path(source)
        self.folder = Path(folder)
        self.work = Path(work)          # output/.work/<slug>/: lock, staged files
        self.formats = ordered(formats)
        self.published = published
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
        previous run are current gets them (files, published, reused)."""
        self._linked = self.linked_keys(editions)
        links = [(ALL[key], self._href(key)) for key in self._linked]
        todo = []
        for edition in editions:
            if edition.carried is not None:
                continue  # made from the same inputs, with the same links: nothing to do
            edition.inputs = self._fingerprint(edition, links)
            previous = self._current_files(edition)
            if previous is not None:
                edition.files, edition.published, edition.reused = previous
                continue
            edition.published = self.published
            todo.append((edition, self._page(edition, links)))
        return todo

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
            __version__, edition.lang.key, write_markdown(edition.doc), self.formats,
            [(lang.key, href) for lang, href in links],
            model_entry(edition.record.model) if edition.record else None,
            stage_entries(edition.stages),
            render_assets_digest() if any(WRITERS[f].rendered for f in self.formats) else None,
            review_summary(edition.record),
            self.site_url,
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
        if not self._intact(lang, entry):
            return None
        files = [self.file_for(lang, WRITERS[f].extension) for f in self.formats]
        return Edition(lang, None, files=files, published=datetime.fromisoformat(entry["published"]),
                       inputs=entry.get("inputs", ""), reused=True, pre=pre, carried=entry)

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
        files = [self.file_for(edition.lang, WRITERS[f].extension) for f in self.formats]
        return files, datetime.fromisoformat(entry["published"]), True

    def _page(self, edition: Edition, links) -> Page:
        lang = edition.lang
        return Page(edition.doc, lang, links, self.published,
                    original_href=None if lang.key == SOURCE.key else self._href(SOURCE.key),
                    model=edition.record.model if edition.record else None,
                    glossary_checked=edition.glossary_checked, media=self.media,
                    reviewed=reviewed_count(edition.record), site_url=self.site_url, source=self.doc)

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
                "published": (edition.published or self.published).isoformat(timespec="seconds"),
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
        web_fonts = self._stage_web_fonts(entries, staged) if "html" in self.formats else {}
        files = {rel: digest for e in entries.values() for rel, digest in e["files"].items() if self._exists(rel)}
        media = {image.rel: self._digest(image.rel) for image in self.media}
        files.update(media)
        files.update(web_fonts)
        if self._exists("index.html"):
            files["index.html"] = self._digest("index.html")
        manifest = {
            "tool": {"name": "newsroom-translate", "version": __version__},
            "article": {"slug": self.doc.slug, "title": self.doc.title.text,
                        "source": self.source.name, "source_sha256": self.source_sha256},
            "editions": dict(sorted(entries.items())),
            "media": dict(sorted(media.items())),
            "files": dict(sorted(files.items())),
        }
        if index_inputs:
            manifest["index_inputs"] = index_inputs
        self._put(staged, self.folder / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        files["manifest.json"] = self._digest("manifest.json")

        self._put(staged, self.folder / "SHA256SUMS", sha256sums(files))
        return sha256sums({rel: digest for rel, digest in files.items() if rel not in self._changed})

    def _stage_web_fonts(self, entries: dict, staged: StagedFiles) -> dict[str, str]:
        """Stage the web fonts the HTML pages reference (translate.publishing.render.webfonts);
        returns {rel path: SHA-256} for the manifest."""

        written = {}
        for rel, data in site_files(ALL[key] for key in entries).items():
            self._put(staged, self.folder / rel, data)
            written[rel] = self._digest(rel)
        return written

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
                         datetime.fromisoformat(entries[key]["published"])))
        # The index is as new as its newest edition: a run that changes no
        # edition leaves it byte for byte as it was.
        updated = max((published for _, _, published in rows), default=self.published)
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
                                             statuses=review_statuses(entries)))
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
