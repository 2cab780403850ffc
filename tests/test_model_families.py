"""OPUS-MT (Marian) and MADLAD-400 (T5) through the one `translate models
install OWNER/NAME`: tiny real checkpoints built with transformers
(tests/hubmodels.py), served by the loopback Hub (tests/hubserver.py),
converted by CTranslate2's TransformersConverter through the CLI, routed by
translate.toml and publishing editions. Then the licence policy (a
non-commercial model refused with one line; an allowed one chosen instead)
and the known-quality warning (M2M-100 writing Kazakh)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import hubmodels
from hubserver import HubRepo, serve_hub
from translate.cli.main import cli
from translate.source.markdown_reader import split_front_matter
from translate.translation.models.multilingual import MultilingualStore

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "source" / "taliban-delisting.md"
SHORT = "---\ntitle: Russia and the Taliban\nslug: short\n---\nRussia has removed the Taliban from its list.\n"
KK, IRA, MADLAD = "Helsinki-NLP/opus-mt-tiny-en-kk", "Helsinki-NLP/opus-mt-tiny-en-ira", "google/madlad400-tiny-mt"
POLICY = '[policy]\nlicences = ["CC-BY-4.0", "Apache-2.0", "MIT"]\n'


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("families")
    return {
        KK: hubmodels.build_marian_checkpoint(root / "opus-mt-tiny-en-kk"),
        IRA: hubmodels.build_marian_checkpoint(root / "opus-mt-tiny-en-ira", script="ARABIC", target_lang="ira",
                                               language_tokens=(">>pes<<", ">>prs<<", ">>pbt<<"), seed=1),
        MADLAD: hubmodels.build_madlad_checkpoint(root / "madlad400-tiny-mt"),
    }


def _run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("Error:")]


def _row(output: str, key: str) -> str:
    return next(line for line in output.splitlines() if re.match(rf"^\s+{key}\s", line))


def _body(out: Path, slug: str, key: str) -> str:
    return split_front_matter((out / slug / key / f"{slug}.{key}.md").read_text(encoding="utf-8"))[1]


def _install_all(store: Path, checkpoints, hub_env):
    repos = [HubRepo.from_folder(KK, checkpoints[KK], card_data={"license": "cc-by-4.0"}),
             HubRepo.from_folder(IRA, checkpoints[IRA], card_data={"license": "cc-by-4.0"}),
             HubRepo.from_folder(MADLAD, checkpoints[MADLAD], card_data={"license": "apache-2.0"})]
    with serve_hub(*repos) as (url, log):
        hub_env(url)
        result = _run("models", "install", KK, IRA, MADLAD, "--multilingual-dir", store)
    return result, log


def test_opus_mt_and_madlad_checkpoints_install_from_the_hub_and_publish(tmp_path, checkpoints, hub_env):
    store = tmp_path / "store"
    result, log = _install_all(store, checkpoints, hub_env)
    assert result.exit_code == 0, result.output
    assert "Installed multilingual model opus-mt-tiny-en-kk (OPUS-MT " in result.output
    assert "serves kk (kaz)" in result.output                      # a one-language model: tokenizer_config.json
    assert "serves prs (prs), ps (pbt)" in result.output           # a multi-target model: its >>xxx<< tokens
    assert "Installed multilingual model madlad400-tiny-mt (MADLAD-400" in result.output
    assert "serves ru (ru), prs (fa), ps (ps), kk (kk)" in result.output
    assert "licence CC-BY-4.0" in result.output and "licence Apache-2.0" in result.output
    # Each family's tokenizer files were downloaded, and copied beside the converted model.
    fetched = {path.split("/resolve/")[0].strip("/") + ":" + path.rsplit("/", 1)[-1] for path in log.paths("HEAD")}
    assert {f"{KK}:source.spm", f"{KK}:target.spm", f"{KK}:tokenizer_config.json", f"{MADLAD}:spiece.model"} <= fetched
    for name, files in (("opus-mt-tiny-en-kk", ("source.spm", "target.spm")), ("madlad400-tiny-mt", ("spiece.model",))):
        source = checkpoints[KK if name.startswith("opus") else MADLAD]
        for file in files:
            assert (store / name / file).read_bytes() == (source / file).read_bytes()
    models = {m.name: m for m in MultilingualStore(store).list()[0]}
    assert (models["opus-mt-tiny-en-kk"].family, models["opus-mt-tiny-en-kk"].tokens) == ("marian", {"kk": ""})
    assert models["opus-mt-tiny-en-ira"].tokens == {"prs": ">>prs<<", "ps": ">>pbt<<"}
    assert models["madlad400-tiny-mt"].tokens["kk"] == "<2kk>"
    assert models["madlad400-tiny-mt"].source == MADLAD and models["madlad400-tiny-mt"].licence == "Apache-2.0"

    config = tmp_path / "translate.toml"
    config.write_text('[languages]\nru = { engine = "multilingual", model = "madlad400-tiny-mt" }\n'
                      'prs = { engine = "multilingual", model = "opus-mt-tiny-en-ira" }\n'
                      'ps = { engine = "multilingual", model = "marian" }\n'
                      'kk = { engine = "multilingual", model = "opus-mt-tiny-en-kk" }\n', encoding="utf-8")
    listing = _run("models", "list", "--multilingual-dir", store, "--config", config)
    assert listing.exit_code == 0, listing.output
    assert "madlad400-tiny-mt" in _row(listing.output, "ru") and "Apache-2.0" in _row(listing.output, "ru")
    assert "opus-mt-tiny-en-ira" in _row(listing.output, "prs") and "writes prs" in _row(listing.output, "prs")
    assert "Afghan Dari" not in _row(listing.output, "prs")        # >>prs<< writes Dari itself
    assert "opus-mt-tiny-en-ira" in _row(listing.output, "ps") and "CC-BY-4.0" in _row(listing.output, "kk")

    out = tmp_path / "out"
    published = _run("publish", ARTICLE, "--to", "ru,prs,ps,kk", "--multilingual-dir", store, "--config", config,
                     "--output", out, "--format", "md")
    assert published.exit_code == 0, published.output
    assert "[opus-mt-tiny-en-kk, CC-BY-4.0]" in published.output
    assert "[madlad400-tiny-mt, Apache-2.0]" in published.output
    manifest = json.loads((out / "taliban-delisting" / "manifest.json").read_text())
    expected = {"ru": ("madlad400-tiny-mt", "madlad", "Apache-2.0"), "prs": ("opus-mt-tiny-en-ira", "marian", "CC-BY-4.0"),
                "ps": ("opus-mt-tiny-en-ira", "marian", "CC-BY-4.0"), "kk": ("opus-mt-tiny-en-kk", "marian", "CC-BY-4.0")}
    bodies = {}
    for key, (name, family, licence) in expected.items():
        model = manifest["editions"][key]["model"]
        assert (model["name"], model["family"], model["licence"]) == (name, family, licence)
        bodies[key] = _body(out, "taliban-delisting", key)
        assert bodies[key].strip()
        assert not re.search(r">>\w+<<|<2\w+>|</s>|<pad>|<unk>", bodies[key])   # no token leaks into the text
    assert manifest["editions"]["prs"]["model"]["target_token"] == ">>prs<<"
    assert manifest["editions"]["ps"]["model"]["target_token"] == ">>pbt<<"
    # The >>prs<< / >>pbt<< token at the start of the source steers one model to two texts.
    assert bodies["prs"] != bodies["ps"]


def test_dari_from_madlad_is_iranian_persian_and_is_adapted(tmp_path, checkpoints, hub_env):
    store = tmp_path / "store"
    assert _install_all(store, checkpoints, hub_env)[0].exit_code == 0
    config = tmp_path / "translate.toml"
    config.write_text('[languages]\nprs = { engine = "multilingual", model = "madlad" }\n', encoding="utf-8")
    listing = _run("models", "list", "--multilingual-dir", store, "--config", config)
    assert "madlad400-tiny-mt" in _row(listing.output, "prs")
    assert "writes fa + Afghan Dari adaptation" in _row(listing.output, "prs")


def test_an_opus_mt_model_need_only_serve_what_is_routed_to_it(tmp_path, checkpoints, multilingual_model_factory):
    """A one-language OPUS-MT model is welcome although the defaults send Dari,
    Pashto and Kazakh to multilingual models; one routed by name to a language
    it does not write is refused, naming that language."""
    store = tmp_path / "store"
    result = _run("models", "install", checkpoints[KK], "--multilingual-dir", store)
    assert result.exit_code == 0, result.output
    config = tmp_path / "translate.toml"
    config.write_text('[languages]\nps = { engine = "multilingual", model = "opus-mt-tiny-en-kk" }\n',
                      encoding="utf-8")
    refused = _run("models", "add", store / "opus-mt-tiny-en-kk", "--name", "opus-mt-tiny-en-kk",
                   "--multilingual-dir", tmp_path / "other", "--config", config)
    assert refused.exit_code == 1
    [line] = _error_lines(refused.output)
    assert "no token for Pashto" in line and "cannot translate the languages the project routes to it" in line
    assert not (tmp_path / "other").exists() or list((tmp_path / "other").iterdir()) == []


# --- licences -------------------------------------------------------------------------------------


def test_a_licence_policy_refuses_a_non_commercial_model(tmp_path, checkpoints, multilingual_model_factory):
    store, out, source = tmp_path / "store", tmp_path / "out", tmp_path / "short.md"
    source.write_text(SHORT, encoding="utf-8")
    added = _run("models", "add", multilingual_model_factory("nllb"), "--name", "nllb-200-tiny",
                 "--licence", "CC-BY-NC-4.0", "--multilingual-dir", store)
    assert added.exit_code == 0, added.output and "licence CC-BY-NC-4.0" in added.output
    config = tmp_path / "translate.toml"
    config.write_text(POLICY, encoding="utf-8")

    refused = _run("publish", source, "--to", "kk", "--multilingual-dir", store, "--config", config,
                   "--output", out, "--format", "md")
    assert refused.exit_code == 1
    line = _row(refused.output, "kk")
    assert "missing" in line
    assert ("model nllb-200-tiny is licensed CC-BY-NC-4.0, which [policy] licences in translate.toml "
            "does not allow (CC-BY-4.0, Apache-2.0, MIT)") in line
    fix = refused.output.splitlines()[refused.output.splitlines().index(line) + 1]
    assert "fix: install a model under an allowed licence and route kk to it" in fix
    assert not (out / "short" / "kk").exists()
    listing = _run("models", "list", "--multilingual-dir", store, "--config", config)
    assert "refused: model nllb-200-tiny is licensed CC-BY-NC-4.0" in _row(listing.output, "kk")
    assert "licences allowed: CC-BY-4.0, Apache-2.0, MIT" in listing.output

    # With an OPUS-MT model (CC-BY 4.0) beside it, the policy picks that one.
    assert _run("models", "install", checkpoints[KK], "--multilingual-dir", store).exit_code == 0
    allowed = _run("publish", source, "--to", "kk", "--multilingual-dir", store, "--config", config,
                   "--output", out, "--format", "md")
    assert allowed.exit_code == 0, allowed.output
    assert "[opus-mt-tiny-en-kk, CC-BY-4.0]" in allowed.output
    # Without the policy the preferred family (NLLB-200) serves it again.
    free = _run("publish", source, "--to", "kk", "--multilingual-dir", store, "--output", tmp_path / "free",
                "--format", "md", "--no-cache")
    assert "[nllb-200-tiny, CC-BY-NC-4.0]" in free.output
    # Routed to it by name, the non-commercial model is refused whatever else is installed.
    config.write_text(POLICY + '[languages]\nkk = { engine = "multilingual", model = "nllb-200-tiny" }\n',
                      encoding="utf-8")
    named = _run("publish", source, "--to", "kk", "--multilingual-dir", store, "--config", config,
                 "--output", tmp_path / "named", "--format", "md")
    assert named.exit_code == 1 and "licensed CC-BY-NC-4.0" in _row(named.output, "kk")
    assert "(set in translate.toml)" in _row(named.output, "kk")


def test_a_package_without_a_licence_is_refused_until_one_is_recorded(tmp_path, ru_argos_package):
    models, source = tmp_path / "argos", tmp_path / "short.md"
    source.write_text(SHORT, encoding="utf-8")
    config = tmp_path / "translate.toml"
    config.write_text(POLICY, encoding="utf-8")
    added = _run("models", "add", ru_argos_package, "--models-dir", models)
    assert "licence not stated" in added.output
    refused = _run("publish", source, "--to", "ru", "--models-dir", models, "--config", config,
                   "--output", tmp_path / "out", "--format", "md")
    assert refused.exit_code == 1
    assert "states no licence, which [policy] licences in translate.toml does not allow" in _row(refused.output, "ru")
    assert "--licence ID" in refused.output

    bad = _run("models", "add", ru_argos_package, "--models-dir", models, "--licence", "CC BY?")
    assert bad.exit_code == 1 and "give an SPDX licence id" in _error_lines(bad.output)[0]
    recorded = _run("models", "add", ru_argos_package, "--models-dir", models, "--licence", "CC-BY-4.0")
    assert recorded.exit_code == 0 and "licence CC-BY-4.0" in recorded.output
    listing = _run("models", "list", "--models-dir", models, "--config", config)
    assert "CC-BY-4.0" in listing.output
    ok = _run("publish", source, "--to", "ru", "--models-dir", models, "--config", config,
              "--output", tmp_path / "out", "--format", "md")
    assert ok.exit_code == 0, ok.output
    manifest = json.loads((tmp_path / "out" / "short" / "manifest.json").read_text())
    assert manifest["editions"]["ru"]["model"]["licence"] == "CC-BY-4.0"


# --- known quality --------------------------------------------------------------------------------


def test_m2m100_writing_kazakh_is_below_the_quality_floor(tmp_path, multilingual_model_factory):
    store, source = tmp_path / "store", tmp_path / "short.md"
    source.write_text(SHORT, encoding="utf-8")
    assert _run("models", "add", multilingual_model_factory("m2m"), "--name", "m2m100_418M",
                "--multilingual-dir", store).exit_code == 0
    published = _run("publish", source, "--to", "kk", "--multilingual-dir", store, "--output", tmp_path / "out",
                     "--format", "md")
    assert published.exit_code == 0, published.output
    warning = next(line for line in published.output.splitlines() if "warning:" in line)
    assert ("Kazakh (kk) is translated by m2m100_418M, whose published FLORES-200 devtest chrF++ for it is 11.2, "
            "below the floor of 30") in warning
    assert "facebook/nllb-200-3.3B scores 46.3" in warning
    listing = _run("models", "list", "--multilingual-dir", store)
    assert "FLORES-200 chrF++ 11.2" in _row(listing.output, "kk")
    assert "below the floor of 30" in listing.output

    # The floor is the project's: lowered below the model's score, no warning.
    config = tmp_path / "translate.toml"
    config.write_text("[policy]\nquality_floor = 10\n", encoding="utf-8")
    quiet = _run("publish", source, "--to", "kk", "--multilingual-dir", store, "--output", tmp_path / "out2",
                 "--format", "md", "--config", config)
    assert quiet.exit_code == 0 and "below the floor" not in quiet.output


def test_models_list_quality_shows_the_published_scores_with_sources(tmp_path, multilingual_model_factory):
    store = tmp_path / "store"
    assert _run("models", "add", multilingual_model_factory("m2m"), "--name", "m2m100_418M",
                "--multilingual-dir", store).exit_code == 0
    listing = _run("models", "list", "--quality", "--multilingual-dir", store)
    assert listing.exit_code == 0, listing.output
    rows = {tuple(line.split()[:2]) + (line.split()[-2],): line for line in listing.output.splitlines()
            if re.match(r"^\s+(ru|prs|ps|kk)\s+(NLLB|M2M|OPUS)", line)}
    table = "\n".join(rows.values())
    for key, model, score in (("ru", "facebook/nllb-200-distilled-600M", "50.5"), ("prs", "facebook/nllb-200-distilled-600M", "49.0"),
                              ("ps", "facebook/nllb-200-distilled-600M", "35.3"), ("kk", "facebook/nllb-200-distilled-600M", "44.6"),
                              ("ru", "Helsinki-NLP/opus-mt-tc-big-en-zle", "57.0"), ("kk", "facebook/m2m100_418M", "11.2"),
                              ("kk", "Tatoeba-MT eng-kaz/opusTCv20210807+bt-2021-09-05", "41.7")):
        assert any(line.split()[0] == key and model in line and score in line for line in rows.values()), (key, model)
    assert re.search(r"kk\s+M2M-100\s+418M\s+facebook/m2m100_418M\s+11\.2\s+m2m100_418M", table)   # installed
    assert "Helsinki-NLP/External-MT-leaderboard" in listing.output and "Helsinki-NLP/OPUS-MT-leaderboard" in listing.output
    assert "MADLAD-400: no FLORES-200 devtest figures" in listing.output
