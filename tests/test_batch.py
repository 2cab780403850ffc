"""Publishing several articles in one run (translate.publishing.run): the same bytes
as publishing them one by one, each model loaded once, one failing article
never stopping the others, and an unchanged re-publish that does not read
the Markdown. Tiny real models (tests/modelkit.py); nothing is timed."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from translate.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPHS = [p.strip() for p in (ROOT / "source" / "taliban-delisting.md").read_text().split("---", 2)[2]
              .split("\n\n") if p.strip()]
FIXED = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def article(folder: Path, slug: str, paragraphs: list[str], title: str | None = None) -> Path:
    path = folder / f"{slug}.md"
    body = "\n\n".join(paragraphs)
    path.write_text(f'---\ntitle: "{title or slug.replace("-", " ").title()}"\nslug: {slug}\n---\n\n{body}\n')
    return path


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory, ru_argos_package, multilingual_model_factory):
    """ru through its Argos package; prs and kk through one NLLB-shaped model."""
    root = tmp_path_factory.mktemp("batch-models")
    dirs = {"argos": root / "argos", "multi": root / "multi"}
    runner = CliRunner()
    for package in (ru_argos_package, multilingual_model_factory("nllb")):
        result = runner.invoke(cli, ["models", "add", str(package), "--models-dir", str(dirs["argos"]),
                                     "--multilingual-dir", str(dirs["multi"])])
        assert result.exit_code == 0, result.output
    return dirs


@pytest.fixture
def sources(tmp_path) -> list[Path]:
    """Three articles; the first paragraph is in two of them (decoded once)."""
    folder = tmp_path / "source"
    folder.mkdir()
    return [article(folder, "delisting", PARAGRAPHS[0:2]),
            article(folder, "reactions", [PARAGRAPHS[0], PARAGRAPHS[3]]),
            article(folder, "rationale", PARAGRAPHS[4:6])]


@pytest.fixture
def fixed_time(monkeypatch):
    from translate.publishing import article_editions

    monkeypatch.setattr(article_editions, "now", lambda: FIXED)
    # fontTools stamps each embedded font subset with the time it was made
    # (the 'head' table) unless SOURCE_DATE_EPOCH says which: the same page
    # rendered a second later is otherwise another PDF
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(FIXED.timestamp())))


@pytest.fixture
def loads(monkeypatch):
    """Every CTranslate2 model load of the run, by model folder."""
    from translate.translation.engines import ct2

    seen = []
    original = ct2.load_translator

    def counting(model_dir, options):
        seen.append(str(model_dir))
        return original(model_dir, options)

    monkeypatch.setattr(ct2, "load_translator", counting)
    return seen


def publish(model_dirs, out: Path, memory: Path, *args):
    env = {"TRANSLATE_MEMORY": str(memory)}
    return CliRunner().invoke(cli, ["publish", *map(str, args), "--models-dir", str(model_dirs["argos"]),
                                    "--multilingual-dir", str(model_dirs["multi"]), "--output", str(out)],
                              env=env, catch_exceptions=False)


def table(output: str, articles: int) -> list[list[str]]:
    """The run's table: per article, its slug, its state and the rest of its line."""
    after = output.split(f"\n{articles} articles:\n", 1)[1].splitlines()
    lines = [line for line in after[:articles] if line.startswith("  ")]
    assert len(lines) == articles, output
    return [line.split(None, 2) for line in lines]


def published_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".work" not in p.relative_to(out).parts}


def test_one_run_writes_the_bytes_of_one_by_one_and_loads_each_model_once(
        tmp_path, model_dirs, sources, fixed_time, loads):
    one_by_one, batch = tmp_path / "one", tmp_path / "batch"
    for source in sources:
        result = publish(model_dirs, one_by_one, tmp_path / "one.sqlite3", source, "--to", "ru,prs,kk",
                         "--format", "md,html,pdf", "--jobs", "1")
        assert result.exit_code == 0, result.output
    loads_one_by_one = list(loads)
    loads.clear()
    result = publish(model_dirs, batch, tmp_path / "batch.sqlite3", *sources, "--to", "ru,prs,kk",
                     "--format", "md,html,pdf", "--jobs", "2")
    assert result.exit_code == 0, result.output

    # each article's editions, translated and rendered in one run, byte for byte
    # those of publishing the articles one at a time
    one, many = published_files(one_by_one), published_files(batch)
    assert len(one) == len(many) and len([name for name in one if name.endswith(".pdf")]) == 12
    assert sorted(one) == sorted(many)
    assert [name for name in one if one[name] != many[name]] == []
    # the glossary was enforced in the batch run too: "Taliban" in every Russian edition is «Талибан»
    for slug in ("delisting", "reactions"):
        assert "Талибан" in many[f"{slug}/ru/{slug}.ru.md"].decode()
    # two models: ru's Argos package, and the NLLB model shared by prs and kk, each loaded once
    assert len(set(loads)) == 2 and len(loads) == 2, loads
    assert len(loads_one_by_one) == 2 * len(sources), loads_one_by_one
    # one line per article in the table
    assert [row[:2] for row in table(result.output, 3)] == [
        ["delisting", "ok"], ["reactions", "ok"], ["rationale", "ok"]]


def test_the_sentences_of_every_article_go_to_the_model_in_one_call(tmp_path, model_dirs, sources, monkeypatch):
    import ctranslate2
    import sentencepiece

    calls = []
    original = ctranslate2.Translator.translate_iterable

    def spy(self, source, *args, **kwargs):
        source = list(source)
        calls.append((source, kwargs))
        return original(self, iter(source), *args, **kwargs)

    monkeypatch.setattr(ctranslate2.Translator, "translate_iterable", spy)
    result = publish(model_dirs, tmp_path / "out", tmp_path / "m.sqlite3", *sources, "--to", "ru",
                     "--format", "md", "--batch-tokens", "4096")
    assert result.exit_code == 0, result.output
    assert len(calls) == 1
    given, kwargs = calls[0]
    from translate.source.markdown_reader import read_markdown

    # every article's sentences, the paragraph two articles share given once
    codec = sentencepiece.SentencePieceProcessor(
        model_file=str(next(model_dirs["argos"].rglob("sentencepiece.model"))))
    texts = ["".join(codec.decode_pieces(tokens).split()) for tokens in given]
    expected = list(dict.fromkeys("".join(s.text.split()) for path in sources
                                  for s in read_markdown(path.read_text()).segments()))
    assert texts == expected and len(expected) > 10
    # CTranslate2 sorts what it reads by length and cuts batches of at most the run's token cap
    assert kwargs["batch_type"] == "tokens" and kwargs["max_batch_size"] == 512


def test_one_failing_article_does_not_stop_the_others(tmp_path, model_dirs, sources):
    out = tmp_path / "out"
    (out / "reactions").mkdir(parents=True)
    (out / "reactions" / "ru").write_text("a file where the Russian edition's folder goes")
    broken = sources[0].parent / "broken.md"
    broken.write_bytes(b"---\ntitle: [unclosed\n---\n\nText.\n")
    result = publish(model_dirs, out, tmp_path / "m.sqlite3", sources[0], broken, sources[1], sources[2],
                     "--to", "ru", "--format", "md")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    rows = table(result.output, 4)
    assert [row[:2] for row in rows] == [["delisting", "ok"], ["broken", "failed"],
                                         ["reactions", "failed"], ["rationale", "ok"]]
    assert "is a file, but the article's editions go in a folder" in rows[2][2]
    for slug in ("delisting", "rationale"):
        assert (out / slug / "ru" / f"{slug}.ru.md").is_file()
    assert not (out / "reactions" / "manifest.json").exists()


def digests(out: Path) -> dict[str, tuple[str, int]]:
    return {name: (hashlib.sha256(data).hexdigest(), os.stat(out / name).st_mtime_ns)
            for name, data in published_files(out).items()}


def test_an_unchanged_republish_reads_no_markdown_and_writes_nothing(tmp_path, model_dirs, sources, monkeypatch,
                                                                     loads):
    from translate.source import article as source_module

    parsed = []
    original = source_module.read_markdown

    def counting(text, *args, **kwargs):
        parsed.append(text)
        return original(text, *args, **kwargs)

    monkeypatch.setattr(source_module, "read_markdown", counting)
    out, memory = tmp_path / "out", tmp_path / "m.sqlite3"
    args = [*sources, "--to", "ru,prs", "--format", "md,html", "--jobs", "1"]
    assert publish(model_dirs, out, memory, *args).exit_code == 0
    assert len(parsed) == 3
    before = digests(out)

    parsed.clear()
    loads.clear()
    result = publish(model_dirs, out, memory, *args)
    assert result.exit_code == 0, result.output
    assert parsed == [] and loads == []
    assert digests(out) == before
    assert [row[1] for row in table(result.output, 3)] == ["unchanged"] * 3

    # one sentence edited: that article alone is read and published again
    text = sources[2].read_text()
    sources[2].write_text(text.replace("pragmatic assessment", "sober and pragmatic assessment"))
    result = publish(model_dirs, out, memory, *args)
    assert result.exit_code == 0, result.output
    assert len(parsed) == 1 and "sober and pragmatic" in parsed[0]
    after = digests(out)
    changed = {name.split("/")[0] for name in after if after[name] != before.get(name)}
    # the article and the site's pages that list it (translate.publishing.site)
    assert changed & {"delisting", "reactions", "rationale"} == {"rationale"}
    assert "sober" not in (out / "rationale" / "ru" / "rationale.ru.md").read_text()   # translated, not copied


def test_an_approved_human_translation_is_published_though_the_source_is_unchanged(
        tmp_path, model_dirs, sources):
    from translate.source.markdown_reader import read_markdown
    from translate.translation.memory import HumanTranslation, TranslationMemory
    from translate.translation.postedit.units import notation_of

    out, memory = tmp_path / "out", tmp_path / "m.sqlite3"
    args = [*sources, "--to", "ru", "--format", "md"]
    assert publish(model_dirs, out, memory, *args).exit_code == 0
    first = read_markdown(sources[1].read_text()).segments()[-1]
    approved = "Одобренный перевод этого предложения."
    TranslationMemory(memory).put_human([HumanTranslation("ru", notation_of(first), approved, "Editor",
                                                          "2026-03-01T00:00:00Z")])
    result = publish(model_dirs, out, memory, *args)
    assert result.exit_code == 0, result.output
    states = [row[1] for row in table(result.output, 3)]
    # the sentence is in "reactions" alone: the others stay as they were
    assert states == ["unchanged", "ok", "unchanged"]
    assert approved in (out / "reactions" / "ru" / "reactions.ru.md").read_text()


def test_the_unchanged_check_knows_the_source_size_limit():
    # translate.publishing.unchanged keeps its own copy: importing translate.source.article would
    # import the Markdown reader, the cost an unchanged re-publish avoids
    from translate.publishing import unchanged
    from translate.source import article as source

    assert unchanged.MAX_SOURCE_BYTES == source.MAX_SOURCE_BYTES


def test_a_hand_edited_manifest_sends_the_article_the_full_way(tmp_path, model_dirs, sources, monkeypatch):
    import json

    out, memory = tmp_path / "out", tmp_path / "m.sqlite3"
    args = [sources[0], "--to", "ru", "--format", "md"]
    assert publish(model_dirs, out, memory, *args).exit_code == 0
    manifest = out / "delisting" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["files"]["../../outside"] = "0" * 64
    manifest.write_text(json.dumps(data))
    result = publish(model_dirs, out, memory, *args)
    assert result.exit_code == 0, result.output
    # written again from what the run knows, the stray entry gone
    assert "../../outside" not in json.loads(manifest.read_text())["files"]
