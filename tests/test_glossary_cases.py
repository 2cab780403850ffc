"""The glossary case set (tests/glossary_cases/): realistic model output run
through the real enforcement, with a deterministic TermModel and with none,
and once end to end with a tiny CTranslate2 model scoring through score_batch.

`python tests/glossary_cases/cases.py` prints the per-language figures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import modelkit
from glossary_cases import cases
from glossary_engine import CorpusTermModel
from translate.translation import glossary as gl
from translate.translation.engines.scoring import (
    TranslatorTermModel, complete, decisive, rest_bound, score_pairs, term_model_for,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("lang", cases.LANGS)
def test_each_language_has_at_least_eighty_realistic_cases(lang):
    loaded = cases.load(lang)
    assert len(loaded) >= 80
    # Every case has a source term or is a false friend that must stay untouched.
    glossary = gl.load_for(lang, locales_dir=ROOT / "locales")
    false_friends = [c for c in loaded if not glossary.find_source(c.source)]
    assert all(c.raw.text == c.want for c in false_friends)
    assert len(false_friends) < len(loaded) // 5


@pytest.mark.parametrize("lang", cases.LANGS)
def test_with_the_test_model_every_case_is_exactly_right_and_nothing_is_damaged(lang):
    outcomes = cases.run(lang, CorpusTermModel(cases.corpus(lang)))
    wrong = [(o.case.line, o.final, o.case.want, o.damage) for o in outcomes if not o.exact or o.damage]
    assert wrong == []
    # the review flags exactly the cases that say it must (a missing term, a form agreeing with nothing)
    assert [o.case.line for o in outcomes if not o.flag_as_expected] == []
    figures = cases.figures(outcomes)
    assert figures["placed"] + figures["missing"] == figures["terms"]


@pytest.mark.parametrize("lang", cases.LANGS)
def test_without_a_model_nothing_is_damaged_and_nothing_is_wrong_and_silent(lang):
    outcomes = cases.run(lang, None)
    assert [o.case.line for o in outcomes if o.damage] == []
    # Without a model the case and number come from the words around the term;
    # what they cannot settle (a verb that must agree after a repair) is flagged.
    assert [(o.case.line, o.final) for o in outcomes if o.silent_wrong] == []
    assert [o.case.line for o in outcomes if o.case.flag and not o.flag_as_expected] == []
    figures = cases.figures(outcomes)
    assert figures["placed"] + figures["missing"] == figures["terms"]
    assert figures["exact"] >= figures["cases"] - 2


def test_the_case_format_names_the_line_of_a_bad_case():
    with pytest.raises(ValueError, match=r"x.cases:3: case without want"):
        cases.parse("# comment\n\nen: [Russia]1\nmt: [Россия]1\n", "ru", "x.cases")
    (case,) = cases.parse("en: The [Taliban]1 said\nmt: [Талибан]1 заявил\nwant: Талибан заявил\n", "ru", "x")
    assert case.source == "The Taliban said" and case.raw.text == "Талибан заявил"
    (pair,) = case.raw.alignment
    assert (case.source[pair.src_start:pair.src_end], case.raw.text[pair.tgt_start:pair.tgt_end]) == (
        "Taliban", "Талибан")


def test_judge_counts_duplicates_and_foreign_words_as_damage():
    (case,) = cases.parse("en: x\nmt: Совет Безопасности ООН\nwant: Совет Безопасности ООН\n", "ru", "x")
    assert cases.judge(case, "Совет Безопасности ООН", ()).damage == []
    assert cases.judge(case, "Совет Безопасности ООН ООН", ()).damage == ["'оон' twice"]
    assert cases.judge(case, "Совета Безопасности ООН", ()).damage == [
        "'совета' is neither the model's nor expected"]


# --- the CTranslate2 scorer, end to end -----------------------------------------------------

@pytest.fixture(scope="module")
def kk_engine(tmp_path_factory):
    """A tiny NLLB-style model, loaded by the real multilingual engine for Kazakh."""
    from translate.project.languages import TARGETS
    from translate.translation.models.multilingual import MultilingualStore
    from translate.translation.models.routing import load_engine

    store = tmp_path_factory.mktemp("multilingual")
    MultilingualStore(store).add(modelkit.build_multilingual_model(tmp_path_factory.mktemp("nllb"), family="nllb"))
    engine = load_engine(TARGETS["kk"], tmp_path_factory.mktemp("argos"), multilingual_dir=store)
    engine.translate(["Russia"])            # loads the translator
    return engine


def test_score_pairs_prefers_the_models_own_translation(kk_engine):
    source = "Russia removed the Taliban from the list."
    (own,) = kk_engine.translate([source])
    model = term_model_for(kk_engine)
    assert isinstance(model, TranslatorTermModel) and isinstance(model, gl.TermModel)
    other = "Қазақстан мен Қырғызстан да осындай қадамдар жасады."
    scores = score_pairs(kk_engine.translator(), kk_engine.codec.encode, [source, source], [own.text, other],
                         model.source_prefix, model.source_suffix, model.target_prefix)
    assert all(s < 0 for s in scores)          # mean log-probabilities
    assert scores[0] > scores[1]
    assert model.score(source, [own.text, other]) == scores


def test_complete_keeps_the_forced_prefix_and_aligns_what_it_adds(kk_engine):
    source = "Russia removed the Taliban from the list."
    (own,) = kk_engine.translate([source])
    prefix = " ".join(own.text.split()[:2])
    result = complete(kk_engine.translator(), kk_engine.codec.encode, kk_engine.codec.decode, source, prefix,
                      kk_engine.source_prefix(), kk_engine.source_suffix(), kk_engine.target_prefix())
    assert result.text.startswith(prefix) and len(result.text) > len(prefix)
    assert result.alignment
    for pair in result.alignment:
        assert len(prefix) <= pair.tgt_start < pair.tgt_end <= len(result.text)
        assert 0 <= pair.src_start < pair.src_end <= len(source)


def test_completions_of_a_whole_document_in_one_call_are_the_ones_made_one_by_one(kk_engine):
    from translate.translation.glossary.model import Complete

    model = term_model_for(kk_engine)
    sources = ["Russia removed the Taliban from the list.", "Kazakhstan and Kyrgyzstan took similar steps.",
               "The Taliban welcomed the decision."]
    questions = []
    for source in sources:
        (own,) = kk_engine.translate([source])
        words = own.text.split()
        questions.append(Complete(source, " ".join(words[:1]), " " + " ".join(words[1:])))
    together = model.complete_many(questions)
    alone = [model.complete_many([q])[0] for q in questions]
    assert [t.text for t in together] == [a.text for a in alone]
    for q, t in zip(questions, together):
        assert t.text.startswith(q.prefix)
        # bounded by the rest it may replace (scoring.rest_bound): never a longer sentence
        assert len(kk_engine.codec.encode(t.text[len(q.prefix):])) <= rest_bound(kk_engine.codec.encode, q.rest)


def test_scoring_the_decisive_window_scores_its_tokens_as_the_whole_sentence_does(kk_engine):
    """The decoder is causal: cutting the candidates after the tokens where they
    differ changes no kept token's log-probability."""
    source = "Russia removed the Taliban from the list."
    (own,) = kk_engine.translate([source])
    words = own.text.split()
    candidates = [" ".join(["Ресей", *words[1:]]), " ".join(["Ресейдің", *words[1:]])]
    encode = kk_engine.codec.encode
    tokens = [[p.token for p in encode(c)] for c in candidates]
    cut = decisive(tokens, window=2)
    assert all(len(c) < len(t) for c, t in zip(cut, tokens))          # the shared tail is dropped
    assert all(t[:len(c)] == c for c, t in zip(cut, tokens))
    assert len({tuple(t[len(c):]) for c, t in zip(cut, tokens)}) == 1
    translator = kk_engine.translator()
    src = [[*kk_engine.source_prefix(), *(p.token for p in encode(source)), *kk_engine.source_suffix()]] * 2
    prefix = list(kk_engine.target_prefix())
    whole = translator.score_batch(src, [prefix + t for t in tokens], offset=len(prefix))
    part = translator.score_batch(src, [prefix + c for c in cut], offset=len(prefix))
    for w, p, c in zip(whole, part, cut):
        assert list(p.log_probs)[:len(c)] == pytest.approx(list(w.log_probs)[:len(c)], abs=1e-4)


def test_kazakh_cases_through_score_batch_place_every_term_without_damage(kk_engine):
    """The real enforcement with the tiny model's score_batch choosing the
    forms: its preferences are arbitrary, but whatever it picks is a correct
    candidate, never a duplicate or a broken word, and the review gets scores."""
    model = term_model_for(kk_engine)
    outcomes = cases.run("kk", model)
    figures = cases.figures(outcomes)
    assert figures["placed"] == figures["terms"]
    assert [o.case.line for o in outcomes if any("twice" in d for d in o.damage)] == []
    glossary = gl.load_for("kk", locales_dir=ROOT / "locales")
    applied = [r for o in outcomes for r in o.reports if r.status == "applied"]
    # The model is asked where the sentence leaves more than one form (and
    # then its score is reported with the runner-up's); otherwise the
    # review names the runner-up without a score.
    scored = [r for r in applied if r.score is not None]
    assert all(r.runner_up_score is not None and r.score >= r.runner_up_score for r in scored)
    assert all(r.runner_up for r in applied if r.score is None)
    # Kazakh endings always name one case, so the grammar decides; the model's
    # answers for a whole document in one score_batch call are the ones it
    # gives question by question.
    from translate.translation.glossary.model import Score

    questions = [Score(o.case.source, [o.final, o.case.raw.text]) for o in outcomes[:12]]
    batched = model.score_many(questions)
    one_by_one = [model.score(q.source_text, q.candidates) for q in questions]
    assert [len(b) for b in batched] == [2] * len(questions)
    assert [x for b in batched for x in b] == pytest.approx([x for b in one_by_one for x in b], rel=1e-4)
    for o in outcomes:
        for r in o.reports:
            if r.status == "applied":
                entry = glossary.entry(r.source_term)
                assert r.found.lower() in {c.text.lower() for c in glossary.candidates(entry)}
                assert re.search(rf"(?<!\w){re.escape(r.found)}(?!\w)", o.final)
