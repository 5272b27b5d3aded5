"""What a person sees: the toolbar in a narrow terminal and after ``debug`` (issue 13 item 15),
and an F2 block echoed as written (item 16).

Real pseudo-terminals against real rpdb programs: at 60 columns the worker's harakiri
countdown (a uWSGI stand-in, as in tests/test_identity.py) is the last thing cut, not the first;
after a nested ``debug`` is left, the toolbar shows the program's location again, not the
nested debugger's ``<string>(1)<module>()``; a Python block sent as one ``!`` statement is
shown as the lines the user typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from debuggee import STOPS_ON_THE_CALL, Debuggee, line_of
from matrix_pythons import python_before_313
from terminal import ROWS, Terminal
from test_identity import under_harakiri

Start = Callable[..., Debuggee]


def toolbar_row(term: Terminal) -> str:
    return term.rows[term.row_of("(Pdb)") + 1]


def test_at_60_columns_the_harakiri_countdown_is_cut_last(
    debuggee: Start, tmp_path: Path, terminal: Callable[..., Terminal]
) -> None:
    program = under_harakiri(debuggee, tmp_path, 60)
    term = terminal("--port", str(program.port), "--no-history", columns=60)
    row = term.wait_for(
        lambda t: next((r for r in t.rows if " at prompt " in r), None), "the toolbar"
    )
    assert "harakiri 60 s: 0:5" in row, term.text()
    assert row.rstrip().endswith("left at most"), row
    assert "at prompt" in row  # the state stays too; the target and location make room
    assert len(term.rows) == ROWS
    term.send("c\r")
    assert term.wait_exit() == 0
    assert program.finish()["reached_end"] is True


def test_after_debug_the_toolbar_shows_the_programs_location_again(
    debuggee: Start, terminal: Callable[..., Terminal]
) -> None:
    program = debuggee("rpdb", "simple")
    term = terminal("--port", str(program.port), "--no-history")
    stop = line_of("simple stop") + (0 if STOPS_ON_THE_CALL else 1)  # the call, or the next
    term.wait_for(lambda t: f"target.py:{stop} simple()" in t.text(), "the location")
    term.send("debug helper(1)\r")
    term.wait_for(lambda t: t.row_of("((Pdb))") >= 0, "the nested debugger")
    term.wait_for(lambda t: "<module>()" in toolbar_row_nested(t), "the nested location")
    term.send("c\r")  # runs helper(1) to its end and leaves the nested debugger
    term.wait_shows("LEAVING RECURSIVE DEBUGGER")
    term.wait_for(lambda t: f"target.py:{stop} simple()" in toolbar_row(t), "the location again")
    term.send("c\r")
    assert term.wait_exit() == 0
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record


def toolbar_row_nested(term: Terminal) -> str:
    return term.rows[term.row_of("((Pdb))") + 1]


def test_a_python_block_is_echoed_as_written(
    debuggee: Start, terminal: Callable[..., Terminal]
) -> None:
    """F2 block mode sends one ``!exec(compile(...))`` line; the screen shows the block the user
    wrote, its second line after ``...`` (issue 13 item 16)."""
    program = debuggee("rpdb", "simple", executable=python_before_313())  # the !exec form
    term = terminal("--port", str(program.port), "--no-history")
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the first prompt")
    term.send("\x1bOQ")  # F2
    term.wait_shows("[python]")
    term.send("for i in range(3):\r")
    term.send("x += i\r")
    term.send("\r")
    term.wait_for(lambda t: t.row_of("(Pdb) for i in range(3):") >= 0, "the block echoed")
    first = term.row_of("(Pdb) for i in range(3):")
    assert term.rows[first + 1] == "  ...     x += i", term.text()
    assert "exec(compile" not in term.text()
    term.send("\x1bOQ")  # F2: back to pdb commands
    term.send("c\r")
    assert term.wait_exit() == 0
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record
    assert record["values"]["x"] == 4  # 1 + 0 + 1 + 2: the block ran in the frame
