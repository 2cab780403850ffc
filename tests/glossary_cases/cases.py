"""The glossary case set: realistic model output, its alignment, the expected text.

One file per language, <lang>.cases. A case is a block of lines:

    en:   [Russia's Supreme Court]1 lifted the ban on the [Taliban]2.
    mt:   [Верховный суд России]1 снял запрет на [талибов]2.
    want: Верховный суд России снял запрет на талибов.
    why:  member form accepted (optional comment)
    flag: term missing (optional: the review must flag the segment, with these words)

Brackets with a number mark aligned spans: source span N is aligned to every
word of target span N (as attention aligns each target piece to a source
piece); a number missing on the target side is a term the model dropped.
Unmarked words carry no alignment. Blocks are separated by blank lines; lines
starting with # are comments.

``run`` sends every case through the real glossary.enforce and measures, per
language: cases exactly right, cases flagged for review (a term report says
why a person must look), sentences damaged (a word twice in a row, or a word
that is in neither the model's output nor the expected text: a broken word or
a wrong grammatical case), cases wrong and silent (not exact, not flagged:
what must never happen), and terms placed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from translate.translation import glossary as gl
from translate.translation.engines.base import Alignment, Translation

HERE = Path(__file__).resolve().parent
LOCALES = HERE.parent.parent / "locales"
LANGS = ("ru", "prs", "ps", "kk")
_SPAN = re.compile(r"\[([^\]]*)\](\d+)")


@dataclass
class Case:
    lang: str
    line: int
    source: str
    raw: Translation
    want: str
    why: str = ""
    flag: str = ""


def _strip(marked: str) -> tuple[str, dict[int, tuple[int, int]]]:
    """Text without the brackets, and each label's [start, end)."""
    out, spans, last = "", {}, 0
    for m in _SPAN.finditer(marked):
        out += marked[last:m.start()]
        start = len(out)
        out += m.group(1)
        spans[int(m.group(2))] = (start, len(out))
        last = m.end()
    return out + marked[last:], spans


def parse(text: str, lang: str, name: str) -> list[Case]:
    cases, block, start = [], {}, 0
    lines = text.splitlines() + [""]
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith("#"):
            continue
        if not line.strip():
            if block:
                missing = {"en", "mt", "want"} - set(block)
                if missing:
                    raise ValueError(f"{name}:{start}: case without {', '.join(sorted(missing))}")
                source, src_spans = _strip(block["en"])
                target, tgt_spans = _strip(block["mt"])
                pairs = []
                for label, (s0, s1) in src_spans.items():
                    if label in tgt_spans:
                        t0, t1 = tgt_spans[label]
                        pairs += [Alignment(s0, s1, t0 + m.start(), t0 + m.end())
                                  for m in re.finditer(r"\S+", target[t0:t1])]
                cases.append(Case(lang, start, source, Translation(target, tuple(pairs)), block["want"],
                                  block.get("why", ""), block.get("flag", "")))
                block = {}
            continue
        key, _, value = line.partition(":")
        if key.strip() not in ("en", "mt", "want", "why", "flag"):
            raise ValueError(f"{name}:{number}: unknown key {key.strip()!r}")
        if not block:
            start = number
        block[key.strip()] = value.strip()
    return cases


def load(lang: str) -> list[Case]:
    path = HERE / f"{lang}.cases"
    return parse(path.read_text(encoding="utf-8"), lang, path.name)


def corpus(lang: str) -> str:
    return (HERE / f"{lang}.corpus.txt").read_text(encoding="utf-8")


def _words(text: str) -> list[str]:
    return [gl.fold(w)[0].casefold() for w in re.findall(r"[\w\u200c'-]+", text)]


@dataclass
class Outcome:
    case: Case
    final: str
    reports: tuple
    exact: bool
    damage: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return any(r.review for r in self.reports)

    @property
    def silent_wrong(self) -> bool:
        return not self.exact and not self.flagged

    @property
    def flag_as_expected(self) -> bool:
        """The review flags the case exactly when the case says it must, with its words."""
        if not self.case.flag:
            return not self.flagged
        return any(self.case.flag in r.review for r in self.reports)


def judge(case: Case, final: str, reports) -> Outcome:
    words = _words(final)
    known = set(_words(case.raw.text)) | set(_words(case.want))
    want_pairs = set(zip(_words(case.want), _words(case.want)[1:]))
    damage = [f"{a!r} twice" for a, b in zip(words, words[1:]) if a == b and (a, b) not in want_pairs]
    damage += [f"{w!r} is neither the model's nor expected" for w in words if w not in known]
    return Outcome(case, final, tuple(reports), final == case.want, damage)


def run(lang: str, model=None) -> list[Outcome]:
    glossary = gl.load_for(lang, locales_dir=LOCALES)
    out = []
    for case in load(lang):
        final, reports = gl.enforce(glossary, case.source, case.raw, model=model)
        out.append(judge(case, final.text, reports))
    return out


def figures(outcomes: list[Outcome]) -> dict:
    terms = [r for o in outcomes for r in o.reports]
    return {
        "cases": len(outcomes),
        "exact": sum(o.exact for o in outcomes),
        "flagged": sum(o.flagged for o in outcomes),
        "damaged": sum(bool(o.damage) for o in outcomes),
        "silent": sum(o.silent_wrong for o in outcomes),
        "terms": len(terms),
        "placed": sum(r.in_context for r in terms),
        "missing": sum(r.status == "missing" for r in terms),
        "kept": sum(r.status == "already-right" for r in terms),
        "repaired": sum(r.status == "applied" for r in terms),
    }


def tiny_nllb_model(folder: Path):
    """The TermModel of a tiny NLLB-style CTranslate2 model (tests/modelkit.py),
    scoring through score_batch as publish does: arbitrary preferences, real calls."""
    import sys

    sys.path.insert(0, str(HERE.parent))
    import modelkit
    from translate.project import config as project_config
    from translate.project.languages import TARGETS
    from translate.translation.engines.scoring import term_model_for
    from translate.translation.models.multilingual import MultilingualStore
    from translate.translation.models.routing import load_engine

    store = folder / "store"
    MultilingualStore(store).add(modelkit.build_multilingual_model(folder / "nllb", family="nllb"))
    # every language through the NLLB model, Russian too (its default is an Argos package)
    config = project_config.with_overrides(project_config.default(), ["ru=multilingual"])
    engines = {lang: load_engine(TARGETS[lang], folder / "argos", config=config, multilingual_dir=store)
               for lang in LANGS}
    return {lang: term_model_for(engine) for lang, engine in engines.items()}


def main() -> None:
    """Print the figures per language: with the corpus test model, the tiny
    NLLB model's score_batch (--nllb) and no model."""
    import sys
    import tempfile

    sys.path.insert(0, str(HERE.parent))
    from glossary_engine import CorpusTermModel

    scorers = {lang: [("corpus", CorpusTermModel(corpus(lang)))] for lang in LANGS}
    if "--nllb" in sys.argv:
        tiny = tiny_nllb_model(Path(tempfile.mkdtemp(prefix="glossary-cases-")))
        for lang in LANGS:
            scorers[lang].append(("nllb", tiny[lang]))
    print(f"{'lang':<5}{'scorer':<8}{'cases':>6}{'exact':>7}{'flagged':>9}{'damaged':>9}{'silent':>8}{'terms':>7}"
          f"{'placed':>8}{'missing':>9}")
    for lang in LANGS:
        for name, model in [*scorers[lang], ("none", None)]:
            f = figures(run(lang, model))
            print(f"{lang:<5}{name:<8}{f['cases']:>6}{f['exact']:>7}{f['flagged']:>9}{f['damaged']:>9}{f['silent']:>8}"
                  f"{f['terms']:>7}{f['placed']:>8}{f['missing']:>9}")
    if "-v" in sys.argv:
        for lang in LANGS:
            for name, model in [*scorers[lang], ("none", None)]:
                for o in run(lang, model):
                    if not o.exact or o.damage or not o.flag_as_expected:
                        print(f"\n{lang}:{o.case.line} ({name}): {o.case.source}\n  raw:   {o.case.raw.text}\n"
                              f"  final: {o.final}\n  want:  {o.case.want}\n  damage: {o.damage}")
                        for r in o.reports:
                            print(f"    {r.source_term}: {r.status} {r.found!r} {r.detail} | {r.reason} | {r.review}")


if __name__ == "__main__":
    main()
