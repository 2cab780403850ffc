"""The Kazakh form generator against an independent oracle: tests/glossary_cases/kk.forms.tsv,
case forms written by the apertium-kaz morphological generator (an HFST transducer compiled
from apertium-kaz's lexicon and two-level rules) and, for abbreviations, the press."""

from __future__ import annotations

from pathlib import Path

import pytest

from translate.translation.glossary import forms as term_forms

TABLE = Path(__file__).resolve().parent / "glossary_cases" / "kk.forms.tsv"


def rows():
    out = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        lemma, tag, forms, source = line.split("\t")
        out.append((lemma, tag, tuple(forms.split(";")), source))
    return out


def test_the_table_covers_every_stem_class():
    lemmas = {lemma for lemma, *_ in rows()}
    # vowel-final, -у stems, nasals, sonorants, ж/з, voiceless, a soft sign, loanwords, abbreviations
    assert {"Азия", "Мәскеу", "тану", "такси", "Ауғанстан", "терроризм", "Ресей", "қыз", "билік", "Кремль",
            "Путин", "ДАИШ"} <= lemmas
    assert len(rows()) >= 400


@pytest.mark.parametrize("lemma, tag, expected, source", rows())
def test_generated_forms_are_the_oracles(lemma, tag, expected, source):
    case, _, plural = tag.partition("/")
    made = [c.text for c in term_forms.candidates((lemma,), "kk")
            if case in c.features and ("pl" in c.features) == bool(plural) and "poss" not in c.features]
    assert made and set(made) <= set(expected), (made, expected, source)


def test_endings_go_on_lemmas_only_and_misspelt_listed_forms_are_named():
    accepted = set(term_forms.accepted(("Талибан", "Талибанның", "Ресей", "Ресейдің"), "kk"))
    assert "Талибанмен" in accepted and "Ресейдіңмен" not in accepted and "Талибанныңмен" not in accepted
    assert term_forms.kk_misspelt(("Ауғанстан", "Ауғанстанның", "Ауғанстанбен")) == [("Ауғанстанбен", "Ауғанстанмен")]
    assert term_forms.kk_misspelt(("Ауғанстан", "Ауғанстанның", "Ауғанстанмен")) == []
