"""What the repair asks of a translation model, and asking it for many
segments at once.

CTranslate2 has no lexical constraints, so the glossary repairs the model's
output afterwards; the model still decides how the term fits the sentence.
``translate.translation.engines.scoring.TranslatorTermModel`` implements this protocol
with the same CTranslate2 model that translated the sentence; tests use
deterministic ones.

The repair of one segment is a generator that yields its questions
(``Score``, ``Complete``) one at a time; ``answer_all`` advances the
generators of every segment of a document together and asks each round's
questions in one call of ``score_many`` / ``complete_many`` when the model has
them (a CTranslate2 call per question cost more than the translation).
"""

from __future__ import annotations

from typing import Generator, NamedTuple, Protocol, runtime_checkable

from translate.translation.engines.base import Translation


@runtime_checkable
class TermModel(Protocol):
    def score(self, source_text: str, candidates: list[str]) -> list[float]:
        """How likely each candidate translation of ``source_text`` is
        (higher is better; CTranslate2: mean log-probability per token)."""
        ...

    def complete(self, source_text: str, prefix: str) -> Translation:
        """Re-decode the rest of the sentence with ``prefix`` forced: the
        returned Translation starts with ``prefix`` and carries an alignment."""
        ...

    # Optional, for models that answer many questions in one call:
    #   score_many(questions: list[Score]) -> list[list[float]]
    #   complete_many(questions: list[Complete]) -> list[Translation | Exception]


class Score(NamedTuple):
    """How likely is each candidate sentence as a translation of ``source_text``?
    ``local``: what decides between them is next to where they differ (a
    model may score only the words up to a little after it); False when words
    far from it decide (Pashto's oblique and the verb at the end)."""

    source_text: str
    candidates: list[str]
    local: bool = True


class Complete(NamedTuple):
    """Re-decode ``source_text`` with ``prefix`` forced. ``rest`` is what the
    words after the prefix are now; only its first ``window`` characters may
    change (None: all of it), and only their endings, so a model may stop
    decoding a little after them."""

    source_text: str
    prefix: str
    rest: str = ""
    window: int | None = None


def answer_all(runs: list[Generator], model: TermModel | None) -> list:
    """Run every generator to its end, answering the questions it yields; the
    result of each, in order. A ``Complete`` that fails is thrown back into
    its generator (a re-decode is an improvement, never a requirement)."""
    results: list = [None] * len(runs)
    waiting: dict[int, object] = {}

    def advance(i: int, answer=None, error: Exception | None = None) -> None:
        try:
            question = runs[i].throw(error) if error is not None else runs[i].send(answer)
        except StopIteration as done:
            results[i] = done.value
        else:
            waiting[i] = question

    for i in range(len(runs)):
        advance(i)
    while waiting:
        if model is None:
            raise RuntimeError("a glossary repair asked a model, but none was given")
        # Scores first; re-decodes wait until no segment has a score to ask,
        # so that they go to the model together. A re-decode call costs a
        # decoding step per token of the longest sentence in it, however few
        # sentences it has: three calls of two cost three times one of six.
        scores = [i for i, q in waiting.items() if isinstance(q, Score)]
        ask = scores or list(waiting)
        asked = {i: waiting.pop(i) for i in ask}
        if scores:
            answers = dict(zip(scores, _score_many(model, list(asked.values()))))
        else:
            answers = dict(zip(ask, _complete_many(model, list(asked.values()))))
        for i in sorted(asked):
            answer = answers[i]
            if isinstance(answer, Exception):
                advance(i, error=answer)
            else:
                advance(i, answer)
    return results


def _score_many(model, questions: list[Score]) -> list[list[float]]:
    if hasattr(model, "score_many"):
        return model.score_many(questions)
    return [model.score(q.source_text, q.candidates) for q in questions]


def _complete_many(model, questions: list[Complete]) -> list:
    if hasattr(model, "complete_many"):
        try:
            return model.complete_many(questions)
        except Exception as err:  # noqa: BLE001 - each segment reports it and keeps its text
            return [err] * len(questions)
    answers = []
    for q in questions:
        try:
            answers.append(model.complete(q.source_text, q.prefix))
        except Exception as err:  # noqa: BLE001 - as above, for this segment only
            answers.append(err)
    return answers
