"""vi keys, Ctrl-Z and a dumb terminal, in real pseudo-terminals (issue 13 items 11 to 13).

vi: after Esc then Enter, the next prompt starts in insert mode (``p 2`` is text, not a count
and a paste), and the toolbar says the mode. Ctrl-Z: the client is stopped by its shell's job
control, as any program; ``fg`` brings the REPL back with the same session (the debugged
program waited at its prompt meanwhile, and reaches its end untouched).
"""

from __future__ import annotations

import shutil
from typing import Callable

import pexpect
import pytest
from debuggee import Debuggee
from terminal import COLUMNS, ROWS, RPDB_CONNECT, Terminal, terminal_env

Start = Callable[..., Debuggee]
ESC = "\x1b"


def test_vi_mode_starts_every_prompt_in_insert_mode_and_says_so(
    debuggee: Start, terminal: Callable[..., Terminal]
) -> None:
    program = debuggee("rpdb", "simple")
    term = terminal("--port", str(program.port), "--no-history", "--vi")
    term.wait_for(lambda t: " vi insert" in t.text(), "the toolbar's vi mode")
    term.send("p 6 * 7" + ESC)
    term.wait_for(lambda t: " vi normal" in t.text(), "normal mode after Esc")
    term.send("\r")
    term.wait_for(lambda t: "42" in t.rows, "the answer")
    term.wait_for(lambda t: " vi insert" in t.text(), "insert mode at the next prompt")
    term.send("p 2 + 3\r")
    term.wait_for(lambda t: "5" in t.rows, "the second line, typed as text")
    term.send("c\r")
    assert term.wait_exit() == 0
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record


def test_ctrl_z_suspends_the_client_and_fg_brings_the_session_back(debuggee: Start) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    program = debuggee("rpdb", "simple")
    shell = pexpect.spawn(
        bash,
        ["--norc", "--noprofile", "-i"],
        env=terminal_env(PS1="SHELL> "),
        dimensions=(ROWS, COLUMNS),
        encoding="utf-8",
        timeout=15,
    )
    try:
        shell.expect("SHELL> ")
        shell.sendline(f"{RPDB_CONNECT} --port {program.port} --no-history")
        shell.expect(r"\(Pdb\) ")
        shell.send("\x1a")  # Ctrl-Z
        shell.expect("Stopped")
        shell.expect("SHELL> ")
        assert program.process.poll() is None  # the program waits at its prompt
        shell.sendline("fg")
        shell.expect(r"\(Pdb\) ")
        shell.send("p 6 * 7\r")
        shell.expect("42")
        shell.send("c\r")
        shell.expect("session ended")
        shell.expect("SHELL> ")
        shell.sendline("echo status=$?")
        shell.expect("status=0")
    finally:
        shell.close(force=True)
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record


def test_a_dumb_terminal_shows_a_command_once_and_ctrl_d_leaves(
    debuggee: Start, terminal: Callable[..., Terminal]
) -> None:
    """``TERM=dumb`` runs line mode on the terminal: the terminal echoes what is typed, so the
    client must not echo it again; and Ctrl-D with --wait leaves instead of letting every later
    breakpoint go on its own (issue 13 item 13)."""
    program = debuggee("rpdb", "simple")
    term = terminal("--port", str(program.port), "--wait", env=terminal_env(TERM="dumb"))
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the first prompt")
    term.send("p 6 * 7\r")
    term.wait_for(lambda t: "42" in t.rows, "the answer")
    assert term.text().count("p 6 * 7") == 1, term.text()
    term.send("\x04")  # Ctrl-D
    assert term.wait_exit() == 0
    assert "waiting again" not in term.text()
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record
