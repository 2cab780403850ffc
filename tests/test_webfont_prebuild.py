"""The web fonts made ahead of use (translate.publishing.render.webfont_prebuild): the
package ships every file a site references, made by today's recipe from the
pinned font packages, so a first publish makes none; a font the package does
not ship is made once, with progress, and kept in the user's cache."""

from __future__ import annotations

import io
import shutil

import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont

from translate.cli.main import cli
from translate.project.languages import ALL
from translate.publishing.render import webfont_prebuild, webfonts

SHIPPED = webfont_prebuild.folder()   # before any test hides it


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """A fresh user cache, and web fonts looked up again (not from this process's memory)."""
    cache = tmp_path / "webfont-cache"
    monkeypatch.setenv("TRANSLATE_FONT_CACHE", str(cache))
    webfonts.web_font.cache_clear()
    yield cache
    webfonts.web_font.cache_clear()


@pytest.fixture
def nothing_shipped(monkeypatch, empty_cache):
    """As after a font package upgrade: the package ships no file for the installed fonts."""
    monkeypatch.setattr(webfonts, "PREBUILT", "no-such-folder")
    return empty_cache


def _refuse_to_make(monkeypatch):
    def refuse(file):
        raise AssertionError(f"made {file.path.name} instead of reading it")

    monkeypatch.setattr(webfonts, "make_woff2", refuse)


def test_the_package_ships_exactly_the_web_fonts_a_site_references():
    assert webfont_prebuild.differences() == []
    assert webfont_prebuild.main(["--check"]) == 0
    # every face of every edition and of the index pages, italics only where pages use them
    described = sorted(webfont_prebuild.describe(file) for file in webfont_prebuild.site_font_files())
    assert described == ["Amiri", "Amiri 700", "Amiri 700 italic", "Amiri italic", "Noto Sans", "Noto Serif",
                         "Noto Serif italic", "Source Code Pro"]


def test_a_changed_recipe_is_reported_until_the_folder_is_made_again(monkeypatch):
    monkeypatch.setattr(webfonts, "_RECIPE", webfonts._RECIPE + "-changed")
    webfonts._cache_key.cache_clear()
    try:
        lines = webfont_prebuild.differences()
        assert len([line for line in lines if line.startswith("missing ")]) == 8
        assert len([line for line in lines if line.startswith("stale ")]) == 8
        assert webfont_prebuild.main(["--check"]) == 1
    finally:
        webfonts._cache_key.cache_clear()


def test_a_site_is_served_from_the_package_without_making_or_caching(monkeypatch, empty_cache):
    _refuse_to_make(monkeypatch)
    files = webfonts.site_files(ALL.values())
    assert len(files) == 8 and all(data[:4] == b"wOF2" for data in files.values())
    assert webfont_prebuild.pending(ALL.values()) == []
    assert not empty_cache.exists()   # nothing written to the user's cache


def test_the_shipped_fonts_are_what_the_recipe_makes_now():
    """Made again from the installed font files: the same faces, characters,
    glyphs and axes (the bytes too, with the fontTools that made them)."""
    for name, file in webfont_prebuild.expected().items():
        shipped = (webfont_prebuild.folder() / name).read_bytes()
        made = webfonts.make_woff2(file)
        with TTFont(io.BytesIO(shipped)) as a, TTFont(io.BytesIO(made)) as b, TTFont(file.path, lazy=True) as src:
            assert a.flavor == "woff2"
            assert sorted(a.keys()) == sorted(b.keys()), name
            assert a.getBestCmap() == b.getBestCmap(), name
            assert a.getGlyphOrder() == b.getGlyphOrder(), name
            axes = [(x.axisTag, x.minValue, x.maxValue) for x in a["fvar"].axes] if "fvar" in a else []
            assert axes == ([(x.axisTag, x.minValue, x.maxValue) for x in b["fvar"].axes] if "fvar" in b else [])
            assert "wdth" not in [tag for tag, *_ in axes]   # the width axis is pinned
            # the repertoire, as far as the face draws it
            assert set(a.getBestCmap()) == webfonts.SITE_REPERTOIRE & set(src.getBestCmap()), name
            assert a["name"].getDebugName(1) == src["name"].getDebugName(1)
            assert a["name"].getDebugName(13) == src["name"].getDebugName(13)   # the licence travels with it
        assert abs(len(shipped) - len(made)) <= len(made) // 20, name


def test_a_font_the_package_does_not_ship_is_made_once_and_kept(monkeypatch, nothing_shipped):
    code = next(f for f in webfonts.page_font_files([ALL["en"]]) if f.family == "Source Code Pro")
    assert code in webfont_prebuild.pending([ALL["en"]])
    made = webfonts.web_font(code)
    assert (nothing_shipped / webfonts.prebuilt_file(code).name).read_bytes() == made.data
    assert code not in webfont_prebuild.pending([ALL["en"]])
    webfonts.web_font.cache_clear()
    _refuse_to_make(monkeypatch)
    assert webfonts.web_font(code) == made   # read back from the cache


def _publish_example(tmp_path, name):
    project = tmp_path / name
    assert CliRunner().invoke(cli, ["init", str(project)]).exit_code == 0
    result = CliRunner().invoke(cli, ["-C", str(project), "publish", "--format", "html", "--jobs", "1"])
    assert result.exit_code == 1, result.output   # no model installed: the original and what is missing
    assert (project / "output" / "rail-corridor-example" / "en" / "rail-corridor-example.en.html").is_file()
    return result.output


def test_a_first_publish_makes_no_web_font_and_says_nothing_of_it(tmp_path, monkeypatch, empty_cache):
    _refuse_to_make(monkeypatch)
    output = _publish_example(tmp_path, "first")
    assert "web font" not in output
    assert not empty_cache.exists()


def test_a_publish_that_must_make_web_fonts_shows_each_one(tmp_path, nothing_shipped):
    # All but one face of the English page in the cache already: the run makes that one, and says so.
    needed = webfonts.page_font_files([ALL["en"]])
    code = next(f for f in needed if f.family == "Source Code Pro")
    nothing_shipped.mkdir()
    for file in needed:
        if file != code:
            shutil.copy(SHIPPED / webfonts.prebuilt_file(file).name, nothing_shipped)
    output = _publish_example(tmp_path, "upgraded")
    making = [line for line in output.splitlines() if "making the web font" in line]
    assert making == ["making the web font Source Code Pro (once: it is kept for later runs)"]
    assert (nothing_shipped / webfonts.prebuilt_file(code).name).is_file()
    # the next run finds it
    webfonts.web_font.cache_clear()
    assert "making the web font" not in _publish_example(tmp_path, "again")
