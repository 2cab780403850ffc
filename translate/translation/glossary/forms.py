"""Candidate renderings of a glossary term: the forms a repair may place.

A glossary lists the dictionary form and a few inflections; a sentence needs
the one its grammar asks for. For each language this module generates the
other correct forms, each with grammatical features, so that the repair can
let the model choose (TermModel.score) or, without a model, pick the form
whose features agree with the words the engine wrote:

- Russian: pymorphy3 with its Russian dictionary inflects the term's head
  group (the nominative nouns and adjectives it starts with) into every case,
  keeping agreement; a genitive tail (России, ООН, человека) stays as it is.
- Kazakh: a suffix generator with vowel harmony and consonant assimilation
  (Ресейдің, Талибанға, Пәкістанмен, Ауғанстандағы), possessive-stem endings
  for compound terms (министрлігінің, Кеңесіне), and hyphenated endings after
  abbreviations (ДАИШ-тың, СІМ-і).
- Dari and Pashto: the spelling variants that matching accepts (ZWNJ, space or
  joined; the Pashto letter pairs) need no candidates; repairs choose between
  the listed forms by number (plural -ها/-های) and ezafe (Dari روسیه‌ی), and
  Pashto by direct/oblique case (د روسیې).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from translate.translation.glossary.normalise import ZWNJ, term_key
from translate.util import heavy

RU_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
# In the wanted features: a word before the term (a preposition, a Pashto
# particle) decides its case, whatever a model would prefer.
GOVERNED = "governed"


@dataclass(frozen=True)
class Candidate:
    text: str
    features: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=2048)
def candidates(forms: tuple[str, ...], lang: str | None) -> tuple[Candidate, ...]:
    """The listed forms (in order, the target first) and the generated ones,
    without duplicates."""
    generated: dict[str, Candidate] = {}
    for form in (kk_lemmas(forms) if lang == "kk" else forms):
        for cand in GENERATORS.get(lang or "", _nothing)(form):
            key = term_key(cand.text)
            # власти is genitive, dative and locative: one candidate with all three readings.
            known = generated.get(key)
            generated[key] = Candidate(known.text, known.features | cand.features) if known else cand
    out: dict[str, Candidate] = {}
    for index, form in enumerate(forms):
        known = generated.get(term_key(form))
        if known:
            feats = known.features
        elif index == 0 and lang in ("kk", "ps"):
            # The dictionary form: no ending to read (Pashto ښځې is a direct plural
            # although it ends like an oblique singular).
            feats = frozenset({"nom"} if lang == "kk" else _ps_target_readings(form, forms))
        elif lang == "ru" and not _ru_inflections(form):
            feats = _RU_ANY_CASE    # ИГИЛ, МИД, Вилаят Хорасан: indeclinable, they fit every case
        else:
            feats = features(form, lang)
        out.setdefault(term_key(form), Candidate(form, feats))
    for key, cand in generated.items():
        out.setdefault(key, cand)
    return tuple(out.values())


def repair_candidates(forms: tuple[str, ...], lang: str | None) -> list[Candidate]:
    """What a repair may place: forms of the target itself (its inflections,
    listed or generated, and for Dari/Pashto its listed forms built on the same
    words), never an alternative the glossary merely accepts (талибы, СБ ООН,
    گروه تروریستی): those are kept where the engine wrote them, not introduced."""
    target = forms[0]
    mine = {term_key(c.text) for c in candidates(forms[:1], lang)}
    # read with all the listed forms beside it (طالبان is direct because طالبانو is listed)
    own = [c for c in candidates(forms, lang) if term_key(c.text) in mine and "split" not in c.features]
    if lang in ("ru", "kk"):
        return own
    # Pashto ترهګري / ترهګرۍ fold to one key but are two cases: compare as written.
    keys = {" ".join(c.text.split()) for c in own}
    words = term_key(target).split()
    for form in forms[1:]:
        other = term_key(form).split()
        if lang == "prs" and not features(form, lang) & _MARKED:
            continue   # a Dari alternative (مواد مخدره) is accepted, not introduced
        if " ".join(form.split()) not in keys and len(other) == len(words) and all(
                a[:min(3, len(a) - 1, len(b) - 1)] == b[:min(3, len(a) - 1, len(b) - 1)]
                for a, b in zip(words, other)):
            own.append(Candidate(form, features(form, lang)))
            keys.add(" ".join(form.split()))
    return own


def accepted(forms: tuple[str, ...], lang: str | None) -> tuple[str, ...]:
    """Forms that count as correct in a translation: the listed ones, and for
    inflecting languages (ru, kk) their generated inflections, for Pashto the
    form a second د gives a د-phrase («د مخدره توکو د قاچاق»)."""
    if lang not in ("ru", "kk", "ps"):
        return forms
    return tuple(c.text for c in candidates(forms, lang))


def features(text: str, lang: str | None, before: str = "") -> frozenset[str]:
    """Grammatical features of ``text`` as written (``before``: the text
    preceding it in the sentence, for languages where a particle decides)."""
    return FEATURES.get(lang or "", lambda t, b: frozenset())(text, before)


# Features a form has only when something asks for it: a plural or an ezafe
# the engine did not write is never introduced.
_MARKED = frozenset({"pl", "plural", "ezafe", "poss"})


def introduces(candidate: Candidate, wanted: frozenset[str]) -> bool:
    """True when the candidate has a plural or an ezafe the engine did not write."""
    return bool((candidate.features & _MARKED) - wanted)


def agreement(candidate: Candidate, wanted: frozenset[str]) -> int:
    """2 when the candidate can be read with the features the sentence wants,
    1 when only its case can (its number differs), 0 otherwise."""
    if introduces(candidate, wanted):
        return 0
    core_c = candidate.features - _MARKED - {GOVERNED}
    core_w = wanted - _MARKED - {GOVERNED}
    marked = (wanted & _MARKED) <= candidate.features      # the plural or ezafe asked for is there
    if not core_w or not core_c:
        return 2 if marked else 0
    if core_c & core_w:
        return 2 if marked else 1
    cases = {f.split("/")[0] for f in core_w if "/" in f}
    return 1 if cases & {f.split("/")[0] for f in core_c if "/" in f} else 0


def _nothing(form: str) -> list[Candidate]:
    return []


def _is_abbreviation(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


# --- Russian -------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _morph():
    return heavy.pymorphy3().MorphAnalyzer(lang="ru")


_INFLECTING = {"NOUN", "ADJF", "PRTF"}
_RU_ANY_CASE = frozenset(f"{case}/{number}" for case in RU_CASES for number in ("sing", "plur"))


def _nominative_parse(word: str):
    # Abbreviations and names the dictionary does not know (Вилаят Хорасан) do not inflect.
    if _is_abbreviation(word) or "-" in word or (word[:1].isupper() and not _morph().word_is_known(word.lower())):
        return None
    for p in _morph().parse(word):
        if p.tag.POS in _INFLECTING and p.tag.case == "nomn":
            return p
    return None


def _keep_case(model: str, word: str) -> str:
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


def _ru_inflections(form: str) -> list[Candidate]:
    words = form.split()
    head = []          # (index, parse) of the words that inflect
    after_noun = False
    for i, word in enumerate(words):
        if word.lower() in ("и", "или") and head:
            after_noun = False
            continue
        if after_noun:
            break          # Совет Безопасности: what follows the noun is its genitive tail
        parse = _nominative_parse(word)
        if parse is None:
            break
        head.append((i, parse))
        after_noun = parse.tag.POS == "NOUN"
    if not head:
        return []
    out = []
    own = head[-1][1].tag.number or "sing"
    nouns = [p for _, p in head if p.tag.POS == "NOUN"]
    # A common noun has both numbers (террористическая организация,
    # террористических организаций); a name or a noun of one number only
    # (Россия, права) keeps its own.
    both = bool(nouns) and all(not words[i][:1].isupper() and not {"Sgtm", "Pltm"} & set(map(str, p.tag.grammemes))
                               for i, p in head if p.tag.POS == "NOUN")
    for number in ((own, "plur" if own == "sing" else "sing") if both else (own,)):
        out += _ru_number(words, head, nouns, number)
    return out


def _ru_number(words: list[str], head: list, nouns: list, number: str) -> list[Candidate]:
    out = []
    animate = "anim" if any(p.tag.animacy == "anim" for p in nouns) else "inan"
    gender = next((p.tag.gender for p in nouns if p.tag.gender), None)
    for case in RU_CASES:
        new = list(words)
        for i, parse in head:
            wanted = {case, number}
            if parse.tag.POS != "NOUN":
                # An adjective agrees with its noun: gender in the singular,
                # animacy in the accusative.
                if number == "sing" and gender:
                    wanted.add(gender)
                if case == "accs":
                    wanted.add(animate)
            inflected = parse.inflect(wanted) or parse.inflect({case, number})
            if inflected is None:
                break
            new[i] = _keep_case(words[i], inflected.word)
        else:
            out.append(Candidate(" ".join(new), frozenset({f"{case}/{number}"})))
    return out


def ru_readings(text: str) -> set[str]:
    """The case/number readings every word of ``text`` allows (российским
    Верховным судом: instrumental singular); those of its first word when
    they share none."""
    readings = []
    for word in text.split():
        word = word.strip(".,;:!?«»()\"'“”„")
        parses = [p for p in _morph().parse(word) if p.tag.case] if word else []
        if parses:
            readings.append({f"{p.tag.case if p.tag.case not in ('gen2', 'gen1') else 'gent'}/"
                             f"{p.tag.number or 'sing'}" for p in parses})
    feats = set.intersection(*readings) if readings else set()
    return feats or (readings[0] if readings else set())


def _ru_features(text: str, before: str) -> frozenset[str]:
    return frozenset(ru_readings(text))


# --- Kazakh --------------------------------------------------------------------
#
# An ending's vowel follows the stem's last vowel (back а о ұ ы я ё ю, front ә ө
# ү і е э и: и is front in loanwords, терроризмнің, Путинге, таксидің); у does
# not decide (тану → тануды, Мәскеу → Мәскеуді, Кабул → Кабулда). Its first consonant
# follows the stem's last sound: a vowel, a sonorant (р й л, and у/и/ю, which
# end in [w]/[j]: Мәскеудің, тануды), a nasal (м н ң: Ауғанстанның,
# Ауғанстанмен), ж/з, or a voiceless consonant (б в г д are devoiced at the end
# of loanwords). A soft or hard sign is not a sound (Кремльде). An abbreviation
# with a vowel is read as a word (ДАИШ-тің, СІМ-нің, НАТО-ның); one without is
# read letter by letter, by the name of its last letter (ТМД → "де": ТМД-нің).
# tests/glossary_cases/kk.forms.tsv checks all of this against forms written
# by apertium-kaz and the press.

_BACK = set("аоұыяёю")
_FRONT = set("әөүіеэи")
_VOWEL_SOUNDS = set("аоұыяёәөүіеэ")      # a stem ending in one of these ends in a vowel
_GLIDES = set("уию")                     # end in [w]/[j]: endings as after й
_VOICELESS = set("пфкқтсшщхцчһбвгд")
_NASAL = set("мнң")
_VOICED_FRIC = set("зж")
_SIGNS = set("ьъ")
_LETTER_NAMES = {"б": "бе", "в": "ве", "г": "ге", "ғ": "ғы", "д": "де", "ж": "же", "з": "зе", "к": "ка",
                 "қ": "қы", "л": "эл", "м": "эм", "н": "эн", "ң": "ың", "п": "пе", "р": "эр", "с": "эс",
                 "т": "те", "ф": "эф", "х": "ха", "һ": "һа", "ц": "це", "ч": "че", "ш": "ша", "щ": "ща"}


def _kk_spoken(word: str) -> str:
    """How the end of ``word`` sounds, for choosing endings: an abbreviation
    without a vowel by its last letter's name, anything else as written."""
    last = word.rstrip("-").split("-")[-1].lower()
    if _is_abbreviation(word.rstrip("-").split("-")[-1]) or len(last) == 1:
        if not any(c in _VOWEL_SOUNDS or c in _GLIDES for c in last) and last[-1:] in _LETTER_NAMES:
            return _LETTER_NAMES[last[-1]]
    return last


def _front(word: str) -> bool:
    for c in reversed(_kk_spoken(word)):
        if c in _FRONT:
            return True
        if c in _BACK:
            return False
    return False


def _last_sound(word: str) -> str:
    spoken = _kk_spoken(word).rstrip("".join(_SIGNS))
    return spoken[-1:]


def _sound_class(stem: str) -> str:
    s = _last_sound(stem)
    if s in _VOWEL_SOUNDS:
        return "vowel"
    if s in _NASAL:
        return "nasal"
    if s in _VOICED_FRIC:
        return "voiced"
    if s in _VOICELESS:
        return "voiceless"
    return "sonorant"          # р й л, у и ю


# (genitive, accusative, dative, locative/ablative, ablative, instrumental) first consonants
_KK_CONSONANTS = {
    "vowel":     ("н", "н", "ғ", "д", "д", "м"),
    "nasal":     ("н", "д", "ғ", "д", "н", "м"),
    "sonorant":  ("д", "д", "ғ", "д", "д", "м"),
    "voiced":    ("д", "д", "ғ", "д", "д", "б"),
    "voiceless": ("т", "т", "қ", "т", "т", "п"),
}


def _kk_case_endings(stem: str, back: bool) -> dict[str, list[str]]:
    """Case endings for a noun ending in ``stem``'s last sound."""
    v = lambda b, f: b if back else f  # noqa: E731 - one letter of harmony
    gen, acc, dat, loc, abl, ins = _KK_CONSONANTS[_sound_class(stem)]
    if not back:
        dat = {"ғ": "г", "қ": "к"}[dat]
    return {
        "gen": [gen + v("ың", "ің")],
        "acc": [acc + v("ы", "і")],
        "dat": [dat + v("а", "е")],
        "loc": [loc + v("а", "е")],
        "abl": [abl + v("ан", "ен")],
        "ins": [ins + "ен"],
        "attr": [loc + v("ағы", "егі")],
    }


def _kk_possessed_endings(back: bool) -> dict[str, list[str]]:
    """After the 3rd person possessive -ы/-і/-сы/-сі (министрлігі, Кеңесі)."""
    v = lambda b, f: b if back else f  # noqa: E731
    return {"gen": [v("ның", "нің")], "acc": ["н"], "dat": [v("на", "не")], "loc": [v("нда", "нде")],
            "abl": [v("нан", "нен")], "ins": ["мен"], "attr": [v("ндағы", "ндегі")]}


def _kk_plural(stem: str, back: bool) -> str:
    cls, s = _sound_class(stem), _last_sound(stem)
    if cls == "vowel" or s in "рйуию":
        return "лар" if back else "лер"
    if cls in ("nasal", "voiced") or s == "л":
        return "дар" if back else "дер"
    return "тар" if back else "тер"


_KK_PLURAL = re.compile(r"(лар|лер|дар|дер|тар|тер)$")


def _kk_inflections(form: str) -> list[Candidate]:
    words = form.split()
    last = words[-1]
    back = not _front(last)
    out = []
    if _is_abbreviation(last.split("-")[0]):
        # Endings after a hyphen; the possessive -ы/-і too (Ресей СІМ-і), which
        # only stands where the engine wrote a possessive.
        for case, endings in _kk_case_endings(last, back).items():
            out += [Candidate(f"{form}-{e}", frozenset({case})) for e in endings]
        if len(last.split("-")[-1]) > 1:          # not after a single letter (ДАИШ-К)
            poss = form + ("-с" if _sound_class(last) == "vowel" else "-") + ("ы" if back else "і")
            out.append(Candidate(poss, frozenset({"nom", "poss"})))
            for case, endings in _kk_possessed_endings(back).items():
                out += [Candidate(poss + e, frozenset({case, "poss"})) for e in endings]
        return out
    possessed = len(words) > 1 and last[-1:] in "ыі" and last[-2:-1] not in _VOWEL_SOUNDS
    table = _kk_possessed_endings(back) if possessed else _kk_case_endings(last, back)
    plural = bool(_KK_PLURAL.search(last))
    number = {"pl"} if plural else set()
    for case, endings in table.items():
        out += [Candidate(form + e, frozenset({case, *number})) for e in endings]
    if not possessed and not plural:
        plural_form = form + _kk_plural(last, back)
        out.append(Candidate(plural_form, frozenset({"nom", "pl"})))
        for case, endings in _kk_case_endings(plural_form, back).items():
            out += [Candidate(plural_form + e, frozenset({case, "pl"})) for e in endings]
    return out


@functools.lru_cache(maxsize=1)
def _kk_suffixes() -> list[tuple[str, str]]:
    """Every ending the generator can write, longest first, with its case."""
    found = set()
    for stem in ("ата", "әке", "ан", "ен", "ар", "ер", "ас", "ес", "аз", "ез"):
        for back in (True, False):
            for case, endings in _kk_case_endings(stem, back).items():
                found |= {(e, case) for e in endings}
            for case, endings in _kk_possessed_endings(back).items():
                found |= {(e, case) for e in endings}
    return sorted(found, key=lambda p: -len(p[0]))


@functools.lru_cache(maxsize=1024)
def kk_lemmas(forms: tuple[str, ...]) -> tuple[str, ...]:
    """The forms of ``forms`` that are not an inflection of another one:
    only lemmas take endings (Талибанның takes no -мен, so Талибанныңмен is
    never accepted)."""
    lemmas, inflected = [], set()
    endings = {e for e, _ in _kk_suffixes()}
    for form in sorted(forms, key=len):        # a lemma is shorter than its inflections
        key = term_key(form)
        if key in inflected or any(key.startswith(term_key(lemma)) and key[len(term_key(lemma)):].lstrip("-")
                                   in endings for lemma in lemmas):
            continue   # an inflection, or a misspelt one (glossary check names it)
        lemmas.append(form)
        inflected |= {term_key(c.text) for c in _kk_inflections(form)}
    return tuple(f for f in forms if f in lemmas)


def kk_misspelt(forms: tuple[str, ...]) -> list[tuple[str, str]]:
    """Listed forms that are an earlier form plus an ending the grammar does
    not give it (Талибанбен for Талибанмен), each with the generated form of
    the same case: a glossary check, so that a wrong form is never accepted."""
    wrong = []
    for form in forms:
        for lemma in forms:
            if form == lemma or not form.startswith(lemma) or lemma not in kk_lemmas(forms):
                continue
            ending = form[len(lemma):]
            made = {c.text[len(lemma):]: c for c in _kk_inflections(lemma)}
            if ending in made:
                break
            same = next((e for e, case in _kk_suffixes() if e == ending.lstrip("-")), None)
            if same is not None:
                case = dict(_kk_suffixes())[same]
                right = next((lemma + e for e, c in made.items()
                              if case in c.features and "pl" not in c.features and "poss" not in c.features), "")
                if right:
                    wrong.append((form, right))
                break
    return wrong


def _kk_features(text: str, before: str) -> frozenset[str]:
    word = text.split()[-1] if text.split() else ""
    word = word.strip(".,;:!?«»()\"").lower()
    if re.search(r"(стан|ия|ея)$", word):
        return frozenset({"nom"})   # a country name's own ending (Ауғанстан, Азия), not a case
    possessive = re.search(r"-(ы|і)(н|ның|нің|на|не|нда|нде|нан|нен|мен|ндағы|ндегі)?$", word)
    if possessive:
        ending = possessive.group(2) or ""
        case = next((c for e, c in _kk_suffixes() if e == ending), "nom") if ending else "nom"
        return frozenset({case, "poss"})
    for ending, case in _kk_suffixes():
        if len(ending) == 1 and not word.endswith(("ын", "ін")):
            continue   # a bare -н is the accusative only after the possessive -ы/-і
        if word.endswith(ending) and len(word) > len(ending) + 2:
            feats = {case}
            if _KK_PLURAL.search(word[:-len(ending)]):
                feats.add("pl")
            return frozenset(feats)
    return frozenset({"nom", "pl"} if _KK_PLURAL.search(word) and len(word) > 5 else {"nom"})


# --- Dari and Pashto -------------------------------------------------------------

_PRS_PLURAL = ("های", "ها")


def _prs_inflections(form: str) -> list[Candidate]:
    """The ezafe form (روسیه‌ی, آسیای): the next word is a modifier of the term."""
    last = form[-1:]
    if last == "ه":
        return [Candidate(form + ZWNJ + "ی", frozenset({"ezafe"}))]
    if last in "او":
        return [Candidate(form + "ی", frozenset({"ezafe"}))]
    return []


def _prs_features(text: str, before: str) -> frozenset[str]:
    feats = set()
    words = [w.replace(ZWNJ, "") for w in text.split()]
    # -ها/-های is a plural; -ان is not read as one (سازمان, افغانستان end in it)
    if any(w.endswith(_PRS_PLURAL) for w in words) or "های" in text.split() or "ها" in text.split():
        feats.add("plural")
    if text.endswith(ZWNJ + "ی") or text.endswith(("ای", "وی")):
        feats.add("ezafe")
    return frozenset(feats)


def ps_readings(text: str) -> set[str]:
    """case/number readings of a Pashto word group as written (before
    folding: ې, ۍ and ي are different endings): its last word's ending."""
    words = text.split()
    last = words[-1].strip(".,;:!?«»()،؛") if words else ""
    if re.search(r"(ونو|انو|ګانو|و)$", last):
        return {"oblique/pl"}
    if re.search(r"(ونه|ګان)$", last):
        return {"direct/pl"}                     # not -ان: سازمان, افغانستان end in it
    if last.endswith("ې"):
        return {"oblique/sing", "direct/pl"}     # ډلې: of a group, or groups (ښځې: women)
    if last.endswith("ۍ"):
        return {"oblique/sing"}
    if last.endswith(("ه", "ي", "ی")):
        return {"direct/sing"}                   # ډله, ترهګري, سړی: the oblique ends otherwise
    return {"direct/sing", "oblique/sing"}       # a masculine noun or a final -ا: کابل, قاچاق, آسیا


def _ps_target_readings(target: str, forms: tuple[str, ...]) -> set[str]:
    """The dictionary form's readings: ښځې is a direct plural (the -ې of a
    dictionary form is not an oblique), and a form whose oblique the glossary
    lists (طالبان, طالبانو) is not an oblique itself."""
    if target.endswith("ې"):
        return {"direct/pl"}
    readings = ps_readings(target)
    stem = target[:-1]
    if any(f != target and f.startswith(stem) and ps_readings(f) <= {"oblique/sing", "oblique/pl"} for f in forms):
        readings = {r for r in readings if r.startswith("direct")} or readings
    return readings


def _ps_features(text: str, before: str) -> frozenset[str]:
    return frozenset(ps_readings(text))


def _ps_variants(form: str) -> list[Candidate]:
    """«د مخدره توکو د قاچاق»: a د-phrase governed by another د takes a second
    د before its head (the form a particle or postposition around it asks
    for); accepted where the engine wrote it, never placed."""
    words = form.split()
    if len(words) < 3 or words[0] != "د" or words[-1].endswith("ه"):
        return []
    split = max((k for k in range(1, len(words) - 1) if words[k].endswith(("و", "ې", "ۍ"))), default=0)
    if not split:
        return []
    return [Candidate(" ".join(words[:split + 1] + ["د"] + words[split + 1:]), frozenset({"oblique/sing", "split"}))]


GENERATORS = {"ru": _ru_inflections, "kk": _kk_inflections, "prs": _prs_inflections, "ps": _ps_variants}
FEATURES = {"ru": _ru_features, "kk": _kk_features, "prs": _prs_features, "ps": _ps_features}
