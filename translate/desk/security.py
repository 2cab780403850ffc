"""Who may use the desk: the rules every request passes, in one ASGI middleware.

The desk changes a newsroom's memory, glossaries and published files, and a
browser visits other sites while it runs. So, as Jupyter does:

- a random token, printed with the URL, is needed for every request: in the
  URL once (``?token=...``: answered with a cookie and a redirect to the same
  address without it, so that it stays out of history), then in the cookie
  (HttpOnly, SameSite=Strict, named after the port: two desks never share
  one), or in an ``Authorization: token ...`` header;
- the Host header must name the address the desk listens on (127.0.0.1,
  localhost or [::1] with its port): a page of another site that re-points
  its own name at 127.0.0.1 (DNS rebinding) is refused;
- every request that changes something (any method but GET and HEAD) carries
  the CSRF token of this desk run, in an ``X-CSRF-Token`` header (the
  desk's script) or a ``csrf`` query parameter (the action URL of the desk's
  forms), and comes from one of the desk's own pages (Origin, Sec-Fetch-Site);
- responses say what a browser may do with them (Content-Security-Policy: no
  script, style or font but the desk's own; no framing; no referrer to other sites).

Each refusal is one line of text with its status: 400 for a Host that is not
the desk's, 403 for a missing or wrong token or CSRF token, 413 for a body
over the limit.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

# The largest request body the desk reads: a glossary file is far smaller.
MAX_BODY = 4 << 20

PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; img-src 'self'; "
               "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# A published page carries its stylesheet inline and runs no script.
PUBLISHED_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; font-src 'self'; img-src 'self'; "
                    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox")


def is_loopback(host: str) -> bool:
    """True for an address only this machine reaches: 127.0.0.0/8, ::1, localhost."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _hosts(host: str, port: int) -> set[str]:
    names = {"127.0.0.1", "localhost", "[::1]", f"[{host}]" if ":" in host else host}
    return {f"{name}:{port}" for name in names}


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class Guard:
    """The secrets of one desk run and the checks made with them."""

    def __init__(self, host: str, port: int, token: str | None = None, csrf: str | None = None):
        self.host, self.port = host, port
        self.token = token or secrets.token_urlsafe(32)
        self.csrf = csrf or secrets.token_urlsafe(32)
        self.allowed_hosts = _hosts(host, port)
        # --allow-remote --host 0.0.0.0: any name of the machine reaches it
        # (the user was warned); the token still guards every request.
        self.any_host = host in ("0.0.0.0", "::")
        self.cookie = f"translate-desk-{port}"

    def host_ok(self, host: str | None) -> bool:
        return host is not None and (self.any_host or host.lower() in self.allowed_hosts)

    def origin_ok(self, origin: str | None, fetch_site: str | None) -> bool:
        """A change must come from the desk's own pages: a browser says where
        a request comes from (Origin, Sec-Fetch-Site); a client that says
        nothing (a script with the token) is judged by the tokens alone."""
        if fetch_site is not None and fetch_site not in ("same-origin", "none"):
            return False
        if origin is None or (origin == "null" and fetch_site is not None):
            return True   # "null": a browser hiding where a page came from; Sec-Fetch-Site said it above
        scheme, _, rest = origin.partition("://")
        return scheme == "http" and self.host_ok(rest)

    def url(self, path: str = "/") -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}{path}?{urlencode({'token': self.token})}"


def _headers(scope) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        if key == "cookie" and key in found:
            found[key] += "; " + text
        else:
            found.setdefault(key, text)   # a header given twice: the first counts
    return found


async def _refuse(send, status: int, message: str, extra: list | None = None) -> None:
    body = (message + "\n").encode("utf-8")
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               *_security_headers(PAGE_POLICY), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _security_headers(policy: str, cached: bool = False) -> list[tuple[bytes, bytes]]:
    """What every answer says; pages are never stored (``cached``: the
    answer says itself how long it may be kept: the packaged assets)."""
    headers = [(b"content-security-policy", policy.encode()), (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY"),
               (b"cross-origin-opener-policy", b"same-origin"), (b"cross-origin-resource-policy", b"same-origin")]
    return headers if cached else [*headers, (b"cache-control", b"no-store")]


class GuardMiddleware:
    """The desk's ASGI application behind the Guard's checks."""

    def __init__(self, app, guard: Guard, published_prefix: str = "/output/"):
        self.app = app
        self.guard = guard
        self.published_prefix = published_prefix

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        guard, headers = self.guard, _headers(scope)
        if not guard.host_ok(headers.get("host")):
            return await _refuse(send, 400, "refused: the Host header does not name this desk's address "
                                            f"(use http://127.0.0.1:{guard.port}/)")
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = dict(query)
        if "token" in given:
            return await self._enter(scope, send, given["token"], query)
        if not self._has_token(headers):
            return await _refuse(send, 403, "refused: this desk needs its token: open the address that "
                                            "translate desk printed (it ends with ?token=...)")
        if scope["method"] not in ("GET", "HEAD"):
            if not (_same(headers.get("x-csrf-token"), guard.csrf) or _same(given.get("csrf"), guard.csrf)):
                return await _refuse(send, 403, "refused: a change needs the desk's CSRF token: "
                                                "reload the desk's page and try again")
            if not guard.origin_ok(headers.get("origin"), headers.get("sec-fetch-site")):
                return await _refuse(send, 403, "refused: a change must come from the desk's own pages")
            if int(headers.get("content-length") or 0) > MAX_BODY:
                return await _refuse(send, 413, f"refused: the request is over {MAX_BODY >> 20} MB")
            receive = _limited(receive)
        policy = PUBLISHED_POLICY if scope["path"].startswith(self.published_prefix) else PAGE_POLICY

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                own = message.get("headers", [])
                cached = any(name.lower() == b"cache-control" for name, _ in own)
                message = {**message, "headers": [*own, *_security_headers(policy, cached)]}
            await send(message)

        return await self.app(scope, receive, send_with_headers)

    def _has_token(self, headers: dict) -> bool:
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # noqa: BLE001 - a malformed cookie header is no token
            return False
        morsel = cookie.get(self.guard.cookie)
        if morsel is not None and _same(morsel.value, self.guard.token):
            return True
        scheme, _, value = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "token" and _same(value.strip(), self.guard.token)

    async def _enter(self, scope, send, token: str, query) -> None:
        """The first visit: the token becomes a cookie, and the browser goes
        to the same address without it."""
        if not _same(token, self.guard.token):
            return await _refuse(send, 403, "refused: wrong token: open the address that translate desk printed")
        rest = urlencode([(k, v) for k, v in query if k != "token"])
        location = scope["path"] + (f"?{rest}" if rest else "")
        cookie = f"{self.guard.cookie}={self.guard.token}; Path=/; HttpOnly; SameSite=Strict"
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode("latin-1", "replace")),
                                (b"set-cookie", cookie.encode()), (b"content-length", b"0"),
                                *_security_headers(PAGE_POLICY)]})
        await send({"type": "http.response.body", "body": b""})


def _limited(receive):
    """``receive`` that stops a body over MAX_BODY (a client may send more
    than its Content-Length said, or no length at all)."""
    seen = 0

    async def limited():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY:
                raise BodyTooLarge()
        return message

    return limited


class BodyTooLarge(Exception):
    """A request body over MAX_BODY (translate.desk.app answers 413)."""
