"""What a person sees of the client's questions and of leaving (issue 11 items 1, 4, 6).

The installed ``rpdb-connect`` in a real pseudo-terminal (:mod:`terminal`), its screen rendered by
pyte; a real rpdb program on the other side, whose record says what it experienced.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

from debuggee import Debuggee
from terminal import CTRL_D, Terminal

from rpdb_client.engine import wording

Start = Callable[..., Debuggee]


def connect(terminal: Callable[..., Terminal], program: Debuggee) -> Terminal:
    term = terminal("--port", str(program.port), "--no-history")
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the first prompt")
    return term


def flat(term: Terminal) -> str:
    """The screen as one line (long notices wrap)."""
    return "".join(term.rows)


def test_a_declined_quit_is_asked_again_on_screen(debuggee: Start, terminal: Any) -> None:
    program = debuggee("rpdb", "simple")
    term = connect(terminal, program)
    term.send("q\r")
    term.wait_for(lambda t: t.row_of("Send q anyway? [y/N]") >= 0, "the question")
    term.send("n\r")
    term.wait_for(lambda t: t.rows[t.row_of("(Pdb)")] == "(Pdb)", "the prompt back")
    term.send("exit\r")
    term.wait_for(lambda t: t.row_of("Send exit anyway? [y/N]") >= 0, "the question again")
    term.send("\r")  # no, by default
    term.wait_for(lambda t: t.rows[t.row_of("(Pdb)")] == "(Pdb)", "the prompt back again")
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record


def test_ctrl_d_at_the_python_prompt_shows_what_leaving_does(
    debuggee: Start, terminal: Any
) -> None:
    version = (sys.version_info.major, sys.version_info.minor)
    program = debuggee("rpdb", "simple")
    term = connect(terminal, program)
    term.send("interact\r")
    if version < (3, 13):
        term.wait_for(lambda t: t.row_of("Send interact anyway? [y/N]") >= 0, "the warning")
        term.send("y\r")
    term.wait_for(lambda t: t.rows[t.row_of(">>>")] == ">>>", "the >>> prompt")
    term.send(CTRL_D)
    term.wait_for(lambda t: t.row_of(wording.LEAVE_QUESTION.strip()) >= 0, "the question")
    assert f"the program runs Python {version[0]}.{version[1]}" in flat(term)
    term.send("n\r")
    term.wait_for(lambda t: t.rows[t.row_of(">>>")] == ">>>", "still at >>>")
    assert term.child.isalive()
    term.send(CTRL_D)
    term.wait_for(
        lambda t: (
            t.rows[-2:].count(wording.LEAVE_QUESTION.strip())
            or t.text().count(wording.LEAVE_QUESTION.strip()) >= 2
        ),
        "asked again",
    )
    term.send("y\r")
    assert term.wait_exit() == 0  # the user chose it, after being told
    record = program.finish()
    if version < (3, 13):
        assert "BdbQuit" in str(record["error"])  # as the screen said it would
    else:
        assert record["error"] is None and record["reached_end"], record


def test_leaving_while_a_command_runs_takes_two_presses_at_most(
    debuggee: Start, terminal: Any
) -> None:
    program = debuggee("rpdb", "simple")
    term = connect(terminal, program)
    term.send("!__import__('time').sleep(5)\r")
    term.wait_for(lambda t: t.row_of("(running)") >= 0, "the command running")
    term.send(CTRL_D)
    term.wait_for(lambda t: "Ctrl-D again within 2 s closes now" in flat(t), "the first notice")
    term.send(CTRL_D)
    term.wait_for(lambda t: wording.CLOSING_NOW in flat(t), "closing now")
    term.wait_exit(timeout=3)  # well before the 5 s command ends
    assert "BdbQuit" in str(program.finish()["error"])  # what the first notice said
