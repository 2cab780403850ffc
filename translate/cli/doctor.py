"""`translate doctor`: check that the fonts and catalogues load, that each
HTML page finds its web fonts, that each PDF embeds packaged fonts only and is
tagged for assistive technology, and run the check stage publish runs
(translate.publishing.checks: structure, glyphs, text layer, layout) on the
published files, so that doctor and publish agree."""

from __future__ import annotations

import ctypes.util
import logging
import re
import shutil
import subprocess
from pathlib import Path

import click

from translate.cli.options import current_project
from translate.errors import UserError
from translate.project import config
from translate.project.languages import ALL, SOURCE
from translate.publishing import checks
from translate.publishing.render import fonts, l10n
from translate.publishing.render.textlayer import foreign_fonts, pdf_structure
from translate.source.markdown_reader import SourceError, read_markdown
from translate.translation.edition import resolve_runtime
from translate.translation.engines import runtime
from translate.translation.models import hub as model_hub
from translate.util import heavy
from translate.util.untrusted import display

EDITION_FILE = re.compile(r"^(?P<slug>.+)\.(?P<key>[a-z]{2,3})\.(?P<ext>html|pdf|md)$")


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
    _check_runtime(report)
    if shutil.which("pdftotext") is None:
        report.warn("pdftotext", "not installed: text layers are measured with pypdf only "
                                 "(apt-get install poppler-utils)")
    if ctypes.util.find_library("harfbuzz-subset") is None:
        report.warn("harfbuzz-subset", "not installed: WeasyPrint subsets fonts with fontTools, "
                                       "about 10 times slower (apt-get install libharfbuzz-subset0)")


def _check_runtime(report: _Report) -> None:
    """What a translation run would use: the project's [runtime] (translate.toml),
    resolved as publish resolves it without --device / --compute-type."""
    try:
        cfg = config.load(current_project().config_file)
        run_on = resolve_runtime(cfg)
        if run_on.device == "auto":   # nothing asked for: what auto resolves to
            run_on = runtime.resolve("auto", run_on.compute_type, inter_threads=run_on.inter_threads,
                                     intra_threads=run_on.intra_threads)
    except UserError as err:
        report.fail("translation runtime", err.one_line())
        return
    report.ok("translation runtime", run_on.describe())


def _editions(path: Path) -> list[tuple[str, str, dict[str, Path]]]:
    """(label, key, {format: file}) for an article folder or one edition file;
    the English edition's files come too, for the structure check's source."""

    match = EDITION_FILE.match(path.name)
    if path.is_file():
        if not match or match.group("key") not in ALL:
            raise click.BadParameter(f"{path}: name an article folder output/<slug>/ or a file "
                                     "<slug>.<key>.html / .pdf / .md", param_hint="PATH")
        slug, key = match.group("slug"), match.group("key")
        files = {ext: path.with_name(f"{slug}.{key}.{ext}") for ext in ("md", "html", "pdf")}
        english = path.parent.parent / SOURCE.key / f"{slug}.{SOURCE.key}.md"
        found = [(f"{slug}/{key}", key, {ext: p for ext, p in files.items() if p.is_file()})]
        return found + ([(f"{slug}/{SOURCE.key}", SOURCE.key, {"md": english})] if english.is_file() else [])
    slug = path.resolve().name
    found = []
    for key in ALL:
        files = {ext: path / key / f"{slug}.{key}.{ext}" for ext in ("md", "html", "pdf")}
        files = {ext: p for ext, p in files.items() if p.is_file()}
        if "html" in files or "pdf" in files:
            found.append((f"{slug}/{key}", key, files))
    if not found:
        raise click.ClickException(f"no editions in {path}: expected {path}/<key>/{slug}.<key>.html "
                                   "(give the folder output/<slug>/ written by translate publish)")
    return found


_FONT_URL = re.compile(r"""url\(["']?([^"')]+\.woff2)["']?\)""")


def _check_web_fonts(report: _Report, label: str, html: Path) -> None:
    """The page's @font-face files are there (the glyphs check says that they
    draw every character)."""

    urls = _FONT_URL.findall(html.read_text(encoding="utf-8"))
    absent = [url for url in urls if not (html.parent / url).is_file()]
    if not urls:
        report.warn(label, f"{html.name} carries no web fonts: readers see it in their own fonts")
    elif absent:
        report.fail(label, f"{len(absent)} web font file(s) missing, e.g. {absent[0]}: publish the article again")
    else:
        report.ok(label, f"web fonts: {len(urls)} files")


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


def _check_edition(report: _Report, label: str, key: str, files: dict[str, Path], source) -> None:
    """The PDF's tags and fonts, the web font files, then the check stage
    publish runs (translate.publishing.checks), on the files as published. A
    PDF that cannot be read fails once, in one line, and is left out of the
    checks after it."""
    lang = ALL[key]
    if "pdf" in files and not _pdf_read(report, label, files["pdf"],
                                        lambda: _check_pdf_structure(report, label, lang, files["pdf"])):
        files = {fmt: path for fmt, path in files.items() if fmt != "pdf"}
    if "html" in files:
        _check_web_fonts(report, label, files["html"])
    elif "pdf" in files:
        report.warn(label, f"no {files['pdf'].stem}.html: the PDF's text layer is not measured (it is "
                           "measured against the page)")
    if source is None:
        report.warn(label, "no English Markdown edition (en/<slug>.en.md) to compare the structure with")
    subject = checks.Subject(lang, source, {fmt: (path.name, path.read_bytes()) for fmt, path in files.items()})
    for name, check in checks.CHECKS.items():
        findings: list = []
        if "pdf" in files:
            if not _pdf_read(report, label, files["pdf"], lambda: findings.extend(check(subject))):
                return
        else:
            findings = check(subject)
        for finding in findings:
            report.fail(label, str(finding))
        if not findings:
            report.ok(label, f"{name} check passed ({', '.join(sorted(files))})")


def _source(editions) -> object:
    """The English article as published (its Markdown edition), for the structure check."""
    english = next((files.get("md") for _, key, files in editions if key == SOURCE.key), None)
    if english is None:
        return None
    try:
        return read_markdown(english.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SourceError):
        return None


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def doctor(paths):
    """Check the fonts and catalogues, and run publish's checks on published editions.

    Always checks that the packaged fonts and the page-chrome catalogues load.
    For each PATH (an article folder output/<slug>/, or one edition's
    <slug>.<key>.html / .pdf / .md) it checks that the PDF embeds packaged
    fonts only and is tagged with its language (and right-to-left reading
    order for Dari and Pashto), that the HTML page's web font files are
    there, and runs the checks `translate publish` runs before it writes an
    edition (the same code: translate.publishing.checks): structure parity
    with the English edition, glyph coverage, the PDF's text layer read by
    pdftotext and pypdf, and the layout. Exits with status 1 when a check fails.

    \b
    Examples:
      translate doctor
      translate doctor output/taliban-delisting
      translate doctor output/taliban-delisting/prs/taliban-delisting.prs.pdf
    """
    editions = [edition for path in paths for edition in _editions(path)]
    report = _Report()
    _check_setup(report)
    source = _source(editions)
    for label, key, files in editions:
        if "html" in files or "pdf" in files:
            _check_edition(report, label, key, files, source)
    if report.problems:
        click.secho(f"doctor: {report.problems} problem(s) found", fg="red", err=True)
        raise SystemExit(1)
    click.echo("doctor: all checks passed")
