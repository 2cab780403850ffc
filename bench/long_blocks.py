#!/usr/bin/env python
"""How the cost of one very long block grows with its length (issue 33, item 11).

    .venv/bin/python bench/long_blocks.py                   # this checkout
    .venv/bin/python bench/long_blocks.py --code /path/to/other/checkout --scale 0.3

A title of thousands of words is one segment: the reader cuts paragraphs into
sentence windows, never the title. Each measurement is taken at a length and
at twice that length, in a fresh interpreter that imports the package from
``--code``; the ratio says how the cost grows (about 2: linear, about 4:
quadratic). Nothing is asserted: run it on two checkouts side by side.

- ``pdf``: the English edition's PDF of an article whose title is N words
  (the running header repeats the title on every page);
- ``glossary``: the post-editing stages (the Russian glossary) over a title
  of N words, a quarter of them glossary terms, translated word by word by the
  tests' dictionary engine (exact alignments, no model: what is measured is
  the stages' own work);
- ``reader``: reading the article.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

MEASURE = r"""
import json, sys, time
from datetime import datetime, timezone
sys.path.insert(0, sys.argv[3])
from glossary_engine import DictionaryEngine
from translate.project.languages import ALL
from translate.publishing.writers import WRITERS, Page
from translate.source.markdown_reader import read_markdown
from translate.translation import edition

what, n = sys.argv[1], int(sys.argv[2])
words = "the people of Russia met the Taliban in Moscow on Monday while others waited".split()
title = " ".join(words[k % len(words)] for k in range(n))
text = f'---\ntitle: "{title}"\n---\n\nRussia has removed the Taliban.\n'
started = time.perf_counter()
doc = read_markdown(text, slug="long")
if what == "pdf":
    page = Page(doc, ALL["en"], [], datetime(2026, 1, 1, tzinfo=timezone.utc), None)
    WRITERS["pdf"].write(page)
elif what == "glossary":
    stage = edition.load_glossary_stage(ALL["ru"], None)
    started = time.perf_counter()
    edition.translate_document(doc, ALL["ru"], DictionaryEngine(), [stage])
print(json.dumps(time.perf_counter() - started))
"""

CASES = {"reader": (4000, 8000), "pdf": (2000, 4000), "glossary": (500, 1000)}


def measure(code: Path, what: str, words: int) -> float:
    env = dict(os.environ, PYTHONPATH=str(code))
    done = subprocess.run([sys.executable, "-c", MEASURE, what, str(words), str(REPO / "tests")], cwd=code,
                          env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, default=REPO, help="the checkout whose package is measured")
    parser.add_argument("--only", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES))
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the lengths (0.3 keeps a quadratic checkout's run to minutes)")
    args = parser.parse_args()
    print(f"{'case':<10} {'words':>7} {'seconds':>9} {'words':>7} {'seconds':>9} {'ratio':>6}")
    for what in args.only.split(","):
        short, long = (max(1, round(n * args.scale)) for n in CASES[what])
        a, b = measure(args.code, what, short), measure(args.code, what, long)
        print(f"{what:<10} {short:>7} {a:>9.2f} {long:>7} {b:>9.2f} {b / a:>6.1f}", flush=True)


if __name__ == "__main__":
    main()
