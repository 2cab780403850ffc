"""The layout a newcomer reads: stage folders, short functions, and the
README's map and the docs pointing at files that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt

import translate

PACKAGE_DIR = Path(translate.__file__).parent
REPO = PACKAGE_DIR.parent
MAX_ROOT_MODULES = 8
MAX_FUNCTION_LINES = 90
STAGES = {"cli", "project", "source", "translation", "publishing", "distribution", "evaluation", "util"}


def test_the_package_root_holds_the_stage_folders_and_few_modules():
    modules = sorted(p.name for p in PACKAGE_DIR.glob("*.py"))
    assert len(modules) <= MAX_ROOT_MODULES, modules
    folders = {p.name for p in PACKAGE_DIR.iterdir() if (p / "__init__.py").is_file()}
    assert STAGES <= folders, STAGES - folders


def long_functions(source: str, limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            length = node.end_lineno - first + 1
            if length > limit:
                found.append((node.name, length))
    return found


def test_no_function_is_longer_than_90_lines():
    found = [f"{path.relative_to(REPO)}: {name} ({length} lines)"
             for path in sorted(PACKAGE_DIR.rglob("*.py"))
             for name, length in long_functions(path.read_text(encoding="utf-8"))]
    assert not found, "split these by concern:\n" + "\n".join(found)


def test_the_length_check_counts_a_long_function():
    body = "".join(f"    x{i} = {i}\n" for i in range(95))
    assert long_functions(f"def short():\n    pass\n\n\ndef long():\n{body}") == [("long", 96)]


PATH = re.compile(r"(?<![\w./-])((?:translate|tests|bench|docs|locales)/[\w./<>-]*[\w/>])")


def mentioned_paths(text: str) -> set[str]:
    """Repository paths a document names (translate/..., docs/...); a
    placeholder such as <verb> or <key> stands for any name."""
    return {m.group(1).rstrip("/.") for m in PATH.finditer(text)}


def _exists(path: str) -> bool:
    if "<" in path:   # translate/cli/<verb>.py, locales/<key>/glossary.csv
        pattern = re.sub(r"<[^>]*>", "*", path)
        return any(REPO.glob(pattern))
    return (REPO / path).exists()


def link_targets(text: str) -> list[str]:
    """The local files a Markdown document links to (as CommonMark reads it:
    a link-like text in a code span is not a link)."""
    targets = []
    for token in MarkdownIt("commonmark").parse(text):
        for child in token.children or []:
            href = child.attrGet("href") if child.type == "link_open" else None
            if href and "://" not in href and not href.startswith(("mailto:", "#")):
                targets.append(unquote(href.split("#")[0]))
    return targets


def test_the_readme_and_docs_name_files_that_exist():
    missing = []
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "bench" / "README.md"]:
        text = doc.read_text(encoding="utf-8")
        for path in sorted(mentioned_paths(text)):
            if path.startswith("locales/") and "glossary" not in path and "adaptation" not in path \
                    and "LC_MESSAGES" not in path:
                continue   # a project's locales/<key>/ folder, not this repository's
            if not _exists(path):
                missing.append(f"{doc.relative_to(REPO)}: {path}")
        for target in link_targets(text):
            if not (doc.parent / target).exists():
                missing.append(f"{doc.relative_to(REPO)}: link {target}")
    assert not missing, "\n".join(missing)


def test_the_path_check_sees_a_missing_file():
    assert link_targets("[a](docs/models.md#x) `[b](c.md)` [d](https://e.org/f.md)") == ["docs/models.md"]
    assert mentioned_paths("see `translate/publishing/run.py` and translate/no_such.py.") == {
        "translate/publishing/run.py", "translate/no_such.py"}
    assert _exists("translate/cli/<verb>.py") and not _exists("translate/no_such.py")
