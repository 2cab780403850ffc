"""Every module of the package imports on its own, and no module imports
another that (directly or not) imports it back at module level.

An import cycle hides behind imports inside functions until someone moves
one to the top; these tests find it before then. The order is random and
reported: set IMPORT_ORDER_SEED to replay a failing order.
"""

from __future__ import annotations

import ast
import os
import pkgutil
import random
import subprocess
import sys
from pathlib import Path

import pytest

import translate

PACKAGE_DIR = Path(translate.__file__).parent
SEED = int(os.environ.get("IMPORT_ORDER_SEED") or random.SystemRandom().randrange(1 << 30))
# Running the package as a program starts the CLI: it is imported by `python -m translate`.
ENTRY_POINTS = {"translate.__main__"}


def all_modules() -> list[str]:
    names = ["translate"] + [m.name for m in pkgutil.walk_packages([str(PACKAGE_DIR)], "translate.")]
    return sorted(set(names) - ENTRY_POINTS)


def shuffled(names: list[str]) -> list[str]:
    order = list(names)
    random.Random(SEED).shuffle(order)
    return order


def _env() -> dict:
    # The worktree first, whatever installed copy the interpreter also sees.
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE_DIR.parent), os.environ.get("PYTHONPATH", "")])}


def test_the_package_has_the_modules_we_expect():
    names = all_modules()
    assert "translate.translation.models.routing" in names and "translate.translation.engines.ct2" in names
    assert "translate.model_store" not in names        # the old twin stores are gone
    assert len(names) > 30


def test_each_module_imports_alone_in_a_fresh_interpreter():
    failures = []
    for name in shuffled(all_modules()):
        result = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True,
                                env=_env(), cwd=PACKAGE_DIR.parent)
        if result.returncode != 0:
            failures.append(f"{name}: {result.stderr.strip().splitlines()[-1]}")
    assert not failures, f"IMPORT_ORDER_SEED={SEED}\n" + "\n".join(failures)


def test_all_modules_import_together_in_random_order():
    order = shuffled(all_modules())
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    result = subprocess.run([sys.executable, "-c", script, *order], capture_output=True, text=True,
                            env=_env(), cwd=PACKAGE_DIR.parent)
    assert result.returncode == 0, f"IMPORT_ORDER_SEED={SEED}, order {order}\n{result.stderr}"


def imports_of(name: str) -> set[str]:
    """The translate modules ``name`` imports, at module level or inside a
    function (a cycle through a function-level import is still a cycle: it
    only waits for someone to move the import to the top)."""
    known = set(all_modules())
    path = PACKAGE_DIR.parent / Path(*name.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if node.level == 0 else _relative(name, node.module, node.level, path)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known}
    imported = set()
    for module in found:
        # importing a.b.c runs a/__init__ and a.b/__init__ too
        parts = module.split(".")
        imported |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    # ...except the packages ``name`` itself lives in: Python has started
    # them before ``name`` runs (a package's __init__ importing its own
    # submodules, which import their siblings, is not a cycle).
    own = name.split(".")
    ancestors = {".".join(own[:i]) for i in range(1, len(own))}
    return {m for m in imported if m in known and m != name and m not in ancestors}


def _relative(name: str, module: str, level: int, path: Path) -> str:
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    return ".".join(package[: len(package) - level + 1] + [module])


def test_no_import_cycle():
    graph = {name: imports_of(name) for name in all_modules()}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in shuffled(sorted(graph)):
        if node not in state:
            visit(node)
    assert not cycles, f"IMPORT_ORDER_SEED={SEED}\n" + "\n".join(" → ".join(c) for c in cycles)


def test_config_and_engines_know_nothing_of_stores_or_routing():
    for name in all_modules():
        if name == "translate.project.config" or name.startswith("translate.translation.engines"):
            bad = {m for m in imports_of(name) if m.startswith("translate.translation.models")}
            assert not bad, f"{name} imports {bad}"
    assert not {m for m in imports_of("translate.project.config") if m.startswith("translate.translation.engines")}


@pytest.mark.parametrize("args", [["--help"], ["models", "--help"]])
def test_help_imports_nothing_heavy(args):
    heavy = ("torch", "stanza", "ctranslate2", "weasyprint", "argostranslate.translate")
    script = ("import sys\nfrom translate.cli.main import cli\ntry:\n"
              f"    cli.main({args!r}, prog_name='translate')\nexcept SystemExit:\n    pass\n"
              f"print('imported:', ','.join(m for m in {heavy!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=_env(),
                            cwd=PACKAGE_DIR.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "imported: ", result.stdout
