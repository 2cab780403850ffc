"""Where and how CTranslate2 runs: the device, the compute type and the threads.

``--device auto|cpu|cuda`` and ``--compute-type`` (or ``[runtime]`` in
translate.toml) are resolved once per run into a ``Runtime``, which every
``ctranslate2.Translator`` the run creates is built with (the engines and the
glossary's scorer share one Translator per model). ``auto`` is CUDA when
CTranslate2 sees a CUDA device and the CPU otherwise, and says so; ``cuda`` on a
machine without one is a one-line error.

Threads on a CPU. CTranslate2 runs ``inter_threads`` batches at once (one
model replica each, the weights shared), each on ``intra_threads`` OpenMP
threads, and releases the GIL while it works. A translation of one article is
a batch or two, which only intra-op threads can share out; the glossary's model
calls are many small batches (scoring a term's forms, forcing a term and
decoding the rest), which parallel batches run faster than threads inside one
small matrix product. So the default keeps one replica per core
(``inter_threads`` = cores, ``intra_threads`` = 1) and the engine cuts a
translation into as many batches as there are replicas (translate.translation.engines.ct2);
both numbers can be set. bench/run.py item 1 measures the choice against raw
CTranslate2 with the same settings.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from translate.errors import UserError
from translate.util import heavy

DEVICES = ("auto", "cpu", "cuda")
# Compute types that mean "what the model was converted to, as the device supports it".
MODEL_DEFAULT_TYPES = ("default", "auto")
# Most replicas worth keeping: each holds its own activations and caches.
MAX_INTER_THREADS = 8


def DEFAULT_INTER_THREADS(cores: int) -> int:   # noqa: N802 - a setting, measured in bench/run.py item 1
    return 1


class DeviceError(UserError):
    """A device or compute type this machine cannot use."""


@dataclass(frozen=True)
class Runtime:
    """A device, compute type and thread counts for ctranslate2.Translator.

    ``device`` "auto" is resolved when a model is first loaded (CTranslate2
    is imported then, not by a run that translates nothing); ``resolve``
    checks a device that was asked for when the run starts."""

    device: str = "auto"             # "cpu" | "cuda" | "auto" (not resolved yet)
    compute_type: str = "auto"
    inter_threads: int = 0           # 0: chosen for the machine (threads_for)
    intra_threads: int = 0
    requested: str = "auto"          # what was asked for: "auto", "cpu" or "cuda"
    note: str = ""                   # what auto chose and why, for the user

    def translator_arguments(self) -> dict:
        """Keyword arguments for ctranslate2.Translator."""
        device = self.device if self.device != "auto" else auto_device()
        inter, intra = threads_for(device, self.inter_threads, self.intra_threads)
        return {"device": device, "compute_type": self.compute_type,
                "inter_threads": inter, "intra_threads": intra}

    def describe(self) -> str:
        """One line: what a run would use ("device cpu, compute type auto, 1 parallel batch(es) x 2 thread(s)")."""
        device = self.device if self.device != "auto" else auto_device()
        inter, intra = threads_for(device, self.inter_threads, self.intra_threads)
        if device == "cuda":
            threads = f"{inter} replica(s) on the GPU"
        else:
            threads = f"{inter} parallel batch(es) x {intra} thread(s)"
        text = f"device {device}, compute type {self.compute_type}, {threads}"
        return f"{text} (auto: {self.note})" if self.note else text


def cpu_cores() -> int:
    """Cores this process may run on (a container's or taskset's limit, not the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def threads_for(device: str, inter_threads: int = 0, intra_threads: int = 0) -> tuple[int, int]:
    """(inter_threads, intra_threads) for a Translator: what was set, the
    rest chosen so that replicas x threads = the cores (see the module
    docstring). On a GPU one replica; CTranslate2's intra threads are then
    only the CPU side."""
    cores = cpu_cores()
    if device == "cuda":
        return max(1, inter_threads or 1), max(0, intra_threads)
    if inter_threads <= 0 and intra_threads <= 0:
        inter_threads = DEFAULT_INTER_THREADS(cores)
    if inter_threads <= 0:
        inter_threads = max(1, cores // intra_threads)
    if intra_threads <= 0:
        intra_threads = max(1, cores // inter_threads)
    return inter_threads, intra_threads


@functools.lru_cache(maxsize=1)
def auto_device() -> str:
    """cuda when CTranslate2 sees a CUDA device, else cpu."""
    return "cuda" if heavy.ctranslate2().get_cuda_device_count() > 0 else "cpu"


def resolve(device: str | None = None, compute_type: str | None = None, *, inter_threads: int = 0,
            intra_threads: int = 0, option: str = "--device") -> Runtime:
    """The Runtime for a requested device (default auto) and compute type
    (default: the model's own, as the device supports it). DeviceError when
    the device is not there or cannot compute in that type."""
    requested = device or "auto"
    if requested not in DEVICES:
        raise DeviceError(f"{option} {requested}: no such device", f"use one of {', '.join(DEVICES)}")
    ctranslate2 = heavy.ctranslate2()
    cuda_devices = ctranslate2.get_cuda_device_count()
    if requested == "cuda" and cuda_devices == 0:
        raise DeviceError(f"{option} cuda: CTranslate2 sees no CUDA device on this machine",
                          "use --device cpu (or auto, which picks CUDA only when there is one)")
    resolved = "cuda" if requested == "cuda" or (requested == "auto" and cuda_devices > 0) else "cpu"
    note = ""
    if requested == "auto":
        note = (f"CTranslate2 sees {cuda_devices} CUDA device(s)" if resolved == "cuda"
                else "CTranslate2 sees no CUDA device")
    compute = compute_type or "auto"
    if compute not in MODEL_DEFAULT_TYPES:
        supported = sorted(ctranslate2.get_supported_compute_types(resolved))
        if compute not in supported:
            raise DeviceError(f"--compute-type {compute}: CTranslate2 cannot compute in it on {resolved} here",
                              f"use default, auto or one of {', '.join(supported)}")
    for name, value in (("inter_threads", inter_threads), ("intra_threads", intra_threads)):
        if value < 0:
            raise DeviceError(f"{name} {value}: a thread count cannot be negative", "give 0 (chosen here) or more")
    return Runtime(resolved, compute, inter_threads, intra_threads, requested, note)


def describe_ctranslate2() -> str:
    """What CTranslate2 can use on this machine, for `translate doctor`."""
    ctranslate2 = heavy.ctranslate2()
    cuda_devices = ctranslate2.get_cuda_device_count()
    text = (f"CTranslate2 {ctranslate2.__version__}: cpu ({cpu_cores()} cores) computes in "
            f"{', '.join(sorted(ctranslate2.get_supported_compute_types('cpu')))}; ")
    if cuda_devices:
        types = ", ".join(sorted(ctranslate2.get_supported_compute_types("cuda")))
        text += f"{cuda_devices} CUDA device(s) computing in {types}; --device auto uses cuda"
    else:
        text += "no CUDA device; --device auto uses cpu"
    return text
