"""The translation stage: a Document in, a translated Document and a record out.

For each segment: plain text -> engine -> glossary enforcement -> inline marks
put back. Files, flags and progress bars belong to the CLI, not here.
"""

from __future__ import annotations

from pathlib import Path

import unicodedata

from translate import inline
from translate.document import Document
from translate.engines.base import Engine, EngineError, Progress
from translate.languages import Language
from translate.markdown_reader import SourceError, read_markdown
from translate.records import EditionRecord, SegmentRecord


# One article, not a book: a long read is some 200 KB of Markdown. Past this
# the sentence splitter, the models and the PDF typesetter would take many
# minutes and gigabytes per edition (measured in docs/reliability.md).
MAX_SOURCE_BYTES = 1 << 20


def read_source(path: Path) -> Document:
    """Read an article file; any problem becomes a SourceError naming the file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES and path.is_file():
            raise SourceError(f"{path}: {size / (1 << 20):.1f} MB is over the limit of "
                              f"{MAX_SOURCE_BYTES >> 20} MB for one article: split it into several articles")
        raw = path.read_bytes()
    except IsADirectoryError:
        raise SourceError(f"{path}: is a folder, not an article file") from None
    except FileNotFoundError:
        raise SourceError(f"{path}: cannot read it (No such file or directory): check the path") from None
    except OSError as err:
        raise SourceError(f"{path}: cannot read it ({err.strerror})") from None
    if not raw.strip():
        raise SourceError(f"{path}: the file is empty (no title, no text): write the front matter "
                          "(--- title: ... ---) and the article")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(f"{path}: not UTF-8 text but UTF-16 (Windows \"Unicode\"): save it as UTF-8")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise SourceError(f"{path}:{line}: a NUL byte: this looks like a binary file, not a Markdown article")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise SourceError(f"{path}:{line}: not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start}): "
                          "save the file as UTF-8") from None
    try:
        doc = read_markdown(text, slug=path.stem)
    except SourceError as err:
        raise SourceError(f"{path}: {err}", line=err.line) from None
    if not doc.blocks:
        raise SourceError(f"{path}: the article has no text after its front matter")
    if doc.lang.lower().split("-")[0].split("_")[0] != "en":
        raise SourceError(f"{path}: front matter lang: {doc.lang}, but only English articles can be translated: "
                          "set lang: en or remove it")
    return doc


class WrongLanguage(EngineError):
    """The model writes another script than the edition's language: its
    package metadata names a language its weights do not translate into."""

    hint = "translate models verify; then reinstall the right package (translate models add FILE)"


# Share of an edition's letters that must be in the language's script. A real
# translation has a few Latin names and abbreviations; a model that writes
# another language has almost none of the expected script.
MIN_SCRIPT_SHARE = 0.5
MIN_LETTERS_TO_JUDGE = 40


def check_script(lang: Language, texts: list[str], model_name: str) -> None:
    """WrongLanguage when the translations are not mostly in ``lang``'s script."""
    from translate.glossary import TARGET_SCRIPTS

    script = TARGET_SCRIPTS.get(lang.key)
    if script is None:
        return
    letters = [c for text in texts for c in text if c.isalpha()]
    if len(letters) < MIN_LETTERS_TO_JUDGE:
        return
    scripts: dict[str, int] = {}
    for c in letters:
        name = unicodedata.name(c, "").split(" ")[0]
        scripts[name] = scripts.get(name, 0) + 1
    share = scripts.get(script, 0) / len(letters)
    if share < MIN_SCRIPT_SHARE:
        found = max(scripts, key=scripts.get).title() or "unknown"
        raise WrongLanguage(
            f"the model {model_name} wrote {found} letters, only {share:.0%} {script.title()}: it does not "
            f"translate into {lang.english_name} whatever its metadata says; the edition was not published")


def translate_document(
    doc: Document,
    lang: Language,
    engine: Engine,
    *,
    glossary=None,
    adaptation=None,
    progress: Progress | None = None,
    human=None,
) -> tuple[Document, EditionRecord, list[inline.LostMark]]:
    """Translate every segment of ``doc`` into ``lang`` in one engine call.

    ``adaptation`` (translate.adaptation.Rules) rewrites Iranian Persian as
    Afghan Dari before the glossary, so that glossary terms win. ``human``
    (translate.postedit.human.Approved) puts approved human translations in
    place of the engine's for exactly their source sentences."""
    segments = doc.segments()
    texts = [inline.engine_text(s) for s in segments]
    translations = engine.translate(texts, progress=progress)
    if len(translations) != len(texts):
        raise RuntimeError(f"engine returned {len(translations)} translations for {len(texts)} segments")

    records, new_segments, lost_marks = [], [], []
    for index, (segment, text, raw) in enumerate(zip(segments, texts, translations)):
        approved = human.apply(index, segment, text, raw, glossary) if human is not None else None
        if approved is not None:
            new_segments.append(approved[0])
            records.append(approved[1])
            continue
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
                   options=None, config=None, multilingual_dir=None,
                   human=None) -> tuple[Document, EditionRecord]:
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
    approved = human(doc, lang.key) if human is not None else None
    translated, record, _ = translate_document(doc, lang, engine, glossary=glossary, adaptation=rules,
                                               human=approved)
    return translated, record
