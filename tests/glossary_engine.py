"""A deterministic engine for glossary tests: word-by-word dictionary
translation with exact character alignments.

Phrases of the lexicon (longest first, case-insensitive) are translated by
their entry; any other word becomes a made-up word in the target script,
derived from a hash of the word, so the output is arbitrary-looking text (like
the tiny test models produce) yet reproducible. Options simulate what real
engines do to terms: drop words, reverse word order, merge words into one
target word, or give no alignment at all.
"""

from __future__ import annotations

import hashlib
import re

from translate.translation.engines.base import Alignment, ModelInfo, Translation

ALPHABETS = {
    "cyrillic": "абвгдежзиклмнопрстуфхцчшэюя",
    "arabic": "ابپتجحخدرزسشعفقکگلمنوهی",
}
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")


def pseudo_word(word: str, script: str) -> str:
    """A made-up target-script word for ``word``: same word, same result."""
    letters = ALPHABETS[script]
    digest = hashlib.sha256(word.lower().encode()).digest()
    length = 3 + digest[0] % 6
    return "".join(letters[b % len(letters)] for b in digest[1:1 + length])


class DictionaryEngine:
    def __init__(self, lexicon: dict[str, str] | None = None, *, script: str = "cyrillic",
                 align: bool = True, drop: tuple[str, ...] = (), reverse: bool = False,
                 merge: tuple[str, ...] = ()):
        """``drop``: source words (lower case) the engine leaves out;
        ``merge``: source phrases rendered as ONE pseudo-word aligned to every
        source word of the phrase (like a model fusing two terms)."""
        self.lexicon = {" ".join(k.lower().split()): v for k, v in (lexicon or {}).items()}
        self.script = script
        self.align = align
        self.drop = {w.lower() for w in drop}
        self.reverse = reverse
        self.merge = [" ".join(m.lower().split()) for m in merge]
        self.longest = max([len(k.split()) for k in [*self.lexicon, *self.merge]] or [1])
        self.info = ModelInfo(engine="test-dictionary", name=f"dictionary-{script}", version="1")
        self.calls: list[list[str]] = []

    def translate(self, texts, progress=None):
        self.calls.append(list(texts))
        out = [self._one(t) for t in texts]
        if progress:
            progress(len(texts))
        return out

    def _units(self, text: str):
        """Source units: (src_start, src_end, target words, glue-to-previous)."""
        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
        units, i = [], 0
        while i < len(tokens):
            for n in range(min(self.longest, len(tokens) - i), 0, -1):
                phrase = " ".join(t[2].lower() for t in tokens[i:i + n])
                start, end = tokens[i][0], tokens[i + n - 1][1]
                if phrase in self.merge:
                    units.append((start, end, pseudo_word(phrase, self.script), False))
                    break
                if phrase in self.lexicon:
                    units.append((start, end, self.lexicon[phrase], False))
                    break
            else:
                start, end, word = tokens[i]
                n = 1
                if word.lower() in self.drop:
                    units.append((start, end, "", False))
                elif not word[0].isalnum():
                    units.append((start, end, word, True))
                elif word.isdigit():
                    units.append((start, end, word, False))
                else:
                    units.append((start, end, pseudo_word(word, self.script), False))
            i += n
        return units

    def _one(self, text: str) -> Translation:
        units = [u for u in self._units(text) if u[2]]
        if self.reverse:
            words = [u for u in units if not u[3]][::-1]
            units = words + [u for u in units if u[3]]
        out, pairs = "", []
        for src_start, src_end, target, glue in units:
            if out and not glue:
                out += " "
            # Each target word of a phrase is aligned to the whole source
            # phrase, the way attention aligns target pieces.
            for m in re.finditer(r"\S+", target):
                pairs.append(Alignment(src_start, src_end, len(out) + m.start(), len(out) + m.end()))
            out += target
        return Translation(out, tuple(pairs) if self.align else ())


class CorpusTermModel:
    """A deterministic glossary.TermModel for tests: a word-bigram language
    model over a small reference text of the target language (correct
    sentences written for the purpose, tests/glossary_cases/<lang>.corpus.txt).
    A candidate sentence scores the mean log-probability of its word pairs, so
    «с Талибаном» beats «с Талибан» when the corpus has seen «с Талибаном» or
    «с Кабулом» — class-free, but the way a real model prefers what it has seen.

    ``complete`` re-decodes the words after the prefix the way a bigram model
    can: it takes the last scored sentence that starts with the prefix and
    replaces each following word by the variant of it (same first four
    letters) that the corpus has seen after the word before it — «власть
    приняло» becomes «власть приняла» when the corpus has «власть приняла»."""

    def __init__(self, corpus: str):
        from collections import Counter

        words = [self._norm(w) for line in corpus.splitlines() for w in [*line.split(), "</s>"] if w]
        self.unigrams = Counter(words)
        self.bigrams = Counter(zip(words, words[1:]))
        self.vocabulary = len(self.unigrams) + 1
        self.seen: list[str] = []

    @staticmethod
    def _norm(word: str) -> str:
        from translate.translation.glossary import fold

        return fold(word.strip(".,;:!?«»()\"'"))[0].casefold()

    def _logprob(self, a: str, b: str) -> float:
        import math

        # Interpolated (Jelinek-Mercer): a seen pair counts most, a seen word a little.
        unigram = (self.unigrams[b] + 0.01) / (sum(self.unigrams.values()) + 0.01 * self.vocabulary)
        pair = self.bigrams[(a, b)] / self.unigrams[a] if self.unigrams[a] else 0.0
        return math.log(0.8 * pair + 0.2 * unigram)

    def score(self, source_text: str, candidates: list[str]) -> list[float]:
        scores = []
        self.seen = list(candidates)
        for sentence in candidates:
            words = ["</s>", *(self._norm(w) for w in sentence.split()), "</s>"]
            words = [w for w in words if w]
            pairs = list(zip(words, words[1:]))
            scores.append(sum(self._logprob(a, b) for a, b in pairs) / max(1, len(pairs)))
        return scores

    def complete(self, source_text: str, prefix: str) -> Translation:
        sentence = next((s for s in self.seen if s.startswith(prefix)), prefix)
        return self._complete(prefix, sentence)

    def complete_many(self, questions) -> list[Translation]:
        """glossary.model.Complete questions: each carries the words after the prefix."""
        return [self._complete(q.prefix, q.prefix + q.rest) for q in questions]

    def _complete(self, prefix: str, sentence: str) -> Translation:
        """The words after ``prefix`` re-inflected where the corpus has a pair
        with the previous word that the sentence lacks (agreement, as a model
        re-decoding the rest would fix it)."""
        words = sentence[len(prefix):].split(" ")
        previous = self._norm(prefix.split()[-1]) if prefix.split() else "</s>"
        out = []
        for word in words:
            core = word.strip(".,;:!?«»()\"'")
            norm = self._norm(core)
            seen = [b for (a, b), n in self.bigrams.items() if a == previous and b[:4] == norm[:4] and b != norm]
            if core and norm and not self.bigrams[(previous, norm)] and seen:
                word = word.replace(core, seen[0])
                norm = seen[0]
            out.append(word)
            previous = norm or previous
        return Translation(prefix + " ".join(out))
