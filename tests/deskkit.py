"""The desk as its tests (and bench/desk.py) run it: `translate desk` in its
own process on 127.0.0.1 (a free port, --port 0), read from the URL it
prints, stopped with Ctrl-C (SIGINT); and Debian's Chromium driven by
Playwright for Python (Playwright's own browser download is not used)."""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REPO = Path(__file__).resolve().parent.parent


class Desk:
    """A running `translate desk`; ``stop()`` ends it as Ctrl-C does."""

    def __init__(self, project: Path, env: dict, *args: str, start_timeout: float = 120):
        command = [sys.executable, "-m", "translate", "-C", str(project), "desk", "--port", "0", *args]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                     cwd=str(project))
        self.out: list[str] = []
        self.err: list[str] = []
        lines: queue.Queue = queue.Queue()
        # Both streams are read all along: a full pipe would stop the server.
        for stream, into in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=_drain, args=(stream, into, lines), daemon=True).start()
        deadline = time.monotonic() + start_timeout
        self.url = ""
        while not self.url:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.proc.kill()
                raise RuntimeError(f"the desk printed no URL in {start_timeout} s:\n{self.output()}") from None
            found = re.search(r"http://\S+\?token=\S+", line)
            if found:
                self.url = found.group(0)
            elif self.proc.poll() is not None and lines.empty():
                raise RuntimeError(f"the desk ended with status {self.proc.returncode}:\n{self.output()}")
        parts = urlsplit(self.url)
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.host, self.port = parts.hostname, parts.port
        self.token = parts.query.split("token=", 1)[1]

    def output(self) -> str:
        time.sleep(0.2)
        return "".join(self.out) + "".join(self.err)

    def stop(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def request(self, method: str, path: str, *, headers: dict | None = None, body: bytes | None = None,
                host: str | None = None) -> tuple[int, dict, bytes]:
        """One plain HTTP request to the desk (a browser cannot send a wrong Host)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=300)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", host or f"{self.host}:{self.port}")
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def cookie(self) -> str:
        return f"translate-desk-{self.port}={self.token}"


def _drain(stream, into: list, lines: queue.Queue) -> None:
    for line in stream:
        into.append(line)
        lines.put(line)


def desk_env(home: Path, **extra: str) -> dict:
    """The environment of a desk under test: its own user folders, nothing of the real user's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ARGOS_", "TRANSLATE_"))}
    for name, sub in (("HOME", "home"), ("XDG_DATA_HOME", "home/.local/share"), ("XDG_CACHE_HOME", "home/.cache"),
                      ("XDG_CONFIG_HOME", "home/.config")):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / sub)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def launch_chromium(playwright):
    if not Path(CHROMIUM).is_file():
        raise RuntimeError(f"{CHROMIUM} is missing: run ./setup.sh (it installs Debian's chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
