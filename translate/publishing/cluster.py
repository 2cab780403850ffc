"""Steps 2 and 3 of a publish run on a Ray cluster: `translate publish --cluster ADDRESS`.

translate.publishing.run is one run with two executors of its steps 2 and 3:
LocalSteps (this machine) and ClusterSteps here, behind the same interface.
Steps 1 and 4 (deciding and writing under each article's lock, staging, the
manifest, the memory, signing) stay on the machine that runs the command.

    step 2, per model:  a pool of actors (translate.publishing.cluster_worker.ModelActor),
                        each holding the model once: sent through Ray's object
                        store, checked by its fingerprint on the worker, loaded
      per language:     the memory read here; the missing segments decoded by
                        the actors in parts cut where CTranslate2 itself cuts
                        (CT2Engine.decoded_alone), so every batch is the batch
                        of the local run; the memory written here; then each
                        article's stages (Dari adaptation, glossary with the
                        model's scorer) on the actors, records back here
    step 3:             one Ray task per page, bytes back here

Plain actors rather than Ray Data's ``map_batches``: a language needs two
passes over the same loaded model (decoding the run's segments, then each
article's stages, which ask the model again), its decoding parts must be
exactly the read-ahead groups CTranslate2 would make (Ray Data cuts its own
blocks and batches), and every result comes back to this machine anyway,
where the memory and the folders are written; Ray core is also a far
smaller install than Ray Data (pyarrow, pandas).

Faults. An actor or task whose worker dies is restarted and its call
retried by Ray (MAX_RETRIES); what it returns is what the first try would
have. A cluster that goes away raises ClusterLost (run.StopRun): one line,
and nothing is written, since step 4 has not begun. The connection is
closed before step 4 writes, so a cluster failing then cannot touch it.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click

from translate.errors import UserError
from translate.publishing import run
from translate.publishing.cluster_worker import ModelActor, environment, render_task
from translate.publishing.writers import WRITERS
from translate.translation.engines.ct2 import CT2Engine
from translate.translation.models import routing
from translate.translation.models.shipment import pack
from translate.translation.models.store import one_line
from translate.util import heavy

LOCAL = "local"
INSTALL = "pip install 'newsroom-translate[cluster]'"
# Restarts of a dead actor, retries of a call whose worker died, retries of a page task.
MAX_RETRIES = 3
# Decoding parts per actor: enough for a fast actor to take over a slow one's share.
PARTS_PER_ACTOR = 4
# Articles per stages call: one call's overhead shared, the work still spread.
ARTICLES_PER_CALL = 8


class ClusterLost(run.StopRun):
    """The cluster stopped answering, or its workers kept dying: the run
    ends before anything is written."""

    hint = "nothing was written: check the cluster (ray status) and run again"


@dataclass(frozen=True)
class Cluster:
    """Where steps 2 and 3 run, and how big an actor is."""

    address: str                  # a Ray address (ray://HEAD:10001, HEAD:6379, auto) or "local"
    actors: int | None = None     # actors per model (None: as many as the cluster's CPUs or GPUs allow)
    actor_cpus: int = 1           # CPUs per actor (CTranslate2's threads)


def ray_module():
    """Ray, or a one-line UserError that says how to install it."""
    ray = heavy.ray()
    if ray is None:
        raise UserError("--cluster needs Ray, which is not installed", f"install it with: {INSTALL}")
    return ray


@contextmanager
def connected(address: str):
    """Ray connected to ``address`` for the block: a Ray this process already
    joined (a test, a notebook) is used as it is; ``local`` starts one with
    this machine's cores, listening on the loopback address only."""
    if address == LOCAL:
        # read when Ray is imported: its processes then bind 127.0.0.1, not the network
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    ray = ray_module()
    if ray.is_initialized():
        yield ray
        return
    try:
        with warnings.catch_warnings():   # Ray Client warns before it fails: the error below says it in one line
            warnings.simplefilter("ignore")
            # "local" is Ray's own word for a new instance on this machine (never $RAY_ADDRESS's cluster)
            ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    except Exception as err:  # noqa: BLE001 - ConnectionError, RuntimeError, ValueError...: one line
        raise UserError(f"cannot connect to the Ray cluster at {address}: {one_line(err)}",
                        "check the address (`ray status` on the head node shows it), or use --cluster local") from None
    # Ray Client logs its reconnection attempts as warnings: the run says what failed, once
    logging.getLogger("ray").setLevel(logging.ERROR)
    try:
        yield ray
    finally:
        ray.shutdown()


@dataclass
class Stats:
    """What the run's cluster did, for the closing line and the benchmark."""

    actors: int = 0
    connect_s: float = 0.0         # connecting to Ray (for "local": starting it)
    models_s: float = 0.0          # shipping and loading every pool's model, wall time
    segments: int = 0              # segments decoded by actors
    decode_s: float = 0.0
    articles: int = 0              # article editions through their stages on actors
    stages_s: float = 0.0
    pages: int = 0
    render_s: float = 0.0
    restarted: int = 0             # replies from an actor Ray had restarted
    hosts: set = field(default_factory=set)

    def line(self) -> str:
        return (f"cluster: connected in {self.connect_s:.1f} s; {self.actors} actors on {len(self.hosts)} "
                f"machine(s), models shipped and loaded in "
                f"{self.models_s:.1f} s; {self.segments} segments decoded in {self.decode_s:.1f} s; "
                f"{self.articles} editions through their stages in {self.stages_s:.1f} s; {self.pages} pages "
                f"rendered in {self.render_s:.1f} s" + (f"; {self.restarted} replies after a restart"
                                                         if self.restarted else ""))


class ClusterSteps:
    """Steps 2 and 3 on a Ray cluster (see the module's docstring); the
    interface of translate.publishing.run.LocalSteps. ``on_calls(actors)`` is
    called each time calls were handed to actors and not yet answered (tests
    kill an actor there)."""

    def __init__(self, cluster: Cluster, *, on_calls=None):
        self.cluster = cluster
        self.on_calls = on_calls
        self.stats = Stats()
        self.ray = None
        self.pools: dict[Path, _Pool] = {}
        self.left: list[Path] = []

    @contextmanager
    def session(self, order, plans):
        self.left = [plans[lang.key].choice.path for lang in order]
        start = time.perf_counter()
        with connected(self.cluster.address) as ray:
            self.stats.connect_s = time.perf_counter() - start
            self.ray = ray
            self.environment = environment()
            try:
                yield self
            finally:
                with self.guarded():
                    self.models_done()
                self.ray = None
        click.echo(self.stats.line(), err=True)

    @contextmanager
    def guarded(self):
        """Ray's own errors (a worker that died on every retry, a cluster
        gone) as ClusterLost: the whole run stops, nothing written."""
        try:
            yield
        except (self.ray.exceptions.RayError, ConnectionError) as err:   # ConnectionError: Ray Client (ray://)
            raise ClusterLost(f"the Ray cluster at {self.cluster.address} failed: {one_line(err)}") from None

    # --- step 2 ---

    def engine(self, plan, setup):
        path = plan.choice.path
        if path not in self.pools:
            self.pools[path] = _Pool(self, plan.choice, run.run_options(setup))
        return _RemoteEngine(self, self.pools[path], plan.choice, routing.build_engine(plan.choice,
                                                                                      run.run_options(setup)))

    def editions(self, plan, setup, engine, done: dict, items) -> list:
        pool = self.pools[plan.choice.path]
        ray = self.ray
        plan_ref, setup_ref = ray.put(plan), ray.put(setup)
        chunks = [items[i:i + ARTICLES_PER_CALL] for i in range(0, len(items), ARTICLES_PER_CALL)]
        calls = []
        for chunk in chunks:
            mine = {text: done[text] for doc, _ in chunk for text in run._engine_texts(doc) if text in done}
            calls.append(("editions", (pool.shipment, plan_ref, setup_ref, mine, chunk)))
        results: list = [None] * len(chunks)
        start = time.perf_counter()

        def answered(index, value, error):
            results[index] = value if error is None else [error] * len(chunks[index])

        self.call(pool, calls, answered)
        self.stats.stages_s += time.perf_counter() - start
        self.stats.articles += len(items)
        info = engine.info   # the record names the model as this machine has it (path, fingerprint)
        return [result if isinstance(result, Exception) else _named(result, info)
                for chunk in results for result in chunk]

    def done(self, plan, engine) -> None:
        path = plan.choice.path
        self.left.remove(path)
        if path not in self.left and path in self.pools:
            self.pools.pop(path).close()

    def models_done(self) -> None:
        for pool in self.pools.values():
            pool.close()
        self.pools = {}

    # --- step 3 ---

    def render(self, pages, formats, progress) -> None:
        if len(pages) == 0 or not any(WRITERS[name].rendered for name in formats):
            run._render(pages, formats, 1, progress)   # Markdown: faster here than a task's round trip
            return
        ray = self.ray
        task = ray.remote(render_task).options(num_cpus=1, max_retries=MAX_RETRIES)
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        start = time.perf_counter()
        with self.guarded():
            waiting = {task.remote(page, formats, epoch): (job, edition) for job, edition, page in pages}
        while waiting:
            with self.guarded():
                ready, _ = ray.wait(list(waiting), num_returns=1)
                job, edition = waiting.pop(ready[0])
                try:
                    env, host, rendered = ray.get(ready[0])
                except (ray.exceptions.RayTaskError, ray.exceptions.WorkerCrashedError):
                    progress(1)   # left out, as the local pool does: step 4 renders it and reports the error
                    continue
            self._check(env, host)
            job.article.rendered[(edition.lang.key, edition.inputs)] = rendered
            self.stats.pages += 1
            progress(1)
        self.stats.render_s += time.perf_counter() - start

    # --- calls to actors ---

    def call(self, pool, calls: list, answered) -> None:
        """Each (method, args) of ``calls`` on the next free actor of ``pool``
        (two in flight per actor); ``answered(index, value, error)`` as each
        comes back. A UserError the actor reports is raised for ``decode``,
        handed to ``answered`` for ``editions``."""
        ray = self.ray
        free = [actor for actor in pool.actors for _ in range(2)]
        queue = list(enumerate(calls))
        waiting = {}
        while queue or waiting:
            with self.guarded():
                while queue and free:
                    actor = free.pop(0)
                    index, (method, args) = queue.pop(0)
                    waiting[getattr(actor, method).remote(*args)] = (index, actor)
                if self.on_calls is not None:
                    self.on_calls(pool.actors)
                ready, _ = ray.wait(list(waiting), num_returns=1)
                index, actor = waiting.pop(ready[0])
                free.append(actor)
                env, host, restarted, value, error = ray.get(ready[0])
            self._check(env, host)
            self.stats.restarted += bool(restarted)
            answered(index, value, error)

    def _check(self, env, host: str) -> None:
        """Refuse a worker whose code or libraries differ from this machine's."""
        self.stats.hosts.add(host)
        if tuple(env) != self.environment:
            theirs, ours = dict(env), dict(self.environment)
            what = next(key for key in ours if theirs.get(key) != ours[key])
            raise ClusterLost(f"worker {host} has {what} {theirs.get(what)}, this machine {ours[what]}: its "
                              "translations or pages could differ from this machine's",
                              "install the same newsroom-translate and libraries on every machine of the cluster")


def _named(translated, info):
    """A Translated from an actor, its record naming the model as this
    machine has it (the manifest reads the weights' size and time there)."""
    translated.record = dataclasses.replace(translated.record, model=info)
    return translated


def _device(options) -> str:
    """The device the run asked for ("cuda" places actors on GPUs)."""
    runtime = getattr(options, "runtime", None)
    return str(getattr(runtime, "requested", None) or getattr(options, "device", "cpu"))


def _on_worker(options, cpus: int, gpus: int):
    """The decoding options of an actor: CTranslate2 on the actor's own
    CPUs (one batch at a time, ``cpus`` threads), or on its GPU."""
    runtime = getattr(options, "runtime", None)
    if runtime is None:
        return dataclasses.replace(options, threads=cpus)
    return dataclasses.replace(options, runtime=dataclasses.replace(
        runtime, device="cuda" if gpus else "cpu", inter_threads=1, intra_threads=cpus))


def _memory_map(path: Path):
    """A file's bytes without a copy in this process's memory (Ray's object
    store takes NumPy arrays as they are)."""
    numpy = heavy.numpy()
    return numpy.memmap(path, dtype=numpy.uint8, mode="r") if path.stat().st_size else b""


class _Pool:
    """The actors that hold one model; made when the run's first language
    of that model is translated, ended after its last."""

    def __init__(self, steps: ClusterSteps, choice, options):
        with steps.guarded():
            self._start(steps, choice, options)

    def _start(self, steps: ClusterSteps, choice, options) -> None:
        ray, cluster = steps.ray, steps.cluster
        self.steps, self.actors = steps, []
        start = time.perf_counter()
        gpus = 1 if _device(options) == "cuda" else 0
        resources = ray.cluster_resources()
        count = cluster.actors or (int(resources.get("GPU", 0)) if gpus
                                   else int(resources.get("CPU", 1) // cluster.actor_cpus))
        if count < 1:
            raise ClusterLost(f"the Ray cluster at {cluster.address} has no {'GPU' if gpus else 'CPU'} for an "
                              f"actor of {cluster.actor_cpus} CPU(s)", "add workers, or ask for fewer CPUs per actor")
        sent, files = pack(choice.path, mapped=_memory_map)
        self.files = ray.put(files)   # held here while the actors live: a restarted one fetches it again
        del files
        worker_options = _on_worker(options, cluster.actor_cpus, gpus)
        env_vars = {k: v for k, v in os.environ.items() if k.startswith("CT2_")}
        actor = ray.remote(ModelActor).options(num_cpus=cluster.actor_cpus, num_gpus=gpus,
                                               max_restarts=MAX_RETRIES, max_task_retries=MAX_RETRIES)
        self.shipment = dataclasses.replace(sent, files=[self.files])
        self.actors = [actor.remote(worker_options, env_vars) for _ in range(count)]
        steps.stats.actors += count
        try:
            for env, host, _, _, error in ray.get([a.ready.remote(self.shipment, choice) for a in self.actors]):
                steps._check(env, host)
                if error is not None:
                    raise error
        except BaseException:
            self.close()
            raise
        steps.stats.models_s += time.perf_counter() - start

    def close(self) -> None:
        ray = self.steps.ray
        for actor in self.actors:
            ray.kill(actor, no_restart=True)
        self.actors = []
        self.files = None


class _RemoteEngine:
    """One language's engine on a pool's actors; ``info`` is the model as
    this machine has it, ``local`` its tokenizer here (to cut the parts)."""

    def __init__(self, steps: ClusterSteps, pool: _Pool, choice, local):
        self.steps, self.pool, self.choice, self.local = steps, pool, choice, local
        self.info = local.info

    def translate(self, texts: list[str], progress=None):
        if not texts:
            return []
        if isinstance(self.local, CT2Engine):
            groups, longest, batch_tokens = self.local.decoded_alone(texts)
        else:
            groups, longest, batch_tokens = [(0, len(texts))], 0, 0
        parts = _merge(groups, PARTS_PER_ACTOR * len(self.pool.actors))
        results: list = [None] * len(parts)
        start = time.perf_counter()

        def answered(index, value, error):
            if error is not None:
                raise error   # the language's editions fail, as a local engine error would
            results[index] = value
            if progress:
                progress(parts[index][1] - parts[index][0])

        self.steps.call(self.pool, [("decode", (self.pool.shipment, self.choice, texts[a:b], longest, batch_tokens))
                                    for a, b in parts], answered)
        self.steps.stats.decode_s += time.perf_counter() - start
        self.steps.stats.segments += len(texts)
        return [translation for part in results for translation in part]


def _merge(groups: list[tuple[int, int]], count: int) -> list[tuple[int, int]]:
    """``groups`` (consecutive [start, end) ranges) joined into at most
    ``count`` consecutive parts of about the same number of texts."""
    total = groups[-1][1] - groups[0][0]
    parts, start = [], groups[0][0]
    for index, (_, end) in enumerate(groups):
        if end - start >= total / count or index == len(groups) - 1:
            parts.append((start, end))
            start = end
    return parts
