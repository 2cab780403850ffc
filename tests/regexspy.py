"""Which regular expressions a module compiles from what a user wrote, and
whether any of them can backtrack catastrophically.

"Matching is quick" as a wall-clock limit fails on a loaded machine and
passes a slow pattern on a fast one. The shape of a pattern decides instead:
Python's backtracking engine takes exponential time only where a group (or an
alternation) is repeated, or with a backreference. A pattern whose only
repetition is of one character class (``\\s+`` between the words of a term)
is matched in time polynomial in the text, whatever the text.
"""

from __future__ import annotations

import re
import sys
from re import _constants as sre  # the parse tree's opcodes (sre_constants before 3.11)
from re import _parser as sre_parse

import pytest

_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT}
_ONE_CHARACTER = {sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN, sre.CATEGORY}


def compiled_by(monkeypatch: pytest.MonkeyPatch, module: str) -> list[tuple[str, int]]:
    """(pattern, flags) of every regular expression ``module`` (or a module of
    that package) compiles while the patch lasts, by any re function (re.compile, re.search, re.sub...):
    all of them go through re._compile, which sees through the cache too."""
    seen: list[tuple[str, int]] = []
    real = re._compile

    def spy(pattern, flags):
        caller = sys._getframe(1)
        while caller is not None and caller.f_globals.get("__name__") == "re":
            caller = caller.f_back
        name = caller.f_globals.get("__name__", "") if caller is not None else ""
        if (name == module or name.startswith(module + ".")) and isinstance(pattern, str):
            seen.append((pattern, int(flags)))
        return real(pattern, flags)

    monkeypatch.setattr(re, "_compile", spy)
    return seen


def backtracking_risks(pattern: str, flags: int = 0) -> list[str]:
    """What in ``pattern`` could make matching take exponential time: a
    repeated group or alternation, a backreference. Empty when none."""
    risks: list[str] = []

    def walk(items) -> None:
        for op, av in items:
            if op in _REPEATS:
                _, most, body = av
                # an optional group ("(...)?", at most once) repeats nothing
                if most > 1 and not (len(body) == 1 and body[0][0] in _ONE_CHARACTER):
                    risks.append(f"a repeated group {list(body)!r}")
                walk(body)
            elif op in (sre.GROUPREF, sre.GROUPREF_EXISTS):
                risks.append("a backreference")
            elif op is sre.SUBPATTERN:
                walk(av[3])
            elif op is sre.ATOMIC_GROUP:
                walk(av)
            elif op is sre.BRANCH:
                for branch in av[1]:
                    walk(branch)
            elif op in (sre.ASSERT, sre.ASSERT_NOT):
                walk(av[1])

    walk(sre_parse.parse(pattern, flags))
    return risks
