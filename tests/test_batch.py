"""Publishing many articles in one run (translate.batch): each model loaded
once, the articles of a language in one engine call, pages rendered by worker
processes, one bad article listed and the others published."""

import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from translate.cli import cli
from translate.markdown_reader import read_markdown

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "source" / "taliban-delisting.md"
LANGS = ("ru", "prs", "ps", "kk")


def publish(*args):
    return CliRunner().invoke(cli, ["publish", *args], catch_exceptions=False)


def write_articles(folder: Path, n: int) -> list[Path]:
    """``n`` articles: the sample article under other slugs, each with a sentence of its own."""
    text = ARTICLE.read_text(encoding="utf-8")
    assert "slug: taliban-delisting" in text
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        slug = f"article-{i}"
        own = text.replace("slug: taliban-delisting", f"slug: {slug}")
        own += f"\nThis note belongs to article number {i} and to no other article.\n"
        (folder / f"{slug}.md").write_text(own, encoding="utf-8")
        paths.append(folder / f"{slug}.md")
    return paths


@pytest.fixture
def models(tmp_path, ru_argos_package, multilingual_model_factory):
    """ru through an Argos package, prs/ps/kk through one NLLB-shaped model: two models."""
    from translate.models.multilingual import MultilingualStore

    argos = tmp_path / "models"
    result = CliRunner().invoke(cli, ["models", "add", str(ru_argos_package), "--models-dir", str(argos)])
    assert result.exit_code == 0, result.output
    multilingual = tmp_path / "multilingual"
    MultilingualStore(multilingual).add(multilingual_model_factory(family="nllb"))
    return ["--models-dir", str(argos), "--multilingual-dir", str(multilingual)]


@pytest.fixture
def loads(monkeypatch):
    """Every CTranslate2 model load of the run, by model folder."""
    from translate.engines import ct2

    counted = Counter()
    original = ct2.load_translator

    def counting(model_dir, options):
        counted[Path(model_dir)] += 1
        return original(model_dir, options)

    monkeypatch.setattr(ct2, "load_translator", counting)
    return counted


@pytest.fixture
def engine_calls(monkeypatch):
    """The source sentences of every translate call that reaches CTranslate2."""
    import ctranslate2

    calls = []
    original = ctranslate2.Translator.translate_iterable

    def spy(self, source, *args, **kwargs):
        source = list(source)
        calls.append(source)
        return original(self, iter(source), *args, **kwargs)

    monkeypatch.setattr(ctranslate2.Translator, "translate_iterable", spy)
    return calls


def test_each_model_loaded_once_and_each_language_translated_in_one_call(tmp_path, models, loads,
                                                                         engine_calls):
    sources = write_articles(tmp_path / "src", 3)
    out = tmp_path / "out"
    cache = tmp_path / "memory.sqlite3"
    result = publish(*map(str, sources), "--to", ",".join(LANGS), *models, "--output", str(out),
                     "--format", "md", "--cache", str(cache), "--jobs", "1")
    assert result.exit_code == 0, result.output
    # 3 articles x 4 languages, 2 distinct models: 2 loads, not 12
    assert sorted(loads.values()) == [1, 1], loads
    # one call per language, holding the segments of all three articles
    per_article = len(read_markdown(sources[0].read_text()).segments())
    assert len(engine_calls) == 4
    assert all(len(call) == 3 * per_article for call in engine_calls)
    for i in range(3):
        manifest = json.loads((out / f"article-{i}" / "manifest.json").read_text())
        assert set(manifest["editions"]) == {"en", *LANGS}
        md = (out / f"article-{i}" / "kk" / f"article-{i}.kk.md").read_text()
        assert any("\u0400" <= ch <= "\u04ff" for ch in md)

    # One sentence of one article edited: only that sentence goes to the
    # models (the memory answers the rest), one call per language.
    engine_calls.clear()
    loads.clear()
    text = sources[1].read_text()
    sources[1].write_text(text.replace("article number 1 and", "article number 1, edited, and"))
    result = publish(*map(str, sources), "--to", ",".join(LANGS), *models, "--output", str(out),
                     "--format", "md", "--cache", str(cache), "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert len(engine_calls) == 4 and all(len(call) == 1 for call in engine_calls), engine_calls
    assert sorted(loads.values()) == [1, 1]
    assert result.output.count(f"{per_article - 1} of {per_article} segments from the translation memory") == 4
    # the two other articles were carried over, untouched
    assert "article-0" in result.output and "unchanged since" in result.output

    # Nothing changed: no model is loaded at all.
    engine_calls.clear()
    loads.clear()
    result = publish(*map(str, sources), "--to", ",".join(LANGS), *models, "--output", str(out),
                     "--format", "md", "--cache", str(cache))
    assert result.exit_code == 0, result.output
    assert not loads and not engine_calls


def test_two_render_jobs_write_the_same_bytes_as_one(tmp_path, models, monkeypatch):
    from translate import publication as command

    fixed = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(command, "now", lambda: fixed)
    # fontTools stamps the time of typesetting into each embedded font
    # subset unless this is set: PDFs of different seconds differ anyway.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(fixed.timestamp())))
    sources = write_articles(tmp_path / "src", 2)
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        result = publish(*map(str, sources), "--to", "ru,kk", *models, "--output", str(out),
                         "--format", "md,html,pdf", "--cache", str(tmp_path / f"memory-{jobs}.sqlite3"),
                         "--jobs", jobs)
        assert result.exit_code == 0, result.output
        outputs[jobs] = {p.relative_to(out).as_posix(): p.read_bytes()
                         for p in out.rglob("*") if p.is_file() and ".work" not in p.parts}
    assert len([name for name in outputs["1"] if name.endswith(".pdf")]) == 2 * 3
    assert outputs["1"].keys() == outputs["2"].keys()
    different = [name for name in outputs["1"] if outputs["1"][name] != outputs["2"][name]]
    assert not different


def test_a_failing_article_is_listed_and_the_others_are_published(tmp_path, models):
    sources = write_articles(tmp_path / "src", 3)
    empty = tmp_path / "src" / "empty.md"
    empty.write_text("")
    out = tmp_path / "out"
    out.mkdir()
    (out / "article-1").write_text("a file where the article's folder goes")
    result = publish(*map(str, sources), str(empty), "--to", "ru,kk", *models, "--output", str(out),
                     "--format", "md,html")
    assert result.exit_code == 1
    for i in (0, 2):
        assert (out / f"article-{i}" / "kk" / f"article-{i}.kk.html").is_file()
    assert (out / "article-1").read_text() == "a file where the article's folder goes"
    table = result.output[result.output.index("4 articles:"):].splitlines()
    rows = {line.split()[0]: line.split()[1] for line in table[1:] if line.strip()}
    assert rows == {"article-0": "ok", "article-1": "failed", "article-2": "ok", "empty": "failed"}
    assert "is a file" in next(line for line in table if line.strip().startswith("article-1"))
    assert "empty" in next(line for line in table if line.strip().startswith("empty "))


def test_an_unchanged_article_is_recognised_without_reading_its_markdown(tmp_path, models, monkeypatch):
    from translate import markdown_reader, source, unchanged

    assert unchanged.MAX_SOURCE_BYTES == source.MAX_SOURCE_BYTES
    sources = write_articles(tmp_path / "src", 2)
    out = tmp_path / "out"
    args = [*map(str, sources), "--to", "ru,kk", *models, "--output", str(out), "--format", "md,html",
            "--cache", str(tmp_path / "memory.sqlite3")]
    assert publish(*args).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and ".work" not in p.parts}

    parsed = []
    original = markdown_reader.read_markdown
    monkeypatch.setattr(markdown_reader, "read_markdown", lambda *a, **k: parsed.append(1) or original(*a, **k))
    monkeypatch.setattr(source, "read_markdown", markdown_reader.read_markdown)
    result = publish(*args)
    assert result.exit_code == 0, result.output
    assert not parsed
    assert result.output.count("files kept, not rendered again") == 2 * 3
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and ".work" not in p.parts} == before

    # A touched published file, or an edited source, goes the full way again.
    (out / "article-0" / "index.html").write_text("tampered")
    sources[1].write_text(sources[1].read_text().replace("no other article", "no other article at all"))
    result = publish(*args)
    assert result.exit_code == 0, result.output
    assert len(parsed) == 2
    assert (out / "article-0" / "index.html").read_bytes() == before[out / "article-0" / "index.html"]
