"""Afghan Dari adaptation: the data, matching with normalisation and word
boundaries, source hints, and the alignment moving with the text."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translate.translation import adaptation
from translate.translation.engines.base import Alignment, Translation
from translate.project.languages import TARGETS
from translate.translation import glossary as gl
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RULES = adaptation.load()
ZWNJ, TATWEEL = "\u200c", "\u0640"


def adapt_text(text: str, source: str = "") -> str:
    return adaptation.adapt(None, source, Translation(text))[0].text


# --- the data ----------------------------------------------------------------------------


def test_data_is_complete_and_reviewable():
    assert len(RULES.rules) >= 40
    assert all(rule.note for rule in RULES.rules), "every rule says why"
    months = [rule.afghan for rule in RULES.rules if rule.kind == "month"]
    assert set(months) == {"جنوری", "فبروری", "مارچ", "اپریل", "می", "جون", "جولای", "اگست",
                           "سپتمبر", "اکتوبر", "نومبر", "دسمبر"}


@pytest.mark.parametrize("iranian,afghan", [
    ("آمریکا", "امریکا"), ("دلار", "دالر"), ("دیپلمات", "دپلومات"), ("تروریسم", "تروریزم"),
    ("پلیس", "پولیس"), ("دانشگاه", "پوهنتون"), ("وزارت دادگستری", "وزارت عدلیه"),
    ("آوریل", "اپریل"), ("فوریه", "فبروری"),
])
def test_the_design_examples_are_rules(iranian, afghan):
    assert any(r.iranian == iranian and r.afghan == afghan for r in RULES.rules)
    assert adapt_text(f"در {iranian} ") == f"در {afghan} "


def test_every_rule_applies_to_its_own_form():
    for rule in RULES.rules:
        wanted = [h for h in rule.source_hint.split(";") if h and not h.startswith("!")]
        source = f"on 5 {wanted[0]}" if wanted else "a plain sentence"
        # A homograph month changes next to a number only.
        before = "۵ " if rule.kind == "solar-month" or rule.kind == "month" and rule.source_hint else ""
        assert adapt_text(f"«{before}{rule.iranian}»", source) == f"«{before}{rule.afghan}»", rule


@pytest.mark.parametrize("source, raw, adapted", [
    # issue 28: wrong changes
    ("The religious school was closed.", "مدرسه دینی بسته شد.", "مدرسه دینی بسته شد."),
    ("The madrasa was closed.", "مدرسه بسته شد.", "مدرسه بسته شد."),
    ("Airports reopened.", "فرودگاه‌های کشور باز شد.", "میدان‌های هوایی کشور باز شد."),
    ("The provincial council met.", "شورای استانی تشکیل جلسه داد.", "شورای ولایتی تشکیل جلسه داد."),
    ("University settings", "محیط‌های دانشگاهی", "محیط‌های پوهنتونی"),
    ("Kyrgyz traders", "تاجران قرقیزستانی", "تاجران قرقیزستانی"),
    # issue 28: Iranian forms that were left
    ("The UN Secretary-General spoke.", "دبیر کل سازمان ملل سخن گفت.", "سرمنشی سازمان ملل سخن گفت."),
    ("On 1 Hamal (21 March)", "در ۱ فروردین", "در ۱ حمل"),
    ("In Asad (August)", "در ۵ مرداد", "در ۵ اسد"),
    ("In August", "در ماه اوت", "در ماه اگست"),
    ("Americans", "آمریکایی‌ها و آمریکاییان", "امریکایی‌ها و امریکاییان"),
    ("girls' schools", "مدارس دخترانه", "مکاتب دخترانه"),
    ("Students and engineers", "دانشجویان و مهندسان", "محصلین و انجنیران"),
    # homographs of solar months stay words
    ("a bow and an arrow", "تیر و کمان", "تیر و کمان"),
])
def test_issue_28_adaptation_sentences(source, raw, adapted):
    assert adapt_text(raw, source) == adapted


def test_no_rule_decides_a_glossary_term():
    """One source of truth: the glossary decides its terms (قرقیزستان), the adaptation does not."""
    glossary = gl.load_for("prs", locales_dir=ROOT / "locales")
    assert adaptation.glossary_conflicts(RULES, glossary) == []
    extra = adaptation.parse("iranian,afghan,kind\nقرقیزستان,قرغزستان,vocabulary\n".encode(), "x.csv")
    (problem,) = adaptation.glossary_conflicts(extra, glossary)
    assert "x.csv:2: rewrites 'قرقیزستان', which the glossary accepts for 'Kyrgyzstan'" in problem
    # at run time such a rule is left out: the glossary decides the term
    assert adaptation.without_glossary_terms(extra, glossary).rules == ()
    assert adaptation.without_glossary_terms(RULES, glossary) is RULES


@pytest.mark.parametrize("row,message", [
    ("آمریکا,امریکا,spelling,,again", r"x.csv:3: 'آمریکا' is already a rule on line 2"),
    ("دلار,دالر,currency,,", r"x.csv:3: kind 'currency' is not one of"),
    (",دالر,spelling,,", r"x.csv:3: iranian and afghan must both be given"),
    ("پليس,پلیس,spelling,,", r"x.csv:3: .* the same after normalisation"),
])
def test_bad_rows_are_refused_with_their_line(row, message):
    data = f"iranian,afghan,kind,source_hint,note\nآمریکا,امریکا,spelling,,\n{row}\n".encode()
    with pytest.raises(adaptation.AdaptationError, match=message):
        adaptation.parse(data, "x.csv")


# --- matching -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw,adapted", [
    ("پليس", "پولیس"),                                     # Arabic yeh
    ("وزارت كشور", "وزارت امور داخله"),                     # Arabic kaf
    (f"دانش{TATWEEL}گاه", "پوهنتون"),                      # tatweel inside the word
    (f"دانشگاه{ZWNJ}ها", f"پوهنتون{ZWNJ}ها"),              # joined plural kept as written
    ("دانشگاهها", f"پوهنتون{ZWNJ}ها"),                    # ن joins: Dari writes the ZWNJ
    ("دانشگاه ها", "پوهنتون ها"),
    (f"نخست{ZWNJ}وزیر", "صدراعظم"),                        # ZWNJ compound of a two-word rule
    ("نخست  وزیر", "صدراعظم"),
    ("آمریکایی", "امریکایی"),                              # suffix یی
    ("ارتشی", "اردویی"),                                   # ی after a vowel becomes یی
    ("ژانویهٔ ۲۰۲۵", "جنوری ۲۰۲۵"),                        # ezafe mark on the replaced ه
    ("استانبول", "استانبول"),                              # a term inside a longer word
    ("افغانستان", "افغانستان"),
    ("دکترا", "دکترا"),
])
def test_normalisation_and_word_boundaries(raw, adapted):
    assert adapt_text(raw) == adapted


def test_source_hint_decides_ambiguous_words():
    fog = "مه غلیظ بود و در ۱۵ مه"
    # A homograph month name changes only next to a number: the fog stays fog.
    assert adapt_text(fog, "On 15 May the fog was thick.") == "مه غلیظ بود و در ۱۵ می"
    assert adapt_text(fog, "the fog may lift") == fog            # "may" the verb is not May
    assert adapt_text("کنگره حزب", "the party congress") == "کنگره حزب"
    assert adapt_text("کنگره امریکا", "the US Congress") == "کانگرس امریکا"


def test_changes_report_what_was_replaced_and_where():
    source = "The US Congress"
    new, changes = adaptation.adapt(None, source, Translation("پلیس و کنگره آمریکا"))
    assert new.text == "پولیس و کانگرس امریکا"
    assert [(c.before, c.after, c.kind) for c in changes] == [
        ("پلیس", "پولیس", "spelling"), ("کنگره", "کانگرس", "vocabulary"), ("آمریکا", "امریکا", "spelling")]
    for change in changes:
        assert new.text[change.start:change.end] == change.after and change.note


def test_nothing_to_do_returns_the_translation_itself():
    translation = Translation("روسیه طالبان را از فهرست حذف کرد.", (Alignment(0, 6, 0, 5),))
    assert adaptation.adapt(None, "Russia", translation) == (translation, ())


# --- alignment ----------------------------------------------------------------------------


WORDS = ["روسیه", "طالبان", "را", "از", "فهرست", "حذف", "کرد", "آمریکا", "دلار", "پلیس", "دانشگاه",
         "وزارت دادگستری", "نخست وزیر", "آوریل", "ارتشی", "دلارها", "استانبول", "۲۰۲۵"]
EXPECTED = {"آمریکا": "امریکا", "دلار": "دالر", "پلیس": "پولیس", "دانشگاه": "پوهنتون",
            "وزارت دادگستری": "وزارت عدلیه", "نخست وزیر": "صدراعظم", "آوریل": "اپریل",
            "ارتشی": "اردویی", "دلارها": "دالرها"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12), st.sampled_from([" ", "، ", " و "]))
def test_alignment_follows_each_word(words, separator):
    """Each source word i is aligned to target word i; after adaptation each
    pair still covers exactly its (possibly rewritten) word."""
    text, pairs = "", []
    for i, word in enumerate(words):
        if i:
            text += separator
        start = len(text)
        text += word
        pairs.append(Alignment(i, i + 1, start, len(text)))
    # A pair for one letter inside a word grows to the whole rewritten part
    # (a joined suffix such as ها is not part of it).
    inner = [Alignment(100 + i, 101 + i, p.tgt_start + 1, p.tgt_start + 2) for i, p in enumerate(pairs)]
    new, changes = adaptation.adapt(None, "", Translation(text, tuple(pairs + inner)))
    expected = [EXPECTED.get(word, word) for word in words]
    assert new.text == separator.join(expected)
    moved = new.alignment[: len(pairs)]
    assert [new.text[a.tgt_start:a.tgt_end] for a in moved] == expected
    for word, a in zip(words, new.alignment[len(pairs):]):
        rewritten = {"دلارها": "دالر"}.get(word, EXPECTED.get(word))
        assert new.text[a.tgt_start:a.tgt_end] == (rewritten or word[1])
    assert len(changes) == sum(word in EXPECTED for word in words)


# --- when it runs -------------------------------------------------------------------------


@pytest.mark.parametrize("key,code,expected", [
    ("prs", "fa", True),         # Argos en->fa, M2M-100 fa
    ("prs", "pes_Arab", True),   # NLLB-200 asked for Iranian Persian
    ("prs", "prs_Arab", False),  # NLLB-200 Dari
    ("prs", "prs", False),       # a real Dari Argos package, should one appear
    ("ps", "ps", False),
    ("ru", "ru", False),
])
def test_needed_only_for_dari_from_iranian_persian(key, code, expected):
    assert adaptation.needed(SimpleNamespace(lang=TARGETS[key], target_code=code)) is expected


# --- words it must not corrupt (issue 14) ----------------------------------------------------


@pytest.mark.parametrize("engine,source,expected", [
    ("آمریکای لاتین", "Latin America", "امریکای لاتین"),          # ezafe after a vowel stays ی
    ("آفریقای جنوبی", "South Africa", "افریقای جنوبی"),
    ("آمریکایی", "American", "امریکایی"),                          # a respelling keeps the ending
    ("بیمارستانها", "hospitals", "شفاخانه\u200cها"),               # ZWNJ after a joining letter
    ("بیمارستان‌ها", "hospitals", "شفاخانه\u200cها"),
    ("ویزای سفر", "a travel visa", "ویزه\u200cی سفر"),             # ezafe after ه takes a ZWNJ
    ("دلارها", "dollars", "دالرها"),                                # no ZWNJ after ر
    ("دانشجویان", "students", "محصلین"),                            # issue 28: the Afghan plural, not left Iranian
    ("هواپیمایی", "the airline", "هواپیمایی"),                       # a derived word: left
    ("آلمانی", "German", "آلمانی"),
    ("ارتشی", "military", "اردویی"),
    ("توپ اوت شد", "the ball went out", "توپ اوت شد"),               # homographs need their source word
    ("۵ اوت", "on 5 August", "۵ اگست"),
    ("مارسی", "Marseille", "مارسی"),
    ("کنسول بازی", "a game console", "کنسول بازی"),
    ("کنسول روسیه", "the Russian consul", "قونسل روسیه"),
    ("مه غلیظ", "thick fog", "مه غلیظ"),
    ("دبیرکل سازمان ملل", "the UN Secretary-General", "سرمنشی سازمان ملل"),
    ("مدرسه دخترانه", "a girls' school", "مکتب دخترانه"),
])
def test_adaptation_never_corrupts_a_word(engine, source, expected):
    assert adapt_text(engine, source) == expected
