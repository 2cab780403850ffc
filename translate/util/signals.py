"""How a run ends when the world ends it: SIGTERM, SIGHUP, a closed pipe.

- SIGTERM (``kill``, a service manager, a container stop) and SIGHUP (the
  terminal closed) become ``Terminated``, a KeyboardInterrupt: every path
  that cleans up after Ctrl-C (staged files removed, the lock released,
  nothing renamed half-way) cleans up after them too. The run prints one line
  and exits with 128 + the signal's number, as a shell reports a process
  killed by it (143 for SIGTERM, 129 for SIGHUP).
- Everything temporary of a run (WeasyPrint's font folders included) goes in
  one folder under $TMPDIR that the run removes however it ends, short of
  SIGKILL: WeasyPrint removes its folders only when its objects are
  garbage-collected, which a signal can prevent.
- A closed pipe (``translate publish | head -1``): the work goes on, the
  lines nobody reads are dropped, and the run exits with 141 (128 + SIGPIPE)
  as `yes | head -1` does, with no message and no traceback, so a script
  with ``set -o pipefail`` still sees the pipe was cut.
- A standard stream closed before the run began (``publish >&-``, ``2>&-``):
  it is /dev/null for the run, which works and exits as it would otherwise.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from contextlib import contextmanager

HANDLED = (signal.SIGTERM, signal.SIGHUP)
SIGPIPE_STATUS = 128 + 13


class Terminated(KeyboardInterrupt):
    """A termination signal arrived; cleaned up like Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def interrupt_behind(err: BaseException | None) -> KeyboardInterrupt | None:
    """The Ctrl-C or Terminated that ``err`` is, or was raised from (ctranslate2
    turns an interrupt during its import into "ImportError: initialization
    failed"); None for a real error. Those stop the whole run, never one article."""
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, KeyboardInterrupt):
            return err
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return None


def _raise_terminated(signum, frame):
    # Once: a second signal must not cut the clean-up of the first short.
    for sig in HANDLED:
        signal.signal(sig, signal.SIG_IGN)
    raise Terminated(signum)


def install() -> None:
    """Turn SIGTERM and SIGHUP into Terminated (main thread only), and keep
    the interrupts Python cannot raise (see _unraisable)."""
    for sig in HANDLED:
        signal.signal(sig, _raise_terminated)
    sys.unraisablehook = _unraisable


class _Swallowed:
    """A Ctrl-C or signal that arrived where Python cannot raise it: inside a
    finaliser or the import machinery's lock callback, which report it as
    "Exception ignored in ..." and go on. ``interrupt`` remembers it, so the
    run still ends as interrupted; once interrupted, what finalisers report
    while the process winds down is noise and not shown."""

    interrupt: BaseException | None = None


def _unraisable(unraisable) -> None:
    if isinstance(unraisable.exc_value, (KeyboardInterrupt, Terminated)):
        _Swallowed.interrupt = _Swallowed.interrupt or unraisable.exc_value
        return
    if _Swallowed.interrupt is not None or _interrupting:
        return
    sys.__unraisablehook__(unraisable)


_interrupting = False


def interrupted() -> None:
    """Called once the run is ending because of an interrupt."""
    global _interrupting
    _interrupting = True


def swallowed_interrupt() -> BaseException | None:
    """The interrupt Python could not raise during the run, if any."""
    return _Swallowed.interrupt


@contextmanager
def run_temporary_folder():
    """Every temporary file of the run in one folder, removed at the end."""
    folder = tempfile.mkdtemp(prefix="translate-run-")
    before, tempfile.tempdir = tempfile.tempdir, folder
    previous_env = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = folder   # child processes (git) too
    try:
        yield folder
    finally:
        tempfile.tempdir = before
        if previous_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = previous_env
        shutil.rmtree(folder, ignore_errors=True)


def open_closed_streams() -> None:
    """A standard stream the run was started without (`translate publish >&-`,
    `2>&-`, `<&-`) is /dev/null: Python leaves sys.stdout None then, and the
    next file the run opens would take descriptor 1, where a message or a
    child process would write into it. Called first thing, before any file
    is opened."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
        except OSError:
            quiet = os.open(os.devnull, os.O_RDWR)
            if quiet != fd:
                os.dup2(quiet, fd)
                os.close(quiet)
        if getattr(sys, name) is None:
            setattr(sys, name, open(fd, mode, closefd=False, encoding="utf-8", errors="backslashreplace"))


def quiet_stdout() -> None:
    """The reader of stdout went away: send what is left to /dev/null, so that
    neither later lines nor the flush at exit raise BrokenPipeError again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass   # not a real file (a test runner's buffer): nothing will flush to a pipe
