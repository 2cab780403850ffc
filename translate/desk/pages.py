"""The desk's pages: the packaged Jinja2 templates (translate/templates/desk_*.html)
filled in, with the same environment settings as every page of the tool
(autoescape: every text from an article, a translation, a glossary or a
person is escaped), and the stylesheet of the packaged web fonts.

The desk's chrome is English and left to right; every quoted text carries its
language and direction (``attrs``), so a Dari or Pashto sentence reads right to
left inside it, in the same typefaces as the published pages.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from translate.project.languages import ALL, SOURCE, Language
from translate.publishing.render import fonts, webfonts
from translate.publishing.render.html import font_stacks

FONTS_HREF = "/assets/fonts/"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("translate", "templates"), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.globals.update(attrs=attrs, run=diff_run, languages=ALL)
    return env


def attrs(lang: Language) -> Markup:
    """lang and dir of a text in ``lang``."""
    return Markup(f'lang="{escape(lang.html_lang)}" dir="{escape(lang.direction)}"')


def diff_run(op: str, text: str) -> Markup:
    tag = {"delete": "del", "insert": "ins"}.get(op)
    return Markup(f"<{tag}>{escape(text)}</{tag}>") if tag else escape(text)


def render(name: str, **values) -> str:
    return environment().get_template(name).render(**values)


def macro(template: str, name: str):
    """A macro of a template, to render one part of a page (a sentence after a save)."""
    return getattr(environment().get_template(template).module, name)


# --- fonts -------------------------------------------------------------------------------------


def desk_fonts(langs) -> dict[str, bytes]:
    """The web font files the desk's pages use: those of the published pages."""
    return {font.name: font.data for font in webfonts.page_fonts([SOURCE, *langs])}


def fonts_css(langs) -> str:
    """@font-face rules for the desk's fonts, and each language's typefaces
    (the stacks of its published pages) for the texts marked with its lang."""
    langs = list(langs)
    rules = [webfonts.font_face_css(webfonts.page_fonts([SOURCE, *langs]), FONTS_HREF)]
    chrome = font_stacks(SOURCE, langs)["chrome"]
    rules.append(f"html {{ font-family: {chrome}; }}\n")
    for lang in langs:
        stacks = font_stacks(lang)
        rules.append(f':lang({lang.html_lang}) {{ font-family: {stacks["body"]}; }}\n')
    mono = ", ".join(f'"{fonts.css_family(f)}"' for f in fonts.roles(SOURCE)["mono"])
    rules.append(f"code, textarea.notation {{ font-family: {mono}, monospace; }}\n")
    return "".join(rules)
