"""The glossary case set: realistic model output, its alignment, the expected text.

One file per language, <lang>.cases. A case is a block of lines:

    en:   [Russia's Supreme Court]1 lifted the ban on the [Taliban]2.
    mt:   [Верховный суд России]1 снял запрет на [талибов]2.
    want: Верховный суд России снял запрет на талибов.
    why:  member form accepted (optional comment)

Brackets with a number mark aligned spans: source span N is aligned to every
word of target span N (as attention aligns each target piece to a source
piece); a number missing on the target side is a term the model dropped.
Unmarked words carry no alignment. Blocks are separated by blank lines; lines
starting with # are comments.

``run`` sends every case through the real glossary.enforce and measures, per
language: cases exactly right, sentences damaged (a word twice in a row, or a
word that is in neither the model's output nor the expected text: a broken
word or a wrong grammatical case), and terms placed.
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
                                  block.get("why", "")))
                block = {}
            continue
        key, _, value = line.partition(":")
        if key.strip() not in ("en", "mt", "want", "why"):
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
        "damaged": sum(bool(o.damage) for o in outcomes),
        "terms": len(terms),
        "placed": sum(r.status != "not-applied" for r in terms),
        "kept": sum(r.status == "already-right" for r in terms),
        "repaired": sum(r.status == "applied" for r in terms),
    }


def main() -> None:
    """Print the figures per language, with and without the test model."""
    import sys

    sys.path.insert(0, str(HERE.parent))
    from glossary_engine import CorpusTermModel

    print(f"{'lang':<5}{'scorer':<9}{'cases':>6}{'exact':>7}{'damaged':>9}{'terms':>7}{'placed':>8}{'kept':>6}"
          f"{'repaired':>10}")
    for lang in LANGS:
        for name, model in (("corpus", CorpusTermModel(corpus(lang))), ("none", None)):
            f = figures(run(lang, model))
            print(f"{lang:<5}{name:<9}{f['cases']:>6}{f['exact']:>7}{f['damaged']:>9}{f['terms']:>7}"
                  f"{f['placed']:>8}{f['kept']:>6}{f['repaired']:>10}")
    if "-v" in sys.argv:
        for lang in LANGS:
            for o in run(lang, CorpusTermModel(corpus(lang))):
                if not o.exact or o.damage:
                    print(f"\n{lang}:{o.case.line}: {o.case.source}\n  raw:   {o.case.raw.text}\n"
                          f"  final: {o.final}\n  want:  {o.case.want}\n  damage: {o.damage}")
                    for r in o.reports:
                        print(f"    {r.source_term}: {r.status} {r.found!r} {r.detail}")


if __name__ == "__main__":
    main()
