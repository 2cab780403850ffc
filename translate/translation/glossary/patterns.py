"""The glossary's small pattern language: literal text with {a|b} groups,
whole forms separated by ';'.

    Талибан{|а|у|ом|е}                   -> Талибан, Талибана, Талибану, ...
    Верховн{ый суд|ого суда} {России|РФ} -> every combination

A cell always expands to a finite list of literal forms, so matching is an
alternation of literals: no backtracking blow-up is possible.
"""

from __future__ import annotations

MAX_EXPANSIONS = 64      # per form item: a typo in braces should not make 10^6 forms
MAX_FORM_LENGTH = 200


class PatternError(ValueError):
    pass


def expand(cell: str) -> list[str]:
    """Every literal form a cell stands for, in order, without duplicates."""
    forms: list[str] = []
    for item in cell.split(";"):
        item = item.strip()
        if not item:
            continue
        for form in _expand_item(item):
            form = " ".join(form.split())
            if not form:
                raise PatternError(f"{item!r} can expand to an empty form")
            if len(form) > MAX_FORM_LENGTH:
                raise PatternError(f"{item!r} expands to a form longer than {MAX_FORM_LENGTH} characters")
            if form not in forms:
                forms.append(form)
    return forms


def _expand_item(item: str) -> list[str]:
    parts: list[list[str]] = []
    i = 0
    while i < len(item):
        c = item[i]
        if c == "{":
            close = item.find("}", i + 1)
            if close < 0:
                raise PatternError(f"unclosed '{{' in {item!r}: add the '}}'")
            inner = item[i + 1:close]
            if "{" in inner:
                raise PatternError(f"nested '{{' in {item!r}: groups cannot be nested")
            if not inner.strip("|").strip():
                raise PatternError(f"empty group '{{{inner}}}' in {item!r}: list the endings, e.g. {{|а|у}}")
            parts.append(inner.split("|"))
            i = close + 1
        elif c == "}":
            raise PatternError(f"'}}' without '{{' in {item!r}")
        elif c == "|":
            raise PatternError(f"'|' outside braces in {item!r}: separate whole forms with ';'")
        else:
            j = i
            while j < len(item) and item[j] not in "{}|":
                j += 1
            parts.append([item[i:j]])
            i = j
    total = 1
    for alternatives in parts:
        total *= len(alternatives)
        if total > MAX_EXPANSIONS:
            raise PatternError(
                f"{item!r} expands to more than {MAX_EXPANSIONS} forms: split it into items separated by ';'"
            )
    results = [""]
    for alternatives in parts:
        results = [r + a for r in results for a in alternatives]
    return results
