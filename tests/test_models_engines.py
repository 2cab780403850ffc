"""The shared CTranslate2 engine base (translate.translation.engines.ct2.CT2Engine):
forced target prefixes and scoring, for an Argos package and a multilingual
model alike, with tiny real models (tests/modelkit.py)."""

from __future__ import annotations

import math

import pytest

from translate.translation.engines.argos import ArgosEngine
from translate.translation.engines.ct2 import CT2Engine
from translate.translation.engines.multilingual import ModelFolder, MultilingualEngine
from translate.project.languages import TARGETS
from translate.translation.models.argos import ArgosStore

SENTENCES = [
    "Russia has removed the Taliban from its list of terrorist organisations.",
    "The Supreme Court took the decision in April.",
    "Moscow wants trade and investment with Afghanistan.",
]


@pytest.fixture(scope="module", params=["argos-ru", "nllb-kk", "m2m-prs"])
def engine(request, tmp_path_factory, argos_package_factory, multilingual_model_factory) -> CT2Engine:
    if request.param == "argos-ru":
        package = ArgosStore(tmp_path_factory.mktemp("argos")).add(argos_package_factory("ru")).model
        return ArgosEngine(package.argos_package())
    family, key = request.param.split("-")
    folder = ModelFolder(multilingual_model_factory(family), family, f"tiny-{family}", "1")
    return MultilingualEngine(folder, TARGETS[key])


def test_a_forced_prefix_starts_the_output_and_is_aligned(engine):
    plain = engine.translate(SENTENCES)
    # A prefix the model would not write for these sentences on its own: the
    # first word of another sentence's translation.
    prefix = plain[1].text.split()[0]
    assert not plain[0].text.startswith(prefix) and not plain[2].text.startswith(prefix)
    forced = engine.translate(SENTENCES, target_prefixes=[prefix, "", prefix])

    assert forced[0].text.startswith(prefix) and forced[2].text.startswith(prefix)
    assert forced[1] == plain[1]                       # an empty prefix changes nothing
    for result in forced:
        assert all(0 <= a.tgt_start < a.tgt_end <= len(result.text) for a in result.alignment)
    # The prefix text is aligned like the rest: some alignment pair covers it.
    assert any(a.tgt_start < len(prefix) for a in forced[0].alignment)
    # Without prefixes the call is the one publish makes: same output as before.
    assert engine.translate(SENTENCES, target_prefixes=None) == plain


def test_prefixes_must_match_the_texts(engine):
    with pytest.raises(ValueError, match="2 target prefixes for 3 texts"):
        engine.translate(SENTENCES, target_prefixes=["a", "b"])


def test_scores_are_finite_and_prefer_the_models_own_output(engine):
    own = [t.text for t in engine.translate(SENTENCES)]
    # The same words in another order: a worse translation by the model's own measure.
    shuffled = [" ".join(reversed(text.split())) for text in own]
    assert all(a != b for a, b in zip(own, shuffled))
    own_scores = engine.score(SENTENCES, own)
    shuffled_scores = engine.score(SENTENCES, shuffled)
    assert len(own_scores) == len(SENTENCES)
    assert all(math.isfinite(s) and s <= 0 for s in own_scores + shuffled_scores)
    assert all(o > s for o, s in zip(own_scores, shuffled_scores)), (own_scores, shuffled_scores)
    # Scoring is deterministic and one pair at a time gives the same number.
    assert engine.score(SENTENCES[:1], own[:1]) == pytest.approx(own_scores[:1], abs=1e-4)


def test_scoring_edge_cases(engine):
    assert engine.score([], []) == []
    assert engine.score([""], [""]) == [0.0]
    assert engine.score([""], ["something"]) == [-math.inf]
    with pytest.raises(ValueError):
        engine.score(["a"], [])


def test_a_vocabulary_map_restricts_decoding_where_the_model_has_one(tmp_path, argos_package_factory):
    """A model converted with a vocabulary map (model/vmap.txt) is decoded
    through it, by the engine and by the glossary's re-decodes: only the
    target tokens the map links to the source's pieces (and the fixed ones)
    can be written. (Even a map that holds every token the model writes may
    change a beam search's result: the softmax is taken over the map's tokens.)"""
    import shutil

    from translate.translation.engines.scoring import term_model_for
    from translate.translation.glossary.model import Complete

    package = ArgosStore(tmp_path / "argos").add(argos_package_factory("ru")).model
    plain_engine = ArgosEngine(package.argos_package())
    plain = plain_engine.translate(SENTENCES)
    from translate.translation.engines.ct2 import translate_pieces

    produced = translate_pieces(plain_engine.translator(), [plain_engine.codec.encode(s) for s in SENTENCES],
                                plain_engine.options)
    written = sorted({token for tokens, _ in produced for token in tokens})

    mapped_dir = tmp_path / "mapped"
    shutil.copytree(package.path, mapped_dir)
    vmap = mapped_dir / "model" / "vmap.txt"
    vmap.write_text("\t" + " ".join(written) + "\n", encoding="utf-8")
    engine = ArgosEngine(ArgosStore(tmp_path / "argos").list()[0][0].argos_package())
    engine.model_dir = mapped_dir / "model"
    assert engine.uses_vocabulary_map and term_model_for(engine).use_vmap
    assert all(t.text for t in engine.translate(SENTENCES))
    assert not plain_engine.uses_vocabulary_map and not term_model_for(plain_engine).use_vmap

    few = written[: len(written) // 3]
    vmap.write_text("\t" + " ".join(few) + "\n", encoding="utf-8")
    narrow = ArgosEngine(package.argos_package())
    narrow.model_dir = mapped_dir / "model"
    allowed = set(few) | {"<unk>", "<s>", "</s>"}
    narrowed = translate_pieces(narrow.translator(), [narrow.codec.encode(s) for s in SENTENCES], narrow.options,
                                use_vmap=True)
    assert {token for tokens, _ in narrowed for token in tokens} <= allowed
    assert narrow.translate(SENTENCES) != plain
    model = term_model_for(narrow)
    (done,) = model.complete_many([Complete(SENTENCES[0], few[0].lstrip("\u2581") or "x", "")])
    assert done.text
