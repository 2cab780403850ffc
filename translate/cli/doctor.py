"""`translate doctor`: check that the fonts can draw every edition, that each
HTML page finds its web fonts, that each PDF embeds packaged fonts only and is
tagged for assistive technology, and that readers' tools get the text back
out of the PDFs."""

from __future__ import annotations

import ctypes.util
import logging
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import click

from translate.project.languages import ALL
from translate.publishing.render import fonts, l10n
from translate.publishing.render.textlayer import (
    describe,
    font_coverage,
    foreign_fonts,
    pdf_structure,
    text_layer_share,
)
from translate.publishing.render.webfonts import uncovered_characters
from translate.translation.models import hub as model_hub
from translate.util import heavy
from translate.util.untrusted import display

EDITION_FILE = re.compile(r"^(?P<slug>.+)\.(?P<key>[a-z]{2,3})\.(?P<ext>html|pdf)$")


# Page chrome inside <article> (date line, machine-translation notice): not the
# edition's text, and its Extended Arabic-Indic dates are what pypdf reverses.
_CHROME_CLASSES = {"published", "notice"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr"}


class _ArticleText(HTMLParser):
    """The reading matter of an edition page: the text of <article> (title and
    body), without the page chrome."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[bool] = []     # per open element: is it (inside) skipped matter?
        self.inside = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        skipped = bool(self.open and self.open[-1]) or tag in ("style", "script") or bool(classes & _CHROME_CLASSES)
        self.open.append(skipped)
        if tag == "article":
            self.inside += 1

    def handle_endtag(self, tag):
        if tag in _VOID or not self.open:
            return
        self.open.pop()
        if tag == "article" and self.inside:
            self.inside -= 1
        if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre"):
            self.parts.append("\n")

    def handle_data(self, data):
        if self.inside and not (self.open and self.open[-1]):
            self.parts.append(data)


def edition_text(html_path: Path) -> str:
    """The title and body text of an edition's HTML page."""
    parser = _ArticleText()
    parser.feed(html_path.read_text(encoding="utf-8"))
    parser.close()
    return "".join(parser.parts)


class _Report:
    def __init__(self):
        self.problems = 0

    def ok(self, label: str, text: str) -> None:
        click.echo(f"{click.style('     ok', fg='green')}  {label:<26} {text}")

    def warn(self, label: str, text: str) -> None:
        click.echo(f"{click.style('warning', fg='yellow')}  {label:<26} {text}")

    def fail(self, label: str, text: str) -> None:
        self.problems += 1
        click.echo(f"{click.style('   FAIL', fg='red', bold=True)}  {label:<26} {text}")


def _check_setup(report: _Report) -> None:
    for family in dict.fromkeys(f for lang in ALL.values() for f in fonts.families(lang)):
        try:
            files = fonts.family_files(family)
            glyphs = len(fonts.family_cmap(family))
        except fonts.FontMissing as err:
            report.fail(f"font {family}", str(err))
        except Exception as err:  # a damaged font file
            report.fail(f"font {family}", f"cannot be read ({err}): reinstall {fonts.PACKAGES.get(family, family)}")
        else:
            report.ok(f"font {family}", f"{len(files)} files, {glyphs} characters")
    for key, lang in ALL.items():
        try:
            l10n.translations(lang)
        except l10n.CatalogueMissing as err:
            report.fail(f"catalogue {key}", str(err))
        else:
            report.ok(f"catalogue {key}", str(l10n.catalogue_path(lang)))

    report.ok("ctranslate2", model_hub.describe_ctranslate2())
    if shutil.which("pdftotext") is None:
        report.warn("pdftotext", "not installed: text layers are measured with pypdf only "
                                 "(apt-get install poppler-utils)")
    if ctypes.util.find_library("harfbuzz-subset") is None:
        report.warn("harfbuzz-subset", "not installed: WeasyPrint subsets fonts with fontTools, "
                                       "about 10 times slower (apt-get install libharfbuzz-subset0)")


def _editions(path: Path) -> list[tuple[str, str, Path, Path]]:
    """(label, key, html, pdf) for an article folder or one edition file."""

    match = EDITION_FILE.match(path.name)
    if path.is_file():
        if not match or match.group("key") not in ALL:
            raise click.BadParameter(f"{path}: name an article folder output/<slug>/ or a file "
                                     "<slug>.<key>.html / .pdf", param_hint="PATH")
        slug, key = match.group("slug"), match.group("key")
        return [(f"{slug}/{key}", key, path.with_name(f"{slug}.{key}.html"), path.with_name(f"{slug}.{key}.pdf"))]
    slug = path.resolve().name
    found = []
    for key in ALL:
        html, pdf = (path / key / f"{slug}.{key}.html", path / key / f"{slug}.{key}.pdf")
        if html.exists() or pdf.exists():
            found.append((f"{slug}/{key}", key, html, pdf))
    if not found:
        raise click.ClickException(f"no editions in {path}: expected {path}/<key>/{slug}.<key>.html "
                                   "(give the folder output/<slug>/ written by translate publish)")
    return found


_FONT_URL = re.compile(r"""url\(["']?([^"')]+\.woff2)["']?\)""")


def _check_web_fonts(report: _Report, label: str, lang, html: Path, text: str) -> None:
    """The page's @font-face files are there, and they draw every character."""

    urls = _FONT_URL.findall(html.read_text(encoding="utf-8"))
    absent = [url for url in urls if not (html.parent / url).is_file()]
    if not urls:
        report.warn(label, f"{html.name} carries no web fonts: readers see it in their own fonts")
        return
    if absent:
        report.fail(label, f"{len(absent)} web font file(s) missing, e.g. {absent[0]}: publish the article again")
        return
    missing = uncovered_characters(text, [lang])
    if missing:
        report.fail(label, "web fonts lack " + ", ".join(describe(ch) for ch in missing))
    else:
        report.ok(label, f"web fonts: {len(urls)} files, every character covered")


def _check_pdf_structure(report: _Report, label: str, lang, pdf: Path) -> None:
    """Only packaged fonts are embedded; the PDF is tagged, says its language
    and, for Dari and Pashto, its right-to-left reading order."""

    found = pdf_structure(pdf)
    foreign = foreign_fonts(found["fonts"])
    if foreign:
        report.fail(label, f"{pdf.name} embeds fonts that are not packaged: {', '.join(foreign)} "
                           "(publish again: the renderer now sees packaged fonts only)")
    else:
        report.ok(label, f"PDF fonts: {', '.join(found['fonts']) or 'none'}")
    problems = []
    if not found["tagged"]:
        problems.append("not tagged")
    if found["lang"] != lang.html_lang:
        problems.append(f"/Lang is {found['lang']!r}, not {lang.html_lang!r}")
    if lang.direction == "rtl" and found["direction"] != "R2L":
        problems.append("no /Direction /R2L")
    if not found["display_doc_title"]:
        problems.append("title not shown in the window (/DisplayDocTitle)")
    if problems:
        report.fail(label, f"{pdf.name}: " + "; ".join(problems) + " (publish again)")
    else:
        report.ok(label, "PDF tagged, /Lang " + found["lang"] + (", /Direction /R2L" if found["direction"] else ""))


def _pdf_read(report: _Report, label: str, pdf: Path, check) -> bool:
    """Run ``check`` on ``pdf``; a file pypdf or pdftotext cannot read (not a
    PDF, truncated, a page tree thousands deep) is a failed check in one line."""
    pypdf_log = logging.getLogger("pypdf")   # its warnings about the damage: reported here, in one line
    level = pypdf_log.level
    pypdf_log.setLevel(logging.CRITICAL)
    try:
        check()
    except Exception as err:  # noqa: BLE001 - pypdf raises many kinds: PdfReadError, LimitReachedError, KeyError...
        if isinstance(err, RecursionError):
            reason = "objects nested too deeply"
        elif isinstance(err, (heavy.pypdf().errors.PyPdfError, ValueError, OSError, subprocess.SubprocessError)):
            reason = " ".join(str(err).split())
        else:   # pypdf met a structure it did not expect (AttributeError, KeyError...)
            reason = "its objects are damaged"
        report.fail(label, f"{pdf.name} cannot be read as a PDF ({display(reason, 200)}): publish the article again")
        return False
    finally:
        pypdf_log.setLevel(level)
    return True


def _check_edition(report: _Report, label: str, key: str, html: Path, pdf: Path, min_share: float) -> None:
    lang = ALL[key]
    readable = pdf.exists() and _pdf_read(report, label, pdf, lambda: _check_pdf_structure(report, label, lang, pdf))
    if not html.exists():
        report.warn(label, f"no {html.name}: fonts and text layer not checked (they are measured against it)")
        return
    text = edition_text(html)
    missing = font_coverage(text, lang)
    if missing:
        report.fail(label, "fonts lack " + ", ".join(describe(ch) for ch in missing))
    else:
        report.ok(label, f"fonts cover all {len(set(text))} distinct characters")
    _check_web_fonts(report, label, lang, html, text)
    if not pdf.exists():
        report.warn(label, f"no {pdf.name}: text layer not measured")
        return
    if not readable:
        return
    shares: dict = {}
    if not _pdf_read(report, label, pdf, lambda: shares.update(text_layer_share(pdf, text))):
        return
    figures = "  ".join(f"{name} {'n/a' if share is None else f'{share:.1%}'}" for name, share in shares.items())
    low = [name for name, share in shares.items() if share is not None and share < min_share]
    if low:
        report.fail(label, f"text layer below {min_share:.0%}: {figures}")
    else:
        report.ok(label, f"text layer {figures}")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--min-share", type=click.FloatRange(0, 1), default=0.99, show_default=True,
              help="Least share of an edition's letters each PDF text extractor must recover.")
def doctor(paths, min_share):
    """Check fonts, PDF tags and the PDF text layer of published editions.

    Always checks that the packaged fonts and the page-chrome catalogues load.
    For each PATH (an article folder output/<slug>/, or one edition's
    <slug>.<key>.html / .pdf) it checks that the fonts cover every character
    of each edition, that the HTML page's web font files are there, that the
    PDF embeds packaged fonts only and is tagged with its language (and
    right-to-left reading order for Dari and Pashto), and measures the share
    of its letters that pdftotext and pypdf recover from the PDF, in reading
    order. Exits with status 1 when a check fails.

    \b
    Examples:
      translate doctor
      translate doctor output/taliban-delisting
      translate doctor output/taliban-delisting/prs/taliban-delisting.prs.pdf
    """
    editions = [edition for path in paths for edition in _editions(path)]
    report = _Report()
    _check_setup(report)
    for label, key, html, pdf in editions:
        _check_edition(report, label, key, html, pdf, min_share)
    if report.problems:
        click.secho(f"doctor: {report.problems} problem(s) found", fg="red", err=True)
        raise SystemExit(1)
    click.echo("doctor: all checks passed")
