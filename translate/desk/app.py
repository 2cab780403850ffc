"""The desk's routes (Starlette) and its packaged assets.

Every handler is a few lines: it reads the request, hands the work to the
desk's thread (``Desk.run``: translate.desk.workspace and its neighbours do
the work, the page is rendered there too), and answers. The application is
wrapped in translate.desk.security.GuardMiddleware: no request reaches a
handler without the token, from another Host, or (for a change) without the
CSRF token.

    GET  /                                   the articles and each edition's status
    GET  /articles/{slug}/{key}              an edition, sentence by sentence
    POST /articles/{slug}/{key}/sentences/N  save or approve sentence N
    POST /articles/{slug}/publish            publish the article -> /jobs/{id}
    GET  /jobs/{id}                          its progress, then its summary
    GET  /glossary, /glossary/{key}          the glossaries, one glossary's terms
    GET  /glossary/{key}/term                edit (or add) a term
    POST /glossary/{key}/preview             what a change would do, sentence by sentence
    POST /glossary/{key}/save                save the accepted changes
    POST /name                               who approves (a cookie per browser)
    GET  /output/{path}                      the published files
    GET  /assets/...                         the desk's stylesheet, script and web fonts
"""

from __future__ import annotations

import asyncio
import functools
import traceback
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from importlib import resources as importlib_resources
from pathlib import Path
from urllib.parse import quote, unquote

from markupsafe import Markup

from translate.desk import glossary as desk_glossary
from translate.desk import pages
from translate.desk.jobs import Publisher
from translate.desk.security import BodyTooLarge, Guard, GuardMiddleware
from translate.desk.sentences import edition_view
from translate.desk.workspace import DeskOptions, NotFound, Workspace
from translate.errors import UserError
from translate.translation import glossary as gl
from translate.util import heavy

# What a published folder holds, and how it is served.
PUBLISHED_TYPES = {".html": "text/html; charset=utf-8", ".pdf": "application/pdf",
                   ".md": "text/plain; charset=utf-8", ".woff2": "font/woff2", ".png": "image/png",
                   ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
                   ".json": "application/json", ".atom": "application/atom+xml", ".minisig": "text/plain",
                   ".pub": "text/plain", "": "text/plain; charset=utf-8"}
ASSETS = {"desk.css": "text/css; charset=utf-8", "desk.js": "text/javascript; charset=utf-8"}
# The stylesheets and the script: kept by the browser for a minute (a desk
# started from a newer version serves new ones soon after).
REVALIDATE = {"Cache-Control": "private, max-age=60"}
# A browser makes the first EAGER_EDITORS textareas of an edition page as it
# reads it; the others come from <template>s the page's script fills in
# (translate/templates/desk.js): 500 textareas made at once were most of
# the time a long edition took to load (see bench/desk.py).
EAGER_EDITORS = 60
# Sentences of edition pages kept rendered (a few kilobytes each).
FRAGMENTS = 20000


class Desk:
    """One desk run: its workspace, its two threads, its guard."""

    def __init__(self, options: DeskOptions, guard: Guard, warn=print):
        self.ws = Workspace(options, warn)
        self.guard = guard
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="desk")
        self.publishing = ThreadPoolExecutor(1, thread_name_prefix="desk-publish")
        self.publisher = Publisher(self.ws, self.publishing.submit)
        # The web fonts: made (or read from their cache) once, in a thread of
        # their own, so that no page waits for them (translate.desk.server starts it).
        self.assets = ThreadPoolExecutor(1, thread_name_prefix="desk-fonts")
        self._fonts: tuple[dict[str, bytes], str] | None = None
        self._fragments: OrderedDict = OrderedDict()

    def sentence_html(self, view, sentence) -> Markup:
        """One sentence's part of an edition page, rendered once for what it shows."""
        key = (view.slug, view.lang.key, sentence.number, sentence.fingerprint)
        html = self._fragments.get(key)
        if html is None:
            html = pages.macro("desk_macros.html", "sentence")(sentence, view, self.guard.csrf, EAGER_EDITORS)
            self._fragments[key] = html
            while len(self._fragments) > FRAGMENTS:
                self._fragments.popitem(last=False)
        return html

    async def run(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` on the desk's thread (the project's work is never done on the event loop)."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, functools.partial(fn, *args, **kwargs))

    def fonts(self) -> tuple[dict[str, bytes], str]:
        """The font files by name, and the stylesheet that names them."""
        if self._fonts is None:
            langs = self.ws.options.languages
            self._fonts = pages.desk_fonts(langs), pages.fonts_css(langs)
        return self._fonts

    async def fonts_ready(self) -> tuple[dict[str, bytes], str]:
        return await asyncio.get_running_loop().run_in_executor(self.assets, self.fonts)

    def translator(self, request) -> str:
        name = request.cookies.get(f"{self.guard.cookie}-name")
        return unquote(name) if name else self.ws.options.translator

    def chrome(self, request, title: str, section: str = "articles") -> dict:
        return {"csrf": self.guard.csrf, "translator": self.translator(request), "title": title,
                "back": request.url.path, "section": section}

    def shutdown(self, wait: bool = True) -> None:
        self.worker.shutdown(wait=wait, cancel_futures=True)
        self.assets.shutdown(wait=wait, cancel_futures=True)
        self.publishing.shutdown(wait=wait)


def build_app(desk: Desk):
    """The ASGI application of ``desk``, behind its guard."""
    web = heavy.starlette()
    Route = web.routing.Route
    handlers = Handlers(desk, web)
    routes = [
        Route("/", handlers.articles),
        Route("/articles/{slug}/publish", handlers.publish, methods=["POST"]),
        Route("/articles/{slug}/{key}", handlers.edition),
        Route("/articles/{slug}/{key}/sentences/{number:int}", handlers.save, methods=["POST"]),
        Route("/jobs/{job}", handlers.job),
        Route("/glossary", handlers.glossaries),
        Route("/glossary/{key}", handlers.glossary),
        Route("/glossary/{key}/term", handlers.term),
        Route("/glossary/{key}/preview", handlers.glossary_preview, methods=["POST"]),
        Route("/glossary/{key}/save", handlers.glossary_save, methods=["POST"]),
        Route("/name", handlers.name, methods=["POST"]),
        Route("/output/{path:path}", handlers.published),
        Route("/assets/fonts.css", handlers.fonts_css),
        Route("/assets/fonts/{name}", handlers.font),
        Route("/assets/{name}", handlers.asset),
        Route("/favicon.ico", handlers.no_icon),
    ]
    errors = {404: handlers.not_found, 405: handlers.not_allowed, NotFound: handlers.not_found,
              UserError: handlers.user_error, BodyTooLarge: handlers.too_large, Exception: handlers.crashed}
    app = web.applications.Starlette(routes=routes, exception_handlers=errors)
    return GuardMiddleware(app, desk.guard)


class Handlers:
    def __init__(self, desk: Desk, web):
        self.desk, self.ws, self.web = desk, desk.ws, web
        self.responses = web.responses

    def html(self, text: str, status: int = 200):
        return self.responses.HTMLResponse(text, status_code=status)

    def redirect(self, url: str):
        return self.responses.RedirectResponse(url, status_code=303)

    def message(self, request, heading: str, message: str, status: int, **extra):
        values = dict(self.desk.chrome(request, heading), heading=heading, message=message, **extra)
        return self.html(pages.render("desk_message.html", **values), status)

    # --- articles and editions ---------------------------------------------------------------

    async def articles(self, request):
        chrome = self.desk.chrome(request, "Articles")

        def page():
            return pages.render("desk_articles.html", rows=self.ws.overview(), langs=self.ws.options.languages,
                                **chrome)

        return self.html(await self.desk.run(page))

    async def edition(self, request):
        slug, key = request.path_params["slug"], request.path_params["key"]

        def page():
            view = edition_view(self.ws, slug, key)
            chrome = self.desk.chrome(request, f"{view.title} — {view.lang.english_name}")
            fragments = [self.desk.sentence_html(view, sentence) for sentence in view.sentences]
            return pages.render("desk_edition.html", view=view, fragments=fragments, **chrome)

        return self.html(await self.desk.run(page))

    async def save(self, request):
        slug, key, number = (request.path_params[name] for name in ("slug", "key", "number"))
        form = await request.form()
        text, version, english = (str(form.get(name, "")) for name in ("text", "version", "english"))
        translator = self.desk.translator(request)
        wants_json = "application/json" in request.headers.get("accept", "")

        def work():
            saved = self.ws.save(slug, key, number, text, version, english, translator)
            view = edition_view(self.ws, slug, key, only=number)
            csrf = self.desk.guard.csrf
            if saved.outcome == "conflict":
                fragment = pages.macro("desk_macros.html", "conflict")(number, view, saved, csrf, english)
            elif saved.outcome == "saved":
                fragment = self.desk.sentence_html(view, view.sentences[0])
            else:
                fragment = ""
            return saved, view, str(fragment)

        saved, view, fragment = await self.desk.run(work)
        status = {"saved": 200, "conflict": 409}.get(saved.outcome, 400)
        if wants_json:
            return self.responses.JSONResponse(
                {"outcome": saved.outcome, "html": fragment, "message": saved.message, "warnings": saved.warnings,
                 "status": view.row.label, "number": number}, status_code=status)
        if saved.outcome == "saved":
            return self.redirect(f"/articles/{quote(slug)}/{key}#s-{number}")
        if saved.outcome == "conflict":
            values = dict(self.desk.chrome(request, "Not saved: a conflict"), heading="Not saved: a conflict",
                          message="Someone else saved this sentence meanwhile.", back="", lang=view.lang)
            page = pages.render("desk_message.html", **values).replace("</main>", fragment + "</main>", 1)
            return self.html(page, status)
        return self.message(request, "Not saved", saved.message, status, kept=saved.text, lang=view.lang,
                            back=f"/articles/{quote(slug)}/{key}#s-{number}")

    # --- publishing -----------------------------------------------------------------------------

    async def publish(self, request):
        slug = request.path_params["slug"]
        referer = request.headers.get("referer", "")
        job = await self.desk.run(self.desk.publisher.start, slug, _local_path(referer))
        return self.redirect(f"/jobs/{job.id}")

    async def job(self, request):
        job = self.desk.publisher.jobs.get(request.path_params["job"])
        if job is None:
            raise NotFound("no such publish run (the desk keeps them until it stops)")
        chrome = self.desk.chrome(request, f"Publishing {job.slug}")
        return self.html(pages.render("desk_job.html", job=job, **chrome))

    # --- glossaries -----------------------------------------------------------------------------

    async def glossaries(self, request):
        chrome = self.desk.chrome(request, "Glossaries", "glossary")

        def page():
            files = [desk_glossary.current(self.ws, lang.key) for lang in self.ws.options.languages]
            return pages.render("desk_glossaries.html", files=files, file=None, **chrome)

        return self.html(await self.desk.run(page))

    async def glossary(self, request, message: str = ""):
        key = request.path_params["key"]
        chrome = self.desk.chrome(request, "Glossary", "glossary")

        def page():
            return pages.render("desk_glossaries.html", file=desk_glossary.current(self.ws, key), message=message,
                                **chrome)

        return self.html(await self.desk.run(page))

    async def term(self, request):
        key, term = request.path_params["key"], request.query_params.get("term", "")
        chrome = self.desk.chrome(request, "Edit a term", "glossary")

        def page():
            file = desk_glossary.current(self.ws, key)
            columns = [("source", "English term (source)", False), ("target", f"{file.lang.english_name} term "
                        "(target)", True), ("forms", "Other accepted forms", True),
                       ("flag", "Forms to flag in review", True), ("not", "English phrases that are not the term",
                                                                   False), ("note", "Note", False)]
            return pages.render("desk_glossary_term.html", file=file, term=term, cells=desk_glossary.term_cells(
                self.ws, key, term), columns=columns, **chrome)

        return self.html(await self.desk.run(page))

    async def glossary_preview(self, request):
        key = request.path_params["key"]
        form = await request.form()
        base = str(form.get("base", ""))
        upload = form.get("file")
        data = await upload.read() if hasattr(upload, "read") else b""
        accepted = set(map(str, form.getlist("accept"))) if form.get("again") else None
        chrome = self.desk.chrome(request, "Glossary changes", "glossary")

        def page():
            new = data or str(form.get("csv", "")).encode("utf-8")
            if form.get("edit"):
                cells = None if form.get("edit") == "remove" else {
                    column: str(form.get(f"cell-{column}", "")) for column in gl.COLUMNS}
                new = desk_glossary.edited_file(self.ws, key, str(form.get("term", "")), cells)
            if not new.strip():
                raise UserError("no glossary given: choose a file, paste one, or edit a term")
            found = desk_glossary.preview(self.ws, key, base, new, accepted)
            return pages.render("desk_glossary_preview.html", preview=found, **chrome)

        return self.html(await self.desk.run(page))

    async def glossary_save(self, request):
        key = request.path_params["key"]
        form = await request.form()
        new = str(form.get("csv", "")).replace("\r\n", "\n").encode("utf-8")
        accepted = set(map(str, form.getlist("accept")))
        done = await self.desk.run(desk_glossary.save, self.ws, key, str(form.get("base", "")), new, accepted)
        return await self.glossary(request, message=done)

    # --- who approves -----------------------------------------------------------------------------

    async def name(self, request):
        form = await request.form()
        name = " ".join(str(form.get("name", "")).split())[:100]
        response = self.redirect(_local_path(str(form.get("back", ""))) or "/")
        response.set_cookie(f"{self.desk.guard.cookie}-name", quote(name), httponly=True, samesite="strict",
                            max_age=None if name else 0)
        return response

    # --- files ----------------------------------------------------------------------------------

    async def published(self, request):
        path = published_file(self.ws.options.output_dir, request.path_params["path"])
        if path is None:
            raise NotFound("no such published file")
        return self.responses.FileResponse(path, media_type=PUBLISHED_TYPES.get(path.suffix.lower(), "text/plain"))

    async def asset(self, request):
        name = request.path_params["name"]
        if name not in ASSETS:
            raise NotFound("no such asset")
        data = importlib_resources.files("translate").joinpath("templates", name).read_bytes()
        return self.responses.Response(data, media_type=ASSETS[name], headers=REVALIDATE)

    async def no_icon(self, request):
        return self.responses.Response(b"", status_code=204)

    async def fonts_css(self, request):
        _, css = await self.desk.fonts_ready()
        return self.responses.Response(css, media_type="text/css; charset=utf-8", headers=REVALIDATE)

    async def font(self, request):
        fonts, _ = await self.desk.fonts_ready()
        data = fonts.get(request.path_params["name"])
        if data is None:
            raise NotFound("no such font")
        # the name carries a hash of the content: it never changes
        return self.responses.Response(data, media_type="font/woff2",
                                       headers={"Cache-Control": "private, max-age=31536000, immutable"})

    # --- errors ---------------------------------------------------------------------------------

    async def not_found(self, request, err):
        message = str(err) if isinstance(err, NotFound) else "There is no such page on the desk."
        return self.message(request, "Not found", message, 404, back="/")

    async def not_allowed(self, request, err):
        return self.message(request, "Not allowed", "This address does not take that request.", 405, back="/")

    async def user_error(self, request, err):
        return self.message(request, "Cannot do that", err.one_line(), 400, back=_local_path(
            request.headers.get("referer", "")) or "/")

    async def too_large(self, request, err):
        return self.message(request, "Too large", "The request is over the desk's limit.", 413, back="/")

    async def crashed(self, request, err):
        self.ws.warn("".join(traceback.format_exception(err)).rstrip())
        return self.message(request, "Something went wrong", f"{type(err).__name__}: {err} (the terminal that "
                            "runs translate desk shows the details)", 500, back="/")


def _local_path(url: str) -> str:
    """The path of a desk address (a Referer, a form's "back"): never another site."""
    if "://" in url:
        url = "/" + url.split("://", 1)[1].partition("/")[2]
    if not url.startswith("/") or url.startswith("//"):
        return ""
    return url


def published_file(output_dir: Path, rel: str) -> Path | None:
    """The published file ``rel`` under ``output_dir``, or None: nothing
    outside it (no "..", no link that leads out), nothing of output/.work/
    or another hidden folder, and only the kinds a published folder holds."""
    root = Path(output_dir).resolve()
    try:
        target = (root / rel).resolve(strict=True)
        inside = target.relative_to(root)
    except (OSError, ValueError, RuntimeError):
        return None
    if any(part.startswith(".") for part in inside.parts) or not target.is_file():
        return None
    if target.suffix.lower() not in PUBLISHED_TYPES:
        return None
    return target
