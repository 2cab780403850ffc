"""Export an edition as units, and check a translator's returned file.

``build_export`` joins three things per segment: the machine translation (as
publish makes it), the approved human translation when the memory has one
for exactly that English, and otherwise the old human translation of an
edited sentence as a fuzzy suggestion. ``check_returned`` compares a
returned file with the article as it is now and turns it into human
translations to store, or refuses it as a whole (which unit, what differs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from translate.errors import UserError
from translate.source.article import read_source
from translate.source.document import Document
from translate.translation import edition
from translate.translation.memory import HumanTranslation, TranslationMemory, file_name, translator_name
from translate.translation.postedit import po, xliff
from translate.translation.postedit.units import (
    Export,
    PlaceholderError,
    Returned,
    Unit,
    apply_notation,
    clean_notation,
    notation_of,
    placeholders,
    source_units,
    target_notation,
)
from translate.translation.records import EditionRecord
from translate.util.textfile import read_user_file

FORMATS = {"po": ("po", po), "xliff": ("xlf", xliff)}
MAX_FILE_BYTES = 32 << 20


class ImportRefused(UserError):
    """A returned file that does not fit the article: nothing was imported."""


def machine_edition(doc: Document, lang, setup) -> tuple[Document, EditionRecord]:
    """One edition made exactly as publish makes it (translate.translation.edition): the
    engine's text, and approved human text (checked, not repaired, by the
    glossary) where the memory has it; each segment's record keeps the raw
    machine output."""

    done = edition.translate_edition(doc, edition.plan(lang, setup), setup)
    return done.doc, done.record


def find_article(slug: str, source: Path | None, source_dir: Path) -> Document:
    """The article a returned file translates: ``source`` when given, else
    the article in ``source_dir`` whose slug it is."""

    if source is not None:
        return read_source(source)
    candidate = Path(source_dir) / f"{slug}.md"
    if candidate.is_file():
        doc = read_source(candidate)
        if doc.slug == slug:
            return doc
    for path in sorted(Path(source_dir).glob("*.md")):
        try:
            doc = read_source(path)
        except ValueError:   # SourceError: another article's problem, not this import's
            continue
        if doc.slug == slug:
            return doc
    raise ImportRefused(f"no article with the slug {slug!r} in {source_dir}",
                        "name the article with --source source/ARTICLE.md")


def build_export(doc: Document, translated: Document, record: EditionRecord, memory: TranslationMemory | None,
                 source_name: str = "") -> Export:
    lang = translated.lang
    units_source = source_units(doc)
    current = {u.source for u in units_source}
    approved = memory.human_for(lang, list(current)) if memory is not None else {}
    units = []
    for unit, target_segment, seg_record in zip(units_source, translated.segments(), record.segments):
        machine_target = target_notation(unit.segment, target_segment)
        terms = tuple(f"{t.source_term} → {t.target_term}: {t.status.replace('-', ' ')}"
                      + (f" ({t.detail})" if t.detail else "") for t in seg_record.terms)
        common = dict(id=unit.id, source=unit.source, machine=seg_record.raw.text, context=unit.context,
                      placeholders=unit.placeholders, terms=terms)
        human = approved.get(unit.source)
        if human is not None:
            units.append(Unit(target=human.target, state="human", translator=human.translator,
                              approved=human.approved, **common))
            continue
        old = memory.suggestion(lang, doc.slug, unit.source, current) if memory is not None else None
        if old is not None and _fits(unit.segment, old.target):
            units.append(Unit(target=old.target, state="suggestion", translator=old.translator,
                              approved=old.approved, previous_source=old.source, **common))
            continue
        units.append(Unit(target=machine_target, state="machine", **common))
    return Export(doc.slug, lang, tuple(units), source_name)


def _fits(segment, notation: str) -> bool:
    """An old translation is offered only if its placeholders fit the new sentence."""
    try:
        apply_notation(segment, notation)
    except PlaceholderError:
        return False
    return True


def write_export(export: Export, fmt: str) -> bytes:
    return FORMATS[fmt][1].write(export)


def export_name(slug: str, lang: str, fmt: str) -> str:
    return f"{slug}.{lang}.{FORMATS[fmt][0]}"


def read_returned(path: Path) -> Returned:
    """A translator's file, PO or XLIFF by its content."""

    path = Path(path)
    data = read_user_file(path, MAX_FILE_BYTES, ImportRefused, what="a PO or XLIFF file",
                          too_large_hint="import the file made by translate export: no article is that long")
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    if head.startswith(b"<"):
        return xliff.read(data, str(path))
    return po.read(data, str(path))


@dataclass
class ImportPlan:
    """What importing one file would do; nothing is stored until all files pass."""

    path: str
    slug: str
    lang: str
    translator: str
    store: list[HumanTranslation] = field(default_factory=list)
    unchanged: int = 0
    untranslated: list[str] = field(default_factory=list)   # unit ids
    fuzzy: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_returned(returned: Returned, doc: Document, memory: TranslationMemory | None,
                   translator: str = "") -> ImportPlan:
    """Refuses (ImportRefused) a file that does not match ``doc`` exactly:
    another article, a unit the article does not have or with other English,
    a unit missing, placeholders that cannot be put back. Otherwise the plan
    lists the approved units to store and reports the rest."""
    name = returned.path
    if returned.slug != doc.slug:
        raise ImportRefused(f"{name}: the file is for the article {returned.slug!r}, not {doc.slug!r}",
                            "import it for its own article (--source), or export this article again")
    who = translator_name(translator or returned.translator)
    if not who:
        raise ImportRefused(f"{name}: the file does not say who translated it",
                            "give the translator's name with --translator NAME")
    expected = {u.id: u for u in source_units(doc)}
    plan = ImportPlan(name, doc.slug, returned.lang, who)
    for unit in returned.units:
        at = _where(name, unit)
        article_unit = expected.get(unit.id)
        if article_unit is None:
            raise ImportRefused(f"{at}: unit {unit.id} is not in the article as it is now (\"{_short(unit.source)}\"): "
                                "its English changed since the export, or the file is for another article",
                                "export the article again and carry the translations over")
        if unit.source != article_unit.source:
            raise ImportRefused(f"{at}: unit {unit.id}: the English differs from the article's: the file has "
                                f"\"{_short(unit.source)}\", the article \"{_short(article_unit.source)}\"",
                                "do not edit the English (msgid / <source>); export the article again")
    missing = [uid for uid in expected if uid not in {u.id for u in returned.units}]
    if missing:
        raise ImportRefused(f"{name}: {len(missing)} unit(s) of the article are not in the file "
                            f"(first: {missing[0]}, \"{_short(expected[missing[0]].source)}\")",
                            "import the complete file made by translate export")
    known = memory.human_for(returned.lang, [u.source for u in returned.units]) if memory is not None else {}
    now = approval_time()
    for unit in returned.units:
        at = _where(name, unit)
        if not unit.target.strip():
            plan.untranslated.append(unit.id)
            continue
        if unit.fuzzy:
            plan.fuzzy.append(unit.id)
            continue
        try:
            human, warnings = approve(expected[unit.id].segment, unit.target, returned.lang, who, now, doc.slug,
                                      name)
        except PlaceholderError as err:
            raise ImportRefused(f"{at}: unit {unit.id} (\"{_short(unit.source)}\"): {err.message}",
                                "keep the placeholders of the English as they are: {1}...{/1}, {2/}") from None
        plan.warnings += [f"unit {unit.id} (\"{_short(unit.source)}\"): {warning}" for warning in warnings]
        previous = known.get(unit.source)
        if previous is not None and previous.target == human.target:
            plan.unchanged += 1
            continue
        plan.store.append(human)
    return plan


def approval_time() -> str:
    """When a translation is approved: ISO 8601 UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def approve(segment, target: str, lang: str, translator: str, when: str, slug: str,
            file: str) -> tuple[HumanTranslation, list[str]]:
    """A person's translation ``target`` (in the placeholder notation) of the
    source ``segment``, as the memory stores an approved one: what `translate
    import` stores for each approved unit and the desk for each sentence an
    editor saves. The translator's name is stored without controls or bidi
    characters and the file by its name alone (translator_name, file_name).
    PlaceholderError when its placeholders cannot be put back; the warnings
    say which markup is lost or moved."""
    check = apply_notation(segment, target)
    labels = {p.number: p.label for p in placeholders(segment)}
    warnings = [f"placeholder {{{number}}} ({labels[number]}) is missing from the translation: that markup is lost"
                for number in check.dropped]
    if check.moved:
        warnings.append("placeholders are in another order than in the English: check that they wrap the right words")
    human = HumanTranslation(lang, notation_of(segment), clean_notation(target), translator_name(translator), when,
                             slug, file_name(file))
    return human, warnings


def _where(name: str, unit) -> str:
    """file:line for a PO unit; XLIFF units are named by their id alone."""
    return f"{name}:{unit.line}" if unit.line else name


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
