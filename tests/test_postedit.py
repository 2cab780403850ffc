"""Post-editing formats: the placeholder notation, PO, XLIFF 2.1 and TMX 1.4b,
checked by tools we did not write (msgfmt, polib) and against bad input."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace

import polib
import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from identity_engine import IdentityEngine

from translate.cli.main import cli
from translate.source.document import Mark, Segment
from translate.project.languages import target
from translate.source.markdown_reader import read_markdown
from translate.translation.memory import HumanTranslation, TranslationMemory
from translate.translation.edition import translate_document
from translate.translation.postedit import exchange, po, tmx, xliff
from translate.translation.postedit.human import Approved
from translate.translation.postedit.units import (
    PlaceholderError, apply_notation, notation_of, parse_notation, source_units, target_notation, to_notation,
)

ARTICLE = """---
title: Council lifts sanctions {for now}
---
The council met on Monday, 50% of members present.

## The decision

Read the [sanctions list](https://example.org/list "UN") of the *Security Council* and `UN-1267` today.
The committee will **review *the* list** again next year.  
Diplomats welcomed the decision.

- A list item with ~~struck~~ words.
"""


@pytest.fixture
def article():
    return read_markdown(ARTICLE, slug="council")


def machine_export(doc, memory=None, lang="prs"):
    """An export whose machine side is a real engine (the identity engine)."""
    translated, record, _ = translate_document(doc, target(lang), IdentityEngine())
    return exchange.build_export(doc, translated, record, memory, source_name="council.md")


# --- the notation ------------------------------------------------------------

WORDS = st.sampled_from(["the", "council", "met", "{", "}", "{1}", "50%", "x", "دری"])
PIECES = st.one_of(
    WORDS,
    WORDS.map(lambda w: f"*{w}x*"),
    WORDS.map(lambda w: f"**{w}y**"),
    WORDS.map(lambda w: f"[{w}z](https://example.org/{len(w)})"),
    st.sampled_from(["`code {x}`", "`a`"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=8))
def test_every_source_segment_round_trips_through_the_notation(pieces):
    doc = read_markdown("---\ntitle: T\n---\n" + " ".join(pieces) + "\n", slug="t")
    for segment in doc.segments():
        notation = notation_of(segment)
        assert parse_notation(notation) == parse_notation(to_notation(parse_notation(notation)))
        check = apply_notation(segment, notation)
        assert check.segment == Segment(segment.text.replace("\n", " "), segment.marks, segment.space_after)
        assert check.dropped == () and not check.moved


def test_notation_examples(article):
    units = source_units(article)
    assert units[0].source == "Council lifts sanctions {{for now}}"
    read = units[3]
    assert read.source == "Read the {1}sanctions list{/1} of the {2}Security Council{/2} and {3/} today."
    assert [p.label for p in read.placeholders] == [
        "link to https://example.org/list", "emphasis", "code, kept as is: UN-1267"]
    assert units[4].source.startswith("The committee will {1}review {2}the{/2} list{/1} again next year.{3/}")
    assert units[-2].context.block == "bullet_list > list_item > paragraph"
    # a link's title is a unit of its own, after the body (Document.tooltips)
    assert units[-1].context.block == "link title (tooltip)"
    assert units[3].context.heading == "The decision" and units[3].context.position == 4
    # ids: stable, distinct for a repeated sentence, and different for another article
    assert [u.id for u in source_units(article)] == [u.id for u in units]
    twice = read_markdown("---\ntitle: T\n---\nSame.\n\nSame.\n", slug="a")
    ids = [u.id for u in source_units(twice)]
    assert len(set(ids)) == 3 and ids[1].endswith("-1") and ids[2].endswith("-2")
    assert ids[1] != source_units(replace(twice, slug="b"))[1].id


def test_a_translation_puts_marks_back_from_the_source(article):
    read = source_units(article)[3]
    check = apply_notation(read.segment, "امروز {2}شورای امنیت{/2} و {1}فهرست{/1} {3/}.")
    text = check.segment.text
    marks = {m.kind: text[m.start:m.end] for m in check.segment.marks}
    assert marks == {"em": "شورای امنیت", "link": "فهرست", "code": "UN-1267"}
    link = next(m for m in check.segment.marks if m.kind == "link")
    assert link.attrs["href"] == "https://example.org/list", "the href comes from the source, never the file"
    assert check.moved and check.dropped == ()
    assert apply_notation(read.segment, "فقط {1}فهرست{/1}").dropped == (2, 3)


@pytest.mark.parametrize("bad, message", [
    ("x {4/}", "placeholder {4} is not in the English source"),
    ("{1}a{/1} {1}b{/1}", "used twice"),
    ("{1}a", "opened but never closed"),
    ("a{/2}", "was not opened"),
    ("{1/}", "must be written {1}…{/1}"),
    ("{3}x{/3}", "must be written {3/}"),
])
def test_placeholders_that_cannot_be_put_back_are_refused(article, bad, message):
    with pytest.raises(PlaceholderError, match=message.replace("{", r"\{").replace("}", r"\}")):
        apply_notation(source_units(article)[3].segment, bad)


def test_target_notation_numbers_projected_marks_like_the_source(article):
    source = source_units(article)[3].segment
    # the pipeline lost the emphasis: the link stays {1} and the code {3}
    target_segment = Segment("CODE فهرست", (Mark("code", 0, 4, source.marks[2].attrs),
                                            Mark("link", 5, 10, source.marks[0].attrs)))
    target_segment = Segment(target_segment.text, (target_segment.marks[1], target_segment.marks[0]))
    assert target_notation(source, target_segment) == "{3/} {1}فهرست{/1}"


# --- PO ----------------------------------------------------------------------

def test_po_passes_msgfmt_check_and_polib_reads_it_back_identically(article, tmp_path):
    memory = TranslationMemory(tmp_path / "m.sqlite3")
    units = source_units(article)
    memory.put_human([HumanTranslation("prs", units[1].source, "شورا روز دوشنبه جلسه کرد.", "Farida",
                                       "2026-11-30T10:00:00+00:00", "council", "x.po"),
                      HumanTranslation("prs", units[2].source.replace("decision", "vote"), "تصمیم", "Farida",
                                       "2026-11-30T10:00:00+00:00", "council", "x.po")])
    export = machine_export(article, memory)
    # the heading's English changed from "The vote": its old translation is a suggestion
    assert [u.state for u in export.units][:4] == ["machine", "human", "suggestion", "machine"]
    assert export.units[2].previous_source == "The vote"
    data = po.write(export)
    path = tmp_path / "council.prs.po"
    path.write_bytes(data)
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (Debian gettext) is installed by setup.sh"
    checked = subprocess.run([msgfmt, "--check", "--check-accelerators", "-o", "/dev/null", str(path)],
                             capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr

    entries = [e for e in polib.pofile(str(path)) if e.msgid]
    assert [(e.msgctxt, e.msgid, e.msgstr, "fuzzy" in e.flags) for e in entries] == [
        (u.id, u.source, u.target, u.fuzzy) for u in export.units]
    assert not {"python-format", "python-brace-format"} & set(entries[1].flags + entries[3].flags), \
        "a % in the English and our placeholders are no format strings"
    assert entries[2].previous_msgid == "The vote" and "fuzzy" in entries[2].flags
    assert polib.pofile(str(path)).metadata["Language"] == "fa_AF"
    returned = po.read(data, "council.prs.po")
    assert (returned.slug, returned.lang) == ("council", "prs")
    assert [(u.id, u.source, u.target, u.fuzzy) for u in returned.units] == [
        (u.id, u.source, u.target, u.fuzzy) for u in export.units]
    # Babel reads back what it wrote: the comments carry context, placeholders, machine output
    messages = [m for m in read_po(io.BytesIO(data)) if m.id]
    assert any(c.startswith("{1}…{/1} link to https://example.org/list") for c in messages[3].auto_comments)
    assert any(c.startswith("machine translation: ") for c in messages[3].auto_comments)
    assert messages[1].user_comments == ["approved by Farida on 2026-11-30"]


def test_a_file_with_an_unknown_header_is_refused(article):
    data = po.write(machine_export(article)).replace(b"Language: fa_AF", b"Language: de")
    with pytest.raises(po.PoError, match="does not name an article"):
        po.read(data, "x.po")


# --- XLIFF ---------------------------------------------------------------------

NS = {"x": xliff.NS}


def check_xliff_structure(data: bytes) -> None:
    """What the XLIFF 2.1 core schema (xliff_core_2.0.xsd) requires of our
    files, checked by hand: the OASIS schema file cannot be downloaded here
    and no Debian or PyPI package ships it (see the report of issue 15)."""
    root = ET.fromstring(data)
    assert root.tag == f"{{{xliff.NS}}}xliff" and root.get("version") == "2.1"
    assert root.get("srcLang") and root.get("trgLang")
    nmtoken = re.compile(r"[\w.\-:]+")
    for file in root.findall("x:file", NS):
        assert nmtoken.fullmatch(file.get("id"))
        unit_ids = [u.get("id") for u in file.findall("x:unit", NS)]
        assert len(unit_ids) == len(set(unit_ids)) and all(nmtoken.fullmatch(i) for i in unit_ids)
        for unit in file.findall("x:unit", NS):
            order = [child.tag.split("}")[1] for child in unit]
            assert order[:1] == ["notes"] and set(order[1:]) == {"segment"}, order
            for segment in unit.findall("x:segment", NS):
                assert segment.get("state") in ("initial", "translated", "reviewed", "final")
                assert [c.tag.split("}")[1] for c in segment] == ["source", "target"]
                for content in segment:
                    ids = [e.get("id") for e in content.iter() if e.tag.split("}")[1] in ("pc", "ph", "sc")]
                    assert len(ids) == len(set(ids)), "inline ids are unique within a source or target"
                    starts = {e.get("id") for e in content.iter(f"{{{xliff.NS}}}sc")}
                    assert {e.get("startRef") for e in content.iter(f"{{{xliff.NS}}}ec")} <= starts
                    for element in content.iter():
                        if element.get("subType"):
                            assert element.get("type") and element.get("subType").startswith("xlf:")


def test_xliff_round_trips_and_keeps_the_schema_rules(article):
    export = machine_export(article)
    data = xliff.write(export)
    check_xliff_structure(data)
    returned = xliff.read(data, "council.prs.xlf")
    assert (returned.slug, returned.lang) == ("council", "prs")
    assert [(u.id, u.source, u.target, u.fuzzy) for u in returned.units] == [
        (u.id, u.source, u.target, u.fuzzy) for u in export.units]
    source = ET.fromstring(data).findall(".//x:unit", NS)[3].find("x:segment/x:source", NS)
    assert [(e.tag.split("}")[1], e.get("type")) for e in source] == [("pc", "link"), ("pc", "fmt"), ("ph", "other")]


def test_overlapping_marks_are_written_as_sc_ec_and_read_back(article):
    export = machine_export(article)
    unit = replace(export.units[4], target="{1}a {2}b{/1} c{/2}")
    data = xliff.write(replace(export, units=(*export.units[:4], unit, *export.units[5:])))
    check_xliff_structure(data)
    target_element = ET.fromstring(data).findall(".//x:unit", NS)[4].find("x:segment/x:target", NS)
    assert [e.tag.split("}")[1] for e in target_element] == ["sc", "sc", "ec", "ec"]
    assert xliff.read(data, "x.xlf").units[4].target == "{1}a {2}b{/1} c{/2}"


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.replace(b'<unit id="', b'<unit xmlns:evil="urn:evil" evil:x="1" id="', 1), "unknown namespace"),
    (lambda d: d.replace(b"<notes>", b'<notes><foreign xmlns="urn:example:other"/>', 1), "unknown namespace"),
    (lambda d: d.replace(b"<?xml version='1.0' encoding='utf-8'?>",
                         b"<?xml version='1.0'?><!DOCTYPE xliff [<!ENTITY e 'x'>]>"), "DTD or entities"),
    (lambda d: d.replace(b"urn:oasis:names:tc:xliff:document:2.0", b"urn:oasis:names:tc:xliff:document:1.2"),
     "XLIFF 1.2"),
    (lambda d: d[:-40], "not well-formed XML"),
])
def test_bad_xliff_is_refused(article, mutate, message):
    data = mutate(xliff.write(machine_export(article)))
    with pytest.raises(xliff.XliffError, match=message):
        xliff.read(data, "x.xlf")


def test_duplicate_xliff_unit_ids_are_refused(article):
    data = xliff.write(machine_export(article))
    root = ET.fromstring(data)
    file = root.find("x:file", NS)
    file.append(file.findall("x:unit", NS)[2])
    with pytest.raises(xliff.XliffError, match="appears twice"):
        xliff.read(ET.tostring(root), "x.xlf")


# --- TMX and the human side of the memory ----------------------------------------

def test_tmx_export_import_round_trip_through_the_cli(article, tmp_path):
    units = source_units(article)
    first = TranslationMemory(tmp_path / "a.sqlite3")
    items = [HumanTranslation("prs", units[3].source, "امروز {2}شورای امنیت{/2} {1}فهرست{/1} {3/}.", "Farida",
                              "2026-11-30T10:00:00+00:00", "council", "council.prs.po"),
             HumanTranslation("ru", units[1].source, "Совет собрался в понедельник.", "Ivan",
                              "2026-11-29T09:30:00+00:00", "council", "council.ru.xlf")]
    first.put_human(items)
    tmx_path = tmp_path / "memory.tmx"
    result = CliRunner().invoke(cli, ["memory", "export", "--tmx", str(tmx_path), "--cache", str(first.path)])
    assert result.exit_code == 0 and "2 approved translations" in result.output, result.output
    root = ET.parse(tmx_path).getroot()
    check_tmx_structure(root)
    seg = root.find(".//tuv[@{http://www.w3.org/XML/1998/namespace}lang='fa-AF']/seg")
    assert [(e.tag, e.get("i") or e.get("x")) for e in seg] == [("bpt", "2"), ("ept", "2"), ("bpt", "1"),
                                                                ("ept", "1"), ("ph", "3")]
    second = tmp_path / "b.sqlite3"
    result = CliRunner().invoke(cli, ["memory", "import", "--tmx", str(tmx_path), "--cache", str(second)])
    assert result.exit_code == 0, result.output
    assert sorted(TranslationMemory(second).all_human(), key=lambda h: h.lang) == sorted(
        [replace(i, approved=i.approved) for i in items], key=lambda h: h.lang)


def check_tmx_structure(root: ET.Element) -> None:
    """What the TMX 1.4b DTD (tmx14.dtd) requires of our files, by hand: the
    DTD cannot be downloaded here and no Debian or PyPI package ships it."""
    assert root.tag == "tmx" and root.get("version") == "1.4"
    assert [child.tag for child in root] == ["header", "body"]
    required = {"creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang", "srclang", "datatype"}
    assert required <= set(root.find("header").attrib)
    assert root.find("header").get("segtype") in ("block", "paragraph", "sentence", "phrase")
    for tu in root.find("body"):
        assert tu.tag == "tu"
        children = [child.tag for child in tu]
        assert children == sorted(children, key=lambda tag: ["note", "prop", "tuv"].index(tag)) and "tuv" in children
        for tuv in tu.findall("tuv"):
            assert tuv.get("{http://www.w3.org/XML/1998/namespace}lang")
            assert [child.tag for child in tuv] == ["seg"]
            for code in tuv.find("seg"):
                assert code.tag in ("bpt", "ept", "ph", "it", "hi", "ut")
                assert code.tag not in ("bpt", "ept") or code.get("i")
        if tu.get("creationdate"):
            assert re.fullmatch(r"\d{8}T\d{6}Z", tu.get("creationdate"))


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE tmx [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<tmx version="1.4"><header srclang="en" adminlang="en" segtype="sentence" datatype="plaintext"
 o-tmf="x" creationtool="x" creationtoolversion="1"/><body>
<tu><tuv xml:lang="en"><seg>&d;</seg></tuv><tuv xml:lang="ru"><seg>&d;</seg></tuv></tu></body></tmx>
"""

EXTERNAL = BOMB.replace(b'<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">',
                        b'<!ENTITY a SYSTEM "file:///etc/passwd">')


@pytest.mark.parametrize("data, message", [
    (BOMB, "declares entities"),
    (EXTERNAL, "declares entities"),
    (b"<tmx version='1.4'><header/><body><tu>", "not well-formed"),
    (b"<xliff/>", "not a TMX file"),
])
def test_bad_tmx_is_refused_and_changes_nothing(tmp_path, data, message):
    memory = TranslationMemory(tmp_path / "m.sqlite3")
    memory.put_human([HumanTranslation("ru", "Hello.", "Привет.", "Ivan", "2026-11-30T10:00:00+00:00")])
    path = tmp_path / "bad.tmx"
    path.write_bytes(data)
    result = CliRunner().invoke(cli, ["memory", "import", "--tmx", str(path), "--cache", str(memory.path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0] and "bad.tmx" in lines[0], result.output
    assert [h.target for h in memory.all_human()] == ["Привет."]


def test_tmx_from_another_tool_plain_fa_is_not_dari(tmp_path):
    data = """<?xml version="1.0"?><!DOCTYPE tmx SYSTEM "tmx14.dtd">
<tmx version="1.4"><header creationtool="OmegaT" creationtoolversion="6" segtype="sentence" o-tmf="OmegaT"
 adminlang="EN-US" srclang="EN-US" datatype="plaintext"/><body>
<tu changeid="amina" changedate="20261101T120000Z"><tuv xml:lang="EN-US"><seg>The council met.</seg></tuv>
<tuv xml:lang="FA-AF"><seg>شورا جلسه کرد.</seg></tuv><tuv xml:lang="fa"><seg>شورا نشست.</seg></tuv></tu>
<tu><tuv xml:lang="de"><seg>Hallo.</seg></tuv></tu></body></tmx>""".encode()
    result = tmx.read(data, "omegat.tmx")
    assert [(h.lang, h.source, h.target, h.translator, h.approved[:10]) for h in result.items] == [
        ("prs", "The council met.", "شورا جلسه کرد.", "amina", "2026-11-01")]
    assert len(result.skipped) == 1


def test_human_text_wins_for_exactly_its_sentence_and_is_glossary_checked_not_repaired(article):
    units = source_units(article)
    human = HumanTranslation("prs", units[3].source, "{1}فهرست{/1} {2}شورا{/2} {3/}", "Farida", "2026-11-30")
    approved = Approved("prs", {human.source: human})
    translated, record, _ = translate_document(article, target("prs"), IdentityEngine(), human=approved)
    assert [s.human is not None for s in record.segments] == [i == 3 for i in range(len(units))]
    segment = translated.segments()[3]
    assert segment.text == "فهرست شورا UN-1267"
    assert {m.kind for m in segment.marks} == {"link", "em", "code"}
    assert translated.segments()[4].text == units[4].segment.text.replace("\n", " "), "the engine's text elsewhere"
    assert approved.seal("pre") != "pre" and Approved("prs").seal("pre") == "pre"


def test_suggestion_is_the_old_translation_of_an_edited_sentence(tmp_path):
    memory = TranslationMemory(tmp_path / "m.sqlite3")
    memory.put_human([HumanTranslation("prs", "The council met on Monday.", "شورا روز دوشنبه جلسه کرد.", "F",
                                       "2026-11-30", "council"),
                      HumanTranslation("prs", "Completely different words here.", "x", "F", "2026-11-30", "council")])
    current = {"The council met on Tuesday."}
    found = memory.suggestion("prs", "council", "The council met on Tuesday.", current)
    assert found.source == "The council met on Monday."
    assert memory.suggestion("prs", "other-article", "The council met on Tuesday.", current) is None
    assert memory.human_for("prs", ["The council met on Tuesday."]) == {}
    assert memory.clear() == 0 and len(memory.all_human()) == 2, "cache clear keeps people's work"


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.replace(b"<notes>", b'<notes><foreign xmlns="urn:example:other"/>', 1),
     "element <foreign> in an unknown namespace urn:example:other"),
    (lambda d: d.replace(b'<file id="council"', b'<file id="budget"'), "for the article 'budget', not 'council'"),
    (lambda d: d.replace(b"Diplomats welcomed the decision.", b"Diplomats welcomed the vote."),
     "the English differs"),
    (lambda d: d, "does not say who translated it"),
])
def test_cli_import_of_a_bad_xliff_is_one_line_and_changes_nothing(tmp_path, mutate, message):
    source = tmp_path / "council.md"
    source.write_text(ARTICLE, encoding="utf-8")
    doc = read_markdown(ARTICLE, slug="council")
    export = machine_export(doc)
    approved = replace(export, units=tuple(replace(u, state="human", target="ترجمه") for u in export.units))
    path = tmp_path / "council.prs.xlf"
    path.write_bytes(mutate(xliff.write(approved)))
    memory = TranslationMemory(tmp_path / "m.sqlite3")
    args = ["import", str(path), "--source", str(source), "--cache", str(memory.path)]
    if "who translated" not in message:
        args += ["--translator", "Nadia"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.output
    assert memory.all_human() == []
    # the same file, unmutated and with a translator, imports every unit
    path.write_bytes(xliff.write(approved))
    result = CliRunner().invoke(cli, ["import", str(path), "--source", str(source), "--cache", str(memory.path),
                                      "--translator", "Nadia"])
    assert result.exit_code == 0 and f"{len(export.units)} stored" in result.output, result.output


def test_control_and_bidi_override_characters_from_a_translator_never_reach_the_text(article, tmp_path):
    read = source_units(article)[3]
    check = apply_notation(read.segment, "\u202eامروز\x1b[31m {1}فهرست{/1} {2}شورا{/2} {3/}\u2066")
    assert check.segment.text == "امروز[31m فهرست شورا UN-1267"
    data = f"""<tmx version="1.4"><header creationtool="x" creationtoolversion="1" segtype="sentence"
 o-tmf="x" adminlang="en" srclang="en" datatype="plaintext"/><body><tu><tuv xml:lang="en"><seg>Hello.</seg></tuv>
<tuv xml:lang="ru"><seg>При\u202eвет.</seg></tuv></tu></body></tmx>""".encode()
    assert [h.target for h in tmx.read(data, "x.tmx").items] == ["Привет."]
