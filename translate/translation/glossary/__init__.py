"""Glossaries: the organisation's key terms, enforced in every edition.

The stage in one line: find the source terms, keep every correct rendering
the engine wrote (and every word derived from a term), and repair the rest
with the form the sentence needs, never duplicating or breaking a word and
never appending a term the engine left out (it is reported missing).

Modules, one concern each:

    normalise  folding for comparison (letter variants, ZWNJ, dashes, U.N., -ise)
    patterns   the {a|b} pattern language of glossary cells
    csvfile    reading and validating locales/<key>/glossary.csv
    matching   entries, and finding their occurrences in source and target
    forms      candidate renderings (Russian pymorphy3, Kazakh suffixes, Dari/Pashto variants)
    grammar    what the sentence asks of a term (case, number, governing words), in words; derived words
    model      the TermModel protocol, and answering many segments' questions at once
    repair     enforce(), enforce_many(): verify, choose, place, check
"""

from __future__ import annotations

from translate.translation.glossary.csvfile import (
    COLUMNS,
    REQUIRED,
    TARGET_SCRIPTS,
    GlossaryError,
    load,
    load_for,
    parse,
)
from translate.translation.glossary.forms import Candidate
from translate.translation.glossary.matching import Entry, Glossary, Occurrence
from translate.translation.glossary.model import TermModel
from translate.translation.glossary.normalise import fold, fold_source, term_key
from translate.translation.glossary.patterns import MAX_EXPANSIONS, MAX_FORM_LENGTH, PatternError, expand
from translate.translation.glossary.repair import damage, enforce, enforce_many

__all__ = [
    "COLUMNS", "REQUIRED", "TARGET_SCRIPTS", "GlossaryError", "load", "load_for", "parse", "Candidate",
    "Entry", "Glossary", "Occurrence", "TermModel", "fold", "fold_source", "term_key", "MAX_EXPANSIONS",
    "MAX_FORM_LENGTH", "PatternError", "expand", "damage", "enforce", "enforce_many",
]
