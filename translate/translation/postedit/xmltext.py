"""What the XLIFF and TMX readers and writers share."""

from __future__ import annotations

import xml.etree.ElementTree as ET

# Inline codes nest a few levels in a real sentence (a link in emphasis in a
# bold run); a segment nesting them thousands deep is no translation, and
# reading it element by element would exhaust Python's recursion.
MAX_INLINE_DEPTH = 100


def indent(element: ET.Element, structural: set[str], level: int = 0) -> None:
    """Line breaks and indentation between ``structural`` elements only:
    whitespace inside a segment's mixed content (text around inline codes)
    is content, so ElementTree.indent, which indents every element, cannot
    be used on these files."""
    if element.tag not in structural or not len(element):
        return
    element.text = "\n" + "  " * (level + 1)
    for child in element:
        indent(child, structural, level + 1)
        child.tail = "\n" + "  " * (level + 1)
    element[-1].tail = "\n" + "  " * level
