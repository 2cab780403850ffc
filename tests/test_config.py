"""The project configuration: parsing, validation, overrides, and routing each
language to the configured engine with tiny real models installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from translate.project import config
from translate.translation.models import routing
from translate.translation.models.argos import ArgosStore
from translate.translation.models.multilingual import MultilingualStore
from translate.translation.models.routing import NoModel
from translate.translation.engines.argos import ArgosEngine
from translate.translation.engines.multilingual import MultilingualEngine
from translate.project.languages import TARGETS

ROOT = Path(__file__).resolve().parent.parent


# --- parsing and validation ------------------------------------------------------------


def test_defaults_route_russian_to_argos_and_the_rest_to_multilingual():
    cfg = config.default()
    assert {k: s.engine for k, s in cfg.languages.items()} == {
        "ru": "argos", "prs": "multilingual", "ps": "multilingual", "kk": "multilingual"}
    assert config.multilingual_languages(cfg) == ["prs", "ps", "kk"]


def test_shorthand_and_tables_fill_in_defaults():
    cfg = config.parse('[languages]\nprs = { engine = "argos", model = "fa" }\nkk = "multilingual"\n'
                       'ps = { engine = "multilingual", model = "m2m" }\n', "t.toml")
    assert cfg.languages["prs"] == config.LanguageSetting("argos", "fa", "t.toml")
    assert cfg.languages["kk"] == config.LanguageSetting("multilingual", None, "t.toml")
    assert cfg.languages["ps"].model == "m2m"
    assert cfg.languages["ru"].origin == "default"


def test_the_file_translate_init_writes_is_valid():
    template = ROOT / "translate" / "project_template" / "translate.toml"
    cfg = config.load(template)
    assert cfg.path == template
    assert set(cfg.languages) == set(TARGETS)
    # a new project behaves as the built-in defaults until someone edits it
    assert {k: (s.engine, s.model) for k, s in cfg.languages.items()} == \
        {k: (s.engine, s.model) for k, s in config.default().languages.items()}


@pytest.mark.parametrize("text,message", [
    ('[languages]\nfa = "argos"\n', r"^proj.toml: languages\.fa: unknown language key; use one of ru, prs, ps, kk$"),
    ('[languages]\nprs = "google"\n', r"^proj.toml: languages\.prs\.engine: unknown engine 'google'"),
    ('[languages]\nprs = { engine = "argos", modle = "fa" }\n', r"^proj.toml: languages\.prs\.modle: unknown key"),
    ('[languages]\nprs = { engine = "argos", model = "translate-en_fa" }\n', r"languages\.prs\.model: for Argos"),
    ('[languages]\nprs = { engine = "multilingual", model = "../x" }\n', r"languages\.prs\.model: give an installed"),
    ('[languages]\nprs = 3\n', r"languages\.prs: give an engine name"),
    ('[langauges]\nprs = "argos"\n', r"^proj.toml: langauges: unknown key; expected site_url or languages or downloads or publication or cluster or policy or runtime$"),
    ('[languages]\nprs = "argos"\nprs = "argos"\n', r"^proj.toml: invalid TOML: .*line 3"),
    ('[languages\n', r"^proj.toml: invalid TOML: .*line 1"),
    ('[downloads.x]\nurl = "http://h/x.zip"\nsha256 = "abc"\n', r"downloads\.x\.sha256: give the archive's SHA-256"),
    ('[downloads.x]\nurl = "ftp://h/x.zip"\nsha256 = "' + "a" * 64 + '"\n', r"downloads\.x\.url"),
    # [publication]: plain one-line text, printed on every page and in feeds
    ('[publication]\nname = "Kabul \\u202eMonitor"\n', r"publication\.name: one line of plain text"),
    ('[publication]\nname = { prs = "Line\\nbreak" }\n', r"publication\.name\.prs: one line of plain text"),
    ('[publication]\nname = { fa = "x" }\n', r"publication\.name\.fa: unknown language key"),
    ('[publication]\nbylines = { "Staff" = { ru = "\\u001b[31mРедакция" } }\n', r"publication\.bylines\.'Staff'\.ru: one line"),
])
def test_errors_name_the_file_and_the_key(text, message):
    with pytest.raises(config.ConfigError, match=message) as info:
        config.parse(text, "proj.toml")
    assert "\n" not in str(info.value)


def test_load_reports_a_missing_or_undecodable_file(tmp_path):
    with pytest.raises(config.ConfigError, match="no such configuration file"):
        config.load(tmp_path / "nope.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes('[languages]\nru = "argos" # café\n'.encode("latin-1"))
    with pytest.raises(config.ConfigError, match=r"latin1.toml:2: not UTF-8"):
        config.load(bad)


def test_overrides_win_over_the_file():
    cfg = config.parse('[languages]\nprs = "multilingual"\n', "t.toml")
    cfg = config.with_overrides(cfg, ["prs=argos:fa", "kk=multilingual:m2m100_418M"])
    assert cfg.languages["prs"] == config.LanguageSetting("argos", "fa", "--engine")
    assert cfg.languages["kk"].model == "m2m100_418M"
    for bad in ("prs", "xx=argos", "prs=deepl", "prs=argos:not a code"):
        with pytest.raises(config.ConfigError, match="--engine"):
            config.parse_override(bad)


# --- routing with installed models -------------------------------------------------------


@pytest.fixture(scope="module")
def stores(tmp_path_factory, multilingual_model_factory, argos_package_factory):
    """An Argos folder with en->ru and en->fa, and a multilingual store with a
    tiny NLLB-200 and a tiny M2M-100 model."""
    root = tmp_path_factory.mktemp("stores")
    argos_dir, ml_dir = root / "argos", root / "multilingual"
    ArgosStore(argos_dir).add(argos_package_factory("ru"))
    ArgosStore(argos_dir).add(argos_package_factory("fa"))
    MultilingualStore(ml_dir).add(multilingual_model_factory("nllb"), name="nllb-tiny")
    MultilingualStore(ml_dir).add(multilingual_model_factory("m2m"), name="m2m-tiny")
    return argos_dir, ml_dir


def _route(cfg, stores):
    plan = routing.plan(cfg, *stores)
    return {key: (c.engine, c.model, c.target_code, c.adapted) if isinstance(c, routing.EngineChoice) else c
            for key, c in plan.items()}


def test_default_routing_prefers_nllb(stores):
    routes = _route(config.default(), stores)
    assert routes["ru"][:1] == ("argos",) and routes["ru"][2] == "ru"
    assert routes["prs"] == ("multilingual", "nllb-tiny", "prs_Arab", False)
    assert routes["ps"] == ("multilingual", "nllb-tiny", "pbt_Arab", False)
    assert routes["kk"] == ("multilingual", "nllb-tiny", "kaz_Cyrl", False)


def test_configured_routing(stores):
    cfg = config.parse('[languages]\nru = { engine = "multilingual", model = "m2m-tiny" }\n'
                       'prs = { engine = "argos", model = "fa" }\nkk = { engine = "multilingual", model = "m2m" }\n')
    routes = _route(cfg, stores)
    assert routes["ru"] == ("multilingual", "m2m-tiny", "ru", False)
    # Iranian Persian for Dari: the Afghan adaptation runs.
    assert routes["prs"][0] == "argos" and routes["prs"][2:] == ("fa", True)
    assert routes["kk"] == ("multilingual", "m2m-tiny", "kk", False)
    m2m_dari = _route(config.with_overrides(cfg, ["prs=multilingual:m2m"]), stores)["prs"]
    assert m2m_dari == ("multilingual", "m2m-tiny", "fa", True)


@pytest.mark.parametrize("key,engine_class,token", [
    ("ru", ArgosEngine, None), ("prs", MultilingualEngine, "prs_Arab"),
    ("ps", MultilingualEngine, "pbt_Arab"), ("kk", MultilingualEngine, "kaz_Cyrl"),
])
def test_build_engine_translates_with_the_routed_model(stores, key, engine_class, token):
    choice = routing.resolve(TARGETS[key], config.default(), *stores)
    engine = routing.build_engine(choice)
    assert isinstance(engine, engine_class)
    assert engine.info.path == str(choice.path)
    if token:
        assert engine.target_token == token
    [result] = engine.translate(["The Supreme Court of Russia removed the Taliban from the list."])
    assert result.text


def test_why_not_when_nothing_serves(tmp_path, stores):
    empty = (tmp_path / "no-argos", tmp_path / "no-models")
    plan = routing.plan(config.default(), *empty)
    assert all(isinstance(v, NoModel) for v in plan.values())
    assert "no Argos en→ru package installed" in plan["ru"].reason
    assert "no multilingual model with prs_Arab or >>prs<< or <2prs> or __fa__ installed" in plan["prs"].reason
    assert "translate models add FOLDER" in plan["prs"].hint

    cfg = config.parse('[languages]\nps = { engine = "multilingual", model = "nllb-200-distilled-600M" }\n'
                       '[downloads."nllb-200-distilled-600M"]\nurl = "https://example.org/n.zip"\n'
                       f'sha256 = "{"0" * 64}"\n', "proj.toml")
    missing = routing.plan(cfg, *stores)["ps"]
    assert isinstance(missing, NoModel)
    assert missing.reason.startswith("model nllb-200-distilled-600M is not installed")
    assert missing.reason.endswith("(set in proj.toml)")
    assert missing.hint == "translate models install nllb-200-distilled-600M"

    prs_argos = routing.plan(config.with_overrides(config.default(), ["prs=argos"]), *stores)["prs"]
    assert isinstance(prs_argos, NoModel) and 'model = "fa"' in prs_argos.reason


def test_a_named_model_without_the_language(tmp_path, multilingual_model_factory):
    store = tmp_path / "ml"
    no_kazakh = multilingual_model_factory("nllb", ["eng_Latn", "prs_Arab"])
    MultilingualStore(store).add(no_kazakh, name="dari-only", languages=["prs"])
    cfg = config.with_overrides(config.default(), ["kk=multilingual:dari-only"])
    missing = routing.plan(cfg, tmp_path / "argos", store)["kk"]
    assert isinstance(missing, NoModel) and "model dari-only has no kaz_Cyrl token" in missing.reason
    assert isinstance(routing.plan(cfg, tmp_path / "argos", store)["prs"], routing.EngineChoice)


def test_no_file_means_the_built_in_defaults():
    assert config.load(None) == config.default()


def test_the_project_file_is_read(tmp_path):
    (tmp_path / "translate.toml").write_text('[languages]\nkk = "argos"\n', encoding="utf-8")
    cfg = config.load(tmp_path / "translate.toml")
    assert cfg.path == tmp_path / "translate.toml" and cfg.languages["kk"].engine == "argos"
    assert cfg.languages["kk"].origin == "translate.toml"
