"""Every part of a page that reruns on its own (`st.fragment`) checks the login first: its
reruns skip app.py, where a whole run checks it (issue 21: an ended session is refused at its
next click)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fragments() -> list[tuple[str, ast.FunctionDef]]:
    found = []
    for path in sorted([*ROOT.glob("ui/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                "fragment" in ast.unparse(d) for d in node.decorator_list
            ):
                found.append((f"{path.name}:{node.name}", node))
    return found


def first_call(function: ast.FunctionDef) -> str:
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return ast.unparse(body[0]) if body else ""


def test_the_pages_have_fragments_and_each_checks_the_login_first():
    found = fragments()
    assert {name for name, _ in found} >= {
        "portfolio.py:trends",
        "portfolio.py:chosen_account",
        "assessment.py:shown_assessment",
        "relationship.py:focused_map",
    }
    for name, function in found:
        assert first_call(function).startswith("session.fragment_guard("), name
