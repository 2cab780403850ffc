"""Enforcement: make every source term occurrence read as the glossary says,
without damaging the sentence around it.

Why verify-and-repair: CTranslate2 has no lexical constraints, and
placeholder tokens in the source do not survive SentencePiece models reliably.
So the engine translates the plain source; then, per source occurrence (in
source order):

1. An accepted form already in the text (any listed or generated inflection,
   any spelling variant) is kept as it is, preferably where the word alignment
   points, unless the word governing it rules its case out («с Кабул»: it is
   repaired in place). Accepted forms of any term are never overwritten.
2. Otherwise the words aligned to the term are replaced, unless they are a
   word derived from it (Российское, Ресейлік: kept). The candidates are the
   listed and generated forms (``forms``); ``grammar.wanted`` reads the case
   and number the sentence asks for, and the forms that agree go to the model
   (TermModel.score), the best wins; without a model the first that agrees.
   A form that agrees with nothing is placed and flagged for review. Where the
   chosen form changes gender or number, the model re-decodes the rest of the
   sentence with the text up to the term forced, so that the words after it
   agree.
3. Nothing aligned: a word sharing the term's stem, a derived word or a
   flagged alternative is taken as its rendering (and flagged); else the term
   is missing in the machine translation. It is never appended or guessed into
   place: the report says "missing", the review flags it, and publish
   --strict-terms refuses the edition.

After each repair the sentence is checked: a word or term twice in a row, or a
term glued into another word, undoes the repair and the occurrence is
reported "not-applied" for review instead of publishing damage.

Why generators: a sentence's repairs ask the model one question at a time
(each choice depends on the text the previous one left), and one
CTranslate2 call per question made the glossary cost several times the
translation itself. ``_enforce`` yields each question (``model.Score``,
``model.Complete``) instead of calling the model, so ``enforce_many`` can
advance every segment of a document together and ask all of a round's
questions in one batched call; the answers, and so the text, are the same
as asking them one by one.
"""

from __future__ import annotations

import re
import unicodedata

from translate.translation.engines.base import Alignment, Translation
from translate.translation.glossary import forms as term_forms
from translate.translation.glossary import grammar
from translate.translation.glossary.matching import Glossary, Occurrence
from translate.translation.glossary.model import Complete, Score, TermModel, answer_all
from translate.translation.glossary.normalise import fold
from translate.translation.records import TermReport

MAX_SCORED = 24   # candidates per occurrence sent to the model


def enforce(glossary: Glossary | None, source_text: str, translation: Translation,
            model: TermModel | None = None) -> tuple[Translation, tuple[TermReport, ...]]:
    """The repaired translation (alignment shifted to index the new text, each
    repaired term's source aligned to the placed form) and one report per
    source occurrence, in source order."""
    return enforce_many(glossary, [(source_text, translation)], model)[0]


def enforce_many(glossary: Glossary | None, items: list[tuple[str, Translation]],
                 model: TermModel | None = None) -> list[tuple[Translation, tuple[TermReport, ...]]]:
    """``enforce`` over many (source text, translation) segments, the model's
    questions of all of them asked together, round by round."""
    if glossary is None:
        return [(translation, ()) for _, translation in items]
    runs = [_enforce(glossary, source_text, translation, model is not None) for source_text, translation in items]
    return answer_all(runs, model)


def _enforce(glossary: Glossary, source_text: str, translation: Translation, asks_model: bool):
    """enforce() for one segment, as a generator that yields the model's questions."""
    occurrences = glossary.find_source(source_text)
    if not occurrences:
        return translation, ()
    work = _Work(translation.text, list(translation.alignment))
    found = glossary.find_target(work.text)
    raw_flags = glossary.find_flags(work.text)
    matched = _match_accepted(work, occurrences, found)
    # An accepted form in a case the word governing it rules out («с Кабул»)
    # is repaired where it stands.
    misfits: dict[int, tuple[int, int, str]] = {}
    for i, j in list(matched.items()):
        t = found[j]
        why = grammar.misfit(t.text, glossary.lang, _context(work, t.start, t.end, source_text, occurrences[i]),
                             glossary.candidates(t.entry))
        if why:
            misfits[i] = (t.start, t.end, why)
            del matched[i]
    # Accepted forms of the terms this sentence has are never overwritten; a
    # form of a term the source does not mention may be (it is the engine's
    # rendering of something else, e.g. Ресейдің inside «Ресейдің Жоғарғы соты»).
    in_source = {id(o.entry) for o in occurrences}
    misfit_spans = {(s, e) for s, e, _ in misfits.values()}
    for t in found:
        if id(t.entry) in in_source and (t.start, t.end) not in misfit_spans:
            work.protect(t.start, t.end)

    # Repair the rest, in source order.
    reports = []
    for i, occ in enumerate(occurrences):
        if i in matched:
            reports.append([occ, _Outcome("already-right", found[matched[i]].text,
                                          reason="the engine wrote an accepted form"), []])
            continue
        # "Russia, Russia" in the source may stand twice in the translation.
        repeated = any(o is not occ and o.entry is occ.entry and not _LETTER.search(
            source_text, min(o.end, occ.end), max(o.start, occ.start)) for o in occurrences)
        outcome = yield from _repair(work, occ, glossary, source_text, asks_model, repeated, misfits.get(i))
        notes = [outcome.detail]
        # The engine chose a flagged alternative, e.g. "Islamic Emirate" for "Taliban".
        notes += [f"the engine wrote the flagged alternative {f.text!r}"
                  for f in raw_flags if f.entry is occ.entry and outcome.replaced and f.text in outcome.replaced]
        reports.append([occ, outcome, notes])

    # Flagged alternatives still in the final text: for the reviewer.
    for f in glossary.find_flags(work.text):
        report = next((r for r in reports if r[0].entry is f.entry), None)
        if report is not None:
            report[1].review = report[1].review or f"the flagged alternative {f.text!r} is in the text: review it"
            report[2].append(f"flagged alternative {f.text!r} is still in the text: review it")
    terms = tuple(TermReport(occ.entry.source, occ.entry.target, o.status, o.placed, "; ".join(n for n in notes if n),
                             score=o.score, runner_up=o.runner_up, runner_up_score=o.runner_up_score,
                             reason=o.reason, review=o.review, note=occ.entry.note)
                  for occ, o, notes in reports)
    return Translation(work.text, tuple(work.alignment)), terms


def _match_accepted(work: "_Work", occurrences: list[Occurrence], found: list[Occurrence]) -> dict[int, int]:
    """Source occurrence -> the accepted form in the text that stands for it:
    first where the alignment points, then, in order, any remaining form of
    the same term."""
    matched: dict[int, int] = {}
    for i, occ in enumerate(occurrences):
        spans = work.aligned_spans(occ.start, occ.end)
        for j, t in enumerate(found):
            if j not in matched.values() and t.entry is occ.entry and any(
                    s < t.end and t.start < e for s, e in spans):
                matched[i] = j
                break
    for i, occ in enumerate(occurrences):
        for j, t in enumerate(found):
            if i not in matched and j not in matched.values() and t.entry is occ.entry:
                matched[i] = j
    return matched


def _context(work: "_Work", start: int, end: int, source_text: str, occ: Occurrence) -> grammar.Context:
    return grammar.Context(work.text[:start], work.text[end:], source_text[:occ.start],
                           grammar.source_plural(occ.entry, occ.text))


class _Outcome:
    def __init__(self, status: str, placed: str = "", replaced: str = "", detail: str = "",
                 score: float | None = None, runner_up: str = "", runner_up_score: float | None = None,
                 reason: str = "", review: str = ""):
        self.status, self.placed, self.replaced, self.detail = status, placed, replaced, detail
        self.score, self.runner_up, self.runner_up_score = score, runner_up, runner_up_score
        self.reason, self.review = reason, review


_LETTER = re.compile(r"\w")


def _word_char(c: str) -> bool:
    # Combining marks and ZWNJ are inside Arabic-script words (گروه‌ها, طَالِبَان).
    return c.isalnum() or c == "\u200c" or unicodedata.category(c) in ("Mn", "Mc")


def _word_start(text: str, pos: int) -> int:
    """Start of the word around ``pos``; hyphen or apostrophe between letters joins (ИГИЛ-К)."""
    while pos > 0 and (_word_char(text[pos - 1]) or (
            text[pos - 1] in "-'’" and pos > 1 and _word_char(text[pos - 2])
            and pos < len(text) and _word_char(text[pos]))):
        pos -= 1
    return pos


def _word_end(text: str, pos: int) -> int:
    while pos < len(text) and (_word_char(text[pos]) or (
            text[pos] in "-'’" and pos > 0 and _word_char(text[pos - 1])
            and pos + 1 < len(text) and _word_char(text[pos + 1]))):
        pos += 1
    return pos


class _Work:
    """A translation being edited: text, alignment and protected spans move together."""

    def __init__(self, text: str, alignment: list[Alignment]):
        self.text = text
        self.alignment = alignment
        self.protected: list[tuple[int, int]] = []

    def protect(self, start: int, end: int) -> None:
        self.protected.append((start, end))

    def snapshot(self) -> tuple:
        return self.text, list(self.alignment), list(self.protected)

    def restore(self, snapshot: tuple) -> None:
        self.text, self.alignment, self.protected = snapshot[0], list(snapshot[1]), list(snapshot[2])

    def replace_rest(self, pos: int, completion: Translation) -> None:
        """Take ``completion`` (which starts with text[:pos]) as the new text:
        pairs before ``pos`` stay, the completion's pairs after it come in, and
        protected terms after ``pos`` are found again in the new words."""
        kept = [self.text[s:e] for s, e in self.protected if s >= pos]
        self.alignment = ([a for a in self.alignment if a.tgt_end <= pos]
                          + [a for a in completion.alignment if a.tgt_start >= pos])
        self.protected = [(s, e) for s, e in self.protected if e <= pos]
        self.text = completion.text
        folded, origin = fold(self.text)
        at = len(fold(self.text[:pos])[0])
        for k in kept:
            i = folded.find(fold(k)[0], at)
            if i >= 0:
                self.protected.append((origin[i], origin[i + len(fold(k)[0]) - 1] + 1))

    def aligned_spans(self, src_start: int, src_end: int) -> list[tuple[int, int]]:
        """Target spans aligned to source [src_start, src_end) that hold a letter."""
        return sorted({(a.tgt_start, a.tgt_end) for a in self.alignment
                       if a.src_start < src_end and src_start < a.src_end and a.tgt_start < a.tgt_end
                       and _LETTER.search(self.text, a.tgt_start, a.tgt_end)})

    def splice(self, start: int, end: int, new: str, src: tuple[int, int], placed: tuple[int, int]) -> None:
        """Replace text[start:end] by ``new``. Offsets after it shift; other
        source words aligned only inside the replaced text lose their pair;
        the term's source ``src`` is aligned to ``placed`` (offsets in the new text)."""
        delta = len(new) - (end - start)
        new_end = start + len(new)

        def move_start(p: int) -> int:
            return p if p < start else start if p < end else p + delta

        def move_end(p: int) -> int:
            return p if p <= start else new_end if p <= end else p + delta

        moved = []
        for a in self.alignment:
            shares_term = a.src_start < src[1] and src[0] < a.src_end
            if shares_term and src[0] <= a.src_start and a.src_end <= src[1]:
                continue  # the term's own pairs: replaced below
            if not shares_term and start <= a.tgt_start and a.tgt_end <= end and a.tgt_start < a.tgt_end:
                continue  # a word that no longer exists
            new_start = move_start(a.tgt_start)
            new_stop = new_start if a.tgt_start == a.tgt_end else max(new_start, move_end(a.tgt_end))
            moved.append(Alignment(a.src_start, a.src_end, new_start, new_stop))
        moved.append(Alignment(src[0], src[1], *placed))
        self.alignment = moved
        self.protected = [(move_start(s), move_end(e)) for s, e in self.protected]
        self.text = self.text[:start] + new + self.text[end:]

    def free(self, start: int, end: int) -> list[tuple[int, int]]:
        """Parts of [start, end) outside protected spans."""
        parts = [(start, end)]
        for ps, pe in self.protected:
            parts = [piece for s, e in parts for piece in (
                [(s, e)] if pe <= s or ps >= e else [(s, min(e, ps)), (max(s, pe), e)])
                if piece[1] > piece[0]]
        return parts

    def clusters(self, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Aligned spans grown to whole words and joined when only spaces or
        punctuation separate them: each cluster is one contiguous rendering."""
        clusters: list[list[int]] = []
        for s, e in sorted((_word_start(self.text, s), _word_end(self.text, e)) for s, e in spans):
            if clusters and not _LETTER.search(self.text, clusters[-1][1], max(s, clusters[-1][1])):
                clusters[-1][1] = max(clusters[-1][1], e)
            else:
                clusters.append([s, e])
        return [(s, e) for s, e in clusters]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop spaces and punctuation at both edges: they belong to the sentence."""
    while start < end and not _word_char(text[start]):
        start += 1
    while end > start and not _word_char(text[end - 1]):
        end -= 1
    return start, end


def _sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip()
    return not before or before[-1] in ".!?"


def _capitalised(form: str, text: str, pos: int, replaced: str) -> str:
    if _sentence_start(text, pos) and (not replaced or replaced[:1].isupper()):
        return form[:1].upper() + form[1:]
    return form


def _repair(work: "_Work", occ: Occurrence, glossary: Glossary, source_text: str,
            asks_model: bool, repeated: bool = False, misfit: tuple[int, int, str] | None = None):
    """The outcome of one occurrence (a generator: yields the model's questions)."""
    src = (occ.start, occ.end)
    left, how = 0, ""
    if misfit is not None:
        start, end, why = misfit
        how = f"its case did not fit: {why}"
    else:
        spans = work.aligned_spans(occ.start, occ.end)
        pieces = [_trim(work.text, fs, fe) for cs, ce in work.clusters(spans) for fs, fe in work.free(cs, ce)]
        pieces = [(s, e) for s, e in pieces if e > s]
        if not pieces:
            # Nothing usable aligned to it: its rendering may still be in the
            # text (a derived word, a flagged alternative, a wrong ending of it).
            found = _unaligned_rendering(work, occ, glossary)
            if found is None:
                return _missing(work, glossary, spans)
            pieces, how = [found], "found without alignment: it shares the term's stem"
        # The longest contiguous rendering is the term's translation; other
        # scattered words aligned to it stay, and the reviewer is told.
        start, end = max(pieces, key=lambda p: (p[1] - p[0], -p[0]))
        left = len(pieces) - 1
        word = grammar.derived(work.text[start:end], occ.entry, glossary.lang)
        if word:
            at = work.text.find(word, start)
            work.protect(at, at + len(word))
            return _Outcome("derived", word, detail=f"kept {word!r}, a word derived from the term",
                            reason=f"the engine wrote «{word}», derived from «{occ.entry.target}»: an adjective "
                                   "or compound of the term is left as it is")
    choice = yield from _choose(work, start, end, occ, glossary, source_text, asks_model)
    chosen, score, runner_up, runner_score, reason, review = choice
    # A form that starts with the particle the engine wrote just before the
    # place («د» + «روسیه ستره محکمه» -> «د روسیې سترې محکمې») replaces it too.
    particle = re.search(r"(\S+)\s+$", work.text[:start])
    if particle and chosen.split()[:1] == [particle.group(1)] and not any(
            s < start and particle.start(1) < e for s, e in work.protected):
        start = particle.start(1)
    replaced = work.text[start:end]
    form = _capitalised(chosen, work.text, start, replaced)
    snapshot = work.snapshot()
    work.splice(start, end, form, src, (start, start + len(form)))
    placed = (start, start + len(form))
    problem = damage(work.text, *placed, allow_repeat=repeated,
                     is_term=lambda word: bool(glossary.find_target(word)))
    if problem:
        work.restore(snapshot)
        return _Outcome("not-applied", "", replaced,
                        f"placing {form!r} would {problem}: left as the engine wrote it, for review",
                        score, runner_up, runner_score, reason,
                        review=f"placing «{form}» would {problem}: the engine's words were left, check them")
    work.protect(*placed)
    detail = how or f"replaced {replaced!r}"
    if how and misfit is None:
        detail += f" (replaced {replaced!r})"
        # both things for the reviewer: where it was placed, and anything the choice left open
        unaligned = f"placed where no word alignment pointed («{replaced}» shares the term's stem): check it"
        review = f"{unaligned}; {review}" if review else unaligned
    if left:
        detail += f"; {left} more word group(s) aligned to it left in place"
    window = _words_to_agree(glossary.lang, replaced, chosen, work.text[placed[1]:]) if replaced else 0
    if window:
        if asks_model:
            detail += yield from _redecode(work, placed, source_text, window)
            if _words_to_agree(glossary.lang, replaced, chosen, work.text[placed[1]:]):
                review = review or "its gender or number differs from the words after it and the model's re-decoding " \
                                   "was not taken: check that they agree"
        else:
            detail += "; its gender or number differs from what the engine wrote: check that the words after it agree"
            review = review or "its gender or number differs from the words after it: check that they agree"
    return _Outcome("applied", form, replaced, detail, score, runner_up, runner_score, reason, review)


def _missing(work: "_Work", glossary: Glossary, spans) -> _Outcome:
    """The engine's output has nothing for the term: nothing is appended
    (a term strung onto the end of a sentence reads as a broken sentence)."""
    if not work.alignment and _LETTER.search(work.text):
        return _Outcome("not-applied", detail="no accepted form in the text and no word alignment from the "
                                              "engine to find its rendering",
                        review="term not found: no accepted form, and no word alignment to tell where it stands")
    why = ("its aligned words already stand for another term" if spans
           else "nothing in the engine's output was aligned to it")
    return _Outcome("missing", detail=f"missing in the machine translation ({why}): nothing was appended",
                    review="term missing in the machine translation: add it where it belongs, or re-translate")


def _unaligned_rendering(work: "_Work", occ: Occurrence, glossary: Glossary) -> tuple[int, int] | None:
    """Where the term's rendering stands when nothing is aligned to it: a
    flagged alternative, a word derived from it, or a word sharing its stem
    (a wrong ending: Кабула, Мәскеунің), outside every protected span."""
    free = lambda s, e: all(e <= ps or s >= pe for ps, pe in work.protected)  # noqa: E731
    for f in glossary.find_flags(work.text):
        if f.entry is occ.entry and free(f.start, f.end):
            return f.start, f.end
    stems = {fold(w)[0].casefold() for c in glossary.candidates(occ.entry) for w in c.text.split()[:1]}
    for m in re.finditer(r"[\w\u200c'’-]+", work.text):
        if not free(m.start(), m.end()):
            continue
        word = fold(m.group())[0].casefold()
        if grammar.derived(m.group(), occ.entry, glossary.lang) or (len(occ.entry.target.split()) == 1 and any(
                len(s) >= 4 and grammar._shared(word, s) >= max(4, len(s) - 2) for s in stems)):
            return m.start(), m.end()
    return None


# Mean log-probability per token by which the chosen form must beat the
# runner-up for the review to say the model preferred it "clearly".
CLEAR_MARGIN = 0.1


def _choose(work: "_Work", start: int, end: int, occ: Occurrence, glossary: Glossary, source_text: str,
            asks_model: bool):
    """(form, its score, runner-up, its score, why in words, review flag).
    Candidates are ranked by agreement with what the sentence asks
    (grammar.wanted); a model's score decides among those that agree (a
    generator: yields the Score question)."""
    ctx = _context(work, start, end, source_text, occ)
    wanted, clue = grammar.wanted(work.text[start:end], glossary.lang, ctx)
    candidates = glossary.candidates(occ.entry)
    if glossary.lang == "prs" and grammar.plural_term(occ.entry):
        candidates = [term_forms.Candidate(c.text, c.features | {"plural"}) for c in candidates]
    agree = [term_forms.agreement(c, wanted) for c in candidates]
    ranked = sorted(range(len(candidates)), key=lambda i: (-agree[i], i))[:MAX_SCORED]
    best_agreement = agree[ranked[0]]
    review = ""
    if best_agreement == 0 and {f for f in wanted if f != term_forms.GOVERNED}:
        review = (f"no form of the term agrees with {clue or 'the sentence'}: "
                  f"«{candidates[ranked[0]].text}» was placed, check its case and number")
    elif best_agreement == 1 and not (glossary.lang == "ps" and term_forms.GOVERNED in wanted):
        review = (f"no form of the term has the number {clue or 'the sentence'} asks for: "
                  f"«{candidates[ranked[0]].text}» was placed, check the words around it")
    agrees = f"agrees with {clue}" if clue and best_agreement else ""
    # The model chooses among the forms that agree best. It scores only the
    # words around the term, except in Pashto where nothing governs the term:
    # there the oblique may depend on words further away (an ergative verb at
    # the end the grammar did not recognise), so it scores whole sentences.
    decided = glossary.lang in ("ru", "kk") or term_forms.GOVERNED in wanted
    pool = {i for i in ranked if agree[i] == best_agreement}
    if not asks_model or len(ranked) == 1:
        forms = [candidates[i].text for i in ranked]
        reason = agrees or ("the dictionary form: nothing in the sentence tells its case or number"
                            if ranked[0] == 0 else "the first listed form that fits")
        return forms[0], None, (forms[1] if len(forms) > 1 else ""), None, reason, review
    # Only the forms that can win go to the model: scoring every generated
    # form of every term made the translation phase several times slower than
    # the decoding. When the sentence's grammar leaves one form, the model is
    # not asked at all (the review names the runner-up, without a score).
    pool = pool or set(ranked)
    asked = [i for i in ranked if i in pool]
    if len(asked) == 1:
        others = [candidates[i].text for i in ranked if i not in pool]
        reason = f"the only form that {agrees}" if agrees else "the only form that fits"
        return candidates[asked[0]].text, None, (others[0] if others else ""), None, reason, review
    forms = [candidates[i].text for i in asked]
    sentences = []
    for form in forms:
        form = _capitalised(form, work.text, start, work.text[start:end])   # as it will be published
        text = form if start != end else f" {form} "
        sentences.append(" ".join((work.text[:start] + text + work.text[end:]).split()))
    scores = list((yield Score(source_text, sentences, local=decided or glossary.lang != "ps")))
    order = sorted(range(len(forms)), key=lambda k: (asked[k] not in pool, -scores[k], k))
    best, second = order[0], order[1]
    how = "clearly" if scores[best] - scores[second] >= CLEAR_MARGIN else "narrowly"
    reason = f"the model preferred it {how} over «{forms[second]}»"
    if agrees and len(asked) > 1:
        reason = f"{agrees}, as {len(asked)} forms do; {reason}"
    return forms[best], scores[best], forms[second], scores[second], reason, review


def _words_to_agree(lang: str | None, replaced: str, chosen: str, rest: str = "") -> int:
    """Where the words that must change end in ``rest`` (the text after the
    term), or 0 when none must: the placed Russian form has another gender or
    number than what the engine wrote, and a word after it in the same clause
    agreed with what the engine wrote (a verb, a short adjective or
    participle). Those forms agree only with a subject, so both must read as
    nominatives. A re-decode costs a decoding step per token, so it is asked
    only where something can disagree, and only up to the last such word."""
    if lang != "ru":
        return 0
    morph = term_forms._morph()

    def head(text: str):
        """The nominative reading of the first noun or adjective, or None."""
        for word in text.split():
            parses = [p for p in morph.parse(word.strip(".,;:!?«»()")) if p.tag.POS in ("NOUN", "ADJF")]
            if parses:
                return next((p.tag for p in parses if p.tag.case == "nomn"), None)
        return None

    def agrees(tag, head_tag) -> bool:
        if tag.number != head_tag.number:
            return False
        return tag.number == "plur" or tag.gender is None or tag.gender == head_tag.gender

    a, b = head(replaced), head(chosen)
    if a is None or b is None:
        return 0
    if not (a.number != b.number or (a.number == "sing" and a.gender != b.gender)):
        return 0
    clause = re.split(r"[.;:!?,—–()]", rest, maxsplit=1)[0]
    end = 0
    for word in re.finditer(r"\S+", rest):
        if word.start() >= len(clause):
            break
        tag = morph.parse(word.group().strip("«»\"'.,;:!?—–()"))[0].tag
        if tag.POS in ("VERB", "ADJS", "PRTS") and agrees(tag, a) and not agrees(tag, b):
            end = word.end()
    return end


def _redecode(work: "_Work", placed: tuple[int, int], source_text: str, window: int):
    """Let the model re-write the words after the term, up to the end of the
    words that must agree (``window`` characters after it), with the text up to
    the term forced. Kept only if only endings change, every term already placed
    after it stays and the model prefers it (a generator: yields the Complete
    and Score questions)."""
    prefix, rest_old = work.text[:placed[1]], work.text[placed[1]:]
    span_old, tail = rest_old[:window], rest_old[window:]
    try:
        completion = yield Complete(source_text, prefix, rest_old, window)
    except Exception as err:  # noqa: BLE001 - a re-decode is an improvement, never a requirement
        return f"; re-decoding the rest failed ({err})"
    if not completion.text.startswith(prefix):
        return ""
    rest_new = completion.text[len(prefix):]
    words, count = list(re.finditer(r"\S+", rest_new)), len(span_old.split())
    if tail.strip():
        # The model may stop soon after the window: its first words replace the
        # window's, the rest of the sentence stays as it was. A word must
        # follow them, or the last one may have been cut by the length bound.
        if len(words) <= count:
            return ""
        span_new = rest_new[:words[count - 1].end()]
    else:
        span_new = rest_new
    if not _only_endings_differ(span_old, span_new):
        return ""   # an agreement fix changes endings (приняло -> приняла), not what is said
    text = prefix + span_new + tail
    if text == work.text:
        return ""
    kept = [work.text[s:e] for s, e in work.protected if s >= placed[1]]
    if any(fold(k)[0] not in fold(text[len(prefix):])[0] for k in kept):
        return ""
    old_score, new_score = yield Score(source_text, [work.text, text])
    if new_score < old_score or damage(text, *placed):
        return ""
    boundary, shift = len(prefix) + len(span_new), len(span_new) - len(span_old)
    pairs = [a for a in completion.alignment if a.tgt_end <= boundary]
    pairs += [Alignment(a.src_start, a.src_end, a.tgt_start + shift, a.tgt_end + shift)
              for a in work.alignment if a.tgt_start >= placed[1] + window]
    work.replace_rest(placed[1], Translation(text, tuple(pairs)))
    return f"; the words after it re-decoded to agree ({span_old.strip()!r} -> {span_new.strip()!r})"


def _only_endings_differ(old: str, new: str) -> bool:
    """Same number of words, each pair sharing its stem (all but the last few letters)."""
    a, b = old.split(), new.split()
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        x, y = fold(x)[0].casefold(), fold(y)[0].casefold()
        if x == y:
            continue
        common = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
        if common < max(3, min(len(x), len(y)) - 3):
            return False
    return True


def _words_around(text: str, start: int, end: int) -> tuple[str, str]:
    """The word right before ``start`` and right after ``end``, when only spaces separate them."""
    before = re.search(r"(\w[\w\u200c'-]*)\s+$", text[:start])
    after = re.match(r"\s+(\w[\w\u200c'-]*)", text[end:])
    return (before.group(1) if before else ""), (after.group(1) if after else "")


def _same_word(a: str, b: str, loose: bool = True) -> bool:
    """The same word, or (``loose``) two forms of one word: Россия/России, Ресей/Ресейдің."""
    a, b = fold(a)[0].casefold(), fold(b)[0].casefold()
    if not a or not b:
        return False
    if a == b:
        return True
    if not loose:
        return False
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 4 and long_.startswith(short):
        return True          # Ресей Ресейдің
    stem = min(len(a), len(b)) - 2
    return stem >= 4 and a[:stem] == b[:stem]


# Particles that stand twice in a row in good text: a Pashto genitive chain
# writes «د مخدره توکو د قاچاق», «د روسیې سترې محکمې د پنجشنبې ...».
_PARTICLES = {"د", "و", "په", "له", "ته", "پر", "تر", "از", "به", "در", "با", "و", "и", "в", "с", "мен", "және"}


def damage(text: str, start: int, end: int, allow_repeat: bool = False, is_term=None) -> str:
    """What placing text[start:end] broke, or "" when the sentence is sound:
    a word twice in a row across its edges, or the form glued into another word.
    Two forms of one word (России Россия) count as a repeat when the neighbour
    is itself a term's form (``is_term``), so that «полное» next to an
    unrelated «полно» is not refused."""
    if start > 0 and _word_char(text[start - 1]) or end < len(text) and _word_char(text[end]):
        return "glue it into the neighbouring word"
    if allow_repeat:
        return ""
    placed = text[start:end].split()
    before, after = _words_around(text, start, end)
    for word, edge in ((before, placed[:1]), (after, placed[-1:])):
        loose = bool(word) and (is_term is None or is_term(word))
        # a particle counts as a repeat only at the edge it touches («د د»)
        twin = next((w for w in placed if (w not in _PARTICLES or [w] == edge) and _same_word(w, word, loose)), None)
        if word and twin:
            return f"repeat {twin!r} next to {word!r}"
    return ""
