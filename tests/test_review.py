"""The review (terminal and HTML) and the `review` / `glossary` commands."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner

from glossary_engine import DictionaryEngine
from translate.translation import glossary as gl
from translate.cli.main import cli
from translate.project.languages import TARGETS
from translate.translation.records import EditionRecord, SegmentRecord, Step, TermReport
from translate.translation.review import PDI, RLI, choice_text, review_html, review_text, term_counts, word_diff

ROOT = Path(__file__).resolve().parent.parent
HEADER = "source,target,forms,flag,note\n"


def make_record(lang: str, engine: DictionaryEngine, sources: list[str], glossary) -> EditionRecord:
    segments = []
    for i, (source, raw) in enumerate(zip(sources, engine.translate(sources))):
        final, terms = gl.enforce(glossary, source, raw)
        segments.append(SegmentRecord(i, source, raw, final.text, (Step("glossary", final.text, tuple(terms)),)))
    return EditionRecord(lang, engine.info, tuple(segments))


@pytest.fixture
def prs_record():
    prs = gl.load_for("prs", locales_dir=ROOT / "locales")
    engine = DictionaryEngine({"Taliban": "امارت اسلامی", "Russia": "روسیه", "<b>": "<b>"}, script="arabic")
    return make_record("prs", engine, ["Russia and the Taliban <b>", "Nothing to see."], prs)


def test_word_diff_rebuilds_both_texts():
    runs = word_diff("a b c d", "a x c d e")
    assert "".join(t for op, t in runs if op != "insert") == "a b c d"
    assert "".join(t for op, t in runs if op != "delete") == "a x c d e"
    assert ("delete", "b") in runs and ("insert", "x") in runs


def test_review_text_shows_every_segment_statuses_and_diff(prs_record):
    out = review_text(prs_record, "prs")
    plain = click.unstyle(out)
    assert "\x1b[" in out                        # coloured for the terminal
    assert "Review of the Dari (prs) edition" in plain
    assert ("2 occurrences — placed in context 2 (1 already right, 0 derived words kept, 1 placed); missing in "
            "the machine translation 0; could not apply 0 (100% placed)") in plain
    assert "segment 1/2" in plain and "segment 2/2" in plain
    assert "already right   Russia → " in plain
    assert "placed          Taliban → " in plain
    # why in words, and the glossary's note (why the term reads as it does)
    assert "why: \u2068the dictionary form: nothing in the sentence tells its case or number" in plain
    assert "note: \u2068Follow the source: طالبان." in plain
    assert "flagged alternative 'امارت اسلامی'" in plain
    # The glossary's change as a word diff: the flagged words out, the term in.
    assert "[-امارت اسلامی-]{+طالبان+}" in plain
    assert "(unchanged by the glossary)" in plain
    # Right-to-left text is isolated, labels stay left-to-right outside the isolates.
    raw_line = next(line for line in plain.splitlines() if line.strip().startswith("raw"))
    assert raw_line.rstrip().endswith(PDI) and RLI in raw_line and "raw" not in raw_line.split(RLI, 1)[1]


def test_review_text_lists_terms_that_could_not_be_placed():
    ru = gl.load_for("ru", locales_dir=ROOT / "locales")
    record = make_record("ru", DictionaryEngine({"Taliban": "движение"}, align=False), ["The Taliban"], ru)
    plain = click.unstyle(review_text(record, TARGETS["ru"]))
    assert RLI not in plain
    assert "✗ could not apply Taliban → Талибан" in plain
    assert "Terms that could not be placed (1):\n  segment 1: Taliban → Талибан" in plain
    assert term_counts(record).placed_share == 0


def test_review_html_is_escaped_standalone_and_directional(prs_record):
    page = review_html(prs_record, "prs", "Title <script>alert(1)</script>")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>" not in page and "Title &lt;script&gt;" in page
    assert "&lt;b&gt;" in page and "<b>" not in page
    assert 'lang="fa-AF" dir="rtl"' in page
    assert "<del>امارت اسلامی</del><ins>طالبان</ins>" in page
    assert "href=" not in page and "src=" not in page    # nothing external
    assert re.search(r'<li class="applied"><span class="status">placed</span>:\s*<bdi lang="en" dir="ltr">Taliban', page)
    assert "Glossary note: <bdi>Follow the source: طالبان." in page
    assert html.unescape(page).count("Russia</bdi> → ") == 1
    # every quoted text is isolated in its language: the Dari terms, the English source terms and title
    assert re.search(r'<bdi lang="en" dir="ltr">Russia</bdi> → <bdi lang="fa-AF" dir="rtl">[^<]+</bdi>', page)
    assert '<h1>Review: <bdi lang="en" dir="ltr">Title &lt;script&gt;' in page
    assert re.search(r'<p class="meta">Model: <bdi lang="en" dir="ltr">[^<(]+</bdi></p>', page)


# --- glossary check ---------------------------------------------------------------

def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_glossary_check_on_the_real_glossaries_and_article():
    result = CliRunner().invoke(cli, ["glossary", "check", "--locales", str(ROOT / "locales"),
                                                 str(ROOT / "source" / "taliban-delisting.md")])
    assert result.exit_code == 0, result.output
    assert "Russian (ru): 24 terms, valid" in result.output
    assert "every term has an entry in every glossary" in result.output


def test_glossary_check_reports_problems_and_missing_terms(tmp_path):
    locales = tmp_path / "locales"
    write(locales / "ru" / "glossary.csv", HEADER + "Taliban,Талибан,,,\nRussia,Россия,,,\n")
    write(locales / "kk" / "glossary.csv", HEADER + "Taliban,Талибан,,,\n")
    write(locales / "ps" / "glossary.csv", HEADER + "Taliban,طالبان,,,\nTaliban,طالبانو,,,\n")
    article = write(tmp_path / "a.md", "---\ntitle: Russia\n---\n\nRussia and the Taliban.\n")
    result = CliRunner().invoke(cli, ["glossary", "check", "--locales", str(locales), str(article)])
    assert result.exit_code == 1
    out = result.output
    assert "Pashto (ps): 1 problem(s)" in out and "ps/glossary.csv:3: duplicate of line 2" in out
    # no project glossary for Dari: the built-in one applies, and check says so
    assert "Dari (prs): 24 terms, valid (built-in prs/glossary.csv)" in out
    assert "Russian (ru): 2 terms, valid (locales/ru/glossary.csv)" in out
    assert "'Russia': missing in kk" in out
    assert "'Taliban': missing" not in out


# --- glossary diff ----------------------------------------------------------------

OLD_RU = HEADER + "Taliban,Талибан,,,\nRussia,Россия,Росси{и|ю},,\nMoscow,Москва,,,old note\n"
NEW_RU = HEADER + "Taliban,Талибан,,,\nRussia,Российская Федерация,,,\nMoscow,Москва,,,new note\nKabul,Кабул,,,\n"
ARTICLE = "---\ntitle: Russia and Kabul\n---\n\nRussia talks to the Taliban. Moscow waits. The weather is fine.\n"


@pytest.fixture
def diff_files(tmp_path):
    old = write(tmp_path / "old" / "ru" / "glossary.csv", OLD_RU)
    new = write(tmp_path / "new" / "ru" / "glossary.csv", NEW_RU)
    article = write(tmp_path / "a.md", ARTICLE)
    return old, new, article


def test_glossary_diff_lists_changes_and_retranslates_only_affected_segments(diff_files, monkeypatch):
    old, new, article = diff_files
    engine = DictionaryEngine({"Russia": "Россия", "Taliban": "Талибан", "Kabul": "Кабул"})
    # diff resolves the configured engine, then builds it: stand in for both
    choice = SimpleNamespace(adapted=False)
    monkeypatch.setattr("translate.translation.models.routing.resolve", lambda lang, *a, **k: choice)
    monkeypatch.setattr("translate.translation.models.routing.build_engine", lambda c, options=None: engine if c is choice else None)
    result = CliRunner().invoke(cli, ["glossary", "diff", str(old), str(new), "--articles", str(article),
                                      "--no-cache"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "+ added    Kabul → Кабул" in out
    assert "~ changed  Russia: target: Россия ⇒ Российская Федерация; forms: России; Россию ⇒ (none)" in out
    # a changed note is a word diff, its changed words isolated; the text changes name their term
    assert "~ changed  Moscow: note: [-old-]{+new+} note  (note only: no text changes)" in out
    assert "term Russia → Российская Федерация: «Россия» (already-right) ⇒ «Российская Федерация» (applied)" in out
    assert "Segments that contain an affected term (2):" in out
    assert "a.md segment 1: Kabul, Russia" in out and "a.md segment 2: Russia" in out
    # Only the affected segments went to the engine, in one batch.
    assert engine.calls == [["Russia and Kabul", "Russia talks to the Taliban."]]
    assert "{+Российская Федерация+}" in out
    assert "2 of 2 affected segment(s) would read differently." in out


def test_glossary_diff_without_a_model_still_lists_segments(diff_files, tmp_path):
    old, new, article = diff_files
    result = CliRunner().invoke(cli, ["glossary", "diff", str(old), str(new), "--articles", str(article),
                                                 "--models-dir", str(tmp_path / "no-models")])
    assert result.exit_code == 0, result.output
    assert "a.md segment 2: Russia" in result.output
    assert "No model installed for Russian (ru)" in result.output
    assert "not re-translated" in result.output


def test_glossary_diff_against_a_git_revision(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    path = write(repo / "locales" / "ru" / "glossary.csv", OLD_RU)
    article = write(repo / "a.md", ARTICLE)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "v1"], check=True)
    path.write_text(NEW_RU, encoding="utf-8")
    monkeypatch.chdir(repo)
    runner = CliRunner()
    result = runner.invoke(cli, ["glossary", "diff", "HEAD:locales/ru/glossary.csv", "locales/ru/glossary.csv",
                                            "--articles", str(article), "--models-dir", str(tmp_path / "none")])
    assert result.exit_code == 0, result.output
    assert "HEAD:locales/ru/glossary.csv (3 terms) → locales/ru/glossary.csv (4 terms)" in result.output
    assert "+ added    Kabul → Кабул" in result.output
    bad = runner.invoke(cli, ["glossary", "diff", "HEAD~5:locales/ru/glossary.csv", "locales/ru/glossary.csv"])
    assert bad.exit_code == 1 and "cannot read HEAD~5:locales/ru/glossary.csv from git" in bad.output
    assert "Traceback" not in bad.output


def test_glossary_diff_needs_a_language_when_the_path_has_none(tmp_path):
    a, b = write(tmp_path / "a.csv", OLD_RU), write(tmp_path / "b.csv", NEW_RU)
    result = CliRunner().invoke(cli, ["glossary", "diff", str(a), str(b)])
    assert result.exit_code == 1 and "add --lang KEY" in result.output


# --- translate review -------------------------------------------------------------

def test_review_command_prints_and_writes_the_page(tmp_path, monkeypatch):
    engine = DictionaryEngine({"Taliban": "امارت اسلامی"}, script="arabic")
    # the review resolves the configured engine, then builds it: stand in for both
    choice = SimpleNamespace(adapted=False)
    monkeypatch.setattr("translate.translation.models.routing.resolve", lambda lang, *a, **k: choice)
    monkeypatch.setattr("translate.translation.models.routing.build_engine", lambda c, options=None: engine if c is choice else None)
    article = write(tmp_path / "story.md", "---\ntitle: The Taliban\nslug: story\n---\n\nRussia and the Taliban.\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["review", str(article), "--to", "prs", "--output", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "Review of the Dari (prs) edition" in result.output
    assert "[-امارت اسلامی-]{+طالبان+}" in result.output
    page = out / ".work" / "story" / "review" / "story.prs.review.html"
    assert not (out / "story").exists()   # a working file, never among the published ones
    assert "<ins>طالبان</ins>" in page.read_text(encoding="utf-8")


def test_review_command_rejects_an_unknown_language(tmp_path):
    article = write(tmp_path / "story.md", "---\ntitle: T\n---\n\nText.\n")
    result = CliRunner().invoke(cli, ["review", str(article), "--to", "fr"])
    assert result.exit_code == 2 and "unknown language key 'fr'" in result.output


def test_review_shows_the_chosen_form_its_score_and_the_runner_up():
    """With a model, each repaired term says what the model scored and what came second."""
    from glossary_engine import CorpusTermModel

    ru = gl.load_for("ru", locales_dir=ROOT / "locales")
    # The engine left the term in English: nothing in the sentence says its
    # case, so every case is a candidate and the model chooses.
    engine = DictionaryEngine({"Taliban": "Taliban", "said": "заявил"}, drop=("the",))
    source = "the Taliban said"
    (raw,) = engine.translate([source])
    # The model has seen «Талибан заявил»: it must pick the nominative.
    model = CorpusTermModel("Талибан заявил о переговорах.\nСанкции против Талибана.")
    final, terms = gl.enforce(ru, source, raw, model=model)
    record = EditionRecord("ru", engine.info, (SegmentRecord(0, source, raw, final.text, (Step("glossary", final.text, tuple(terms)),)),))
    (term,) = terms
    assert term.found == "Талибан" and term.score is not None and term.runner_up
    assert term.score >= term.runner_up_score
    plain = click.unstyle(review_text(record, TARGETS["ru"]))
    # why in words, not a raw score
    assert f"why: the model preferred it clearly over «{term.runner_up}»" in plain
    assert f"{term.score:.2f}" not in plain
    page = review_html(record, "ru", "t")
    assert f"Why: <bdi>the model preferred it clearly over «{term.runner_up}»" in html.unescape(page)


def test_glossary_diff_isolates_dari_and_ties_each_changed_segment_to_its_term(tmp_path, monkeypatch):
    old = write(tmp_path / "old" / "prs" / "glossary.csv",
                HEADER + "full partnership,مشارکت کامل,,,the old note\nRussia,روسیه,,,\n")
    new = write(tmp_path / "new" / "prs" / "glossary.csv",
                HEADER + "full partnership,همکاری کامل,,مشارکت کامل,the new note\nRussia,روسیه,,,\n")
    article = write(tmp_path / "a.md", "---\ntitle: T\n---\n\nRussia wants a full partnership.\n")
    engine = DictionaryEngine({"Russia": "روسیه", "full partnership": "مشارکت کامل"}, script="arabic")
    choice = SimpleNamespace(adapted=False)
    monkeypatch.setattr("translate.translation.models.routing.resolve", lambda lang, *a, **k: choice)
    monkeypatch.setattr("translate.translation.models.routing.build_engine", lambda c, options=None: engine)
    result = CliRunner().invoke(cli, ["glossary", "diff", str(old), str(new), "--articles", str(article), "--no-cache"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"target: {RLI}مشارکت کامل{PDI} ⇒ {RLI}همکاری کامل{PDI}" in out
    assert "note: the [-\u2068old\u2069-]{+\u2068new\u2069+} note" in out
    new_line = next(line for line in out.splitlines() if line.strip().startswith("new:"))
    assert new_line.strip().startswith(f"new: {RLI}") and new_line.endswith(PDI)
    assert (f"term full partnership → {RLI}همکاری کامل{PDI}: «{RLI}مشارکت کامل{PDI}» (already-right) ⇒ "
            f"«{RLI}همکاری کامل{PDI}» (applied)") in out


def test_a_zwnj_in_a_runner_up_prints_as_itself_not_as_an_escape():
    term = TermReport("Taliban", "طالبان", "applied", found="طالبان", score=-1.0,
                      runner_up="طالب\u200cها", runner_up_score=-2.0)
    text = choice_text(term)
    assert "\u200c" in text and "\\u200c" not in text and "'" not in text
