"""End to end: tiny real Argos packages installed through the CLI, the article published."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from translate.cli.main import cli
from translate.source.markdown_reader import read_markdown, split_front_matter

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "source" / "taliban-delisting.md"


@pytest.fixture
def models_dir(tmp_path, ru_argos_package):
    folder = tmp_path / "models"
    result = CliRunner().invoke(cli, ["models", "add", str(ru_argos_package), "--models-dir", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def publish(*args):
    return CliRunner().invoke(cli, ["publish", *args], catch_exceptions=False)


def test_publish_ru_and_report_missing_languages(tmp_path, models_dir):
    out = tmp_path / "out"
    result = publish(str(ARTICLE), "--to", "ru,prs,ps,kk", "--models-dir", str(models_dir),
                     "--output", str(out), "--format", "md")
    assert result.exit_code == 1, result.output
    ru = out / "taliban-delisting" / "ru" / "taliban-delisting.ru.md"
    assert ru.exists()
    source, edition = read_markdown(ARTICLE.read_text()), read_markdown(ru.read_text())
    # same structure, every segment translated (the tiny model writes its own pieces)
    assert edition.lang == "ru" and edition.slug == "taliban-delisting"
    assert [b.kind for b in edition.blocks] == [b.kind for b in source.blocks]
    assert all(b.segments and all(s.text.strip() for s in b.segments) for b in edition.blocks)
    assert not any(ch < " " and ch != "\n" for s in edition.segments() for ch in s.text)
    assert [s.text for s in edition.segments()] != [s.text for s in source.segments()]
    # the summary names each missing language with the command that fixes it
    for key in ("prs", "ps", "kk"):
        line = next(l for l in result.output.splitlines() if l.strip().startswith(key + " "))
        assert "missing" in line
    assert result.output.count("fix: translate models") == 3
    assert not (out / "taliban-delisting" / "prs").exists()


def test_all_sentences_of_a_language_go_in_one_batched_call(tmp_path, models_dir, monkeypatch):
    import ctranslate2

    calls = []
    original = ctranslate2.Translator.translate_iterable

    def spy(self, source, *args, **kwargs):
        source = list(source)
        calls.append((len(source), kwargs))
        return original(self, iter(source), *args, **kwargs)

    monkeypatch.setattr(ctranslate2.Translator, "translate_iterable", spy)
    result = publish(str(ARTICLE), "--to", "ru", "--models-dir", str(models_dir), "--output",
                     str(tmp_path / "o"), "--format", "md", "--beam-size", "2")
    assert result.exit_code == 0, result.output
    doc = read_markdown(ARTICLE.read_text())
    assert len(calls) == 1
    n, kwargs = calls[0]
    assert n == len(doc.segments())
    assert kwargs["batch_type"] == "tokens" and kwargs["beam_size"] == 2
    assert 16 < kwargs["max_decoding_length"] <= 1024


def test_publish_all_four_with_packages_for_each(tmp_path, argos_package_factory):
    folder = tmp_path / "models"
    for code in ("ru", "prs", "ps", "kk"):
        result = CliRunner().invoke(cli, ["models", "add", str(argos_package_factory(to_code=code)),
                                          "--models-dir", str(folder)])
        assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    # the default configuration sends prs, ps, kk to a multilingual model: route them to Argos
    result = publish(str(ARTICLE), "--models-dir", str(folder), "--output", str(out), "--format", "md",
                     "--engine", "prs=argos:prs", "--engine", "ps=argos:ps", "--engine", "kk=argos:kk")
    assert result.exit_code == 0, result.output
    for key in ("en", "ru", "prs", "ps", "kk"):
        assert (out / "taliban-delisting" / key / f"taliban-delisting.{key}.md").exists()
    manifest = json.loads((out / "taliban-delisting" / "manifest.json").read_text())
    assert manifest["editions"]["ru"]["model"]["engine"] == "argos"
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out / "taliban-delisting",
                          capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    assert sums.stdout.count(": OK") == len(manifest["files"]) + 1


def test_no_models_at_all_still_publishes_the_original_and_exits_nonzero(tmp_path):
    out = tmp_path / "out"
    result = publish(str(ARTICLE), "--models-dir", str(tmp_path / "empty"), "--output", str(out), "--format", "md")
    assert result.exit_code == 1
    assert (out / "taliban-delisting" / "en" / "taliban-delisting.en.md").exists()
    assert "Traceback" not in result.output


@pytest.mark.parametrize("content,message", [
    (b"", "no title"),
    (b"---\ntitle: T\n---\n", "no text after its front matter"),
    (b"\xff\xfe\x00bad", "not UTF-8"),
])
def test_bad_source_is_a_clear_error_and_nothing_is_written(tmp_path, content, message):
    bad = tmp_path / "bad article.md"
    bad.write_bytes(content)
    out = tmp_path / "out"
    result = publish(str(bad), "--output", str(out), "--models-dir", str(tmp_path / "m"))
    assert result.exit_code == 1
    assert message in result.output and str(bad) in result.output
    assert not any(p.is_file() for p in out.rglob("*"))


def test_output_path_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "file"
    target.write_text("keep me")
    result = publish(str(ARTICLE), "--output", str(target))
    assert result.exit_code == 2 and "is a file" in result.output
    assert target.read_text() == "keep me"


def _spy_engine_calls(monkeypatch):
    import ctranslate2

    calls = []
    original = ctranslate2.Translator.translate_iterable

    def spy(self, source, *args, **kwargs):
        source = list(source)
        calls.append(source)
        return original(self, iter(source), *args, **kwargs)

    monkeypatch.setattr(ctranslate2.Translator, "translate_iterable", spy)
    return calls


def test_memory_republish_translates_nothing_and_an_edit_only_its_sentence(tmp_path, models_dir, monkeypatch):
    article = tmp_path / "article.md"
    article.write_text(ARTICLE.read_text())
    out = tmp_path / "out"
    args = [str(article), "--to", "ru", "--models-dir", str(models_dir), "--output", str(out), "--format", "md"]
    calls = _spy_engine_calls(monkeypatch)
    assert publish(*args).exit_code == 0
    assert len(calls) == 1
    ru = out / "taliban-delisting" / "ru" / "taliban-delisting.ru.md"
    first = ru.read_text()
    # A time no write can give the file (a rewrite within the filesystem's
    # timestamp granularity would keep a fresh mtime), and its inode (a
    # replace by rename gives a new one): "not written" without a clock.
    os.utime(ru, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    untouched = (ru.stat().st_ino, ru.stat().st_mtime_ns)

    result = publish(*args)
    assert result.exit_code == 0
    assert len(calls) == 1, "an unchanged article must not reach the model"
    assert "not rendered again" in result.output
    assert (ru.stat().st_ino, ru.stat().st_mtime_ns) == untouched and ru.read_text() == first

    article.write_text(ARTICLE.read_text().replace("In a significant and potentially controversial move",
                                                   "In a significant and surprising move"))
    result = publish(*args)
    assert result.exit_code == 0
    assert len(calls) == 2 and len(calls[1]) == 1, "only the edited sentence is translated"
    assert "13 of 14 segments" in result.output
    assert ru.read_text() != first

    result = publish(*args, "--no-cache")
    assert len(calls) == 3 and len(calls[2]) == 14


def test_cache_clear_and_info(tmp_path, models_dir):
    memory = tmp_path / "tm.sqlite3"
    args = [str(ARTICLE), "--to", "ru", "--models-dir", str(models_dir), "--output", str(tmp_path / "o"),
            "--format", "md", "--cache", str(memory)]
    assert publish(*args).exit_code == 0
    runner = CliRunner()
    info = runner.invoke(cli, ["cache", "info", "--cache", str(memory)])
    assert info.exit_code == 0 and "14 segments" in info.output and "ru: 14" in info.output
    cleared = runner.invoke(cli, ["cache", "clear", "--cache", str(memory)])
    assert cleared.exit_code == 0 and "removed 14 segments" in cleared.output
    assert "0 segments" in runner.invoke(cli, ["cache", "info", "--cache", str(memory)]).output


def test_corrupt_memory_file_is_a_warning_and_kept(tmp_path):
    # issue 20: a damaged memory never stops a run that --no-cache would let through,
    # and nothing but `translate cache clear` touches it.
    memory = tmp_path / "tm.sqlite3"
    memory.write_bytes(b"this is not a database" * 100)
    result = publish(str(ARTICLE), "--to", "ru", "--output", str(tmp_path / "o"), "--cache", str(memory))
    assert "is damaged" in result.output and "going on without it" in result.output, result.output
    assert "translate cache clear" in result.output
    assert (tmp_path / "o" / "taliban-delisting" / "en" / "taliban-delisting.en.md").is_file()
    assert memory.read_bytes() == b"this is not a database" * 100
    assert "Traceback" not in result.output


def test_publish_all_four_with_argos_ru_and_a_multilingual_model(tmp_path, models_dir, multilingual_model_factory):
    from translate.translation.models.multilingual import MultilingualStore

    store = tmp_path / "multilingual"
    MultilingualStore(store).add(multilingual_model_factory(family="nllb"))
    out = tmp_path / "out"
    result = publish(str(ARTICLE), "--models-dir", str(models_dir), "--multilingual-dir", str(store),
                     "--output", str(out), "--format", "md")
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "taliban-delisting" / "manifest.json").read_text())
    engines = {key: manifest["editions"][key]["model"]["engine"] for key in ("ru", "prs", "ps", "kk")}
    assert engines == {"ru": "argos", "prs": "multilingual", "ps": "multilingual", "kk": "multilingual"}
    # an NLLB prs_Arab model writes Dari: no Iranian-to-Afghan adaptation
    assert manifest["editions"]["prs"]["adaptation"] is None
    for key, script in (("prs", "\u0600-\u06ff"), ("ps", "\u0600-\u06ff"), ("kk", "\u0400-\u04ff")):
        text = (out / "taliban-delisting" / key / f"taliban-delisting.{key}.md").read_text()
        body = split_front_matter(text)[1]
        assert re.search(f"[{script}]", body), key
        # no language token such as prs_Arab leaks into the text
        assert not re.search(r"[a-z]{3}_[A-Z][a-z]{3}|__[a-z]{2}__", body)


def test_dari_through_an_iranian_persian_model_is_adapted(tmp_path, argos_package_factory):
    folder = tmp_path / "models"
    result = CliRunner().invoke(cli, ["models", "add", str(argos_package_factory(to_code="fa")),
                                      "--models-dir", str(folder)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    result = publish(str(ARTICLE), "--to", "prs", "--models-dir", str(folder), "--output", str(out),
                     "--format", "md", "--engine", "prs=argos:fa")
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "taliban-delisting" / "manifest.json").read_text())
    assert manifest["editions"]["prs"]["adaptation"]["sha256"]
    assert "Afghan Dari adaptation" in result.output


def test_publish_html_and_pdf_for_every_edition(tmp_path, models_dir, multilingual_model_factory, monkeypatch):
    """The whole article, all five editions, every format; then the files hold together."""
    from pypdf import PdfReader

    from translate.translation.models.multilingual import MultilingualStore

    store = tmp_path / "multilingual"
    MultilingualStore(store).add(multilingual_model_factory(family="nllb"))
    out = tmp_path / "out"
    result = publish(str(ARTICLE), "--models-dir", str(models_dir), "--multilingual-dir", str(store),
                     "--output", str(out))
    assert result.exit_code == 0, result.output
    folder = out / "taliban-delisting"
    for key, lang_tag, direction in (("en", "en", "ltr"), ("ru", "ru", "ltr"), ("prs", "fa-AF", "rtl"),
                                     ("ps", "ps", "rtl"), ("kk", "kk", "ltr")):
        html = (folder / key / f"taliban-delisting.{key}.html").read_text()
        assert f'<html lang="{lang_tag}" dir="{direction}"' in html
        # each page links to the four other editions
        for other in ("en", "ru", "prs", "ps", "kk"):
            assert f"../{other}/taliban-delisting.{other}.html" in html
        reader = PdfReader(folder / key / f"taliban-delisting.{key}.pdf")
        assert len(reader.pages) >= 1
        assert reader.metadata.title
        text = "".join(page.extract_text() for page in reader.pages)
        edition = read_markdown((folder / key / f"taliban-delisting.{key}.md").read_text())
        first_words = edition.blocks[0].segments[0].text.split()[:2]
        assert all(word.strip(".,:;«»\"“”") in text for word in first_words), key
    index = (folder / "index.html").read_text()
    assert all(f"{k}/taliban-delisting.{k}.pdf" in index for k in ("en", "ru", "prs", "ps", "kk"))
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    from translate.project.languages import ALL
    from translate.publishing.render.webfonts import site_files

    # 5 editions x 3 formats, index, manifest, and the web fonts of the pages
    assert sums.returncode == 0 and sums.stdout.count(": OK") == 5 * 3 + 2 + len(site_files(ALL.values())), \
        sums.stdout

    # nothing changed: nothing is rendered again (not even the index), the files stay byte for byte
    import translate.publishing.render.html as html_module

    def no_render(*args, **kwargs):
        raise AssertionError("the index was rendered again although nothing changed")

    monkeypatch.setattr(html_module, "render_index", no_render)
    before = {p: p.read_bytes() for p in folder.rglob("*.pdf")}
    again = publish(str(ARTICLE), "--models-dir", str(models_dir), "--multilingual-dir", str(store),
                    "--output", str(out))
    assert again.exit_code == 0 and again.output.count("not rendered again") == 5
    assert {p: p.read_bytes() for p in folder.rglob("*.pdf")} == before


def test_carried_over_editions_follow_glossary_changes_and_new_editions(tmp_path, models_dir,
                                                                         multilingual_model_factory, monkeypatch):
    """An edition whose inputs did not change is not even translated again; a
    changed glossary or a new edition in the language switcher brings it back."""
    import shutil

    from translate.translation.models.multilingual import MultilingualStore

    store = tmp_path / "multilingual"
    MultilingualStore(store).add(multilingual_model_factory(family="nllb"))
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales)
    out = tmp_path / "out"
    base = [str(ARTICLE), "--models-dir", str(models_dir), "--multilingual-dir", str(store),
            "--output", str(out), "--locales", str(locales), "--format", "md,html"]
    calls = _spy_engine_calls(monkeypatch)
    assert publish(*base, "--to", "ru").exit_code == 0
    manifest = lambda: json.loads((out / "taliban-delisting" / "manifest.json").read_text())
    assert manifest()["editions"]["ru"]["glossary"] is not None

    again = publish(*base, "--to", "ru")
    assert again.exit_code == 0 and len(calls) == 1 and again.output.count("not rendered again") == 2

    glossary = locales / "ru" / "glossary.csv"              # the glossary changed: enforce again
    checksum = manifest()["editions"]["ru"]["glossary"]["sha256"]
    glossary.write_text(glossary.read_text(encoding="utf-8") + "Tashkent,Ташкент,,,,\n", encoding="utf-8")
    changed = publish(*base, "--to", "ru")
    assert changed.exit_code == 0 and len(calls) == 1     # the memory still answers
    assert manifest()["editions"]["ru"]["glossary"]["sha256"] != checksum
    assert "not rendered again" not in changed.output.split("\n  ru")[1].split("\n  ")[0]

    ru_html = out / "taliban-delisting" / "ru" / "taliban-delisting.ru.html"
    assert "taliban-delisting.prs.html" not in ru_html.read_text()
    added = publish(*base, "--to", "ru,prs")               # a new edition: every switcher links to it
    assert added.exit_code == 0
    assert "taliban-delisting.prs.html" in ru_html.read_text()
    assert "taliban-delisting.prs.html" in (out / "taliban-delisting" / "en" / "taliban-delisting.en.html").read_text()
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out / "taliban-delisting",
                          capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout
