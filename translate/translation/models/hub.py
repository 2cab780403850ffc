"""Real models in one command: a Hugging Face checkpoint of NLLB-200,
M2M-100, OPUS-MT / Tatoeba-Challenge (Marian) or MADLAD-400 (T5) made into a
CTranslate2 model folder for the multilingual store.

Input: a Hub repository id (``facebook/nllb-200-distilled-600M``), or a local
folder holding such a checkpoint; options (revision, quantization); a staging
folder; a progress callback. Output: a converted folder, exactly what
``translate.translation.models.multilingual.MultilingualStore.add`` accepts and validates, with a
``translate-model.json`` recording where it came from (source id, revision,
licence, quantization), which the store keeps.

* Downloading is huggingface_hub's ``snapshot_download`` with
  ``allow_patterns``: only the files a conversion needs (the weights in one
  format, the configuration, the tokenizer files, the model card), into a
  folder of our own under the user's cache, so that a download that breaks
  off resumes on the next run (huggingface_hub keeps the ``.incomplete`` file
  and asks for the rest with a Range request). Files already in the user's
  Hugging Face cache are copied from it, not downloaded. The folder is
  deleted once the model is converted. ``HF_ENDPOINT``, ``HF_TOKEN``,
  ``HF_HOME`` and ``HF_HUB_OFFLINE`` are honoured; offline, the checkpoint
  comes from the Hugging Face cache and is left there.
* The architecture (config.json's ``model_type``) is checked before the
  weights are downloaded: NLLB-200 and M2M-100 are both ``m2m_100``, OPUS-MT
  ``marian``, MADLAD-400 ``t5``.
* Conversion is CTranslate2's ``TransformersConverter`` (the code behind
  ``ct2-transformers-converter``), int8 by default on a CPU, with the
  model's SentencePiece file(s) copied beside it (sentencepiece.bpe.model;
  source.spm, target.spm and tokenizer_config.json, which names a
  one-language model's target; spiece.model). It needs transformers and
  torch: the optional extra ``convert``; without them the command says what
  to install before anything is downloaded.
* A repository that already holds a CTranslate2 model (``model.bin`` at its
  root) is taken as it is, without conversion.

Also here: ``describe_ctranslate2`` (the ``translate doctor`` line: what
CTranslate2 can use, translate.translation.engines.runtime, and whether conversion is available).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

from translate.errors import UserError
from translate.translation.engines import runtime
from translate.project import user_folders
from translate.translation.models import install as installing
from translate.translation.models.multilingual import MultilingualStore
from translate.util import heavy
from translate.util.files import atomic_write
from translate.util.untrusted import display_path

TOKENIZER_FILE = "sentencepiece.bpe.model"   # what NLLB-200 and M2M-100 are tokenised with
METADATA_FILE = "translate-model.json"       # translate.translation.models.multilingual's metadata file
# Per architecture (config.json's model_type): the tokenizer files the engine
# needs, copied beside the converted model. NLLB-200 and M2M-100 share one
# architecture in transformers (M2M100Config); NLLB differs only by its
# tokenizer (NllbTokenizer). OPUS-MT models are Marian (a SentencePiece model
# per side, and tokenizer_config.json naming a one-language model's target);
# MADLAD-400 is T5 (spiece.model).
MODEL_TYPES = {
    "m2m_100": (TOKENIZER_FILE,),
    "marian": ("source.spm", "target.spm"),
    "t5": ("spiece.model",),
}
_EXTRA_FILES = {"marian": ("tokenizer_config.json",)}
_FAMILY_NAMES = "NLLB-200, M2M-100, OPUS-MT (Marian) or MADLAD-400 (T5)"
CONVERT_REQUIREMENT = "transformers>=4.40,<5"
# Where the conversion runs; CTranslate2 re-quantizes at load time anyway, so
# this only decides the size on disk and the precision kept.
DEFAULT_QUANTIZATION = {"cpu": "int8", "cuda": "int8_float16"}
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
# Hub licence ids -> the SPDX spelling translate.translation.models.multilingual uses.
_LICENCES = {"mit": "MIT", "cc-by-nc-4.0": "CC-BY-NC-4.0", "cc-by-4.0": "CC-BY-4.0",
             "cc-by-sa-4.0": "CC-BY-SA-4.0", "apache-2.0": "Apache-2.0"}

Progress = Callable[[str], None]


class HubError(UserError):
    """Getting or converting a model failed; message and hint say what to do."""


class ConverterMissing(HubError):
    pass


class AccessRefused(HubError):
    pass


class NotFound(HubError):
    pass


class WrongArchitecture(HubError):
    pass


class DownloadBrokeOff(HubError):
    pass


@dataclass(frozen=True)
class Provenance:
    """Where an installed model came from, as translate-model.json keeps it."""

    source: str          # "facebook/nllb-200-distilled-600M" or the checkpoint folder's name
    revision: str        # the Hub commit converted ("" for a local folder)
    licence: str         # from the model card, "" when it states none
    quantization: str    # "int8", ...; "" when the repository was already CTranslate2
    installed_from: str  # "https://huggingface.co/facebook/...@<commit>" or the folder


@dataclass(frozen=True)
class Prepared:
    folder: Path         # the converted model, ready for MultilingualStore.add
    name: str            # the store name it should get by default
    provenance: Provenance


# --- what the user gave -------------------------------------------------------------


def is_hub_source(value: str) -> bool:
    """Whether ``models install VALUE`` should come here: a Hub repository id
    (owner/name) or a local folder holding a checkpoint (config.json) or a
    CTranslate2 model (model.bin)."""
    path = Path(value).expanduser()
    if path.is_dir():
        return (path / "config.json").is_file() or (path / "model.bin").is_file()
    return not path.exists() and bool(_REPO_ID.match(value))


def default_name(value: str) -> str:
    """The store name for a source: the repository's or folder's own name."""
    path = Path(value).expanduser()
    return path.resolve().name if path.is_dir() else value.rstrip("/").rsplit("/", 1)[-1]


# --- the one entry point --------------------------------------------------------------


def prepare(source: str, staging: Path, *, revision: str | None = None, quantization: str | None = None,
            progress: Progress | None = None, downloads: Path | None = None) -> Prepared:
    """Download (or take) and convert ``source`` into ``staging``/model.

    ``quantization`` defaults to int8 on a CPU (DEFAULT_QUANTIZATION for the
    device ``runtime.resolve("auto")`` picks). ``downloads`` is where Hub
    checkpoints are downloaded to and resumed from (default
    $XDG_CACHE_HOME/newsroom-translate/checkpoints); a checkpoint is deleted
    from there once converted, and kept when anything fails so that the next
    run resumes it.
    """
    say = progress or (lambda message: None)
    quantization = check_quantization(quantization)
    path = Path(source).expanduser()
    downloaded, skip = False, set()
    if path.is_dir():   # a checkpoint the user has: converted where it is, left alone
        if revision:
            raise HubError(f"--revision {revision} is for a Hugging Face repository, not the local folder {source}",
                           "leave --revision out, or give the repository id")
        folder, commit = path.resolve(), ""
        skip = _links_out(folder, say)
        licence = "" if "README.md" in skip else _card_licence(folder / "README.md")
        label, origin = folder.name, str(folder)
    elif not _REPO_ID.match(source):
        raise NotFound(f"{source!r} is neither a folder nor a Hugging Face repository id",
                       "give owner/name as on huggingface.co (facebook/nllb-200-distilled-600M) or a checkpoint folder")
    else:
        hub = _Hub.from_environment()
        if hub.offline:   # the user's Hugging Face cache: read, never deleted
            folder, commit, licence = hub.cached(source, revision, say)
        else:
            checkpoints = Path(downloads or user_folders.checkpoints_dir())
            folder, commit, licence = hub.download(source, revision, checkpoints, say,
                                                   needs_converter=lambda: _require_converter(source))
            downloaded = True
        label, origin = source, f"{hub.endpoint}/{source}@{commit}"

    output = Path(staging) / "model"
    converted = _make_model(folder, output, quantization, say, label=label, skip=skip)
    if downloaded:
        shutil.rmtree(folder, ignore_errors=True)   # the checkpoint is not needed any more
        say(f"deleted the downloaded checkpoint {folder}")
    return Prepared(output, default_name(source), Provenance(label, commit, licence, converted, origin))


def install(source: str, store: str | Path | None = None, *, name: str | None = None, revision: str | None = None,
            quantization: str | None = None, progress: Progress | None = None, downloads: Path | None = None,
            languages=None, project=None, licence: str | None = None):
    """``prepare`` then the multilingual store's ``add``: the whole `translate
    models install owner/name`. Returns the store's InstallResult.
    ``languages``, ``project`` and ``licence`` are the store's (MultilingualStore.add)."""

    models = MultilingualStore(store)
    with installing.staging(models.folder) as staging:
        prepared = prepare(source, staging, revision=revision, quantization=quantization, progress=progress,
                           downloads=downloads)
        record_provenance(prepared.folder, prepared.provenance)
        return models.add(prepared.folder, name=name or prepared.name, languages=languages, project=project,
                          licence=licence)


def record_provenance(folder: Path, provenance: Provenance) -> None:
    """Write the provenance into the folder's translate-model.json, where
    the multilingual store keeps it when it installs the folder."""

    atomic_write(Path(folder) / METADATA_FILE, json.dumps(asdict(provenance), indent=2, ensure_ascii=False) + "\n")


# --- converting -------------------------------------------------------------------------


def check_quantization(quantization: str | None) -> str:
    """The quantization to convert with: the given one if CTranslate2 knows
    it, else the default for the device this machine would translate on."""
    accepted = heavy.ctranslate2_model_spec().ACCEPTED_MODEL_TYPES
    if quantization is None:
        return DEFAULT_QUANTIZATION[runtime.resolve("auto").device]
    if quantization not in accepted:
        raise HubError(f"--quantization {quantization}: CTranslate2 knows no such type",
                       f"use one of {', '.join(accepted)} (int8 is smallest and fastest on a CPU)")
    return quantization


def _make_model(checkpoint: Path, output: Path, quantization: str, say: Progress, label: str,
                skip: set[str] = frozenset()) -> str:
    """Fill ``output`` from ``checkpoint`` (without the top-level files
    ``skip`` names); returns the quantization used ("" when the checkpoint
    already was a CTranslate2 model)."""
    if (checkpoint / "model.bin").is_file():
        say(f"{label} is already a CTranslate2 model: no conversion needed")
        shutil.copytree(checkpoint, output, ignore=shutil.ignore_patterns(".cache", ".git*", METADATA_FILE, *skip),
                        copy_function=_link_or_copy)
        return ""
    model_type = check_architecture(checkpoint / "config.json", label)
    tokenizers = MODEL_TYPES[model_type]
    missing = [name for name in tokenizers if not (checkpoint / name).is_file()]
    if missing:
        raise HubError(f"{label} has no {' and '.join(missing)}, the SentencePiece model(s) this tool tokenises with",
                       "give the original Hugging Face repository of the model, which ships them")
    _require_converter(label)
    say(f"converting {label} with CTranslate2 ({quantization})...")
    converters = heavy.ctranslate2_converters()
    copied = [*tokenizers, *(name for name in _EXTRA_FILES.get(model_type, ()) if (checkpoint / name).is_file())]
    converter = converters.TransformersConverter(str(checkpoint), copy_files=copied, low_cpu_mem_usage=True)
    try:
        converter.convert(str(output), quantization=quantization, force=True)
    except MemoryError:
        raise HubError(f"converting {label} ran out of memory",
                       "the converter holds the whole checkpoint in RAM (four bytes per parameter): run it on a "
                       "machine with more memory and `translate models add` the folder") from None
    except (ValueError, OSError, RuntimeError) as err:
        raise HubError(f"converting {label} failed: {_first_line(err)}",
                       "check that the checkpoint is complete (its weights and tokenizer files), or download it again"
                       ) from None
    return quantization


def check_architecture(config_path: Path, label: str) -> str:
    """The checkpoint's model_type, if it is one this tool can run."""
    try:
        config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WrongArchitecture(f"{label} has no config.json: it is not a Hugging Face checkpoint",
                                f"give a {_FAMILY_NAMES} repository or checkpoint folder") from None
    except (OSError, ValueError) as err:
        raise WrongArchitecture(f"{label}: config.json is unreadable ({_first_line(err)})",
                                "download the checkpoint again") from None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if model_type not in MODEL_TYPES:
        arch = ", ".join(config.get("architectures") or []) if isinstance(config, dict) else ""
        raise WrongArchitecture(
            f"{label} is a {model_type or 'unknown'!s} model{f' ({arch})' if arch else ''}, "
            f"not {_FAMILY_NAMES} (model_type {', '.join(MODEL_TYPES)})",
            "give such a checkpoint, e.g. facebook/nllb-200-distilled-600M, Helsinki-NLP/opus-mt-tc-big-en-zle "
            "or google/madlad400-3b-mt")
    return model_type


def converter_missing() -> list[str]:
    """The packages the conversion needs that are not installed."""
    return [name for name in ("transformers", "torch") if importlib.util.find_spec(name) is None]


def _require_converter(label: str) -> None:
    missing = converter_missing()
    if missing:
        pip = f"{Path(sys.executable).name} -m pip install"
        # torch is a step of its own: a bare torch from PyPI is a CUDA build of several GB.
        steps = [f"`{pip} torch --index-url https://download.pytorch.org/whl/cpu` (the CPU build)"] \
            if "torch" in missing else []
        if "transformers" in missing:
            steps.append(f"`{pip} '{CONVERT_REQUIREMENT}'` (or `pip install 'newsroom-translate[convert]'`)")
        raise ConverterMissing(
            f"converting {label} needs {' and '.join(missing)}, which are not installed",
            f"install {', then '.join(steps)} in this tool's environment, then run the same command again")


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)  # the same file system: no second copy of gigabytes
    except OSError:
        shutil.copy2(src, dst)


# --- the Hub ---------------------------------------------------------------------------------


def _checkpoint_patterns(files: list[str]) -> list[str]:
    """allow_patterns for the files a conversion (or a ready model) needs:
    the weights in one format only (safetensors when there are any), at the
    repository's root."""
    if "model.bin" in files:   # already CTranslate2
        return ["model.bin", "config.json", "*vocabulary.*", *_TOKENIZER_PATTERNS, "README.md", "LICENSE*"]
    weights = (["model*.safetensors", "model.safetensors.index.json"]
               if any(f.endswith(".safetensors") and "/" not in f for f in files)
               else ["pytorch_model*.bin", "pytorch_model.bin.index.json"])
    return ["config.json", "generation_config.json", *_TOKENIZER_PATTERNS, "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "added_tokens.json", "vocab.json", "README.md", "LICENSE*", *weights]


# Every family's tokenizer files (a repository has one family's).
_TOKENIZER_PATTERNS = tuple(dict.fromkeys(name for names in MODEL_TYPES.values() for name in names))


@dataclass(frozen=True)
class _Hub:
    """huggingface_hub calls with the settings read now from the environment
    (huggingface_hub reads HF_ENDPOINT, HF_HUB_OFFLINE and HF_HOME once, at
    import; a long-lived process or a test changes them later)."""

    endpoint: str
    offline: bool
    cache: str   # the Hugging Face cache: read offline, copied from when it has a file

    @classmethod
    def from_environment(cls) -> "_Hub":
        constants = heavy.huggingface_hub().constants
        endpoint = (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")
        offline = constants.HF_HUB_OFFLINE or os.environ.get("HF_HUB_OFFLINE", "").upper() in {"1", "ON", "YES", "TRUE"}
        cache = os.environ.get("HF_HUB_CACHE") or (
            os.path.join(os.environ["HF_HOME"], "hub") if os.environ.get("HF_HOME") else constants.HF_HUB_CACHE)
        return cls(endpoint, offline, cache)

    def download(self, repo_id: str, revision: str | None, downloads: Path, say: Progress,
                 needs_converter: Callable[[], None]) -> tuple[Path, str, str]:
        """Download what the conversion needs; returns (folder, commit, licence)."""
        hub = heavy.huggingface_hub()
        with self._errors(repo_id, revision):
            info = hub.HfApi(endpoint=self.endpoint).model_info(repo_id, revision=revision, files_metadata=True)
            files = {s.rfilename: s.size for s in info.siblings or []}
            patterns = _checkpoint_patterns(list(files))
            folder = downloads / f"{repo_id.replace('/', '--')}--{info.sha}"
            if "model.bin" not in files:
                if "config.json" not in files:
                    raise WrongArchitecture(f"{repo_id} has no config.json: it is not a transformers checkpoint",
                                            f"give a {_FAMILY_NAMES} repository, e.g. "
                                            "facebook/nllb-200-distilled-600M")
                # Refuse a wrong architecture, or a missing converter, before gigabytes of weights.
                config = hub.hf_hub_download(repo_id, "config.json", revision=info.sha, local_dir=folder,
                                         endpoint=self.endpoint, cache_dir=self.cache)
                check_architecture(Path(config), repo_id)
                needs_converter()
            wanted = list(hub.utils.filter_repo_objects(list(files), allow_patterns=patterns))
            size = sum(files[name] or 0 for name in wanted)
            say(f"downloading {repo_id} at {info.sha[:12]}: {len(wanted)} files, {_size(size)} into {folder}")
            hub.snapshot_download(repo_id, revision=info.sha, local_dir=folder, allow_patterns=patterns,
                              endpoint=self.endpoint, cache_dir=self.cache)
        licence = _licence(getattr(info.card_data, "license", None) if info.card_data else None)
        return folder, info.sha, licence or _card_licence(folder / "README.md")

    def cached(self, repo_id: str, revision: str | None, say: Progress) -> tuple[Path, str, str]:
        """Offline: the checkpoint from the Hugging Face cache."""
        with self._errors(repo_id, revision):
            # Whatever the cache holds for that revision; the conversion says what is missing.
            hub = heavy.huggingface_hub()
            folder = Path(hub.snapshot_download(repo_id, revision=revision, local_files_only=True, cache_dir=self.cache))
        say(f"HF_HUB_OFFLINE is set: using {repo_id} from the Hugging Face cache ({folder})")
        return folder, folder.name, _card_licence(folder / "README.md")

    @contextlib.contextmanager
    def _errors(self, repo_id: str, revision: str | None) -> Iterator[None]:
        """Every huggingface_hub and network failure as one HubError line."""
        requests, hub = heavy.requests(), heavy.huggingface_hub()
        errors = hub.errors

        page = f"{self.endpoint}/{repo_id}"
        try:
            yield
        except HubError:
            raise
        except Exception as err:  # noqa: BLE001 - classified below, re-raised when unknown
            chain = _chain(err)
            status = next((e.response.status_code for e in chain
                           if isinstance(e, errors.HfHubHTTPError) and e.response is not None), None)
            if any(isinstance(e, errors.GatedRepoError) for e in chain) or status == 403:
                who = ("the account of the token in use has not accepted its licence" if hub.get_token()
                       else "no Hugging Face token is set")
                raise AccessRefused(
                    f"{repo_id}: the Hugging Face Hub refused the download (HTTP {status}): the model is gated "
                    f"and {who}",
                    f"accept the licence on {page} while logged in, set HF_TOKEN to a token of that account "
                    "(or run `huggingface-cli login`), and run the same command again") from None
            if any(isinstance(e, errors.RevisionNotFoundError) for e in chain):
                raise NotFound(f"{repo_id} has no revision {revision!r}",
                               f"give a branch, tag or commit listed on {page}/commits/main") from None
            if any(isinstance(e, errors.RepositoryNotFoundError) for e in chain) or status == 401:
                raise NotFound(f"{repo_id}: no such model on {self.endpoint} (or it is private)",
                               "check the name on huggingface.co; for a private model set HF_TOKEN") from None
            if self.offline and isinstance(err, errors.LocalEntryNotFoundError):
                raise NotFound(
                    f"HF_HUB_OFFLINE is set and {repo_id}{f' ({revision})' if revision else ''} is not in the "
                    "Hugging Face cache",
                    "unset HF_HUB_OFFLINE to download it, or give the folder of a checkpoint") from None
            if any(isinstance(e, errors.EntryNotFoundError) for e in chain):
                raise NotFound(f"{repo_id}: a file it lists is missing on the Hub ({_first_line(err)})",
                               "try another --revision") from None
            if any(isinstance(e, (requests.RequestException, OSError)) for e in chain):
                raise DownloadBrokeOff(
                    f"downloading {repo_id} from {self.endpoint} failed ({_innermost_message(chain)})",
                    "check the connection (and the free disk space) and run the same command again: finished "
                    "files are kept and a broken-off file resumes where it stopped") from None
            raise


def _chain(err: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    while err is not None and err not in seen:
        seen.append(err)
        err = err.__cause__ or err.__context__
    return seen


def _innermost_message(chain: list[BaseException]) -> str:
    """The plainest text in an exception chain: requests wraps urllib3's
    errors in tuples ("('Connection broken: IncompleteRead(...)', ...)")."""
    for err in chain:
        args = list(err.args)
        while args:
            arg = args.pop(0)
            if isinstance(arg, str) and arg.strip():
                return arg.strip().splitlines()[0]
            if isinstance(arg, BaseException):
                args = list(arg.args) + args
    return _first_line(chain[0])


def _links_out(folder: Path, say: Progress) -> set[str]:
    """Check a checkpoint folder the user names: nothing in it may be a link
    to a file outside it, or installing would read (and copy into the models
    folder) whatever it points to, someone's notes or keys. A model card
    (README.md) linked out is only left unread: no licence is recorded from
    it; any other such link is refused. A Hugging Face cache snapshot's
    links into its own blobs/ folder are what that layout is. Returns the
    names to leave out."""
    blobs = folder.parent.parent / "blobs" if folder.parent.name == "snapshots" else None
    skip = set()
    for entry in sorted(folder.rglob("*")):
        if not entry.is_symlink():
            continue
        target = entry.resolve()
        if target.is_relative_to(folder) or (blobs is not None and target.is_relative_to(blobs)):
            continue
        rel = entry.relative_to(folder).as_posix()
        if rel == "README.md":
            say(f"{display_path(entry)} is a link out of the folder: not read, and no licence recorded from it "
                "(copy the model card into the folder to record its licence)")
            skip.add(rel)
            continue
        raise HubError(f"{display_path(entry)} is a link to {display_path(target)}, outside the checkpoint folder",
                       "copy the file itself into the folder (a model is installed only from what its folder holds)")
    return skip


def _card_licence(readme: Path) -> str:
    """The licence in a model card's YAML header ("" when there is none)."""
    if not readme.is_file():
        return ""
    try:
        meta = heavy.huggingface_hub().metadata_load(readme) or {}
    except Exception:  # noqa: BLE001 - a malformed card is no reason to refuse a model
        return ""
    return _licence(meta.get("license"))


def _licence(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    value = str(value or "").strip()
    return _LICENCES.get(value.lower(), value)


def _size(n: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} bytes"


def _first_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


# --- what CTranslate2 can use ---------------------------------------------------------------------


def describe_ctranslate2() -> str:
    """One line for `translate doctor`: what CTranslate2 can use here, and
    whether Hub checkpoints can be converted."""
    text = runtime.describe_ctranslate2()
    missing = converter_missing()
    return text + "; converting Hub checkpoints " + (
        f"needs {' and '.join(missing)} (pip install 'newsroom-translate[convert]')" if missing else "is available")
