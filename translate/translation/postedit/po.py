"""Gettext PO files for translators (Poedit, Weblate, Lokalize), via Babel.

One message per unit: ``msgctxt`` is the unit's id (so that the same English
sentence twice in an article is two messages), ``msgid`` the English and
``msgstr`` the current target, both in the placeholder notation of
translate.translation.postedit.units. Extracted comments (``#.``) carry the context, what
each placeholder stands for, the raw machine output and the glossary's
report; a translator comment (``#``) names who approved a human translation.
Machine output and suggestions are ``fuzzy`` (to be reviewed); a suggestion
carries the English it translated as the previous msgid (``#|``). The header
names the article (Project-Id-Version: "<slug> <key>") and the language.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, PoFileParser, write_po

from translate.errors import UserError
from translate.project.languages import TARGETS
from translate.translation.postedit.units import Export, Returned, ReturnedUnit
from translate.util.textfile import decode_utf8

# What Babel writes for an unknown translator; not a name.
_NO_TRANSLATOR = ("", "FULL NAME <EMAIL@ADDRESS>")

NOTATION_HELP = (
    "Placeholders stand for inline markup. {1}...{/1} wraps words (emphasis,\n"
    "a link); {2/} stands alone (code, a line break). Keep each one in your\n"
    "translation, around or at the matching words. {{ and }} are braces.\n"
    "Clear the fuzzy flag of each sentence you approve."
)

# A PO line that is not a comment or blank: a keyword and/or one complete
# quoted string. Babel reads an unterminated string leniently; a translator's
# broken file must be refused, as msgfmt would.
_PO_LINE = re.compile(r'(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"(?:[^"\\]|\\.)*"\s*')


class PoError(UserError):
    """A PO file that cannot be read as a translation of an article."""


def write(export: Export) -> bytes:
    """The export as PO bytes (UTF-8)."""
    lang = TARGETS[export.lang]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    catalog = Catalog(locale=lang.babel_locale, project=export.slug, version=export.lang,
                      language_team=f"{lang.english_name} ({export.lang})",
                      creation_date=now, revision_date=now, fuzzy=False,
                      header_comment=_header_comment(export))
    translators = {u.translator for u in export.units if u.state == "human"}
    if len(translators) == 1:
        catalog.last_translator = translators.pop()
    for unit in export.units:
        comments = [unit.context.describe()]
        comments += [f"{p.notation} {p.label}" for p in unit.placeholders]
        comments.append(f"machine translation: {unit.machine}")
        comments += [f"term {t}" for t in unit.terms]
        user_comments = []
        if unit.state == "human":
            user_comments.append(f"approved by {unit.translator} on {unit.approved[:10]}")
        elif unit.state == "suggestion":
            user_comments.append(f"suggestion: {unit.translator}'s approved translation of an earlier "
                                 "version of this sentence")
        message = Message(unit.source, unit.target, auto_comments=comments, user_comments=user_comments,
                          flags=("fuzzy",) if unit.fuzzy else (), context=unit.id,
                          previous_id=unit.previous_source or ())
        # Babel guesses "python-format" from a "%" in the English ("50% of")
        # and "python-brace-format" from our placeholders: our messages are
        # never format strings.
        message.flags.discard("python-format")
        message.flags.discard("python-brace-format")
        catalog[unit.source] = message
    out = io.BytesIO()
    write_po(out, catalog, width=79, include_previous=True, sort_output=False)
    return out.getvalue()


def _header_comment(export: Export) -> str:
    lang = TARGETS[export.lang]
    lines = [f"{lang.english_name} edition of the article \"{export.slug}\""
             + (f" ({export.source_name})" if export.source_name else "") + ", for review.",
             *NOTATION_HELP.splitlines(),
             "Import it with: translate import FILE --translator NAME"]
    return "\n".join(f"# {line}" for line in lines)


def read(data: bytes, name: str) -> Returned:
    """A translator's PO file. PoError (naming file and line) when it is not
    a PO file, has a duplicate unit id, or names no article."""
    catalog = Catalog()
    parser = PoFileParser(catalog, ignore_obsolete=True, abort_invalid=True)

    text = decode_utf8(data, name, PoError)
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not _PO_LINE.fullmatch(stripped):
            raise PoError(f"{name}:{number}: not valid PO syntax: {stripped[:60]}",
                          "a string must be one quoted line (\" inside it); check the file with msgfmt --check")
    try:
        parser.parse(io.StringIO(text))
    except PoFileError as err:
        raise PoError(f"{name}: not a readable PO file: {err}",
                      "open it in Poedit or check it with msgfmt --check") from None
    except (ValueError, IndexError) as err:
        raise PoError(f"{name}: not a readable PO file ({err})", "check it with msgfmt --check") from None
    messages = [m for m in catalog if m.id]
    seen: dict[str, int] = {}
    for message in messages:
        if not message.context:
            raise PoError(f"{name}:{message.lineno}: a message without a unit id (msgctxt)",
                          "export the article again and translate that file")
        if message.context in seen:
            raise PoError(f"{name}:{message.lineno}: unit {message.context} appears twice "
                          f"(first at line {seen[message.context]})", "keep one of them")
        seen[message.context] = message.lineno
    if parser.counter - 1 > len(messages):   # the header is one message
        raise PoError(f"{name}: a unit appears twice with the same id and English", "keep one of them")
    lang = next((key for key, target in TARGETS.items() if str(catalog.locale_identifier or "") ==
                 target.babel_locale), None)
    if not catalog.project or lang is None or catalog.version != lang:
        raise PoError(f"{name}: the header does not name an article and edition of ours "
                      f"(Project-Id-Version: {catalog.project} {catalog.version}, Language: {catalog.locale})",
                      "import a file made by translate export")
    translator = "" if catalog.last_translator in _NO_TRANSLATOR else catalog.last_translator
    units = tuple(ReturnedUnit(m.context, m.id if isinstance(m.id, str) else m.id[0],
                               m.string if isinstance(m.string, str) else (m.string[0] if m.string else ""),
                               m.fuzzy, m.lineno) for m in messages)
    return Returned(name, catalog.project, lang, translator, units, "po")
