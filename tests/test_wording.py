"""The client's sentences: one module says them, both front ends use it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rpdb_client.engine import wording

PACKAGE = Path(wording.__file__).parents[1]
FRONT_ENDS = [PACKAGE / "line_mode.py", *sorted((PACKAGE / "terminal").glob("*.py"))]
SAYING = {"notice", "on_notice", "_give_up", "_warn"}


def test_addresses_and_waiting() -> None:
    assert wording.address("127.0.0.1", 4444) == "127.0.0.1:4444"
    assert wording.address("::1", 4444) == "[::1]:4444"
    assert wording.waiting("h:1", 0, "Ctrl-C") == "waiting for a debugger on h:1 (Ctrl-C to stop)"
    assert wording.waiting("h:1", 2, "Ctrl-C").startswith("waiting again for a debugger")


@pytest.mark.parametrize("path", FRONT_ENDS, ids=lambda path: path.name)
def test_front_ends_take_their_sentences_from_wording(path: Path) -> None:
    """A notice written in place is how the two front ends came to say one thing two ways."""
    written_here = [
        f"{path.name}:{node.lineno}"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SAYING
        and node.args
        and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))
    ]
    assert written_here == []
