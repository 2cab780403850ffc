"""What is known of a model's quality before a newsroom measures its own:
published FLORES-200 devtest chrF++ (eng→rus, prs, pbt, kaz) per model family
and size, with where each figure comes from.

The figures are the Helsinki-NLP leaderboards' (sacrebleu chrF++ on the 1012
FLORES-200 devtest sentences, as `translate evaluate` computes it), copied
here so that `translate models list --quality` and the publish warning work
offline; docs/models.md shows the same table. A model that is not in the table
(a fine-tuned one, MADLAD-400, for which the leaderboards publish nothing for
these pairs) has no known score: `translate evaluate` measures it.

``weak`` says when a language is served by a model whose published score is
below the floor ([policy] quality_floor in translate.toml, 30 by default):
M2M-100 writes Kazakh at 11.2 (418M: 0.11246) and 15.5 (1.2B) against 41.7-46.3
for the models worth using.
"""

from __future__ import annotations

from dataclasses import dataclass

EXTERNAL = "https://github.com/Helsinki-NLP/External-MT-leaderboard (scores/eng-{pair}/flores200-devtest)"
OPUS = "https://github.com/Helsinki-NLP/OPUS-MT-leaderboard (scores/eng-{pair}/flores200-devtest)"
# FLORES-200 code of each project language, as the leaderboards name the pairs.
PAIRS = {"ru": "rus", "prs": "prs", "ps": "pbt", "kk": "kaz"}


@dataclass(frozen=True)
class Published:
    """One published score: ``model`` (a Hugging Face id, or a Tatoeba-Challenge
    release for OPUS-MT models that are not on the Hub) into ``lang``."""

    family: str          # "nllb" | "m2m" | "marian"
    size: str            # "600M", "1.3B", "big"...
    model: str
    lang: str            # project key
    chrf: float          # chrF++, 0-100, as published (0.11246 -> 11.246)
    leaderboard: str     # EXTERNAL or OPUS

    @property
    def source(self) -> str:
        return self.leaderboard.format(pair=PAIRS[self.lang])


def _rows(family: str, size: str, model: str, leaderboard: str, **scores: float) -> list[Published]:
    return [Published(family, size, model, lang, chrf, leaderboard) for lang, chrf in scores.items()]


PUBLISHED: tuple[Published, ...] = tuple(
    _rows("nllb", "600M (distilled)", "facebook/nllb-200-distilled-600M", EXTERNAL,
          ru=50.523, prs=48.973, ps=35.305, kk=44.633)
    + _rows("nllb", "1.3B (distilled)", "facebook/nllb-200-distilled-1.3B", EXTERNAL,
            ru=52.971, prs=51.48, ps=37.312, kk=45.87)
    + _rows("nllb", "1.3B", "facebook/nllb-200-1.3B", EXTERNAL, ru=52.602, prs=50.119, ps=35.858, kk=45.36)
    + _rows("nllb", "3.3B", "facebook/nllb-200-3.3B", EXTERNAL, ru=53.615, prs=50.427, ps=36.739, kk=46.276)
    + _rows("m2m", "418M", "facebook/m2m100_418M", EXTERNAL, ru=48.116, kk=11.246)
    + _rows("m2m", "1.2B", "facebook/m2m100_1.2B", EXTERNAL, ru=52.999, kk=15.539)
    # OPUS-MT (Marian). The eng-zle transformer-big release is the one the
    # Hub publishes as Helsinki-NLP/opus-mt-tc-big-en-zle (same data release
    # and architecture, March 2022); the others are Tatoeba-Challenge releases.
    + _rows("marian", "big (eng-zle)", "Helsinki-NLP/opus-mt-tc-big-en-zle", OPUS, ru=56.961)
    + _rows("marian", "transformer (eng-rus)", "Tatoeba-MT eng-rus/opus+bt-2021-04-14", OPUS, ru=52.193)
    + _rows("marian", "transformer (eng-ira)", "Tatoeba-MT eng-ira/opus4m+btTCv20210807-2021-09-30", OPUS,
            prs=41.043, ps=12.196)
    + _rows("marian", "transformer (eng-fas)", "Tatoeba-MT eng-fas/opus-2021-02-23", OPUS, prs=38.538)
    + _rows("marian", "transformer (eng-kaz)", "Tatoeba-MT eng-kaz/opusTCv20210807+bt-2021-09-05", OPUS, kk=41.696)
    + _rows("marian", "transformer (eng-trk)", "Tatoeba-MT eng-trk/opus1m+bt-2021-04-10", OPUS, kk=8.199)
)


def _names(model: str) -> set[str]:
    """Names an installed model may have for a published one: the Hub id, its
    last part ("nllb-200-distilled-600M"), a Tatoeba release's pair ("eng-kaz")."""
    if model.startswith("Tatoeba-MT "):
        pair, _, release = model[len("Tatoeba-MT "):].partition("/")
        return {model.lower(), f"{pair}/{release}".lower()}
    return {model.lower(), model.rsplit("/", 1)[-1].lower()}


def published(name: str, source: str, lang_key: str) -> Published | None:
    """The published score of an installed model (store ``name``, Hub
    ``source``) into ``lang_key``, or None when none is known."""
    wanted = {value.lower() for value in (name, source) if value}
    return next((p for p in PUBLISHED if p.lang == lang_key and wanted & _names(p.model)), None)


def best(lang_key: str, families: tuple[str, ...] | None = None) -> Published | None:
    """The best published model for a language (of ``families`` if given)."""
    rows = [p for p in PUBLISHED if p.lang == lang_key and (families is None or p.family in families)]
    return max(rows, key=lambda p: p.chrf, default=None)


def weak(model_name: str, source: str, lang_key: str, floor: float) -> Published | None:
    """The published score of the model serving ``lang_key`` when it is below ``floor``."""
    score = published(model_name, source, lang_key)
    return score if score is not None and score.chrf < floor else None
