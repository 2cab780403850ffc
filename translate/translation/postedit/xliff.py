"""XLIFF 2.1 files for CAT tools (OmegaT, Trados, memoQ), via xml.etree.

Layout: one <file id="<slug>"> per edition, one <unit id="<unit id>"> per
segment with one <segment>. Inline marks are XLIFF's own inline codes: a
mark over words is <pc id="N">…</pc> (or <sc id="N"/>…<ec startRef="N"/>
where the machine's marks overlap), a standalone one <ph id="N"/>, numbered
like the placeholders of translate.translation.postedit.units, so the same reader serves
both formats. Unit notes (category context / placeholder / machine / term /
approved / previous-source) carry what the PO comments carry. The segment
state is "initial" for machine output and suggestions, "final" for approved
human text; a translator sets "translated", "reviewed" or "final" to approve.

Reading is strict (defusedxml: no DTD, no entities, no external references;
a size limit): namespaces other than XLIFF 2's own are refused, as are
duplicate unit ids and an XLIFF 1.2 file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from translate.errors import UserError
from translate.project.languages import TARGETS
from translate.translation.postedit.units import (
    Close,
    Export,
    Open,
    Returned,
    ReturnedUnit,
    Single,
    Text,
    Token,
    Unit,
    parse_notation,
    to_notation,
)
from translate.translation.postedit.xmltext import MAX_INLINE_DEPTH, indent

NS = "urn:oasis:names:tc:xliff:document:2.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# XLIFF 2 modules a CAT tool may add (matches, metadata, glossary...): their
# content is not ours to read, but it is XLIFF.
MODULE_PREFIX = "urn:oasis:names:tc:xliff:"
MAX_BYTES = 32 << 20
APPROVED_STATES = ("translated", "reviewed", "final")

_TYPES = {"em": ("fmt", "xlf:i"), "strong": ("fmt", "xlf:b"), "s": ("fmt", None), "link": ("link", None),
          "image": ("image", None), "code": ("other", None), "html": ("other", None), "break": ("fmt", "xlf:lb")}


class XliffError(UserError):
    """An XLIFF file that cannot be read as a translation of an article."""


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def write(export: Export) -> bytes:
    lang = TARGETS[export.lang]
    ET.register_namespace("", NS)
    root = ET.Element(_q("xliff"), {"version": "2.1", "srcLang": "en", "trgLang": lang.html_lang})
    file = ET.SubElement(root, _q("file"), {"id": export.slug, **(
        {"original": export.source_name} if export.source_name else {})})
    for unit in export.units:
        file.append(_unit_element(unit))
    indent(root, _STRUCTURE)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _unit_element(unit: Unit) -> ET.Element:
    element = ET.Element(_q("unit"), {"id": unit.id})
    notes = ET.SubElement(element, _q("notes"))
    note_items = [("context", unit.context.describe())]
    note_items += [("placeholder", f"{p.notation} {p.label}") for p in unit.placeholders]
    note_items.append(("machine", unit.machine))
    note_items += [("term", t) for t in unit.terms]
    if unit.state == "human":
        note_items.append(("approved", f"approved by {unit.translator} on {unit.approved[:10]}"))
    if unit.previous_source:
        note_items.append(("previous-source", unit.previous_source))
    for category, text in note_items:
        ET.SubElement(notes, _q("note"), {"category": category}).text = text
    segment = ET.SubElement(element, _q("segment"), {"state": "initial" if unit.fuzzy else "final"})
    kinds = {p.number: p for p in unit.placeholders}
    source = ET.SubElement(segment, _q("source"))
    _fill(source, parse_notation(unit.source), kinds)
    target = ET.SubElement(segment, _q("target"))
    _fill(target, parse_notation(unit.target), kinds)
    return element


def _well_nested(tokens: list[Token]) -> bool:
    stack = []
    for token in tokens:
        if isinstance(token, Open):
            stack.append(token.number)
        elif isinstance(token, Close):
            if not stack or stack.pop() != token.number:
                return False
    return not stack


def _fill(parent: ET.Element, tokens: list[Token], kinds) -> None:
    """Inline content: text with <pc>/<ph> (or <sc>/<ec> when not nested)."""
    nested = _well_nested(tokens)
    stack = [parent]
    last: ET.Element | None = None   # the element whose tail takes the next text

    def attrs(number: int, **extra) -> dict:
        placeholder = kinds.get(number)
        out = {"id": str(number), **extra}
        if placeholder is not None:
            kind, sub = _TYPES.get(placeholder.kind, ("other", None))
            out["type"] = kind
            if sub:
                out["subType"] = sub
            out["disp" if not placeholder.paired else "dispStart"] = placeholder.label
        return out

    for token in tokens:
        if isinstance(token, Text):
            if last is None:
                stack[-1].text = (stack[-1].text or "") + token.text
            else:
                last.tail = (last.tail or "") + token.text
            continue
        if isinstance(token, Open) and nested:
            last = None
            stack.append(ET.SubElement(stack[-1], _q("pc"), attrs(token.number)))
            continue
        if isinstance(token, Close) and nested:
            last = stack.pop()
            continue
        if isinstance(token, Open):
            last = ET.SubElement(stack[-1], _q("sc"), attrs(token.number))
        elif isinstance(token, Close):
            last = ET.SubElement(stack[-1], _q("ec"), {"startRef": str(token.number)})
        else:
            last = ET.SubElement(stack[-1], _q("ph"), attrs(token.number))


_STRUCTURE = {_q(t) for t in ("xliff", "file", "unit", "notes", "segment", "group")}


# --- reading ---------------------------------------------------------------

def read(data: bytes, name: str) -> Returned:
    if len(data) > MAX_BYTES:
        raise XliffError(f"{name}: {len(data) >> 20} MB is more than an article's XLIFF can be "
                         f"(limit {MAX_BYTES >> 20} MB)", "export the article again")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise XliffError(f"{name}: refused: the file declares a DTD or entities ({type(err).__name__})",
                         "XLIFF 2 needs neither; export the article again") from None
    except ET.ParseError as err:
        line, column = err.position
        raise XliffError(f"{name}:{line}: not well-formed XML (column {column + 1}): {err.msg if hasattr(err, 'msg') else err}",
                         "open it in your CAT tool and export it again") from None
    if root.tag != _q("xliff"):
        found = root.tag.split("}")[0].lstrip("{") if root.tag.startswith("{") else ""
        if "xliff:document:1.2" in found:
            raise XliffError(f"{name}: this is XLIFF 1.2; we read XLIFF 2.0/2.1",
                             "export XLIFF 2 from your CAT tool, or translate the file we exported")
        raise XliffError(f"{name}: the root element is <{_local(root.tag)}> in namespace {found or 'none'}, "
                         f"not <xliff> in {NS}", "import a file made by translate export")
    if root.get("version") not in ("2.0", "2.1"):
        raise XliffError(f"{name}: XLIFF version {root.get('version')!r}; we read 2.0 and 2.1")
    _check_namespaces(root, name)
    lang = next((k for k, t in TARGETS.items() if t.html_lang == root.get("trgLang")), None)
    files = root.findall(_q("file"))
    if lang is None or len(files) != 1:
        raise XliffError(f"{name}: expected one <file> and trgLang one of "
                         f"{', '.join(t.html_lang for t in TARGETS.values())} (got {len(files)} files, "
                         f"trgLang={root.get('trgLang')!r})", "import a file made by translate export")
    file = files[0]
    translator = ""
    for note in file.iterfind(f"{_q('notes')}/{_q('note')}"):
        if note.get("category") == "translator" and (note.text or "").strip():
            translator = note.text.strip()
    units = []
    seen: set[str] = set()
    for unit in file.iter(_q("unit")):
        unit_id = unit.get("id") or ""
        if unit_id in seen:
            raise XliffError(f"{name}: unit {unit_id} appears twice", "keep one of them")
        seen.add(unit_id)
        segments = unit.findall(_q("segment"))
        if len(segments) != 1:
            raise XliffError(f"{name}: unit {unit_id} has {len(segments)} segments; each of ours has one",
                             "do not split or join sentences; export the article again")
        segment = segments[0]
        source = segment.find(_q("source"))
        target = segment.find(_q("target"))
        if source is None:
            raise XliffError(f"{name}: unit {unit_id} has no <source>")
        units.append(ReturnedUnit(unit_id, _notation(source, name, unit_id),
                                  _notation(target, name, unit_id) if target is not None else "",
                                  segment.get("state", "initial") not in APPROVED_STATES))
    return Returned(name, file.get("id") or "", lang, translator, tuple(units), "xliff")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _check_namespaces(root: ET.Element, name: str) -> None:
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        namespace = element.tag[1:].split("}")[0] if element.tag.startswith("{") else ""
        if namespace != NS and not _is_module(namespace):
            raise XliffError(f"{name}: element <{_local(element.tag)}> in an unknown namespace "
                             f"{namespace or '(none)'}", "only XLIFF 2 and its modules are read")
        for attribute in element.attrib:
            if attribute.startswith("{"):
                attr_ns = attribute[1:].split("}")[0]
                if attr_ns != XML_NS and not _is_module(attr_ns):
                    raise XliffError(f"{name}: attribute {_local(attribute)} in an unknown namespace {attr_ns}",
                                     "only XLIFF 2 and its modules are read")


def _is_module(namespace: str) -> bool:
    return namespace.startswith(MODULE_PREFIX) and not namespace.startswith(MODULE_PREFIX + "document:")


def _notation(element: ET.Element, name: str, unit_id: str) -> str:
    """Inline content back to the notation: pc/sc/ec/ph as placeholders,
    annotations (<mrk>, <sm>/<em>) transparent, <cp> as its character."""
    tokens: list[Token] = []

    def number(child: ET.Element, attribute: str) -> int:
        value = child.get(attribute, "")
        if not value.isdigit():
            raise XliffError(f"{name}: unit {unit_id}: <{_local(child.tag)} {attribute}={value!r}> is not one of "
                             "our placeholders", "keep the inline codes of the source as they are")
        return int(value)

    def walk(node: ET.Element, depth: int = 0) -> None:
        if depth > MAX_INLINE_DEPTH:
            raise XliffError(f"{name}: unit {unit_id}: inline elements nested more than {MAX_INLINE_DEPTH} deep",
                             "no translation needs that: export the article again and translate it")
        if node.text:
            tokens.append(Text(node.text))
        for child in node:
            tag = _local(child.tag) if child.tag.startswith(f"{{{NS}}}") else None
            if tag == "pc":
                tokens.append(Open(number(child, "id")))
                walk(child, depth + 1)
                tokens.append(Close(number(child, "id")))
            elif tag == "ph":
                tokens.append(Single(number(child, "id")))
            elif tag == "sc":
                tokens.append(Open(number(child, "id")))
            elif tag == "ec":
                tokens.append(Close(number(child, "startRef")))
            elif tag == "cp":
                hex_value = child.get("hex", "")
                try:
                    tokens.append(Text(chr(int(hex_value, 16))))
                except ValueError:
                    raise XliffError(f"{name}: unit {unit_id}: <cp hex={hex_value!r}> is no code point") from None
            elif tag == "mrk":
                walk(child, depth + 1)
            if child.tail:
                tokens.append(Text(child.tail))

    walk(element)
    return to_notation(tokens)
