"""Compound statements pasted or piped at a pdb prompt (issue 11 item 3).

pdb reads each line as a statement of its own, stripped of its indentation: ``if False:`` alone
fails, and the body sent after it ran unconditionally. A bracketed paste in the REPL now sends a
compound statement as one statement (as F2's Python mode does); lines that go on a block whose
line pdb failed (piped, or typed ahead) are not sent. Against real rpdb, asserting on what the
program's ``got`` list recorded.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import pytest
from debuggee import Debuggee, run_client
from matrix_pythons import python_before_313
from terminal import CTRL_D, PASTE_END, PASTE_START, Terminal

Start = Callable[..., Debuggee]

BLOCK = ["if False:", "    got.append(1)", "    got.append(2)", "else:", "    got.append(3)"]
AFTER = "got.append(4)"


def clean_record(program: Debuggee) -> Any:
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record
    return record["values"]["got"]


def test_a_piped_block_whose_header_failed_is_not_run_line_by_line(debuggee: Start) -> None:
    # Before 3.13 pdb fails `if False:` alone (3.13 reads the block on at its `...` prompt).
    program = debuggee("rpdb", "collect", executable=python_before_313())
    result = run_client("--port", str(program.port), stdin="\n".join([*BLOCK, AFTER]) + "\n")
    assert clean_record(program) == [4]  # not [1, 2, 3, 4]: no line of the block ran
    assert result.returncode == 0, result.stderr
    assert re.search(r"\*\*\* (Syntax|Indentation)Error", result.stdout)  # as 3.9-3.12 say
    assert "4 line(s) of that block not sent" in result.stderr


@pytest.mark.parametrize("condition, expected", [("False", [3, 4]), ("True", [1, 2, 4])])
def test_a_pasted_compound_statement_runs_as_one(
    debuggee: Start, terminal: Callable[..., Terminal], condition: str, expected: list[int]
) -> None:
    program = debuggee("rpdb", "collect")
    term = terminal("--port", str(program.port), "--no-history")
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the first prompt")
    lines = [BLOCK[0].replace("False", condition), *BLOCK[1:], AFTER]
    term.send(PASTE_START + "\n".join(lines) + "\n" + PASTE_END)
    term.wait_for(lambda t: AFTER in t.text(), "the pasted block")
    term.send("\r")
    term.wait_for(lambda t: t.row_of(f"(Pdb) {AFTER}") >= 0, "the last statement sent")
    term.wait_for(lambda t: t.rows[t.row_of("(Pdb)")] == "(Pdb)", "the prompt after it")
    assert "SyntaxError" not in term.text()
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    assert clean_record(program) == expected


def test_body_lines_typed_ahead_of_a_failed_header_are_not_sent(
    debuggee: Start, terminal: Callable[..., Terminal]
) -> None:
    """Typed (not pasted) faster than the prompts come: each line goes alone, so the rule of
    the session applies: the header fails, its body is not sent."""
    # Before 3.13 pdb fails `if False:` alone (3.13 reads the block on at its `...` prompt).
    program = debuggee("rpdb", "collect", executable=python_before_313())
    term = terminal("--port", str(program.port), "--no-history")
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the first prompt")
    term.send("".join(line + "\r" for line in ["if False:", "    got.append(1)", AFTER]))
    term.wait_for(lambda t: t.row_of(f"(Pdb) {AFTER}") >= 0, "the last line sent")
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    assert clean_record(program) == [4]
