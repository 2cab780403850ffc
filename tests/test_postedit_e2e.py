"""Post-editing end to end, through the CLI with a tiny real NLLB-shaped model:
export -> a translator edits the file (with polib, a library we did not
write) -> import -> publish shows the human text and says it was reviewed ->
re-publish keeps it -> an edited English sentence falls back to the machine
and comes back as a fuzzy suggestion."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polib
import pytest
from babel.support import Translations
from click.testing import CliRunner

from translate.cli.main import cli
from translate.project.languages import ALL
from translate.translation.memory import TranslationMemory
from translate.publishing.render import l10n

ROOT = Path(__file__).resolve().parent.parent

ARTICLE = """---
title: Council lifts sanctions in Kabul
---
The council met on Monday.

## The decision

Read the [sanctions list](https://example.org/list) of the *Security Council* and `UN-1267` today.
The committee will **review** the list again next year.
Diplomats welcomed the decision.
"""

# Dari sentences a translator might write: Arabic script only, so the
# HTML shows them as they are (no direction spans inside).
DARI = ["شورا تحریم‌ها را برداشت", "شورا روز دوشنبه جلسه کرد.", "تصمیم",
        "امروز {2}شورای امنیت{/2} {1}فهرست تحریم{/1} را بخوانید {3/}.",   # placeholders moved
        "کمیته سال آینده فهرست را دوباره بررسی خواهد کرد.",               # {1} dropped
        "دپلومات‌ها از این تصمیم استقبال کردند."]


def run(*args, **env):
    result = CliRunner().invoke(cli, [*map(str, args)], catch_exceptions=False, env=env or None)
    return result


@pytest.fixture
def project(tmp_path, multilingual_model_factory):
    from translate.translation.models.multilingual import MultilingualStore

    store = tmp_path / "multilingual"
    MultilingualStore(store).add(multilingual_model_factory(family="nllb"))
    source = tmp_path / "src" / "council.md"
    source.parent.mkdir()
    source.write_text(ARTICLE, encoding="utf-8")
    return {"store": store, "source": source, "cache": tmp_path / "memory.sqlite3", "out": tmp_path / "out",
            "work": tmp_path / "work"}


def export(p, fmt="po"):
    result = run("export", p["source"], "--to", "prs", "--format", fmt, "-o", p["work"],
                 "--multilingual-dir", p["store"], "--cache", p["cache"])
    assert result.exit_code == 0, result.output
    return p["work"] / f"council.prs.{'po' if fmt == 'po' else 'xlf'}"


def publish(p):
    result = run("publish", p["source"], "--to", "prs", "--format", "md,html", "--output", p["out"],
                 "--multilingual-dir", p["store"], "--cache", p["cache"])
    assert result.exit_code == 0, result.output
    folder = p["out"] / "council"
    return (result, (folder / "prs" / "council.prs.md").read_text(encoding="utf-8"),
            (folder / "prs" / "council.prs.html").read_text(encoding="utf-8"),
            json.loads((folder / "manifest.json").read_text(encoding="utf-8")))


def notice(key: str, reviewed: int = 0, total: int = 0) -> str:
    """The notice as the committed catalogue says it, in the edition's digits."""
    with open(ROOT / "locales" / key / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        gettext = Translations(handle).gettext
    if reviewed == total:
        return gettext("Translation of the English original, reviewed by a translator.")
    lang = ALL[key]
    return gettext("Machine translation of the English original, partly reviewed by a translator "
                   "(%(reviewed)s of %(total)s sentences).") % {
        "reviewed": l10n.format_number(reviewed, lang), "total": l10n.format_number(total, lang)}


def test_round_trip_po_import_publish_republish_and_an_edited_sentence(project):
    p = project
    po_path = export(p)
    entries = [e for e in polib.pofile(str(po_path)) if e.msgid]
    assert len(entries) == 6
    assert all("fuzzy" in e.flags for e in entries), "machine output goes out fuzzy, to be reviewed"
    assert entries[3].msgid == ("Read the {1}sanctions list{/1} of the {2}Security Council{/2} and {3/} today.")
    assert any("link to https://example.org/list" in c for c in entries[3].comment.splitlines())

    # The translator: approves five sentences, leaves the last one fuzzy,
    # moves placeholders in one and drops one in another.
    catalogue = polib.pofile(str(po_path))
    catalogue.metadata["Last-Translator"] = "Farida Ahmadi <farida@example.org>"
    for entry, text in zip([e for e in catalogue if e.msgid], DARI):
        entry.msgstr = text
        if entry.msgid != "Diplomats welcomed the decision.":
            entry.flags.remove("fuzzy")
    catalogue.save(str(po_path))

    result = run("import", po_path, "--source", p["source"], "--cache", p["cache"])
    assert result.exit_code == 0, result.output
    assert "5 stored" in result.output and "1 still fuzzy" in result.output
    unit_of = {e.msgid: e.msgctxt for e in entries}
    dropped = unit_of["The committee will {1}review{/1} the list again next year."]
    assert re.search(rf"warning: unit {dropped} .*placeholder \{{1\}} \(strong emphasis\) is missing", result.output)
    assert re.search(rf"warning: unit {unit_of[entries[3].msgid]} .*another order", result.output)

    result, md, html, manifest = publish(p)
    assert "5 of 6 sentences from approved human translations" in result.output
    assert "شورا روز دوشنبه جلسه کرد." in html and "کمیته سال آینده فهرست را دوباره بررسی خواهد کرد." in html
    assert "دپلومات‌ها" not in md, "a fuzzy unit is not approved"
    # the moved placeholders: the link and the emphasis wrap the translator's words, the code is verbatim
    assert "[فهرست تحریم](https://example.org/list)" in md and "*شورای امنیت*" in md and "`UN-1267`" in md
    assert notice("prs", 5, 6) in html
    index = (p["out"] / "council" / "index.html").read_text(encoding="utf-8")
    assert f'<p class="edition-status">{notice("prs", 5, 6)}</p>' in index, "the index says it too"
    review = manifest["editions"]["prs"]["review"]
    assert review == {"segments": 6, "human": 5, "share": round(5 / 6, 4), "translators": [
        "Farida Ahmadi <farida@example.org>"]}

    # re-publishing changes nothing and keeps the human text
    again, md2, html2, _ = publish(p)
    assert (md2, html2) == (md, html)

    # `translate review` marks the human segments
    result = run("review", p["source"], "--to", "prs", "--output", p["out"],
                 TRANSLATE_MEMORY=str(p["cache"]), TRANSLATE_MODELS_DIR=str(p["store"]))
    assert result.exit_code == 0, result.output
    assert result.output.count("approved by Farida Ahmadi") == 5
    # the glossary checks the human title (no کابل for Kabul) and says so, but does not repair it
    assert "human translation: the glossary's term is not in it (not repaired)" in result.output
    assert md.startswith("---\ntitle: شورا تحریم‌ها را برداشت\n")

    # The editor changes one English sentence: exactly that one falls back to the machine.
    p["source"].write_text(ARTICLE.replace("The council met on Monday.", "The council met on Tuesday."),
                           encoding="utf-8")
    result, md3, html3, manifest = publish(p)
    assert "شورا روز دوشنبه جلسه کرد." not in md3
    for kept in (DARI[0], DARI[2], "کمیته سال آینده فهرست را دوباره بررسی خواهد کرد."):
        assert kept in md3
    assert manifest["editions"]["prs"]["review"]["human"] == 4
    assert notice("prs", 4, 6) in html3

    # ... and comes back to the translator as a fuzzy suggestion with the old English
    entries = {e.msgid: e for e in polib.pofile(str(export(p))) if e.msgid}
    suggestion = entries["The council met on Tuesday."]
    assert suggestion.msgstr == "شورا روز دوشنبه جلسه کرد."
    assert "fuzzy" in suggestion.flags and suggestion.previous_msgid == "The council met on Monday."
    # the unit the translator left fuzzy was not imported: it goes out again as the machine's
    left = entries["Diplomats welcomed the decision."]
    assert "fuzzy" in left.flags and left.msgstr != DARI[5]
    title = entries["Council lifts sanctions in Kabul"]
    assert title.msgstr == DARI[0] and "fuzzy" not in title.flags
    assert ("term Kabul → کابل: not applied (human translation: the glossary's term is not in it"
            in " ".join(title.comment.split())), "Babel wraps long comments"


def test_xliff_round_trip_approving_every_unit_makes_a_reviewed_edition(project, monkeypatch, tmp_path):
    import xml.etree.ElementTree as ET

    p = project
    # by default the files go to output/.work/<slug>/, outside what is distributed
    result = run("export", p["source"], "--to", "prs,ps", "--format", "xliff", "--output",
                 tmp_path / "project-output", "--multilingual-dir", p["store"], "--cache", p["cache"])
    assert result.exit_code == 0, result.output
    work = tmp_path / "project-output" / ".work" / "council"
    assert sorted(f.name for f in work.iterdir()) == ["council.prs.xlf", "council.ps.xlf"]
    path = export(p, "xliff")
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    tree = ET.parse(path)
    segments = tree.getroot().findall(".//x:segment", ns)
    assert len(segments) == 6 and {s.get("state") for s in segments} == {"initial"}
    # the translator rewrites each target keeping the inline codes, marks it final
    for segment, text in zip(segments, ["عنوان", "جمله دوم.", "تصمیم", None, "جمله پنجم.", "جمله ششم."]):
        target = segment.find("x:target", ns)
        if text is not None:
            for child in list(target):
                target.remove(child)
            target.text = text
            if segment.find("x:source", ns).findall(".//x:pc", ns):
                # keep the source's inline codes in the translation
                target.text = ""
                for code in segment.find("x:source", ns):
                    copy = ET.SubElement(target, code.tag, code.attrib)
                    copy.text, copy.tail = text, ""
        segment.set("state", "translated")
    tree.write(path, encoding="utf-8", xml_declaration=True)

    result = run("import", path, "--source", p["source"], "--cache", p["cache"], "--translator", "Nadia Rahimi")
    assert result.exit_code == 0, result.output
    assert "6 stored" in result.output
    _, md, html, manifest = publish(p)
    assert notice("prs", 6, 6) in html and "جمله ششم." in md
    assert manifest["editions"]["prs"]["review"]["share"] == 1.0
    assert manifest["editions"]["prs"]["review"]["translators"] == ["Nadia Rahimi"]


def test_bad_imports_change_nothing(project, tmp_path):
    p = project
    po_path = export(p)
    catalogue = polib.pofile(str(po_path))
    for entry in catalogue:
        if entry.msgid:
            entry.msgstr = "ترجمه"
            entry.flags = []
    catalogue.metadata["Last-Translator"] = "Farida Ahmadi"
    catalogue.save(str(po_path))
    memory = TranslationMemory(p["cache"])
    assert memory.all_human() == []

    def refused(path, *needles):
        result = run("import", path, "--source", p["source"], "--cache", p["cache"])
        assert result.exit_code == 1, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
        for needle in needles:
            assert needle in lines[0], lines[0]
        assert "Traceback" not in result.output
        assert memory.all_human() == [], "nothing imported"

    text = po_path.read_text(encoding="utf-8")
    # a file for another article (with the good file: all or none)
    other = tmp_path / "other.prs.po"
    other.write_text(text.replace("Project-Id-Version: council prs", "Project-Id-Version: budget prs"),
                     encoding="utf-8")
    result = run("import", po_path, other, "--source", p["source"], "--cache", p["cache"])
    assert result.exit_code == 1 and "for the article 'budget', not 'council'" in result.output
    assert memory.all_human() == []
    # the English edited in the file: which unit, what differs
    edited = tmp_path / "edited.prs.po"
    edited.write_text(text.replace('msgid "Diplomats welcomed the decision."',
                                   'msgid "Diplomats welcomed the vote."'), encoding="utf-8")
    refused(edited, "the English differs", "Diplomats welcomed the vote.", "Diplomats welcomed the decision.")
    # a broken file
    broken = tmp_path / "broken.prs.po"
    broken.write_text(text.replace('msgstr "ترجمه"', 'msgstr "ترجمه', 1), encoding="utf-8")
    refused(broken, "broken.prs.po")
    # a duplicate unit id
    duplicate = tmp_path / "duplicate.prs.po"
    block = text.split("\n\n")[-1]
    duplicate.write_text(text + "\n" + block.replace("ترجمه", "دوباره"), encoding="utf-8")
    refused(duplicate, "appears twice")
    # a placeholder the English does not have
    bad_placeholder = tmp_path / "placeholder.prs.po"
    bad_placeholder.write_text(text.replace('msgstr "ترجمه"', 'msgstr "ترجمه {7/}"', 1), encoding="utf-8")
    refused(bad_placeholder, "placeholder {7} is not in the English source")
