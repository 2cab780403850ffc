#!/usr/bin/env python
"""Benchmark the publishing pipeline against its baselines on a model of real size.

    .venv/bin/python bench/run.py              # full run, ~10-15 min on 2 cores
    .venv/bin/python bench/run.py --quick      # smoke run, ~3 min; its results stay in the work folder

See bench/README.md for what is measured and how. Nothing here is a test:
timings are reported, never asserted.

Everything the benchmark writes lives under its work folder (default
~/.cache/newsroom-translate-bench, or --work): the generated models, their
installed copies, the translation memory, the outputs. Every subprocess gets
ARGOS_PACKAGES_DIR, TRANSLATE_MODELS_DIR, TRANSLATE_MEMORY and the XDG
folders pointed there, so the user's real models, memory and settings are
never read or touched.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARTICLE = REPO / "source" / "taliban-delisting.md"
LANGS = ("ru", "prs", "ps", "kk")
DEFAULT_WORK = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsroom-translate-bench"
# One sentence of the article and its edited form (item 4).
EDIT_FROM = "follows a period of increasing engagement between Moscow and the Taliban"
EDIT_TO = "follows a long period of steadily growing engagement between Moscow and the Taliban"
WARMUP_ARTICLE = """---
title: "Warm-up"
slug: warm-up
---

A short paragraph that makes every model, font and cache warm before timing starts.
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median(values):
    return statistics.median(values) if values else None


# --- environment ---------------------------------------------------------------------


@dataclass
class Work:
    root: Path

    @property
    def models(self) -> Path:          # installed Argos packages (ARGOS_PACKAGES_DIR)
        return self.root / "models"

    @property
    def packages(self) -> Path:        # the generated .argosmodel files
        return self.root / "packages"

    @property
    def config(self) -> Path:
        return self.root / "bench.toml"

    @property
    def src(self) -> Path:
        return self.root / "src"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    def env(self) -> dict:
        """The environment of every subprocess: the user's own folders out of reach."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("ARGOS_", "TRANSLATE_", "XDG_", "CT2_", "OMP_"))}
        home = self.root / "home"
        env.update(
            ARGOS_PACKAGES_DIR=str(self.models),
            TRANSLATE_MODELS_DIR=str(self.root / "multilingual"),
            TRANSLATE_MEMORY=str(self.root / "default-memory.sqlite3"),
            XDG_DATA_HOME=str(home / "data"),
            XDG_CACHE_HOME=str(home / "cache"),
            XDG_CONFIG_HOME=str(home / "config"),
            PYTHONDONTWRITEBYTECODE="1",
        )
        return env


def translate_command() -> list[str]:
    script = Path(sys.executable).parent / "translate"
    return [str(script)] if script.exists() else [sys.executable, "-m", "translate"]


@dataclass
class Proc:
    seconds: float
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


# Measures one command from a small, freshly started interpreter. Linux
# carries a process's peak RSS across fork and exec (exec_mmap keeps the old
# address space's high-water mark), so a child forked straight from this
# process would report at least this process's own peak. The launcher's
# address space is a few MB, below anything it measures.
LAUNCHER = r"""
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvpe(sys.argv[2], sys.argv[2:], os.environ)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    json.dump({"seconds": seconds, "max_rss_kb": usage.ru_maxrss, "returncode": os.waitstatus_to_exitcode(status)}, out)
"""


def run(cmd: list[str], env: dict, check: bool = True) -> Proc:
    """Run a subprocess in the repository: its wall time and the peak resident
    memory of that process alone (see LAUNCHER)."""
    scratch = Path(env["XDG_CACHE_HOME"]).parent
    scratch.mkdir(parents=True, exist_ok=True)
    out_path, err_path, stats_path = (scratch / f"last.{n}" for n in ("stdout", "stderr", "json"))
    stats_path.unlink(missing_ok=True)
    with open(out_path, "w+b") as out, open(err_path, "w+b") as err:
        subprocess.run([sys.executable, "-S", "-c", LAUNCHER, str(stats_path), *cmd], env=env, cwd=REPO,
                       stdout=out, stderr=err, check=False)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    try:
        stats = json.loads(stats_path.read_text())
    except (OSError, ValueError):
        raise SystemExit(f"could not run {' '.join(cmd)}:\n{stderr[-3000:]}") from None
    result = Proc(stats["seconds"], stats["max_rss_kb"] / 1024, stats["returncode"], stdout, stderr)
    if check and result.returncode != 0:
        raise SystemExit(f"command failed ({result.returncode}): {' '.join(cmd)}\n"
                         f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def worker(work: Work, name: str, *args: str) -> dict:
    """Run one in-process measurement in its own interpreter; it prints a JSON line."""
    proc = run([sys.executable, str(Path(__file__).resolve()), "--work", str(work.root), "--worker", name, *args],
               work.env())
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
            result["process_max_rss_mb"] = round(proc.max_rss_mb, 1)
            return result
    raise SystemExit(f"worker {name} printed no result:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


# --- setup -----------------------------------------------------------------------------


def prepare(work: Work) -> dict:
    work.root.mkdir(parents=True, exist_ok=True)
    log("the benchmark models: built once, then cached (about 30 s to build)")
    # In a subprocess: building holds ~800 MB of numpy arrays that this
    # process should not keep.
    build = worker(work, "build")
    files = {lang: Path(p) for lang, p in build["files"].items()}
    sys.path.insert(0, str(REPO / "bench"))
    import bigmodel

    key = bigmodel.build_key(bigmodel.Shape())
    stamp = work.root / "models.key"
    if not (stamp.exists() and stamp.read_text() == key and work.models.is_dir()):
        shutil.rmtree(work.models, ignore_errors=True)
        for lang, path in files.items():
            log(f"installing {path.name} into {work.models}")
            run([*translate_command(), "models", "add", str(path), "--models-dir", str(work.models)], work.env())
        stamp.write_text(key)
    # Every language through its Argos package, whatever translate.toml the project has.
    work.config.write_text("[languages]\n" + "".join(f'{lang} = "argos"\n' for lang in LANGS))
    work.src.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ARTICLE, work.src / ARTICLE.name)
    (work.src / "warm-up.md").write_text(WARMUP_ARTICLE, encoding="utf-8")
    model_bins = {lang: next((work.models).glob(f"*en_{lang}*/model/model.bin"), None) for lang in LANGS}
    missing = [lang for lang, p in model_bins.items() if p is None]
    if missing:
        raise SystemExit(f"installed packages missing for {missing} in {work.models}")
    return {
        "build_seconds": round(build["seconds"], 1),
        "shape": bigmodel.Shape().__dict__,
        "model_bin_mb": {lang: round(p.stat().st_size / 1e6, 1) for lang, p in model_bins.items()},
        "package_mb": {lang: round(p.stat().st_size / 1e6, 1) for lang, p in files.items()},
    }


def publish_cmd(work: Work, sources, output: Path, *extra: str) -> list[str]:
    return [*translate_command(), "publish", *map(str, sources), "--to", ",".join(LANGS),
            "--models-dir", str(work.models), "--config", str(work.config), "--output", str(output), *extra]


def fresh(path: Path) -> Path:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


# --- measurements (parent) -----------------------------------------------------------------


def measure_help(work: Work, runs: int) -> dict:
    cmd = [*translate_command(), "--help"]
    run(cmd, work.env())  # warm the OS file cache
    times = [run(cmd, work.env()).seconds for _ in range(runs)]
    return {"runs": runs, "median_s": median(times), "min_s": min(times), "all_s": times}


def measure_republish(work: Work, runs: int) -> dict:
    """Item 4 (and 6): first publish with an empty memory, the same again,
    then after a one-sentence edit. Default formats (md, html, pdf)."""
    source = work.runs / "republish" / "src" / ARTICLE.name
    source.parent.mkdir(parents=True, exist_ok=True)
    original = ARTICLE.read_text(encoding="utf-8")
    edited = original.replace(EDIT_FROM, EDIT_TO)
    if edited == original:
        raise SystemExit(f"the edit sentence is no longer in {ARTICLE}: update EDIT_FROM in bench/run.py")
    cache = work.runs / "republish" / "memory.sqlite3"
    output = work.runs / "republish" / "output"
    rows = {"first": [], "unchanged": [], "edited": []}
    rss = []
    for i in range(runs):
        fresh(cache), fresh(output)
        source.write_text(original, encoding="utf-8")
        first = run(publish_cmd(work, [source], output, "--cache", str(cache)), work.env())
        unchanged = run(publish_cmd(work, [source], output, "--cache", str(cache)), work.env())
        source.write_text(edited, encoding="utf-8")
        edit = run(publish_cmd(work, [source], output, "--cache", str(cache)), work.env())
        rows["first"].append(first.seconds)
        rows["unchanged"].append(unchanged.seconds)
        rows["edited"].append(edit.seconds)
        rss.append(first.max_rss_mb)
        log(f"  publish run {i + 1}/{runs}: first {first.seconds:.1f} s, unchanged {unchanged.seconds:.2f} s, "
            f"one sentence edited {edit.seconds:.2f} s, peak RSS {first.max_rss_mb:.0f} MB")
    notes = [line.strip() for line in (unchanged.stdout + edit.stdout).splitlines()
             if "memory" in line or "not rendered again" in line]
    files = sorted(p.relative_to(output).as_posix() for p in output.rglob("*.*") if p.is_file())
    return {
        "runs": runs,
        "first_s": median(rows["first"]), "unchanged_s": median(rows["unchanged"]),
        "edited_s": median(rows["edited"]),
        "all_s": rows, "first_publish_max_rss_mb": rss, "max_rss_mb": max(rss),
        "notes_last_run": notes, "files": files, "cache": str(cache),
    }


def measure_render(work: Work, runs: int, cache: Path) -> dict:
    """Item 3: publish with every segment already in the memory into a fresh
    folder, as html,pdf and as md; the difference is the rendering of the
    five HTML pages and five PDFs (plus the index page)."""
    source = work.src / ARTICLE.name
    html_pdf, md = [], []
    for i in range(runs):
        out = fresh(work.runs / "render" / f"out-{i}")
        html_pdf.append(run(publish_cmd(work, [source], out, "--cache", str(cache), "--format", "html,pdf"),
                            work.env()).seconds)
        pdfs = list(out.rglob("*.pdf"))
        htmls = [p for p in out.rglob("*.html") if p.name != "index.html"]
        if (len(pdfs), len(htmls)) != (5, 5):
            raise SystemExit(f"expected 5 PDFs and 5 HTML pages in {out}, got {len(pdfs)} and {len(htmls)}")
        out = fresh(work.runs / "render" / f"md-{i}")
        md.append(run(publish_cmd(work, [source], out, "--cache", str(cache), "--format", "md"),
                      work.env()).seconds)
    render = [a - b for a, b in zip(html_pdf, md)]
    return {"runs": runs, "html_pdf_publish_s": median(html_pdf), "md_publish_s": median(md),
            "render_s": median(render), "all_s": {"html_pdf": html_pdf, "md": md}}


def measure_scaling(work: Work, counts: list[int], runs: int) -> dict:
    """Item 5: N articles (write_articles: the article's shape, sentences of
    their own) in one `publish --format md --no-cache`."""
    rows = []
    for n in counts:
        sources = write_articles(work.runs / "scaling" / f"src-{n}", n)
        n_runs = runs if n == 1 else 1   # 5 and 20 articles take minutes per run
        times, rss = [], []
        for _ in range(n_runs):
            out = fresh(work.runs / "scaling" / f"out-{n}")
            proc = run(publish_cmd(work, sources, out, "--no-cache", "--format", "md"), work.env())
            times.append(proc.seconds)
            rss.append(proc.max_rss_mb)
        rows.append({"articles": n, "runs": n_runs, "median_s": median(times), "per_article_s": median(times) / n,
                     "max_rss_mb": max(rss), "all_s": times})
        log(f"  {n} article(s): {median(times):.1f} s, peak RSS {max(rss):.0f} MB")
    return {"rows": rows}


# --- item 7: batch publishing ---------------------------------------------------------------


def baseline_env(work: Work, ref: str) -> tuple[dict, str]:
    """The environment that runs the code of git ``ref`` (item 7's "before":
    the publish path as it was): `git archive` of it under the work folder,
    first on PYTHONPATH."""
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=REPO, capture_output=True,
                            text=True)
    if commit.returncode != 0:
        raise SystemExit(f"--baseline {ref}: not a commit of {REPO}")
    sha = commit.stdout.strip()
    code = work.root / "baseline" / sha[:12]
    if not (code / "translate" / "__init__.py").is_file():
        shutil.rmtree(code, ignore_errors=True)
        code.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", "--format=tar", sha], cwd=REPO, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(code)], input=archive.stdout, check=True)
        # The package data translate.locales lives in locales/ (pyproject's
        # package-dir); from a plain folder on PYTHONPATH it is found through this link.
        link = code / "translate" / "locales"
        if (code / "locales").is_dir() and not link.exists():
            link.symlink_to(Path("..") / "locales")
        # Compiled once, as an installed copy is: the measurements run with
        # PYTHONDONTWRITEBYTECODE and must not compile the old code every run.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(code / "translate")], check=True)
    env = work.env()
    env["PYTHONPATH"] = os.pathsep.join([str(code), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env, sha[:12]


def write_articles(folder: Path, n: int) -> list[Path]:
    """``n`` articles of the benchmark article's length and shape, every
    sentence of each its own (a copy would be decoded once for all)."""
    import re

    text = ARTICLE.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    fresh(folder)
    folder.mkdir(parents=True)
    sources = []
    for i in range(1, n + 1):
        slug = f"article-{i:02d}"
        copy = head.replace("slug: taliban-delisting", f"slug: {slug}")
        if copy == head:
            raise SystemExit(f"{ARTICLE} has no 'slug: taliban-delisting' line to rewrite")
        # "..., report 7." at each sentence's end: the same words and length, another sentence
        own = re.sub(r"([a-z0-9’”])([.!?])(\s|$)", lambda m: f"{m.group(1)} in report {i}{m.group(2)}{m.group(3)}",
                     body)
        (folder / f"{slug}.md").write_text(f"{copy}\n---\n{own}", encoding="utf-8")
        sources.append(folder / f"{slug}.md")
    return sources


def model_loads(proc: Proc) -> int:
    """CTranslate2 model loads of a run (CT2_VERBOSE=1 logs each)."""
    return sum(1 for line in proc.stderr.splitlines() if "Loaded model" in line)


CPU_PARALLEL_PROBE = r"""
import multiprocessing, time
def burn(n):
    s = 0
    for i in range(n):
        s += i * i
    return s
if __name__ == "__main__":
    work = [2_000_000] * 4
    start = time.perf_counter(); [burn(n) for n in work]; one = time.perf_counter() - start
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(burn, [1]); start = time.perf_counter(); pool.map(burn, work, chunksize=1)
        two = time.perf_counter() - start
    print(two / one)
"""


def cpu_parallel_ratio() -> float:
    """What two processes get from this machine at the moment: wall time of
    a pure-Python loop split over 2 processes / in one (0.5: two idle cores;
    about 1: the cores are busy with other work, parallelism cannot show)."""
    out = subprocess.run([sys.executable, "-c", CPU_PARALLEL_PROBE], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


class _Total:
    """Several CLI runs (one per article) counted as one: seconds and model
    loads added, the peak RSS the largest."""

    def __init__(self):
        self.seconds, self.max_rss_mb, self.model_loads = 0.0, 0.0, 0

    def add(self, proc: Proc) -> None:
        self.seconds += proc.seconds
        self.max_rss_mb = max(self.max_rss_mb, proc.max_rss_mb)
        self.model_loads += model_loads(proc)

    def row(self) -> dict:
        return {"seconds": round(self.seconds, 2), "max_rss_mb": round(self.max_rss_mb, 1),
                "model_loads": self.model_loads}


def _publish_both_ways(work: Work, envs: dict, sources: list[Path], out: str, *extra: str,
                       cache: dict | None = None) -> dict:
    """"before": the baseline code, one CLI run per article (how a newsroom
    publishes today); "after": this code, one run for all articles."""
    rows = {}
    for name, env in envs.items():
        output = work.runs / "batch" / f"{out}-{name}"
        memory = ["--cache", str(cache[name])] if cache else []
        total = _Total()
        if name == "before":
            for source in sources:
                total.add(run(publish_cmd(work, [source], output, *memory, *extra), env))
        else:
            total.add(run(publish_cmd(work, sources, output, *memory, *extra), env))
        rows[name] = total.row()
        log(f"  {out}, {len(sources)} articles, {name}: {total.seconds:.1f} s, {total.model_loads} model loads, "
            f"peak RSS {total.max_rss_mb:.0f} MB")
    return rows


def measure_batch(work: Work, n: int, baseline: str, republish_n: int) -> dict:
    """Item 7: ``n`` articles x 4 languages, `publish --format md --no-cache`,
    the baseline code one article per CLI run ("before") and this code in one
    run ("after"); then ``republish_n`` articles with every format: first
    publish, unchanged and one-sentence re-publish before and after; then
    this code's render phase with --jobs 1 and --jobs 2."""
    before_env, before_sha = baseline_env(work, baseline)
    envs = {"before": before_env, "after": work.env()}
    for env in envs.values():
        env["CT2_VERBOSE"] = "1"   # a line per model load
    sources = write_articles(work.runs / "batch" / "src", n)
    result = {"articles": n, "baseline": before_sha, "distinct_models": len(LANGS),
              "load_average_at_start": os.getloadavg()}
    for name in envs:
        fresh(work.runs / "batch" / f"md-{name}")
    result["publish"] = _publish_both_ways(work, envs, sources, "md", "--no-cache", "--format", "md")
    # The same without the glossaries' terms (a locales folder of header-only
    # glossary.csv files): the glossary's model calls, per article and
    # language either way, are most of a run; this is the rest.
    locales = work.runs / "batch" / "no-terms"
    for lang in LANGS:
        (locales / lang).mkdir(parents=True, exist_ok=True)
        header = (REPO / "locales" / lang / "glossary.csv").read_text(encoding="utf-8").splitlines()[0]
        (locales / lang / "glossary.csv").write_text(header + "\n", encoding="utf-8")
    for name in envs:
        fresh(work.runs / "batch" / f"md-no-terms-{name}")
    result["publish_no_terms"] = _publish_both_ways(work, envs, sources, "md-no-terms", "--no-cache", "--format",
                                                    "md", "--locales", str(locales))

    # first publish with an empty memory, unchanged, one sentence edited (all formats)
    few = sources[:republish_n]
    caches = {name: fresh(work.runs / "batch" / f"memory-{name}.sqlite3") for name in envs}
    for name in envs:
        fresh(work.runs / "batch" / f"full-{name}")
    republish = {"articles": republish_n}
    republish["first"] = _publish_both_ways(work, envs, few, "full", cache=caches)
    republish["unchanged"] = _publish_both_ways(work, envs, few, "full", cache=caches)
    original = few[0].read_text(encoding="utf-8")
    edited = original.replace("follows a period of increasing engagement", "follows a long period of growing engagement")
    if edited == original:
        raise SystemExit("the edit sentence is no longer in the benchmark article: update measure_batch")
    few[0].write_text(edited, encoding="utf-8")
    try:
        republish["edited"] = _publish_both_ways(work, envs, few, "full", cache=caches)
    finally:
        few[0].write_text(original, encoding="utf-8")
    result["republish"] = republish

    # the render phase of one html,pdf run (every sentence in the memory), timed inside it
    render: dict[str, dict] = {}
    result["cpu_parallel_ratio"] = cpu_parallel_ratio()
    log(f"  two processes on this machine now: {result['cpu_parallel_ratio']:.2f}x the wall time of one "
        "(0.5 = 2 free cores)")
    for jobs in ("1", "2"):
        output = fresh(work.runs / "batch" / f"render-{jobs}")
        timed = worker(work, "render-phase", jobs, str(caches["after"]), str(output), *map(str, few))
        render[jobs] = {"render_s": timed["render_s"], "pages": timed["pages"], "publish_s": timed["publish_s"],
                        "max_rss_mb": timed["process_max_rss_mb"]}
        log(f"  render phase, {timed['pages']} pages of {len(few)} articles, --jobs {jobs}: "
            f"{timed['render_s']:.1f} s (whole publish {timed['publish_s']:.1f} s)")
    result["render"] = render
    result["load_average_at_end"] = os.getloadavg()
    return result


def _same_files(a: Path, b: Path) -> bool:
    def files(root):
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
                if p.is_file() and ".work" not in p.relative_to(root).parts}
    return files(a) == files(b)


# A fixed publication time for item 9's runs: two runs then publish the same bytes if they make the same files.
FIXED_TIME = "2026-03-01T12:00:00+00:00"


def _publish_fixed(work: Work, sources, output: Path, *extra: str) -> dict:
    """One publish run in a worker process, published at FIXED_TIME: its
    seconds, peak RSS and, for a --cluster run, its ClusterSteps' Stats."""
    args = publish_cmd(work, sources, output, *extra)[len(translate_command()):]
    result = worker(work, "publish-fixed", "--", *args)   # "--": the publish options are not the benchmark's
    return {"seconds": round(result["seconds"], 2), "max_rss_mb": result["process_max_rss_mb"],
            **({"stats": result["stats"]} if "stats" in result else {})}


def measure_cluster(work: Work, n: int, render_n: int) -> dict:
    """Item 8: ``n`` articles x 4 languages, `publish --format md --no-cache`,
    in one local run (--jobs 2) and with --cluster local (Ray started by the
    run on this machine's cores: its start-up is in the wall time), the bytes
    compared; then ``render_n`` of them in html,pdf from a warm memory, the
    render phase local (--jobs 2) and as Ray tasks. The cluster's Stats
    give the per-phase costs (per segment, per edition, per page)."""
    sources = write_articles(work.runs / "cluster" / "src", n)
    result = {"articles": n, "load_average_at_start": os.getloadavg()}
    runs = {}
    for name, extra in (("local", ["--jobs", "2"]), ("cluster", ["--cluster", "local"])):
        output = fresh(work.runs / "cluster" / f"md-{name}")
        runs[name] = _publish_fixed(work, sources, output, "--no-cache", "--format", "md", *extra)
        log(f"  {n} articles x 4 languages, md, {name}: {runs[name]['seconds']:.1f} s, "
            f"peak RSS {runs[name]['max_rss_mb']:.0f} MB")
    result["md"] = runs
    result["md_same_bytes"] = _same_files(work.runs / "cluster" / "md-local", work.runs / "cluster" / "md-cluster")
    stats = runs["cluster"]["stats"]
    result["per_segment_decode_ms"] = round(1000 * stats["decode_s"] / max(1, stats["segments"]), 2)
    result["per_edition_stages_ms"] = round(1000 * stats["stages_s"] / max(1, stats["articles"]), 1)

    few = sources[:render_n]
    memory = fresh(work.runs / "cluster" / "memory.sqlite3")
    run(publish_cmd(work, few, fresh(work.runs / "cluster" / "warm"), "--cache", str(memory), "--format", "md",
                    "--jobs", "1"), work.env())   # every sentence in the memory: the next two runs render
    pages = {}
    for name, extra in (("local", ["--jobs", "2"]), ("cluster", ["--cluster", "local"])):
        output = fresh(work.runs / "cluster" / f"pages-{name}")
        pages[name] = _publish_fixed(work, few, output, "--cache", str(memory), "--format", "html,pdf", *extra)
        log(f"  {render_n} articles, html,pdf from the memory, {name}: {pages[name]['seconds']:.1f} s")
    result["pages"] = pages
    result["pages_same_bytes"] = _same_files(work.runs / "cluster" / "pages-local",
                                             work.runs / "cluster" / "pages-cluster")
    cs = pages["cluster"]["stats"]
    result["per_page_render_ms"] = round(1000 * cs["render_s"] / max(1, cs["pages"]), 1)
    result["load_average_at_end"] = os.getloadavg()
    return result


def worker_publish_fixed(work: Work, *args: str) -> dict:
    """Item 8: one `translate publish ARGS` in this process, published at
    FIXED_TIME; the ClusterSteps' Stats of a --cluster run."""
    import dataclasses

    from translate.cli import publish as publish_cli
    from translate.cli.main import cli
    from translate.publishing import article_editions

    article_editions.now = lambda: datetime.fromisoformat(FIXED_TIME)
    made = []
    real = publish_cli.ClusterSteps

    def keeping(*a, **k):
        made.append(real(*a, **k))
        return made[-1]

    publish_cli.ClusterSteps = keeping
    start = time.perf_counter()
    try:
        cli.main(list(args), standalone_mode=False)
    except SystemExit:
        pass
    result = {"seconds": time.perf_counter() - start}
    if made:
        stats = dataclasses.asdict(made[0].stats)
        stats["hosts"] = len(stats["hosts"])
        result["stats"] = stats
    return result


# --- in-process workers ----------------------------------------------------------------------


def worker_render_phase(work: Work, jobs: str, cache: str, output: str, *sources: str) -> dict:
    """Item 7: one `publish --format html,pdf --jobs N` run in this process,
    the time of its render phase (translate.publishing.run._render: every page to
    bytes, --jobs processes) taken inside it; translation and writing are
    not part of it."""
    from translate.publishing import run as publish_run
    from translate.cli.main import cli

    timed = {}
    render = publish_run._render

    def timing(pages, formats, n, progress):
        start = time.perf_counter()
        render(pages, formats, n, progress)
        timed["render_s"] = time.perf_counter() - start
        timed["pages"] = len(pages)

    publish_run._render = timing
    start = time.perf_counter()
    try:
        cli.main(["publish", *sources, "--to", ",".join(LANGS), "--models-dir", str(work.models), "--config",
                  str(work.config), "--output", output, "--cache", cache, "--format", "html,pdf", "--jobs", jobs],
                 standalone_mode=False)
    except SystemExit:
        pass
    timed["publish_s"] = time.perf_counter() - start
    if "render_s" not in timed:
        raise SystemExit("the publish run rendered nothing")
    return timed



def worker_checks(work: Work, runs: str) -> dict:
    """Item 8: the check stage's cost. A first publish (empty memory, all
    formats, --jobs 1 so that the checks run in this process) and an unchanged
    re-publish, in this process; the time spent in translate.publishing.checks.run
    taken inside it."""
    from translate.cli.main import cli
    from translate.publishing import article_folder

    rows = []
    check = article_folder.check_page
    spent = []

    def timing(page, rendered):
        start = time.perf_counter()
        try:
            return check(page, rendered)
        finally:
            spent.append(time.perf_counter() - start)

    article_folder.check_page = timing
    source = work.src / ARTICLE.name
    for i in range(int(runs)):
        cache, output = fresh(work.runs / "checks" / f"memory-{i}.sqlite3"), fresh(work.runs / "checks" / f"out-{i}")
        row = {}
        for name in ("first", "unchanged"):
            spent.clear()
            start = time.perf_counter()
            try:
                cli.main(["publish", str(source), "--to", ",".join(LANGS), "--models-dir", str(work.models),
                          "--config", str(work.config), "--output", str(output), "--cache", str(cache),
                          "--jobs", "1"], standalone_mode=False)
            except SystemExit:
                pass
            row[f"{name}_s"] = time.perf_counter() - start
            row[f"{name}_checks_s"] = sum(spent)
            row[f"{name}_checked_pages"] = len(spent)
        rows.append(row)
    keys = rows[0].keys()
    return {"runs": int(runs), **{key: median([r[key] for r in rows]) for key in keys}, "all": rows}


def _article_parts(doc):
    """The pipeline's sentences, and the article's paragraphs as Argos gets them."""
    from translate.source import inline
    from translate.source.document import walk

    sentences = [inline.engine_text(s) for s in doc.segments()]
    paragraphs = {inline.engine_text(doc.title): [inline.engine_text(doc.title)]}
    for block in walk(doc.blocks):
        if block.segments:
            parts = [inline.engine_text(s) for s in block.segments]
            paragraphs[" ".join(parts)] = parts
    return sentences, paragraphs


class PipelineSentencizer:
    """Argos packages built for the benchmark carry no stanza model, so Argos's
    own StanzaSentencizer cannot run: this hands apply_packaged_translation
    the pipeline's own sentence split of each paragraph (looked up, so no
    splitting cost is counted on either side)."""

    def __init__(self, paragraphs: dict[str, list[str]]):
        self.paragraphs = paragraphs

    def split_sentences(self, text: str) -> list[str]:
        return self.paragraphs[text]


def worker_translation(work: Work, runs: int, threads: str = "") -> dict:
    """Item 1: per language, load the model and translate the article, three
    ways. The pipeline and raw CTranslate2 run with the same settings: the
    device, compute type and threads of the tool's Runtime (``threads``
    "INTERxINTRA", default the tool's choice for this machine), and the same
    cut of the article into a batch per replica."""
    import ctranslate2
    import sentencepiece as spm

    from translate.project import config
    from translate.translation import edition
    from translate.translation.engines import runtime
    from translate.translation.models.argos import ArgosStore
    from translate.translation.engines.base import Translation
    from translate.translation.engines.ct2 import DecodingOptions, batch_tokens_for
    from translate.project.languages import target
    from translate.source.article import read_source

    t = time.perf_counter()
    import argostranslate.package
    import argostranslate.settings
    import argostranslate.translate   # its sentence splitters (minisbd): paid once, not timed below
    argos_import_s = time.perf_counter() - t

    doc = read_source(work.src / ARTICLE.name)
    sentences, paragraphs = _article_parts(doc)
    inter, _, intra = threads.partition("x")
    run_on = runtime.resolve("cpu", "auto", inter_threads=int(inter or 0), intra_threads=int(intra or 0))
    options = DecodingOptions(runtime=run_on)
    translator_arguments = run_on.translator_arguments()
    installed = {key: ArgosStore(work.models).find_pair("en", key) for key in LANGS}
    for path in work.models.rglob("model.bin"):   # OS file cache warm for every way alike
        path.read_bytes()

    # The one edition path publish takes (translate.translation.edition), every language
    # routed to the benchmark's Argos packages, no memory: what is timed is
    # model load + translation + post-editing stages, as in a first publish.
    setup = edition.Setup(config.with_overrides(config.default(), [f"{k}=argos" for k in LANGS if k != "ru"]),
                          models_dir=work.models, options=options)

    def pipeline(key):
        lang = target(key)
        start, cpu = time.perf_counter(), time.process_time()
        plan = edition.plan(lang, setup)
        record = edition.translate_edition(doc, plan, setup).record
        seconds = time.perf_counter() - start
        return seconds, {"raw": [s.raw.text for s in record.segments], "record": record, "stages": plan.stages,
                         "cpu_s": time.process_time() - cpu}

    def raw(key):
        path = Path(installed[key].path)
        start, cpu = time.perf_counter(), time.process_time()
        sp = spm.SentencePieceProcessor(model_file=str(path / "sentencepiece.model"))
        translator = ctranslate2.Translator(str(path / "model"), **translator_arguments)
        batch = [sp.encode(text, out_type=str) for text in sentences if text]
        decode_start = time.perf_counter()
        results = translator.translate_batch(
            batch, batch_type="tokens", beam_size=options.beam_size,
            max_batch_size=batch_tokens_for(translator, [len(b) for b in batch], options.max_batch_tokens),
            max_decoding_length=options.max_decoding_length(max(map(len, batch))),
            return_attention=True, replace_unknowns=True)
        decode_s = time.perf_counter() - decode_start
        texts = [sp.decode(r.hypotheses[0]) for r in results]
        del translator
        seconds = time.perf_counter() - start
        return seconds, {"raw": texts, "decode_s": decode_s, "cpu_s": time.process_time() - cpu,
                         "tokens_in": sum(map(len, batch)), "tokens_out": sum(len(r.hypotheses[0]) for r in results)}

    sentencizer = PipelineSentencizer(paragraphs)
    s = argostranslate.settings

    def argos(key):
        path = Path(installed[key].path)
        start = time.perf_counter()
        translator = ctranslate2.Translator(str(path / "model"), device=s.device, inter_threads=s.inter_threads,
                                            intra_threads=s.intra_threads, compute_type=s.compute_type)
        pkg = argostranslate.package.Package(path)
        out = [argostranslate.translate.apply_packaged_translation(pkg, paragraph, translator, sentencizer,
                                                                   num_hypotheses=1)[0].value
               for paragraph in paragraphs]
        del translator
        return time.perf_counter() - start, {"paragraphs": out}

    ways = {"pipeline": pipeline, "raw_ct2": raw, "argos": argos}
    if os.environ.get("BENCH_SKIP_ARGOS"):   # the Argos way is the same code before and after: --no-argos
        del ways["argos"]
    # Untimed warm-up: first allocations, lazy imports, thread pools.
    for way in ways.values():
        way(LANGS[0])
    per_run = {name: [] for name in ways}
    per_lang = {name: {key: [] for key in LANGS} for name in ways}
    cpu_run = {name: [] for name in ("pipeline", "raw_ct2")}
    decode_run = []
    last = {}
    names = list(ways)
    for r in range(runs):
        totals = dict.fromkeys(ways, 0.0)
        cpu_totals = dict.fromkeys(cpu_run, 0.0)
        decode_total = 0.0
        for i, key in enumerate(LANGS):
            # The three ways back to back on each language, in rotating order,
            # so that the load of other work on the machine hits them alike.
            shift = (r * len(LANGS) + i) % len(names)
            for name in names[shift:] + names[:shift]:
                seconds, detail = ways[name](key)
                per_lang[name][key].append(seconds)
                totals[name] += seconds
                last[(name, key)] = detail
                if name in cpu_totals:
                    cpu_totals[name] += detail["cpu_s"]
                if name == "raw_ct2":
                    decode_total += detail["decode_s"]
        for name in ways:
            per_run[name].append(totals[name])
        for name in cpu_run:
            cpu_run[name].append(cpu_totals[name])
        decode_run.append(decode_total)
        log(f"  translation run {r + 1}/{runs}: " + ", ".join(f"{n} {per_run[n][-1]:.1f} s" for n in ways))
    paired = {
        "pipeline_over_raw": median([p / q for p, q in zip(per_run["pipeline"], per_run["raw_ct2"])]),
        "argos_over_pipeline": median([a / p for a, p in zip(per_run.get("argos", []), per_run["pipeline"])]),
        "cpu_pipeline_over_raw": median([p / q for p, q in zip(cpu_run["pipeline"], cpu_run["raw_ct2"])]),
    }

    # Sanity: the pipeline sends exactly the raw call's work (same pieces, same output).
    same = all(last[("pipeline", k)]["raw"] == _expand(last[("raw_ct2", k)]["raw"], sentences) for k in LANGS)

    # What the pipeline adds outside CTranslate2 (glossary, inline marks), timed
    # by replaying its own engine output through translate_document.
    class Replay:
        def __init__(self, texts, info):
            self.texts, self.info = texts, info

        def translate(self, texts, progress=None):
            return [Translation(t) for t in self.texts]

    overhead = glossary_load = 0.0
    for key in LANGS:
        d = last[("pipeline", key)]
        start = time.perf_counter()
        edition.load_glossary_stage(target(key), None)
        glossary_load += time.perf_counter() - start
        start = time.perf_counter()
        edition.translate_document(doc, target(key), Replay(d["raw"], d["record"].model), d["stages"])
        overhead += time.perf_counter() - start

    raw_detail = [last[("raw_ct2", k)] for k in LANGS]
    realistic = _glossary_on_case_sets(setup, runs)
    tokens_out = sum(d["tokens_out"] for d in raw_detail)
    return {
        "runtime": {"threads": threads or "the tool's choice", **translator_arguments},
        # Output tokens per second over the whole phase (model loads, decoding,
        # for the pipeline the glossary and marks), and of translate_batch alone.
        "tokens_per_s": {"pipeline": tokens_out / median(per_run["pipeline"]),
                         "raw_ct2": tokens_out / median(per_run["raw_ct2"]),
                         "raw_translate_batch_only": tokens_out / median(decode_run)},
        "cpu_s": {name: median(v) for name, v in cpu_run.items()},
        "glossary_on_case_sets": realistic,
        "runs": runs,
        "sentences": len(sentences), "paragraphs": len(paragraphs),
        "tokens_in": sum(d["tokens_in"] for d in raw_detail) // len(LANGS),
        "tokens_out_per_language": [d["tokens_out"] for d in raw_detail],
        "median_s": {name: median(v) for name, v in per_run.items()},
        "all_s": per_run,
        "per_language_median_s": {name: {k: median(v) for k, v in langs.items()} for name, langs in per_lang.items()},
        "raw_translate_batch_only_s": sum(d["decode_s"] for d in raw_detail),
        "paired_ratio_median": paired,
        "pipeline_overhead_outside_ct2_s": overhead,
        "glossary_load_s": glossary_load,
        "pipeline_output_equals_raw": same,
        "argos_import_s": argos_import_s,
        "argos_settings": {"beam_size": s.beam_size, "batch_size_tokens": s.batch_size,
                           "intra_threads": s.intra_threads, "inter_threads": s.inter_threads},
    }


def _glossary_on_case_sets(setup, runs: int) -> dict:
    """Item 1b: the glossary on the kind of output a real model writes.

    The benchmark's model writes random words of the right script, so every
    term occurrence of the article is repaired and most repairs ask the model:
    the worst case. The case sets in tests/glossary_cases/ hold realistic model
    output (terms right, inflected, misspelt, missing, nested). Per language:
    the engine translates the cases' English sentences (the floor), then the
    glossary stage, bound to the same engine, runs over the cases' model
    output, asking this model's score_batch and translate_batch."""
    sys.path.insert(0, str(REPO / "tests"))
    from glossary_cases import cases

    from translate.translation import edition
    from translate.project.languages import target

    out = {}
    for key in LANGS:
        case_list = cases.load(key)
        plan = edition.plan(target(key), setup)
        engine = edition.engine_for(plan, setup)
        stage = plan.stage("glossary").bind(engine)
        sources = [c.source for c in case_list]
        engine.translate(sources[:1])                     # model loaded before timing
        decode, enforce = [], []
        for _ in range(runs):
            start = time.perf_counter()
            engine.translate(sources)
            decode.append(time.perf_counter() - start)
            start = time.perf_counter()
            results = stage.apply_many([(c.source, c.raw) for c in case_list])
            enforce.append(time.perf_counter() - start)
        reports = [r for _, found in results for r in found]
        out[key] = {"cases": len(case_list), "terms": len(reports),
                    "repaired": sum(r.status == "applied" for r in reports),
                    "scored": sum(r.score is not None for r in reports),
                    "translate_s": median(decode), "glossary_s": median(enforce),
                    "ratio": median([(d + e) / d for d, e in zip(decode, enforce)])}
    return out


def _expand(texts, sentences):
    """Raw outputs for non-empty sentences, re-spread over every sentence."""
    it = iter(texts)
    return [next(it) if s else "" for s in sentences]


THREAD_CONFIGS = ("1x2", "2x1", "2x2", "1x1")


def worker_threads(work: Work, runs: int, key: str = "ru") -> dict:
    """Item 1c: which CTranslate2 threads suit which of the translation
    phase's calls. The pipeline translates the article into ``key`` once,
    recording the glossary's questions; then, per INTERxINTRA configuration,
    a Translator of the model (as the tool builds it) decodes the article (cut
    into a batch per replica, as the engine does), answers the scoring
    questions and the forced re-decodes; the configurations take turns run by
    run so that machine load hits them alike."""
    from translate.project import config
    from translate.project.languages import target
    from translate.source.article import read_source
    from translate.translation import edition
    from translate.translation.engines import runtime, scoring
    from translate.translation.engines.ct2 import DecodingOptions, translate_pieces

    doc = read_source(work.src / ARTICLE.name)
    setup = edition.Setup(config.with_overrides(config.default(), [f"{k}=argos" for k in LANGS if k != "ru"]),
                          models_dir=work.models, options=DecodingOptions())
    originals = {name: getattr(scoring.TranslatorTermModel, name) for name in ("score_many", "complete_many")}
    asked: list = []

    def recorder(name):
        def record(self, questions):
            asked.append((name, list(questions)))
            return originals[name](self, questions)
        return record

    for name in originals:
        setattr(scoring.TranslatorTermModel, name, recorder(name))
    plan = edition.plan(target(key), setup)
    engine = edition.engine_for(plan, setup)
    edition.translate_edition(doc, plan, setup, engine=engine)
    for name, method in originals.items():
        setattr(scoring.TranslatorTermModel, name, method)
    sources = [engine.codec.encode(text) for text in (inline_text(s) for s in doc.segments()) if text]
    scorer = scoring.term_model_for(engine)

    def phases(translator) -> dict:
        model = scoring.TranslatorTermModel(
            translator, scorer.encode, scorer.decode, source_prefix=scorer.source_prefix,
            source_suffix=scorer.source_suffix, target_prefix=scorer.target_prefix, beam_size=1,
            encode_target=scorer.encode_target)
        start = time.perf_counter()
        translate_pieces(translator, sources, setup.options)
        times = {"decode": time.perf_counter() - start}
        for name in originals:
            start = time.perf_counter()
            for asked_name, questions in asked:
                if asked_name == name:
                    originals[name](model, questions)
            times[name.split("_")[0]] = time.perf_counter() - start
        return times

    translators = {}
    for threads in THREAD_CONFIGS:
        inter, intra = (int(x) for x in threads.split("x"))
        arguments = runtime.Runtime("cpu", "auto", inter, intra).translator_arguments()
        translators[threads] = heavy_translator(engine.model_dir, arguments)
        phases(translators[threads])                       # warm-up
    measured = {threads: [] for threads in THREAD_CONFIGS}
    for r in range(runs):
        turn = r % len(THREAD_CONFIGS)
        for threads in THREAD_CONFIGS[turn:] + THREAD_CONFIGS[:turn]:
            measured[threads].append(phases(translators[threads]))
    summary = {threads: {phase: {"min": min(row[phase] for row in rows),
                                 "median": median([row[phase] for row in rows])} for phase in rows[0]}
               for threads, rows in measured.items()}
    return {"language": key, "runs": runs,
            "questions": {name: sum(len(q) for n, q in asked if n == name) for name in originals},
            "configs": summary}


def inline_text(segment) -> str:
    from translate.source import inline

    return inline.engine_text(segment)


def heavy_translator(model_dir: Path, arguments: dict):
    import ctranslate2

    return ctranslate2.Translator(str(model_dir), **arguments)


def worker_model_rss(work: Work) -> dict:
    """The floor for memory: Python, CTranslate2 and one model, translating."""
    import ctranslate2
    import sentencepiece as spm

    path = next(work.models.glob(f"*en_{LANGS[0]}*"))
    sp = spm.SentencePieceProcessor(model_file=str(path / "sentencepiece.model"))
    translator = ctranslate2.Translator(str(path / "model"), device="cpu")
    translator.translate_batch([sp.encode("Russia removed the Taliban from its list.", out_type=str)], beam_size=4)
    return {"max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


# --- report ---------------------------------------------------------------------------------


def machine() -> dict:
    import ctranslate2

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        total_kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines()
                            if l.startswith("MemTotal")).split()[1])
        mem = f"{total_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    from importlib.metadata import version

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory": mem,
        "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
        "ctranslate2": ctranslate2.__version__, "argostranslate": version("argos-translate-lt"),
        "weasyprint": version("weasyprint"), "compute_types": sorted(ctranslate2.get_supported_compute_types("cpu")),
        "commit": commit,
    }


def targets(r: dict) -> list[dict]:
    out = []

    def add(name, value, goal, met):
        out.append({"target": name, "value": value, "goal": goal, "met": bool(met)})

    tr = r.get("translation")
    if tr:
        # Medians of the per-run ratios: the three ways ran side by side in
        # each run, so a ratio within a run is less exposed to machine load.
        ratio_raw = tr["paired_ratio_median"]["pipeline_over_raw"]
        ratio_argos = tr["paired_ratio_median"]["argos_over_pipeline"]
        add("translation phase vs raw CTranslate2", f"{ratio_raw:.2f}x raw", "<= 1.10x", ratio_raw <= 1.10)
        if ratio_argos is not None:
            add("translation phase vs Argos per paragraph", f"{ratio_argos:.2f}x faster", ">= 2x", ratio_argos >= 2)
        for key, g in (tr.get("glossary_on_case_sets") or {}).items():
            add(f"1b. {key}: decoding + glossary on realistic output vs decoding", f"{g['ratio']:.2f}x",
                "<= 1.10x", g["ratio"] <= 1.10)
    if "help" in r:
        h = r["help"]["median_s"]
        add("translate --help", f"{h:.3f} s", "< 0.3 s", h < 0.3)
    rp = r.get("republish")
    if rp:
        share = rp["unchanged_s"] / rp["first_s"]
        add("unchanged re-publish / first publish", f"{share:.2%}", "< 5%", share < 0.05)
        limit = max(r["setup"]["model_bin_mb"].values()) + 300
        add("peak RSS, four-language publish", f"{rp['max_rss_mb']:.0f} MB", f"<= {limit:.0f} MB (model + 300 MB)",
            rp["max_rss_mb"] <= limit)
    sc = r.get("scaling")
    if sc and len(sc["rows"]) >= 3:
        rows = sc["rows"]
        a, b, c = rows[0], rows[1], rows[-1]
        m1 = (b["median_s"] - a["median_s"]) / (b["articles"] - a["articles"])
        m2 = (c["median_s"] - b["median_s"]) / (c["articles"] - b["articles"])
        # Linear (or better): the marginal cost of an article does not grow
        # with the batch. A smaller marginal cost later is noise or fixed
        # costs shared, not a miss.
        add("cost linear in articles", f"marginal {m1:.1f} s/article ({a['articles']}->{b['articles']}), "
            f"{m2:.1f} s/article ({b['articles']}->{c['articles']})",
            "later marginal <= 1.15x earlier", m2 <= 1.15 * m1)
        if rp:
            limit = max(r["setup"]["model_bin_mb"].values()) + 300
            add(f"peak RSS, {c['articles']} articles in one publish", f"{c['max_rss_mb']:.0f} MB "
                f"({a['articles']} article: {a['max_rss_mb']:.0f} MB)", f"<= {limit:.0f} MB (model + 300 MB)",
                c["max_rss_mb"] <= limit)
    ck = r.get("checks")
    if ck:
        share = ck["first_checks_s"] / ck["first_s"]
        add("check stage / first publish (5 editions x md, html, pdf; --jobs 1)",
            f"{ck['first_checks_s']:.2f} s = {share:.1%} of {ck['first_s']:.2f} s", "<= 10%", share <= 0.10)
        share = ck["unchanged_s"] / ck["first_s"]
        add("unchanged re-publish / first publish, with the checks", f"{share:.2%} "
            f"({ck['unchanged_checked_pages']} pages checked)", "< 5%", share < 0.05)
    b = r.get("batch")
    if b:
        before, after = b["publish"]["before"], b["publish"]["after"]
        add(f"model loads, {b['articles']} articles x 4 languages", f"{after['model_loads']} "
            f"(one article per run: {before['model_loads']})", f"= {b['distinct_models']} distinct models",
            after["model_loads"] == b["distinct_models"])
        ratio = after["seconds"] / before["seconds"]
        add(f"{b['articles']} articles, wall time one run / one run per article", f"{ratio:.2f}x", "<= 0.60x",
            ratio <= 0.6)
        if "publish_no_terms" in b:
            n = b["publish_no_terms"]
            ratio = n["after"]["seconds"] / n["before"]["seconds"]
            add(f"the same without the glossaries' terms", f"{ratio:.2f}x", "(<= 0.60x)", ratio <= 0.6)
        if "setup" in r:
            limit = max(r["setup"]["model_bin_mb"].values()) + 300
            peak = max(after["max_rss_mb"], b["republish"]["first"]["after"]["max_rss_mb"],
                       *(j["max_rss_mb"] for j in b["render"].values()))
            add(f"peak RSS, batch runs (translation; render with --jobs)", f"{peak:.0f} MB "
                f"(one article per run: {before['max_rss_mb']:.0f} MB)", f"<= {limit:.0f} MB (model + 300 MB)",
                peak <= limit)
        ratio = b["render"]["2"]["render_s"] / b["render"]["1"]["render_s"]
        add("render phase, --jobs 2 / --jobs 1", f"{ratio:.2f}x (CPU probe {b['cpu_parallel_ratio']:.2f}x)",
            "<= 0.65x (2 cores)", ratio <= 0.65)
        rp = b["republish"]
        share = rp["unchanged"]["after"]["seconds"] / rp["first"]["after"]["seconds"]
        add(f"unchanged re-publish / first publish, {rp['articles']} articles in one run", f"{share:.2%}", "< 5%",
            share < 0.05)
    return out


def table(r: dict) -> str:
    """The results as a Markdown table."""
    rows = []

    def row(what, value, runs, detail=""):
        rows.append((what, value, str(runs), detail))

    tr = r.get("translation")
    if tr:
        m, n = tr["median_s"], tr["runs"]
        spread = {k: f"range {min(v):.2f}-{max(v):.2f} s" for k, v in tr["all_s"].items()}
        row("1. translation phase, 4 languages: pipeline (ArgosEngine + translate_document)",
            f"{m['pipeline']:.2f} s", n,
            f"{tr['paired_ratio_median']['pipeline_over_raw']:.2f}x raw (median of per-run ratios; ratio of "
            f"medians {m['pipeline'] / m['raw_ct2']:.2f}x); incl. model loads and glossary; {spread['pipeline']}")
        row("1. same sentences, raw CTranslate2 translate_batch (floor)", f"{m['raw_ct2']:.2f} s", n,
            f"incl. model loads; translate_batch alone {tr['raw_translate_batch_only_s']:.2f} s (last run); "
            f"{spread['raw_ct2']}")
        if "argos" in m:
            row("1. same, Argos way (apply_packaged_translation per paragraph)", f"{m['argos']:.2f} s", n,
                f"pipeline {tr['paired_ratio_median']['argos_over_pipeline']:.2f}x faster (ratio of medians "
                f"{m['argos'] / m['pipeline']:.2f}x); {spread['argos']}")
        if "tokens_per_s" in tr:
            t, rt = tr["tokens_per_s"], tr["runtime"]
            cpu = tr["cpu_s"]
            row("1. output tokens/s: pipeline / raw CTranslate2 / raw translate_batch alone",
                f"{t['pipeline']:.0f} / {t['raw_ct2']:.0f} / {t['raw_translate_batch_only']:.0f}", n,
                f"both with {rt['device']}, compute type {rt['compute_type']}, inter_threads {rt['inter_threads']}, "
                f"intra_threads {rt['intra_threads']} ({rt['threads']}); CPU time pipeline {cpu['pipeline']:.2f} s "
                f"vs raw {cpu['raw_ct2']:.2f} s = {tr['paired_ratio_median']['cpu_pipeline_over_raw']:.2f}x")
        for key, g in (tr.get("glossary_on_case_sets") or {}).items():
            row(f"1b. {key}: glossary on realistic model output ({g['cases']} case-set sentences)",
                f"{g['ratio']:.2f}x decoding", n,
                f"translate {g['translate_s']:.2f} s + glossary {g['glossary_s']:.2f} s; {g['terms']} terms, "
                f"{g['repaired']} repaired, {g['scored']} chosen by model score")
        row("1. pipeline work outside CTranslate2: glossary enforcement, inline marks",
            f"{tr['pipeline_overhead_outside_ct2_s'] * 1000:.0f} ms", 1,
            f"engine output replayed, 4 languages; loading the 4 glossaries {tr['glossary_load_s'] * 1000:.0f} ms more")
    th = r.get("threads")
    if th:
        q = th["questions"]
        for threads, phases in th["configs"].items():
            row(f"1c. {th['language']}, inter_threads x intra_threads {threads}: decode / scoring / re-decodes",
                " / ".join(f"{phases[p]['min']:.2f}" for p in ("decode", "score", "complete")) + " s", th["runs"],
                "fastest of the runs; medians " + " / ".join(f"{phases[p]['median']:.2f}" for p in
                                                              ("decode", "score", "complete"))
                + f" s; {q['score_many']} scoring and {q['complete_many']} re-decode questions")
    if "help" in r:
        h = r["help"]
        row("2. `translate --help` start-up", f"{h['median_s']:.3f} s", h["runs"], f"min {h['min_s']:.3f} s")
    rd = r.get("render")
    if rd:
        row("3. rendering 5 HTML + 5 PDF (html,pdf publish minus md publish, all from memory)",
            f"{rd['render_s']:.2f} s", rd["runs"],
            f"publish --format html,pdf {rd['html_pdf_publish_s']:.2f} s, --format md {rd['md_publish_s']:.2f} s")
    rp = r.get("republish")
    if rp:
        row("4. first publish, empty memory (md,html,pdf)", f"{rp['first_s']:.2f} s", rp["runs"])
        row("4. second publish, nothing changed", f"{rp['unchanged_s']:.2f} s", rp["runs"],
            f"{rp['unchanged_s'] / rp['first_s']:.2%} of first")
        row("4. publish after a one-sentence edit", f"{rp['edited_s']:.2f} s", rp["runs"],
            f"{rp['edited_s'] / rp['first_s']:.1%} of first")
    sc = r.get("scaling")
    if sc:
        for s in sc["rows"]:
            row(f"5. {s['articles']} article(s), `publish --format md --no-cache`", f"{s['median_s']:.1f} s", s["runs"],
                f"{s['per_article_s']:.1f} s/article, peak RSS {s['max_rss_mb']:.0f} MB")
    if rp:
        row("6. peak RSS, four-language publish (md,html,pdf)", f"{rp['max_rss_mb']:.0f} MB", rp["runs"],
            f"largest model.bin {max(r['setup']['model_bin_mb'].values()):.0f} MB"
            + (f"; Python + CTranslate2 + one model alone {r['model_rss']['max_rss_mb']:.0f} MB"
               if "model_rss" in r else ""))
    b = r.get("batch")
    if b:
        n = b["articles"]
        for name, how in (("before", f"one CLI run per article, code of {b['baseline']}"),
                          ("after", "one run, this code")):
            p = b["publish"][name]
            row(f"7. {n} articles x 4 languages, `publish --format md --no-cache`, {how}", f"{p['seconds']:.1f} s", 1,
                f"{p['model_loads']} model loads, peak RSS {p['max_rss_mb']:.0f} MB")
        for name, how in (("before", "one CLI run per article"), ("after", "one run")):
            p = b.get("publish_no_terms", {}).get(name)
            if p:
                row(f"7. the same without the glossaries' terms (`--locales` with empty glossaries), {how}",
                    f"{p['seconds']:.1f} s", 1, f"{p['model_loads']} model loads, peak RSS {p['max_rss_mb']:.0f} MB")
        rp = b["republish"]
        for name in ("before", "after"):
            first, same, edit = (rp[k][name] for k in ("first", "unchanged", "edited"))
            row(f"7. {rp['articles']} articles (md,html,pdf): first / unchanged / one sentence of one article "
                f"edited, {name}", f"{first['seconds']:.1f} / {same['seconds']:.2f} / {edit['seconds']:.1f} s", 1,
                f"unchanged {same['seconds'] / first['seconds']:.2%} of first, {same['model_loads']} model loads; "
                f"edit {edit['seconds'] / first['seconds']:.1%} of first; peak RSS {first['max_rss_mb']:.0f} MB")
        for jobs, j in sorted(b["render"].items()):
            row(f"7. render phase, {j['pages']} pages (HTML + PDF) of {rp['articles']} articles, --jobs {jobs}",
                f"{j['render_s']:.1f} s", 1,
                f"timed inside one html,pdf publish from the memory ({j['publish_s']:.1f} s in all), "
                f"peak RSS {j['max_rss_mb']:.0f} MB (the run's process)")
        row("7. CPU probe: a pure-Python loop in 2 processes / in 1 (0.5 = two free cores)",
            f"{b['cpu_parallel_ratio']:.2f}x", 1, "measured before the render phase: what 2 jobs could gain then")
    c = r.get("cluster")
    if c:
        local, cluster, st = c["md"]["local"], c["md"]["cluster"], c["md"]["cluster"]["stats"]
        row(f"9. {c['articles']} articles x 4 languages, md, --no-cache: local batch run (--jobs 2)",
            f"{local['seconds']:.1f} s", 1, f"peak RSS {local['max_rss_mb']:.0f} MB")
        row(f"9. the same, --cluster local ({st['actors']} actors)", f"{cluster['seconds']:.1f} s", 1,
            f"{cluster['seconds'] / local['seconds']:.2f}x local; Ray start {st['connect_s']:.1f} s, models "
            f"shipped + loaded {st['models_s']:.1f} s, decode {st['decode_s']:.1f} s ({st['segments']} segments, "
            f"{c['per_segment_decode_ms']} ms each), stages {st['stages_s']:.1f} s ({st['articles']} editions, "
            f"{c['per_edition_stages_ms']} ms each); same bytes: "
            f"{'yes' if c['md_same_bytes'] else 'NO'}")
        pl, pc = c["pages"]["local"], c["pages"]["cluster"]
        row(f"9. {pc['stats']['pages']} pages (html,pdf) from the memory: local --jobs 2 / --cluster local",
            f"{pl['seconds']:.1f} / {pc['seconds']:.1f} s", 1,
            f"render tasks {pc['stats']['render_s']:.1f} s ({c['per_page_render_ms']} ms/page); same bytes: "
            f"{'yes' if c['pages_same_bytes'] else 'NO'}")
    lines = ["| measurement | median | runs | detail |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    t = r.get("targets") or []
    if t:
        lines += ["", "| target | measured | goal | met |", "|---|---|---|---|"]
        lines += [f"| {x['target']} | {x['value']} | {x['goal']} | {'yes' if x['met'] else '**no**'} |" for x in t]
    return "\n".join(lines)


def plain(markdown: str) -> str:
    """The Markdown table laid out for a terminal."""
    blocks, current = [], []
    for line in markdown.splitlines() + [""]:
        if line.startswith("|"):
            if not line.startswith("|---"):
                current.append([c.strip().replace("`", "") for c in line.strip("|").split("|")])
        elif current:
            blocks.append(current)
            current = []
    out = []
    for rows in blocks:
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for k, r in enumerate(rows):
            out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
            if k == 0:
                out.append("  ".join("-" * w for w in widths))
        out.append("")
    return "\n".join(out)


# --- main ---------------------------------------------------------------------------------------


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: one run of everything, scaling 1 and 2 articles")
    parser.add_argument("--runs", type=int, default=None, help="runs per measurement (default 3; --quick 1)")
    parser.add_argument("--help-runs", type=int, default=10, help="runs of `translate --help` (default 10)")
    parser.add_argument("--scaling", default=None, help="article counts for item 5 (default 1,5,20; --quick 1,2)")
    parser.add_argument("--only",
                        default="translation,threads,help,republish,render,scaling,memory,batch,checks,cluster",
                        help="comma-separated subset of: translation,threads,help,republish,render,scaling,memory,"
                             "batch,checks,cluster")
    parser.add_argument("--baseline", default="main",
                        help="git commit whose code item 7 runs one article at a time (default main)")
    parser.add_argument("--batch-articles", type=int, default=None, help="articles in item 7 (default 20; --quick 3)")
    parser.add_argument("--republish-articles", type=int, default=None,
                        help="articles in item 7's re-publish and render phase (default 5; --quick 2)")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help=f"work folder (default {DEFAULT_WORK})")
    parser.add_argument("--threads", default="", metavar="INTERxINTRA",
                        help="item 1: CTranslate2 inter_threads x intra_threads for the pipeline and raw CTranslate2 "
                        "alike (default: what the tool chooses for this machine)")
    parser.add_argument("--no-argos", action="store_true",
                        help="item 1: leave out the Argos way (the same code before and after a change)")
    parser.add_argument("--json", type=Path, default=None,
                        help="results file (default bench/results.json; --quick: WORK/results-quick.json)")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table as Markdown here")
    parser.add_argument("--table-from", type=Path, default=None, metavar="JSON",
                        help="measure nothing: recompute targets and table of an earlier results file, print them")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("worker_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    work = Work(args.work.expanduser().resolve())
    if args.no_argos:
        os.environ["BENCH_SKIP_ARGOS"] = "1"

    if args.worker:   # inside a measurement subprocess
        if args.worker == "translation":
            result = worker_translation(work, int(args.worker_args[0]), *args.worker_args[1:])
        elif args.worker == "build":
            sys.path.insert(0, str(REPO / "bench"))
            import bigmodel

            start = time.perf_counter()
            files = bigmodel.ensure_packages(work.packages, LANGS, log=log)
            result = {"files": {k: str(v) for k, v in files.items()}, "seconds": time.perf_counter() - start}
        elif args.worker == "checks":
            result = worker_checks(work, *args.worker_args)
        elif args.worker == "publish-fixed":
            result = worker_publish_fixed(work, *args.worker_args)
        elif args.worker == "render-phase":
            result = worker_render_phase(work, *args.worker_args)
        elif args.worker == "threads":
            result = worker_threads(work, int(args.worker_args[0]))
        elif args.worker == "model-rss":
            result = worker_model_rss(work)
        else:
            raise SystemExit(f"unknown worker {args.worker}")
        print("RESULT " + json.dumps(result, default=str))
        return

    if args.table_from:
        results = json.loads(args.table_from.read_text(encoding="utf-8"))
        results["targets"] = targets(results)
        results["table_markdown"] = table(results)
        # Targets and table are derived: bring them up to date in the file too.
        args.table_from.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n",
                                   encoding="utf-8")
        if args.markdown:
            args.markdown.write_text(results["table_markdown"] + "\n", encoding="utf-8")
        print(plain(results["table_markdown"]))
        return

    runs = args.runs or (1 if args.quick else 3)
    counts = [int(c) for c in (args.scaling or ("1,2" if args.quick else "1,5,20")).split(",")]
    only = set(args.only.split(","))
    # A smoke run's numbers are not results: they stay in the work folder.
    json_path = args.json or (work.root / "results-quick.json" if args.quick else REPO / "bench" / "results.json")
    started = time.perf_counter()
    results: dict = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, "bench/run.py", *(argv or sys.argv[1:])]),
        "machine": machine(),
        "load_average_before": os.getloadavg(),
    }
    log(f"work folder {work.root}")

    def save() -> None:
        """Write what is measured so far: a failure later keeps the rest."""
        results["targets"] = targets(results)
        results["table_markdown"] = table(results)
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")

    steps = [
        ("setup", "setup", lambda: prepare(work)),
        ("setup", None, lambda: run(publish_cmd(work, [work.src / "warm-up.md"], fresh(work.runs / "warm-up"),
                                                "--no-cache"), work.env())),
        ("help", "help", lambda: measure_help(work, 3 if args.quick else args.help_runs)),
        ("translation", "translation", lambda: worker(work, "translation", str(runs), args.threads)),
        ("threads", "threads", lambda: worker(work, "threads", str(max(runs, 5)))),
        ("memory", "model_rss", lambda: worker(work, "model-rss")),
        ("republish", "republish", lambda: measure_republish(work, runs)),
        ("render", "render", lambda: measure_render(work, runs, Path(results["republish"]["cache"]))),
        ("scaling", "scaling", lambda: measure_scaling(work, counts, runs)),
        ("checks", "checks", lambda: worker(work, "checks", str(runs))),
        ("batch", "batch", lambda: measure_batch(work, args.batch_articles or (3 if args.quick else 20),
                                                 args.baseline, args.republish_articles or (2 if args.quick else 5))),
        ("cluster", "cluster", lambda: measure_cluster(work, args.batch_articles or (3 if args.quick else 20),
                                                       args.republish_articles or (2 if args.quick else 5))),
    ]
    titles = {"help": "2. translate --help", "translation": f"1. translation phase, {runs} run(s)",
              "threads": "1c. CTranslate2 threads per call type (decode, scoring, re-decodes)",
              "republish": f"4. first / unchanged / edited publish, {runs} run(s)",
              "render": f"3. rendering, {runs} run(s)", "scaling": f"5. scaling over {counts} articles",
              "model_rss": "6. memory of one model alone",
              "checks": f"8. the check stage in a first and an unchanged publish, {runs} run(s)",
              "batch": f"7. batch publishing: one run vs one run per article ({args.baseline}), re-publish, "
                       "render --jobs 1/2",
              "cluster": "9. --cluster local (Ray on this machine) vs the local batch run",
              None: "warm-up publish (untimed): OS file and font caches"}
    failed = None
    for step, key, action in steps:
        if step != "setup" and step not in only and not (step == "republish" and "render" in only):
            continue
        if key != "setup":
            log(titles[key])
        try:
            value = action()
        except (SystemExit, Exception) as err:   # keep what was measured, say what failed
            failed = f"{titles.get(key, key)}: {err}"
            results.setdefault("errors", []).append(failed)
            log(f"FAILED {failed[:2000]}")
            break
        if key:
            results[key] = value
        save()

    results["load_average_after"] = os.getloadavg()
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    save()
    if args.markdown:
        args.markdown.write_text(results["table_markdown"] + "\n", encoding="utf-8")
    print()
    print(plain(results["table_markdown"]))
    m = results["machine"]
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory']}; load average before "
          f"{results['load_average_before'][0]:.2f}, after {results['load_average_after'][0]:.2f}")
    print(f"total {results['total_seconds']:.0f} s; results in {json_path}")
    if failed:
        raise SystemExit(f"stopped early: {failed.splitlines()[0]}")


if __name__ == "__main__":
    main()
