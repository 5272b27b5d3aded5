"""Root and a port another user owns: named before anything is sent, then asked or refused.

Root debugs other users' workers (uWSGI as ``www-data``), so it is not refused outright; but
whoever binds a port first receives everything typed there. Here the other user is ``nobody``
running a real rpdb program (the system's Python, this checkout and its site-packages on its
path; its record in a sticky shared directory), and the client runs as root, as the tests do.
The program's record says whether a line reached it (``x = 99`` changes what it records).
Needs root and world-readable paths (see tests/test_squatting.py); skipped otherwise.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest
from debuggee import Debuggee, run_client
from terminal import CTRL_D, Terminal
from test_squatting import AS_NOBODY, ROOT, SITE_PACKAGES, SYSTEM_PYTHON, readable_by_all

PORT_GUARD = Path(__file__).parent / "port_guard"
HOSTILE_ARGUMENT = "\x1b]0;OWNED\x07\u202eevil"
"""On the program's command line: a window title and a bidi override, for the named owner."""

Start = Callable[..., Debuggee]


@pytest.fixture
def as_nobody() -> Iterator[Start]:
    """Start ``target.py KIND SCENARIO`` as user ``nobody``; every one stopped at the end."""
    if os.getuid() != 0 or not shutil.which("setpriv") or not SYSTEM_PYTHON:
        pytest.skip("needs root and setpriv to run a program as another user")
    if not (readable_by_all(ROOT) and readable_by_all(SITE_PACKAGES)):
        pytest.skip("the checkout or its site-packages is not readable by other users")
    shared = Path(tempfile.mkdtemp(prefix="rpdb-nobody-"))
    shared.chmod(0o1777)  # nobody writes the record there; nobody else can replace it
    wrapper = shared / "python-as-nobody"
    wrapper.write_text(f'#!/bin/sh\nexec {" ".join(AS_NOBODY)} {SYSTEM_PYTHON} "$@"\n')
    wrapper.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    started: list[Debuggee] = []

    def start(kind: str, scenario: str) -> Debuggee:
        env = {"PYTHONPATH": f"{PORT_GUARD}:{ROOT}:{SITE_PACKAGES}", "HOME": "/"}
        program = Debuggee(
            kind, scenario, shared, env, str(wrapper), extra_args=(HOSTILE_ARGUMENT,)
        )
        started.append(program)
        program.wait_listening()
        return program

    yield start
    for program in started:
        program.stop()
    shutil.rmtree(shared, ignore_errors=True)


def named_before_refusal(text: str, program: Debuggee) -> None:
    assert "port" in text and "belongs to another user, nobody" in text, text
    assert f"pid {program.process.pid}" in text and "target.py" in text
    assert "^[]0;OWNED^G\\u202eevil" in text  # its command line, shown and not obeyed
    assert "\x1b]0;" not in text and "\u202e" not in text


def test_line_mode_names_the_owner_and_refuses_having_sent_nothing(as_nobody: Start) -> None:
    program = as_nobody("rpdb", "simple")
    result = run_client("--port", str(program.port), stdin="x = 99\n")
    assert result.returncode == 3, result.stderr
    named_before_refusal(result.stderr, program)
    assert "--trust-owner" in result.stderr and "Traceback" not in result.stderr
    assert "connected to" not in result.stderr
    record = program.finish()
    assert record["values"].get("x") != 99  # the line never reached the program


def test_trust_owner_sends_to_that_users_program(as_nobody: Start) -> None:
    program = as_nobody("rpdb", "simple")
    result = run_client("--port", str(program.port), "--trust-owner", stdin="x = 99\n")
    assert result.returncode == 0, result.stderr
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record
    assert record["values"]["x"] == 99


def test_a_pid_of_that_user_needs_no_question(as_nobody: Start) -> None:
    program = as_nobody("rpdb", "simple")
    pid = str(program.process.pid)
    result = run_client("--wait", "--any", "--pid", pid, "--count", "1", stdin="x = 99\n")
    assert result.returncode == 0, result.stderr
    assert "belongs to another user" not in result.stderr
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record
    assert record["values"]["x"] == 99


def start_repl(terminal: Callable[..., Terminal], program: Debuggee) -> Terminal:
    term = terminal("--port", str(program.port), "--no-history")
    term.wait_shows("Send what you type to that user's program? [y/N]")
    named_before_refusal(term.raw.decode(errors="replace"), program)
    return term


def test_the_repl_asks_once_and_yes_connects(
    as_nobody: Start, terminal: Callable[..., Terminal]
) -> None:
    program = as_nobody("rpdb", "simple")
    term = start_repl(terminal, program)
    term.send("y\r")
    term.wait_shows("connected to")
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the pdb prompt")
    term.send("x = 99\r")
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    assert term.text().count("belongs to another user") == 1
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record
    assert record["values"]["x"] == 99


def test_the_repl_declined_sends_nothing(
    as_nobody: Start, terminal: Callable[..., Terminal]
) -> None:
    program = as_nobody("rpdb", "simple")
    term = start_repl(terminal, program)
    term.send("n\r")
    assert term.wait_exit() == 3
    assert "connected to" not in term.text()
    record = program.finish()
    assert record["values"].get("x") != 99


def test_a_signal_while_asking_refuses(as_nobody: Start, terminal: Callable[..., Terminal]) -> None:
    program = as_nobody("rpdb", "simple")
    term = start_repl(terminal, program)
    assert term.child.pid is not None
    os.kill(term.child.pid, signal.SIGTERM)
    assert term.wait_exit() == 3
    assert "connected to" not in term.text()
    assert program.finish()["values"].get("x") != 99
