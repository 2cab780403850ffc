"""Writing an article's editions: files per edition, the index page, the
manifest and SHA256SUMS. Every file is written atomically."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from translate import __version__, paths
from translate.document import Document
from translate.fsutil import atomic_write
from translate.languages import ALL, SOURCE, Language
from translate.markdown_writer import write_markdown


class GlossaryUnavailable(Exception):
    """A glossary exists but cannot be used; the message names file and line."""

    hint = "fix the glossary file (translate glossary check shows every problem)"


def load_glossary(lang: Language, locales_dir: Path):
    """The language's glossary, or None when it has none."""
    try:
        from translate import glossary
    except ImportError:  # the glossary stage is optional
        return None
    try:
        return glossary.load_for(lang.key, locales_dir=Path(locales_dir))
    except glossary.GlossaryError as err:
        raise GlossaryUnavailable(str(err)) from None


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
    glossary: object = None
    adaptation: object = None  # translate.adaptation.Rules when the Dari adaptation ran
    files: list[Path] = field(default_factory=list)
    published: datetime | None = None
    inputs: str = ""           # fingerprint of everything the files are made from
    reused: bool = False       # files of an earlier run were still current


@lru_cache(maxsize=1)
def render_assets_digest() -> str:
    """Templates, stylesheets, compiled catalogues and the render code: a change
    to any of them re-renders every edition."""
    digest = hashlib.sha256()
    roots = [paths.PACKAGE_DIR / "templates", paths.PACKAGE_DIR / "render", paths.LOCALES_DIR]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in (".html", ".css", ".py", ".mo"):
                digest.update(path.relative_to(paths.PROJECT_ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


class Article:
    """The output folder of one article: output/<slug>/."""

    def __init__(self, doc: Document, source: Path, folder: Path, formats: list[str], published: datetime):
        self.doc = doc
        self.source = Path(source)
        self.folder = Path(folder)
        self.formats = formats
        self.published = published
        self.previous = previous_editions(self.folder)

    def file_for(self, lang: Language, ext: str) -> Path:
        return self.folder / lang.key / f"{self.doc.slug}.{lang.key}.{ext}"

    def write_editions(self, editions: list[Edition]) -> None:
        """Write each edition's files; the language switcher of each links to
        every edition that has an HTML page after this run."""
        linked = {e.lang.key for e in editions}
        linked |= {key for key in ALL if self.file_for(ALL[key], "html").exists()}
        links = [(ALL[key], f"../{key}/{self.doc.slug}.{key}.html") for key in ALL if key in linked]
        for edition in editions:
            edition.inputs = self._fingerprint(edition, links)
            previous = self._current_files(edition)
            if previous is not None:
                edition.files, edition.published, edition.reused = previous
                continue
            edition.published = self.published
            edition.files = self._write_edition(edition, links)

    def _fingerprint(self, edition: Edition, links) -> str:
        material = [
            __version__, edition.lang.key, write_markdown(edition.doc), sorted(self.formats),
            [(lang.key, href) for lang, href in links],
            asdict(edition.record.model) if edition.record else None,
            edition.glossary.checksum if edition.glossary is not None else None,
            edition.adaptation.version if edition.adaptation is not None else None,
            render_assets_digest() if set(self.formats) & {"html", "pdf"} else None,
        ]
        return hashlib.sha256(json.dumps(material, ensure_ascii=False, sort_keys=True,
                                         default=str).encode()).hexdigest()

    def _current_files(self, edition: Edition):
        """The files of the previous run when they were made from the same inputs
        and are intact on disk; None when the edition must be rendered."""
        entry = self.previous.get(edition.lang.key)
        if not entry or entry.get("inputs") != edition.inputs:
            return None
        expected = {self._rel(self.file_for(edition.lang, ext)) for ext in self.formats}
        if set(entry.get("files", {})) != expected:
            return None
        for rel, digest in entry["files"].items():
            path = self.folder / rel
            if not path.exists() or sha256_file(path) != digest:
                return None
        return [self.folder / rel for rel in sorted(expected)], datetime.fromisoformat(entry["published"]), True

    def _write_edition(self, edition: Edition, links) -> list[Path]:
        written = []
        lang = edition.lang
        if "md" in self.formats:
            path = self.file_for(lang, "md")
            atomic_write(path, write_markdown(edition.doc))
            written.append(path)
        if "html" in self.formats or "pdf" in self.formats:
            from translate.render.html import render_html

            original = f"../{SOURCE.key}/{self.doc.slug}.{SOURCE.key}.html"
            html = render_html(edition.doc, lang, editions=links, published=self.published,
                               original_href=None if lang.key == SOURCE.key else original,
                               model=edition.record.model if edition.record else None,
                               glossary_checked=edition.glossary is not None)
            if "html" in self.formats:
                path = self.file_for(lang, "html")
                atomic_write(path, html)
                written.append(path)
            if "pdf" in self.formats:
                from translate.render.pdf import render_pdf

                pdf = render_pdf(html, lang=lang, title=edition.doc.title.text, published=self.published,
                                 glossary_checked=edition.glossary is not None)
                path = self.file_for(lang, "pdf")
                atomic_write(path, pdf)
                written.append(path)
        return written

    def write_index_and_manifest(self, editions: list[Edition]) -> None:
        manifest_path = self.folder / "manifest.json"
        entries = dict(self.previous)
        for edition in editions:
            entry = {
                "language": edition.lang.key,
                "published": (edition.published or self.published).isoformat(timespec="seconds"),
                "inputs": edition.inputs,
                "model": asdict(edition.record.model) if edition.record else None,
                "glossary": ({"path": str(edition.glossary.path), "sha256": edition.glossary.checksum}
                             if edition.glossary is not None else None),
                "adaptation": ({"path": str(edition.adaptation.path), "sha256": edition.adaptation.version}
                               if edition.adaptation is not None else None),
                "files": {self._rel(p): sha256_file(p) for p in edition.files},
            }
            entries[edition.lang.key] = entry
        if "html" in self.formats:
            self._write_index(entries)
        files = {rel: digest for e in entries.values() for rel, digest in e["files"].items()
                 if (self.folder / rel).exists()}
        index = self.folder / "index.html"
        if index.exists():
            files["index.html"] = sha256_file(index)
        manifest = {
            "tool": {"name": "newsroom-translate", "version": __version__},
            "article": {"slug": self.doc.slug, "title": self.doc.title.text,
                        "source": self.source.name, "source_sha256": sha256_file(self.source)},
            "editions": dict(sorted(entries.items())),
            "files": dict(sorted(files.items())),
        }
        atomic_write(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        # sha256sum -c format: two spaces, paths relative to output/<slug>/
        sums = "".join(f"{digest}  {rel}\n" for rel, digest in sorted(files.items()))
        sums += f"{sha256_file(manifest_path)}  manifest.json\n"
        atomic_write(self.folder / "SHA256SUMS", sums)

    def _write_index(self, entries: dict) -> None:
        from translate.render.html import render_index

        rows = []
        for key in ALL:
            if key not in entries:
                continue
            files = [(self.folder / rel) for rel in entries[key]["files"]]
            rows.append((ALL[key], [(p.relative_to(self.folder).as_posix(), p.stat().st_size)
                                    for p in files if p.exists()],
                         datetime.fromisoformat(entries[key]["published"])))
        atomic_write(self.folder / "index.html",
                     render_index(self.doc.title.text, self.doc.slug, rows, self.published))

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()


def previous_editions(folder: Path) -> dict:
    """The editions recorded by the last complete run in ``folder``."""
    return _load_json(Path(folder) / "manifest.json").get("editions", {})


def _load_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
