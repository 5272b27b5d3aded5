"""What a typed line would do to the program, and how Python blocks become pdb lines."""

from __future__ import annotations

from typing import Optional

import pytest

from rpdb_client.terminal.key_bindings import block_is_complete
from rpdb_client.vocabulary.risks import block_statement, code_lines, interact_lines, risk_of
from rpdb_client.wire.parser import PromptKind


@pytest.mark.parametrize(
    ("line", "kind", "key"),
    [
        ("q", PromptKind.PDB, "quit"),
        ("  quit  ", PromptKind.PDB, "quit"),
        ("exit", PromptKind.PDBPP, "quit"),
        ("quit = 5", PromptKind.PDB, "quit"),  # pdb runs the command quit with "= 5"
        ("p 1;; q", PromptKind.PDB, "quit"),
        ("EOF", PromptKind.PDB, "quit"),
        ("q", None, "quit"),  # typed ahead: probably for a pdb prompt
        ("interact", PromptKind.PDB, "interact"),
        ("exit()", PromptKind.PYTHON, "exit()"),
        ("quit( 0 )", PromptKind.PYTHON_MORE, "exit()"),
        ("p q", PromptKind.PDB, None),
        ("qq = 1", PromptKind.PDB, None),
        ("q", PromptKind.COMMANDS, None),  # (com): recorded into the command list
        ("q", PromptKind.QUESTION, None),
        ("q", PromptKind.PYTHON, None),
        ("exit", PromptKind.PYTHON, None),
        ("alias q p 1;; quit", PromptKind.PDB, None),  # defining an alias runs nothing
    ],
)
def test_risky_lines(line: str, kind: Optional[PromptKind], key: Optional[str]) -> None:
    risk = risk_of(line, kind)
    assert (risk.key if risk else None) == key


def test_quit_is_not_asked_about_when_turned_off() -> None:
    assert risk_of("q", PromptKind.PDB, confirm_quit=False) is None
    interact = risk_of("interact", PromptKind.PDB, confirm_quit=False)
    assert interact is not None and "3.13" in interact.warning


def test_block_statement_is_one_ascii_line() -> None:
    assert block_statement(["x = 1"]) == "!x = 1"
    line = block_statement(["for c in 'café':", "    print(c)"])
    assert "\n" not in line and line.isascii()
    assert line == (
        "!exec(compile(\"for c in 'caf\\xe9':\\n    print(c)\\n\", '<rpdb-connect>', 'exec'))"
    )
    namespace: dict[str, object] = {}
    exec(block_statement(["n = 0", "for c in 'café':", "    n += 1"])[1:], namespace)
    assert namespace["n"] == 4  # what pdb runs in the frame is the block itself


def test_interact_lines_end_blocks_as_the_console_needs() -> None:
    assert interact_lines([]) == [""]
    assert interact_lines(["x = 1"]) == ["x = 1"]
    assert interact_lines(["for i in x: f(i)"]) == ["for i in x: f(i)", ""]
    assert interact_lines(["for i in x:", "    f(i)", "g()"]) == [
        "for i in x:",
        "    f(i)",
        "",
        "g()",
        "",
    ]
    assert interact_lines(["if a:", "    b", "else:", "    c"]) == [
        "if a:",
        "    b",
        "else:",
        "    c",
        "",
    ]
    assert code_lines("if a:\n\n    b\n  \n") == ["if a:", "    b"]


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("", True),
        ("x = 1", True),
        ("for i in x:", False),
        ("for i in x: f(i)", False),
        ("for i in x:\n    f(i)", False),
        ("for i in x:\n    f(i)\n", True),
        ("def f(:", True),  # a syntax error: the debugger will say so
    ],
)
def test_enter_ends_a_block_when_python_would(text: str, complete: bool) -> None:
    assert block_is_complete(text) is complete
