"""A Hugging Face Hub on 127.0.0.1: the part of its HTTP API that
huggingface_hub (0.3x) uses to download a model, read from its
hf_api.model_info, file_download.get_hf_file_metadata / http_get and
utils/_http.hf_raise_for_status:

* ``GET /api/models/{repo}/revision/{rev}`` (``?blobs=True`` adds sizes):
  JSON with ``id``, ``sha`` (the commit), ``siblings`` (``rfilename``,
  ``size``), ``cardData`` (the model card's header: ``license``), ``gated``.
* ``HEAD /{repo}/resolve/{rev}/{file}``: ``X-Repo-Commit``, ``ETag`` and
  ``Content-Length`` for a small file; for a large (LFS) file a 302 to a
  "CDN" URL with ``X-Linked-Etag`` (its SHA-256) and ``X-Linked-Size``, as
  the Hub does.
* ``GET`` of either, with ``Range: bytes=N-`` answered by 206 (resuming).
* Refusals as the Hub sends them: 401 + ``X-Error-Code: GatedRepo`` for a
  gated model's files, 401 + ``RepoNotFound`` for an unknown repository,
  404 + ``RevisionNotFound`` / ``EntryNotFound``.

A file can be made to break off: its first GET sends the full
Content-Length but only part of the body and closes the connection.
"""

from __future__ import annotations

import hashlib
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

from localserver import QuietHandler, ServerURL, serving

_LFS_MIN = 10_000  # files at least this large are served like LFS files (redirect to the "CDN")


@dataclass
class HubRepo:
    repo_id: str
    files: dict[str, bytes]
    commit: str = ""
    card_data: dict = field(default_factory=dict)
    gated: int = 0   # 401 or 403: the status a gated model's files are refused with
    branches: tuple[str, ...] = ("main",)
    # file name -> bytes sent before the connection is cut, on the first GET only
    break_off: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        if not self.commit:
            digest = hashlib.sha1()
            for name in sorted(self.files):
                digest.update(name.encode() + hashlib.sha1(self.files[name]).digest())
            self.commit = digest.hexdigest()

    @classmethod
    def from_folder(cls, repo_id: str, folder: Path, **kwargs) -> "HubRepo":
        files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
        return cls(repo_id, files, **kwargs)


@dataclass
class HubLog:
    """What clients asked for: (method, path, Range header or None)."""

    requests: list[tuple[str, str, str | None]] = field(default_factory=list)

    def gets(self, suffix: str) -> list[str | None]:
        """The Range headers of the GETs of paths ending in ``suffix``."""
        return [rng for method, path, rng in self.requests if method == "GET" and path.endswith(suffix)]

    def paths(self, method: str = "GET") -> list[str]:
        return [path for m, path, _ in self.requests if m == method]


@contextmanager
def serve_hub(*repos: HubRepo) -> Iterator[tuple[ServerURL, HubLog]]:
    by_id = {repo.repo_id: repo for repo in repos}
    blobs = {hashlib.sha256(body).hexdigest(): (repo, name)
             for repo in repos for name, body in repo.files.items()}
    log = HubLog()
    broken_once: set[tuple[str, str]] = set()

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_HEAD(self):
            self._route(head=True)

        def do_GET(self):
            self._route(head=False)

        # --- routing --------------------------------------------------------------
        def _route(self, head: bool):
            path = unquote(urlsplit(self.path).path)
            log.requests.append(("HEAD" if head else "GET", path, self.headers.get("Range")))
            api = re.fullmatch(r"/api/models/([^/]+/[^/]+)(?:/revision/(.+))?", path)
            if api:
                return self._model_info(api.group(1), api.group(2) or "main")
            cdn = re.fullmatch(r"/cdn/([0-9a-f]{64})", path)
            if cdn and cdn.group(1) in blobs:
                repo, name = blobs[cdn.group(1)]
                return self._file(repo, name, head)
            resolve = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
            if not resolve:
                return self._error(404, "EntryNotFound", "no such route")
            repo = by_id.get(resolve.group(1))
            if repo is None:
                return self._error(401, "RepoNotFound", "Repository not found")
            if resolve.group(2) not in (repo.commit, *repo.branches):
                return self._error(404, "RevisionNotFound", "Invalid rev id")
            if repo.gated == 401:   # no token: what the Hub says to anonymous clients
                return self._error(401, "GatedRepo", "Access to model is restricted: you must accept its conditions")
            if repo.gated:           # a token of an account that has not accepted the licence
                return self._error(repo.gated, "", "Access to model is restricted")
            name = resolve.group(3)
            if name not in repo.files:
                return self._error(404, "EntryNotFound", "Entry not found", repo.commit)
            body = repo.files[name]
            if len(body) >= _LFS_MIN:   # LFS: redirect to the CDN, as the Hub does
                sha256 = hashlib.sha256(body).hexdigest()
                self.send_response(302)
                self.send_header("Location", f"http://{self.headers['Host']}/cdn/{sha256}")
                self.send_header("X-Repo-Commit", repo.commit)
                self.send_header("X-Linked-Etag", f'"{sha256}"')
                self.send_header("X-Linked-Size", str(len(body)))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._file(repo, name, head)

        def _model_info(self, repo_id: str, revision: str):
            repo = by_id.get(repo_id)
            if repo is None:
                return self._error(401, "RepoNotFound", "Repository not found")
            if revision not in (repo.commit, *repo.branches):
                return self._error(404, "RevisionNotFound", "Invalid rev id")
            data = {
                "id": repo.repo_id, "modelId": repo.repo_id, "sha": repo.commit, "private": False,
                "gated": "manual" if repo.gated else False, "cardData": repo.card_data,
                "tags": [f"license:{repo.card_data['license']}"] if "license" in repo.card_data else [],
                "siblings": [{"rfilename": name, "size": len(body)} for name, body in sorted(repo.files.items())],
            }
            self._send(200, json.dumps(data).encode(), {"Content-Type": "application/json"}, head=False)

        def _file(self, repo: HubRepo, name: str, head: bool):
            body = repo.files[name]
            etag = hashlib.sha256(body).hexdigest() if len(body) >= _LFS_MIN else hashlib.sha1(body).hexdigest()
            headers = {"X-Repo-Commit": repo.commit, "ETag": f'"{etag}"', "Accept-Ranges": "bytes"}
            start = 0
            match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
            if match and not head:
                start = int(match.group(1))
                headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
            status = 206 if start else 200
            cut = repo.break_off.get(name)
            if not head and cut is not None and (repo.repo_id, name) not in broken_once:
                broken_once.add((repo.repo_id, name))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body) - start))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body[start:start + cut])
                self.wfile.flush()
                self.close_connection = True
                return
            self._send(status, body[start:], headers, head)

        # --- responses ---------------------------------------------------------------
        def _send(self, status: int, body: bytes, headers: dict, head: bool):
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _error(self, status: int, code: str, message: str, commit: str | None = None):
            headers = {"X-Error-Message": message, "Content-Type": "application/json"}
            if code:
                headers["X-Error-Code"] = code
            if commit:
                headers["X-Repo-Commit"] = commit
            self._send(status, json.dumps({"error": message}).encode(), headers,
                       head=self.command == "HEAD")

    with serving(Handler) as url:
        yield url, log
