"""`translate evaluate`: translation quality and term accuracy against
reference translations (FLORES-200 devtest, or a translated article), as a
terminal table, a JSON file and an HTML report of the worst segments."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from jinja2 import Environment, PackageLoader, select_autoescape

from translate.cli.options import output_option, project_option, translation_options, warn
from translate.errors import UserError
from translate.evaluation import measure, testset
from translate.evaluation.measure import BLEU, CHRF, SIGNIFICANCE_LEVEL, worst_units
from translate.project.folder import WORK_DIR
from translate.project.languages import UnknownLanguage, target
from translate.translation.edition import Setup
from translate.translation.review import word_diff
from translate.util.files import atomic_write

# sacrebleu's BLEU tokenisers that need nothing more: flores200/spm download a
# SentencePiece model, ja-mecab/ko-mecab need MeCab.
TOKENIZERS = ("13a", "intl", "char", "none")


def _references(values: tuple[str, ...]) -> list[tuple[object, Path]]:
    pairs, seen = [], set()
    for value in values:
        key, sep, path = value.partition("=")
        key = key.strip()
        if not sep or not path.strip():
            raise UserError(f"--ref {value}: give KEY=FILE", "e.g. --ref prs=prs_Arab.devtest")
        try:
            lang = target(key)
        except UnknownLanguage as err:
            raise UserError(f"--ref {value}: {err}") from None
        if key in seen:
            raise UserError(f"--ref {key}= given twice", "give one reference file per language")
        seen.add(key)
        pairs.append((lang, Path(path.strip())))
    return pairs


@click.command()
@project_option
@click.option("--src", "source", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help="English source: one segment a line (FLORES eng_Latn.devtest), or a Markdown article.")
@click.option("--ref", "reference_values", multiple=True, required=True, metavar="KEY=FILE",
              help="Reference translation for one language (same lines as --src, or the translated article). "
                   "Repeatable.")
@click.option("--compare", "compare", default="glossary", show_default=True, metavar="STAGES",
              help="Stages to score side by side: raw (engine output), adaptation, glossary (the final text).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="Also write every score, signature and segment as JSON.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Where to write the HTML report (default OUTPUT/.work/evaluate/<source name>.html).")
@click.option("--worst", type=click.IntRange(1, 10000), default=10, show_default=True,
              help="Worst segments per language in the HTML report.")
@click.option("--bootstrap", "samples", type=click.IntRange(100, 100000), default=1000, show_default=True,
              help="Resamples of the paired bootstrap test (when there are several systems).")
@click.option("--tokenize", type=click.Choice(TOKENIZERS), default="13a", show_default=True,
              help="sacrebleu's BLEU tokeniser (part of its signature).")
@output_option
@translation_options
def evaluate(source, reference_values, compare, json_path, html_path, worst, samples, tokenize, output_dir,
             **translation):
    """Translate the English source exactly as `translate publish` would (same
    engine routing, memory, Afghan Dari adaptation, glossary) and score it
    against reference translations: chrF++ and BLEU with sacrebleu's
    signatures, term accuracy (glossary terms of the source rendered as the
    glossary accepts, in the translation and in the reference), glossary
    repairs, segments per second.

    Give --engine KEY=... twice to compare two model configurations for a
    language in one run; --compare raw,glossary scores the engine's output
    against the final text. Several systems are compared to the first with
    sacrebleu's paired bootstrap resampling (p < 0.05: significant).

    \b
    Examples:
      translate evaluate --src eng_Latn.devtest --ref prs=prs_Arab.devtest --ref ps=pbt_Arab.devtest
      translate evaluate --src eng_Latn.devtest --ref kk=kaz_Cyrl.devtest \\
          --engine kk=multilingual:nllb-200-distilled-600M --engine kk=multilingual:nllb-200-1.3B --no-cache
      translate evaluate --src source/article.md --ref ru=article.ru.md --compare raw,glossary --json scores.json
    """

    stages = measure.parse_stages(compare)
    references = _references(reference_values)
    engine_specs = list(translation.pop("engine_overrides"))
    configs = measure.configurations(engine_specs, [lang.key for lang, _ in references])
    # Everything is read and checked before anything is translated.
    test_set = testset.read_test_set(source)
    texts = {lang.key: testset.read_reference(path, lang, test_set) for lang, path in references}
    setup = Setup.open(engine_overrides=(), **translation, warn=warn)

    results = []
    for lang, path in references:
        runs = []
        for spec in configs[lang.key]:
            with click.progressbar(length=len(test_set.doc.segments()), file=sys.stderr,
                                   label=f"{lang.key}: translating with {spec.partition('=')[2] if spec else 'the configured engine'}") as bar:
                runs.append(measure.translate_test_set(test_set, lang, setup, spec, progress=bar.update))
        results.append(measure.evaluate_language(test_set, lang, path, texts[lang.key], runs, stages,
                                                    tokenize=tokenize, samples=samples))

    click.echo(report_text(test_set, results))
    if html_path is None:
        html_path = Path(output_dir) / WORK_DIR / "evaluate" / f"{test_set.path.stem}.html"
    outputs = [(html_path, report_html(test_set, results, worst))]
    if json_path is not None:
        outputs.append((json_path, json.dumps(report_json(test_set, results), ensure_ascii=False, indent=1) + "\n"))
    for path, data in outputs:
        try:
            atomic_write(path, data)
        except OSError as err:
            raise UserError(f"cannot write {path}: {err.strerror}", "check that its folder is writable") from None
    if json_path is not None:
        click.echo(f"JSON: {json_path}")
    click.echo(f"Report: {html_path}")


# --- presenting --------------------------------------------------------------------------------


def _share(terms) -> str:
    return f"{terms.rendered}/{terms.occurrences} {terms.share:.0%}" if terms.occurrences else "-"


def _significance(system) -> str:
    if not system.intervals:
        return ""
    if not system.p_values:
        return "baseline"
    return ", ".join(f"{label} p={system.p_values[metric]:.3f}"
                     f"{'*' if system.p_values[metric] < SIGNIFICANCE_LEVEL else ''}"
                     for label, metric in (("chrF++", CHRF), ("BLEU", BLEU)))


def report_text(test_set, results) -> str:
    lines = []
    for result in results:
        lang = result.lang
        lines.append(click.style(f"{lang.english_name} ({lang.key})", bold=True)
                     + f": {len(result.references)} segments of {test_set.path.name}, "
                       f"reference {result.reference_path.name}")
        lines.append(click.style(f"  {'system':<34} {'chrF++':>7} {'BLEU':>6}  {'terms':<13} {'repairs':>7} "
                                 f"{'unplaced':>8} {'seg/s':>7}  significance", dim=True))
        for system in result.systems:
            lines.append(f"  {system.name[:34]:<34} {system.scores[CHRF]:>7.2f} {system.scores[BLEU]:>6.2f}  "
                         f"{_share(system.terms):<13} {system.repairs:>7} {system.unplaced:>8} "
                         f"{system.run.segments_per_second:>7.1f}  {_significance(system)}".rstrip())
        lines.append(f"  {'reference':<34} {'':>7} {'':>6}  {_share(result.reference_terms)}")
        for run in {id(s.run): s.run for s in result.systems}.values():
            if run.memory_hits:
                lines.append(f"  {run.label}: {run.memory_hits} of {len(run.record.segments)} segments from the "
                             "translation memory (seg/s times the memory, not the engine: use --no-cache)")
        for name, signature in result.signatures.items():
            lines.append(click.style(f"  {name} signature: {signature}", dim=True))
        lines.append("")
    if any(r.samples for r in results):
        lines.append("* p < 0.05: significantly different from the baseline, the first system "
                     "(sacrebleu paired bootstrap resampling)")
    return "\n".join(lines)


def _model(info) -> dict:
    return {"engine": info.engine, "name": info.name, "version": info.version}


def _terms(terms) -> dict:
    return {"occurrences": terms.occurrences, "rendered": terms.rendered, "accuracy": terms.share}


def report_json(test_set, results) -> dict:
    languages = {}
    for result in results:
        systems = []
        for system in result.systems:
            run = system.run
            systems.append({
                "name": system.name, "configuration": run.configuration, "stage": system.stage,
                "model": _model(run.record.model), "scores": system.scores, "bleu_detail": system.bleu_detail,
                "p_values": system.p_values,
                "bootstrap": {name: {"mean": mean, "ci95": ci} for name, (mean, ci) in system.intervals.items()},
                "terms": _terms(system.terms),
                "glossary_repairs": system.repairs, "glossary_unplaced": system.unplaced,
                "seconds": run.seconds, "segments_per_second": run.segments_per_second,
                "memory_hits": run.memory_hits,
            })
        languages[result.lang.key] = {
            "reference": str(result.reference_path), "signatures": result.signatures,
            "bootstrap_samples": result.samples, "reference_terms": _terms(result.reference_terms),
            "systems": systems,
            "segments": [{"label": label, "source": source, "reference": reference,
                          "hypotheses": {s.name: s.hypotheses[i] for s in result.systems},
                          "chrf": {s.name: s.sentence_chrf[i] for s in result.systems}}
                         for i, (label, source, reference)
                         in enumerate(zip(test_set.labels, test_set.sources, result.references))],
        }
    return {"source": str(test_set.path), "segments": len(test_set.units), "languages": languages}


def report_html(test_set, results, worst: int) -> str:
    languages = []
    for result in results:
        segments = []
        for i in worst_units(result, worst):
            segments.append({
                "label": test_set.labels[i], "source": test_set.sources[i], "reference": result.references[i],
                "systems": [{"name": s.name, "chrf": s.sentence_chrf[i], "text": s.hypotheses[i],
                             "diff": word_diff(result.references[i], s.hypotheses[i])} for s in result.systems],
            })
        languages.append({"result": result, "segments": segments})
    env = Environment(loader=PackageLoader("translate", "templates"), autoescape=select_autoescape(["html"]))
    return env.get_template("evaluate.html").render(
        source=test_set.path.name, segment_count=len(test_set.units), languages=languages,
        CHRF=CHRF, BLEU=BLEU, level=SIGNIFICANCE_LEVEL, worst=worst)
