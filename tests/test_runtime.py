"""Where CTranslate2 runs: --device auto|cpu|cuda, --compute-type and the
threads, from the command line or [runtime] in translate.toml, reaching every
Translator a run creates (the engine's, which the glossary's scorer shares).
This machine has no GPU: `cuda` is a one-line error before anything is
written, `auto` runs on the CPU and says so."""

from __future__ import annotations

import ctranslate2
import pytest
from click.testing import CliRunner

from translate.cli.main import cli
from translate.project import config
from translate.project.languages import TARGETS
from translate.translation.engines import runtime
from translate.translation.engines.ct2 import DecodingOptions
from translate.translation.engines.scoring import term_model_for
from translate.translation.models.argos import ArgosStore
from translate.translation.models.routing import build_engine, resolve

CUDA = ctranslate2.get_cuda_device_count()
NO_GPU = pytest.mark.skipif(CUDA > 0, reason="this machine has a CUDA device")
SOURCE = ("---\ntitle: Russia and the Taliban\nslug: short\n---\n"
          "Russia's Supreme Court removed the Taliban from the list of terrorist organisations.\n")
CUDA_LINE = ("--device cuda: CTranslate2 sees no CUDA device on this machine: use --device cpu "
             "(or auto, which picks CUDA only when there is one)")


def _run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def project(tmp_path, ru_argos_package):
    models = tmp_path / "argos"
    ArgosStore(models).add(ru_argos_package)
    source = tmp_path / "short.md"
    source.write_text(SOURCE, encoding="utf-8")
    return tmp_path, models, source


def _publish(project, *extra: str):
    root, models, source = project
    return _run("publish", source, "--to", "ru", "--models-dir", models, "--output", root / "out", "--format", "md",
                *extra)


# --- resolving ------------------------------------------------------------------------------------


def test_resolve_follows_what_ctranslate2_sees():
    auto = runtime.resolve("auto")
    assert auto.device == ("cuda" if CUDA else "cpu") and auto.requested == "auto" and auto.note
    explicit = runtime.resolve("cpu", "int8")
    assert (explicit.device, explicit.compute_type, explicit.note) == ("cpu", "int8", "")
    unsupported = sorted({"float16", "bfloat16", "int8_float16"} - ctranslate2.get_supported_compute_types("cpu"))
    if unsupported:
        with pytest.raises(runtime.DeviceError, match=f"--compute-type {unsupported[0]}: CTranslate2 cannot"):
            runtime.resolve("cpu", unsupported[0])
    with pytest.raises(runtime.DeviceError) as refused:
        runtime.resolve("tpu")
    assert refused.value.one_line() == "--device tpu: no such device: use one of auto, cpu, cuda"


@NO_GPU
def test_cuda_without_a_gpu_is_one_line():
    with pytest.raises(runtime.DeviceError) as refused:
        runtime.resolve("cuda")
    assert refused.value.one_line() == CUDA_LINE


def test_threads_are_chosen_for_the_machine_or_as_set(monkeypatch):
    monkeypatch.setattr(runtime, "cpu_cores", lambda: 8)
    inter, intra = runtime.threads_for("cpu")
    assert inter * intra == 8                      # every core, none twice
    assert runtime.threads_for("cpu", 2, 0) == (2, 4)
    assert runtime.threads_for("cpu", 0, 2) == (4, 2)
    assert runtime.threads_for("cpu", 3, 3) == (3, 3)
    assert runtime.threads_for("cuda") == (1, 0)
    arguments = runtime.Runtime("cpu", "int8", 2, 1).translator_arguments()
    assert arguments == {"device": "cpu", "compute_type": "int8", "inter_threads": 2, "intra_threads": 1}


# --- the command line and translate.toml ----------------------------------------------------------


@NO_GPU
@pytest.mark.parametrize("verb", ["publish", "review"])
def test_device_cuda_fails_cleanly_before_anything_is_written(project, verb):
    root, models, source = project
    extra = ("--output", root / "out", "--format", "md") if verb == "publish" else ()
    result = _run(verb, source, "--to", "ru", "--models-dir", models, "--device", "cuda", *extra)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert errors == [f"Error: {CUDA_LINE}"]
    assert "Traceback" not in result.output
    assert not (root / "out").exists()


@NO_GPU
def test_device_auto_runs_on_the_cpu_and_says_so(project):
    result = _publish(project, "--device", "auto")
    assert result.exit_code == 0, result.output
    assert "warning: --device auto: CTranslate2 sees no CUDA device; translating on the CPU" in result.output
    assert (project[0] / "out" / "short" / "ru" / "short.ru.md").is_file()
    # Not asked for, auto is resolved silently.
    quiet = _publish(project, "--no-cache")
    assert quiet.exit_code == 0 and "--device auto" not in quiet.output


@NO_GPU
def test_runtime_in_translate_toml_and_the_command_line_over_it(project):
    root = project[0]
    toml = root / "translate.toml"
    toml.write_text('[runtime]\ndevice = "cuda"\n', encoding="utf-8")
    refused = _publish(project, "--config", toml)
    assert refused.exit_code == 1
    assert "translate.toml: runtime.device cuda: CTranslate2 sees no CUDA device on this machine" in refused.output
    assert _publish(project, "--config", toml, "--device", "cpu").exit_code == 0
    toml.write_text('[runtime]\ndevice = "gpu"\n', encoding="utf-8")
    bad = _publish(project, "--config", toml)
    assert bad.exit_code == 1 and "translate.toml: runtime.device: use one of auto, cpu, cuda" in bad.output
    with pytest.raises(config.ConfigError, match="runtime.inter_threads: give a whole number"):
        config.parse("[runtime]\ninter_threads = -1\n")
    with pytest.raises(config.ConfigError, match="runtime.colour: unknown key"):
        config.parse("[runtime]\ncolour = 1\n")


def test_every_translator_of_a_run_is_built_with_the_runtime(project, monkeypatch):
    """The engine's Translator is the one the glossary's scorer asks (score_batch,
    forced re-decodes): one Translator per model, built with the device,
    compute type and threads of the run."""
    built, real = [], ctranslate2.Translator

    def spy(path, **kwargs):
        built.append(kwargs)
        return real(path, **kwargs)

    monkeypatch.setattr(ctranslate2, "Translator", spy)
    root = project[0]
    toml = root / "translate.toml"
    toml.write_text("[runtime]\ninter_threads = 2\nintra_threads = 1\n", encoding="utf-8")
    result = _publish(project, "--config", toml, "--device", "cpu", "--compute-type", "int8", "--no-cache")
    assert result.exit_code == 0, result.output
    assert built == [{"device": "cpu", "compute_type": "int8", "inter_threads": 2, "intra_threads": 1}]

    options = DecodingOptions(runtime=runtime.resolve("cpu", "int8", inter_threads=2, intra_threads=1))
    engine = build_engine(resolve(TARGETS["ru"], config.default(), project[1]), options)
    scorer = term_model_for(engine)
    assert scorer.translator is engine.translator()
    assert engine.translator().num_translators == 2


def test_doctor_reports_what_a_run_would_use(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _run("doctor")
    line = next(line for line in result.output.splitlines() if "translation runtime" in line)
    assert "ok" in line and f"device {'cuda' if CUDA else 'cpu'}" in line
    assert "auto: CTranslate2 sees" in line
    if not CUDA:
        (tmp_path / "translate.toml").write_text('[runtime]\ndevice = "cuda"\n', encoding="utf-8")
        failing = _run("doctor")
        line = next(line for line in failing.output.splitlines() if "translation runtime" in line)
        assert "FAIL" in line and "CTranslate2 sees no CUDA device" in line


def test_a_call_is_cut_into_a_batch_per_replica():
    from types import SimpleNamespace

    from translate.translation.engines.ct2 import batch_tokens_for

    one, two = SimpleNamespace(num_translators=1), SimpleNamespace(num_translators=2)
    lengths = [30, 20, 10, 40]
    assert batch_tokens_for(one, lengths, 4096) == 4096                    # one replica: as configured
    assert batch_tokens_for(two, lengths, 4096) == 50                       # two replicas: half the tokens each
    assert batch_tokens_for(two, lengths, 32) == 40                         # never below the longest sentence
    assert batch_tokens_for(two, [], 4096) == 4096


def test_two_replicas_translate_as_one_does(project):
    """Cutting a document into a batch per replica changes how it is
    scheduled, not what each sentence becomes."""
    root, models, _ = project
    sentences = ["Russia removed the Taliban from its list.", "The Supreme Court took the decision in April.",
                 "Moscow wants trade and investment with Afghanistan.", "Kazakhstan took similar steps."]
    choice = resolve(TARGETS["ru"], config.default(), models)
    one = build_engine(choice, DecodingOptions(runtime=runtime.Runtime("cpu", "auto", 1, 1)))
    two = build_engine(choice, DecodingOptions(runtime=runtime.Runtime("cpu", "auto", 2, 1)))
    assert two.translator().num_translators == 2
    assert [t.text for t in two.translate(sentences)] == [t.text for t in one.translate(sentences)]
