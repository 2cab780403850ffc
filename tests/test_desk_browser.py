"""The editor's desk in a real browser: `translate desk` started in its own
process on 127.0.0.1 (a free port), Debian's Chromium driven by Playwright,
a tiny real NLLB-shaped model translating (tests/modelkit.py). What an editor
does: correct a Dari sentence and publish it, approve a whole Pashto edition,
work by keyboard alone, meet a second editor on the same sentence, follow an
edited English sentence, change a glossary term; and what the desk refuses.

Set DESK_SCREENSHOTS=FOLDER to keep screenshots of the pages the tests see.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from pathlib import Path

import polib
import pytest
from babel.support import Translations
from click.testing import CliRunner
from playwright.sync_api import expect, sync_playwright

expect.set_options(timeout=60_000)

from deskkit import Desk, desk_env, launch_chromium
from translate.cli.main import cli
from translate.project.languages import ALL
from translate.publishing.render import l10n
from translate.publishing.render.textlayer import extract_text, letters
from translate.translation.memory import TranslationMemory
from translate.translation.models.multilingual import MultilingualStore

ROOT = Path(__file__).resolve().parent.parent
SHOTS = os.environ.get("DESK_SCREENSHOTS")
SLOW = 240_000   # ms: a publish renders four PDFs on a shared machine

COUNCIL = """---
title: Council lifts sanctions in Kabul
---
The council met on Monday.

## The decision

Read the [sanctions list](https://example.org/list) of the *Security Council* and `UN-1267` today.
The committee will **review** the list again next year.
Diplomats welcomed the decision.
"""

BRIEFING = """---
title: Briefing on Central Asia
---
Kazakhstan hosted the meeting.
The ministers talked about trade.
The talks will go on in spring.
"""

NOTES = """---
title: Notes from the meeting
---
The council met in the morning.
The envoy arrived on Monday.
"""

DARI = "شورا روز دوشنبه در کابل جلسه کرد."


def notice(key: str, reviewed: int, total: int) -> str:
    """The edition's notice as the committed catalogue says it, in its digits."""
    with open(ROOT / "locales" / key / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        gettext = Translations(handle).gettext
    if reviewed == total:
        return gettext("Translation of the English original, reviewed by a translator.")
    lang = ALL[key]
    return gettext("Machine translation of the English original, partly reviewed by a translator "
                   "(%(reviewed)s of %(total)s sentences).") % {
        "reviewed": l10n.format_number(reviewed, lang), "total": l10n.format_number(total, lang)}


@pytest.fixture(scope="module")
def project(tmp_path_factory, multilingual_model_factory):
    root = tmp_path_factory.mktemp("desk")
    store = root / "multilingual"
    MultilingualStore(store).add(multilingual_model_factory(family="nllb"))
    folder = root / "newsroom"
    (folder / "source").mkdir(parents=True)
    (folder / "translate.toml").write_text("", encoding="utf-8")
    for name, text in (("council", COUNCIL), ("briefing", BRIEFING), ("notes", NOTES)):
        (folder / "source" / f"{name}.md").write_text(text, encoding="utf-8")
    return {"root": folder, "store": store, "memory": root / "memory.sqlite3", "home": root / "user",
            "out": folder / "output"}


@pytest.fixture(scope="module")
def desk(project, tmp_path_factory):
    env = desk_env(project["home"], TRANSLATE_MODELS_DIR=str(project["store"]),
                   TRANSLATE_MEMORY=str(project["memory"]),
                   TRANSLATE_FONT_CACHE=str(tmp_path_factory.getbasetemp() / "webfont-cache"))
    running = Desk(project["root"], env, "--translator", "Farida Ahmadi")
    yield running
    status = running.stop()
    assert status == 0, running.output()
    assert "desk stopped (Ctrl-C)" in running.output()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


def open_desk(browser, desk, path: str = "/"):
    """A new editor (own cookies) on the desk, entered through the printed URL."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    # A first page makes the web fonts (seconds of fontTools when no cache
    # has them) on a machine shared with other test runs.
    context.set_default_timeout(120_000)
    context.set_default_navigation_timeout(120_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.errors = errors
    page.goto(desk.url, wait_until="domcontentloaded")
    if path != "/":
        page.goto(desk.base + path, wait_until="domcontentloaded")
    return page


def shot(page, name: str) -> None:
    if SHOTS:
        page.evaluate("document.fonts.ready.then(() => true)")
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def memory_of(project) -> TranslationMemory:
    return TranslationMemory(project["memory"])


def edition_cell(page, title: str, key: str):
    return page.locator("tr", has_text=title).locator(f'td[data-lang="{key}"]')


def csrf_of(desk) -> str:
    status, _, body = desk.request("GET", "/", headers={"Cookie": desk.cookie()})
    assert status == 200
    return re.search(r'name="csrf-token" content="([^"]+)"', body.decode()).group(1)


def post_sentence(desk, path: str, fields: dict, headers: dict) -> tuple[int, dict, bytes]:
    body = urllib.parse.urlencode(fields).encode()
    return desk.request("POST", path, body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", **headers})


# --- correcting, approving, publishing ------------------------------------------------------------


def test_a_dari_sentence_corrected_saved_and_published_shows_reviewed_in_html_and_pdf(desk, browser, project):
    page = open_desk(browser, desk)
    expect(page.get_by_role("heading", name="Articles")).to_be_visible()
    expect(edition_cell(page, "Council lifts sanctions in Kabul", "ru")).to_contain_text("missing model")
    expect(edition_cell(page, "Council lifts sanctions in Kabul", "prs")).to_contain_text("machine")
    shot(page, "articles.png")
    edition_cell(page, "Council lifts sanctions in Kabul", "prs").get_by_role("link", name="machine").click()
    expect(page).to_have_url(re.compile(r"/articles/council/prs$"))

    box = page.get_by_label("Translation of sentence 2 (Dari)")
    expect(box).to_have_attribute("dir", "rtl")
    box.fill(DARI)
    page.locator("#s-2").get_by_role("button", name="Save").click()
    expect(page.locator("#s-2 .message")).to_contain_text("Saved")
    expect(page.locator("#s-2 .approved-text")).to_have_text(DARI)
    expect(page.locator("#edition-status")).to_contain_text("partly reviewed (1 of 6)")
    shot(page, "dari-edition.png")

    # stored exactly as `translate import` stores an approved translation
    human = memory_of(project).human_for("prs", ["The council met on Monday."])["The council met on Monday."]
    assert (human.target, human.translator, human.slug, human.file) == (DARI, "Farida Ahmadi", "council", "desk")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", human.approved)

    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#summary")).to_contain_text("Published 4 of 5 editions; missing: ru", timeout=SLOW)
    expect(page.locator("#summary")).to_contain_text("1 of 6 sentences from approved human translations")
    shot(page, "publish-summary.png")

    html = (project["out"] / "council" / "prs" / "council.prs.html").read_text(encoding="utf-8")
    assert DARI in html and notice("prs", 1, 6) in html
    pdf_text = letters(extract_text(project["out"] / "council" / "prs" / "council.prs.pdf", "pdftotext"))
    assert letters(DARI) in pdf_text and letters(notice("prs", 1, 6)) in pdf_text
    manifest = json.loads((project["out"] / "council" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["editions"]["prs"]["review"]["human"] == 1

    # the list says so, and the published page opens from it, through the desk
    page.goto(desk.base + "/", wait_until="domcontentloaded")
    cell = edition_cell(page, "Council lifts sanctions in Kabul", "prs")
    expect(cell).to_contain_text("partly reviewed (1 of 6)")
    expect(cell.locator(".published")).to_contain_text("partly reviewed (1 of 6)")
    shot(page, "articles-after-publish.png")
    cell.get_by_role("link", name="HTML").click()
    expect(page.locator("body")).to_contain_text(DARI)
    expect(page.locator("body")).to_contain_text(notice("prs", 1, 6))
    assert not page.errors


def test_what_the_desk_saves_export_and_tmx_see(desk, browser, project, tmp_path):
    page = open_desk(browser, desk, "/articles/council/prs")
    text = "کمیته سال آینده فهرست را دوباره بررسی خواهد کرد."
    page.get_by_label("Translation of sentence 5 (Dari)").fill(text)
    page.locator("#s-5").get_by_role("button", name="Approve").click()
    expect(page.locator("#s-5 .message")).to_contain_text("Approved")
    common = ["--multilingual-dir", project["store"], "--cache", project["memory"]]
    result = CliRunner().invoke(cli, ["export", str(project["root"] / "source" / "council.md"), "--to", "prs",
                                      "-o", str(tmp_path), *map(str, common)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    entries = {e.msgid: e for e in polib.pofile(str(tmp_path / "council.prs.po")) if e.msgid}
    unit = entries["The committee will {1}review{/1} the list again next year."]
    assert unit.msgstr == text and "fuzzy" not in unit.flags
    tmx = tmp_path / "memory.tmx"
    result = CliRunner().invoke(cli, ["memory", "export", "--tmx", str(tmx), "--cache", str(project["memory"])])
    assert result.exit_code == 0, result.output
    assert text in tmx.read_text(encoding="utf-8") and DARI in tmx.read_text(encoding="utf-8")


def test_approving_every_pashto_sentence_makes_the_edition_reviewed(desk, browser, project):
    page = open_desk(browser, desk, "/articles/council/ps")
    sentences = page.locator("section.sentence")
    count = sentences.count()
    assert count == 6
    for number in range(1, count + 1):
        expect(page.get_by_label(f"Translation of sentence {number} (Pashto)")).to_be_visible()
        page.locator(f"#s-{number}").get_by_role("button", name="Approve").click()
        expect(page.locator(f"#s-{number} .message")).to_contain_text("Approved")
    expect(page.locator("#edition-status")).to_contain_text("reviewed")
    expect(page.locator("#edition-status")).not_to_contain_text("partly")
    stored = memory_of(project).article_human("ps", "council")
    assert len(stored) == 6 and {h.translator for h in stored} == {"Farida Ahmadi"}
    page.goto(desk.base + "/", wait_until="domcontentloaded")
    cell = edition_cell(page, "Council lifts sanctions in Kabul", "ps")
    expect(cell.locator("a.status")).to_have_text("reviewed")


def test_the_keyboard_alone_corrects_and_saves_a_sentence(desk, browser, project):
    page = open_desk(browser, desk, "/articles/briefing/kk")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "t-2":
            break
    else:
        pytest.fail("Tab never reached the editor of sentence 2")
    label = page.evaluate("document.activeElement.labels[0].textContent")
    assert label == "Translation of sentence 2 (Kazakh)"
    page.keyboard.press("Control+A")
    page.keyboard.type("Қазақстан кездесуді өткізді.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Approve"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Save"
    page.keyboard.press("Enter")
    expect(page.locator("#s-2 .message")).to_contain_text("Saved")
    # the focus stays where the editor works, and the change is announced
    assert page.evaluate("document.activeElement.id") == "t-2"
    expect(page.locator("#announce")).to_contain_text("Saved sentence 2")
    stored = memory_of(project).human_for("kk", ["Kazakhstan hosted the meeting."])
    assert stored["Kazakhstan hosted the meeting."].target == "Қазақстан кездесуді өткізді."


def test_two_editors_saving_one_sentence_see_a_conflict_and_keep_both_texts(desk, browser, project):
    first = open_desk(browser, desk, "/articles/briefing/kk")
    second = open_desk(browser, desk, "/articles/briefing/kk")
    second.get_by_label("Approving as").fill("Aigerim Bekova")
    second.get_by_label("Approving as").press("Enter")
    expect(second.get_by_label("Approving as")).to_have_value("Aigerim Bekova")

    first.get_by_label("Translation of sentence 3 (Kazakh)").fill("Министрлер сауда туралы сөйлесті.")
    first.locator("#s-3").get_by_role("button", name="Save").click()
    expect(first.locator("#s-3 .message")).to_contain_text("Saved")

    second.get_by_label("Translation of sentence 3 (Kazakh)").fill("Министрлер сауданы талқылады.")
    second.locator("#s-3").get_by_role("button", name="Save").click()
    conflict = second.locator("#s-3 .conflict")
    expect(conflict).to_be_visible()
    expect(conflict.locator(".theirs")).to_have_text("Министрлер сауда туралы сөйлесті.")
    expect(conflict.locator(".yours")).to_have_text("Министрлер сауданы талқылады.")
    expect(conflict).to_contain_text("Farida Ahmadi")
    expect(second.get_by_label("Translation of sentence 3 (Kazakh)")).to_have_value("Министрлер сауданы талқылады.")
    source = "The ministers talked about trade."
    assert memory_of(project).human_for("kk", [source])[source].target == "Министрлер сауда туралы сөйлесті."
    shot(second, "conflict.png")

    conflict.get_by_role("button", name="Save mine over theirs").click()
    expect(second.locator("#s-3 .message")).to_contain_text("Saved")
    stored = memory_of(project).human_for("kk", [source])[source]
    assert (stored.target, stored.translator) == ("Министрлер сауданы талқылады.", "Aigerim Bekova")
    first.reload()
    expect(first.locator("#s-3 .approved-text")).to_have_text("Министрлер сауданы талқылады.")


def test_a_sentence_whose_english_changed_offers_its_old_translation(desk, browser, project):
    csrf = csrf_of(desk)
    status, _, _ = post_sentence(desk, "/articles/notes/prs/sentences/3", {"text": "نماینده روز دوشنبه رسید.",
                                 "version": "", "intent": "save"}, {"Cookie": desk.cookie(), "X-CSRF-Token": csrf})
    assert status == 303
    source = project["root"] / "source" / "notes.md"
    source.write_text(NOTES.replace("on Monday", "on Tuesday"), encoding="utf-8")
    page = open_desk(browser, desk)
    expect(edition_cell(page, "Notes from the meeting", "prs").locator("a.status")).to_contain_text(
        "stale: the English of 1 sentence changed since approval")
    page.goto(desk.base + "/articles/notes/prs", wait_until="domcontentloaded")
    suggestion = page.locator("#s-3 .suggestion")
    expect(suggestion).to_contain_text("نماینده روز دوشنبه رسید.")
    expect(suggestion.locator("del")).to_have_text("Monday")
    expect(suggestion.locator("ins")).to_have_text("Tuesday")
    suggestion.get_by_role("button", name="Use the suggestion").click()
    expect(page.get_by_label("Translation of sentence 3 (Dari)")).to_have_value("نماینده روز دوشنبه رسید.")
    expect(page.get_by_label("Translation of sentence 3 (Dari)")).to_be_focused()


def test_a_glossary_change_is_previewed_sentence_by_sentence_and_saved_as_accepted(desk, browser, project):
    page = open_desk(browser, desk, "/glossary/prs")
    page.get_by_role("link", name="Edit Kabul").click()
    page.get_by_label("Dari term (target)").fill("کابل‌شهر")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.locator("#preview-summary")).to_contain_text("1 term change(s)")
    change = page.locator("fieldset.change")
    expect(change).to_contain_text("Kabul: target: کابل ⇒ کابل‌شهر")
    # the old form reads first in the English line, however the two Dari words would reorder
    old_box, new_box = (change.locator("legend bdi").nth(n).bounding_box() for n in (1, 2))
    assert old_box["x"] + old_box["width"] <= new_box["x"]
    expect(change.locator(".sentence-changes li").first).to_contain_text("Council lifts sanctions in Kabul, sentence 1")
    expect(change.locator(".diff").first).to_contain_text("کابل‌شهر")
    expect(change.locator(".diff ins").first).to_be_visible()
    assert not (project["root"] / "locales" / "prs" / "glossary.csv").exists(), "a preview saves nothing"

    # a changed file with two term changes; only one is accepted
    builtin = (ROOT / "locales" / "prs" / "glossary.csv").read_text(encoding="utf-8")
    changed = builtin.replace("Kabul,کابل,", "Kabul,کابل‌شهر,") + "Monday,دوشنبه,,,,a new term\n"
    page.goto(desk.base + "/glossary/prs", wait_until="domcontentloaded")
    page.get_by_label("or paste the whole file").fill(changed)
    page.get_by_role("button", name="Preview the changes").click()
    expect(page.locator("#preview-summary")).to_contain_text("2 term change(s)")
    page.get_by_label(re.compile("Accept: added Monday")).uncheck()
    page.get_by_role("button", name="Preview again with the accepted changes").click()
    expect(page.get_by_label(re.compile("Accept: added Monday"))).not_to_be_checked()
    expect(page.locator("fieldset.change.added")).to_contain_text("Not accepted")
    shot(page, "glossary-preview.png")
    page.get_by_role("button", name="Save the glossary").click()
    expect(page.locator("p.ok")).to_contain_text("Saved")
    saved = (project["root"] / "locales" / "prs" / "glossary.csv").read_text(encoding="utf-8")
    assert saved == builtin.replace("Kabul,کابل,", "Kabul,کابل‌شهر,"), "the accepted change and nothing else"


# --- what the desk refuses ----------------------------------------------------------------------------


def test_requests_without_the_token_from_another_host_or_without_csrf_are_refused(desk, browser, project):
    cookie = {"Cookie": desk.cookie()}
    assert desk.request("GET", "/")[0] == 403
    assert desk.request("GET", "/articles/council/prs")[0] == 403
    assert desk.request("GET", "/?token=not-the-token")[0] == 403
    status, headers, _ = desk.request("GET", f"/?token={desk.token}")
    assert status == 303 and headers["location"] == "/"
    assert "HttpOnly" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]
    status, headers, body = desk.request("GET", "/", headers=cookie)
    assert status == 200 and "script-src 'self'" in headers["content-security-policy"]
    # DNS rebinding: another name that points at 127.0.0.1
    for host in ("evil.example", f"evil.example:{desk.port}", f"127.0.0.1:{desk.port + 1}"):
        status, _, body = desk.request("GET", "/", headers=cookie, host=host)
        assert status == 400 and body.startswith(b"refused: the Host header"), host
    assert desk.request("GET", f"/?token={desk.token}", host="evil.example")[0] == 400

    # a change without the CSRF token, with a wrong one, or from another site
    csrf = csrf_of(desk)
    path = "/articles/briefing/kk/sentences/4"
    fields = {"text": "Келіссөздер көктемде жалғасады.", "version": "", "intent": "save"}
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": csrf, "Origin": "http://evil.example"},
                    {"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"}):
        status, _, body = post_sentence(desk, path, fields, {**cookie, **headers})
        assert status == 403 and body.startswith(b"refused"), headers
    assert post_sentence(desk, path + "?csrf=wrong", fields, cookie)[0] == 403
    assert not memory_of(project).human_for("kk", ["The talks will go on in spring."])
    assert post_sentence(desk, path, fields, {**cookie, "X-CSRF-Token": csrf})[0] == 303
    assert memory_of(project).human_for("kk", ["The talks will go on in spring."])

    # nothing outside the published files
    outside = project["root"] / "secret.txt"
    outside.write_text("not for the desk", encoding="utf-8")
    (project["out"] / "council").mkdir(parents=True, exist_ok=True)
    link = project["out"] / "council" / "link.html"
    link.unlink(missing_ok=True)
    link.symlink_to(outside)
    for path in ("/output/../secret.txt", "/output/%2e%2e/secret.txt", "/output/council/link.html",
                 "/output/.work/council/lock", "/output/../translate.toml", "/assets/../../translate.toml",
                 "/output/%2e%2e/%2e%2e/%2e%2e/etc/passwd"):
        status, _, body = desk.request("GET", path, headers=cookie)
        assert status == 404 and b"not for the desk" not in body, path

    # a browser without the token sees one line saying what to do
    context = browser.new_context()
    stranger = context.new_page()
    stranger.goto(desk.base + "/", wait_until="domcontentloaded")
    expect(stranger.locator("body")).to_contain_text("refused: this desk needs its token")
    context.close()


def test_every_text_is_escaped(desk, browser, project):
    csrf = csrf_of(desk)
    hostile = '<img src=x onerror="window.pwned=1"> & <b>bold</b> {{ 7*7 }}'
    status, _, _ = post_sentence(desk, "/articles/briefing/kk/sentences/1", {"text": hostile, "version": "",
                                 "intent": "save"}, {"Cookie": desk.cookie(), "X-CSRF-Token": csrf})
    assert status == 303
    page = open_desk(browser, desk, "/articles/briefing/kk")
    # "{{" and "}}" are the notation's literal braces (translate.translation.postedit.units)
    expect(page.locator("#s-1 .approved-text")).to_have_text(hostile.replace("{{", "{").replace("}}", "}"))
    assert page.locator("#s-1 img").count() == 0 and page.locator("#s-1 b").count() == 0
    assert page.evaluate("window.pwned") is None
    expect(page.get_by_label("Translation of sentence 1 (Kazakh)")).to_have_value(hostile)
