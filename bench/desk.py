#!/usr/bin/env python
"""How fast the desk shows a long edition: a 500-sentence article's Dari
edition page, served by `translate desk` and loaded in Debian's Chromium.

    .venv/bin/python bench/desk.py                  # 500 sentences, 10 HTTP and 5 browser loads
    .venv/bin/python bench/desk.py --sentences 1000 --runs 20

Measured, each on its own:
  1. the first view after the desk starts with an empty memory (every
     sentence translated by the model: a real model takes far longer, the
     tiny one of tests/modelkit.py shows the desk's own share);
  2. the first view after a restart with the memory warm (an editor opening
     an article publish already translated): the desk's cache is empty;
  3. views of a page the desk has seen (HTTP: the server's time and transfer);
  4. the page in Chromium: navigation to the load event (fonts, stylesheet and
     script included), from the Navigation Timing entry, and to the moment
     every sentence's editor exists (the first 60 are in the HTML, the others
     made by the page's script, see translate/desk/app.py EAGER_EDITORS);
  5. a save of one sentence (the JSON answer the page's script gets).

Nothing here is a test: the target (under 1 s) is reported as met or not.
Everything is written under --work (default a temporary folder): the model,
the project, the memory, the user folders.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import deskkit  # noqa: E402  (tests/deskkit.py: the desk as its tests run it)
import modelkit  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from translate.source.article import read_source  # noqa: E402
from translate.translation.models.multilingual import MultilingualStore  # noqa: E402

TARGET_S = 1.0


def article(sentences: int, folder: Path) -> Path:
    """An article of ``sentences`` sentences (the title counts; exactly, or
    the nearest below when the segmenter splits one), all different, made from
    the sentences of the first article, five to a paragraph."""
    doc = read_source(REPO / "source" / "taliban-delisting.md")
    pool = [s.text.replace("\n", " ") for s in doc.segments()[1:] if len(s.text.split()) > 4]
    path = folder / "long-report.md"
    for body_count in range(sentences - 1, 0, -1):
        if _write_article(path, pool, body_count) <= sentences:
            return path
    raise SystemExit("cannot make the article")


def _write_article(path: Path, pool: list[str], body_count: int) -> int:
    lines = [f"In report {index + 1}: {pool[index % len(pool)]}" for index in range(body_count)]
    paragraphs = [" ".join(lines[start:start + 5]) for start in range(0, len(lines), 5)]
    path.write_text("---\ntitle: A long report on the Taliban and Russia\nslug: long-report\n---\n\n"
                    + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return len(read_source(path).segments())


def timed(fn, runs: int) -> list[float]:
    values = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        values.append(time.perf_counter() - start)
    return values


def get(desk, path: str) -> bytes:
    status, _, body = desk.request("GET", path, headers={"Cookie": desk.cookie()})
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
    return body


def browser_loads(desk, path: str, runs: int) -> list[float]:
    with sync_playwright() as playwright:
        browser = deskkit.launch_chromium(playwright)
        context = browser.new_context()
        context.set_default_timeout(300_000)
        page = context.new_page()
        page.goto(desk.url, wait_until="load")
        page.goto(desk.base + path, wait_until="load")   # fonts into the browser's cache
        loads, ready = [], []
        for _ in range(runs):
            page.goto(desk.base + path, wait_until="load")
            loads.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
            # every sentence's textarea made (the ones after the first come from templates)
            # (polled from here: the desk's Content-Security-Policy refuses wait_for_function's eval)
            count = "[document.querySelectorAll('textarea[name=text]').length, " \
                    "document.querySelectorAll('section.sentence').length, performance.now()]"
            while True:
                editors, sentences, now = page.evaluate(count)
                if editors == sentences:
                    break
                time.sleep(0.02)
            ready.append(now / 1000)
        browser.close()
    return loads, ready


def save_once(desk, path: str, csrf: str, digest: str) -> None:
    body = urllib.parse.urlencode({"text": "متن آزمایشی", "version": "", "english": digest, "intent": "save"})
    status, _, answer = desk.request("POST", path, body=body.encode(), headers={
        "Cookie": desk.cookie(), "X-CSRF-Token": csrf, "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded"})
    if status not in (200, 409):
        raise RuntimeError(f"POST {path}: {status} {answer[:200]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--browser-runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results-desk.json")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="desk-bench-"))
    store = work / "multilingual"
    if not store.exists():
        MultilingualStore(store).add(modelkit.build_multilingual_model(work / "model-src" / "model", family="nllb"))
    project = work / "newsroom"
    (project / "source").mkdir(parents=True, exist_ok=True)
    (project / "translate.toml").write_text("", encoding="utf-8")
    article(args.sentences, project / "source")
    memory = work / "memory.sqlite3"
    memory.unlink(missing_ok=True)
    env = deskkit.desk_env(work / "user", TRANSLATE_MODELS_DIR=str(store), TRANSLATE_MEMORY=str(memory),
                           TRANSLATE_FONT_CACHE=str(work / "fonts"))
    path = "/articles/long-report/prs"
    results: dict = {"sentences": args.sentences, "runs": args.runs}

    desk = deskkit.Desk(project, env, "--to", "prs", "--translator", "Bench")
    try:
        results["first_view_empty_memory_s"] = timed(lambda: get(desk, path), 1)[0]
    finally:
        desk.stop()
    desk = deskkit.Desk(project, env, "--to", "prs", "--translator", "Bench")
    try:
        results["first_view_after_restart_s"] = timed(lambda: get(desk, path), 1)[0]
        page = get(desk, path)
        results["page_bytes"] = len(page)
        results["sections"] = page.count(b'<section class="sentence')
        results["view_s"] = timed(lambda: get(desk, path), args.runs)
        csrf = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
        digest = re.findall(rb'name="english" value="([^"]+)"', page)[250].decode()
        results["save_s"] = timed(lambda: save_once(desk, f"{path}/sentences/251", csrf, digest), args.runs)
        results["browser_load_s"], results["browser_editors_s"] = browser_loads(desk, path, args.browser_runs)
    finally:
        desk.stop()
    report(results)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def report(results: dict) -> None:
    median = statistics.median
    rows = [("first view, empty memory (translating)", results["first_view_empty_memory_s"], None),
            ("first view after a restart, memory warm", results["first_view_after_restart_s"], TARGET_S),
            (f"view (HTTP), median of {len(results['view_s'])}", median(results["view_s"]), TARGET_S),
            (f"page in Chromium to load, median of {len(results['browser_load_s'])}",
             median(results["browser_load_s"]), TARGET_S),
            ("  ... and every sentence's editor made", median(results["browser_editors_s"]), None),
            (f"save one sentence, median of {len(results['save_s'])}", median(results["save_s"]), TARGET_S)]
    print(f"\n{results['sentences']}-sentence edition ({results['sections']} sentences on the page, "
          f"{results['page_bytes'] / 1e6:.2f} MB of HTML)")
    for label, value, target in rows:
        met = "" if target is None else ("  met" if value < target else "  NOT met")
        print(f"  {label:<50} {value:7.3f} s{met}")


if __name__ == "__main__":
    main()
