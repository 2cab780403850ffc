"""TMX 1.4b: the approved human translations to and from other CAT tools.

One <tu> per approved translation: the English <tuv> and the edition's
<tuv> (xml:lang is the edition's BCP 47 tag: ru, fa-AF, ps, kk), who
approved it (creationid) and when (creationdate), the article and the file
it came from as <prop type="x-slug">/<prop type="x-file">. Inline marks
are TMX inline codes numbered like our placeholders: <bpt i= x=>/<ept i=>
around words, <ph x=> for a standalone mark; their native-code content is
the placeholder itself, so another tool shows "{1}" where a link starts.

Reading refuses what a TMX from a CAT tool never needs: entity
declarations (billion laughs), external references, more than MAX_BYTES or
MAX_UNITS. A DOCTYPE naming tmx14.dtd, as tools write it, is accepted and
never fetched.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from translate import __version__
from translate.errors import UserError
from translate.project.languages import TARGETS
from translate.translation.memory import HumanTranslation, file_name, translator_name
from translate.translation.postedit.units import (
    Close,
    Open,
    PlaceholderError,
    Single,
    Text,
    Token,
    apply_notation,
    clean_notation,
    parse_notation,
    segment_of,
    to_notation,
)
from translate.translation.postedit.xmltext import MAX_INLINE_DEPTH, indent

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_BYTES = 64 << 20
MAX_UNITS = 200_000


class TmxError(UserError):
    """A TMX file that cannot be imported."""


def _tmx_date(iso: str) -> str:
    """ISO 8601 as TMX's YYYYMMDDThhmmssZ (UTC)."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        moment = datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _iso_date(tmx: str | None) -> str:
    if tmx:
        try:
            return datetime.strptime(tmx, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).isoformat()
        except ValueError:
            pass
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def write(items: list[HumanTranslation]) -> bytes:
    root = ET.Element("tmx", {"version": "1.4"})
    ET.SubElement(root, "header", {
        "creationtool": "newsroom-translate", "creationtoolversion": __version__, "segtype": "sentence",
        "o-tmf": "newsroom-translate", "adminlang": "en", "srclang": "en", "datatype": "plaintext"})
    body = ET.SubElement(root, "body")
    for item in items:
        tu = ET.SubElement(body, "tu", {"creationid": item.translator, "creationdate": _tmx_date(item.approved)})
        for kind, value in (("x-slug", item.slug), ("x-file", item.file)):
            if value:
                ET.SubElement(tu, "prop", {"type": kind}).text = value
        for lang, text in (("en", item.source), (TARGETS[item.lang].html_lang, item.target)):
            tuv = ET.SubElement(tu, "tuv", {XML_LANG: lang})
            _fill(ET.SubElement(tuv, "seg"), parse_notation(text))
    indent(root, {"tmx", "body", "tu", "tuv"})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _fill(seg: ET.Element, tokens: list[Token]) -> None:
    last: ET.Element | None = None
    for token in tokens:
        if isinstance(token, Text):
            if last is None:
                seg.text = (seg.text or "") + token.text
            else:
                last.tail = (last.tail or "") + token.text
            continue
        if isinstance(token, Open):
            last = ET.SubElement(seg, "bpt", {"i": str(token.number), "x": str(token.number)})
            last.text = f"{{{token.number}}}"
        elif isinstance(token, Close):
            last = ET.SubElement(seg, "ept", {"i": str(token.number)})
            last.text = f"{{/{token.number}}}"
        else:
            last = ET.SubElement(seg, "ph", {"x": str(token.number)})
            last.text = f"{{{token.number}/}}"


@dataclass(frozen=True)
class TmxImport:
    items: tuple[HumanTranslation, ...]
    skipped: tuple[str, ...]   # why units were left out, one line each


def read_path(path, translator: str = "") -> TmxImport:
    """``read`` for a file, refusing an oversized one before reading it."""

    path = Path(path)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise TmxError(f"{path}: {size >> 20} MB is over the limit of {MAX_BYTES >> 20} MB for a TMX file",
                       "split the memory into several files")
    return read(path.read_bytes(), str(path), translator)


def read(data: bytes, name: str, translator: str = "") -> TmxImport:
    """The human translations in a TMX file, English to one of our editions."""
    if len(data) > MAX_BYTES:
        raise TmxError(f"{name}: {len(data) >> 20} MB is over the limit of {MAX_BYTES >> 20} MB for a TMX file",
                       "split the memory into several files")
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise TmxError(f"{name}: refused: the file declares entities or external references "
                       f"({type(err).__name__}), which a translation memory never needs",
                       "export the memory again from your CAT tool") from None
    except ET.ParseError as err:
        line, column = err.position
        raise TmxError(f"{name}:{line}: not well-formed XML (column {column + 1})",
                       "export the memory again from your CAT tool") from None
    if root.tag != "tmx" or not (root.get("version") or "").startswith("1."):
        raise TmxError(f"{name}: not a TMX file (root <{root.tag}> version {root.get('version')!r})",
                       "give a TMX 1.4 file")
    header = root.find("header")
    body = root.find("body")
    if header is None or body is None:
        raise TmxError(f"{name}: a TMX file needs a <header> and a <body>")
    units = body.findall("tu")
    if len(units) > MAX_UNITS:
        raise TmxError(f"{name}: {len(units)} translation units is over the limit of {MAX_UNITS}",
                       "split the memory into several files")
    items, skipped = [], []
    for number, tu in enumerate(units, 1):
        label = tu.get("tuid") or f"#{number}"
        by_lang: dict[str, str] = {}
        for tuv in tu.findall("tuv"):
            lang = _our_lang(tuv.get(XML_LANG) or tuv.get("lang") or "")
            seg = tuv.find("seg")
            if lang and seg is not None:
                by_lang[lang] = clean_notation(_notation(seg, f"{name}: unit {label}"))
        source = by_lang.pop("en", "")
        if not source.strip():
            skipped.append(f"unit {label}: no English <tuv>")
            continue
        if not by_lang:
            skipped.append(f"unit {label}: no Russian, Dari (fa-AF), Pashto or Kazakh <tuv>")
            continue
        props = {p.get("type"): (p.text or "") for p in tu.findall("prop")}
        who = translator_name(translator or tu.get("changeid") or tu.get("creationid") or header.get("creationid")
                              or "") or "TMX import"
        when = _iso_date(tu.get("changedate") or tu.get("creationdate"))
        for lang, target in by_lang.items():
            if target.strip():
                _check_placeholders(name, label, lang, source, target)
                items.append(HumanTranslation(lang, source, target, who, when, props.get("x-slug", ""),
                                              file_name(props.get("x-file") or name)))
    return TmxImport(tuple(items), tuple(skipped))


def _check_placeholders(name: str, label: str, lang: str, source: str, target: str) -> None:
    """Refuse the file when a translation's inline codes cannot be put back
    into its English, as a PO or XLIFF import does (translate.translation.postedit.units):
    stored, it would be ignored at every publish."""
    try:
        apply_notation(segment_of(source), target)
    except PlaceholderError as err:
        raise TmxError(f"{name}: unit {label} ({lang}): {err.message}; nothing was imported",
                       "keep the inline codes of the English as they are ({1}...{/1}, {2/}) and export again") \
            from None


def _our_lang(tag: str) -> str:
    """Our project key for a TMX language tag; "" for others. Plain "fa" is
    Iranian Persian, not Dari: only fa-AF (or prs) is Dari."""
    tag = tag.replace("_", "-").lower()
    if tag == "en" or tag.startswith("en-"):
        return "en"
    for key, lang in TARGETS.items():
        if tag in (key, lang.html_lang.lower()) or (key != "prs" and tag.split("-")[0] == key):
            return key
    return ""


def _notation(seg: ET.Element, where: str) -> str:
    tokens: list[Token] = []
    pair_numbers: dict[str, int] = {}

    def number(value: str | None) -> int | None:
        return int(value) if value and value.isdigit() else None

    def walk(node: ET.Element, depth: int = 0) -> None:
        if depth > MAX_INLINE_DEPTH:
            raise TmxError(f"{where}: inline elements (<hi>) nested more than {MAX_INLINE_DEPTH} deep",
                           "no translation needs that: export the memory again from your CAT tool")
        if node.text:
            tokens.append(Text(node.text))
        for child in node:
            if child.tag == "bpt":
                n = number(child.get("x")) or number(child.get("i"))
                if n is not None:
                    pair_numbers[child.get("i", "")] = n
                    tokens.append(Open(n))
            elif child.tag == "ept":
                n = pair_numbers.get(child.get("i", ""))
                if n is not None:
                    tokens.append(Close(n))
            elif child.tag == "ph":
                n = number(child.get("x"))
                if n is not None:
                    tokens.append(Single(n))
            elif child.tag == "it":
                n = number(child.get("x"))
                if n is not None:
                    tokens.append(Open(n) if child.get("pos") == "begin" else Close(n))
            elif child.tag == "hi":
                walk(child, depth + 1)
            if child.tail:
                tokens.append(Text(child.tail))

    walk(seg)
    return to_notation(tokens)
