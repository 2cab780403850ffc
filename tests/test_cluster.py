"""Publishing on a Ray cluster (translate.publishing.cluster): the bytes of a
local run, a worker killed mid-run changes nothing, a model whose copy on a
worker differs is refused. A local Ray started here (2 CPUs, loopback only,
no dashboard), shut down at the end; tiny real models (tests/modelkit.py).
Nothing is timed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from translate.cli.main import cli
from translate.translation.models import shipment
# fixtures: the tiny models (ru through Argos, prs, ps and kk through one NLLB-shaped model), three
# articles, a fixed publication time
from test_batch import PARAGRAPHS, fixed_time, model_dirs, published_files, sources  # noqa: F401

# Read by Ray when it is imported: its processes then bind 127.0.0.1 only (translate.publishing.cluster
# does the same for --cluster local).
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_local(tmp_path_factory):
    """A local Ray of 2 CPUs for this module. Its workers get their own HOME
    and model cache ($TRANSLATE_CLUSTER_MODELS), inherited when Ray starts."""
    root = tmp_path_factory.mktemp("ray")
    saved = {name: os.environ.get(name) for name in ("HOME", shipment.CACHE_ENV)}
    os.environ.update({"HOME": str(root / "home"), shipment.CACHE_ENV: str(root / "models")})
    (root / "home").mkdir()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield root / "models"
    finally:
        ray.shutdown()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def publish(model_dirs, out: Path, memory: Path, *args):
    return CliRunner().invoke(cli, ["publish", *map(str, args), "--models-dir", str(model_dirs["argos"]),
                                    "--multilingual-dir", str(model_dirs["multi"]), "--output", str(out)],
                              env={"TRANSLATE_MEMORY": str(memory)}, catch_exceptions=False)


@pytest.fixture
def steps(monkeypatch):
    """The ClusterSteps of each run, kept for the test; ``hook`` is given as its on_calls."""
    from translate.cli import publish as publish_cli
    from translate.publishing.cluster import ClusterSteps

    made = []

    def making(cluster, **kwargs):
        made.append(ClusterSteps(cluster, on_calls=making.hook))
        return made[-1]

    making.hook = None
    making.made = made
    monkeypatch.setattr(publish_cli, "ClusterSteps", making)
    return making


ALL = ("--to", "ru,prs,ps,kk", "--format", "md,html,pdf")
MD = ("--to", "ru,prs,ps,kk", "--format", "md")


def test_a_cluster_run_publishes_the_bytes_of_a_local_run(tmp_path, ray_local, model_dirs, sources, fixed_time,
                                                          steps):
    local = publish(model_dirs, tmp_path / "local", tmp_path / "local.sqlite3", *sources, *ALL, "--jobs", "1")
    assert local.exit_code == 0, local.output
    cluster = publish(model_dirs, tmp_path / "cluster", tmp_path / "cluster.sqlite3", *sources, *ALL,
                      "--cluster", "local")
    assert cluster.exit_code == 0, cluster.output
    one, other = published_files(tmp_path / "local"), published_files(tmp_path / "cluster")
    assert len([name for name in one if name.endswith(".pdf")]) == 15
    assert sorted(one) == sorted(other)
    assert [name for name in one if one[name] != other[name]] == []
    # the work was done on the cluster: two models on two actors each, every page rendered there
    stats = steps.made[0].stats
    assert stats.actors == 4 and stats.pages == 15 and stats.segments > 10 and stats.articles == 12
    # the memory written here holds what the actors decoded: into another folder, nothing is decoded again
    again = publish(model_dirs, tmp_path / "again", tmp_path / "cluster.sqlite3", *sources, *ALL,
                    "--cluster", "local")
    assert again.exit_code == 0, again.output
    assert steps.made[1].stats.segments == 0 and steps.made[1].stats.articles == 12
    assert published_files(tmp_path / "again") == other


def test_an_actor_killed_during_the_run_changes_no_byte(tmp_path, ray_local, model_dirs, sources, fixed_time,
                                                        steps):
    # Markdown: what is translated (pages are the test above's)
    local = publish(model_dirs, tmp_path / "local", tmp_path / "local.sqlite3", *sources, *MD, "--jobs", "1")
    assert local.exit_code == 0, local.output
    killed = []

    def kill_one(actors):
        if not killed:   # while its first call is in flight
            killed.append(actors[0])
            ray.kill(actors[0], no_restart=False)

    steps.hook = kill_one
    result = publish(model_dirs, tmp_path / "cluster", tmp_path / "cluster.sqlite3", *sources, *MD,
                     "--cluster", "local")
    assert result.exit_code == 0, result.output
    assert killed and steps.made[0].stats.restarted >= 1   # Ray restarted it and retried its calls
    assert published_files(tmp_path / "cluster") == published_files(tmp_path / "local")


def test_a_model_whose_copy_on_a_worker_differs_is_refused(tmp_path, ray_local, model_dirs, sources):
    installed = next(p.parent.parent for p in model_dirs["argos"].rglob("model.bin"))
    fingerprint = shipment.folder_fingerprint(installed)
    tampered = ray_local / fingerprint   # where the workers keep their copy (an earlier test's, if any)
    shutil.rmtree(tampered, ignore_errors=True)
    shutil.copytree(installed, tampered)
    weights = tampered / "model" / "model.bin"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    try:
        out = tmp_path / "out"
        result = publish(model_dirs, out, tmp_path / "m.sqlite3", sources[0], "--to", "ru,kk", "--format", "md",
                         "--cluster", "local")
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        line = next(line for line in result.output.splitlines() if line.strip().startswith("ru "))
        assert "missing" in line and "refused" in line and fingerprint[:16] in line, result.output
        # nothing of ru was published; kk, on the other model, was
        assert not (out / "delisting" / "ru").exists()
        assert (out / "delisting" / "kk" / "delisting.kk.md").is_file()
        assert weights.read_bytes() == bytes(data)   # refused, not overwritten
    finally:
        shutil.rmtree(tampered)


def test_without_ray_the_option_says_how_to_install_it(tmp_path, model_dirs, sources, monkeypatch):
    from translate.util import heavy

    monkeypatch.setattr(heavy, "ray", lambda: None)
    result = publish(model_dirs, tmp_path / "out", tmp_path / "m.sqlite3", sources[0], "--cluster", "local")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: --cluster needs Ray, which is not installed: install it with: "
        "pip install 'newsroom-translate[cluster]'"], result.output
    assert not (tmp_path / "out" / "delisting").exists()


def test_a_cluster_that_goes_away_is_one_line_and_nothing_is_written(tmp_path, ray_local, model_dirs, sources,
                                                                     steps):
    def every_worker_gone(actors):
        for actor in actors:
            ray.kill(actor, no_restart=True)

    steps.hook = every_worker_gone
    out = tmp_path / "out"
    result = publish(model_dirs, out, tmp_path / "m.sqlite3", *sources, *MD, "--cluster", "local")
    assert result.exit_code == 1
    # one line of ours (Ray itself may note the retries it made before giving up: "(raylet) Task ... failed")
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and errors[0].startswith("Error: the Ray cluster at local failed: ")
    assert errors[0].endswith("nothing was written: check the cluster (ray status) and run again")
    assert "Traceback" not in result.output
    assert [p.name for p in out.iterdir() if p.name != ".work"] == []   # no article folder, no site page


# --- the parts that need no cluster ----------------------------------------------------------------


@pytest.mark.parametrize("lengths", [[], [5], [3] * 40, [1, 200, 3, 3, 90, 7, 400, 2, 2, 2] * 30,
                                     [100] * 50 + [2] * 300 + [300] * 20])
@pytest.mark.parametrize("max_batch_tokens", [1, 16, 64, 512])
def test_read_ahead_groups_are_ctranslate2s(lengths, max_batch_tokens):
    from ctranslate2.extensions import _batch_iterator

    from translate.translation.engines.ct2 import read_ahead_starts

    groups = list(_batch_iterator((["x"] * n for n in lengths), max_batch_tokens * 16 if max_batch_tokens > 1
                                  else 1, "tokens"))
    starts = [sum(len(g[0]) for g in groups[:k]) for k in range(len(groups))]
    assert read_ahead_starts(lengths, max_batch_tokens) == starts


def test_parts_decoded_alone_give_the_output_of_one_call(model_dirs):
    from translate.project import config as project_config
    from translate.project.languages import TARGETS
    from translate.translation.engines.ct2 import DecodingOptions
    from translate.translation.models import routing

    texts = [p for paragraph in PARAGRAPHS for p in paragraph.split(". ")] * 2 + [""]
    choice = routing.resolve(TARGETS["kk"], project_config.default(),
                             model_dirs["argos"], model_dirs["multi"])
    engine = routing.build_engine(choice, DecodingOptions(max_batch_tokens=16))
    parts, longest, batch_tokens = engine.decoded_alone(texts)
    assert len(parts) > 3 and parts[0][0] == 0 and parts[-1][1] == len(texts)
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
    whole = engine.translate(texts)
    alone = [t for a, b in parts for t in engine.translate(texts[a:b], longest_input=longest,
                                                           batch_tokens=batch_tokens)]
    assert alone == whole


class _BatchSizes:
    """A translator that records the batch size of each call."""

    def __init__(self, translator):
        self.translator, self.sizes = translator, []

    def __getattr__(self, name):
        return getattr(self.translator, name)

    def translate_iterable(self, batch, **kwargs):
        self.sizes.append(kwargs["max_batch_size"])
        return self.translator.translate_iterable(batch, **kwargs)


def test_an_actor_decodes_with_the_batch_size_of_the_commands_runtime(model_dirs):
    """The command's [runtime] has two replicas, so a local run cuts a call
    into a batch per replica; an actor (one replica) given the part decodes
    it in batches of that size too, not in one batch of its own."""
    from translate.project import config as project_config
    from translate.project.languages import TARGETS
    from translate.translation.engines import runtime
    from translate.translation.engines.ct2 import DecodingOptions
    from translate.translation.models import routing

    texts = PARAGRAPHS[0].split(". ")
    choice = routing.resolve(TARGETS["kk"], project_config.default(), model_dirs["argos"], model_dirs["multi"])
    local = routing.build_engine(choice, DecodingOptions(runtime=runtime.Runtime("cpu", "auto", 2, 1)))
    actor = routing.build_engine(choice, DecodingOptions(runtime=runtime.Runtime("cpu", "auto", 1, 1)))
    parts, longest, batch_tokens = local.decoded_alone(texts)   # before the model is loaded here
    assert parts == [(0, len(texts))] and batch_tokens < local.options.max_batch_tokens
    local._translator, actor._translator = _BatchSizes(local.translator()), _BatchSizes(actor.translator())
    assert local.replicas() == 2 and actor.replicas() == 1
    whole = local.translate(texts)
    alone = actor.translate(texts, longest_input=longest, batch_tokens=batch_tokens)
    assert local._translator.sizes == actor._translator.sizes == [batch_tokens]
    assert [t.text for t in alone] == [t.text for t in whole]


def test_a_shipped_model_is_checked_before_use(tmp_path, ru_argos_package, model_dirs):
    installed = next(p.parent.parent for p in model_dirs["argos"].rglob("model.bin"))
    sent, files = shipment.pack(installed)
    fetched = []

    def fetch(ref):
        fetched.append(ref)
        return files

    copy = shipment.receive(sent, fetch, tmp_path / "cache")
    assert copy.name == sent.fingerprint and shipment.folder_fingerprint(copy) == sent.fingerprint
    assert shipment.receive(sent, fetch, tmp_path / "cache") == copy and len(fetched) == 1   # kept, checked
    # damaged on the way: refused, nothing left in the cache
    broken = dict(files, **{"model/model.bin": files["model/model.bin"][:-1]})
    with pytest.raises(shipment.ModelMismatch, match="arrived damaged"):
        shipment.receive(sent, lambda ref: broken, tmp_path / "other")
    assert [p for p in (tmp_path / "other").iterdir()] == []
    # a name that leaves the folder
    with pytest.raises(shipment.ModelMismatch, match="outside its folder"):
        shipment.receive(sent, lambda ref: {"../escape": b"x"}, tmp_path / "third")
    assert not (tmp_path / "escape").exists()
    # changed in the cache afterwards: refused, kept as it is for someone to look at
    (copy / "model" / "model.bin").write_bytes(b"changed")
    with pytest.raises(shipment.ModelMismatch, match="refused"):
        shipment.receive(sent, fetch, tmp_path / "cache")
    assert (copy / "model" / "model.bin").read_bytes() == b"changed"


def test_the_cluster_is_set_in_translate_toml():
    from translate.project import config

    parsed = config.parse('[cluster]\naddress = "ray://head.example.org:10001"\nactors = 3\n')
    assert parsed.cluster == config.ClusterSetting("ray://head.example.org:10001", 3, 1)
    assert config.parse("").cluster.address is None
    for bad in ('[cluster]\naddress = ""\n', "[cluster]\nactors = 0\n", '[cluster]\nactor_cpus = "2"\n',
                '[cluster]\nadress = "local"\n'):
        with pytest.raises(config.ConfigError, match="cluster"):
            config.parse(bad)
