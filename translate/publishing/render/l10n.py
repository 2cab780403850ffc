"""Locale data of an edition: dates, numbers and file sizes as its readers
write them, and the gettext catalogue of the page chrome.

Babel formats with the symbols of the locale's default numbering system
(Dari and Pashto: ``٫`` and ``٬``) but always writes ASCII digits, so the digits
are swapped here for the numbering system's own.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal
from babel.support import Translations
from babel.units import format_unit

from translate.project.languages import Language
from translate.project.resources import builtin_locales

# Babel has no table of the digits of each CLDR numbering system; these are the
# ones our editions' locales use (fa_AF and ps default to arabext).
DIGITS = {
    "latn": "0123456789",
    "arab": "٠١٢٣٤٥٦٧٨٩",
    "arabext": "۰۱۲۳۴۵۶۷۸۹",
}

# CSS counter styles that write those digits (predefined in CSS Counter Styles
# and in WeasyPrint's user-agent stylesheet).
COUNTER_STYLES = {"latn": "decimal", "arab": "arabic-indic", "arabext": "persian"}

CATALOGUE_DOMAIN = "messages"


class CatalogueMissing(Exception):
    """No compiled catalogue for an edition; the message says how to build it."""


@lru_cache(maxsize=None)
def babel_locale(lang: Language) -> Locale:
    return Locale.parse(lang.babel_locale)


def numbering_system(lang: Language) -> str:
    """The CLDR numbering system the edition's readers expect ("latn", "arabext"...)."""
    system = babel_locale(lang).default_numbering_system
    return system if system in DIGITS else "latn"


def counter_style(lang: Language) -> str:
    """The CSS counter style (list items, page numbers) in the edition's digits."""
    return COUNTER_STYLES[numbering_system(lang)]


def native_digits(text: str, lang: Language) -> str:
    """``text`` with ASCII digits written in the edition's digits."""
    system = numbering_system(lang)
    if system == "latn":
        return text
    return text.translate(str.maketrans(DIGITS["latn"], DIGITS[system]))


def format_number(value: float, lang: Language) -> str:
    """A number with the edition's separators and digits (fa_AF: ۱٬۲۳۴٫۵)."""
    locale = babel_locale(lang)
    return native_digits(format_decimal(value, locale=locale, numbering_system="default"), lang)


def format_date(value: date | datetime, lang: Language) -> str:
    """A calendar date in the edition's long format and digits.

    Babel's fa_AF and ps data use the Afghan names of the Gregorian months
    (جنوری، فبروری، اپریل... / جنوري، فبروري، اپریل...), not the Iranian ones.
    """
    if isinstance(value, datetime):
        value = value.date()
    text = babel_format_date(value, format="long", locale=babel_locale(lang))
    return native_digits(text, lang)


_SIZE_UNITS = ((1000**3, "digital-gigabyte"), (1000**2, "digital-megabyte"), (1000, "digital-kilobyte"))


def format_size(num_bytes: int, lang: Language) -> str:
    """A file size in decimal units (1 kB = 1000 bytes), e.g. "4,2 МБ", "۳۱۶ کیلوبایت"."""
    locale = babel_locale(lang)
    # Below 1 kB too, so that no edition meets CLDR's gaps for bytes (ps has none).
    value, unit = num_bytes / 1000, "digital-kilobyte"
    for factor, name in _SIZE_UNITS:
        if num_bytes >= factor:
            value, unit = num_bytes / factor, name
            break
    # One decimal below 10 units, none above: "4,2 МБ", "316 кБ".
    value = round(value, 1) if value < 10 else float(math.floor(value + 0.5))
    pattern = "#,##0.#"
    text = format_unit(value, unit, length="short", locale=locale, format=pattern, numbering_system="default")
    if _has_latin(text) and not _has_latin(locale.get_display_name()):
        # CLDR's short units are Latin for fa_AF and ps ("kB") and mixed for kk
        # ("MБ" with a Latin M); the long names are in the locale's own script.
        text = format_unit(value, unit, length="long", locale=locale, format=pattern, numbering_system="default")
    return native_digits(text, lang)


def _has_latin(text: str) -> bool:
    return any("a" <= c.lower() <= "z" for c in text)


def catalogue_path(lang: Language, locales_dir: Path | None = None, suffix: str = ".mo") -> Path:
    base = Path(locales_dir) if locales_dir is not None else builtin_locales()
    return base / lang.key / "LC_MESSAGES" / f"{CATALOGUE_DOMAIN}{suffix}"


@lru_cache(maxsize=None)
def translations(lang: Language) -> Translations:
    """The compiled chrome catalogue locales/<key>/LC_MESSAGES/messages.mo."""
    path = catalogue_path(lang)
    try:
        with open(path, "rb") as handle:
            return Translations(handle, domain=CATALOGUE_DOMAIN)
    except FileNotFoundError:
        raise CatalogueMissing(
            f"no compiled catalogue {path}: run `pybabel compile -i {catalogue_path(lang, suffix='.po')} "
            f"-o {path} -l {lang.babel_locale}` (see docs/rendering.md)"
        ) from None
