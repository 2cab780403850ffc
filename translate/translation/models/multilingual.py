"""The store of models converted to CTranslate2 from Hugging Face checkpoints:
NLLB-200, M2M-100, OPUS-MT / Tatoeba (Marian) and MADLAD-400 (T5); see
translate.translation.engines.multilingual for how each family is steered.

One folder per model under the store folder, exactly as CTranslate2's
converter wrote it (model.bin, config.json, shared_vocabulary.json or .txt)
plus the model's SentencePiece tokenizer(s) (sentencepiece.bpe.model; Marian's
source.spm and target.spm; MADLAD's spiece.model) and a small
``translate-model.json`` written here: name, family, version, the language
codes and tokens found in the vocabulary, the licence. Listing reads only that
file, so a 256k-entry vocabulary is not parsed on every command.

A model reaches the store by ``add`` (a converted folder, or a zip archive of
one: offline) or ``install`` (a download from a URL with a known SHA-256). Both
validate the model before it is visible, and both are atomic: the model is
assembled in a staging folder on the same file system and moved into place by
a rename, so an interrupted install leaves nothing behind. Archives go through
translate.translation.models.archive.safe_extract and folders through
translate.translation.models.install.copy_folder (no links, no special files), the same
refusals as for Argos packages; staging and the swap into place are
translate.translation.models.install's, shared with the Argos store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, ClassVar, Iterable, Mapping

from translate.project import config, user_folders
from translate.project.languages import SOURCE, TARGETS
from translate.translation.engines.base import ModelInfo
from translate.translation.engines.multilingual import (
    FAMILIES,
    FAMILY_PREFERENCE,
    TOKENIZER_FILE,
    Family,
    ModelFolder,
)
from translate.translation.models import download, install
from translate.translation.models.archive import safe_extract
from translate.translation.models.store import (
    BrokenModel,
    Check,
    DownloadError,
    InstallResult,
    InvalidModelError,
    ModelError,
    ProgressFactory,
    VerifyResult,
    check_metadata_text,
    metadata_text,
    names_of,
    one_line,
)
from translate.util.files import atomic_write

METADATA_FILE = "translate-model.json"
REQUIRED_FILES = ("model.bin", "config.json")   # and the family's tokenizer files
# Where a converted one-language Marian model names its target language.
MARIAN_TOKENIZER_CONFIG = "tokenizer_config.json"
VOCABULARY_FILES = ("shared_vocabulary.json", "shared_vocabulary.txt")
# NLLB-200 3.3B in float32 is about 17 GB; anything far larger is the wrong file.
MAX_DOWNLOAD_BYTES = 24 << 30
MAX_UNPACKED_BYTES = 32 << 30
MAX_MODEL_FILES = 1_000
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_LICENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class KnownModel:
    """A model this tool knows how to use. There is no public download of
    converted CTranslate2 archives with a checksum we could vouch for, so
    ``url`` and ``sha256`` come from the project configuration
    ([downloads.NAME] in translate.toml: the archive your organisation
    converted and hosts), or from the command line."""

    name: str
    family: str
    source: str          # the Hugging Face model it is converted from
    licence: str
    parameters: str
    url: str | None = None
    sha256: str | None = None
    size: int | None = None


KNOWN_MODELS: dict[str, KnownModel] = {
    m.name: m
    for m in (
        KnownModel("nllb-200-distilled-600M", "nllb", "facebook/nllb-200-distilled-600M", "CC-BY-NC-4.0", "600M"),
        KnownModel("nllb-200-distilled-1.3B", "nllb", "facebook/nllb-200-distilled-1.3B", "CC-BY-NC-4.0", "1.3B"),
        KnownModel("nllb-200-3.3B", "nllb", "facebook/nllb-200-3.3B", "CC-BY-NC-4.0", "3.3B"),
        KnownModel("m2m100_418M", "m2m", "facebook/m2m100_418M", "MIT", "418M"),
        KnownModel("m2m100_1.2B", "m2m", "facebook/m2m100_1.2B", "MIT", "1.2B"),
        KnownModel("opus-mt-tc-big-en-zle", "marian", "Helsinki-NLP/opus-mt-tc-big-en-zle", "CC-BY-4.0", "big"),
        KnownModel("madlad400-3b-mt", "madlad", "google/madlad400-3b-mt", "Apache-2.0", "3B"),
    )
}


@dataclass(frozen=True)
class InstalledModel:
    kind: ClassVar[str] = "multilingual"

    name: str
    family: str
    version: str
    path: Path
    # project key -> the family's language code, for the project languages
    # whose token is in the vocabulary (or that a one-language model writes)
    codes: dict[str, str] = field(default_factory=dict)
    installed_from: str = ""
    licence: str = ""
    # project key -> the token that steers the model to it ("": a one-language model)
    tokens: dict[str, str] = field(default_factory=dict)
    source: str = ""      # the Hugging Face repository it was converted from, when known

    @property
    def spec(self) -> Family:
        return FAMILIES[self.family]

    def serves(self, lang_key: str) -> bool:
        return lang_key in self.codes

    @property
    def label(self) -> str:
        """How the CLI names it: "multilingual model nllb-200-distilled-600M (NLLB-200 sha256:…)"."""
        return f"multilingual model {self.name} ({FAMILIES[self.family].title} {self.version})"

    def folder(self) -> ModelFolder:
        return ModelFolder(self.path, self.family, self.name, self.version, dict(self.tokens))

    def model_info(self) -> ModelInfo:
        return ModelInfo(engine="multilingual", name=self.name, version=self.version, path=str(self.path),
                         extra={"family": self.family})


# --- where things are -------------------------------------------------------


# --- what is installed --------------------------------------------------------


def read_model(folder: Path) -> InstalledModel:
    """An installed model folder; InvalidModelError if it is not one (or its
    metadata is not fit to show: see translate.translation.models.store.metadata_text)."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidModelError(f"no {METADATA_FILE}: not installed by this tool") from None
    except (OSError, ValueError) as err:
        raise InvalidModelError(f"{METADATA_FILE} is unreadable ({one_line(err)})") from None
    if not isinstance(meta, dict) or meta.get("family") not in FAMILIES or not isinstance(meta.get("codes"), dict):
        raise InvalidModelError(f"{METADATA_FILE} has no valid family and codes")
    spec = FAMILIES[meta["family"]]
    missing = [name for name in (*REQUIRED_FILES, *spec.tokenizer_files) if not (folder / name).is_file()]
    if missing:
        raise InvalidModelError(f"{', '.join(missing)} missing")
    codes = meta["codes"]
    if any(key not in TARGETS or code not in spec.codes(TARGETS[key]) for key, code in codes.items()):
        raise InvalidModelError(f"{METADATA_FILE} has language codes this tool did not write")
    tokens = meta.get("tokens")
    if tokens is None:   # installed before tokens were recorded: NLLB-200 and M2M-100
        tokens = {key: spec.token(code) for key, code in codes.items()}
    if not isinstance(tokens, dict) or set(tokens) != set(codes) or any(
            token not in (spec.token(codes[key]), *([""] if spec.partial else ())) for key, token in tokens.items()):
        raise InvalidModelError(f"{METADATA_FILE} has language tokens this tool did not write")
    name = meta.get("name") or folder.name
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidModelError(f"{METADATA_FILE} has a name that is not a model name")
    return InstalledModel(
        name=name,
        family=meta["family"],
        version=check_metadata_text(str(meta.get("version", "")), f"{METADATA_FILE}: version"),
        path=folder,
        codes=dict(codes),
        installed_from=metadata_text(meta.get("installed_from", ""), 4096),
        licence=metadata_text(meta.get("licence", "")),
        tokens=dict(tokens),
        source=metadata_text(meta.get("source", "")),
    )


# --- recognising and validating -------------------------------------------------


def _tokenizer_sets() -> list[tuple[str, ...]]:
    return list(dict.fromkeys(spec.tokenizer_files for spec in FAMILIES.values()))


def looks_like_multilingual(path: str | Path) -> bool:
    """True for a folder, or a zip archive of one folder, that holds model.bin
    and the tokenizer files of a family (sentencepiece.bpe.model; source.spm
    and target.spm; spiece.model): what `translate models add` sends here
    rather than to the Argos store (Argos packages hold model/model.bin and
    sentencepiece.model)."""
    path = Path(path)
    if path.is_dir():
        return (path / "model.bin").is_file() and any(
            all((path / name).is_file() for name in names) for names in _tokenizer_sets())
    if not path.is_file() or not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    return _zip_root(names) is not None


def _zip_root(names: list[str]) -> str | None:
    """"" when model.bin is at the top of the archive, "folder" when it is in
    one top-level folder, None when the archive is not a converted model."""
    for prefix in ("", *{n.split("/", 1)[0] + "/" for n in names if "/" in n}):
        if f"{prefix}model.bin" in names and any(
                all(f"{prefix}{name}" in names for name in files) for files in _tokenizer_sets()):
            return prefix.rstrip("/")
    return None


@dataclass(frozen=True)
class _Inspection:
    family: str
    codes: dict[str, str]
    missing: list[str]    # project keys whose token is not in the vocabulary
    tokens: dict[str, str] = field(default_factory=dict)


def read_vocabulary(folder: Path) -> list[str]:
    """The model's token list (shared_vocabulary.json, else .txt)."""
    json_path, txt_path = (folder / name for name in VOCABULARY_FILES)
    try:
        if json_path.is_file():
            tokens = json.loads(json_path.read_text(encoding="utf-8"))
            if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
                raise InvalidModelError(f"{json_path.name} is not a JSON list of tokens")
            return tokens
        if txt_path.is_file():
            return txt_path.read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError) as err:
        raise InvalidModelError(f"the vocabulary is unreadable ({one_line(err)})") from None
    raise InvalidModelError(
        f"no {' or '.join(VOCABULARY_FILES)}: convert the model with ct2-transformers-converter, "
        "which writes a shared vocabulary for NLLB-200 and M2M-100"
    )


# Languages a model must serve: project keys, or a function of the model's
# family and store name giving them (translate.project.config.required_languages).
Required = Iterable[str] | Callable[[str, str], Iterable[str]]


def inspect(folder: str | Path, languages: Required = (), name: str | None = None) -> _Inspection:
    """Validate a converted model folder: required files, config.json,
    tokenizer(s), vocabulary, family and the language tokens. ``languages``
    (project keys, or a function of family and ``name`` giving them) must all
    be served; a model that serves none of the project's languages is refused."""
    folder = Path(folder)
    missing_files = [file for file in REQUIRED_FILES if not (folder / file).is_file()]
    has_tokenizer = any(all((folder / file).is_file() for file in files) for files in _tokenizer_sets())
    if missing_files or not has_tokenizer:
        hint = ""
        if not has_tokenizer:
            missing_files.append(TOKENIZER_FILE)
            hint = (f"; copy the tokenizer from the original Hugging Face model ({TOKENIZER_FILE}; source.spm "
                    "and target.spm for OPUS-MT; spiece.model for MADLAD-400), as ct2-transformers-converter "
                    "--copy_files does")
        raise InvalidModelError(f"{folder.name} is not a converted model: {', '.join(missing_files)} missing{hint}")
    if (folder / "model.bin").stat().st_size == 0:
        raise InvalidModelError(f"{folder.name}/model.bin is empty")
    try:
        model_config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InvalidModelError(f"{folder.name}/config.json is unreadable ({one_line(err)})") from None
    if not isinstance(model_config, dict):
        raise InvalidModelError(f"{folder.name}/config.json is not a JSON object")

    vocabulary = set(read_vocabulary(folder))
    spec = _family_of(folder, vocabulary)
    for file in spec.tokenizer_files:
        tokenizer = install.check_tokenizer(folder, (file,))
        if not tokenizer.ok:
            raise InvalidModelError(f"{folder.name}/{tokenizer.detail}")
    codes, tokens = _language_codes(folder, spec, vocabulary)
    missing = [key for key in TARGETS if key not in codes]
    required = languages(spec.name, name or folder.name) if callable(languages) else languages
    required_missing = [key for key in dict.fromkeys(required) if key not in codes]
    if required_missing:
        named = ", ".join(f"{TARGETS[k].english_name} ({spec.language_token(TARGETS[k])})" for k in required_missing)
        raise InvalidModelError(
            f"{folder.name}: the {spec.title} vocabulary has no token for {named}; "
            "this model cannot translate the languages the project routes to it"
        )
    if not codes:
        raise InvalidModelError(
            f"{folder.name}: this {spec.title} model translates into none of the project's languages "
            f"({', '.join(TARGETS)}): its vocabulary has no token for them and it names no such target language")
    return _Inspection(spec.name, codes, missing, tokens)


def _family_of(folder: Path, vocabulary: set[str]) -> Family:
    """The family a converted folder belongs to, by its tokenizer files and vocabulary."""
    spec = next((FAMILIES[f] for f in FAMILY_PREFERENCE if FAMILIES[f].recognise(folder, vocabulary)), None)
    if spec is None:
        tokens = " or ".join(repr(FAMILIES[f].language_token(SOURCE)) for f in FAMILY_PREFERENCE
                             if not FAMILIES[f].partial)
        raise InvalidModelError(
            f"{folder.name}: the vocabulary has no English token ({tokens}): it is not an NLLB-200, M2M-100 "
            "or MADLAD-400 model (an OPUS-MT model has source.spm and target.spm)"
        )
    return spec


def _language_codes(folder: Path, spec: Family, vocabulary: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(project key -> code, project key -> steering token) of a model: the
    first of a language's codes whose token is in the vocabulary; a Marian
    model without language tokens writes the one language its
    tokenizer_config.json names (target_lang)."""
    codes, tokens = {}, {}
    for key, lang in TARGETS.items():
        code = next((c for c in spec.codes(lang) if spec.token(c) in vocabulary), None)
        if code is not None:
            codes[key], tokens[key] = code, spec.token(code)
    if spec.partial and not any(spec.is_token(token) for token in vocabulary):
        target = _marian_target(folder)
        key = next((k for k, lang in TARGETS.items() if target in spec.codes(lang)), None)
        if key is not None:
            codes, tokens = {key: target}, {key: ""}
    return codes, tokens


def _marian_target(folder: Path) -> str:
    """The target language a one-language Marian model names (tokenizer_config.json's target_lang)."""
    try:
        data = json.loads((folder / MARIAN_TOKENIZER_CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    value = data.get("target_lang") if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


# --- the store --------------------------------------------------------------------


class MultilingualStore:
    """The multilingual model folder (see store_dir)."""

    kind = "multilingual"

    def __init__(self, folder: str | Path | None = None):
        self.folder = user_folders.multilingual_models_dir(folder)

    def list(self) -> tuple[list[InstalledModel], list[BrokenModel]]:
        """Installed models (sorted by family preference, then name) and folders
        that are not usable models. Never raises for a broken folder."""
        models, broken = install.read_installed(self.folder, read_model)
        models.sort(key=lambda m: (FAMILY_PREFERENCE.index(m.family), m.name))
        return models, broken

    def find(self, lang_key: str, model: str | None = None,
             allowed: Callable[[str], bool] | None = None) -> InstalledModel | None:
        """The installed model that serves ``lang_key``: the one named ``model``,
        else the first of family ``model`` ("nllb", "m2m", "marian", "madlad"),
        else the first of any family in FAMILY_PREFERENCE order. Where the
        choice is the store's, a model whose licence ``allowed`` accepts comes
        first (the caller refuses one it does not). None when there is none."""
        candidates = [m for m in self.list()[0] if m.serves(lang_key)]
        if model in FAMILIES:
            candidates = [m for m in candidates if m.family == model]
        elif model:
            candidates = [m for m in candidates if m.name == model]
        if allowed is not None and not (model and model not in FAMILIES):
            candidates.sort(key=lambda m: not allowed(m.licence))   # stable: family order kept
        return candidates[0] if candidates else None

    def get(self, name: str) -> InstalledModel | None:
        """The installed model called ``name`` (whatever languages it serves)."""
        return next((m for m in self.list()[0] if m.name == name), None)

    # --- installing ---

    def add(self, path: str | Path, *, name: str | None = None, languages: Iterable[str] | None = None,
            project: config.Config | None = None, licence: str | None = None, **_options) -> InstallResult:
        """Install a converted model folder or a zip archive of one, offline.

        ``name`` defaults to the folder's (or archive's top folder's) name;
        ``languages`` are the project keys the model must serve (default: those
        ``project``'s configuration, else the built-in one, routes to a
        multilingual model; for an OPUS-MT model, which serves one or a few
        languages, those routed to it by name or family). ``licence`` (an SPDX
        id) is recorded instead of what the folder says. A model of the
        same name is replaced. Nothing changes if the model is refused.
        """
        path = Path(path)
        if not path.exists() and not path.is_symlink():
            raise ModelError(f"{path}: no such file or folder; give a converted model folder or a .zip of one")
        required = _required(languages, project)
        with install.staging(self.folder) as staging:
            if path.is_dir():
                limits = dict(max_bytes=MAX_UNPACKED_BYTES, max_files=MAX_MODEL_FILES)
                install.scan_folder(path, **limits)   # links and special files: refused before reading any
                inspect(path, required, name)         # refuse before copying gigabytes
                root = staging / "model"
                install.copy_folder(path, root, **limits)
                label = name or path.name
            else:
                root, top = _extract(path, staging)
                label = name or top
            return self._install(root, staging, _check_name(label), required, str(path.resolve()),
                                 licence=_check_licence(licence))

    def install(self, name: str, *, url: str | None = None, sha256: str | None = None, size: int | None = None,
                downloads: Mapping[str, object] | None = None, progress: ProgressFactory | None = None,
                languages: Iterable[str] | None = None, project: config.Config | None = None, force: bool = True,
                **_options) -> InstallResult:
        """Download the model ``name`` (a zip of the converted folder) and install it.

        The download location comes from ``url``/``sha256``/``size``, else from
        ``downloads`` (name -> object with url, sha256, size: translate.toml's
        [downloads] table), else from KNOWN_MODELS. The SHA-256 is required: an
        archive that does not match it is never unpacked. Without ``force`` an
        installed model of that name is left alone ("up to date").
        """
        present = self.get(name)
        if present is not None and not force:
            return InstallResult(present, "up to date")
        known = KNOWN_MODELS.get(name)
        configured = (downloads or {}).get(name)
        url = url or getattr(configured, "url", None) or (known.url if known else None)
        sha256 = (sha256 or getattr(configured, "sha256", None) or (known.sha256 if known else None) or "").lower()
        size = size or getattr(configured, "size", None) or (known.size if known else None)
        if not url:
            if known is None and configured is None:
                raise ModelError(
                    f"unknown model {metadata_text(name)!r}: known models are {', '.join(KNOWN_MODELS)}; "
                    "or add a converted folder with `translate models add FOLDER`"
                )
            from_hub = f"`translate models install {known.source}` downloads and converts it from the " \
                "Hugging Face Hub; " if known else ""
            raise ModelError(
                f"no download location is set for {name}: {from_hub}or convert it on a machine with internet "
                f"access (docs/models.md) and run `translate models add FOLDER`, or set url and sha256 under "
                f"[downloads.\"{name}\"] in translate.toml"
            )
        if not _SHA256.match(sha256):
            raise ModelError(
                f"no valid SHA-256 for {name}: set sha256 under [downloads.\"{name}\"] in translate.toml "
                "(sha256sum of the archive) so that a corrupt or substituted download is refused"
            )
        required = _required(languages, project)
        with install.staging(self.folder) as staging:
            archive = staging / f"{_check_name(name)}.zip"
            with open(archive, "wb") as sink:
                received = download.download(url, sink, max_bytes=MAX_DOWNLOAD_BYTES, what=name,
                                             sha256=sha256, progress=progress, label=name)
            if size is not None and received != size:
                raise DownloadError(f"{name} from {url} is {received} bytes, not the expected {size}: wrong file")
            root, _ = _extract(archive, staging)
            return self._install(root, staging, name, required, url, family=known.family if known else None)

    def _install(self, root: Path, staging: Path, name: str, languages: Required,
                 installed_from: str, family: str | None = None, licence: str | None = None) -> InstallResult:
        found = inspect(root, languages, name)
        if family and found.family != family:
            raise InvalidModelError(
                f"{installed_from} holds an {FAMILIES[found.family].title} model, "
                f"not {FAMILIES[family].title} as {name} should be"
            )
        known = KNOWN_MODELS.get(name)
        # Provenance recorded by whoever built the folder (translate.translation.models.hub:
        # the Hub repository, commit, licence and quantization it was converted from).
        prior = _prior_metadata(root)
        meta = {
            "name": name,
            "family": found.family,
            "version": _version(root),
            "codes": found.codes,
            "tokens": found.tokens,
            "missing": found.missing,
            "licence": licence or prior.get("licence") or (known.licence if known else ""),
            "installed_from": prior.get("installed_from") or installed_from,
            **{key: prior[key] for key in ("source", "revision", "quantization") if prior.get(key)},
            "installed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        atomic_write(root / METADATA_FILE, json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        new = read_model(root)
        final = self.folder / name
        try:
            replaced = read_model(final) if final.exists() else None
        except ModelError:
            replaced = None  # a broken folder of the same name: replaced all the same
        install.swap_into_place(root, final, staging)
        return InstallResult(dataclasses.replace(new, path=final), "installed",
                             (replaced,) if replaced is not None else ())

    # --- removing and verifying ---

    def remove(self, which: str, *, missing_ok: bool = False) -> list[Path]:
        """Remove the installed model (or broken folder) called ``which``."""
        models, broken = self.list()
        path = next((m.path for m in models if m.name == which), None) or next(
            (b.path for b in broken if b.path.name == which), None)
        if path is None:
            if missing_ok:
                return []
            names = ", ".join(names_of(models, broken)) or "none"
            raise ModelError(f"no multilingual model called {metadata_text(which)!r} (installed: {names}); "
                             "see `translate models list`")
        with install.staging(self.folder) as staging:
            install.retire(path, staging)
        return [path]

    def verify(self, names: Iterable[str] | None = None, *,
               languages: Iterable[str] | Callable[[InstalledModel], Iterable[str]] | None = None,
               **_options) -> list[VerifyResult]:
        """Check installed models (all, or those named): the tokenizer loads, the
        vocabulary has the language tokens, CTranslate2 loads the model.

        The tokens checked are those recorded at install plus ``languages``:
        project keys every model must serve, or a function giving them per model
        (the languages the configuration sends to it)."""
        models, broken = self.list()
        wanted = set(names) if names else None
        results = []
        for model in models:
            if wanted is None or model.name in wanted:
                required = languages(model) if callable(languages) else (languages or ())
                results.append(self.verify_one(model, required))
        for bad in broken:
            if wanted is None or bad.path.name in wanted:
                results.append(VerifyResult(bad.path.name, bad.path, [Check("metadata", False, bad.reason)]))
        return results

    def verify_one(self, model: InstalledModel, languages: Iterable[str] = ()) -> VerifyResult:
        """Check one model, and that it has the tokens of ``languages`` (project keys)."""
        required = set(languages)
        needed = [key for key in TARGETS if key in model.codes or key in required]
        checks = [
            Check("metadata", True, f"{FAMILIES[model.family].title} {model.version}"),
            *(install.check_tokenizer(model.path, (file,)) for file in model.spec.tokenizer_files),
            _check_vocabulary(model, needed),
            install.check_ctranslate2_model(model.path),
        ]
        return VerifyResult(f"{model.name} ({FAMILIES[model.family].title})", model.path, checks)


def _check_vocabulary(model: InstalledModel, needed: list[str]) -> Check:
    spec = FAMILIES[model.family]
    try:
        vocabulary = set(read_vocabulary(model.path))
    except ModelError as err:
        return Check("vocabulary", False, str(err))
    # The token each language is steered with ("" for a one-language Marian model: none needed).
    tokens = {key: model.tokens.get(key, spec.language_token(TARGETS[key])) for key in needed}
    missing = [key for key, token in tokens.items() if (token not in vocabulary if token else key not in model.codes)]
    if missing:
        named = ", ".join(f"{TARGETS[k].english_name} ({tokens[k] or spec.language_token(TARGETS[k])})"
                          for k in missing)
        return Check("vocabulary", False,
                     f"no token for {named}: give those languages another model in translate.toml, "
                     "or install a model that has them")
    shown = [token or f"{key} (its only language)" for key, token in tokens.items()]
    return Check("vocabulary", True, "tokens " + " ".join(shown))


def _extract(archive: Path, staging: Path) -> tuple[Path, str]:
    """Unpack a model archive safely; returns the model folder and its name."""
    try:
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise InvalidModelError(
            f"{archive.name} is not a zip archive of a converted model ({one_line(err)}); "
            "give the model folder itself or a .zip of it"
        ) from None
    top = _zip_root(names)
    if top is None:
        raise InvalidModelError(f"{archive.name} refused: it has no model.bin and {TOKENIZER_FILE} "
                                "at its top or in one top-level folder")
    unpacked = safe_extract(archive, staging / "unpacked", max_total_bytes=MAX_UNPACKED_BYTES,
                            max_files=MAX_MODEL_FILES, require=REQUIRED_FILES, single_root=bool(top))
    return unpacked.root, top or archive.stem


def _prior_metadata(root: Path) -> dict[str, str]:
    """The string fields of a translate-model.json already in the folder,
    bounded and cleaned like every metadata string."""
    try:
        meta = json.loads((root / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(meta, dict):
        return {}
    return {str(k): metadata_text(v, 4096) for k, v in meta.items() if isinstance(v, str)}


def _version(root: Path) -> str:
    """The version recorded by whoever built the folder, else a fingerprint of
    the weights: two conversions of one model with different settings
    (int8 or float16, say) translate differently and must not look alike."""
    try:
        meta = json.loads((root / METADATA_FILE).read_text(encoding="utf-8"))
        if isinstance(meta, dict) and meta.get("version"):
            return check_metadata_text(meta["version"], f"{METADATA_FILE}: version")
    except (OSError, ValueError):
        pass
    digest = hashlib.sha256()
    with open(root / "model.bin", "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()[:12]}"


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ModelError(
            f"{metadata_text(name)!r} cannot be a model name: use letters, digits, '.', '_', '+' or '-' "
            "(for example nllb-200-distilled-600M)"
        )
    return name


def _required(languages: Iterable[str] | None, project: config.Config | None) -> Required:
    """What a model being installed must serve, as a function of its family and
    name: every language the configuration sends to a multilingual model, or
    for a family whose models serve only some (OPUS-MT) the languages sent to it
    by name or family."""
    cfg = project if project is not None else config.default()
    full = config.multilingual_languages(cfg) if languages is None else list(languages)

    def required(family: str, name: str) -> list[str]:
        return config.routed_to(cfg, name, family) if FAMILIES[family].partial else full

    return required


def _check_licence(licence: str | None) -> str | None:
    """A licence given on the command line: an SPDX-like id ("CC-BY-4.0")."""
    if licence is None:
        return None
    if not _LICENCE.match(licence):
        raise ModelError(f"--licence {metadata_text(licence)!r}: give an SPDX licence id such as CC-BY-4.0, "
                         "Apache-2.0, MIT or CC-BY-NC-4.0")
    return licence
