"""Asking the model for a whole document at once (glossary.model.answer_all):
the same text as segment by segment, with one model call per round."""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from glossary_cases import cases
from glossary_engine import CorpusTermModel
from translate.translation import glossary as gl
from translate.translation.glossary import repair
from translate.translation.glossary.matching import _target_body
from translate.translation.glossary.model import Complete, Score, answer_all
from translate.translation.glossary.normalise import fold, fold_char, fold_text


class CountingModel(CorpusTermModel):
    """The corpus model, answering many questions per call, counting the calls."""

    def __init__(self, corpus: str):
        super().__init__(corpus)
        self.calls: list[tuple[str, int]] = []
        self.questions: list = []

    def score_many(self, questions):
        self.calls.append(("score", len(questions)))
        self.questions += questions
        return [self.score(q.source_text, q.candidates) for q in questions]

    def complete_many(self, questions):
        self.calls.append(("complete", len(questions)))
        return super().complete_many(questions)


def test_a_document_at_once_reads_as_segment_by_segment_with_one_call_per_round():
    for lang in cases.LANGS:
        glossary = gl.load_for(lang, locales_dir=cases.LOCALES)
        items = [(case.source, case.raw) for case in cases.load(lang)]
        one_by_one, asked = [], []
        for s, t in items:
            alone = CountingModel(cases.corpus(lang))
            one_by_one.append(gl.enforce(glossary, s, t, model=alone))
            asked.append(sum(n for _, n in alone.calls))
        model = CountingModel(cases.corpus(lang))
        together = gl.enforce_many(glossary, items, model=model)
        assert [(t.text, t.alignment, r) for t, r in together] == [
            (t.text, t.alignment, r) for t, r in one_by_one], lang
        # Every question asked once, and a round costs at most one call of
        # each kind: as many rounds as the most questions one segment asks.
        assert sum(n for _, n in model.calls) == sum(asked), lang
        assert len(model.calls) <= 2 * max(asked), (lang, model.calls)
        if sum(1 for n in asked if n) > 2:   # several segments ask: fewer calls than questions
            assert len(model.calls) < sum(asked), (lang, model.calls)


def test_only_pashto_asks_for_whole_sentences_where_no_particle_decides():
    """Pashto's oblique depends on the verb at the end of the sentence: its
    questions may not be cut after the term; elsewhere what decides is next to it."""
    for lang in cases.LANGS:
        glossary = gl.load_for(lang, locales_dir=cases.LOCALES)
        model = CountingModel(cases.corpus(lang))
        gl.enforce_many(glossary, [(case.source, case.raw) for case in cases.load(lang)], model=model)
        choices = model.questions
        if lang == "ps":
            assert choices and not any(q.local for q in choices)
        else:
            assert all(q.local for q in choices)


def test_answer_all_throws_a_failed_completion_back_into_its_own_segment_only():
    class Failing:
        def score_many(self, questions):
            return [[float(len(c)) for c in q.candidates] for q in questions]

        def complete_many(self, questions):
            raise RuntimeError("out of memory")

    def segment(name):
        scores = yield Score(name, ["a", "bb"])
        try:
            yield Complete(name, "a")
        except RuntimeError as err:
            return name, scores, f"kept ({err})"
        return name, scores, "completed"

    def quiet(name):
        return name
        yield  # a generator that asks nothing

    results = answer_all([segment("x"), quiet("y"), segment("z")], Failing())
    assert results == [("x", [1.0, 2.0], "kept (out of memory)"), "y", ("z", [1.0, 2.0], "kept (out of memory)")]


def test_without_a_model_nothing_is_asked():
    glossary = gl.load_for("ru", locales_dir=cases.LOCALES)
    items = [(case.source, case.raw) for case in cases.load("ru")]
    assert gl.enforce_many(glossary, items) == [gl.enforce(glossary, s, t) for s, t in items]


def test_a_re_decode_is_asked_only_where_a_word_after_the_term_agreed_with_what_it_replaced():
    # организация (feminine) replaced by Талибан (masculine): «заявила» agreed
    # with what the engine wrote and must change; «в Кабуле» cannot disagree.
    assert repair._words_to_agree("ru", "организация", "Талибан", " заявила в понедельник.")
    assert not repair._words_to_agree("ru", "организация", "Талибан", " в Кабуле.")
    # The agreeing word is in another clause: not this term's predicate.
    assert not repair._words_to_agree("ru", "организация", "Талибан", " в Кабуле, где она заявила.")
    # Same gender and number: nothing to change whatever follows.
    assert repair._words_to_agree("ru", "движение", "Талибан", " заявило в понедельник.")
    assert not repair._words_to_agree("ru", "эмират", "Талибан", " заявил в понедельник.")
    # Plural to singular: a plural verb must change.
    assert repair._words_to_agree("ru", "талибы", "Талибан", " заявили в понедельник.")
    # A verb agrees only with its subject: a term in another case has none.
    assert not repair._words_to_agree("ru", "организации", "Талибана", " заявила в понедельник.")
    assert not repair._words_to_agree("ru", "организацию", "Талибану", " заявила в понедельник.")


def test_the_words_that_must_agree_end_where_the_last_of_them_ends():
    assert repair._words_to_agree("ru", "организация", "Талибан", " заявила в понедельник.") == len(" заявила")
    rest = " заявила и подписала, что согласна."
    assert repair._words_to_agree("ru", "организация", "Талибан", rest) == len(" заявила и подписала,")


class Redecoder:
    """A model whose re-decode writes ``words`` after the forced prefix and
    which prefers any re-decoded sentence to the old one."""

    def __init__(self, words: str):
        self.words, self.asked = words, []

    def score_many(self, questions):
        return [[0.0] * (len(q.candidates) - 1) + [1.0] for q in questions]

    def complete_many(self, questions):
        from translate.translation.engines.base import Translation

        self.asked += questions
        return [Translation(q.prefix + self.words) for q in questions]


def _taliban_said(model):
    from translate.translation.engines.base import Alignment, Translation

    ru = gl.load_for("ru", locales_dir=cases.LOCALES)
    raw = Translation("Организация заявила в понедельник о решении.", (Alignment(4, 11, 0, 11),))
    return gl.enforce(ru, "The Taliban said on Monday about the decision.", raw, model=model)


def test_a_re_decode_replaces_only_the_words_that_must_agree_and_keeps_the_rest_of_the_sentence():
    # The model goes on past the window with other words: only the window's
    # words are taken, the rest of the sentence is the engine's.
    model = Redecoder(" заявил вчера что-то другое.")
    final, (report,) = _taliban_said(model)
    assert final.text == "Талибан заявил в понедельник о решении."
    (question,) = model.asked
    assert question.prefix == "Талибан" and question.rest[:question.window] == " заявила"
    assert "re-decoded to agree ('заявила' -> 'заявил')" in report.detail
    # every pair still indexes the text: the tail's pairs moved by the one letter less
    assert all(0 <= a.tgt_start <= a.tgt_end <= len(final.text) for a in final.alignment)


def test_a_re_decode_that_stops_inside_the_window_is_not_taken():
    # Nothing follows the re-decoded word: the length bound may have cut it.
    final, (report,) = _taliban_said(Redecoder(" заяв"))
    assert final.text == "Талибан заявила в понедельник о решении."
    assert "re-decoded" not in report.detail


def _reference_body(form: str, arabic: bool) -> str:
    """_target_body as it was written first, character by character."""
    out = []
    for c in form:
        if arabic and (c == "\u200c" or c.isspace()):
            if out and out[-1] != r"\s*":
                out.append(r"\s*")
        elif c.isspace():
            if out and out[-1] != r"\s+":
                out.append(r"\s+")
        else:
            f = fold_char(c)
            if f:
                out.append(re.escape(f))
    body = "".join(out)
    if arabic and fold(form)[0][-1:] in ("ه", "ا", "و"):
        body += "(?:ی)?"
    return body


FORM_CHARS = st.sampled_from(list("aZ .-()[]*+?\\|^$\t\u00a0\u2009\u200c\u200d\u0640\u064b\u0670ىكيةۀګېۍټډёЁ"
                                  "\ufdfa\ufe8d\u2019хهاوی"))


@settings(max_examples=500)
@given(st.lists(FORM_CHARS, max_size=10).map("".join), st.booleans())
def test_target_patterns_are_compiled_as_the_character_by_character_definition_says(form, arabic):
    assert _target_body(form, arabic) == _reference_body(form, arabic)
    assert fold_text(form) == fold(form)[0]
