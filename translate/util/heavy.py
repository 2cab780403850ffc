"""The heavy third-party libraries: each imported on first use, and only here.

Every other import of the package sits at the top of its module. These are
the exceptions, because importing them costs from a few hundredths of a
second (sentencepiece, pysbd) to seconds (transformers and the torch it
imports), and most commands need none of them: `translate --help`, `translate
models list` or an unchanged re-publish must not pay for a typesetter or a
neural network runtime. A module that needs one calls its function here at
the moment it uses it::

    from translate.util import heavy

    translator = heavy.ctranslate2().Translator(path, device="cpu")

The one exception to "only here" is WeasyPrint: translate/publishing/render/pdf.py
subclasses its URL fetcher at module level, so that module is the heavy one
and translate/publishing/writers.py imports it lazily.

Python keeps imported modules in sys.modules, so calling these again costs a
dictionary lookup.
"""

from __future__ import annotations

from types import ModuleType


def ctranslate2() -> ModuleType:
    """CTranslate2 (translating, scoring, model checks and conversion: 0.2 s)."""
    import ctranslate2 as module

    return module


def ctranslate2_converters() -> ModuleType:
    """CTranslate2's converters (Hugging Face checkpoints to CTranslate2 models)."""
    import ctranslate2.converters as module

    return module


def ctranslate2_model_spec() -> ModuleType:
    """CTranslate2's model specifications (quantization types)."""
    import ctranslate2.specs.model_spec as module

    return module


def sentencepiece() -> ModuleType:
    """SentencePiece (the models' tokenizers)."""
    import sentencepiece as module

    return module


def fonttools_ttlib() -> ModuleType:
    """fontTools.ttLib (reading font files: which characters a face draws)."""
    import fontTools.ttLib as module

    return module


def fonttools_subset() -> ModuleType:
    """fontTools.subset (web fonts cut to the site's repertoire: 0.4 s)."""
    import fontTools.subset as module

    return module


def fonttools_instancer() -> ModuleType:
    """fontTools.varLib.instancer (static instances of variable fonts: 0.3 s)."""
    import fontTools.varLib.instancer as module

    return module


def huggingface_hub() -> ModuleType:
    """huggingface_hub (`translate models install OWNER/NAME`), with its error
    classes and repository-file filter loaded too."""
    import huggingface_hub as module
    import huggingface_hub.errors  # noqa: F401 - attributes of the module returned
    import huggingface_hub.utils  # noqa: F401

    return module


def requests() -> ModuleType:
    """requests (huggingface_hub's HTTP errors are its exceptions: 0.2 s)."""
    import requests as module

    return module


def pysbd() -> ModuleType:
    """pySBD, the English sentence segmenter."""
    import pysbd as module

    return module


def pymorphy3() -> ModuleType:
    """pymorphy3, Russian inflection of glossary terms (its dictionary loads on use)."""
    import pymorphy3 as module

    return module


def argostranslate_package() -> ModuleType:
    """argostranslate.package (the Argos package index and installed packages).
    Its settings module creates folders when it is imported: callers turn a
    failure into a one-line error (translate.translation.models.argos)."""
    import argostranslate.package as module

    return module


def sacrebleu_metrics() -> ModuleType:
    """sacrebleu's metrics (chrF++, BLEU: 0.2 s)."""
    import sacrebleu.metrics as module

    return module


def sacrebleu_significance() -> ModuleType:
    """sacrebleu's paired significance tests."""
    import sacrebleu.significance as module

    return module


def pypdf() -> ModuleType:
    """pypdf (reading published PDFs back: text layer, structure: 0.3 s)."""
    import pypdf as module

    return module


def numpy() -> ModuleType:
    """NumPy (0.1 s; it comes with CTranslate2): memory maps of model files for Ray's object store."""
    import numpy as module

    return module


def starlette() -> ModuleType:
    """Starlette, the desk's web framework (translate.desk: 0.4 s, most of it
    asyncio and anyio), with the submodules the desk uses loaded."""
    import starlette as module
    import starlette.applications  # noqa: F401 - attributes of the module returned
    import starlette.requests  # noqa: F401
    import starlette.responses  # noqa: F401
    import starlette.routing  # noqa: F401

    return module


def ray() -> ModuleType:
    """Ray (`translate publish --cluster`: 1.4 s), an optional extra: None
    when it is not installed (translate.publishing.cluster says how to)."""
    try:
        import ray as module
    except ImportError:
        return None

    return module


def uvicorn() -> ModuleType:
    """uvicorn, the desk's HTTP server (0.16 s)."""
    import uvicorn as module

    return module
