"""The `translate` command. Subcommands live in translate.commands.* and are
imported only when used, so that `translate --help` stays fast: nothing heavy
(torch, stanza, ctranslate2, weasyprint) is imported at start-up."""

from __future__ import annotations

import importlib
import sys

import click

from translate import __version__

# name -> "module:attribute", in the order shown by --help
SUBCOMMANDS = {
    "publish": ("translate.commands.publish:publish", "Translate articles and publish every edition."),
    "models": ("translate.commands.models:models", "List, install, add, remove and verify translation models."),
    "review": ("translate.commands.glossary:review", "Show what the glossary changed, segment by segment."),
    "glossary": ("translate.commands.glossary:glossary", "Check glossaries and compare two versions of one."),
    "cache": ("translate.commands.cache:cache", "Show or clear the translation memory."),
    "doctor": ("translate.commands.doctor:doctor", "Check fonts and the PDF text layer of published editions."),
}


class Interrupted(click.ClickException):
    """Ctrl-C: one line and the shell's status for SIGINT, not click's "Aborted!"."""

    exit_code = 130

    def __init__(self):
        super().__init__("interrupted: nothing half-written was left behind")

    def show(self, file=None):
        click.echo(f"\n{self.message}", err=True)


def _caused_by_ctrl_c(err: BaseException) -> bool:
    """Whether a KeyboardInterrupt is behind ``err``: Ctrl-C during the import
    of a compiled extension (ctranslate2 loads lazily) surfaces as
    "ImportError: initialization failed" caused by the KeyboardInterrupt."""
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, KeyboardInterrupt):
            return True
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return False


class LazyGroup(click.Group):
    def invoke(self, ctx):
        # click turns KeyboardInterrupt into "Aborted!" and status 1 before
        # main() below could see it; say what state the files are in instead.
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted() from None
        except Exception as err:
            if _caused_by_ctrl_c(err):
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
def cli():
    """Publish an English article as Russian, Dari, Pashto and Kazakh editions,
    translated offline with Argos Translate / CTranslate2 models.

    \b
    Examples:
      translate publish source/taliban-delisting.md --to ru,prs,ps,kk
      translate models list
      translate models add translate-en_ru-1_9.argosmodel
      translate review source/taliban-delisting.md --to prs
    """


def main() -> None:
    try:
        cli.main(prog_name="translate")
    except KeyboardInterrupt:
        click.echo("\ninterrupted: nothing half-written was left behind", err=True)
        sys.exit(130)
