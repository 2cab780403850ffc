"""Structure parity: each format of an edition holds what the English article
holds, each once: the same sequence of landmark blocks, every link target,
published image, footnote (its reference, its note and the way back) and
table cell, and every code span verbatim.

A link the reader dropped on purpose (javascript:, data:, vbscript:, file:)
is not in the source Document, so it must be in no edition either: an
edition that holds such a link fails too.

The Markdown is read back with the Markdown reader; the HTML page through
translate.publishing.checks.htmlpage; the PDF through its link annotations,
its structure tags and its text (translate.publishing.checks.pdfpages).
"""

from __future__ import annotations

from collections import Counter

from translate.publishing.checks import inventory
from translate.publishing.checks.inventory import Inventory
from translate.publishing.checks.subject import Finding, Subject
from translate.source.markdown_reader import SourceError, read_markdown
from translate.util.untrusted import display, safe_link

NAME = "structure"

_PDF_TAGS = {"H2": "heading", "H3": "heading", "H4": "heading", "H5": "heading", "H6": "heading",
             "Table": "table", "TR": "table_row", "TH": "table_cell", "TD": "table_cell",
             "BlockQuote": "quote", "L": "list", "LI": "list_item"}


def check(subject: Subject) -> list[Finding]:
    if subject.source is None:
        return []
    want = inventory.of_document(subject.source)
    findings: list[Finding] = []
    if subject.data("md") is not None:
        findings += _markdown(subject, want)
    if subject.page is not None:
        name = subject.name("html")
        lines = subject.page.lines
        findings += compare(want, subject.page.inventory, lambda what, value: f"{name}:{lines.get((what, value), 1)}")
    if subject.pdf is not None:
        findings += _pdf(subject, want)
    return findings


def _markdown(subject: Subject, want: Inventory) -> list[Finding]:
    name = subject.name("md")
    text = subject.data("md").decode("utf-8", errors="replace")
    try:
        got = inventory.of_document(read_markdown(text, sentences=False))   # structure only: no sentence splitter
    except SourceError as err:
        return [Finding(NAME, f"{name}:{err.line or 1}", f"cannot be read back: {err}")]

    def place(what, value):
        index = text.find(str(value)) if what in ("link", "image", "code") else -1
        return f"{name}:{text.count(chr(10), 0, index) + 1}" if index >= 0 else name

    return compare(want, got, place)


def _pdf(subject: Subject, want: Inventory) -> list[Finding]:
    pdf = subject.pdf
    name = subject.name("pdf")
    original = subject.page.original if subject.page is not None else ""
    got = Inventory()
    pages: dict[tuple[str, object], int] = {}
    for number, target in pdf.links:
        if target.startswith("#fn-") and target[4:].isdigit():
            got.refs.append(int(target[4:]))
        elif target.startswith("#fnref-"):
            got.backlinks.append(int(target[7:].split("-")[0] or 0))
        elif target != original and not target.startswith("#"):
            got.links[target] += 1
            pages.setdefault(("link", target), number)
    # A list or table that a page break splits is two structure elements, and
    # a table's header row is repeated on the next page: in the PDF the
    # headings must be the source's, and each list item and table cell of the
    # source must be there (as many or more).
    tags = pdf.tags
    got.blocks = [_PDF_TAGS[tag] for tag in tags if _PDF_TAGS.get(tag) == "heading"]
    items = sum(1 for tag in tags if _PDF_TAGS.get(tag) == "list_item")
    cells = sum(1 for tag in tags if _PDF_TAGS.get(tag) == "table_cell")
    want_items = sum(1 for kind in want.pdf_blocks() if kind == "list_item")
    got.cells = want.cells if cells >= sum(want.cells) else [cells]
    if items < want_items:
        got.blocks.append(f"{items} list items (the source has {want_items})")
    # A code span's letters and digits, in order: on a right-to-left page
    # pdftotext moves a left-to-right line's trailing brackets and quotes to
    # its other end (`"]route = ["Termez", "Kabul`), so punctuation is not compared.
    text = _alnum(pdf.text("pdftotext") or "\n".join(pdf.page_texts))
    got.code = Counter({code: count for code, count in want.code.items() if _alnum(code) in text})
    # images are Figure elements; a note is the named destination its reference goes to
    figures = tags.count("Figure")
    got.images = Counter(want.images) if figures >= sum(want.images.values()) else Counter()
    got.notes = [n for n in want.notes if f"fn-{n}" in pdf.destinations]
    want_pdf = Inventory([kind for kind in want.pdf_blocks() if kind == "heading"], want.links, want.images, want.refs, want.notes,
                         want.backlinks, want.cells, want.code)
    return compare(want_pdf, got, lambda what, value: f"{name} page {pages.get((what, value), 1)}")


def _alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def compare(want: Inventory, got: Inventory, place) -> list[Finding]:
    """What ``got`` lacks, has twice or has that ``want`` has not; ``place(what,
    value)`` says where in the file ("link", href; "block", index; ...)."""
    out: list[Finding] = []
    if want.blocks != got.blocks:
        at = next((i for i, (a, b) in enumerate(zip(want.blocks, got.blocks)) if a != b),
                  min(len(want.blocks), len(got.blocks)))
        has = got.blocks[at] if at < len(got.blocks) else "nothing"
        expected = want.blocks[at] if at < len(want.blocks) else "nothing"
        out.append(Finding(NAME, place("block", at),
                           f"blocks differ from the source's at the {_ordinal(at + 1)} ({has} where the source has "
                           f"{expected}; {len(got.blocks)} blocks, the source {len(want.blocks)})"))
    out += _counted("link to", want.links, got.links, place, "link")
    out += _counted("image", want.images, got.images, place, "image")
    out += _counted("code", want.code, got.code, place, "code")
    for href in got.links:
        if safe_link(href) is None:
            out.append(Finding(NAME, place("link", href), f"a link to {display(href, 60)!r} is published: "
                                                          "only http(s), mailto and relative links may be"))
    for what, a, b in (("footnote references", want.refs, got.refs), ("footnotes", want.notes, got.notes),
                       ("footnote back links", want.backlinks, got.backlinks)):
        if a != b:
            out.append(Finding(NAME, place("ref", (set(a) ^ set(b) or {0}).pop()),
                               f"{what} {_numbers(b)}, the source has {_numbers(a)}"))
    if want.cells != got.cells:
        row = next((i for i, (a, b) in enumerate(zip(want.cells, got.cells)) if a != b),
                   min(len(want.cells), len(got.cells)))
        out.append(Finding(NAME, place("row", row), f"table cells per row {got.cells}, the source has {want.cells}"))
    return out


def _counted(label: str, want: Counter, got: Counter, place, what: str) -> list[Finding]:
    out = []
    for value in sorted(set(want) | set(got), key=str):
        if want[value] != got[value] and (value in want or what != "link"):
            out.append(Finding(NAME, place(what, value),
                               f"{label} {display(value, 120)!r} {_times(got[value])}, the source has it "
                               f"{_times(want[value])}"))
        elif value not in want and what == "link" and safe_link(value) is not None:
            out.append(Finding(NAME, place(what, value), f"{label} {display(value, 120)!r} is not in the source"))
    return out


def _times(n: int) -> str:
    return {0: "missing", 1: "once", 2: "twice"}.get(n, f"{n} times")


def _numbers(values: list[int]) -> str:
    return "[" + ", ".join(map(str, values)) + "]" if values else "none"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')} block"
