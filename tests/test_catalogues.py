"""The gettext catalogues of the page chrome: complete, not fuzzy, in step
with the templates, and compiled from exactly the .po that is committed."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from translate.project.languages import ALL

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
KEYS = list(ALL)   # en, ru, prs, ps, kk
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def read(path: Path):
    with open(path, "rb") as handle:
        return read_po(handle)


def source_messages() -> set[str]:
    """What `pybabel extract -F babel.cfg` finds in the code and templates now."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_template_lists_exactly_the_strings_in_the_sources():
    template = {m.id for m in read(LOCALES / "messages.pot") if m.id}
    assert template == source_messages(), "run pybabel extract (docs/rendering.md)"


@pytest.mark.parametrize("key", KEYS)
def test_catalogue_is_complete_and_not_fuzzy(key):
    template = {m.id for m in read(LOCALES / "messages.pot") if m.id}
    catalogue = read(LOCALES / key / "LC_MESSAGES" / "messages.po")
    assert not catalogue.fuzzy, "the header is marked fuzzy"
    messages = {m.id: m for m in catalogue if m.id}
    assert set(messages) == template, "run pybabel update (docs/rendering.md)"
    assert not catalogue.obsolete
    for msgid, message in messages.items():
        assert message.string, f"{key}: no translation for {msgid!r}"
        assert not message.fuzzy, f"{key}: fuzzy translation for {msgid!r}"
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(msgid)), msgid
    assert [error for _, errors in catalogue.check() for error in errors] == []


@pytest.mark.parametrize("key", KEYS)
def test_compiled_catalogue_matches_its_po(key):
    folder = LOCALES / key / "LC_MESSAGES"
    compiled = io.BytesIO()
    write_mo(compiled, read(folder / "messages.po"))
    assert (folder / "messages.mo").read_bytes() == compiled.getvalue(), \
        f"{folder}/messages.mo is stale: run pybabel compile (docs/rendering.md)"


@pytest.mark.parametrize("key, expected", [
    ("en", "Page %(page)s of %(pages)s"),
    ("ru", "Страница %(page)s из %(pages)s"),
    ("prs", "صفحه %(page)s از %(pages)s"),
    ("ps", "مخ %(page)s له %(pages)s"),
    ("kk", "%(pages)s беттің %(page)s-беті"),
])
def test_compiled_catalogue_loads(key, expected):
    with open(LOCALES / key / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        translations = Translations(handle)
    assert translations.gettext("Page %(page)s of %(pages)s") == expected


@pytest.mark.parametrize("key", [k for k in KEYS if k != "en"])
def test_translations_are_in_the_editions_script(key):
    catalogue = read(LOCALES / key / "LC_MESSAGES" / "messages.po")
    arabic = ALL[key].direction == "rtl"
    for message in catalogue:
        if not message.id:
            continue
        text = PLACEHOLDER.sub("", message.string)
        latin = re.findall(r"[A-Za-z]", text)
        assert not latin, f"{key}: Latin letters in {message.string!r}"
        if arabic:
            assert re.search(r"[\u0600-\u06FF]", text), message.string
        else:
            assert re.search(r"[\u0400-\u04FF]", text), message.string
