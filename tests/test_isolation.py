"""Isolation (issue 7): nothing in an article reaches the network or a local
file, a model archive cannot write outside the models folder, and the
Markdown reader/writer and the glossary parser survive arbitrary input
without crashing or losing text (property-based, hypothesis)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import stat
import unicodedata
import uuid
import warnings
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import regexspy
from localserver import QuietHandler, serving
from translate.translation import glossary as gl
from translate.translation.models.argos import ArgosStore
from translate.translation.models.archive import ArchiveError, safe_extract
from translate.cli.main import cli
from translate.source.markdown_reader import (
    CONTROLS, HIDDEN_ELEMENTS, SourceError, parser, read_markdown, split_front_matter,
)
from translate.publishing.render.markdown import write_markdown
from translate.translation.models.multilingual import MultilingualStore

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c4890000000d49444154789c6360f8cf"
    "c0f01f0005000201d3b5a3f00000000049454e44ae426082")


# --- rendering reaches nothing outside the package's assets ----------------------------


class Canary(QuietHandler):
    requests: list[str] = []

    def do_GET(self):
        Canary.requests.append(self.path)
        body = PNG_1PX if self.path.endswith(".png") else b"body { color: red }"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)



@pytest.fixture(scope="module")
def canary():
    Canary.requests = []
    with serving(Canary) as base:
        yield base


def hostile_article(base: str, secret: Path, picture: Path) -> str:
    """Every way we know for an article to point at a URL or a local file."""
    s, p = secret.as_uri(), picture.as_uri()
    return f"""---
title: Nothing is fetched <img src="{base}/title.png">
slug: isolation
author: <img src="{base}/author.png">
---
An image ![a chart]({base}/chart.png "chart") and a local one ![a photo]({p}), a relative one
![relative](../{picture.parent.name}/{picture.name}) and an absolute one ![absolute]({picture}).
A link [to the report]({base}/report.html), an autolink <{base}/auto.html>, a [local file]({s}).
Inline HTML <img src="{base}/inline.png"> <img src="{p}"> <span style="background: url({base}/span.png)">x</span>
<img src="file:///etc/passwd"> <img src="{s}">.

![reference image][chart]

[chart]: {base}/reference.png

<link rel="stylesheet" href="{base}/style.css">
<link rel="attachment" href="{s}">
<link rel="attachment" href="{base}/attachment.bin">
<base href="{base}/">
<style>@import url("{base}/import.css"); body {{ background: url("{base}/bg.png"); }}
@font-face {{ font-family: X; src: url("{base}/font.ttf"); }} p {{ background: url("{p}"); }}</style>
<script src="{base}/script.js"></script>
<iframe src="{base}/frame.html"></iframe>
<iframe src="file:///etc/passwd"></iframe>
<object data="{base}/object.svg"></object><object data="{s}"></object><embed src="{base}/embed.svg">
<video poster="{base}/poster.png" src="{base}/video.mp4"></video><audio src="{base}/audio.mp3"></audio>
<svg><image href="{base}/svg.png" width="10" height="10"/></svg>
<img srcset="{base}/srcset.png 2x">

    code that mentions {base}/code.png and {s}
"""


@pytest.fixture(scope="module")
def isolated_publish(tmp_path_factory, canary, ru_argos_package, multilingual_model_factory):
    """A full publish (md, html, pdf; Russian through Argos, Dari through a
    multilingual model) of an article that references the canary and local files."""
    root = tmp_path_factory.mktemp("isolation")
    models, multilingual = root / "models", root / "multilingual"
    ArgosStore(models).add(ru_argos_package)
    MultilingualStore(multilingual).add(multilingual_model_factory(family="nllb"))
    private = root / "private"
    private.mkdir()
    token = f"SECRET-{uuid.uuid4().hex}"
    secret = private / "secret.txt"
    secret.write_text(f"{token}\n")
    picture = private / "photo.png"
    picture.write_bytes(PNG_1PX[:-12] + token.encode()[:8] + PNG_1PX[-12:])  # a PNG carrying a marker
    source = root / "src" / "isolation.md"
    source.parent.mkdir()
    source.write_text(hostile_article(canary, secret, picture), encoding="utf-8")
    out = root / "out"
    result = CliRunner().invoke(cli, ["publish", str(source), "--to", "ru,prs", "--format", "md,html,pdf",
                                      "--models-dir", str(models), "--multilingual-dir", str(multilingual),
                                      "--output", str(out), "--no-cache", "--locales", str(root / "locales")])
    assert result.exit_code == 0, result.output
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert len([f for f in files if f.endswith(".pdf")]) == 3
    return files, token, picture


def test_the_canary_hears_nothing(isolated_publish, canary):
    # The publish has returned, so any connection it made is either accepted
    # (counted) or still waiting in the listen queue: both count.
    assert canary.connections_made() == 0
    assert Canary.requests == []


def test_no_local_file_reaches_any_output(isolated_publish):
    from pypdf import PdfReader

    files, token, picture = isolated_publish
    passwd = Path("/etc/passwd").read_text().splitlines()[0] if Path("/etc/passwd").exists() else "root:x:0:0"
    for name, data in files.items():
        assert token.encode() not in data, name
        assert passwd.encode() not in data, name
        assert picture.read_bytes() not in data, name
        if name.endswith(".pdf"):
            reader = PdfReader(io.BytesIO(data))
            assert "/Names" not in reader.trailer["/Root"], f"{name} embeds files"
            for page in reader.pages:
                assert token not in page.extract_text()
                xobjects = page["/Resources"].get("/XObject", {})
                assert not [x for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"], name
        if name.endswith(".html"):
            html = data.decode()
            for attr in re.findall(r'\b(?:src|srcset|poster|data|background)\s*=\s*"([^"]*)"', html):
                pytest.fail(f"{name} loads {attr}")
            assert not re.search(r"url\(\s*['\"]?(?:https?|file):", html.split("</style>")[-1]), name
            assert not re.search(r'<link\b[^>]*\bhref="(?:https?|file):', html), name
            assert not re.search(r"<base\b|http-equiv", html), name


# --- model archives stay inside the models folder -----------------------------------------


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def _package_entries(package: Path):
    with zipfile.ZipFile(package) as zf:
        return [(info, zf.read(info)) for info in zf.infolist()]


def _symlink(name: str, target: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


ESCAPES = {
    "dot-dot": lambda top, out: [(f"../../{out.name}/dotdot.txt", b"x")],
    "dot-dot inside the tree": lambda top, out: [(f"{top}/model/../../../{out.name}/deep.txt", b"x")],
    "absolute": lambda top, out: [(f"{out}/absolute.txt", b"x")],
    "backslashes": lambda top, out: [(f"{top}\\..\\..\\{out.name}\\back.txt", b"x")],
    "drive letter": lambda top, out: [("C:/Windows/evil.txt", b"x")],
    "link then a file through it": lambda top, out: [(_symlink(f"{top}/link", str(out)), str(out).encode()),
                                                     (f"{top}/link/through.txt", b"x")],
    "link to a file": lambda top, out: [(_symlink(f"{top}/model/model.bin.link", "/etc/passwd"), b"/etc/passwd")],
}


@pytest.mark.parametrize("store", ["argos", "multilingual"])
@pytest.mark.parametrize("escape", list(ESCAPES))
def test_model_archives_cannot_write_outside_the_models_folder(tmp_path, ru_argos_package, nllb_zip, store, escape):
    outside = tmp_path / "outside"
    outside.mkdir()
    models = tmp_path / "sandbox" / "models"
    models.parent.mkdir()
    base = ru_argos_package if store == "argos" else nllb_zip
    entries = _package_entries(base)
    top = entries[0][0].filename.split("/")[0]
    bad = tmp_path / ("bad.argosmodel" if store == "argos" else "bad.zip")
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in [*entries, *ESCAPES[escape](top, outside)]:
            zf.writestr(info, data)
    before = _tree(tmp_path)
    option = "--models-dir" if store == "argos" else "--multilingual-dir"
    result = CliRunner().invoke(cli, ["models", "add", str(bad), option, str(models)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    error = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and "bad." in error[0] and "refused" in error[0], result.output
    created = _tree(tmp_path) - before
    assert all(path.startswith("sandbox/models") for path in created), created
    assert not [p for p in created if not p.rstrip("/").endswith("models")], f"something was left: {created}"
    assert list(outside.iterdir()) == []


@pytest.fixture(scope="module")
def nllb_zip(tmp_path_factory, multilingual_model_factory) -> Path:
    folder = multilingual_model_factory(family="nllb")
    path = tmp_path_factory.mktemp("nllb-zip") / "nllb-tiny.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(folder.rglob("*")):
            zf.write(file, f"nllb-tiny/{file.relative_to(folder).as_posix()}")
    return path


NAME_PART = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(names=st.lists(st.lists(st.one_of(NAME_PART, st.sampled_from(["..", ".", "", "/", "\\", "C:", "~"])),
                               min_size=1, max_size=5).map("/".join), min_size=1, max_size=6))
def test_any_entry_names_stay_inside(tmp_path_factory, names):
    """Whatever the names in an archive, extraction writes inside its folder or nothing."""
    sandbox = tmp_path_factory.mktemp("names")
    archive = sandbox / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": duplicates are one of the cases
        for name in names:
            try:
                zf.writestr(name, b"x")
            except Exception:  # noqa: BLE001 - names zipfile itself cannot store are not our case
                pass
    dest = sandbox / "inside" / "dest"
    (sandbox / "inside").mkdir()
    before = _tree(sandbox)
    try:
        safe_extract(archive, dest, max_total_bytes=1 << 20, max_files=50, single_root=False)
    except (ArchiveError, FileExistsError):
        assert not dest.exists()
    created = _tree(sandbox) - before
    assert all(path == "inside/dest" or path.startswith("inside/dest/") for path in created), created
    shutil.rmtree(sandbox)


# --- the Markdown reader and writer on arbitrary input -------------------------------------

FRAGMENTS = ["*", "**", "_", "`", "```", "~~", "[", "](", ")", "<", ">", "#", "- ", "1. ", "1) ", "+ ", "> ",
             "\n", "\n\n", "    ", "\t", "  \n", "\\", "!", "|", "---", "***", "&amp;", "&#1234;", "<b>", "</b>",
             "<!-- c -->", "<div>", "\n   - ", "\n> - ", '[a](http://x "t")', "![i](p.png)", "<http://x>", "\\*",
             "\u202e", "\u2066", "\x1b[2J", "\x07", "\u200c", "\u200b", "Mr. ", "e.g. ", "! ", "? ", ". "]
MARKDOWN = st.lists(st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
                              st.sampled_from(FRAGMENTS)), max_size=40).map("".join)


def _markdown_it_text(body: str) -> Counter:
    """Every character markdown-it shows of a body (text, code, alt text), but
    raw HTML and the text of <script>-like elements, which no edition carries
    (issue 13)."""
    out: list[str] = []
    hidden = None

    def inline(children):
        nonlocal hidden
        for token in children:
            if token.type == "html_inline":
                tag = re.match(r"<(/?)([A-Za-z][A-Za-z0-9-]*)", token.content)
                name = tag.group(2).lower() if tag else ""
                if hidden is None and tag and not tag.group(1) and name in HIDDEN_ELEMENTS \
                        and not token.content.rstrip().endswith("/>"):
                    hidden = name
                elif hidden is not None and tag and tag.group(1) and name == hidden:
                    hidden = None
            elif hidden is not None:
                continue
            elif token.type in ("text", "code_inline", "text_special"):
                out.append(token.content)
            elif token.type == "image":
                inline(token.children or [])

    for token in parser().parse(body):
        if token.type == "inline":
            hidden = None
            inline(token.children or [])
        elif token.type in ("fence", "code_block"):
            out.append(token.content)
    return Counter(c for c in "".join(out) if not c.isspace())


def _document_text(doc) -> Counter:
    out = [doc.title.text]

    def blocks(items):
        for block in items:
            for segment in block.segments:
                out.append(segment.text)
                out.extend(m.attrs.get("text", "") for m in segment.marks if m.kind == "url")
            if block.kind in ("code", "html"):
                out.append(block.attrs.get("literal", ""))
            blocks(block.children)

    blocks(doc.blocks)
    return Counter(c for c in "".join(out) if not c.isspace())


@settings(max_examples=400, deadline=None)
@given(MARKDOWN)
# Each of these lost or changed text before the fix noted (docs/reliability.md).
@example("` 0`")            # a code span that starts with a space vanished (reader)
@example("```\n0")         # an unclosed fence at the end gained "```" (writer)
@example("_[0]()_")        # emphasis and link over the same text crossed (writer)
@example("*0 <A>*x")       # emphasis ending in a space became literal asterisks (writer)
@example("\\![0]()")       # "!" before a link turned it into an image (writer)
@example("0  \n0\n=")      # a setext heading with a line break lost the break (writer)
@example("*<!A>0*")        # raw HTML first in a paragraph began an HTML block (writer)
@example("*w*. " * 300)    # many sentences with marks: the splitter was quadratic
def test_markdown_round_trip_loses_no_text(body):
    text = "---\ntitle: T\n---\n" + body
    try:
        doc = read_markdown(text)
    except SourceError as err:
        assert "\n" not in str(err)
        return
    clean_body = split_front_matter(CONTROLS.sub("", text))[1]
    # reading keeps every character markdown-it shows (control characters aside)
    assert _document_text(doc) - Counter("T") == _markdown_it_text(clean_body)
    written = write_markdown(doc)
    again = read_markdown(written)
    # writing then reading loses nothing (markup may at worst show as text)
    assert not _document_text(doc) - _document_text(again), written
    if "<" not in body and "\\" not in body and "*" not in body and "_" not in body:
        assert _document_text(again) == _document_text(doc)


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_any_front_matter_is_read_or_refused_in_one_line(front):
    try:
        read_markdown(f"---\n{front}\n---\nBody text.\n", slug="s")
    except SourceError as err:
        assert "\n" not in str(err)


# --- the glossary parser on arbitrary input ---------------------------------------------------

LINE = re.compile(r"^g\.csv:(\d+): \S")


def _lines(data: bytes) -> int:
    """Lines as the csv module counts them (\\r, \\n and \\r\\n end a line)."""
    return len(io.StringIO(data.decode("utf-8", errors="replace"), newline="").readlines())


def _assert_one_line_problems(err: gl.GlossaryError, lines: int) -> None:
    for problem in err.problems:
        match = LINE.match(problem)
        assert match and "\n" not in problem, problem
        assert 1 <= int(match.group(1)) <= lines + 1, problem


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_glossary_bytes_never_crash(data):
    try:
        gl.parse(data, "g.csv", lang="ru")
    except gl.GlossaryError as err:
        _assert_one_line_problems(err, _lines(data))


CELL = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
                 st.sampled_from(["Taliban", "Талибан", "Талибан{а|у}", "Russia; Russian", "{a|b}", "=1+1",
                                  "...", "", " ", "\u202e", "\x1b", "ИГИЛ-К", "ISIS-K", '"quoted"', "a,b", "x\ny"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(CELL, CELL, CELL, CELL, CELL), max_size=8))
def test_glossary_rows_are_all_kept_or_refused(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source", "target", "forms", "flag", "note"])
    writer.writerows(rows)
    data = buffer.getvalue().encode()
    with pytest.MonkeyPatch.context() as spies:
        patterns = regexspy.compiled_by(spies, "translate.translation.glossary")
        try:
            glossary = gl.parse(data, "g.csv", lang="ru")
        except gl.GlossaryError as err:
            _assert_one_line_problems(err, _lines(data))
            return
        # no term is lost: every data row (not blank, not a comment) is an entry
        kept = [row for row in rows if any(c.strip() for c in row) and not row[0].lstrip().startswith("#")]
        assert len(glossary.entries) == len(kept)
        for entry, row in zip(glossary.entries, kept):
            assert entry.target == " ".join(unicodedata.normalize("NFC", row[1]).split())
            # and matching any text with it never fails
            glossary.find_source(row[0] * 3 + " " + "a" * 2000)
            glossary.find_target(row[1] + " " + "а" * 2000)
    # and is quick whatever the text: what a cell holds reaches the regex
    # engine as literal text, so no pattern has a repeated group or a
    # backreference, what makes matching time explode (a deterministic
    # check, where a stopwatch would flake under load)
    assert patterns or not glossary.entries
    assert {p: risks for p, f in patterns if (risks := regexspy.backtracking_risks(p, f))} == {}

@pytest.mark.parametrize("pattern, risky", [
    (r"(?<!\w)(?:\(a\+\)\+\$\s+aaaa)(?!\w)", False),   # a term with regex syntax, escaped
    (r"(?<!\w)(?:Talibans|Taliban)(?!\w)", False),
    (r"(a+)+$", True), (r"(?:ab|a)*c", True), (r"(\w)\1", True), (r"(?>x|y)+", True),
])
def test_the_regex_shape_check_sees_what_backtracks(pattern, risky):
    assert bool(regexspy.backtracking_risks(pattern)) == risky
