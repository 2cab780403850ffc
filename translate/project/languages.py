"""The project's languages: one table, the single source of truth for codes.

Project keys (ru, prs, ps, kk, and en for the original) are what users type and
what output folders are named after; every other code is looked up here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    key: str            # project key: CLI, folders, locales/<key>/
    english_name: str
    native_name: str    # shown in the language switcher (Babel calls Dari "فارسی (افغانستان)")
    babel_locale: str   # dates, numbers, page strings
    html_lang: str      # BCP 47 tag for lang="" and the PDF's /Lang
    direction: str      # "ltr" or "rtl"
    argos_code: str | None   # code of an Argos package en→<code> that serves this edition, if any
    nllb_code: str      # NLLB-200 language code
    m2m_code: str       # M2M-100 language code
    script: str         # Unicode script of its letters, as unicodedata names begin: "CYRILLIC", "ARABIC"
    # Codes of OPUS-MT / Tatoeba (Marian) models, preferred first: a multi-target
    # model is steered by a ">>code<<" token, a one-language model names its
    # target language in tokenizer_config.json (an ISO 639-1 or 639-3 code).
    marian_codes: tuple[str, ...] = ()
    # MADLAD-400 codes, preferred first: the source starts with "<2code>".
    madlad_codes: tuple[str, ...] = ()


SOURCE = Language("en", "English", "English", "en", "en", "ltr", "en", "eng_Latn", "en", "LATIN", ("eng", "en"), ("en",))

TARGETS: dict[str, Language] = {
    lang.key: lang
    for lang in (
        Language("ru", "Russian", "Русский", "ru", "ru", "ltr", "ru", "rus_Cyrl", "ru", "CYRILLIC",
                 ("rus", "ru"), ("ru",)),
        # en→fa packages exist but write Iranian Persian: Dari has no Argos code of its own.
        # Marian's pes/fas/fa and MADLAD's fa are Iranian Persian too (the Afghan Dari adaptation follows).
        Language("prs", "Dari", "دری", "fa_AF", "fa-AF", "rtl", "prs", "prs_Arab", "fa", "ARABIC",
                 ("prs", "pes", "fas", "fa"), ("prs", "fa-AF", "fa")),
        Language("ps", "Pashto", "پښتو", "ps", "ps", "rtl", "ps", "pbt_Arab", "ps", "ARABIC",
                 ("pbt", "pus", "pst", "ps"), ("ps",)),
        Language("kk", "Kazakh", "Қазақ тілі", "kk", "kk", "ltr", "kk", "kaz_Cyrl", "kk", "CYRILLIC",
                 ("kaz_Cyrl", "kaz", "kk"), ("kk",)),
    )
}

ALL: dict[str, Language] = {SOURCE.key: SOURCE, **TARGETS}


class UnknownLanguage(ValueError):
    pass


def target(key: str) -> Language:
    try:
        return TARGETS[key]
    except KeyError:
        raise UnknownLanguage(
            f"unknown language key {key!r}: use one of {', '.join(TARGETS)}"
        ) from None


def parse_targets(spec: str) -> list[Language]:
    """Parse a comma-separated --to value such as "ru,prs" (duplicates dropped)."""
    keys = [k.strip() for k in spec.split(",") if k.strip()]
    if not keys:
        raise UnknownLanguage(f"no language given: use one or more of {', '.join(TARGETS)}")
    seen: dict[str, Language] = {}
    for key in keys:
        seen.setdefault(key, target(key))
    return list(seen.values())
