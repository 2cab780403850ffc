"""What the sentence around a term asks of it, and why, in words.

A repair places the form of a term whose case and number agree with the
sentence. ``wanted`` reads them from the words around the place (and from the
English source) and says which clue decided, so that the review can tell an
editor "agrees with the instrumental «с» governs" instead of a score:

- the engine's own words at the place (their case and number, as written);
- a word that governs the case: a Russian preposition before the term («с
  Кабулом», with the English preposition deciding between the cases «с» or «в»
  can govern), a Kazakh postposition after it («Талибанға қарсы»), a Pashto
  particle or postposition around it («د روسیې», «کابل ته»);
- the Pashto ergative: the subject of a past transitive verb is oblique
  («طالبانو … هرکلی وکړ»);
- the number of the English («terrorist organizations» is plural) and of a
  Russian verb after the term («организации заявили»).

``misfit`` applies the governing words to a form the engine wrote that the
glossary accepts («с Кабул»: an accepted form in a case «с» never governs),
and ``derived`` recognises a word derived from the term (an adjective or a
compound: Российское, талибское, Ресейлік, روسی), which a repair must leave
as it is, never replace by the noun.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from translate.translation.glossary import forms as term_forms
from translate.translation.glossary.forms import GOVERNED
from translate.translation.glossary.normalise import fold_source, fold_text

RU_CASE_NAMES = {"nomn": "nominative", "gent": "genitive", "datv": "dative", "accs": "accusative",
                 "ablt": "instrumental", "loct": "prepositional"}
KK_CASE_NAMES = {"nom": "nominative", "gen": "genitive", "acc": "accusative", "dat": "dative", "loc": "locative",
                 "abl": "ablative", "ins": "instrumental", "attr": "locative -ғы/-гі"}


@dataclass(frozen=True)
class Context:
    """Where a term stands: the target text around it and the English."""

    before: str = ""            # target text before the place
    after: str = ""             # target text after it
    source_before: str = ""     # English text before the source occurrence
    plural: bool | None = None  # the English names the term in the plural (True), singular (False), or cannot tell


def source_plural(entry, occurrence_text: str) -> bool | None:
    """True when the English writes in the plural a term the glossary lists
    in both numbers ("terrorist organizations"), False when it writes a
    singular ("terrorist organization", "drug trafficking"), None when it
    cannot tell ("human rights", "ISIS")."""
    def last(text: str) -> str:
        words = re.findall(r"[a-z]+", fold_source(text)[0].lower())
        return words[-1] if words else ""

    word, lasts = last(occurrence_text), {last(s) for s in entry.sources}
    if word.endswith("s") and (word[:-1] in lasts or word[:-2] in lasts):
        return True
    if word + "s" in lasts or word + "es" in lasts or word and not word.endswith("s"):
        return False        # "drug trafficking", "Kabul": the English names one thing
    return None


def plural_term(entry) -> bool:
    """The English term is a plural in every form ("women and girls"): its
    Dari rendering is a plural too, whatever its ending (-ان is not read as
    one: سازمان, افغانستان end in it)."""
    lasts = [re.findall(r"[a-z]+", fold_source(s)[0].lower())[-1:] for s in entry.sources]
    return all(w and w[0].endswith("s") and not w[0].endswith("ss") for w in lasts)


def _words(text: str) -> list[str]:
    return [w.strip(".,;:!?«»()\"'“”„") for w in text.split()]


def _english_before(ctx: Context) -> str:
    """The English word before the term, skipping articles and possessives."""
    for word in reversed(_words(ctx.source_before)):
        w = word.lower()
        if w and w not in ("the", "a", "an", "its", "their", "his", "her", "our", "this", "that", "these", "those"):
            return w
    return ""


# --- Russian ---------------------------------------------------------------------

# Cases each preposition governs.
RU_GOVERNS = {
    **dict.fromkeys(("против", "для", "из", "от", "у", "без", "после", "до", "около", "вокруг", "среди",
                     "кроме", "ради", "вместо", "из-за", "возле", "со стороны", "в отношении"), ("gent",)),
    **dict.fromkeys(("к", "ко", "по", "благодаря", "согласно"), ("datv",)),
    **dict.fromkeys(("над", "под", "перед", "между"), ("ablt",)),
    **dict.fromkeys(("с", "со"), ("ablt", "gent")),
    **dict.fromkeys(("за",), ("ablt", "accs")),
    **dict.fromkeys(("о", "об", "обо", "при"), ("loct",)),
    **dict.fromkeys(("в", "во", "на"), ("loct", "accs")),
}
# Where «с» governs two cases, the English preposition tells which («торговля
# с Кабулом», «снять с Талибана запрет»). The English says nothing reliable
# for «в» and «на» (in Moscow / arrived in Moscow: в Москве / в Москву).
_RU_BY_ENGLISH = {
    ("с", "with"): "ablt", ("с", "and"): "ablt", ("с", "alongside"): "ablt", ("с", "between"): "ablt",
    ("с", "from"): "gent", ("с", "off"): "gent", ("с", "since"): "gent",
}


def _ru_governor(ctx: Context) -> tuple[set[str], str]:
    """The readings the preposition before the term allows, and a phrase."""
    words = [w.lower() for w in _words(ctx.before)][-2:]
    for n in (2, 1):
        prep = " ".join(words[-n:])
        if len(words) >= n and prep in RU_GOVERNS:
            cases = RU_GOVERNS[prep]
            english = _english_before(ctx)
            decided = _RU_BY_ENGLISH.get(("с" if prep == "со" else prep, english))
            if decided:
                return ({f"{decided}/{n_}" for n_ in ("sing", "plur")},
                        f"the {RU_CASE_NAMES[decided]} «{prep}» governs (“{english}” in the English)")
            names = " or ".join(RU_CASE_NAMES[c] for c in cases)
            return {f"{c}/{n_}" for c in cases for n_ in ("sing", "plur")}, f"the {names} «{prep}» governs"
    return set(), ""


def _ru_verb_number(after: str) -> tuple[str, str]:
    """The number of the first finite verb after the term in its clause."""
    clause = re.split(r"[.;:!?,—–()]", after, maxsplit=1)[0]
    for word in _words(clause)[:4]:
        tag = term_forms._morph().parse(word)[0].tag if word else None
        if tag is not None and tag.POS in ("VERB", "PRTS", "ADJS") and tag.number:
            return tag.number, word
    return "", ""


def _ru_wanted(text: str, ctx: Context) -> tuple[frozenset[str], str]:
    feats = term_forms.ru_readings(text)
    clues = []
    if feats and text.strip():
        clues.append(f"the {_ru_names(feats)} the engine wrote («{text.strip()}»)")
    if not ctx.before.strip() and any(f.startswith("nomn") for f in feats):
        # The first words of a sentence: a subject, not an object (правительство is both).
        feats = {f for f in feats if f.startswith("nomn")}
    prev = _words(ctx.before)[-1:]
    if prev and prev[0]:
        tag = term_forms._morph().parse(prev[0].lower())[0].tag
        if tag.POS in ("VERB", "INFN") and "tran" in tag:
            feats = {f for f in feats if not f.startswith("nomn")} or feats
    allowed, governor = _ru_governor(ctx)
    if allowed:
        feats = (feats & allowed) or allowed
        clues = [governor]
        feats.add(GOVERNED)
    if ctx.plural is not None:
        number = "plur" if ctx.plural else "sing"
        narrowed = {f for f in feats if f.endswith("/" + number)}
        if narrowed and narrowed != {f for f in feats if "/" in f}:
            feats = narrowed | ({GOVERNED} & feats)
            clues.append(f"the {'plural' if ctx.plural else 'singular'} in the English")
    if {f for f in feats if f.startswith("nomn/")} and len({f.split("/")[1] for f in feats if "/" in f}) > 1:
        number, verb = _ru_verb_number(ctx.after)
        if number:
            feats = {f for f in feats if not f.startswith("nomn/") or f.endswith(number)}
            clues.append(f"the {'plural' if number == 'plur' else 'singular'} verb «{verb}»")
    return frozenset(feats), "; ".join(clues)


def _ru_names(feats) -> str:
    cases = sorted({f.split("/")[0] for f in feats if "/" in f}, key=list(RU_CASE_NAMES).index)
    numbers = {f.split("/")[1] for f in feats if "/" in f}
    number = "" if len(numbers) != 1 else (" plural" if numbers == {"plur"} else " singular")
    return " or ".join(RU_CASE_NAMES[c] for c in cases) + number


# --- Kazakh ------------------------------------------------------------------------

KK_POSTPOSITIONS = {
    **dict.fromkeys(("қарсы", "дейін", "шейін", "қарай", "байланысты", "қатысты", "сәйкес", "таман"), "dat"),
    **dict.fromkeys(("кейін", "соң", "бері", "бұрын", "басқа", "гөрі", "бөлек", "тыс", "өзге"), "abl"),
    **dict.fromkeys(("бірге", "қатар", "қоса", "бірлесіп"), "ins"),
}


def _kk_wanted(text: str, ctx: Context) -> tuple[frozenset[str], str]:
    feats = set(term_forms.features(text, "kk"))
    case = next((f for f in feats if f in KK_CASE_NAMES), "")
    clues = [f"the {KK_CASE_NAMES[case]} the engine wrote («{text.strip()}»)"] if case and text.strip() else []
    nxt = [w.lower() for w in _words(ctx.after)][:1]
    if nxt and nxt[0] in KK_POSTPOSITIONS:
        governed = KK_POSTPOSITIONS[nxt[0]]
        feats = {governed, GOVERNED} | ({"pl"} & feats)
        clues = [f"the {KK_CASE_NAMES[governed]} «{nxt[0]}» governs"]
    if ctx.plural and "pl" not in feats:
        feats.add("pl")
        clues.append("the plural in the English")
    return frozenset(feats), "; ".join(clues)


# --- Pashto ------------------------------------------------------------------------

PS_PARTICLES = {"د", "له", "په", "پر", "تر", "سره", "لہ"}
# Not «نه»: after a noun it is far more often the negation of the verb than "from".
PS_POSTPOSITIONS = {"ته", "سره", "کې", "کښې", "څخه", "باندې", "لپاره", "پسې", "پورې", "لاندې", "وړاندې",
                    "پرته", "ترمنځ", "څنګ"}
# Past forms of transitive verbs (their subject is oblique): the light verbs
# کړل/کول and the verbs news writes most in the past.
_PS_PAST_TRANSITIVE = re.compile(
    r"^(و?کړ|و?کړه|و?کړل|و?کړې|و?کړی|و?کړي|کړو|وویل|وویلې|ویلي|ووایه|ومانه|ومنله|ومنل|ونیول|ونیوله|ونیو|وغوښتل|"
    r"وغوښته|وباله|وبلله|ولېږل|ولیږل|ووژل|ووژله|وواژه|ولیدل|ولید|وموند|وموندل|وټاکه|وټاکل|وایست|وویست|وویستل|"
    r"وایستل|ویستلی|ایستلی|منلی|منلې)$")


def _ps_governor(ctx: Context) -> str:
    prev = _words(ctx.before)[-1:]
    nxt = _words(ctx.after)[:1]
    if prev and prev[0] in PS_PARTICLES:
        return f"the oblique «{prev[0]}» asks for"
    if nxt and nxt[0] in PS_POSTPOSITIONS:
        return f"the oblique «{nxt[0]}» asks for"
    clause_before = re.split(r"[.؟!،؛:]", ctx.before)[-1]
    if not [w for w in _words(clause_before) if w and w not in ("او", "خو", "هم", "چې", "نو")]:
        # Pashto puts the verb at the end of its clause (an auxiliary may follow).
        clause = [w for w in _words(re.split(r"[.؟!،؛:]", ctx.after, maxsplit=1)[0]) if w]
        while clause and clause[-1] in _PS_AUXILIARIES:
            clause.pop()
        if clause and _PS_PAST_TRANSITIVE.match(clause[-1]):
            return f"the oblique of the subject of the past transitive verb «{clause[-1]}» (ergative)"
    return ""


_PS_AUXILIARIES = {"دی", "ده", "دي", "دئ", "وو", "وه", "وې", "و", "وي", "دې"}


def _ps_wanted(text: str, ctx: Context) -> tuple[frozenset[str], str]:
    feats = term_forms.ps_readings(text) if text.strip() else set()
    clues = [f"the {' or '.join(sorted(f.replace('/', ' ').replace('sing', 'singular').replace('pl', 'plural') for f in feats))} "
             f"the engine wrote («{text.strip()}»)"] if feats else []
    governor = _ps_governor(ctx)
    if governor:
        numbers = {f.split("/")[1] for f in feats} or {"sing", "pl"}
        feats = {f"oblique/{n}" for n in numbers} | {GOVERNED}
        clues = [governor]
    if ctx.plural is not None:
        number = "pl" if ctx.plural else "sing"
        narrowed = {f for f in feats if f.endswith("/" + number)}
        if narrowed and len(narrowed) < len([f for f in feats if "/" in f]):
            feats = narrowed | ({GOVERNED} & feats)
            clues.append(f"the {'plural' if ctx.plural else 'singular'} in the English")
    return frozenset(feats), "; ".join(clues)


# --- Dari --------------------------------------------------------------------------

def _prs_wanted(text: str, ctx: Context) -> tuple[frozenset[str], str]:
    feats = set(term_forms.features(text, "prs"))
    clues = [f"the {' and '.join(sorted(feats))} the engine wrote («{text.strip()}»)"] if feats else []
    if ctx.plural and "plural" not in feats:
        feats.add("plural")
        clues.append("the plural in the English")
    return frozenset(feats), "; ".join(clues)


_WANTED = {"ru": _ru_wanted, "kk": _kk_wanted, "ps": _ps_wanted, "prs": _prs_wanted}


def wanted(text: str, lang: str | None, ctx: Context) -> tuple[frozenset[str], str]:
    """The features a form placed instead of ``text`` must have, and the clue
    that decided them, in words ("" when nothing tells)."""
    fn = _WANTED.get(lang or "")
    return fn(text, ctx) if fn else (frozenset(), "")


def misfit(text: str, lang: str | None, ctx: Context, candidates=()) -> str:
    """Why an accepted form the engine wrote is in a case the word governing
    it rules out («с Кабул»), or "" when it fits, nothing governs it, or no
    form of the term (``candidates``) has the governed case either."""
    allowed, governor, read = set(), "", None
    if lang == "ru":
        allowed, governor = _ru_governor(ctx)
        read = term_forms.ru_readings
    elif lang == "kk":
        nxt = [w.lower() for w in _words(ctx.after)][:1]
        if nxt and nxt[0] in KK_POSTPOSITIONS:
            allowed = {KK_POSTPOSITIONS[nxt[0]]}
            governor = f"the {KK_CASE_NAMES[KK_POSTPOSITIONS[nxt[0]]]} «{nxt[0]}» governs"
        read = lambda t: set(term_forms.features(t, "kk"))  # noqa: E731
    elif lang == "ps":
        governor = _ps_governor(ctx)
        allowed = {"oblique/sing", "oblique/pl"} if governor else set()
        read = term_forms.ps_readings
    # most accepted forms have no governing word: nothing is read for them
    if not allowed or read(text) & allowed or not any(c.features & allowed for c in candidates):
        return ""
    return governor


# --- derived words ----------------------------------------------------------------

_KK_DERIVATIONAL = re.compile(r"^(лық|лік|дық|дік|тық|тік|шыл|шіл|ша|ше)")
_RU_ADJECTIVE_ENDINGS = ("ский", "ской", "цкий", "ический", "ийский")


def _stems(target: str, lang: str | None) -> list[str]:
    word = fold_text(target).casefold()
    stems = [word]
    if word.endswith(("стан", "ستان")):
        stems.append(word[:-4])                           # Ауғанстан -> ауған, افغانستان -> افغان
        stems.append(word[:-5] if word[-5:-4] in ("и", "ы", "ی") else word[:-4])
    if lang in ("prs", "ps") and word.endswith("ه"):
        stems.append(word[:-1])                           # روسیه -> روسی
    if lang == "ru":
        stems.append(word.rstrip("аяыи"))                 # Россия -> росси
    return [s for s in stems if len(s) >= 3]


def derived(text: str, entry, lang: str | None) -> str:
    """The word of ``text`` derived from ``entry``'s one-word target (an
    adjective or a compound: Российское, талибское, Ресейлік, روسی), or ""."""
    if len(entry.target.split()) != 1:
        return ""
    stems = _stems(entry.target, lang)
    for word in text.split():
        w = fold_text(word.strip(".,;:!?«»()\"'،؛")).casefold()
        if not w:
            continue
        if lang == "ru":
            for parse in term_forms._morph().parse(w):
                lemma = parse.normal_form
                if parse.tag.POS in ("ADJF", "ADJS") and lemma.endswith(_RU_ADJECTIVE_ENDINGS) and any(
                        _shared(lemma, s) >= max(4, len(s) // 2 + 1) for s in stems):
                    return word
        elif lang == "kk":
            if any(w.startswith(s) and _KK_DERIVATIONAL.match(w[len(s):]) for s in stems):
                return word
        elif lang in ("prs", "ps"):
            if any(w in (s + "ی", s + "یان", s + "یها", s + "یهای") or (s != stems[0] and w == s) for s in stems):
                return word
    return ""


def _shared(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n
