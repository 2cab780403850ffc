"""Faults during a publish (issue 7): the process killed outright at random
moments, two publishes of one article at once, Ctrl-C.

Publishes run as real subprocesses (`python -m translate publish ...`) with a
tiny en→ru model installed in a temporary folder. After every fault the
article's folder must hold, file by file, either the previous complete
version or a complete new one (every PDF parses, every page, every Markdown
file reads back), every line of SHA256SUMS must hold, temporary files may only
be ones the next run removes, and the translation memory must open and answer.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

from translate.translation.models.argos import ArgosStore
from translate.source.markdown_reader import read_markdown
from translate.translation.memory import TranslationMemory

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_TEXT = (ROOT / "source" / "taliban-delisting.md").read_text(encoding="utf-8")
SLUG = "taliban-delisting"
SEED = 20260704
KILLS = 20

# Runs `translate` and kills itself with SIGKILL just before its N-th os.replace
# (counting from 0): the renames that put a publish's files into place are
# the moments a plain timer almost never hits.
KILL_AT_RENAME = """
import os, signal, sys
target, count = int(os.environ["KILL_AT_RENAME"]), [0]
real_replace = os.replace
def replace(src, dst, **kwargs):
    if count[0] == target:
        os.kill(os.getpid(), signal.SIGKILL)
    count[0] += 1
    return real_replace(src, dst, **kwargs)
os.replace = replace
sys.argv = ["translate", *sys.argv[1:]]
from translate.cli.main import main
main()
"""

# Runs `translate` as if Ctrl-C landed while ctranslate2's compiled extension
# initialised (it is imported when the first edition needs the model): Python
# then reports "ImportError: initialization failed" caused by the
# KeyboardInterrupt, not the KeyboardInterrupt itself.
INTERRUPTED_IMPORT = """
import importlib.abc, importlib.machinery, sys
class InterruptedInit(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        return importlib.machinery.ModuleSpec(name, self) if name == "ctranslate2._ext" else None
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as err:
            raise ImportError("initialization failed") from err
sys.meta_path.insert(0, InterruptedInit())
sys.argv = ["translate", *sys.argv[1:]]
from translate.cli.main import main
main()
"""


def version(n: int) -> str:
    """The article at revision ``n``: every edition changes with it."""
    return ARTICLE_TEXT.replace("In a significant and potentially controversial move",
                                f"In a significant (revision {n}) and potentially controversial move", 1)


class Project:
    def __init__(self, root: Path, models: Path):
        self.root = root
        self.models = models
        self.out = root / "out"
        self.cache = root / "memory.sqlite3"
        self.folder = self.out / SLUG
        self.scripts = {"kill_at_rename": root / "kill_at_rename.py", "interrupted_import": root / "interrupted_import.py"}
        self.scripts["kill_at_rename"].write_text(KILL_AT_RENAME)
        self.scripts["interrupted_import"].write_text(INTERRUPTED_IMPORT)

    def source(self, n: int, where: str = "src") -> Path:
        path = self.root / where / f"{SLUG}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(version(n), encoding="utf-8")
        return path

    def command(self, source: Path, *, script: str | None = None) -> list[str]:
        head = [sys.executable, "-m", "translate"] if script is None else [sys.executable, str(self.scripts[script])]
        return [*head, "publish", str(source), "--to", "ru", "--format", "md,html,pdf",
                "--models-dir", str(self.models), "--output", str(self.out), "--cache", str(self.cache),
                "--locales", str(self.root / "locales"), "--beam-size", "1"]

    def start(self, source: Path, *, kill_at_rename: int | None = None,
              interrupted_import: bool = False) -> subprocess.Popen:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        script = None
        if kill_at_rename is not None:
            env["KILL_AT_RENAME"] = str(kill_at_rename)
            script = "kill_at_rename"
        elif interrupted_import:
            script = "interrupted_import"
        return subprocess.Popen(self.command(source, script=script), cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def publish(self, n: int) -> float:
        started = time.perf_counter()
        process = self.start(self.source(n))
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, out + err
        return time.perf_counter() - started


@pytest.fixture(scope="module")
def project(tmp_path_factory, ru_argos_package):
    root = tmp_path_factory.mktemp("faults")
    models = root / "models"
    ArgosStore(models).add(ru_argos_package)
    (root / "locales").mkdir()
    # A shell starts a background job with SIGINT ignored, and an ignored
    # signal stays ignored in every program it starts: run from a script in
    # the background, the publishes would never see a Ctrl-C. A signal with a
    # handler here is reset to the default in a child, as a terminal's
    # foreground job has it.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield Project(root, models)
    signal.signal(signal.SIGINT, previous)


# --- what must hold after any fault -------------------------------------------------


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not _ignored(p)}


def _ignored(path: Path) -> bool:
    return _temporary(path)


def _temporary(path: Path) -> bool:
    # atomic_write's names: ".NAME.XXXXXXXX.tmp"; removed by the next publish
    return bool(re.fullmatch(r"\..+\.[a-z0-9_]{8}\.tmp", path.name))


def work_files(folder: Path) -> list[Path]:
    """What runs left in the article's work folder (output/.work/<slug>/):
    the lock and staged files, never among the published ones."""
    work = folder.parent / ".work" / folder.name
    return [p for p in work.rglob("*") if p.is_file()] if work.is_dir() else []


def leftovers(folder: Path) -> list[Path]:
    """Temporary files a killed run left, anywhere."""
    return [p for p in [*folder.rglob("*"), *work_files(folder)] if _temporary(p)]


def complete_text(rel: str, data: bytes, extract: bool = True) -> str:
    """The text of a file that must be complete, or an AssertionError."""
    if rel.endswith(".pdf"):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data), strict=True)
        assert len(reader.pages) > 0, rel
        for page in reader.pages:   # every page object and its content stream resolve
            page.get_contents()
        return "\n".join(page.extract_text() for page in reader.pages) if extract else ""
    if rel.endswith(".woff2"):   # a web font: binary
        assert data[:4] == b"wOF2", rel
        return ""
    text = data.decode("utf-8")
    if rel.endswith(".html"):
        assert text.lstrip().startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>"), rel
    elif rel.endswith(".md"):
        assert read_markdown(text).blocks, rel
    elif rel.endswith(".json"):
        json.loads(text)
    elif rel == "SHA256SUMS":
        assert all(re.fullmatch(r"[0-9a-f]{64}  \S.*", line) for line in text.splitlines()), rel
    return text


def assert_consistent(folder: Path, before: dict[str, str], revision: int) -> dict[str, int]:
    """Every file is its previous version or a complete one of ``revision``;
    SHA256SUMS claims only what holds. Returns what was seen, for the record."""
    seen = {"new": 0, "kept": 0, "temporary": len([p for p in work_files(folder) if _temporary(p)])}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        # output/<slug>/ holds only what is published: no lock, no staged file
        assert not path.name.startswith("."), f"unexpected file {rel}"
        data = path.read_bytes()
        if before.get(rel) == hashlib.sha256(data).hexdigest():
            seen["kept"] += 1
            continue
        text = complete_text(rel, data, extract=rel.startswith("en/"))
        if rel.startswith("en/"):
            assert f"revision {revision}" in " ".join(text.split()), f"{rel} is from neither version"
        seen["new"] += 1
    sums = (folder / "SHA256SUMS").read_text()
    for line in sums.splitlines():
        digest, rel = line.split("  ", 1)
        assert hashlib.sha256((folder / rel).read_bytes()).hexdigest() == digest, f"SHA256SUMS is wrong about {rel}"
    return seen


def assert_memory_answers(path: Path) -> None:
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    memory = TranslationMemory(path)
    try:
        assert memory.stats()["segments"] > 0
        assert memory.get_many(["no such key"]) == {}
    finally:
        memory.close()


# --- a signal at a random moment of a run ------------------------------------------------


class _Output:
    """Reads a process's stdout and stderr in threads, so that the test can
    wait for a line on stderr while the process runs, and take everything
    once it has exited."""

    def __init__(self, process: subprocess.Popen):
        self.out: list[str] = []
        self.err: list[str] = []
        self._err_closed = False
        self._seen = threading.Condition()
        self._threads = [threading.Thread(target=self._read, args=(stream, lines), daemon=True)
                         for stream, lines in ((process.stdout, self.out), (process.stderr, self.err))]
        for thread in self._threads:
            thread.start()

    def _read(self, stream, lines: list[str]):
        for line in stream:
            with self._seen:
                lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self._err_closed |= lines is self.err
            self._seen.notify_all()

    def wait_for(self, text: str, timeout: float = 120) -> None:
        """Until ``text`` appears on stderr (or stderr ends). The timeout only
        turns a hung run into a failure."""
        with self._seen:
            self._seen.wait_for(lambda: self._err_closed or any(text in line for line in self.err), timeout)
            assert any(text in line for line in self.err), "".join(self.err)

    def all(self, timeout: float = 120) -> tuple[str, str]:
        """stdout and stderr to the end: once the process has exited and closed
        them, the threads read what is left and end, and are joined."""
        for thread in self._threads:
            thread.join(timeout)
            assert not thread.is_alive(), "the process did not close its output"
        return "".join(self.out), "".join(self.err)


@dataclass
class Signalled:
    process: subprocess.Popen
    out: str
    err: str
    revision: int              # the article revision the run published
    before: dict[str, str]     # the folder's files when the run started
    delay: float               # seconds from the start (or from ``after``) to the signal
    completed: int = 0         # earlier runs that had ended before their moment came


def signal_at_random_moment(project: Project, sig: int, revisions: Iterator[int], draw: Callable[[float], float],
                            window: float, *, after: str | None = None, attempts: int = 8) -> Signalled:
    """Publish the next revision and send ``sig`` at a moment ``draw(window)``
    seconds after the run started (after its stderr showed ``after``, if
    given), until the signal arrives while the publish is still running.

    The sleep below is not a wait for anything: it picks a random moment of
    the run. Whether a run ends before that moment depends on the machine's
    load, so that is not left to chance: a run that ended first is a complete
    publish of its revision (checked), and it took less than the delay drawn,
    so the next moment is drawn within that shorter window on a new revision.
    """
    for completed in range(attempts):
        revision = next(revisions)
        before = digests(project.folder)
        process = project.start(project.source(revision))
        output = _Output(process)
        if after is not None:
            output.wait_for(after)
        delay = draw(window)
        time.sleep(delay)   # a random moment of the run, not a wait for a condition
        process.send_signal(sig)
        process.wait(timeout=300)
        out, err = output.all()
        if process.returncode != 0:
            return Signalled(process, out, err, revision, before, delay, completed)
        assert "Traceback" not in err, err
        seen = assert_consistent(project.folder, before, revision)
        assert seen["temporary"] == 0 and seen["new"] > 0, seen   # a complete run leaves its revision whole
        window = delay
    raise AssertionError(f"{attempts} runs in a row ended before their random moment (last window {window:.3f}s)")


# --- SIGKILL ---------------------------------------------------------------------------


def test_killed_twenty_times_at_random_moments(project):
    """20 SIGKILLs, seeded: some at a random moment of a run, some at a random
    one of the renames that put files into place. Every one of them lands on a
    running publish; then one complete run recovers."""
    delays, renames_drawn = random.Random(SEED), random.Random(SEED + 1)
    revisions = itertools.count(0)
    from translate.project.languages import ALL
    from translate.publishing.render.webfonts import site_files

    # Subset web fonts are cached for the session (conftest): filled here, the
    # first run, which sets the window for the moments, is like the later ones.
    site_files([ALL["en"], ALL["ru"]])
    duration = project.publish(next(revisions))  # how long a run takes: the window for the random moments
    assert_consistent(project.folder, {}, 0)
    renames = 10  # SHA256SUMS cut down, 6 edition files, index, manifest, SHA256SUMS
    log = []
    for n in range(1, KILLS + 1):
        if n % 2:
            run = signal_at_random_moment(project, signal.SIGKILL, revisions,
                                          lambda window: delays.uniform(0.05, window), duration * 1.1)
            moment = f"after {run.delay:.2f}s"
        else:
            rename = renames_drawn.randrange(renames)
            revision = next(revisions)
            before = digests(project.folder)
            process = project.start(project.source(revision), kill_at_rename=rename)
            out, err = process.communicate(timeout=300)
            run = Signalled(process, out, err, revision, before, 0.0)
            moment = f"at rename {rename}"
        # A rename kill fires before a rename every run makes, and a timed one
        # was sent while the run was still going: both end the process.
        assert run.process.returncode == -signal.SIGKILL, f"kill {moment}: exit {run.process.returncode}\n{run.err}"
        assert "Traceback" not in run.err
        seen = assert_consistent(project.folder, run.before, run.revision)
        log.append((moment, run.process.returncode, seen, run.completed))
        assert_memory_answers(project.cache)
    for moment, code, seen, completed in log:   # shown with pytest -s; docs/reliability.md quotes a run
        print(f"kill {moment:>15}: exit {code}, files new {seen['new']}, kept {seen['kept']}, "
              f"temporary {seen['temporary']}" + (f" (after {completed} run(s) that ended first)" if completed else ""))
    assert len(log) == KILLS
    assert any(seen["new"] and seen["kept"] for _, _, seen, _ in log), "no kill fell between two renames"
    assert any(seen["temporary"] for _, _, seen, _ in log), "no kill left temporary files to clean"

    # The next complete run removes what the killed ones left and publishes whole.
    last = next(revisions)
    project.publish(last)
    assert not leftovers(project.folder)
    assert_consistent(project.folder, {}, last)
    manifest = json.loads((project.folder / "manifest.json").read_text())
    listed = set(manifest["files"]) | {"manifest.json"}
    assert listed == set(digests(project.folder)) - {"SHA256SUMS"}
    sums = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=project.folder,
                          capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    assert_memory_answers(project.cache)


# --- two at once -----------------------------------------------------------------------


def test_two_publishes_of_one_article_at_once(project):
    """Two revisions of the same article (same slug, different files) published
    at the same moment: both finish, and the folder holds one of them whole."""
    a, b = project.source(101, "a"), project.source(102, "b")
    first, second = project.start(a), project.start(b)
    results = [p.communicate(timeout=300) for p in (first, second)]
    for process, (out, err) in zip((first, second), results):
        assert process.returncode == 0, out + err
        assert "Traceback" not in err
    texts = {rel: complete_text(rel, (project.folder / rel).read_bytes()) for rel in digests(project.folder)}
    revisions = {rel: set(re.findall(r"revision (\d+)", " ".join(text.split())))
                 for rel, text in texts.items() if rel.startswith("en/")}
    winner = set().union(*revisions.values())
    assert len(winner) == 1 and winner <= {"101", "102"}, revisions   # never interleaved
    winner_source = a if winner == {"101"} else b
    manifest = json.loads(texts["manifest.json"])
    assert manifest["article"]["source_sha256"] == hashlib.sha256(winner_source.read_bytes()).hexdigest()
    assert {e["published"] for e in manifest["editions"].values()} == {manifest["editions"]["en"]["published"]}
    assert_consistent(project.folder, {}, int(winner.pop()))
    assert not leftovers(project.folder)
    assert_memory_answers(project.cache)


# --- Ctrl-C ----------------------------------------------------------------------------


def assert_interrupted_cleanly(project: Project, run: Signalled) -> None:
    # 130 from our handler; CPython may instead end by re-raising SIGINT after
    # it (python -m, an interrupt inside an extension), which a shell also
    # reports as 130. Either way our message came first.
    assert run.process.returncode in (130, -signal.SIGINT), run.err
    assert run.err.rstrip().splitlines()[-1] == "interrupted: nothing half-written was left behind", run.err
    assert "Traceback" not in run.err and "Aborted" not in run.err
    assert not leftovers(project.folder), "temporary files are removed"
    assert_consistent(project.folder, run.before, run.revision)
    assert_memory_answers(project.cache)


@pytest.mark.parametrize("attempt", range(3))
def test_ctrl_c_ends_cleanly(project, attempt):
    rng = random.Random(SEED + attempt)
    if not (project.folder / "SHA256SUMS").exists():
        project.publish(200)
    # Ctrl-C at a random moment within a second of the run's start of translating.
    run = signal_at_random_moment(project, signal.SIGINT, itertools.count(300 + 10 * attempt),
                                  lambda window: rng.uniform(0.0, window), 1.0, after="Russian")
    assert_interrupted_cleanly(project, run)


def test_ctrl_c_while_the_model_library_loads(project):
    """The moment the random Ctrl-C above can hit: while ctranslate2's
    extension initialises. It ends like any Ctrl-C, not with a traceback."""
    if not (project.folder / "SHA256SUMS").exists():
        project.publish(200)
    before = digests(project.folder)
    process = project.start(project.source(400), interrupted_import=True)
    out, err = process.communicate(timeout=300)
    assert_interrupted_cleanly(project, Signalled(process, out, err, 400, before, 0.0))
