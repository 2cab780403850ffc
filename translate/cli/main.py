"""The `translate` command. Subcommands live in translate.cli.* and are
imported only when used, so that `translate --help` stays fast: nothing heavy
(torch, stanza, ctranslate2, weasyprint) is imported at start-up."""

from __future__ import annotations

import importlib
import sys

import click

from translate import __version__
from translate.cli.options import project_option
from translate.errors import UserError
from translate.project import user_folders
from translate.util import signals
from translate.util.signals import SIGPIPE_STATUS, Terminated, interrupt_behind, quiet_stdout
from translate.util.untrusted import display

# name -> "module:attribute", in the order shown by --help
SUBCOMMANDS = {
    "init": ("translate.cli.init:init", "Create a project folder: translate.toml, source/, locales/."),
    "publish": ("translate.cli.publish:publish", "Translate articles and publish every edition."),
    "models": ("translate.cli.models:models", "List, install, add, remove and verify translation models."),
    "review": ("translate.cli.review:review", "Show what the glossary changed, segment by segment."),
    "glossary": ("translate.cli.glossary:glossary", "Check glossaries and compare two versions of one."),
    "cache": ("translate.cli.cache:cache", "Show or clear the translation memory."),
    "doctor": ("translate.cli.doctor:doctor", "Check fonts and the PDF text layer of published editions."),
    "keys": ("translate.cli.keys:keys", "Create and show the publisher's signing key."),
    "sign": ("translate.cli.sign:sign", "Sign an article's SHA256SUMS (minisign format)."),
    "verify": ("translate.cli.verify:verify", "Check the signature and checksums of a folder or bundle."),
    "bundle": ("translate.cli.bundle:bundle", "Zip an article's signed PDFs for readers, per language."),
    "export": ("translate.cli.export:export", "Export editions for translators as PO or XLIFF files."),
    "import": ("translate.cli.import_:import_", "Import translators' PO or XLIFF files into the memory."),
    "memory": ("translate.cli.memory:memory", "Exchange approved translations with CAT tools as TMX."),
    "evaluate": ("translate.cli.evaluate:evaluate", "Score translations against references: chrF++, BLEU, terms."),
    "desk": ("translate.cli.desk:desk", "Review, correct, approve and publish in the browser (a local web app)."),
}


class Interrupted(click.ClickException):
    """Ctrl-C: one line and the shell's status for SIGINT, not click's "Aborted!"."""

    exit_code = 130

    def __init__(self, what: str = "interrupted", exit_code: int = 130):
        super().__init__(f"{what}: nothing half-written was left behind")
        self.exit_code = exit_code

    def show(self, file=None):
        signals.interrupted()   # what finalisers report from here on is noise
        click.echo(f"\n{self.message}", err=True)


class ShownUserError(click.ClickException):
    """A translate.errors.UserError as click shows errors: one line, its status."""

    def __init__(self, err):
        # Messages quote file names and contents: nothing in them may steer the terminal.
        super().__init__(display(err.one_line(), 4000))
        self.exit_code = err.exit_code


class LazyGroup(click.Group):
    def invoke(self, ctx):
        # The one place where expected problems become one line and a status:
        # commands raise UserError and never catch it themselves.
        try:
            return super().invoke(ctx)
        except Terminated as err:
            # SIGTERM / SIGHUP (translate.util.signals): cleaned up like Ctrl-C.
            raise Interrupted(f"terminated by {err.name}", err.exit_code) from None
        except KeyboardInterrupt:
            # click turns KeyboardInterrupt into "Aborted!" and status 1 before
            # main() below could see it; say what state the files are in instead.
            raise Interrupted() from None
        except BrokenPipeError:
            # `translate ... | head -1`: the reader went away; quiet, status 141.
            quiet_stdout()
            raise click.exceptions.Exit(SIGPIPE_STATUS) from None
        except UserError as err:
            raise ShownUserError(err) from None
        except Exception as err:
            # Ctrl-C inside an extension's import or call can surface as
            # another exception raised from the KeyboardInterrupt (ctranslate2's
            # "ImportError: initialization failed"): still an interrupt.
            behind = interrupt_behind(err)
            if isinstance(behind, Terminated):
                raise Interrupted(f"terminated by {behind.name}", behind.exit_code) from None
            if behind is not None:
                raise Interrupted() from None
            raise

    def list_commands(self, ctx):
        return list(SUBCOMMANDS)

    def get_command(self, ctx, name):
        if name not in SUBCOMMANDS:
            return None
        module_name, attr = SUBCOMMANDS[name][0].split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx, formatter):
        # Short help from the table above: listing commands imports nothing.
        rows = [(name, help_) for name, (_, help_) in SUBCOMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="translate")
@project_option
def cli():
    """Publish an English article as Russian, Dari, Pashto and Kazakh editions,
    translated offline with Argos Translate / CTranslate2 models.

    \b
    Examples:
      translate init newsroom && cd newsroom
      translate publish source/taliban-delisting.md --to ru,prs,ps,kk
      translate -C ~/newsroom publish
      translate models list
      translate models add translate-en_ru-1_9.argosmodel
      translate review source/taliban-delisting.md --to prs
    """


def main() -> None:
    signals.open_closed_streams()
    signals.install()
    user_folders.settle_home()
    try:
        with signals.run_temporary_folder():
            try:
                cli.main(prog_name="translate", standalone_mode=True)
            except SystemExit as done:
                # An interrupt Python swallowed (see signals._unraisable) still
                # ends the run as interrupted: the files are complete either way.
                swallowed = signals.swallowed_interrupt()
                if swallowed is not None and done.code in (0, None, 1):
                    raise swallowed from None
                raise
    except signals.Terminated as err:
        click.echo(f"\nterminated by {err.name}: nothing half-written was left behind", err=True)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        signals.interrupted()
        click.echo("\ninterrupted: nothing half-written was left behind", err=True)
        sys.exit(130)
