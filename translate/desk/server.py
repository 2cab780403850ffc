"""Starting and stopping the desk, as Jupyter starts: bound to loopback, a
URL with a random token printed, stopped cleanly by Ctrl-C.

The socket is bound here, before the server starts, so that the URL printed
names the port that is really listened on (``--port 0``: any free one), and
a port in use is one line, not a traceback. uvicorn serves the application;
its own signal handling would re-raise Ctrl-C once it has stopped (a
traceback and status 130 for what is the normal way to stop a desk), so the
desk's stops it quietly: the first Ctrl-C (or SIGTERM, SIGHUP) stops taking
requests and lets a publish that runs finish, a second one stops at once.
"""

from __future__ import annotations

import errno
import signal
import socket
import sys
import threading
from contextlib import contextmanager

from translate.desk.app import Desk, build_app
from translate.desk.security import Guard, is_loopback
from translate.desk.workspace import DeskOptions
from translate.errors import UserError
from translate.util import heavy

DEFAULT_PORT = 8890
PORTS_TRIED = 20       # without --port, the next ports are tried when one is taken


class DeskRefused(UserError):
    """The desk cannot start as asked."""


def check_host(host: str, allow_remote: bool, warn) -> None:
    """A host other than loopback only with --allow-remote, and a warning."""
    if is_loopback(host):
        return
    if not allow_remote:
        raise DeskRefused(f"refused: --host {host} is not a loopback address (127.0.0.1, ::1, localhost), so other "
                          "machines could reach the desk", "add --allow-remote to do that anyway")
    warn(f"the desk listens on {host}: anyone who can reach this machine and has the address with its token can "
         "change the project's memory and glossaries and publish; stop it with Ctrl-C when done")


def bind(host: str, port: int | None) -> socket.socket:
    """A listening socket on ``host``: ``port`` (0: any free port), or the
    first free one from DEFAULT_PORT when none is given."""
    try:
        infos = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise DeskRefused(f"cannot listen on --host {host}: {err.strerror}", "give an address such as 127.0.0.1") \
            from None
    family = infos[0][0]
    candidates = [port] if port is not None else range(DEFAULT_PORT, DEFAULT_PORT + PORTS_TRIED)
    last = None
    for candidate in candidates:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
            sock.listen(128)
            sock.setblocking(False)
            return sock
        except OSError as err:
            sock.close()
            last = err
            if err.errno != errno.EADDRINUSE:
                break
    if last is not None and last.errno == errno.EADDRINUSE:
        taken = f"port {port} is" if port is not None else \
            f"ports {DEFAULT_PORT} to {DEFAULT_PORT + PORTS_TRIED - 1} are"
        raise DeskRefused(f"{taken} in use", "give another with --port N (--port 0: any free port)")
    raise DeskRefused(f"cannot listen on {host}: {last.strerror if last else 'no address'}",
                      "give another --host or --port")


@contextmanager
def _quiet_stop(server, stopped: list):
    """uvicorn's capture_signals, without re-raising the signal afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        stopped.append(signum)
        if server.should_exit:
            server.force_exit = True   # a second Ctrl-C: no waiting for open connections
        server.should_exit = True

    wanted = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, stop) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def serve(options: DeskOptions, host: str, port: int | None, echo, warn) -> None:
    """Serve the desk until Ctrl-C; ``echo`` prints a line for the user."""
    sock = bind(host, port)
    guard = Guard(host, sock.getsockname()[1])
    desk = Desk(options, guard, warn)
    uvicorn = heavy.uvicorn()
    config = uvicorn.Config(build_app(desk), log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=3)
    server = uvicorn.Server(config)
    stopped: list[int] = []
    server.capture_signals = lambda: _quiet_stop(server, stopped)
    desk.assets.submit(desk.fonts)   # made (or read from their cache) before the first page asks
    echo(f"translate desk: the project {options.project.root}")
    echo("Open this address in a browser (it carries the desk's token; keep it to yourself):")
    echo(f"    {guard.url()}")
    echo("Stop the desk with Ctrl-C.")
    sys.stdout.flush()
    try:
        server.run(sockets=[sock])
    finally:
        job = desk.publisher.current
        if job is not None and not job.finished:
            echo(f"waiting for the publish of {job.slug} to finish (Ctrl-C again to stop now: "
                 "nothing half-written is left)...")
        desk.shutdown(wait=True)
        sock.close()
    how = signal.Signals(stopped[0]).name if stopped else "the server stopped"
    echo(f"desk stopped ({'Ctrl-C' if how == 'SIGINT' else how})")
