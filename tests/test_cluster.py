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
from test_batch import PARAGRAPHS, article, fixed_time, published_files  # noqa: F401 - fixed_time is a fixture

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


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory, ru_argos_package, multilingual_model_factory):
    """ru through its Argos package; prs, ps and kk through one NLLB-shaped model."""
    root = tmp_path_factory.mktemp("cluster-models")
    dirs = {"argos": root / "argos", "multi": root / "multi"}
    for package in (ru_argos_package, multilingual_model_factory("nllb")):
        result = CliRunner().invoke(cli, ["models", "add", str(package), "--models-dir", str(dirs["argos"]),
                                          "--multilingual-dir", str(dirs["multi"])])
        assert result.exit_code == 0, result.output
    return dirs


@pytest.fixture
def sources(tmp_path) -> list[Path]:
    folder = tmp_path / "source"
    folder.mkdir()
    return [article(folder, "delisting", PARAGRAPHS[0:2]),
            article(folder, "reactions", [PARAGRAPHS[0], PARAGRAPHS[3]]),
            article(folder, "rationale", PARAGRAPHS[4:6])]


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
        "error: --cluster needs Ray, which is not installed: install it with: "
        "pip install 'newsroom-translate[cluster]'"], result.output
    assert not (tmp_path / "out" / "delisting").exists()
