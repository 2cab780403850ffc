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
    heavy = ("torch", "stanza", "ctranslate2", "weasyprint", "argostranslate.translate", "ray")
    script = ("import sys\nfrom translate.cli.main import cli\ntry:\n"
              f"    cli.main({args!r}, prog_name='translate')\nexcept SystemExit:\n    pass\n"
              f"print('imported:', ','.join(m for m in {heavy!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=_env(),
                            cwd=PACKAGE_DIR.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "imported: ", result.stdout


# --- imports you can see ---------------------------------------------------------------------------
#
# Every import sits at the top of its module, where a reader and a tool see
# it. Two exceptions, each in one place: the heavy third-party libraries,
# loaded on first use by translate/util/heavy.py (WeasyPrint: by the PDF
# writer, itself imported lazily), and the few project modules a function
# imports on purpose, each with a "# lazy: <why>" comment right above it.

HEAVY = {"ctranslate2", "sentencepiece", "weasyprint", "fontTools", "transformers", "huggingface_hub", "pysbd",
         "pymorphy3", "argostranslate", "sacrebleu", "pypdf", "torch", "requests", "pydyf", "ray", "numpy",
         "starlette", "uvicorn", "playwright"}
HEAVY_HOMES = {"translate.util.heavy": HEAVY - {"weasyprint", "pydyf"},
               "translate.publishing.render.pdf": {"weasyprint", "pydyf"}}
MAX_LAZY_PROJECT_IMPORTS = 10


def _source(name: str) -> tuple[Path, str]:
    path = PACKAGE_DIR.parent / Path(*name.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    return path, path.read_text(encoding="utf-8")


def _imports_in_functions(tree: ast.AST):
    """(import node, names it imports) for every import inside a function."""
    for func in ast.walk(tree):
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(func):
                if isinstance(node, ast.Import):
                    yield node, [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    yield node, [("." * node.level) + (node.module or "")]


def lazy_project_imports(name: str, source: str) -> tuple[list[int], list[int]]:
    """Lines of ``name`` where a function imports a project module: (with a
    "# lazy: reason" comment right above, without one)."""
    lines = source.splitlines()
    commented, bare = [], []
    for node, modules in _imports_in_functions(ast.parse(source)):
        if not any(m.startswith(".") or m == "translate" or m.startswith("translate.") for m in modules):
            continue
        above = lines[node.lineno - 2].strip() if node.lineno >= 2 else ""
        reason = above.removeprefix("# lazy:").strip() if above.startswith("# lazy:") else ""
        (commented if reason else bare).append(node.lineno)
    return commented, bare


def test_project_modules_are_imported_at_the_top_or_say_why_not():
    bare, total = [], 0
    for name in all_modules():
        path, source = _source(name)
        commented, uncommented = lazy_project_imports(name, source)
        total += len(commented) + len(uncommented)
        bare += [f"{path.relative_to(PACKAGE_DIR.parent)}:{line}" for line in uncommented]
    assert not bare, ("a function imports a project module with no '# lazy: <why>' comment above it "
                      "(move the import to the top of the module, or say why it cannot be there):\n"
                      + "\n".join(bare))
    assert total <= MAX_LAZY_PROJECT_IMPORTS, f"{total} lazy project imports: at most {MAX_LAZY_PROJECT_IMPORTS}"


def test_the_lazy_import_check_fails_without_a_reason():
    module = ("import json\n\n"
              "def f():\n    from translate.util import files\n    return files\n\n"
              "def g():\n    # lazy: the PDF writer imports WeasyPrint\n    from translate.publishing.render import pdf\n"
              "    return pdf\n\n"
              "def h():\n    # an ordinary comment\n    import translate.errors\n    return translate.errors\n")
    commented, bare = lazy_project_imports("example", module)
    assert commented == [9] and bare == [4, 14]


def test_heavy_libraries_are_imported_in_their_one_place_only():
    wrong = []
    for name in all_modules():
        path, source = _source(name)
        tree = ast.parse(source)
        allowed = HEAVY_HOMES.get(name, set())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in HEAVY and top not in allowed:
                    wrong.append(f"{path.relative_to(PACKAGE_DIR.parent)}:{node.lineno}: {module}")
    assert not wrong, "heavy libraries go through translate.util.heavy:\n" + "\n".join(wrong)
    # ...and heavy.py imports each of them inside a function, never at its top.
    tree = ast.parse(_source("translate.util.heavy")[1])
    at_top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
              and any((a.name if isinstance(n, ast.Import) else n.module or "").split(".")[0] in HEAVY for a in n.names)]
    assert not at_top
