"""The desk's glossary page: a term edited (or a changed glossary.csv
loaded), every sentence of the articles that would then read differently,
computed as `translate glossary diff` computes it
(translate.translation.glossary.changes), each term change accepted or not,
and the file saved with the accepted changes only.

A save names the version of the file it was previewed against (its
SHA-256): if someone changed the glossary meanwhile, the save is refused and
nothing is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from translate.desk.workspace import NotFound, Workspace
from translate.errors import UserError
from translate.project import resources
from translate.project.languages import Language
from translate.publishing.article_folder import previous_editions
from translate.source import inline
from translate.translation import edition as edition_stage
from translate.translation import glossary as gl
from translate.translation.glossary import changes as gl_changes
from translate.translation.glossary.changes import GlossaryEditError
from translate.translation.postedit.units import notation_of
from translate.translation.review import word_diff
from translate.util.files import atomic_write

GLOSSARY = "glossary.csv"


class GlossaryChanged(UserError):
    """The glossary file changed since the page was made."""


@dataclass
class GlossaryFile:
    lang: Language
    name: str                   # as the manifest names it: locales/prs/glossary.csv, built-in prs/glossary.csv
    origin: str                 # "project", "built-in" or "none"
    data: bytes = b""
    checksum: str = ""
    glossary: object = None     # translate.translation.glossary.Glossary, when valid
    problems: list = field(default_factory=list)

    @property
    def entries(self):
        return self.glossary.entries if self.glossary is not None else ()


def _locales(ws: Workspace):
    return ws.options.translation.get("locales_dir") or ws.options.project.locales_dir


def project_path(ws: Workspace, lang: Language):
    return _locales(ws) / lang.key / GLOSSARY


def current(ws: Workspace, key: str) -> GlossaryFile:
    """The glossary the edition ``key`` uses now: the project's, else the built-in one."""
    lang = ws.language(key)
    data_file = resources.locale_file(lang.key, GLOSSARY, _locales(ws))
    if data_file is None:
        return GlossaryFile(lang, f"locales/{lang.key}/{GLOSSARY}", "none", checksum=_sha(b""))
    try:
        data = data_file.path.read_bytes()
    except OSError as err:
        return GlossaryFile(lang, data_file.name, data_file.origin, problems=[f"cannot read it: {err.strerror}"])
    found = GlossaryFile(lang, data_file.name, data_file.origin, data, _sha(data))
    try:
        found.glossary = gl.parse(data, data_file.name, lang=lang.key)
    except gl.GlossaryError as err:
        found.problems = err.problems
    return found


def term_cells(ws: Workspace, key: str, term: str) -> dict:
    """The cells of one term's row as the file has them (empty for a new term)."""
    if not term:
        return {}
    cells = gl_changes.row_cells(current(ws, key).data, term)
    if cells is None:
        raise NotFound(f"no term {term!r} in the {key} glossary")
    return cells


def edited_file(ws: Workspace, key: str, term: str, cells: dict | None) -> bytes:
    """The current file with one term's row replaced (``term``), added
    (``term`` empty) or removed (``cells`` None)."""
    data = current(ws, key).data or (",".join(gl.COLUMNS) + "\n").encode()
    try:
        return gl_changes.replace_row(data, term or None, cells)
    except GlossaryEditError as err:
        raise UserError(str(err)) from None


@dataclass
class SentenceChange:
    slug: str
    title: str
    number: int              # 1-based
    english: str
    before: str
    after: str
    diff: list
    terms: tuple[str, ...]
    published: bool          # the article's edition in this language is published
    approved: bool           # an approved human text is published instead: the glossary does not change it


@dataclass
class ChangeView:
    change: gl_changes.TermChange
    accepted: bool
    sentences: list = field(default_factory=list)


@dataclass
class Preview:
    lang: Language
    base: str                # the SHA-256 of the file previewed against
    name: str
    new_text: str            # the proposed file, carried by the page to a save
    changes: list[ChangeView] = field(default_factory=list)
    sentences: list[SentenceChange] = field(default_factory=list)   # every sentence that reads differently
    affected: int = 0        # sentences holding an accepted term
    problems: list = field(default_factory=list)
    note: str = ""           # why the sentences were not re-translated (no model)


def preview(ws: Workspace, key: str, base: str, new: bytes, accepted: set[str] | None) -> Preview:
    """What saving ``new`` (only its ``accepted`` term changes; None: all)
    would change, sentence by sentence."""
    now = current(ws, key)
    _check_base(now, base)
    result = Preview(now.lang, now.checksum, now.name, new.decode("utf-8", "replace"))
    try:
        old_g = now.glossary or gl.parse(now.data or (",".join(gl.COLUMNS) + "\n").encode(), now.name, lang=key)
        new_g = gl.parse(new, "the changed glossary", lang=key)
    except gl.GlossaryError as err:
        result.problems = err.problems
        return result
    changes = gl_changes.term_changes(old_g, new_g)
    chosen = {c.key for c in changes} if accepted is None else accepted
    result.changes = [ChangeView(c, c.key in chosen) for c in changes]
    try:
        merged = gl.parse(gl_changes.merge(now.data, new, chosen), "the glossary with the accepted changes",
                          lang=key)
    except (gl.GlossaryError, GlossaryEditError) as err:
        result.problems = getattr(err, "problems", [str(err)])
        return result
    keys = {c.key for c in changes if c.key in chosen and c.affects_output}
    _compare(ws, result, old_g, merged, keys)
    return result


def _compare(ws: Workspace, result: Preview, old_g, new_g, keys: set[str]) -> None:
    key = result.lang.key
    articles, named = [], {}
    for path in ws.sources():
        try:
            article = ws.article(path)
        except (UserError, OSError):
            continue
        named[article.doc.slug] = article
        articles.append((article.doc.slug, [inline.engine_text(s) for s in article.doc.segments()]))
    affected = gl_changes.affected(articles, old_g, new_g, keys)
    result.affected = len(affected)
    plan = ws.plans()[key]
    if isinstance(plan, UserError):
        result.note = (f"No model for {result.lang.english_name}: {getattr(plan, 'reason', plan)}. The "
                       f"{len(affected)} sentence(s) that hold a changed term were not re-translated "
                       f"(fix: {plan.hint}).")
        return
    setup = ws.setup()
    engine = edition_stage.engine_for(plan, setup, ws.engine(plan))
    compared = gl_changes.compare(plan, setup, affected, old_g, new_g, engine=engine)
    approved = {slug: ws.memory().human_for(key, [notation_of(s) for s in named[slug].doc.segments()])
                for slug in {c.segment.article for c in compared if c.differs}}
    for c in compared:
        if not c.differs:
            continue
        article = named[c.segment.article]
        segment = article.doc.segments()[c.segment.index]
        sentence = SentenceChange(article.doc.slug, article.doc.title.text.replace("\n", " "), c.segment.index + 1,
                                  c.segment.text, c.before, c.after, word_diff(c.before, c.after), c.segment.terms,
                                  key in previous_editions(ws.options.output_dir / article.doc.slug),
                                  notation_of(segment) in approved[article.doc.slug])
        result.sentences.append(sentence)
        held = {gl.term_key(term) for term in c.segment.terms}   # Affected.terms: entries' sources
        for view in result.changes:
            if view.change.key in held:
                view.sentences.append(sentence)


def save(ws: Workspace, key: str, base: str, new: bytes, accepted: set[str]) -> str:
    """Write the glossary with the ``accepted`` term changes of ``new`` into
    the project's locales/<key>/glossary.csv; what was done, in words."""
    now = current(ws, key)
    _check_base(now, base)
    merged = gl_changes.merge(now.data or (",".join(gl.COLUMNS) + "\n").encode(), new, accepted)
    path = project_path(ws, now.lang)
    gl.parse(merged, str(path), lang=key)   # GlossaryError: nothing is written
    if merged == now.data:
        return "Nothing to save: no accepted change."
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, merged)
    count = len(accepted)
    return (f"Saved {len(merged)} bytes to locales/{key}/{GLOSSARY} with {count} accepted term change(s); "
            "publish the articles for the change to reach their editions.")


def _check_base(now: GlossaryFile, base: str) -> None:
    if base and base != now.checksum:
        raise GlossaryChanged(f"the {now.lang.english_name} glossary ({now.name}) changed since this page was made",
                              "nothing was saved: open the glossary page again and redo the change")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
