"""Dates as each edition's readers write them.

Russian and Kazakh news sites write the Gregorian date in their own press
form («4 июля 2025», «2025 жылғы 4 шілде»). Afghan outlets writing Dari or
Pashto give the solar hijri date with the Afghan month names, which are the
signs of the zodiac (حمل، ثور، جوزا... / وری، غویی، غبرګولی...), not the
Iranian ones (فروردین، اردیبهشت...), and the Gregorian date beside it:
«۱۳ سرطان ۱۴۰۴ (۴ جولای ۲۰۲۵)».

The conversion is jdatetime's (the 33-year arithmetic cycle of the solar
hijri calendar, which agrees with the official Afghan and Iranian calendars
for 1178-1633 AP); only the month names are ours. Babel formats the
Gregorian part, in the edition's locale and digits (translate.publishing.render.l10n).
"""

from __future__ import annotations

from datetime import date, datetime

import jdatetime

# The months of the solar hijri year, from Hamal (starting at the March equinox).
AFGHAN_MONTHS = {
    "prs": ("حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت"),
    "ps": ("وری", "غویی", "غبرګولی", "چنګاښ", "زمری", "وږی", "تله", "لړم", "لیندۍ", "مرغومی", "سلواغه", "کب"),
}

# CLDR patterns of the Gregorian date per edition: Babel's "long" format,
# except where the press writes it otherwise (no «г.» after a Russian date,
# «жылғы» in full in Kazakh).
GREGORIAN_PATTERNS = {
    "ru": "d MMMM y",
    "kk": "y 'жылғы' d MMMM",
}


def solar_hijri(value: date) -> tuple[int, int, int]:
    """(year, month, day) of the solar hijri calendar; month 1 is Hamal."""
    converted = jdatetime.date.fromgregorian(date=value)
    return converted.year, converted.month, converted.day


def solar_hijri_text(value: date, lang_key: str) -> str | None:
    """The solar hijri date with the Afghan month name, in ASCII digits
    ("13 سرطان 1404"); None for an edition whose readers do not use it."""
    months = AFGHAN_MONTHS.get(lang_key)
    if months is None:
        return None
    year, month, day = solar_hijri(value.date() if isinstance(value, datetime) else value)
    return f"{day} {months[month - 1]} {year}"
