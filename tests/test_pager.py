"""A reply taller than the screen is paged (issue 13 item 18), as pgcli pages a long result.

In a real pseudo-terminal of 24 rows: ``pp`` of a 100-item list against a real rpdb goes to the
real ``less`` (``$PAGER`` unset), which shows its first page and waits; ``q`` brings the REPL back
with the session intact. A reply that fits is printed; ``:pager off`` prints everything;
``$PAGER`` is the program run. The debugged program must reach its end untouched.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
from debuggee import Debuggee
from terminal import ROWS, Terminal, terminal_env

Start = Callable[..., Debuggee]
LONG = "pp list(range(100))"
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def plain(path: Path) -> str:
    """What the pager was given, without its colours (less -R shows them)."""
    return _COLOUR.sub("", path.read_text()) if path.exists() else ""


def connect(terminal: Callable[..., Terminal], program: Debuggee, **env: str) -> Terminal:
    term = terminal("--port", str(program.port), "--no-history", env=terminal_env(**env))
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the first prompt")
    return term


def back_at_the_prompt(term: Terminal) -> None:
    """The session goes on: a command answers, then `c` lets the program finish."""
    term.send("p 6 * 7\r")
    term.wait_for(lambda t: any(row == "42" for row in t.rows), "the answer to p 6 * 7")
    term.send("c\r")
    term.wait_shows("session ended")


def test_a_long_reply_goes_to_less_and_q_comes_back(debuggee: Start, terminal: Any) -> None:
    if shutil.which("less") is None:
        pytest.skip("less is not installed")
    program = debuggee("rpdb", "simple")
    env = {k: v for k, v in terminal_env().items() if k not in ("PAGER", "LESS")}
    term = terminal("--port", str(program.port), "--no-history", env=env)
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the first prompt")
    term.send(LONG + "\r")
    # less's first page: the start of the list, its prompt on the last row, not the end.
    term.wait_for(lambda t: t.rows[ROWS - 1].startswith(":"), "less's prompt")
    assert "[0," in term.text() and "99]" not in term.text()
    term.send("q")
    term.wait_for(lambda t: t.rows[t.row_of("(Pdb)")] == "(Pdb)", "the REPL's prompt again")
    back_at_the_prompt(term)
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record


def test_pager_runs_the_users_pager_only_for_what_does_not_fit(
    debuggee: Start, terminal: Any, tmp_path: Path
) -> None:
    paged = tmp_path / "paged.txt"
    program = debuggee("rpdb", "simple")
    term = connect(terminal, program, PAGER=f"sh -c 'cat >> {paged}'")
    term.send("p 1 + 1\r")
    term.wait_for(lambda t: any(row == "2" for row in t.rows), "a reply that fits, printed")
    term.send(LONG + "\r")
    term.wait_for(lambda _: "99]" in plain(paged), "the reply paged")
    assert plain(paged).startswith("[0,")  # the reply alone, and only the long one
    term.send(":pager off\r")
    term.wait_shows("pager off")
    term.send(LONG + "\r")
    term.wait_for(lambda t: any(row.endswith("99]") for row in t.rows), "the reply printed")
    assert plain(paged).count("99]") == 1
    back_at_the_prompt(term)
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record


def test_which_replies_may_be_paged_and_how_tall_they_are() -> None:
    from rpdb_client.terminal.pager import pages_reply_to, rows_needed

    assert all(pages_reply_to(line) for line in ("help", "w", "pp x", "ll", "x", "!print(x)"))
    assert not any(pages_reply_to(line) for line in ("c", "n", "s", "until 9", "q", "r"))
    assert rows_needed("\x1b[31mab\x1b[0m\n" + "x" * 25 + "\n", 10) == 4  # 1 + 3 wrapped rows
