"""HTTP servers on 127.0.0.1 for tests: downloads, canaries that must receive
no request. One lifecycle (free port, thread, clean shutdown) for all of them."""

from __future__ import annotations

import http.server
import threading
from contextlib import contextmanager
from typing import Iterator


class QuietHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serving(handler_class: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Run ``handler_class`` on a free port of 127.0.0.1; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def serve_routes(routes: dict[str, bytes | tuple[bytes, int | None]]) -> Iterator[str]:
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
