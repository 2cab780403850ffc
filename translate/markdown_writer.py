"""Writer: Document -> Markdown (with front matter).

The inverse of translate.markdown_reader: reading then writing gives Markdown
with the same content (the same CommonMark rendering) as the source.
"""

from __future__ import annotations

import re

import yaml

from translate.document import Block, Document, Mark, Segment

# Characters that would start inline markup; escaped wherever they occur in text.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<~])|(&(?=#?[A-Za-z0-9]+;))|(!(?=\[))")
# Constructs that mean something at the start of a line.
_LINE_START = re.compile(r"^( {0,3})([#>+=-]|\d{1,9}(?=[.)]))", re.M)


def escape_text(text: str) -> str:
    text = _INLINE_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    # "1." at a line start would begin a list: escape the delimiter, not the digit
    text = _LINE_START.sub(_escape_line_start, text)
    return text


def _escape_line_start(m: re.Match) -> str:
    lead, what = m.group(1), m.group(2)
    if what[0].isdigit():
        return lead + what + "\\"
    return lead + "\\" + what


def write_segment(segment: Segment) -> str:
    """Inline Markdown of one segment: text with its marks put back."""
    text, marks = segment.text, normalise_marks(segment.marks, len(segment.text))
    opens: dict[int, list[Mark]] = {}
    closes: dict[int, list[Mark]] = {}
    points: dict[int, list[Mark]] = {}
    for m in marks:
        if m.start == m.end and m.kind in ("html", "break"):
            points.setdefault(m.start, []).append(m)
        else:
            opens.setdefault(m.start, []).append(m)
            closes.setdefault(m.end, []).append(m)
    out: list[str] = []
    i = 0
    literal_until = -1  # inside a code span: no escaping, no nested marks
    stops = sorted(set(opens) | set(closes) | set(points) | {len(text)})
    for stop in stops:
        if stop > i:
            chunk = text[i:stop]
            out.append(chunk if i < literal_until else escape_text(chunk))
            i = stop
        # innermost (latest opened) marks close first
        for m in sorted(closes.get(stop, []), key=lambda m: -m.start):
            out.append(_close(m))
        for m in points.get(stop, []):
            out.append(m.attrs.get("raw", "") if m.kind == "html" else "\\")
        for m in sorted(opens.get(stop, []), key=lambda m: -m.end):
            out.append(_open(m))
            if m.kind == "code" or (m.kind == "link" and m.attrs.get("markup") == "autolink"):
                literal_until = m.end
    return "".join(out)


def _open(m: Mark) -> str:
    if m.kind == "code":
        return m.attrs.get("markup") or "`"
    if m.kind == "link":
        return "<" if m.attrs.get("markup") == "autolink" else "["
    if m.kind == "image":
        return "!["
    return m.attrs.get("markup") or {"em": "*", "strong": "**", "s": "~~"}[m.kind]


def _close(m: Mark) -> str:
    if m.kind in ("link", "image"):
        if m.attrs.get("markup") == "autolink":
            return ">"
        target = m.attrs.get("href" if m.kind == "link" else "src", "")
        target = "<" + target.replace(">", "%3E") + ">" if (not target or re.search(r"[\s()<>]", target)) else target
        title = m.attrs.get("title")
        if title:
            target += ' "' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return "](" + target + ")"
    return _open(m)


def normalise_marks(marks: tuple[Mark, ...], length: int) -> list[Mark]:
    """Marks clipped to the text and properly nested (a mark that crosses an
    enclosing one is cut at its end), as projection after translation can
    produce ranges that cross."""
    result: list[Mark] = []
    stack: list[Mark] = []
    for m in sorted(marks, key=lambda m: (m.start, -m.end)):
        start, end = max(0, min(m.start, length)), max(0, min(m.end, length))
        while stack and stack[-1].end <= start and not (stack[-1].end == start == end):
            stack.pop()
        if stack and end > stack[-1].end:
            end = stack[-1].end
        if m.kind in ("html", "break"):
            result.append(Mark(m.kind, start, start, m.attrs))
            continue
        if end <= start:
            continue  # a mark with no text left cannot be written
        if stack and stack[-1].kind == "code":
            continue  # nothing nests inside code
        mark = Mark(m.kind, start, end, m.attrs)
        result.append(mark)
        stack.append(mark)
    return result


def write_blocks(blocks: tuple[Block, ...], tight: bool = False) -> str:
    parts = [_write_block(b) for b in blocks]
    return ("\n" if tight else "\n\n").join(parts)


def _write_block(block: Block) -> str:
    if block.kind == "heading":
        return "#" * block.attrs.get("level", 1) + " " + _prose(block)
    if block.kind == "paragraph":
        return _prose(block)
    if block.kind == "code":
        literal = block.attrs.get("literal", "")
        if block.attrs.get("fenced", True):
            fence = block.attrs.get("markup") or "```"
            while fence in literal:
                fence += fence[0]
            return fence + block.attrs.get("info", "") + "\n" + literal + fence
        return _indent(literal.rstrip("\n"), "    ")
    if block.kind == "html":
        return block.attrs.get("literal", "").rstrip("\n")
    if block.kind == "rule":
        return "---" if block.attrs.get("markup", "-").startswith("-") else block.attrs["markup"]
    if block.kind == "quote":
        return _indent(write_blocks(block.children), "> ", blank=">")
    if block.kind in ("bullet_list", "ordered_list"):
        tight = block.attrs.get("tight", False)
        items = []
        for n, item in enumerate(block.children):
            if block.kind == "bullet_list":
                marker = (block.attrs.get("markup") or "-") + " "
            else:
                marker = f"{block.attrs.get('start', 1) + n}{block.attrs.get('markup') or '.'} "
            body = write_blocks(item.children, tight=tight) or ""
            lines = _indent(body, " " * len(marker))
            items.append(marker + lines[len(marker):] if body else marker.rstrip())
        return ("\n" if tight else "\n\n").join(items)
    raise ValueError(f"cannot write block {block.kind}")


def _prose(block: Block) -> str:
    text = "".join(write_segment(s) + s.space_after for s in block.segments).rstrip()
    # a soft break must not leave the next line looking like a block start
    return text


def _indent(text: str, prefix: str, blank: str = "") -> str:
    return "\n".join((prefix + line) if line else blank for line in text.split("\n"))


def write_markdown(doc: Document) -> str:
    """The whole article: front matter (title, lang, slug and other keys) and body."""
    meta = dict(doc.meta)
    meta["title"] = doc.title.text
    meta["lang"] = doc.lang
    if doc.slug:
        meta["slug"] = doc.slug
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10**6)
    return "---\n" + front + "---\n\n" + write_blocks(doc.blocks) + "\n"
