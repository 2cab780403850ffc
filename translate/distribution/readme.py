"""The README.txt of a bundle, in each edition's language: how a reader
checks the files, and the key id to expect.

It travels unsigned (a bundle is made without the secret key), so
``translate verify`` writes it again from what is signed (the bundle's
manifest.json, the key that signed SHA256SUMS, the bundle's name) and
refuses a bundle whose README differs (translate.distribution.signed_folder).
"""

from __future__ import annotations

from translate.project.languages import Language
from translate.publishing.render import l10n

VERIFY_COMMAND = "minisign -Vm SHA256SUMS -p publisher.pub && sha256sum -c --ignore-missing SHA256SUMS"


def readme_text(lang: Language) -> tuple[str, str, str]:
    """(heading, what to do, how to judge the key id) of a bundle's README, in
    the edition's language (its gettext catalogue, like every string a reader
    sees). Commands, file names and the key id stay Latin on lines of their
    own, so they read the same in right-to-left text."""
    gettext = l10n.translations(lang).gettext
    return (gettext("How to check these files"),
            gettext("These files are published by the publisher of the article above. Before sharing them, "
                    "check that they come from the publisher and were not changed. In this folder, run:"),
            gettext("The key id must be %(fingerprint)s. Compare it with the one the publisher shows on its "
                    "website or social media. A different key id, or any error from the command, means the files "
                    "must not be trusted."))


def readme(langs: list[Language], titles: dict[str, str], fingerprint: str, bundle_name: str) -> str:
    """The bundle's README.txt: for each language, its heading, the article's
    title, the command, the key id; then the same command for translate."""
    parts = []
    for lang in langs:
        heading, intro, key_line = readme_text(lang)
        parts.append(f"{heading}\n{'=' * len(heading)}\n\n{titles.get(lang.key, '')}\n\n{intro}\n\n"
                     f"    {VERIFY_COMMAND}\n\n{key_line % {'fingerprint': fingerprint}}\n")
    parts.append(f"    translate verify {bundle_name}\n")
    return "\n".join(parts)
