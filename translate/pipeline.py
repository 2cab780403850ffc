"""The translation stage: a Document in, a translated Document and a record out.

For each segment: plain text -> engine -> glossary enforcement -> inline marks
put back. Files, flags and progress bars belong to the CLI, not here.
"""

from __future__ import annotations

from pathlib import Path

from translate import inline
from translate.document import Document
from translate.engines.base import Engine, Progress
from translate.languages import Language
from translate.markdown_reader import SourceError, read_markdown
from translate.records import EditionRecord, SegmentRecord


def read_source(path: Path) -> Document:
    """Read an article file; any problem becomes a SourceError naming the file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise SourceError(f"{path}: is a folder, not an article file") from None
    except OSError as err:
        raise SourceError(f"{path}: cannot read it ({err.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise SourceError(f"{path}: not UTF-8 text (byte {err.start}): save it as UTF-8") from None
    if "\x00" in text:
        raise SourceError(f"{path}: looks like a binary file, not a Markdown article")
    try:
        doc = read_markdown(text, slug=path.stem)
    except SourceError as err:
        raise SourceError(f"{path}: {err}") from None
    if not doc.blocks:
        raise SourceError(f"{path}: the article has no text after its front matter")
    return doc


def translate_document(
    doc: Document,
    lang: Language,
    engine: Engine,
    *,
    glossary=None,
    adaptation=None,
    progress: Progress | None = None,
) -> tuple[Document, EditionRecord, list[inline.LostMark]]:
    """Translate every segment of ``doc`` into ``lang`` in one engine call.

    ``adaptation`` (translate.adaptation.Rules) rewrites Iranian Persian as
    Afghan Dari before the glossary, so that glossary terms win."""
    segments = doc.segments()
    texts = [inline.engine_text(s) for s in segments]
    translations = engine.translate(texts, progress=progress)
    if len(translations) != len(texts):
        raise RuntimeError(f"engine returned {len(translations)} translations for {len(texts)} segments")

    records, new_segments, lost_marks = [], [], []
    for index, (segment, text, raw) in enumerate(zip(segments, texts, translations)):
        adapted, changes, terms = raw, (), ()
        if adaptation is not None:
            from translate import adaptation as adaptation_stage

            adapted, changes = adaptation_stage.adapt(text, raw, adaptation)
        final = adapted
        if glossary is not None:
            from translate import glossary as glossary_stage

            final, terms = glossary_stage.enforce(glossary, text, adapted)
        new_segment, lost = inline.restore(segment, final)
        lost_marks.extend(lost)
        new_segments.append(new_segment)
        records.append(SegmentRecord(index, text, raw, adapted.text, final.text, tuple(terms), tuple(changes)))
    translated = doc.with_segments(new_segments, lang=lang.key)
    return translated, EditionRecord(lang.key, engine.info, tuple(records)), lost_marks


def review_edition(source: Path, lang_key: str, *, models_dir=None, locales_dir: Path | None = None,
                   options=None, config=None, multilingual_dir=None) -> tuple[Document, EditionRecord]:
    """Translate one article into one language exactly as publish would, for review."""
    from translate import adaptation as adaptation_stage
    from translate import config as project_config
    from translate import glossary as glossary_stage
    from translate.engines import choose_engine
    from translate.languages import target
    from translate.paths import LOCALES_DIR

    lang = target(lang_key)
    doc = read_source(source)
    choice = choose_engine(lang, models_dir, config=config, multilingual_dir=multilingual_dir)
    engine = project_config.build_engine(choice, options)
    glossary = glossary_stage.load_for(lang.key, locales_dir=Path(locales_dir or LOCALES_DIR))
    rules = adaptation_stage.load() if choice.adapted else None
    translated, record, _ = translate_document(doc, lang, engine, glossary=glossary, adaptation=rules)
    return translated, record
