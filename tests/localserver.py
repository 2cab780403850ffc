"""HTTP servers on 127.0.0.1 for tests: downloads, canaries that must receive
no request. One lifecycle (free port, thread, clean shutdown) for all of them."""

from __future__ import annotations

import http.server
import select
import threading
from contextlib import contextmanager
from typing import Iterator


class QuietHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _CountingServer(http.server.ThreadingHTTPServer):
    """Counts the connections it accepts. Accepting and counting happen under
    one lock, so a reader holding the lock sees every connection a client has
    made either counted or still waiting in the listen queue: no sleep needed
    to let a request "arrive"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.accept_lock = threading.Lock()
        self.accepted = 0

    def get_request(self):
        with self.accept_lock:
            request = super().get_request()
            self.accepted += 1
            return request


class ServerURL(str):
    """The base URL of a test server (a plain string for f-strings), which can
    also say how many connections clients have made to it so far."""

    server: _CountingServer

    def connections_made(self) -> int:
        with self.server.accept_lock:
            waiting, _, _ = select.select([self.server.socket], [], [], 0)
            return self.server.accepted + (1 if waiting else 0)


@contextmanager
def serving(handler_class: type[http.server.BaseHTTPRequestHandler]) -> Iterator[ServerURL]:
    """Run ``handler_class`` on a free port of 127.0.0.1; yields the base URL."""
    server = _CountingServer(("127.0.0.1", 0), handler_class)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = ServerURL(f"http://127.0.0.1:{server.server_address[1]}")
    url.server = server
    try:
        yield url
    finally:
        server.shutdown()      # returns once serve_forever has stopped
        server.server_close()  # joins the request threads
        thread.join()


@contextmanager
def serve_routes(routes: dict[str, bytes | tuple[bytes, int | None]]) -> Iterator[ServerURL]:
    """Serve path -> body, or path -> (body, announced length): a body shorter
    than its announced length breaks off mid-download. Other paths get 404."""

    class Handler(QuietHandler):
        def do_GET(self):
            if self.path not in routes:
                self.send_error(404)
                return
            route = routes[self.path]
            body, length = route if isinstance(route, tuple) else (route, None)
            self.send_response(200)
            self.send_header("Content-Length", str(length if length is not None else len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True

    with serving(Handler) as base:
        yield base
