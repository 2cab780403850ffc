"""`translate desk`: the editor's desk, a local web application over the project."""

from __future__ import annotations

import click

from translate.cli.keys import load_secret_key
from translate.cli.options import (
    current_project,
    languages_option,
    output_option,
    project_option,
    translation_options,
    warn,
)
from translate.desk import server
from translate.desk.workspace import DeskOptions
from translate.translation.memory import TranslationMemory


@click.command()
@project_option
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help=f"Port to listen on [default: {server.DEFAULT_PORT}, or the next free one; 0: any free port].")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback is refused without --allow-remote.")
@click.option("--allow-remote", is_flag=True,
              help="Allow a --host other than loopback: other machines can then reach the desk (the token still "
                   "guards it).")
@click.option("--translator", default="", metavar="NAME",
              help="Who approves the sentences saved on the desk (each browser can set its own name).")
@click.option("--sign", "sign_with_key", is_flag=True,
              help="Sign each article published from the desk (see translate keys new); the passphrase is asked "
                   "now.")
@click.option("--site-url", default=None, envvar="TRANSLATE_SITE_URL", metavar="URL",
              help="Address of the output folder on the web, for the Atom feeds' absolute links "
                   "[default: site_url in translate.toml].")
@languages_option()
@output_option
@translation_options
def desk(port, host, allow_remote, translator, sign_with_key, site_url, languages, output_dir, **translation):
    """Serve the editor's desk: every article and edition with its status,
    each edition sentence by sentence (English, machine, what publish prints,
    the approved text, glossary terms explained), corrections saved as
    approved human translations (as translate import saves them), glossary
    changes previewed sentence by sentence, and publishing, in the browser.

    It listens on 127.0.0.1 and prints an address with a random token, as
    Jupyter does; open it in a browser. Ctrl-C stops it.

    \b
    Examples:
      translate desk
      translate desk --translator "Farida Ahmadi" --port 8900
      translate -C ~/newsroom desk --sign
    """

    server.check_host(host, allow_remote, warn)
    # The memory holds the approved translations the desk saves: a memory
    # that cannot be opened is one line now, not an error page later.
    TranslationMemory(translation.get("cache_path")).close()
    key = load_secret_key(None, None) if sign_with_key else None
    options = DeskOptions(current_project(), output_dir, translation, translator, tuple(languages), key, site_url)
    server.serve(options, host, port, echo=click.echo, warn=warn)
