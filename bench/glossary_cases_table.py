"""Issue 28's per-language table of the glossary case sets, as Markdown.

    .venv/bin/python bench/glossary_cases_table.py [--no-nllb]

Every case of tests/glossary_cases/<lang>.cases goes through ``cases.run`` (the
real glossary.enforce, as tests/test_glossary_cases.py runs it) with each scorer
the tests use: the corpus test model (CorpusTermModel, a word-bigram model over
<lang>.corpus.txt), the tiny NLLB-style CTranslate2 model's score_batch
(random weights: arbitrary but real preferences) and no model. Then the
"issue 28" section of each file goes through `translate glossary apply`
exactly as tests/test_glossary_apply.py calls it (no model installed).
A case is judged by ``cases.judge``: exact (the expected text), flagged (a
term report asks for review), damaged (a word twice, or a word in neither
the model's output nor the expected text), wrong and silent (neither exact
nor flagged). Asserts nothing: it prints what it finds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import test_glossary_apply as apply_test  # noqa: E402
from glossary_cases import cases  # noqa: E402
from glossary_engine import CorpusTermModel  # noqa: E402

COLUMNS = ("cases", "exact", "flagged", "damaged", "silent")


def _row(lang: str, scorer: str, outcomes: list) -> tuple[list[str], list[str]]:
    """A table row and the ids (lang:line) of the damaged cases."""
    f = cases.figures(outcomes)
    damaged = [f"{lang}:{o.case.line}" for o in outcomes if o.damage]
    return [lang, scorer, *(str(f[c]) for c in COLUMNS)], damaged


def _through_the_command(lang: str, folder: Path) -> list:
    """The issue 28 section through `translate glossary apply --no-adapt`, judged like the cases."""
    text = (cases.HERE / f"{lang}.cases").read_text(encoding="utf-8")
    section_line = text[:text.index("# --- issue 28")].count("\n") + 1
    loaded = [c for c in cases.load(lang) if c.line > section_line]
    marked = apply_test.issue_cases(lang)
    assert len(loaded) == len(marked), (lang, len(loaded), len(marked))
    outcomes = []
    for case, block in zip(loaded, marked):
        out = apply_test.apply(folder, lang, block["en"], block["mt"], "--no-adapt")
        reports = [argparse.Namespace(review=t["review"], in_context=t["in_context"], status=t["status"])
                   for t in out["terms"]]
        outcomes.append(cases.judge(case, out["final"], reports))
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-nllb", action="store_true", help="Skip the tiny CTranslate2 model.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="glossary-table-"))
    tiny = {} if args.no_nllb else cases.tiny_nllb_model(folder)
    rows, damaged = [], []
    for lang in cases.LANGS:
        scorers = [("test model (corpus)", CorpusTermModel(cases.corpus(lang)))]
        if tiny:
            scorers.append(("tiny NLLB score_batch", tiny[lang]))
        scorers.append(("no model", None))
        for name, model in scorers:
            row, ids = _row(lang, name, cases.run(lang, model))
            rows.append(row)
            damaged += [f"{i} ({name})" for i in ids]
    for lang in cases.LANGS:
        row, ids = _row(lang, "`glossary apply`, issue 28 section, no model", _through_the_command(lang, folder))
        rows.append(row)
        damaged += [f"{i} (glossary apply)" for i in ids]
    print("| lang | scorer | cases | exact | flagged | damaged | wrong and silent |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print("\nDamaged cases: " + (", ".join(damaged) if damaged else "none"))


if __name__ == "__main__":
    main()
